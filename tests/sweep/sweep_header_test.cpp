// A sweep's results-file header (sweep/sweep_header.h) and when two are the same sweep: a config
// that means the same (config/canonical.h), not only the same text.
#include <catch2/catch.hpp>

#include "config/canonical.h"
#include "sweep/sweep_header.h"

using namespace hs;

namespace {

const char kSweep[] =
    "[train]\ndataset = \"synthetic\"\nepochs = 2\nlr = 1e-3\n"
    "[sweep]\nstrategy = \"tpe\"\ntrials = 6\nseed = 3\n"
    "[space]\nmomentum = { uniform = [0.5, 0.9] }\nweight_decay = { log_uniform = [1e-4, 1e-2] }\n";

// The header of a sweep file's text, loaded as `hypersweep run` loads it, with --set flags.
SweepHeader header_of(const std::string& text, const std::vector<std::string>& sets = {}) {
  auto s = load_sweep_text(text, "sweep.toml");
  REQUIRE(s.ok());
  SweepConfig sweep = std::move(*s);
  for (const std::string& set : sets) REQUIRE(sweep.train.set(set).ok());
  return sweep_header(sweep, "2026-01-01T00:00:00Z");
}

}  // namespace

TEST_CASE("comments and key order and spacing and number spelling and trials do not make another sweep",
          "[sweep][header]") {
  const SweepHeader file = header_of(kSweep);
  const std::string same =
      "# the same sweep, written another way\n"
      "[sweep]\nseed = 3   # a comment after a value\ntrials = 8\nstrategy = 'tpe'\n\n"
      "[train]\nlr = 0.001\nepochs   =   2\ndataset = \"synthetic\"\n"
      "[space]\nmomentum = {uniform=[0.5,0.9]}\nweight_decay = { log_uniform = [0.0001, 1e-2] }\n";
  const SweepHeader here = header_of(same);
  CHECK(header_difference(file, here) == "");
  CHECK(file.config_hash == here.config_hash);
  CHECK(canonical_config(file.config_text) == canonical_config(here.config_text));
  CHECK(file.config_text != here.config_text);  // the file keeps the text as given
}

TEST_CASE("how trials run, 2 for 2.0 and a choice table for its list do not make another sweep",
          "[sweep][header]") {
  const SweepHeader file = header_of(kSweep);
  // A memory cap for trials the OOM killer took, retries, no process per trial: the same trials.
  std::string policy = kSweep;
  policy.replace(policy.find("seed = 3\n"), 9,
                 "seed = 3\nmax_retries = 2\nmemory_limit = \"8G\"\nisolate = true\n");
  CHECK(header_difference(file, header_of(policy)) == "");
  std::string shared = kSweep;
  shared.replace(shared.find("seed = 3\n"), 9, "seed = 3\nisolate = false\n");
  CHECK(header_difference(file, header_of(shared)) == "");
  // A real key given a whole number (lr = 1 and 1.0), and x = { choice = [...] } for [...].
  const std::string a = "[train]\ndataset = \"synthetic\"\nlr = 1\n[sweep]\nseed = 3\n"
                        "[space]\nmomentum = [0.5, 0.9]\n";
  const std::string b = "[train]\ndataset = \"synthetic\"\nlr = 1.0\n[sweep]\nseed = 3\n"
                        "[space]\nmomentum = { choice = [0.5, 0.9] }\n";
  CHECK(header_difference(header_of(a), header_of(b)) == "");
  // In [space] 1 and 1.0 stay apart: a choice of ints is another choice than one of reals.
  const std::string ints = "[objective]\ncommand = \"echo metric={x}\"\n[sweep]\nseed = 3\n"
                           "[space]\nx = [16, 32]\n";
  std::string reals = ints;
  reals.replace(reals.find("[16, 32]"), 8, "[16.0, 32.0]");
  CHECK(header_difference(header_of(ints), header_of(reals)) != "");
}

TEST_CASE("a sweep key given its default and a range's bounds as reals do not make another sweep",
          "[sweep][header]") {
  // `seed = 0` added to a sweep that had none was refused: "[sweep] seed: not given in the
  // file, 0 here"; and { uniform = [0.0, 1.0] } for [0, 1].
  const std::string base = "[objective]\ncommand = \"echo val_acc={y}\"\n[sweep]\ntrials = 4\n"
                           "[space]\ny = { uniform = [0, 1] }\nk = { int = [1, 4] }\n";
  const SweepHeader file = header_of(base);
  for (const char* given :
       {"seed = 0\n", "n_init = 0\n", "strategy = \"random\"\n", "pruner = \"none\"\n",
        "metric = \"val_acc\"\n", "direction = \"max\"\n",
        "metric = \"val_acc\"\ndirection = \"max\"\nseed = 0\n"}) {
    std::string text = base;
    text.replace(text.find("trials = 4\n"), 11, std::string("trials = 4\n") + given);
    INFO(given);
    CHECK(header_difference(file, header_of(text)) == "");
  }
  std::string reals = base;
  reals.replace(reals.find("[0, 1]"), 6, "[0.0, 1.0]");
  reals.replace(reals.find("[1, 4]"), 6, "[1.0, 4.0]");
  CHECK(header_difference(file, header_of(reals)) == "");
  // log = false is a range's default, and grid = N is ignored but by the grid strategy.
  std::string spelt = base;
  spelt.replace(spelt.find("[1, 4] }"), 8, "[1, 4], log = false }");
  spelt.replace(spelt.find("[0, 1] }"), 8, "[0, 1], grid = 5 }");
  CHECK(header_difference(file, header_of(spelt)) == "");
  std::string logged = base;
  logged.replace(logged.find("[1, 4] }"), 8, "[1, 4], log = true }");
  CHECK(header_difference(file, header_of(logged)) != "");
  std::string grid = base;
  grid.replace(grid.find("trials = 4\n"), 11, "trials = 4\nstrategy = \"grid\"\n");
  std::string grid5 = grid;
  grid5.replace(grid5.find("[0, 1] }"), 8, "[0, 1], grid = 5 }");
  std::string grid3 = grid5;
  grid3.replace(grid3.find("grid = 5"), 8, "grid = 3");
  CHECK(header_difference(header_of(grid5), header_of(grid3)) != "");
  // Another value than the default is another sweep, and a direction against its metric's.
  for (const char* other : {"seed = 1\n", "direction = \"min\"\n", "metric = \"loss\"\n"}) {
    std::string text = base;
    text.replace(text.find("trials = 4\n"), 11, std::string("trials = 4\n") + other);
    INFO(other);
    CHECK(header_difference(file, header_of(text)) != "");
  }
  // For val_loss the default direction is min: max is another sweep, min the same.
  std::string loss = base;
  loss.replace(loss.find("trials = 4\n"), 11, "trials = 4\nmetric = \"val_loss\"\n");
  std::string loss_min = loss, loss_max = loss;
  loss_min.replace(loss_min.find("trials = 4\n"), 11, "trials = 4\ndirection = \"min\"\n");
  loss_max.replace(loss_max.find("trials = 4\n"), 11, "trials = 4\ndirection = \"max\"\n");
  CHECK(header_difference(header_of(loss), header_of(loss_min)) == "");
  CHECK(header_difference(header_of(loss), header_of(loss_max)) != "");
  // A file whose metric's default direction has changed since (loss was maximised before
  // default_direction minimised it) keeps its own: the config without a direction is refused,
  // naming both, and one that names the file's direction continues it. The canonical form
  // leaves the direction out; the headers' directions decide.
  std::string plain_loss = base;
  plain_loss.replace(plain_loss.find("trials = 4\n"), 11, "trials = 4\nmetric = \"loss\"\n");
  SweepHeader old_file = header_of(plain_loss);
  REQUIRE(old_file.metric.direction == Direction::kMinimize);
  old_file.metric.direction = Direction::kMaximize;  // as the old default recorded it
  CHECK(header_difference(old_file, header_of(plain_loss)) ==
        "[sweep] direction: max in the file, min here (direction = \"max\" in [sweep] continues "
        "it as it was)");
  std::string loss_as_max = plain_loss;
  loss_as_max.replace(loss_as_max.find("trials = 4\n"), 11, "trials = 4\ndirection = \"max\"\n");
  CHECK(header_difference(old_file, header_of(loss_as_max)) == "");
  // tpe's start design is 10 points unless n_init says otherwise: n_init = 10 is that default,
  // another size is another sweep; under random n_init = 10 is not a default.
  std::string tpe = base;
  tpe.replace(tpe.find("trials = 4\n"), 11, "trials = 4\nstrategy = \"tpe\"\n");
  auto with = [](std::string text, const char* line) {
    return text.replace(text.find("trials = 4\n"), 11, std::string("trials = 4\n") + line);
  };
  CHECK(header_difference(header_of(tpe), header_of(with(tpe, "n_init = 10\n"))) == "");
  CHECK(header_difference(header_of(tpe), header_of(with(tpe, "n_init = 12\n"))) != "");
  CHECK(header_difference(file, header_of(with(base, "n_init = 10\n"))) != "");
}

TEST_CASE("a changed value is another sweep and is named", "[sweep][header]") {
  const SweepHeader file = header_of(kSweep);
  std::string epochs = kSweep;
  epochs.replace(epochs.find("epochs = 2"), 10, "epochs = 3");
  CHECK(header_difference(file, header_of(epochs)) == "[train] epochs: 2 in the file, 3 here");
  std::string space = kSweep;
  space.replace(space.find("0.9]"), 4, "0.95]");
  CHECK(header_difference(file, header_of(space)) ==
        "[space] momentum: [0.5, 0.9] in the file, [0.5, 0.95] here");
  std::string added = kSweep;
  added.replace(added.find("lr = 1e-3"), 9, "lr = 1e-3\nbatch_size = 32");
  CHECK(header_difference(file, header_of(added)) ==
        "[train] batch_size: not given in the file, 32 here");
  std::string seed = kSweep;
  seed.replace(seed.find("seed = 3"), 8, "seed = 4");
  CHECK(header_difference(file, header_of(seed)) == "[sweep] seed: 3 in the file, 4 here");
}

TEST_CASE("a [sweep] key missing on one side may have been given its default there",
          "[sweep][header]") {
  std::string n_init = kSweep, defaulted = kSweep;
  n_init.replace(n_init.find("trials = 6\n"), 11, "trials = 6\nn_init = 12\n");
  defaulted.replace(defaulted.find("trials = 6\n"), 11, "trials = 6\nn_init = 10\n");
  CHECK(header_difference(header_of(n_init), header_of(defaulted)) ==
        "[sweep] n_init: 12 in the file, not given (or given its default) here");
  CHECK(header_difference(header_of(n_init), header_of(kSweep),
                          {"in the file", "in the journal"}) ==
        "[sweep] n_init: 12 in the file, not given (or given its default) in the journal");
}

TEST_CASE("the --set values are part of the sweep", "[sweep][header]") {
  const SweepHeader plain = header_of(kSweep);
  const SweepHeader set2 = header_of(kSweep, {"epochs=2"});
  const SweepHeader set3 = header_of(kSweep, {"epochs=3"});
  CHECK(header_difference(set3, header_of(kSweep, {"epochs=3"})) == "");
  CHECK(header_difference(set2, set3) == "--set epochs: 2 in the file, 3 here");
  CHECK(header_difference(plain, set2) == "--set epochs: not given in the file, 2 here");
  CHECK(header_difference(header_of(kSweep, {"lr=1e-2"}), header_of(kSweep, {"lr=0.01"})) == "");
  // A key set twice ran with the later value: that is the sweep, and what a difference names.
  const SweepHeader twice = header_of(kSweep, {"epochs=3", "lr=0.01", "epochs=2"});
  CHECK(header_difference(twice, header_of(kSweep, {"lr=0.01", "epochs=2"})) == "");
  CHECK(header_difference(twice, header_of(kSweep, {"lr=0.01", "epochs=3"})) ==
        "--set epochs: 2 in the file, 3 here");
}

TEST_CASE("the order of [space] counts: it is the order of the search's dimensions",
          "[sweep][header]") {
  std::string swapped = kSweep;
  const size_t at = swapped.find("momentum = ");
  const std::string line = swapped.substr(at, swapped.find('\n', at) - at + 1);
  swapped.erase(at, line.size());
  swapped += line;
  CHECK(header_difference(header_of(kSweep), header_of(swapped)) ==
        "[space] parameter 1: momentum in the file, weight_decay here");
}

TEST_CASE("a file written before canonical forms is continued by a config that means the same",
          "[sweep][header]") {
  // What the results file of an older hypersweep holds: the text and the hash of its lines.
  SweepHeader old = header_of(kSweep);
  old.config_hash = config_hash(old.config_text);
  old.config_form = nullptr;
  CHECK(old.config_hash != header_of(kSweep).config_hash);
  std::string commented = std::string("# grown\n") + kSweep;
  commented.replace(commented.find("trials = 6"), 10, "trials = 9");
  CHECK(header_difference(old, header_of(commented)) == "");
}

TEST_CASE("a command sweep's file written with a [train] table is continued without it",
          "[sweep][header]") {
  // [train] beside [objective] is refused now (no trial used it); a file from before keeps it
  // in its config text, and the config without it is the same sweep.
  const std::string command = "[objective]\ncommand = \"echo metric={x}\"\n[sweep]\nseed = 3\n"
                              "[space]\nx = { uniform = [0.0, 1.0] }\n";
  SweepHeader file = header_of(command);
  const size_t body = file.config_text.starts_with("# file: ") ? file.config_text.find('\n') + 1 : 0;
  file.config_text.insert(body, "[train]\nepochs = 3\n");  // as an older run stored it
  file.config_hash = config_hash(file.config_text, canonical_config);
  CHECK(header_difference(file, header_of(command)) == "");
  CHECK(!load_sweep_text(file.config_text, "sweep.toml").ok());
  // The built-in trainer's [train] still counts.
  std::string epochs = kSweep;
  epochs.replace(epochs.find("epochs = 2"), 10, "epochs = 3");
  CHECK(header_difference(header_of(kSweep), header_of(epochs)) != "");
}

TEST_CASE("the header holds the sweep's pruner and its rungs", "[sweep][header]") {
  std::string asha = kSweep;
  asha.replace(asha.find("epochs = 2"), 10, "epochs = 9");
  asha.replace(asha.find("seed = 3"), 8, "seed = 3\npruner = \"asha\"");
  asha += "[pruner]\nreduction = 3\n";
  const SweepHeader h = header_of(asha);
  CHECK(h.pruner == "asha");
  // r = 1, eta = 3, R = [train] epochs: rungs at 1, 3 and 9, one bracket.
  CHECK(h.rungs == std::vector<Rung>{{-1, 0, 1, 0}, {-1, 1, 3, 0}, {-1, 2, 9, 0}});
  std::string median = kSweep;
  median.replace(median.find("seed = 3"), 8, "seed = 3\npruner = \"median\"");
  CHECK(header_of(median).pruner == "median");
  CHECK(header_of(median).rungs.empty());
  CHECK(header_of(kSweep).pruner.empty());
  CHECK(header_of(kSweep).rungs.empty());
}
