#include <catch2/catch.hpp>

#include "config/sweep_config.h"

using namespace hs;

namespace {
std::string error_of(const std::string& text) {
  auto r = load_sweep_text(text, "s.toml");
  return r ? "" : r.error().str();
}
}  // namespace

TEST_CASE("a sweep file gives its strategy, space and trial options", "[config][sweep]") {
  const auto r = load_sweep_text(R"(
[train]
dataset = "synthetic"
epochs = 2
[sweep]
strategy = "grid"
trials = 6
seed = 9
metric = "val_loss"
[space]
lr = { log_uniform = [1e-3, 1e-1], grid = 3 }
optimizer = ["sgd", "adam"]
batch_size = 64
)", "s.toml");
  REQUIRE(r.ok());
  CHECK(r->strategy.kind == StrategyKind::kGrid);
  CHECK(r->strategy.trials == 6);
  CHECK(r->strategy.seed == 9u);
  CHECK(r->strategy.direction == Direction::kMinimize);  // val_loss is minimised by default
  REQUIRE(r->space.params.size() == 3u);
  CHECK(r->space.params[0].kind == ParamKind::kLogUniform);
  CHECK(r->space.params[0].line == 11);
  CHECK(r->space.params[1].kind == ParamKind::kChoice);
  CHECK(r->space.params[2].kind == ParamKind::kFixed);
  // A trial's values land in the trainer options, over the [train] base.
  const Trial t{0, {ParamValue{0.01}, ParamValue{std::string("adam")}, ParamValue{int64_t{64}}}};
  const auto opt = trial_options(*r, t);
  REQUIRE(opt.ok());
  CHECK(opt->lr == 0.01);
  CHECK(opt->optim.kind == OptimizerKind::kAdam);
  CHECK(opt->batch_size == 64);
  CHECK(opt->epochs == 2);
}

TEST_CASE("bad sweep files name the file, line and key", "[config][sweep]") {
  CHECK(error_of("[space]\nlr = { log_uniform = [0.0, 0.1] }\n") ==
        "s.toml:2: lr: log_uniform needs lo > 0, got [0.0, 0.1]");
  CHECK(error_of("[space]\nlr = { uniform = [0.5, 0.1] }\n") ==
        "s.toml:2: lr: uniform needs lo < hi, got [0.5, 0.1]");
  CHECK(error_of("[space]\noptimizer = { choice = [] }\n") ==
        "s.toml:2: optimizer: choice needs at least one value, got []");
  CHECK(error_of("[space]\nlerning_rate = 0.1\n") ==
        "s.toml:2: lerning_rate: not a trainer key, so it cannot be searched (hypersweep train "
        "--list-keys)");
  // Another tool's name, or a typo, gets the trainer key it means, as [train] does.
  CHECK(error_of("[space]\nlearning_rate = [0.1, 0.01]\n") ==
        "s.toml:2: learning_rate: not a trainer key, so it cannot be searched (did you mean "
        "\"lr\"?) (hypersweep train --list-keys)");
  CHECK(error_of("[space]\nweight_decy = [0.1, 0.01]\n")
            .rfind("s.toml:2: weight_decy: not a trainer key, so it cannot be searched (did you "
                   "mean \"weight_decay\"?)",
                   0) == 0);
  // A value the trainer refuses anywhere in the space: here the low end of the range.
  CHECK(error_of("[space]\nlr = 0.1\nmomentum = { uniform = [0.5, 1.5] }\n")
            .rfind("s.toml:3: momentum: the space reaches 1.5, which the trainer refuses", 0) == 0);
  CHECK(error_of("[space]\noptimizer = [\"sgd\", \"adamm\"]\n").rfind("s.toml:2: optimizer:", 0) == 0);
  CHECK(error_of("[space]\nlr = { uniform = [0.1, 0.5], step = 2 }\n").find("unknown field step") !=
        std::string::npos);
  // A step (Optuna's) or q (Hyperopt's, Ray Tune's): hypersweep has none, and says what to
  // write instead; Optuna's hint used to drop the step without a word.
  const std::string wrote = error_of("[space]\nhidden = { int = [32, 256], step = 32 }\n");
  CHECK(wrote.find("unknown field step: hypersweep's ranges have no step (step = 32): its values "
                   "as choices are hidden = [32, 64, 96, 128, 160, 192, 224, 256]") !=
        std::string::npos);
  CHECK(wrote.find("(k = { int = [1, 8] }) and use 32 * k in your script") != std::string::npos);
  CHECK(error_of("[space]\nhidden = { type = \"int\", low = 32, high = 256, step = 32 }\n")
            .find("write a range as hidden = { int = [32, 256] } (a parameter is one of uniform, "
                  "log_uniform, int, choice; with log, grid); hypersweep's ranges have no step "
                  "(step = 32)") != std::string::npos);
  CHECK(error_of("[space]\ndropout = { uniform = [0.0, 0.5], q = 0.1 }\n")
            .find("dropout = [0, 0.1, 0.2, 0.3, 0.4, 0.5]") != std::string::npos);
  CHECK(error_of("[space]\nhidden = { int = [1, 100], step = 1 }\n")
            .find("an int range takes every integer between its bounds, so leave it out") !=
        std::string::npos);
  // Optuna's and Ray Tune's spelling gets ours, with the user's own bounds.
  CHECK(error_of("[space]\nlr = { type = \"log_uniform\", low = 1e-3, high = 0.3 }\n") ==
        "s.toml:2: lr: unknown field type: write a range as lr = { log_uniform = [0.001, 0.3] } "
        "(a parameter is one of uniform, log_uniform, int, choice; with log, grid)");
  CHECK(error_of("[space]\nbatch_size = { type = \"int\", low = 16 }\n")
            .find("write a range as batch_size = { int = [lo, hi] }") != std::string::npos);
  // Each tool's kind gets ours, and what the message suggests is a parameter that loads.
  const struct {
    const char* entry;
    const char* ours;
  } spellings[] = {
      {"lr = { type = \"log\", low = 1e-3, high = 0.1 }", "lr = { log_uniform = [0.001, 0.1] }"},
      {"lr = { type = \"loguniform\", low = 1e-3, high = 0.1 }",
       "lr = { log_uniform = [0.001, 0.1] }"},
      {"lr = { type = \"float\", low = 1e-3, high = 0.1, log = true }",
       "lr = { log_uniform = [0.001, 0.1] }"},
      {"momentum = { type = \"float\", low = 0.5, high = 0.9 }",
       "momentum = { uniform = [0.5, 0.9] }"},
      {"batch_size = { type = \"int\", low = 16, high = 512, log = true }",
       "batch_size = { int = [16, 512], log = true }"},
      // randint leaves out its upper bound (NNI, Ray Tune, hyperopt)
      {"batch_size = { _type = \"randint\", _value = [16, 512] }",
       "batch_size = { int = [16, 511] }"},
      {"lr = { _type = \"loguniform\", _value = [0.0001, 0.1] }",
       "lr = { log_uniform = [1e-04, 0.1] }"},
      {"optimizer = { type = \"categorical\", choices = [\"sgd\", \"adam\"] }",
       "optimizer = [\"sgd\", \"adam\"]"},
      {"optimizer = { _type = \"choice\", _value = [\"sgd\", \"adam\"] }",
       "optimizer = [\"sgd\", \"adam\"]"},
  };
  for (const auto& sp : spellings) {
    INFO(sp.entry);
    const std::string e = error_of(std::string("[space]\n") + sp.entry + "\n");
    CHECK(e.find(std::string(" as ") + sp.ours + " (a parameter is one of") != std::string::npos);
    CHECK(error_of(std::string("[space]\n") + sp.ours + "\n") == "");
  }
  CHECK(error_of("[space]\nb = { _type = \"randint\", _value = [16, 512] }\n")
            .ends_with("; randint leaves out its upper bound, an int range takes both"));
  // lognormal is a mean and a spread: no log_uniform of ours (its suggestion was refused).
  CHECK(error_of("[space]\nlr = { _type = \"lognormal\", _value = [0, 1] }\n")
            .find("\"lognormal\" is none of hypersweep's kinds") != std::string::npos);
  CHECK(error_of("[space]\nlr = { type = \"normal\", mu = 0.01 }\n") ==
        "s.toml:2: lr: unknown field type: \"normal\" is none of hypersweep's kinds: write a "
        "range as lr = { uniform = [lo, hi] } (a parameter is one of uniform, log_uniform, int, "
        "choice; with log, grid)");
  CHECK(error_of("[space]\nlr = { uniform = [0.1, 0.5], choice = [1] }\n").find("only one of") !=
        std::string::npos);
  CHECK(error_of("[space]\nlr = { uniform = [0.1, 0.5], log = true }\n").find("log = true goes with int") !=
        std::string::npos);
  CHECK(error_of("[sweep]\nstrategy = \"annealing\"\n[space]\nlr = 0.1\n") ==
        "s.toml:2: strategy: expected grid, random, bayes, tpe or list, got 'annealing'");
  CHECK(error_of("[sweep]\ntrials = 0\n[space]\nlr = 0.1\n") == "s.toml:2: trials: must be 1 to 1000000, got 0");
  CHECK(error_of("[sweep]\nmetric = \"test_acc\"\n[space]\nlr = 0.1\n")
            .rfind("s.toml:2: metric: expected val_acc, val_loss, train_acc or train_loss", 0) == 0);
  const auto train_loss = load_sweep_text("[sweep]\nmetric = \"train_loss\"\n[space]\nlr = 0.1\n", "s.toml");
  REQUIRE(train_loss.ok());
  CHECK(train_loss->strategy.direction == Direction::kMinimize);
  CHECK(error_of("[sweep]\ntrials = 3\n").find("needs a [space] table") != std::string::npos);
  CHECK(error_of("[train]\nlr = -1\n[space]\nmomentum = 0.9\n") == "s.toml:2: lr: must be > 0, got -1");
}

TEST_CASE("an objective command frees the space's names and the metric", "[config][sweep]") {
  const auto r = load_sweep_text(R"([objective]
command = "python3 train.py --lr {lr} --wd {weight_decay} --depth {n_layers} {{x}}"
timeout = 2.5
[sweep]
metric = "f1_score"
[space]
lr = { uniform = [-1.0, 1.0] }
weight_decay = { log_uniform = [1e-6, 1e-2] }
n_layers = { int = [1, 4] }
unused_knob = ["a", "b"]
)", "s.toml");
  REQUIRE(r.ok());
  CHECK_FALSE(uses_trainer(*r));
  CHECK(r->objective.command ==
        "python3 train.py --lr {lr} --wd {weight_decay} --depth {n_layers} {{x}}");
  CHECK(r->objective.timeout == 2.5);
  CHECK(r->objective.file == "s.toml");
  CHECK(r->objective.line == 2);
  CHECK(r->metric == "f1_score");
  CHECK(r->strategy.direction == Direction::kMaximize);
  // lr = -1 would be refused by the trainer; with a command the trainer is not asked.
  REQUIRE(r->space.params.size() == 4u);
  CHECK(r->space.params[0].lo == -1.0);
  CHECK(r->space.params[3].name == "unused_knob");

  const auto loss = load_sweep_text(
      "[objective]\ncommand = \"run {x}\"\ntimeout = 0\n[sweep]\nmetric = \"my_loss\"\n[space]\nx = 1\n",
      "s.toml");
  REQUIRE(loss.ok());
  CHECK(loss->strategy.direction == Direction::kMinimize);  // ends in _loss
  CHECK(loss->objective.timeout == 0);
  const auto plain = load_sweep_text("[space]\nlr = 0.1\n", "s.toml");
  REQUIRE(plain.ok());
  CHECK(uses_trainer(*plain));
  CHECK(plain->objective.command.empty());
}

TEST_CASE("the command is cut into text and placeholders", "[config][sweep]") {
  ObjectiveOptions o;
  o.command = "a {x}{{y}} }}{z}";
  o.file = "f.toml";
  o.line = 4;
  const auto parts = split_command(o);
  REQUIRE(parts.ok());
  REQUIRE(parts->size() == 4u);
  CHECK(((*parts)[0].text == "a " && !(*parts)[0].is_param));
  CHECK(((*parts)[1].text == "x" && (*parts)[1].is_param));
  CHECK(((*parts)[2].text == "{y} }" && !(*parts)[2].is_param));
  CHECK(((*parts)[3].text == "z" && (*parts)[3].is_param));
  o.command = "a {x";
  CHECK(split_command(o).error().str() ==
        "f.toml:4: command: an unclosed '{' at character 3 (write {{ for a literal brace)");
  o.command = "awk '{print $1}'";
  CHECK(split_command(o).error().str().rfind("f.toml:4: command: {print $1} is not a placeholder", 0) == 0);
  o.command = "a } b";
  CHECK(split_command(o).error().str() ==
        "f.toml:4: command: a lone '}' at character 3 (write }} for a literal brace)");
}

TEST_CASE("a [train] table beside an [objective] command is refused: no trial would use it",
          "[config][sweep]") {
  const std::string err = error_of("[train]\nepochs = 3\n[objective]\ncommand = \"run {x}\"\n"
                                   "[space]\nx = 1\n");
  CHECK(err.starts_with("s.toml:2: epochs: [train] sets the built-in trainer's options, and an "
                        "[objective] command replaces that trainer"));
  CHECK(error_of("[train]\n[objective]\ncommand = \"run {x}\"\n[space]\nx = 1\n").empty());
}

TEST_CASE("grid = 0 is refused as a grid, not read as no grid given", "[config][sweep]") {
  CHECK(error_of("[sweep]\nstrategy = \"grid\"\n[space]\nlr = { uniform = [0.1, 0.2], grid = 0 }\n") ==
        "s.toml:4: lr: grid expects a whole number of points, 2 or more, got 0");
}

TEST_CASE("bad objective tables name the file, line and key", "[config][sweep]") {
  CHECK(error_of("[objective]\ncommand = \"run {x}\"\ncomand = \"y\"\n[space]\nx = 1\n") ==
        "s.toml:3: comand: unknown key in [objective] (did you mean \"command\"?); [objective] "
        "takes command, timeout, mode, gpus_per_worker, gpus_per_node");
  CHECK(error_of("[sweep]\ngpus_per_worker = 1\n[space]\nx = 1\n") ==
        "s.toml:2: gpus_per_worker: belongs in [objective], not [sweep]");
  CHECK(error_of("[sweep]\nepochs = 3\n[space]\nx = 1\n") ==
        "s.toml:2: epochs: belongs in [train], not [sweep]");
  CHECK(error_of("[sweep]\nreduction = 3\n[space]\nx = 1\n") ==
        "s.toml:2: reduction: belongs in [pruner], not [sweep]");
  CHECK(error_of("[sweep]\ntrails = 3\n[space]\nx = 1\n") ==
        "s.toml:2: trails: unknown key in [sweep] (did you mean \"trials\"?); [sweep] takes "
        "strategy, trials, seed, metric, direction, n_init, isolate, memory_limit, max_retries, "
        "fail_fast, pruner");
  CHECK(error_of("[space]\nlr = 0.1\nx = 2\n[objective]\ncommand = \"run --lr {lr} --y {y}\"\n") ==
        "s.toml:5: command: {y} is not a parameter of [space] (lr, x); write {{ and }} for "
        "literal braces");
  CHECK(error_of("[objective]\ncommand = \"run\"\ntimeout = -1\n[space]\nx = 1\n") ==
        "s.toml:3: timeout: expected a number of seconds >= 0 (0: none), got -1");
  CHECK(error_of("[objective]\ncommand = \"run\"\ntimeout = \"10\"\n[space]\nx = 1\n")
            .rfind("s.toml:3: timeout: expected a number of seconds", 0) == 0);
  CHECK(error_of("[objective]\ncommand = 3\n[space]\nx = 1\n") ==
        "s.toml:2: command: expected a non-empty string, got 3");
  CHECK(error_of("[objective]\ncommand = \"\"\n[space]\nx = 1\n") ==
        "s.toml:2: command: expected a non-empty string, got ''");
  CHECK(error_of("[objective]\ntimeout = 5\n[space]\nx = 1\n") ==
        "s.toml:2: command: [objective] needs a command (or leave the table out for the built-in "
        "trainer)");
  CHECK(error_of("objective = \"run\"\n[space]\nx = 1\n") ==
        "s.toml:1: objective: expected a table ([objective]), got 'run'");
  // With a command: names are identifiers; the metric is any name a k=v line can print.
  CHECK(error_of("[objective]\ncommand = \"run\"\n[space]\n\"a-b\" = 1\n") ==
        "s.toml:4: a-b: a parameter of a command objective is named by an identifier "
        "([A-Za-z_][A-Za-z0-9_]*)");
  CHECK(error_of("[objective]\ncommand = \"run\"\n[sweep]\nmetric = \"val acc\"\n[space]\nx = 1\n") ==
        "s.toml:4: metric: expected the name of a metric the command prints (ASCII: a letter or "
        "_, then letters, digits or _ . / -), got 'val acc'");
  // Lightning's and W&B's names: refused, though the output lines read them.
  for (const char* m : {"val/acc", "val-loss", "val.loss"}) {
    auto s = load_sweep_text("[objective]\ncommand = \"run\"\n[sweep]\nmetric = \"" +
                                 std::string(m) + "\"\n[space]\nx = 1\n", "s.toml");
    REQUIRE(s.ok());
    CHECK(s->metric == m);
  }
  // Without a command, nothing changes: free names and metrics stay errors.
  CHECK(error_of("[space]\nn_layers = 3\n").rfind("s.toml:2: n_layers: not a trainer key", 0) == 0);
  CHECK(error_of("[sweep]\nmetric = \"f1_score\"\n[space]\nlr = 0.1\n")
            .rfind("s.toml:2: metric: expected val_acc, val_loss, train_acc or train_loss", 0) == 0);
}

TEST_CASE("a list sweep file runs exactly its configurations", "[config][sweep][list]") {
  const auto r = load_sweep_text(R"(
[train]
dataset = "synthetic"
[sweep]
strategy = "list"
trials = 3
[space]
lr = [0.1, 0.03, 0.01]
epochs = 4
weight_decay = [1e-4, 0.0, 5e-4]
)", "s.toml");
  REQUIRE(r.ok());
  CHECK(r->strategy.kind == StrategyKind::kList);
  std::vector<std::string> notes;
  auto strategy = make_strategy(r->strategy, r->space, &notes);
  REQUIRE(strategy.ok());
  CHECK(notes == std::vector<std::string>{"list: 3 configurations (lr, weight_decay)"});
  const double lr[] = {0.1, 0.03, 0.01}, wd[] = {1e-4, 0.0, 5e-4};
  for (int64_t i = 0; i < 3; ++i) {
    const auto t = (*strategy)->ask();
    REQUIRE(t);
    CHECK(t->id == i);
    const auto opt = trial_options(*r, *t);
    REQUIRE(opt.ok());
    CHECK(opt->lr == lr[i]);
    CHECK(opt->optim.weight_decay == wd[i]);
    CHECK(opt->epochs == 4);
  }
  CHECK_FALSE((*strategy)->ask());
}

TEST_CASE("grid and list run their whole size unless trials says fewer, and refuse more",
          "[config][sweep][list]") {
  // Without trials, grid and list take their size (not the 20 of the other strategies); a trials
  // larger than that is an error naming where it was set.
  const char* kSpace = "[space]\nlr = [0.1, 0.03, 0.01]\nweight_decay = [1e-4, 0.0, 5e-4]\n";
  for (const std::string strategy : {"grid", "list"}) {
    INFO(strategy);
    const auto r = load_sweep_text("[sweep]\nstrategy = \"" + strategy + "\"\n" + kSpace, "s.toml");
    REQUIRE(r.ok());
    CHECK(r->strategy.trials == (strategy == "grid" ? 9 : 3));
    CHECK(make_strategy(r->strategy, r->space, nullptr).ok());
    const auto more = load_sweep_text(
        "[sweep]\nstrategy = \"" + strategy + "\"\ntrials = 10\n" + kSpace, "s.toml");
    REQUIRE_FALSE(more.ok());
    CHECK(more.error().str().rfind("s.toml:3: trials: the " + strategy + " has ", 0) == 0);
  }
  const auto two = load_sweep_text(std::string("[sweep]\nstrategy = \"list\"\ntrials = 2\n") + kSpace,
                                   "s.toml");
  REQUIRE(two.ok());
  CHECK(two->strategy.trials == 2);

  const auto range = load_sweep_text(
      "[sweep]\nstrategy = \"list\"\ntrials = 2\n[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n"
      "weight_decay = [1e-4, 0.0]\n",
      "s.toml");
  REQUIRE_FALSE(range.ok());  // what the list strategy cannot run is refused with the file
  CHECK(range.error().str().rfind("s.toml:5: lr: list needs explicit values: give lr = [..] a list", 0) == 0);
}

TEST_CASE("sweep sizes are bounded before anything is allocated", "[config][sweep][limits]") {
  const auto error_of = [](const std::string& text) {
    const auto r = load_sweep_text(text, "s.toml");
    REQUIRE_FALSE(r.ok());
    return r.error().str();
  };
  using Catch::Matchers::StartsWith;
  // One parameter's grid, the product of several, an int range taken whole, and trials.
  CHECK_THAT(error_of("[sweep]\nstrategy = \"grid\"\n[space]\n"
                      "lr = { uniform = [0.01, 0.1], grid = 9223372036854775807 }\n"),
             StartsWith("s.toml:4: lr: grid = 9223372036854775807 is more points"));
  CHECK_THAT(error_of("[sweep]\nstrategy = \"grid\"\n[space]\nepochs = { int = [1, 1000] }\n"
                      "batch_size = { int = [1, 1000] }\nseed = { int = [1, 1000] }\n"),
             StartsWith("s.toml:6: seed: the grid passes 1000000 points"));
  CHECK_THAT(error_of("[sweep]\nstrategy = \"grid\"\n[space]\n"
                      "batch_size = { int = [1, 1000000000] }\n"),
             StartsWith("s.toml:4: batch_size: takes 1e+09 grid values"));
  CHECK_THAT(error_of("[sweep]\ntrials = 1000001\n[space]\nlr = [0.1, 0.2]\n"),
             StartsWith("s.toml:2: trials: must be 1 to 1000000"));
  // At the limit the grid is fine, and counted without listing its points.
  const auto ok = load_sweep_text("[sweep]\nstrategy = \"grid\"\n[space]\n"
                                  "batch_size = { int = [1, 1000] }\nepochs = { int = [1, 1000] }\n",
                                  "s.toml");
  REQUIRE(ok.ok());
  CHECK(ok->strategy.trials == 1000000);
}

TEST_CASE("a space's names, strings and int bounds are what the results file and a command get",
          "[config][sweep][limits]") {
  const auto error_of = [](const std::string& text) {
    const auto r = load_sweep_text("[objective]\ncommand = \"echo val_acc=1\"\n[space]\n" + text,
                                   "s.toml");
    REQUIRE_FALSE(r.ok());
    return r.error().str();
  };
  using Catch::Matchers::StartsWith;
  // A NUL ends a C string: the results file's /space and a command line would hold "a".
  CHECK_THAT(error_of("x = [\"a\\u0000b\", \"c\"]\n"),
             StartsWith("s.toml:4: x: a string value holds a NUL byte"));
  CHECK_THAT(error_of("y = \"a\\u0000b\"\n"), StartsWith("s.toml:4: y: a string value holds a NUL byte"));
  // A name is a /summary column: at most 100 bytes.
  const std::string long_name(101, 'n');
  CHECK_THAT(error_of(long_name + " = [1, 2]\n"),
             StartsWith("s.toml:4: nnnn") &&
                 Catch::Matchers::Contains(": a parameter's name is at most 100 bytes, this one 101"));
  // Past 2^53 a double holds another integer: 2^63 - 1 would be drawn as -2^63.
  CHECK_THAT(error_of("x = { int = [9223372036854775000, 9223372036854775807] }\n"),
             StartsWith("s.toml:4: x: int bounds are within +-2^53"));
  CHECK_THAT(error_of("x = { int = [1, 9007199254740993] }\n"),
             StartsWith("s.toml:4: x: int bounds are within +-2^53"));
  CHECK_THAT(error_of("x = { int = [1, 1e300] }\n"), StartsWith("s.toml:4: x: int bounds are within +-2^53"));
  // At the limits all is well.
  const auto ok = load_sweep_text("[objective]\ncommand = \"echo val_acc=1 {x}\"\n[space]\n"
                                  "x = { int = [-9007199254740992, 9007199254740992] }\n" +
                                      std::string(100, 'n') + " = [\"a\", \"b\"]\n",
                                  "s.toml");
  INFO((ok.ok() ? std::string() : ok.error().str()));
  REQUIRE(ok.ok());
  CHECK(ok->space.params[0].hi == 9007199254740992.0);
}

TEST_CASE("a placeholder inside the command's own quotes is refused", "[config][sweep][objective]") {
  const auto load = [](const std::string& command) {
    return load_sweep_text("[objective]\ncommand = '''" + command +
                               "'''\n[space]\nv = [\"a\", \"b\"]\n",
                           "s.toml");
  };
  for (const std::string bad : {"echo \"{v}\"", "echo '{v}'", "echo \"x={v} y\"",
                                "echo 'it' \"{v}\""}) {
    INFO(bad);
    const auto r = load(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().str(), Catch::Matchers::StartsWith("s.toml:2: command: {v} at character"));
    CHECK_THAT(r.error().str(), Catch::Matchers::Contains("without quotes"));
  }
  // Bare, after escaped quotes, or after quotes closed before it: the value is one shell word.
  for (const std::string good : {"echo {v}", "echo \\\"{v}\\\"", "echo 'a' {v} \"b\"",
                                 "echo --x={v}"}) {
    INFO(good);
    CHECK(load(good).ok());
  }
  // A here-document's body is text to the shell: a value's quotes were written into it and,
  // with an unquoted delimiter, its $(...) ran.
  for (const std::string bad : {"cat > a <<EOF\n--name {v}\nEOF\necho val_acc=0.5",
                                "cat <<'EOF'\n{v}\nEOF", "cat <<-EOF\n\tx {v}\n\tEOF",
                                "cat <<A <<B\na\nA\n{v}\nB", "cat <<EOF\nit's {v}\nEOF"}) {
    INFO(bad);
    const auto r = load(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().str(), Catch::Matchers::Contains("is inside the here-document opened at "
                                                          "character"));
  }
  for (const std::string good : {"cat <<EOF\nx\nEOF\necho {v}", "cat <<< {v}",
                                 "echo {v} <<EOF\nbody\nEOF", "cat <<A <<B\na\nA\nb\nB\necho {v}",
                                 "cat <<-EOF\n\tx\n\tEOF\necho {v}", "echo '<<' {v}",
                                 "echo $((1<<3))\necho {v}", "n=$((a<<b))\necho {v}",
                                 "echo hi # feed <<EOF\necho {v}"}) {
    INFO(good);
    const auto r = load(good);
    CHECK((r.ok() ? std::string() : r.error().str()) == "");
  }
}

TEST_CASE("a long key or value is echoed clipped", "[config][sweep]") {
  const std::string key(200000, 'k');
  const auto r = load_sweep_text("[sweep]\n" + key + " = 1\n[space]\nlr = [0.1]\n", "s.toml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().str().size() < 400);
  CHECK_THAT(r.error().str(), Catch::Matchers::Contains("... (200000 characters)"));
  const auto v = load_sweep_text("[sweep]\nmetric = \"" + std::string(100000, 'm') +
                                     "\"\n[space]\nlr = [0.1]\n", "s.toml");
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().str().size() < 400);
}

TEST_CASE("isolate and memory_limit set how each trial runs", "[config][sweep][isolate]") {
  const std::string base = "[train]\ndataset = \"synthetic\"\n[space]\nlr = 0.01\n[sweep]\n";
  auto read = [&](const std::string& lines) { return load_sweep_text(base + lines, "s.toml"); };
  const auto defaults = read("");
  REQUIRE(defaults.ok());
  CHECK(defaults->trial_policy.isolate);  // a crash fails its trial alone, by default
  CHECK(defaults->trial_policy.memory_limit == 0u);
  CHECK(read("memory_limit = \"8G\"\n")->trial_policy.memory_limit == uint64_t{8} << 30);
  CHECK(read("memory_limit = \"1.5g\"\n")->trial_policy.memory_limit == uint64_t{3} << 29);
  CHECK(read("memory_limit = \"512M\"\n")->trial_policy.memory_limit == uint64_t{512} << 20);
  CHECK(read("memory_limit = 2048\n")->trial_policy.memory_limit == uint64_t{2} << 30);  // MiB
  CHECK(read("memory_limit = \" 8G\"\n")->trial_policy.memory_limit == uint64_t{8} << 30);
  CHECK(read("memory_limit = \"+8G\"\n")->trial_policy.memory_limit == uint64_t{8} << 30);
  CHECK_FALSE(read("isolate = false\n")->trial_policy.isolate);
  CHECK(error_of(base + "memory_limit = \"8 GB\"\n") ==
        "s.toml:6: memory_limit: expected a size such as \"8G\" or \"512M\" (K, M, G, T: powers of "
        "1024) or a whole number of MiB without quotes (memory_limit = 512), at least 64 MiB; "
        "got '8 GB'");
  // A quoted number of MiB is no size: the error shows the form that is.
  CHECK(error_of(base + "memory_limit = \"512\"\n").find("without quotes (memory_limit = 512)") !=
        std::string::npos);
  CHECK(error_of(base + "memory_limit = \"1M\"\n").find("at least 64 MiB") != std::string::npos);
  CHECK(error_of(base + "memory_limit = -5\n").find("at least 64 MiB") != std::string::npos);
  CHECK(error_of(base + "isolate = \"yes\"\n") ==
        "s.toml:6: isolate: expected true or false, got 'yes'");
  // A command is a process of its own already; its memory is its own to limit.
  CHECK(error_of("[objective]\ncommand = \"true {x}\"\n[space]\nx = 1\n[sweep]\n"
                 "memory_limit = \"8G\"\n")
            .find("s.toml:6: memory_limit: applies to the built-in trainer's trials") == 0);
  // Trials in the worker's own process have no process of their own to cap: the limit was
  // accepted and ignored, and a trial past it completed.
  CHECK(error_of(base + "memory_limit = \"300M\"\nisolate = false\n") ==
        "s.toml:6: memory_limit: caps each trial's own process, and isolate = false runs the "
        "trials in the worker's: set isolate = true (the default) or leave memory_limit out");
  CHECK(read("isolate = true\nmemory_limit = \"300M\"\n").ok());
}

TEST_CASE("a network error on a key left at its default names where arch brought it in",
          "[config][sweep]") {
  const auto s = load_sweep_text("[train]\ndataset = \"synthetic\"\narch = \"cnn\"\n"
                                 "[space]\nlr = [0.01, 0.1]\n",
                                 "s.toml");
  REQUIRE(s.ok());
  // The builder's error (nn/model.cpp) names kernel_size, which no line of the file sets.
  const Error e = locate(*s, Error{{}, 0, "kernel_size", "conv layer 2 does not fit its 2x2 input"});
  CHECK(e.str() == "s.toml:3: arch: kernel_size is its default here: conv layer 2 does not fit "
                   "its 2x2 input");
  const auto given = load_sweep_text("[train]\ndataset = \"synthetic\"\narch = \"cnn\"\n"
                                     "kernel_size = 5\n[space]\nlr = [0.01, 0.1]\n",
                                     "s.toml");
  REQUIRE(given.ok());
  CHECK(locate(*given, Error{{}, 0, "kernel_size", "m"}).str() == "s.toml:4: kernel_size: m");
  // A key nothing brings in is named in the file that left it at its default.
  CHECK(locate(*s, Error{{}, 0, "batch_size", "m"}).str() ==
        "s.toml: batch_size: not set, so its default: m");
  CHECK(hs::TrainConfig().locate(Error{{}, 0, "batch_size", "m"}).str() == "batch_size: m");
  // A key no config has is not "not set, so its default": it stays as the error gave it.
  CHECK(locate(*s, Error{{}, 0, "num_classes", "m"}).str() == "num_classes: m");
}

TEST_CASE("bayes refuses a space of more model coordinates than it can propose over",
          "[config][sweep]") {
  // 10 choices of 10,000 values: 3.9 GB at the first model ask, and bad_alloc with 30 of them.
  std::string values;
  for (int i = 0; i < 5000; ++i) values += (i ? ", " : "") + std::to_string(i);
  const std::string space = "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\nwide = [" + values + "]\n";
  auto refused = load_sweep_text("[objective]\ncommand = \"echo val_acc={lr}\"\n[sweep]\n"
                                 "strategy = \"bayes\"\n" + space, "s.toml");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().str().rfind("s.toml:7: wide: bayes gives each searched range and each "
                                    "value of a choice a coordinate of its model: with this "
                                    "parameter the space has 5001, more than 4096", 0) == 0);
  CHECK(load_sweep_text("[objective]\ncommand = \"echo val_acc={lr}\"\n[sweep]\n"
                        "strategy = \"tpe\"\n" + space, "s.toml").ok());
}
