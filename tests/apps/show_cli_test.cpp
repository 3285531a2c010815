// `hypersweep show` (its table's printed result columns, the failed trials' errors, --trial N),
// `hypersweep logs` and `export` on a results file of command trials that printed more than the
// fixed fields, written through ResultsFile as a sweep writes it.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "core/host.h"
#include "store/results_file.h"
#include "support/cli.h"
#include "support/readme.h"

using namespace hs;
using namespace hs::test;

namespace {

// The header of a random sweep written by `config_text`, maximising val_acc over one parameter,
// lr log-uniform in [1e-4, 0.1]: what each test's results file is created with.
SweepHeader lr_header(const std::string& config_text) {
  SweepHeader h;
  h.config_text = config_text;
  h.config_hash = config_hash(config_text);
  h.strategy = "random";
  h.version = "test";
  h.start_time = "2026-11-30T00:00:00Z";
  h.metric = Metric{"val_acc", Direction::kMaximize};
  Param lr;
  lr.name = "lr";
  lr.kind = ParamKind::kLogUniform;
  lr.lo = 1e-4;
  lr.hi = 1e-1;
  h.space.params = {lr};
  return h;
}

// A results file `name` in `s` of a command sweep over lr (lr_header), open for appending.
ResultsFile command_results(const Scratch& s, const std::string& name) {
  auto f = ResultsFile::create(
      s.path(name), lr_header("[objective]\ncommand = \"python3 train.py lr={lr}\"\n"), false);
  REQUIRE(f.ok());
  return std::move(f).value();
}

// A command trial at lr 0.01 that completed `curves` (val_acc the sixth field), its best the
// last epoch's.
TrialRecord completed_trial(std::vector<EpochRow> curves) {
  TrialRecord t;
  t.status = TrialStatus::kCompleted;
  t.params = {0.01};
  t.epochs = static_cast<int>(curves.size());
  t.best_epoch = t.epochs;
  t.best_metric = curves.back().val_acc;
  t.update_ratio.resize(curves.size());
  t.curves = std::move(curves);
  return t;
}

// Three command trials: 0 completed with an extra curve column, a result and its logs; 1 failed
// with a two-line error; 2 timed out.
std::string printed_sweep(const Scratch& s) {
  const std::string path = s.path("printed.h5");
  auto f = command_results(s, "printed.h5");
  TrialRecord done =
      completed_trial({{1, 0.01, 0.9, NAN, 0.8, 0.75, 1.0}, {2, 0.01, 0.5, NAN, 0.6, 0.875, 2.0}});
  done.host = host_name();
  done.curve_extra_names = {"epoch_time"};
  done.curve_extra = {{0.97}, {1.03}};
  done.results = {{"final_val_loss", 0.4375}};
  done.log_path = s.path("printed.h5.logs/000000");
  REQUIRE(f.append(done).ok());
  TrialRecord failed = done;
  failed.id = 1;
  failed.status = TrialStatus::kFailed;
  failed.best_metric = NAN;
  failed.curves.clear();
  failed.update_ratio.clear();
  failed.curve_extra.clear();
  failed.curve_extra_names.clear();
  failed.results.clear();
  failed.error = "the command exited with status 1\nstderr (the end):\nValueError: lr too big";
  failed.log_path = s.path("printed.h5.logs/000001");
  REQUIRE(f.append(failed).ok());
  TrialRecord late = failed;
  late.id = 2;
  late.status = TrialStatus::kTimedOut;
  late.error = "the command timed out after 5 s ([objective] timeout) and was killed";
  late.epochs = 1;  // it reported epoch 1 before its timeout, and no metric
  late.best_epoch = 1;
  REQUIRE(f.append(late).ok());
  REQUIRE(f.close().ok());
  std::filesystem::create_directories(s.path("printed.h5.logs"));
  std::ofstream(s.path("printed.h5.logs/000000.out")) << "loading\n{\"epoch\": 1}\n{\"epoch\": 2}\nresult line\n";
  std::ofstream(s.path("printed.h5.logs/000000.err")) << "warning: slow disk\n";
  return path;
}

// Trial `id`, completed in one epoch at val_acc.
TrialRecord completed(int64_t id, double val_acc) {
  TrialRecord t = completed_trial({{1, 0.01, 0.9, NAN, 0.8, val_acc, 1.0}});
  t.id = id;
  return t;
}

// Trial `id`, failed before its first epoch with `why` at the end of its stderr.
TrialRecord failed(int64_t id, const std::string& why) {
  TrialRecord t = completed(id, NAN);
  t.status = TrialStatus::kFailed;
  t.curves.clear();
  t.update_ratio.clear();
  t.epochs = 0;
  t.best_epoch = 0;
  t.error = "the command exited with status 1\nstderr (the end):\n" + why;
  return t;
}

// The table's rows: the lines after its head up to the first blank line or "(N more".
std::vector<std::string> table_rows(const std::string& out) {
  std::vector<std::string> rows;
  std::istringstream in(out);
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    if (in_table && (line.empty() || line.rfind("(", 0) == 0)) break;
    if (in_table) rows.push_back(line);
    if (line.rfind(" trial  status", 0) == 0) in_table = true;
  }
  return rows;
}

}  // namespace

TEST_CASE("show prints the printed results and every failed trial's error", "[cli][show]") {
  Scratch s;
  const std::string path = printed_sweep(s);
  const Run r = hypersweep("show '" + path + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "final_val_loss"));
  CHECK(contains(r.out, "0.4375"));
  // The reason and the last line of its stderr, on one line (trial/failure.h); not the marker.
  CHECK(contains(r.out,
                 "trial 1 failed: the command exited with status 1; its stderr ends: "
                 "ValueError: lr too big\n"));
  CHECK_FALSE(contains(r.out, "stderr (the end)"));
  CHECK(contains(r.out, "trial 2 timed_out: the command timed out after 5 s"));
  CHECK(contains(r.out, "\n3 trials: 1 completed, 1 failed, 1 timed_out\n"));
}

TEST_CASE("show lists trials that failed alike once with their ids", "[cli][show]") {
  Scratch s;
  const std::string path = s.path("broken.h5");
  auto f = command_results(s, "broken.h5");
  // Trials 0-2 and 4 die of the same import error, 3 and 5 of another; 6 completes.
  for (int64_t id = 0; id < 7; ++id) {
    TrialRecord t = completed_trial({{1, 0.01, 0.9, NAN, 0.8, 0.5, 1.0}});
    t.id = id;
    if (id < 6) {
      t.status = TrialStatus::kFailed;
      t.best_metric = NAN;
      t.curves.clear();
      t.update_ratio.clear();
      t.error = "the command exited with status 1\nstderr (the end):\n" +
                std::string(id == 3 || id == 5 ? "OSError: no space" : "ImportError: no numpy");
    }
    REQUIRE(f.append(t).ok());
  }
  REQUIRE(f.close().ok());
  const Run r = hypersweep("show '" + path + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const std::string numpy =
      " failed: the command exited with status 1; its stderr ends: ImportError: no numpy\n";
  CHECK(contains(r.out, "\ntrials 0-2, 4" + numpy));
  CHECK(contains(r.out,
                 "\ntrials 3, 5 failed: the command exited with status 1; its stderr ends: "
                 "OSError: no space\n"));
  CHECK_FALSE(contains(r.out, "\ntrial 1 failed"));
  // The diagnosis's `failed` findings of the trials shown are grouped the same way.
  CHECK(contains(r.out,
                 "\ntrials 0-2, 4 failed: the trial failed after 0 epochs: the command exited"));
}

TEST_CASE("show counts one trial as 1 trial", "[cli][show]") {
  Scratch s;
  const std::string path = s.path("one.h5");
  auto f = command_results(s, "one.h5");
  REQUIRE(f.append(completed_trial({{1, 0.01, 0.9, NAN, 0.8, 0.5, 1.0}})).ok());
  REQUIRE(f.close().ok());
  const Run r = hypersweep("show '" + path + "'");
  INFO(r.out << r.err);
  CHECK(contains(r.out, "\n1 trial: 1 completed\n"));  // was "1 trials"
}

TEST_CASE("show of a sweep chosen by test_acc heads one test_acc column", "[cli][show]") {
  Scratch s;
  const std::string path = s.path("by_test.h5");
  SweepHeader h = lr_header("[objective]\ncommand = \"python3 train.py lr={lr}\"\n");
  h.metric = Metric{"test_acc", Direction::kMaximize};
  auto f = ResultsFile::create(path, h, false);
  REQUIRE(f.ok());
  TrialRecord t = completed_trial({{1, 0.01, 0.9, NAN, 0.8, 0.5, 1.0}});
  t.best_metric = t.test_acc = 0.625;
  REQUIRE(f->append(t).ok());
  REQUIRE(f->close().ok());
  const Run r = hypersweep("show '" + path + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const size_t head = r.out.find("\n trial  status");
  REQUIRE(head != std::string::npos);
  const std::string line = r.out.substr(head + 1, r.out.find('\n', head + 1) - head - 1);
  CHECK(line.find("test_acc") != std::string::npos);
  CHECK(line.find("test_acc") == line.rfind("test_acc"));  // was headed twice
  // The row's cells line up under the head: epochs (1) ends where its column's name ends.
  const size_t row = r.out.find('\n', head + 1) + 1;
  const std::string cells = r.out.substr(row, r.out.find('\n', row) - row);
  CHECK(cells.find("0.6250") != std::string::npos);
  CHECK(cells.find("0.6250") == cells.rfind("0.6250"));
  CHECK(cells.substr(line.find("epochs"), 6) == "     1");
}

TEST_CASE("show --trial prints one trial whole with its logs' paths", "[cli][show]") {
  Scratch s;
  const std::string path = printed_sweep(s);
  Run r = hypersweep("show '" + path + "' --trial 0");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "trial 0 of"));
  CHECK(contains(r.out, "final_val_loss: 0.4375"));
  CHECK(contains(r.out, "val_acc: 0.875 at epoch 2, test_acc -, 2 epochs,"));
  CHECK(contains(r.out, "epoch_time"));
  CHECK(contains(r.out, "1.03"));
  CHECK(contains(r.out, s.path("printed.h5.logs/000000") + ".out"));
  r = hypersweep("show '" + path + "' --trial 1");
  CHECK(r.code == 0);
  CHECK(contains(r.out, "ValueError: lr too big"));
  CHECK(contains(r.out, "val_acc: -, test_acc -, 2 epochs,"));
  r = hypersweep("show '" + path + "' --trial 2");
  CHECK(r.code == 0);
  // Without a metric there is no best epoch to name; main said "val_acc: - at epoch 1, ... 1
  // epochs".
  CHECK(contains(r.out, "val_acc: -, test_acc -, 1 epoch,"));
  r = hypersweep("show '" + path + "' --trial 7");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "has no trial 7 (3 trials recorded, ids 0 to 2)"));
  // Read from the journal (a trial at a time) or, on a copy without it, from the HDF5 file: the
  // same page.
  const std::string copy = s.path("copy.h5");
  std::filesystem::copy_file(path, copy);
  for (const char* id : {"0", "1"}) {
    const Run journal = hypersweep("show '" + path + "' --trial " + id);
    const Run h5 = hypersweep("show '" + copy + "' --trial " + id);
    REQUIRE(journal.code == 0);
    REQUIRE(h5.code == 0);
    std::string same = h5.out;  // but for the file's name
    for (size_t at; (at = same.find(copy)) != std::string::npos;) same.replace(at, copy.size(), path);
    CHECK(same == journal.out);
  }
}

TEST_CASE("show --trial prints the seed the trial ran with", "[cli][show]") {
  // What a command was given as HYPERSWEEP_SEED64 (the built-in trainer's seed): with it and the
  // parameters, `train` trains a trial again. It was recorded and shown nowhere.
  Scratch s;
  const auto cfg = s.write("seeded.toml", "[objective]\ncommand = \"echo $HYPERSWEEP_SEED64 > " +
                                              s.path("seed") + ".{x}; echo val_acc=0.5\"\n"
                                              "[sweep]\nstrategy = \"grid\"\nseed = 11\n"
                                              "[space]\nx = [1, 2]\n");
  const std::string out = s.path("seeded.h5");
  Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  for (const char* id : {"0", "1"}) {
    std::ifstream in(s.path("seed") + "." + std::to_string(std::stoi(id) + 1));
    std::string given;
    REQUIRE(std::getline(in, given));
    r = hypersweep("show '" + out + "' --trial " + id);
    INFO(r.out);
    CHECK(contains(r.out, "seed: " + given + " (the built-in trainer's: hypersweep train CONFIG "
                          "--set seed=" + given));
  }
  // A [space] that searches seed: the seed is among the parameters, and no other is named.
  const auto searched = s.write("seeds.toml", "[objective]\ncommand = \"echo val_acc=0.5\"\n"
                                              "[sweep]\nstrategy = \"grid\"\n[space]\n"
                                              "seed = [5]\n");
  const std::string out2 = s.path("seeds.h5");
  REQUIRE(hypersweep("run '" + searched.string() + "' --out '" + out2 + "'").code == 0);
  r = hypersweep("show '" + out2 + "' --trial 0");
  CHECK(contains(r.out, "parameters: seed=5"));
  CHECK_FALSE(contains(r.out, "seed: "));
  // A real value whole, as it was run: 0.11844435 (8 digits) is another float32 than
  // 0.11844434861225955, and `train` with it trained another trial.
  const auto real = s.write("real.toml", "[objective]\ncommand = \"echo val_acc=0.5\"\n"
                                         "[sweep]\nstrategy = \"list\"\n[space]\n"
                                         "lr = [0.11844434861225955]\n");
  const std::string out3 = s.path("real.h5");
  REQUIRE(hypersweep("run '" + real.string() + "' --out '" + out3 + "'").code == 0);
  r = hypersweep("show '" + out3 + "' --trial 0");
  CHECK(contains(r.out, "parameters: lr=0.11844434861225955\n"));
}

TEST_CASE("show --trial names the best epoch's value beside a result taken at another epoch",
          "[cli][show]") {
  // A command that printed epoch lines only: its result is the last value, 0.8 (epoch 3), its
  // best epoch 2 with 0.9. Main said "val_acc: 0.8 at epoch 2", which the curve below denied.
  Scratch s;
  const std::string path = s.path("peak.h5");
  {
    auto f = command_results(s, "peak.h5");
    TrialRecord t = completed_trial({{1, 0.01, 1.0, NAN, NAN, 0.5, 1.0},
                                     {2, 0.01, 0.5, NAN, NAN, 0.9, 2.0},
                                     {3, 0.01, 0.3, NAN, NAN, 0.8, 3.0}});
    t.best_epoch = 2;
    REQUIRE(t.best_metric == 0.8);
    REQUIRE(f.append(t).ok());
    t.id = 1;  // one whose result is its best epoch's value: said as before
    t.best_metric = 0.9;
    REQUIRE(f.append(t).ok());
    REQUIRE(f.close().ok());
  }
  Run r = hypersweep("show '" + path + "' --trial 0");
  INFO(r.out << r.err);
  CHECK(contains(r.out, "val_acc: 0.8 (best epoch 2: 0.9), test_acc -, 3 epochs,"));
  CHECK_FALSE(contains(r.out, "at epoch 2"));
  r = hypersweep("show '" + path + "' --trial 1");
  CHECK(contains(r.out, "val_acc: 0.9 at epoch 2, test_acc -, 3 epochs,"));
}

TEST_CASE("show --trial prints an infinite value as inf, a missing one as -", "[cli][show]") {
  Scratch s;
  const std::string path = s.path("inf.h5");
  {
    auto f = command_results(s, "inf.h5");
    TrialRecord t = completed_trial({{1, 0.01, INFINITY, NAN, -INFINITY, 0.5, 1.0}});
    REQUIRE(f.append(t).ok());
    REQUIRE(f.close().ok());
  }
  const Run r = hypersweep("show '" + path + "' --trial 0");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  // The curve's row: train_loss overflowed (not missing), train_acc never measured, val_loss
  // -inf.
  CHECK(contains(r.out, "0.01        inf          -       -inf     0.5000"));
}

TEST_CASE("an output that is the file being read is refused, and the file is kept",
          "[cli][show]") {
  Scratch s;
  const std::string path = printed_sweep(s);
  const std::string before = slurp(path), journal = slurp(path + ".journal");
  struct Case {
    std::string command, says, launcher = "";
  };
  // The config a sweep or recipe reads (no --force replaces it).
  const auto cfg = s.write("c.toml", "[objective]\ncommand = \"echo metric={x}\"\n[space]\nx = [1]\n");
  const std::string config = slurp(cfg);
  const auto recipe = s.write("r.toml", "[train]\ndataset = \"synthetic\"\nhidden = [8]\n");
  std::filesystem::copy_file(path, s.path("copy.html"));
  const Case cases[] = {
      {"report '" + path + "' -o '" + path + "'",
       path + ": the report would replace the file it is made from"},
      {"report '" + path + "' -o '" + path + ".journal'",
       path + ".journal: the report would replace its journal"},
      // The default report, in the current folder, here the file's own.
      {"report copy.html", "copy.html: the report would replace the file it is made from",
       "cd '" + s.dir().string() + "' && "},
      {"run '" + cfg.string() + "' --force --out '" + cfg.string() + "'",
       "c.toml: the results file would replace the sweep's config"},
      {"recipe '" + recipe.string() + "' --config-out '" + recipe.string() + "'",
       "r.toml: the recommended config would replace the config it is made from"},
      {"recipe '" + recipe.string() + "' -o '" + recipe.string() + "'",
       "r.toml: the recipe's file would replace its config"},
  };
  for (const Case& c : cases) {
    const Run r = hypersweep(c.command, c.launcher);
    INFO(c.command << "\n" << r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, c.says));
  }
  CHECK(slurp(path) == before);
  CHECK(slurp(path + ".journal") == journal);
  CHECK(slurp(cfg) == config);
  CHECK(slurp(recipe) == "[train]\ndataset = \"synthetic\"\nhidden = [8]\n");
  CHECK(hypersweep("show '" + s.path("copy.html") + "'").code == 0);  // still a results file
}

TEST_CASE("logs prints the end of a trial's stdout and stderr", "[cli][show]") {
  Scratch s;
  const std::string path = printed_sweep(s);
  Run r = hypersweep("logs '" + path + "' 0 --lines 2");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "000000.out (4 lines, the last 2)"));
  CHECK(contains(r.out, "result line"));
  CHECK_FALSE(contains(r.out, "loading"));
  CHECK(contains(r.out, "warning: slow disk"));
  r = hypersweep("logs '" + path + "' 0 --err");
  CHECK_FALSE(contains(r.out, "result line"));
  // --out and --err together would leave nothing to print: refused, not an empty success.
  r = hypersweep("logs '" + path + "' 0 --out --err");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--out excludes --err"));
  // Trial 1's files were never written: said, naming the file and why, exit 1.
  r = hypersweep("logs '" + path + "' 1");
  CHECK(r.code == 1);
  CHECK(contains(r.err, "000001.out: cannot be read here (no such file)"));
  // A copy without its journal: trial 0 found in the HDF5 file alone, the same logs.
  const Run with_journal = hypersweep("logs '" + path + "' 0");
  REQUIRE(std::filesystem::remove(path + ".journal"));
  r = hypersweep("logs '" + path + "' 0");
  CHECK(r.code == 0);
  CHECK(r.out == with_journal.out);
  CHECK(contains(r.out, "result line"));
  r = hypersweep("logs '" + path + "' 7");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "has no trial 7 (3 trials recorded)"));
}

TEST_CASE("a sweep whose logs cannot be written runs its trials and logs says why", "[cli][show]") {
  // The trials failed, one after another, when their log folder could not be made; after that
  // was mended, `logs` said only built-in trials keep none.
  Scratch s;
  const auto cfg = s.write("c.toml", "[objective]\ncommand = \"echo val_acc={x}\"\n[sweep]\n"
                                     "strategy = \"list\"\n[space]\nx = [0.1, 0.2, 0.3]\n");
  const std::string out = s.path("c.h5");
  std::ofstream(out + ".logs") << "a file where the logs' folder goes";
  Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "best trial 2: val_acc 0.3000"));
  const std::string warned = "run without their logs while they cannot be written";
  REQUIRE(r.err.find(warned) != std::string::npos);
  CHECK(r.err.find(warned, r.err.find(warned) + 1) == std::string::npos);  // once
  r = hypersweep("logs '" + out + "' 1");
  CHECK(r.code == 0);
  CHECK(contains(r.out, "trial 1 kept no logs: they could not be written where it ran"));
}

TEST_CASE("export writes the printed columns", "[cli][show]") {
  Scratch s;
  const std::string path = printed_sweep(s);
  const Run r = hypersweep("export '" + path + "' --csv '" + s.path("csv") + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const std::string summary = slurp(s.path("csv/summary.csv"));
  CHECK(contains(summary, ",attempt,pruned_epoch,rung,bracket,final_val_loss,error\n"));
  CHECK(contains(summary, ",0.4375,"));
  const std::string curves = slurp(s.path("csv/curves.csv"));
  CHECK(contains(curves, ",seconds,epoch_time\n"));
  CHECK(contains(curves, ",1.03\n"));
}

namespace {

// A pruned sweep: `pruner` with `rungs`, trials of `epochs` epochs each (val_acc base + e / 100
// at epoch e), pruned at their last epoch when `rung` says so.
struct Pruned {
  int64_t id;
  TrialStatus status;
  int epochs;
  double base;
  int rung;
  int bracket = -1;
};

std::string pruned_sweep(const Scratch& s, const std::string& name, const std::string& pruner,
                         const std::vector<Rung>& rungs, const std::vector<Pruned>& trials) {
  SweepHeader h = lr_header("[sweep]\npruner = \"" + pruner + "\"\n");
  h.pruner = pruner;
  h.rungs = rungs;
  const std::string path = s.path(name);
  auto f = ResultsFile::create(path, h, false);
  REQUIRE(f.ok());
  for (const Pruned& p : trials) {
    TrialRecord r;
    r.id = p.id;
    r.status = p.status;
    r.params = {0.01};
    r.epochs = p.epochs;
    r.host = host_name();
    for (int e = 1; e <= p.epochs; ++e) {
      r.curves.push_back({e, 0.01, 0.9, 0.5, 0.8, p.base + e / 100.0, 1.0 * e});
      r.update_ratio.push_back({});
    }
    r.best_epoch = p.epochs;
    r.best_metric = p.epochs > 0 ? r.curves.back().val_acc : NAN;
    r.rung = p.rung;
    r.bracket = p.bracket;
    if (p.status == TrialStatus::kPruned)
      r.decision = "pruned at epoch " + std::to_string(p.epochs) + ": val_acc below the cut";
    REQUIRE(f->append(r).ok());
  }
  REQUIRE(f->close().ok());
  return path;
}

}  // namespace

TEST_CASE("show counts each rung's trials and marks pruned trials", "[cli][show][prune]") {
  Scratch s;
  // asha: rung 0 at epoch 1, rung 1 at epoch 3, no brackets. Trials 0 and 1 pruned at rung 0,
  // 2 at rung 1, 3 completed past both.
  const std::string path = pruned_sweep(s, "asha.h5", "asha", {{-1, 0, 1, 0}, {-1, 1, 3, 0}},
                                        {{0, TrialStatus::kPruned, 1, 0.50, 0},
                                         {1, TrialStatus::kPruned, 1, 0.70, 0},
                                         {2, TrialStatus::kPruned, 3, 0.60, 1},
                                         {3, TrialStatus::kCompleted, 5, 0.55, 1}});
  Run r = hypersweep("show '" + path + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "pruner asha: pruned 3 of 4 trials: 2 at epoch 1, 1 at epoch 3\n"));
  CHECK(contains(r.out, "\n  rung 0 (epoch   1):    4 reached,    2 pruned there, best val_acc 0.7100 (trial 1)\n"));
  CHECK(contains(r.out, "\n  rung 1 (epoch   3):    2 reached,    1 pruned there, best val_acc 0.6300 (trial 2)\n"));
  CHECK(contains(r.out, "pruned@3"));
  CHECK(contains(r.out, "pruned@1"));
  r = hypersweep("show '" + path + "' --trial 2");
  CHECK(contains(r.out, "pruned at epoch 3, rung 1\n"));
  CHECK(contains(r.out, "decision: pruned at epoch 3: val_acc below the cut\n"));
  r = hypersweep("show '" + path + "' --trial 3");
  CHECK(contains(r.out, "\nrung 1\n"));
  CHECK_FALSE(contains(r.out, "decision:"));
}

TEST_CASE("show of a median pruner's sweep says when trials were pruned and no rungs", "[cli][show][prune]") {
  Scratch s;
  const std::string path = pruned_sweep(s, "median.h5", "median", {},
                                        {{0, TrialStatus::kCompleted, 4, 0.5, -1},
                                         {1, TrialStatus::kPruned, 2, 0.4, -1},
                                         {2, TrialStatus::kPruned, 2, 0.3, -1}});
  Run r = hypersweep("show '" + path + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "pruner median: pruned 2 of 3 trials: 2 at epoch 2\n"));
  CHECK_FALSE(contains(r.out, "bracket"));
  CHECK(contains(r.out, "pruned@2"));
  r = hypersweep("show '" + path + "' --trial 1");
  CHECK(contains(r.out, "pruned at epoch 2\n"));
  CHECK_FALSE(contains(r.out, "rung"));
  // A sweep without a pruner says nothing of pruning.
  r = hypersweep("show '" + printed_sweep(s) + "'");
  CHECK_FALSE(contains(r.out, "pruner"));
}

TEST_CASE("show counts a hyperband sweep's rungs bracket by bracket", "[cli][show][prune]") {
  Scratch s;
  // Bracket 1: rungs at epochs 1 (3 planned) and 3 (1 planned); bracket 0: one rung at epoch 3.
  // Trial 0 pruned at bracket 1's rung 0, 1 went on and was pruned at its rung 1; 2 completed
  // bracket 0.
  const std::string path = pruned_sweep(s, "hyperband.h5", "hyperband", {{1, 0, 1, 3}, {1, 1, 3, 1}, {0, 0, 3, 1}},
                                        {{0, TrialStatus::kPruned, 1, 0.50, 0, 1},
                                         {1, TrialStatus::kPruned, 3, 0.60, 1, 1},
                                         {2, TrialStatus::kCompleted, 3, 0.40, 0, 0}});
  Run r = hypersweep("show '" + path + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "pruner hyperband: pruned 2 of 3 trials: 1 at epoch 1, 1 at epoch 3\n"));
  CHECK(contains(r.out, "  bracket 1 rung 0 (epoch   1, 3 planned):    2 reached,    1 pruned there, best val_acc 0.6100 (trial 1)\n"));
  CHECK(contains(r.out, "  bracket 1 rung 1 (epoch   3, 1 planned):    1 reached,    1 pruned there, best val_acc 0.6300 (trial 1)\n"));
  CHECK(contains(r.out, "  bracket 0 rung 0 (epoch   3, 1 planned):    1 reached,    0 pruned there, best val_acc 0.4300 (trial 2)\n"));
  r = hypersweep("show '" + path + "' --trial 1");
  CHECK(contains(r.out, "pruned at epoch 3, rung 1, bracket 1\n"));
}

namespace {

// Three trials of the built-in trainer on 240 validation samples: 204, 203 and 168 right.
// `val_samples` 0 writes them as a hypersweep from before the field did.
std::string close_sweep(const Scratch& s, int64_t val_samples) {
  const SweepHeader h = lr_header("[space]\nlr = \"log_uniform(1e-4, 1e-1)\"\n");
  const std::string path = s.path("close" + std::to_string(val_samples) + ".h5");
  auto f = ResultsFile::create(path, h, false);
  REQUIRE(f.ok());
  int64_t id = 0;
  for (int right : {203, 204, 168}) {
    TrialRecord t;
    t.id = id++;
    t.status = TrialStatus::kCompleted;
    t.params = {0.001 * static_cast<double>(id)};
    t.best_epoch = 1;
    t.best_metric = right / 240.0;
    t.epochs = 1;
    t.host = host_name();
    t.curves = {{1, 0.01, 0.5, 0.8, 0.6, t.best_metric, 1.0}};
    t.update_ratio = {{}};
    t.val_samples = val_samples;
    REQUIRE(f->append(t).ok());
  }
  REQUIRE(f->close().ok());
  return path;
}

}  // namespace

TEST_CASE("show marks trials within one standard error of the best as tied", "[cli][show][tie]") {
  Scratch s;
  const Run r = hypersweep("show '" + close_sweep(s, 240) + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  // One sample apart of 240: a tie, marked; 36 apart: a real difference, not marked.
  const size_t best = r.out.find("\n     1  completed"), tied = r.out.find("\n     0  completed"),
               worse = r.out.find("\n     2  completed");
  REQUIRE(best != std::string::npos);
  REQUIRE(tied != std::string::npos);
  REQUIRE(worse != std::string::npos);
  CHECK(best < tied);
  auto line = [&](size_t at) { return r.out.substr(at + 1, r.out.find('\n', at + 1) - at - 1); };
  CHECK_FALSE(contains(line(best), " tie "));
  CHECK(contains(line(tied), "0.8458 tie "));
  CHECK_FALSE(contains(line(worse), " tie "));
  CHECK(contains(r.out, "tie: val_acc within one standard error of the best's (0.0230 on 240 validation samples)"));
  // A file without the validation size: no tie rule, the plain ranking.
  const Run old = hypersweep("show '" + close_sweep(s, 0) + "'");
  REQUIRE(old.code == 0);
  CHECK_FALSE(contains(old.out, " tie"));
}

namespace {

// The line of `out` that holds `part`, without its newline; "" when none does.
std::string line_with(const std::string& out, const std::string& part) {
  const size_t at = out.find(part);
  if (at == std::string::npos) return "";
  const size_t from = out.rfind('\n', at) == std::string::npos ? 0 : out.rfind('\n', at) + 1;
  return out.substr(from, out.find('\n', at) - from);
}

}  // namespace

TEST_CASE("show, report and export name a printed lr and error as /summary does", "[cli][show]") {
  // A command that prints `error` (a fixed column's name) and `lr` (a parameter's) beside its
  // metric: /summary calls them result_error and result_lr, and so does everything else.
  Scratch s;
  const auto cfg = s.write("x.toml", "[objective]\ncommand = \"echo val_acc=0.6 error=5 lr=9\"\n"
                                     "[sweep]\nstrategy = \"grid\"\n[space]\nlr = [0.1, 0.2]\n");
  const std::string out = s.path("x.h5");
  Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  r = hypersweep("show '" + out + "'");
  REQUIRE(r.code == 0);
  const std::string head = line_with(r.out, " trial  status");
  CHECK(contains(head, " result_error "));
  CHECK(contains(head, " result_lr "));
  CHECK_FALSE(contains(head, " error "));
  CHECK_FALSE(contains(head, " lr "));
  r = hypersweep("show '" + out + "' --trial 0");
  CHECK(contains(r.out, "\nresult_error: 5\nresult_lr: 9\n"));
  // The report's table heads its columns from this list ([as printed, column]).
  r = hypersweep("report '" + out + "' -o '" + s.path("x.html") + "'");
  REQUIRE(r.code == 0);
  CHECK(contains(slurp(s.path("x.html")),
                 "\"results\":[[\"error\",\"result_error\"],[\"lr\",\"result_lr\"]]"));
  r = hypersweep("export '" + out + "' --csv '" + s.path("csv") + "'");
  REQUIRE(r.code == 0);
  CHECK(contains(slurp(s.path("csv/summary.csv")), ",bracket,result_error,result_lr,error\n"));
}

TEST_CASE("run and show count a timed-out trial as timed out, with its time limit as cause",
          "[cli][show]") {
  // Trial 0 exits 1; trial 1 sleeps past its 1 s timeout.
  Scratch s;
  const auto cfg = s.write("t.toml", "[objective]\ncommand = \"if [ {v} = 1 ]; then exit 1; fi; "
                                     "sleep 30\"\ntimeout = 1\n[sweep]\nstrategy = \"list\"\n"
                                     "[space]\nv = [1, 2]\n");
  const std::string out = s.path("t.h5");
  Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  CHECK(r.code == 4);  // no trial gave its metric
  CHECK(contains(r.out, "\n1 trial failed and 1 timed out, each with a cause of its own "
                        "(hypersweep show lists them); one: the command "));
  CHECK_FALSE(contains(r.out, "no error recorded"));
  // The built-in trainer's max_seconds records no error: show names the limit.
  const std::string path = pruned_sweep(s, "limit.h5", "", {},
                                        {{0, TrialStatus::kCompleted, 4, 0.5, -1},
                                         {1, TrialStatus::kTimedOut, 2, 0.5, -1}});
  r = hypersweep("show '" + path + "'");
  CHECK(contains(r.out, "\ntrial 1 timed_out: its time limit ([train] max_seconds) ended it "
                        "before its last epoch\n"));
}

TEST_CASE("run, show and plan print a choice's control characters escaped", "[cli][show]") {
  Scratch s;
  const auto cfg = s.write("c.toml", "[objective]\ncommand = \"echo val_acc=0.5\"\n"
                                     "[sweep]\nstrategy = \"list\"\n[space]\n"
                                     "tag = [\"line1\\nline2\", \"tab\\there\", \"cr\\rhere\"]\n");
  const std::string out = s.path("c.h5");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const Run shown = hypersweep("show '" + out + "'");
  const Run plan = hypersweep("plan '" + cfg.string() + "'");
  for (const Run* p : {&r, &shown}) {
    CHECK(contains(p->out, "tag=\"line1\\nline2\""));
    CHECK(contains(p->out, "tag=\"tab\\there\""));
    CHECK(contains(p->out, "tag=\"cr\\rhere\""));
  }
  CHECK(contains(plan.out, "[\"line1\\nline2\", \"tab\\there\", \"cr\\rhere\"]"));
  for (const Run* p : {&r, &shown, &plan}) {
    CHECK_FALSE(contains(p->out, "line1\nline2"));
    CHECK_FALSE(contains(p->out, "\t"));
    CHECK_FALSE(contains(p->out, "\r"));
  }
}

TEST_CASE("the README's h5py example decodes every string and picks show's best trial",
          "[cli][show]") {
  // Pruned and diverged trials with the best values: never the best (result_of, trial/metric.h);
  // and a minimised metric, whose best is the lowest.
  for (const bool maximise : {true, false}) {
    INFO((maximise ? "max" : "min"));
    Scratch s;
    SweepHeader h = lr_header("[sweep]\npruner = \"median\"\n");
    h.pruner = "median";
    h.metric = maximise ? Metric{"val_acc", Direction::kMaximize}
                        : Metric{"val_loss", Direction::kMinimize};
    Param opt;
    opt.name = "optimizer";
    opt.kind = ParamKind::kChoice;
    opt.choices = {std::string("sgd"), std::string("adam")};
    h.space.params.push_back(opt);
    const std::string path = s.path("readme.h5");
    auto f = ResultsFile::create(path, h, false);
    REQUIRE(f.ok());
    // id, status, best_metric: for max the best final result is trial 3's 0.7, for min trial 2's
    // 0.3; trial 1 (pruned) and 4 (diverged) hold the values that idxmax/idxmin would pick.
    const std::vector<std::pair<TrialStatus, double>> trials = {
        {TrialStatus::kCompleted, 0.5}, {TrialStatus::kPruned, maximise ? 0.95 : 0.05},
        {TrialStatus::kCompleted, 0.3}, {TrialStatus::kEarlyStopped, 0.7},
        {TrialStatus::kDiverged, maximise ? 0.99 : 0.01}};
    for (size_t i = 0; i < trials.size(); ++i) {
      TrialRecord r;
      r.id = static_cast<int64_t>(i);
      r.status = trials[i].first;
      r.params = {0.01, std::string(i % 2 ? "adam" : "sgd")};
      r.epochs = 2;
      r.host = host_name();
      for (int e = 1; e <= 2; ++e) {
        r.curves.push_back({e, 0.01, 0.9, 0.5, 0.8, 0.5, 1.0 * e});
        r.update_ratio.push_back({});
      }
      r.best_epoch = 2;
      r.best_metric = trials[i].second;
      REQUIRE(f->append(r).ok());
    }
    REQUIRE(f->close().ok());
    const int64_t want = maximise ? 3 : 2;
    // show's best: the first row of its table.
    const Run shown = hypersweep("show '" + path + "'");
    REQUIRE(shown.code == 0);
    const size_t table = shown.out.find(" trial  status");
    REQUIRE(table != std::string::npos);
    const size_t row = shown.out.find('\n', table) + 1;
    CHECK(std::stoll(shown.out.substr(row, 6)) == want);
    // The README's example, as a user would run it on this file.
    const auto script = s.write("example.py", readme_example("<!-- results-example -->"));
    const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + path + "' > '" +
                            s.path("py.out") + "' 2>&1";
    const int status = std::system(cmd.c_str());
    const std::string py = slurp(s.path("py.out"));
    INFO(py);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    CHECK(contains(py, "best trial " + std::to_string(want) + ", epochs: 2"));
    CHECK(contains(py, " adam "));
    CHECK(contains(py, " completed "));
    CHECK_FALSE(contains(py, "b'"));
  }
}

TEST_CASE("export and report refuse an empty output path, naming the option", "[cli][show]") {
  Scratch s;
  const std::string path = printed_sweep(s);
  Run r = hypersweep("export '" + path + "' --csv ''");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--csv: an empty path"));
  // Not the default printed.html (in the folder hypersweep runs in): refused, nothing written.
  const fs::path fallback = fs::path(HS_SOURCE_DIR) / "printed.html";
  REQUIRE_FALSE(fs::exists(fallback));
  r = hypersweep("report '" + path + "' -o ''");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "an empty path"));
  CHECK_FALSE(fs::exists(fallback));
  fs::remove(fallback);
  // run and recipe likewise: an empty --out fell back to the default name.
  const auto cfg = s.write("e.toml", "[sweep]\ntrials = 1\n[space]\nx = [1]\n[objective]\n"
                                     "command = \"echo metric={x}\"\n");
  r = hypersweep("run '" + cfg.string() + "' --out ''");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--out: an empty path"));
  CHECK_FALSE(fs::exists(s.path("e.h5")));
  CHECK_FALSE(fs::exists(fs::path(HS_SOURCE_DIR) / "e.h5"));
  r = hypersweep("recipe configs/recipe_quick.toml --config-out ''");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--config-out: an empty path"));
}

TEST_CASE("logs of a trial still running names its log files", "[cli][show]") {
  Scratch s;
  const std::string path = printed_sweep(s);  // trials 0-2 recorded
  // Trial 4 runs (attempt 2 of it too): its worker has made its files, it has no record yet.
  for (const char* name : {"000004.out", "000004.err", "000004.2.out", "000040.out"})
    std::ofstream(s.path("printed.h5.logs/") + name) << "epoch 1\n";
  Run r = hypersweep("logs '" + path + "' 4");
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "hypersweep: error: " + path + ": trial 4 is not recorded yet"));
  for (const char* name : {"000004.out", "000004.err", "000004.2.out"})
    CHECK(contains(r.err, s.path("printed.h5.logs/") + name));
  CHECK_FALSE(contains(r.err, "000040"));
  // No files either: it has no such trial.
  r = hypersweep("logs '" + path + "' 5");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "hypersweep: error: " + path + ": has no trial 5 (3 trials recorded)"));
  // A log file that cannot be read: an error like every other.
  r = hypersweep("logs '" + path + "' 1");
  CHECK(r.code == 1);
  CHECK(contains(r.err, "hypersweep: error: " + s.path("printed.h5.logs/000001.out") +
                            ": cannot be read here (no such file)"));
}

TEST_CASE("run and show print a command's escape codes in its error as text", "[cli][show]") {
  Scratch s;
  const auto cfg = s.write("e.toml", "[objective]\ncommand = \"printf 'bad \\\\033[31mRED\\\\r"
                                     "OVER\\\\n' >&2; exit 1\"\n[space]\nx = [1]\n"
                                     "[sweep]\nstrategy = \"list\"\n");
  const std::string out = s.path("e.h5");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 4);  // its one trial failed
  const Run shown = hypersweep("show '" + out + "'");
  const Run whole = hypersweep("show '" + out + "' --trial 0");
  for (const Run* p : {&r, &shown, &whole}) {
    INFO(p->out);
    CHECK(contains(p->out, "bad \\u001b[31mRED\\rOVER"));
    CHECK_FALSE(contains(p->out, "\x1b"));
    CHECK_FALSE(contains(p->out, "\r"));
  }
}

TEST_CASE("show --trial heads a printed column as the curves dataset names it", "[cli][show]") {
  Scratch s;
  const auto cfg = s.write("c.toml", "[objective]\ncommand = \"echo epoch=1 val_acc=0.5 seconds=101 "
                                     "extra_seconds=201 huge=1e300 tiny=1e-300; echo val_acc=0.5 "
                                     "big=1e300\"\n[space]\nx = [1]\n[sweep]\nstrategy = \"list\"\n");
  const std::string out = s.path("c.h5");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const Run whole = hypersweep("show '" + out + "' --trial 0");
  INFO(whole.out);
  // A printed `seconds` is curves' extra_seconds (beside the fixed seconds column), and a printed
  // extra_seconds then extra_extra_seconds, as h5py and export read them.
  CHECK(contains(whole.out, " extra_seconds extra_extra_seconds "));
  CHECK(contains(whole.out, "1e+300"));
  CHECK(contains(whole.out, "1e-300"));
  // A result of 1e300 takes 4 significant digits in the table, not 300 of fixed point.
  const Run shown = hypersweep("show '" + out + "'");
  INFO(shown.out);
  CHECK(contains(shown.out, "1e+300"));
  CHECK_FALSE(contains(shown.out, "0000000000"));
}

// show and report read a file a trial at a time (analysis/analysed.h: each_diagnosed), in the
// order the trials' latest records were written, which is not /summary's when a trial was
// recorded again, and show keeps only its --top best: what they print must be what reading the
// whole file in /summary's order gives.
TEST_CASE("show's top trials and error lines do not depend on the order trials were recorded in",
          "[cli][show]") {
  Scratch s;
  const std::string path = s.path("again.h5");
  {
    auto f = command_results(s, "again.h5");
    // 150 trials, val_acc (id % 7) / 10: ties at 0.6 for ids 6, 13, 20, ...; trial 5 fails one
    // way, trial 140 another.
    for (int64_t id = 0; id < 150; ++id) {
      TrialRecord t = completed(id, static_cast<double>(id % 7) / 10.0);
      if (id == 5) t = failed(id, "OSError: no space");
      if (id == 140) t = failed(id, "ImportError: no numpy");
      REQUIRE(f.append(t).ok());
    }
    // Recorded again, later: trial 3 becomes the best (0.65), trial 12 ties the 0.6s at place 12,
    // before trial 13, and trial 1 fails as trial 140 did.
    REQUIRE(f.append(completed(3, 0.65)).ok());
    REQUIRE(f.append(completed(12, 0.6)).ok());
    REQUIRE(f.append(failed(1, "ImportError: no numpy")).ok());
    REQUIRE(f.close().ok());
  }
  const Run all = hypersweep("show '" + path + "' --top 0");
  INFO(all.out << all.err);
  REQUIRE(all.code == 0);
  const std::vector<std::string> every = table_rows(all.out);
  REQUIRE(every.size() == 150);
  CHECK(every[0].rfind("     3  completed", 0) == 0);
  CHECK(every[1].rfind("     6  completed", 0) == 0);
  CHECK(every[2].rfind("    12  completed", 0) == 0);  // its place, not when it was recorded
  CHECK(every[3].rfind("    13  completed", 0) == 0);
  for (size_t top : {3, 10}) {  // fewer than the 150 trials' cut of the candidates keeps
    const Run r = hypersweep("show '" + path + "' --top " + std::to_string(top));
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    const std::vector<std::string> rows = table_rows(r.out);
    REQUIRE(rows.size() == top);
    for (size_t k = 0; k < top; ++k) CHECK(rows[k] == every[k]);
    CHECK(contains(r.out, "(" + std::to_string(150 - top) + " more; --top 0 shows all)"));
    CHECK(contains(r.out, "150 trials: 147 completed, 3 failed\n"));
  }
  // Error lines in the order of their first trial's place: trial 1's before trial 5's, though
  // trial 1's failure was recorded after trial 5's and trial 140's.
  const size_t numpy = all.out.find("trials 1, 140 failed: the command exited with status 1; its "
                                    "stderr ends: ImportError: no numpy\n");
  const size_t space = all.out.find("trial 5 failed: the command exited with status 1; its stderr "
                                    "ends: OSError: no space\n");
  REQUIRE(numpy != std::string::npos);
  REQUIRE(space != std::string::npos);
  CHECK(numpy < space);
}

TEST_CASE("report of a file with trials recorded again draws them in /summary's order", "[cli][report]") {
  Scratch s;
  const std::string path = s.path("again.h5");
  {
    auto f = command_results(s, "again.h5");
    for (int64_t id = 0; id < 6; ++id) REQUIRE(f.append(completed(id, 0.1 * static_cast<double>(id))).ok());
    REQUIRE(f.append(completed(2, 0.75)).ok());  // recorded again: the best, at place 2
    REQUIRE(f.close().ok());
  }
  const Run r = hypersweep("report '" + path + "' -o '" + s.path("again.html") + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "6 trials -> "));
  const std::string html = slurp(s.path("again.html"));
  CHECK(contains(html, "\"t\":{\"id\":[0,1,2,3,4,5],"));
  CHECK(contains(html, "\"bm\":[0,0.1,0.75,0.30000000000000004,0.4,0.5],"));
}
