// `hypersweep recipe` as a user runs it, without mpirun: exit codes, messages, the files it
// writes, and running it again (tests/exec has the runs under mpirun).
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "store/recipe_file.h"
#include "store/results_file.h"
#include "support/cli.h"
#include "support/records.h"

using namespace hs::test;

namespace {

// configs/recipe_quick.toml (a synthetic problem the recipe gets through in about a second), with
// `recipe` appended to its last table, [recipe].
std::string recipe_config(const std::string& recipe = "") {
  return slurp(fs::path(HS_SOURCE_DIR) / "configs/recipe_quick.toml") + recipe;
}

// A CSV of `rows` samples, 4 features and the label last: the largest of the first 3 features
// (0, 1 or 2), so a small MLP learns it.
std::string class_csv(int rows) {
  std::string t = "a,b,c,d,label\n";
  for (int r = 0; r < rows; ++r) {
    int v[4];
    for (int i = 0; i < 4; ++i) v[i] = (r * (7 + 4 * i) + 13 * i + r / 5) % 17;
    const int label = v[0] >= v[1] && v[0] >= v[2] ? 0 : v[1] >= v[2] ? 1 : 2;
    for (int i = 0; i < 4; ++i) t += std::to_string(v[i] / 17.0) + ",";
    t += std::to_string(label) + "\n";
  }
  return t;
}

// A config in `dir`/cfgs training on `dir`/data/train.csv, which it names relative to its folder.
fs::path csv_recipe_config(const Scratch& s) {
  fs::create_directories(s.dir() / "cfgs");
  fs::create_directories(s.dir() / "data");
  s.write("data/train.csv", class_csv(400));
  return s.write("cfgs/tab.toml",
                 "[train]\ndataset = \"csv\"\ndata_path = \"../data/train.csv\"\n"
                 "val_fraction = 0.2\nhidden = [16]\noptimizer = \"adam\"\nlr = 3e-3\n"
                 "batch_size = 32\nseed = 7\nthreads = 1\n"
                 "[recipe]\ncoarse_epochs = 1\nrefine_epochs = 3\n");
}

// Checks the "* best so far" marks of the progress lines after `header` (a step's "step N/6"
// line) up to the next step: a line is marked exactly when its metric beats every trial of the
// step before it, `before` (trials recorded by an earlier run) and the lines above it. Returns how
// many lines it read.
int check_best_marks(const std::string& out, const std::string& header, double before) {
  const size_t at = out.find(header);
  REQUIRE(at != std::string::npos);
  int lines = 0;
  double best = before;
  for (size_t p = out.find('\n', at) + 1; p < out.size();) {
    size_t e = out.find('\n', p);
    if (e == std::string::npos) e = out.size();
    const std::string line = out.substr(p, e - p);
    p = e + 1;
    if (line.rfind("step ", 0) == 0) break;
    if (line.rfind("[", 0) != 0) continue;
    size_t m = line.find("val_acc ");
    if (m == std::string::npos) m = line.find("loss_drop ");
    if (m == std::string::npos) continue;  // an interrupted trial: no metric
    const double v = std::stod(line.substr(line.find(' ', m) + 1));
    INFO(line);
    CHECK(contains(line, "* best so far") == (v > best));
    best = std::max(best, v);
    ++lines;
  }
  return lines;
}

}  // namespace

TEST_CASE("recipe run again writes its config to another folder with the data path absolute",
          "[cli][recipe]") {
  // The first run writes the recommended config beside the config, its data_path as given
  // (relative to that folder); run again on the complete recipe with a --config-out in another
  // folder, the same path must be written absolute to name the same file, as a first run
  // writing there does.
  Scratch s;
  const fs::path cfg = csv_recipe_config(s);
  const std::string out = s.path("tab.h5");
  const auto recipe = [&](const std::string& rec) {
    return hypersweep(std::string("recipe '") + cfg.string() + "' --out '" + out +
                      "' --config-out '" + rec + "'");
  };
  const Run first = recipe(s.path("cfgs/rec.toml"));
  INFO(first.out << first.err);
  REQUIRE(first.code == 0);
  CHECK(contains(slurp(s.path("cfgs/rec.toml")), "data_path = \"../data/train.csv\"\n"));

  // A comment and a key moved do not make it another config (they did: "another config").
  std::string text = slurp(cfg);
  const size_t seed = text.find("seed = 7\n");
  REQUIRE(seed != std::string::npos);
  text.erase(seed, 9);
  text.insert(text.find("[train]\n") + 8, "seed = 7  # the split's and the weights'\n");
  s.write("cfgs/tab.toml", "# edited\n" + text);
  const Run again = recipe(s.path("rec2.toml"));
  INFO(again.out << again.err);
  REQUIRE(again.code == 0);
  CHECK(contains(again.out, "already holds this recipe, complete"));
  const std::string moved = slurp(s.path("rec2.toml"));
  INFO(moved);
  CHECK(contains(moved, std::string("data_path = \"") + s.path("data/train.csv") +
                            "\"  # recipe: absolute: this file is not in " + cfg.string() +
                            "'s folder\n"));
  const Run t = hypersweep(std::string("train '") + s.path("rec2.toml") + "' --set epochs=1 -q");
  INFO(t.out << t.err);
  CHECK(t.code == 0);
  // Back in the config's folder, it is the stored config as it was.
  const Run same = recipe(s.path("cfgs/rec3.toml"));
  CHECK(same.code == 0);
  CHECK(slurp(s.path("cfgs/rec3.toml")) == slurp(s.path("cfgs/rec.toml")));
}

TEST_CASE("recipe never writes its outputs over its own data files even with --force",
          "[cli][recipe]") {
  // --config-out naming data_path replaced the training CSV with the recommended TOML, and -o
  // naming test_path the test CSV with the recipe's HDF5 file (run refused the same).
  Scratch s;
  const fs::path cfg = csv_recipe_config(s);
  const std::string data = s.path("data/train.csv"), before = slurp(data);
  for (const char* flag : {"--config-out", "-o"}) {
    const Run r = hypersweep("recipe '" + cfg.string() + "' " + std::string(flag) + " '" + data +
                             "' --force");
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "would replace its data (data_path)"));
    CHECK_FALSE(contains(r.out, "step 1/6"));
  }
  CHECK(slurp(data) == before);
}

TEST_CASE("recipe runs six steps, writes a config that trains, and says so again when rerun",
          "[cli][recipe]") {
  Scratch s;
  const auto cfg = s.write("tune.toml", recipe_config());
  const std::string out = s.path("tune.h5"), rec = s.path("best.toml");
  const std::string args = "recipe '" + cfg.string() + "' --out '" + out + "' --config-out '" + rec + "'";
  const Run r = hypersweep(args);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  for (const char* line : {"step 1/6", "step 2/6", "step 3/6", "step 4/6", "step 5/6", "step 6/6",
                           "recommendation: Best of the refine step", "Picked lr"})
    CHECK(contains(r.out, line));
  CHECK(contains(r.out, "[   9/9]"));  // step 4's grid, a line per trial
  auto file = hs::read_recipe(out);
  REQUIRE(file.ok());
  CHECK(file->header.status == "complete");
  CHECK(file->steps.size() == 6);

  const Run t = hypersweep("train '" + rec + "' --set epochs=1 -q");
  INFO(t.out << t.err);
  CHECK(t.code == 0);

  // show, report and export read the recipe file, every step.
  const Run sh = hypersweep("show '" + out + "'");
  CHECK(sh.code == 0);
  CHECK(contains(sh.out, "complete"));
  CHECK(contains(sh.out, "4_coarse_grid [ok] 9 trials"));
  CHECK(contains(sh.out, "5_refine [ok] 2 trials"));
  CHECK(contains(sh.out, "2_overfit [fit] 1 trial\n"));  // the first lr fit (was "1 trials")
  CHECK(contains(sh.out, "[train]"));  // the recommended config
  // --trial reads a sweep's file: on a recipe's it is refused, not ignored (main printed the
  // whole recipe and exited 0).
  const Run one = hypersweep("show '" + out + "' --trial 0");
  CHECK(one.code == 2);
  CHECK(contains(one.err, out + ": is a recipe's file, and --trial reads a sweep's results file"));
  const Run logs = hypersweep("logs '" + out + "' 0");
  CHECK(logs.code == 2);
  CHECK(contains(logs.err, out + ": is a recipe's file: its trials ran the built-in trainer"));
  const Run rp = hypersweep("report '" + out + "' -o '" + s.path("tune.html") + "'");
  CHECK(rp.code == 0);
  CHECK(contains(rp.out, "16 trials"));  // step 2: the first lr fit; 4 lrs; a 3 x 3 grid; 2 refined
  const std::string html = slurp(s.path("tune.html"));
  for (const char* g : {"1_initial_loss", "2_overfit", "3_lr_find", "4_coarse_grid", "5_refine",
                        "6_recommendation"})
    CHECK(contains(html, g));
  const Run ex = hypersweep("export '" + out + "' --csv '" + s.path("csv") + "'");
  CHECK(ex.code == 0);
  const std::string grid = slurp(s.path("csv") + "/4_coarse_grid/summary.csv");
  CHECK(std::count(grid.begin(), grid.end(), '\n') == 10);  // a header and 9 trials
  CHECK(contains(ex.out, "2_overfit: 1 trial -> "));

  // A sweep's --out on the recipe file is refused without naming --force, which would lose it.
  const auto sweep = s.write("sweep.toml",
                             "[train]\ndataset = \"synthetic\"\nepochs = 1\n"
                             "[space]\nlr = [0.01]\n");
  const Run onto = hypersweep("run '" + sweep.string() + "' --out '" + out + "'");
  CHECK(onto.code == 2);
  CHECK(contains(onto.err, out + ": is a hypersweep recipe file, not a sweep's results file"));
  CHECK_FALSE(contains(onto.err, "--force"));  // main suggested it
  CHECK(hs::is_recipe_file(out));
  // And the other way: a recipe's --out on a sweep's results file (main suggested --force).
  const std::string swept = s.path("swept.h5");
  REQUIRE(hypersweep("run '" + sweep.string() + "' --out '" + swept + "'").code == 0);
  const Run over = hypersweep("recipe '" + cfg.string() + "' --out '" + swept + "'");
  CHECK(over.code == 2);
  CHECK(contains(over.err, swept + ": holds a sweep's results, not a recipe"));
  CHECK_FALSE(contains(over.err, "--force"));

  std::filesystem::remove(rec);  // written again from the file
  const Run again = hypersweep(args);
  CHECK(again.code == 0);
  CHECK(std::filesystem::exists(rec));
  CHECK(contains(again.out, "already holds this recipe, complete"));
  CHECK_FALSE(contains(again.out, "step 3/6"));  // nothing ran

  // A --config-out that is a folder is refused before step 1 (it was found at step 6, when the
  // file could not be renamed over it), and on a complete recipe (it exited 0, writing nothing).
  const std::string dir = s.path("configs");
  fs::create_directories(dir);
  for (const std::string& o : {s.path("fresh.h5"), out}) {
    const Run folder = hypersweep("recipe '" + cfg.string() + "' --out '" + o +
                                  "' --config-out '" + dir + "'");
    INFO(folder.out << folder.err);
    CHECK(folder.code == 2);
    CHECK(contains(folder.err, dir + ": is a folder, not a recommended config, and no --force "
                                     "replaces a folder: give the file's own path inside it (e.g. " +
                                   dir + "/<name>.toml)"));
    CHECK_FALSE(contains(folder.out, "step 1/6"));
  }
  CHECK_FALSE(fs::exists(s.path("fresh.h5")));
  CHECK(fs::is_empty(dir));

  // Another config on that file is refused, and the file kept.
  const auto other = s.write("other.toml", recipe_config("lr_find_iterations = 50\n"));
  const Run refused = hypersweep("recipe '" + other.string() + "' --out '" + out + "'");
  CHECK(refused.code == 2);
  CHECK(contains(refused.err, "holds the recipe of another config"));
  CHECK(hs::read_recipe(out)->header.status == "complete");
}

TEST_CASE("recipe on a sweep file says its sweep tables are unused and comments out what it set",
          "[cli][recipe]") {
  // A sweep file (configs/recipe_quick.toml's [train] and [recipe], then [sweep] and [space]).
  // The recipe tunes lr and weight_decay itself; its recommended config keeps the sweep runnable
  // over what the recipe did not set (beta1, which adam reads: a key no trial reads would be
  // refused), from the recommended lr and weight_decay.
  Scratch s;
  const auto cfg = s.write("tune.toml", recipe_config() +
                                            "\n[sweep]\nstrategy = \"random\"\ntrials = 2\n\n"
                                            "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n"
                                            "weight_decay = [\n  0.0,\n  1e-4,\n]\n"
                                            "beta1 = [0.5, 0.9]\n");
  const std::string rec = s.path("best.toml");
  const Run r = hypersweep("recipe '" + cfg.string() + "' --out '" + s.path("tune.h5") +
                           "' --config-out '" + rec + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "note: " + cfg.string() +
                            "'s [sweep] and [space] are not used: the "
                            "recipe tunes [train]'s lr and weight_decay itself"));
  const std::string t = slurp(rec);
  INFO(t);
  CHECK(contains(t,
                 "\n[space]\n# lr = { log_uniform = [1e-3, 1e-1] }  # recipe: [train] sets lr "
                 "now; sweeping it would override that\n# weight_decay = [  # recipe: [train] "
                 "sets weight_decay now; sweeping it would override that\n#   0.0,\n#   1e-4,\n"
                 "# ]\nbeta1 = [0.5, 0.9]\n"));
  CHECK_FALSE(contains(t, "still sweeps"));  // every swept key it set was commented out
  // What is left is a sweep over beta1 alone, and plan takes it.
  const Run p = hypersweep("plan '" + rec + "'");
  INFO(p.out << p.err);
  CHECK(p.code == 0);
  CHECK(contains(p.out, "beta1"));
  CHECK_FALSE(contains(p.out, "log_uniform"));
  // A config without sweep tables gets no note.
  const auto plain = s.write("plain.toml", recipe_config());
  const Run q = hypersweep("recipe '" + plain.string() + "' --out '" + s.path("plain.h5") +
                           "' --config-out '" + s.path("plain_best.toml") + "'");
  CHECK(q.code == 0);
  CHECK_FALSE(contains(q.out, "note: "));
}

TEST_CASE("recipe stops at step 1 on weights scaled x100 with exit 4 and the report", "[cli][recipe]") {
  Scratch s;
  const auto cfg = s.write("tune.toml", recipe_config());
  const std::string out = s.path("broken.h5");
  const Run r = hypersweep("recipe '" + cfg.string() + "' --set init_scale=100 --out '" + out + "'");
  INFO(r.out << r.err);
  CHECK(r.code == 4);
  CHECK(contains(r.out, "times ln(C)"));
  CHECK(contains(r.out, "check init and init_scale, currently 100"));
  CHECK(contains(r.out, "stopped at step 1"));
  CHECK_FALSE(contains(r.out, "step 2/6"));
  auto file = hs::read_recipe(out);
  REQUIRE(file.ok());
  CHECK(file->header.status == "stopped at step 1: initial loss too_high");
}

TEST_CASE("recipe stops at step 2 with lr too high when every lr diverges", "[cli][recipe]") {
  Scratch s;
  const auto cfg = s.write("tune.toml", recipe_config("overfit_lrs = [1e3, 1e4]\n"));
  const Run r = hypersweep("recipe '" + cfg.string() + "' --out '" + s.path("x.h5") + "'");
  INFO(r.out << r.err);
  CHECK(r.code == 4);
  CHECK(contains(r.out, "lr 1000 too_high"));
  CHECK(contains(r.out, "lr 1e+04 too_high"));
  CHECK(contains(r.out, "Every lr was too high"));
  CHECK(contains(r.out, "stopped at step 2: lr_too_high"));
}

TEST_CASE("recipe refuses a bad recipe table or no validation split with exit 2", "[cli][recipe]") {
  Scratch s;
  const std::string base = recipe_config();
  const auto line = std::count(base.begin(), base.end(), '\n') + 1;  // the line appended
  const auto bad = s.write("bad.toml", base + "lr_find_iterations = 0\n");
  const Run r = hypersweep("recipe '" + bad.string() + "' --out '" + s.path("x.h5") + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, bad.string() + ":" + std::to_string(line) + ": lr_find_iterations:"));
  CHECK_FALSE(std::filesystem::exists(s.path("x.h5")));
  // A repeated lr: refused before step 1 (it was at step 3, in an internal "<recipe step 3>").
  const auto twice = s.write("twice.toml", base + "lr_find_lrs = [0.01, 0.01]\n");
  const Run t = hypersweep("recipe '" + twice.string() + "' --out '" + s.path("t.h5") + "'");
  CHECK(t.code == 2);
  CHECK(contains(t.err, twice.string() + ":" + std::to_string(line) +
                            ": lr_find_lrs: lists lr 0.01 twice"));
  CHECK_FALSE(contains(t.out, "step 1/6"));
  CHECK_FALSE(std::filesystem::exists(s.path("t.h5")));

  std::string text = recipe_config();
  text.replace(text.find("val_fraction = 0.2"), 18, "val_fraction = 0.0");
  const auto noval = s.write("noval.toml", text);
  const Run v = hypersweep("recipe '" + noval.string() + "' --out '" + s.path("y.h5") + "'");
  CHECK(v.code == 2);
  CHECK(contains(v.err, "val_fraction"));

  const auto notrecipe = s.write("results.h5", "not hdf5");
  const auto good = s.write("good.toml", recipe_config());
  const Run o = hypersweep("recipe '" + good.string() + "' --out '" + notrecipe.string() + "'");
  CHECK(o.code == 2);
  CHECK(contains(o.err, "not a hypersweep recipe file"));
  CHECK(slurp(notrecipe) == "not hdf5");  // left untouched
}

TEST_CASE("recipe help lists the steps and every recipe key", "[cli][recipe]") {
  const Run r = hypersweep("recipe --help");
  CHECK(r.code == 0);
  for (const char* k : {"initial loss", "overfit", "coarse grid", "refine", "initial_batches",
                        "overfit_lrs", "lr_find_lrs", "coarse_weight_decays", "refine_epochs",
                        "mpirun", "Exit codes"})
    CHECK(contains(r.out, k));
  // refine_top's last place goes either way, as README's step 5 says (it said only lower).
  CHECK(contains(r.out, "sends the last place halfway up to the next lr or one grid step lower"));
}

TEST_CASE("a recipe killed with SIGKILL continues with every trial once", "[cli][recipe][resume]") {
  Scratch s;
  // The kill must land inside step 4, after its second trial is recorded and before its last.
  // The built-in trainer has no point at which a test can hold a trial (the recipe loads its
  // data once, so the FIFO of mpi_test's SIGINT test cannot hold one either), so this is the
  // one race left: 30000 samples and 40 coarse epochs make the rest of step 4 take about 6 s
  // here (unloaded), against the test's 50 ms poll of the log. A product hook that holds a
  // trial until a file exists would make it exact.
  std::string text = recipe_config();
  text.replace(text.find("synthetic_samples = 1200"), 24, "synthetic_samples = 30000");
  text.replace(text.find("coarse_epochs = 2"), 17, "coarse_epochs = 40");
  const auto cfg = s.write("tune.toml", text);
  const std::string out = s.path("tune.h5");
  const std::string args = "recipe '" + cfg.string() + "' --out '" + out + "' --config-out '" +
                           s.path("best.toml") + "'";
  Background bg(args, s.path("log"));
  REQUIRE(bg.pid() > 0);
  REQUIRE(bg.wait_for("[   2/9]"));
  REQUIRE(::kill(bg.pid(), SIGKILL) == 0);
  REQUIRE(bg.wait_exit() != 0);
  std::vector<hs::TrialRecord> before;
  {
    auto f = hs::ResultsFile::open(out + ".steps/4_coarse_grid.h5");
    REQUIRE(f.ok());
    before = hs::test::trials_of(*f);
  }
  REQUIRE(before.size() >= 2u);
  REQUIRE(before.size() < 9u);
  auto mid = hs::read_recipe(out);  // the recipe file is whole: steps 1-3
  REQUIRE(mid.ok());
  CHECK(mid->steps.size() == 3u);

  const Run r = hypersweep(args);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "4_coarse_grid: " + std::to_string(before.size()) + " of 9 trials recorded already"));
  // "best so far" weighs the trials recorded before the kill too (main marked the first trial
  // of the second run the best whatever the recorded ones had).
  double recorded = -1;
  for (const auto& b : before) recorded = std::max(recorded, b.best_metric);
  CHECK(check_best_marks(r.out, "step 4/6", recorded) == 9 - static_cast<int>(before.size()));
  auto done = hs::read_recipe(out);
  REQUIRE(done.ok());
  CHECK(done->header.status == "complete");
  const auto& grid = done->steps[3].results->trials;
  REQUIRE(grid.size() == 9u);
  for (size_t i = 0; i < grid.size(); ++i) CHECK(grid[i].id == static_cast<int64_t>(i));
  for (const auto& b : before) {
    CHECK(grid[static_cast<size_t>(b.id)].best_metric == b.best_metric);  // unchanged
    CHECK(grid[static_cast<size_t>(b.id)].params == b.params);
  }
}

TEST_CASE("the command a recipe stopped by SIGINT prints continues it, its --set and all",
          "[cli][recipe][resume]") {
  // The printed command held the config and --out alone: with --set given, it named another
  // config and was refused. The signal must land inside step 4 (steps 1-3 take well under a
  // second here): the race of the SIGKILL test below, with its sizes.
  Scratch s;
  fs::create_directories(s.dir() / "a b");
  std::string text = recipe_config();
  text.replace(text.find("synthetic_samples = 1200"), 24, "synthetic_samples = 30000");
  text.replace(text.find("coarse_epochs = 2"), 17, "coarse_epochs = 40");
  const auto cfg = s.write("a b/tune it.toml", text);
  const std::string out = s.path("a b/it's here.h5");
  const Stopped first =
      stop_when(std::string("recipe \"") + cfg.string() + "\" --out \"" + out +
                    "\" --config-out \"" + s.path("a b/best.toml") + "\" --set 'hidden=[32, 8]' -j 1",
                s.path("first.log"), "[   2/9]");
  INFO(first.log);
  REQUIRE(first.code == 3);
  // The file says it was stopped, not that it runs (main: "running: stopped by a signal ...").
  CHECK(hs::read_recipe(out)->header.status == "stopped by a signal during step 4");
  const std::string again = rest_of_line(first.log, "The same command again continues: hypersweep ");
  REQUIRE(!again.empty());
  CHECK(contains(again, " --set 'hidden=[32, 8]'"));
  CHECK(contains(again, " --threads 1"));
  CHECK(contains(again, " --config-out "));
  // The words as printed, read by /bin/sh: the same recipe, so it continues step 4.
  const Stopped second = stop_when(again, s.path("second.log"), "4_coarse_grid: ");
  INFO(second.log);
  CHECK(second.code == 3);
  CHECK(contains(second.log, std::string("trials recorded already (continuing ") + out + ".steps/"));
}

TEST_CASE("recipe's step 5 counts against its two trials and marks only a better one the best",
          "[cli][recipe]") {
  // The quick config's refine step runs in two parts (its last place waits for trial 0's
  // curve): main's lines read [1/1], then [2/2], and trial 1 was "* best so far" when worse.
  Scratch s;
  const auto cfg = s.write("tune.toml", recipe_config());
  const Run r = hypersweep("recipe '" + cfg.string() + "' --out '" + s.path("tune.h5") +
                           "' --config-out '" + s.path("best.toml") + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  REQUIRE(contains(r.out, "Refine trial 0's curve decides"));
  CHECK(contains(r.out, "[   1/2] trial    0 "));
  CHECK(contains(r.out, "[   2/2] trial    1 "));
  CHECK_FALSE(contains(r.out, "/1] trial"));
  CHECK(check_best_marks(r.out, "step 5/6", -1) == 2);
  CHECK(check_best_marks(r.out, "step 4/6", -1) == 9);
  CHECK(check_best_marks(r.out, "step 3/6", -1e300) == 4);
}

TEST_CASE("recipe refuses a --config-out it did not write, or cannot write, before any training",
          "[cli][recipe]") {
  Scratch s;
  const auto cfg = s.write("q.toml", recipe_config());
  const std::string out = s.path("q.h5"), rec = s.path("q_best.toml");
  const std::string args =
      "recipe '" + cfg.string() + "' --out '" + out + "' --config-out '" + rec + "'";
  // A file of the user's there: refused and kept, nothing run (main replaced it silently).
  s.write("q_best.toml", "# my precious notes\n");
  const Run mine = hypersweep(args);
  INFO(mine.out << mine.err);
  CHECK(mine.code == 2);
  CHECK(contains(mine.err, rec + ": exists and is not a config hypersweep recipe wrote, so it is "
                                 "not replaced: give another --config-out, or --force"));
  CHECK_FALSE(contains(mine.out, "step 1/6"));
  CHECK(slurp(rec) == "# my precious notes\n");
  CHECK_FALSE(fs::exists(out));
  // A --config-out that cannot be written is found before step 1, not after step 6 (main ran all
  // six steps, then failed with the recipe file left "running"): a file where its folder should
  // be, and a folder that takes no new file whoever runs it (/proc/self).
  s.write("afile", "x");
  std::vector<std::pair<std::string, std::string>> unwritable = {
      {s.path("afile/rec.toml"), "is not a folder"}};
  if (fs::is_directory("/proc/self"))
    unwritable.push_back({"/proc/self/rec.toml", "cannot write the recommended config in /proc/self"});
  for (const auto& [path, says] : unwritable) {
    const Run no = hypersweep("recipe '" + cfg.string() + "' --out '" + out + "' --config-out '" +
                              path + "'");
    INFO(no.out << no.err);
    CHECK(no.code == 2);
    CHECK(contains(no.err, path + ": "));
    CHECK(contains(no.err, says));
    CHECK_FALSE(contains(no.out, "step 1/6"));
    CHECK_FALSE(fs::exists(out));
  }
  // --force replaces the user's file.
  const Run forced = hypersweep(args + " --force");
  INFO(forced.out << forced.err);
  REQUIRE(forced.code == 0);
  const std::string recommended = hs::read_recipe(out)->steps[5].text.at("config");
  CHECK(slurp(rec) == recommended);
  // On a complete recipe: a file of the user's is kept, and not claimed to hold the
  // recommendation (a version left it and printed "recommended config: q_best.toml").
  s.write("q_best.toml", "# precious 2\n");
  const Run done = hypersweep(args);
  INFO(done.out << done.err);
  CHECK(done.code == 0);
  CHECK(contains(done.out, "recommended config: " + rec + " differs from this recommendation"));
  CHECK(slurp(rec) == "# precious 2\n");
  // A recipe's config there that differs (edited by hand, or an older recipe's) is kept, and
  // the command says so: a version replaced it with the recorded one, losing the user's edits.
  const std::string edited = recommended + "# my edit\n";
  s.write("q_best.toml", edited);
  const Run again = hypersweep(args);
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK(contains(again.out, "recommended config: " + rec + " differs from this recommendation"));
  CHECK(slurp(rec) == edited);
  // Removed, the same command writes it.
  fs::remove(rec);
  const Run rewrite = hypersweep(args);
  CHECK(rewrite.code == 0);
  CHECK(contains(rewrite.out, "recommended config: " + rec + "\n"));
  CHECK(slurp(rec) == recommended);
}
