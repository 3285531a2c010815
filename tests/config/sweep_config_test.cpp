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
  // A value the trainer refuses anywhere in the space: here the low end of the range.
  CHECK(error_of("[space]\nlr = 0.1\nmomentum = { uniform = [0.5, 1.5] }\n")
            .rfind("s.toml:3: momentum: the space reaches 1.5, which the trainer refuses", 0) == 0);
  CHECK(error_of("[space]\noptimizer = [\"sgd\", \"adamm\"]\n").rfind("s.toml:2: optimizer:", 0) == 0);
  CHECK(error_of("[space]\nlr = { uniform = [0.1, 0.5], step = 2 }\n").find("unknown field step") !=
        std::string::npos);
  CHECK(error_of("[space]\nlr = { uniform = [0.1, 0.5], choice = [1] }\n").find("only one of") !=
        std::string::npos);
  CHECK(error_of("[space]\nlr = { uniform = [0.1, 0.5], log = true }\n").find("log = true goes with int") !=
        std::string::npos);
  CHECK(error_of("[sweep]\nstrategy = \"annealing\"\n[space]\nlr = 0.1\n") ==
        "s.toml:2: strategy: expected grid, random, bayes or tpe, got 'annealing'");
  CHECK(error_of("[sweep]\ntrials = 0\n[space]\nlr = 0.1\n") == "s.toml:2: trials: must be >= 1, got 0");
  CHECK(error_of("[sweep]\nmetric = \"test_acc\"\n[space]\nlr = 0.1\n")
            .rfind("s.toml:2: metric: expected val_acc, val_loss, train_acc or train_loss", 0) == 0);
  const auto train_loss = load_sweep_text("[sweep]\nmetric = \"train_loss\"\n[space]\nlr = 0.1\n", "s.toml");
  REQUIRE(train_loss.ok());
  CHECK(train_loss->strategy.direction == Direction::kMinimize);
  CHECK(error_of("[sweep]\ntrials = 3\n").find("needs a [space] table") != std::string::npos);
  CHECK(error_of("[train]\nlr = -1\n[space]\nmomentum = 0.9\n") == "s.toml:2: lr: must be > 0, got -1");
}
