// Pruning through the real binary in one process ([sweep] pruner): command trials that print
// scripted curves, so every decision is known in advance; a pruned command's process group
// gone; a sweep with asha killed with SIGKILL and continued to the same decisions.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <signal.h>
#include <map>
#include <set>

#include "support/cli.h"
#include "support/records.h"

using namespace hs::test;

namespace {

// R = 9, r = 1, eta = 3: rungs at epochs 1 and 3 decide, 9 is the last. In order: trial 0 is
// the first at every rung (goes on); trial 1 has 0.4 at epoch 1 against 0.5 (pruned there);
// trial 2 leads at epoch 1 (0.6) but has 0.45 at epoch 3 against trial 0's 0.5 (pruned at
// rung 1, epoch 3).
const std::vector<std::vector<double>> kAshaCurves = {
    {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.55},
    {0.4, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9},
    {0.6, 0.7, 0.45, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9}};
const char kAshaPruner[] = "pruner = \"asha\"\n[pruner]\nmax_epochs = 9";

// The table as a Python list of lists.
std::string python_table(const std::vector<std::vector<double>>& table) {
  std::string rows = "[\n";
  for (const auto& row : table) {
    rows += "    [";
    for (double v : row) rows += (std::isnan(v) ? "float('nan')" : std::to_string(v)) + ", ";
    rows += "],\n";
  }
  return rows + "]";
}

// A script printing the scripted curve of row argv[1] of its table, one epoch line per epoch,
// then the result line. From trial id `hold` on (HYPERSWEEP_TRIAL_ID), it first leaves
// started.<id> in `dir` and waits for the file `go` there (or for `dir` to go away).
std::string curves_script(const std::vector<std::vector<double>>& table, const std::string& dir,
                          int hold = 1 << 30) {
  return "import os, sys, time\nTABLE = " + python_table(table) +
         "\n"
         "tid = int(os.environ['HYPERSWEEP_TRIAL_ID'])\n"
         "if tid >= " +
         std::to_string(hold) +
         ":\n"
         "    open(os.path.join('" +
         dir +
         "', 'started.%d' % tid), 'w').close()\n"
         "    while os.path.isdir('" +
         dir + "') and not os.path.exists(os.path.join('" + dir +
         "', 'go')):\n"
         "        time.sleep(0.05)\n"
         "curve = TABLE[int(sys.argv[1])]\n"
         "for e, v in enumerate(curve, 1):\n"
         "    print('epoch=%d val_acc=%r' % (e, v), flush=True)\n"
         "print('val_acc=%r' % max(curve), flush=True)\n";
}

// A list sweep over the table's rows with `pruner` and its [pruner] keys, of curves.py (its row
// as argv[1]), or of `objective` (an [objective] table's keys) when given.
std::string curves_sweep(const Scratch& s, size_t rows, const std::string& pruner,
                         const std::string& objective = "") {
  std::string list;
  for (size_t i = 0; i < rows; ++i) list += (i ? ", " : "") + std::to_string(i);
  return "[objective]\n" +
         (objective.empty() ? "command = \"/usr/bin/python3 '" + s.path("curves.py") + "' {curve}\""
                            : objective) +
         "\n[sweep]\nstrategy = \"list\"\n" + pruner + "\n[space]\ncurve = [" + list + "]\n";
}

std::map<int64_t, hs::TrialRecord> by_id(const std::vector<hs::TrialRecord>& recs) {
  std::map<int64_t, hs::TrialRecord> m;
  for (const auto& r : recs) m[r.id] = r;
  return m;
}

// `hypersweep run cfg --out r.h5`, which must succeed: its records by id (its stdout in *out).
std::map<int64_t, hs::TrialRecord> run_to_records(const Scratch& s, const fs::path& cfg,
                                                  std::string* out = nullptr) {
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + s.path("r.h5") + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  if (out) *out = r.out;
  return by_id(records_of(s.path("r.h5")));
}

}  // namespace

TEST_CASE("asha records a trial pruned at epoch 1 and one at its last deciding rung, with their curves",
          "[cli][prune]") {
  Scratch s;
  s.write("curves.py", curves_script(kAshaCurves, s.dir().string()));
  std::string out;
  auto recs = run_to_records(
      s, s.write("asha.toml", curves_sweep(s, kAshaCurves.size(), kAshaPruner)), &out);
  REQUIRE(recs.size() == 3u);
  CHECK(recs[0].status == hs::TrialStatus::kCompleted);
  CHECK(recs[0].rung == 2);
  CHECK(recs[0].curves.size() == 9u);
  const hs::TrialRecord& one = recs[1];
  CHECK(one.status == hs::TrialStatus::kPruned);
  CHECK(hs::pruned_epoch(one) == 1);
  REQUIRE(one.curves.size() == 1u);  // what it printed after epoch 1 is not its curve
  CHECK(one.curves[0].val_acc == 0.4);
  CHECK(one.rung == 0);
  CHECK(one.best_metric == 0.4);  // its best so far: what the strategy hears
  CHECK(contains(one.decision, "pruned at rung 0 (epoch 1): val_acc 0.4000 is not in the top 1"));
  const hs::TrialRecord& two = recs[2];
  CHECK(two.status == hs::TrialStatus::kPruned);
  CHECK(hs::pruned_epoch(two) == 3);
  REQUIRE(two.curves.size() == 3u);
  CHECK(two.curves[2].val_acc == 0.45);
  CHECK(two.rung == 1);
  CHECK(two.best_metric == 0.7);
  CHECK(contains(two.decision, "pruned at rung 1 (epoch 3)"));
  CHECK(contains(out, "with the asha pruner"));
}

TEST_CASE("asha stops a worker-mode trial through the helper and the program stays up",
          "[cli][prune][worker]") {
  Scratch s;
  // The curves of the test above: trial 1 is pruned at epoch 1, trial 2 at epoch 3. Each start
  // of the program appends a line to starts.txt; each trial's `finally` writes ended.<id> (for a
  // stopped one, report() raised Stopped there, which `except Exception` does not catch).
  const std::string dir = s.dir().string();
  s.write("w.py", "import os, sys\nsys.path.insert(0, '" HS_SOURCE_DIR
                  "/python')\n"
                  "from hypersweep_worker import serve\nTABLE = " +
                      python_table(kAshaCurves) +
                      "\n"
                      "open('" +
                      dir +
                      "/starts.txt', 'a').write('%d\\n' % os.getpid())\n"
                      "def train(params, trial):\n"
                      "    curve = TABLE[params['curve']]\n"
                      "    try:\n"
                      "        for e, v in enumerate(curve, 1):\n"
                      "            trial.report(epoch=e, val_acc=v)\n"
                      "    except Exception:\n"
                      "        raise AssertionError('Stopped is not an Exception')\n"
                      "    finally:\n"
                      "        open('" +
                      dir +
                      "/ended.%d' % trial.id, 'w').close()\n"
                      "    return {'val_acc': max(curve)}\n"
                      "serve(train)\n");
  auto recs = run_to_records(
      s, s.write("w.toml", curves_sweep(s, kAshaCurves.size(), kAshaPruner,
                                        "mode = \"worker\"\ncommand = \"/usr/bin/python3 '" +
                                            s.path("w.py") + "'\"")));
  REQUIRE(recs.size() == 3u);
  CHECK(recs[0].status == hs::TrialStatus::kCompleted);
  CHECK(recs[0].curves.size() == 9u);
  CHECK(recs[1].status == hs::TrialStatus::kPruned);
  CHECK(recs[1].curves.size() == 1u);
  CHECK(recs[2].status == hs::TrialStatus::kPruned);
  CHECK(recs[2].curves.size() == 3u);
  CHECK(contains(recs[2].decision, "pruned at rung 1 (epoch 3)"));
  // One start for the three trials: the stopped ones ended in the program, which went on.
  const std::string starts = slurp(s.dir() / "starts.txt");
  CHECK(std::count(starts.begin(), starts.end(), '\n') == 1);
  for (int id : {0, 1, 2}) CHECK(fs::exists(s.dir() / ("ended." + std::to_string(id))));
}

TEST_CASE("a pruned per-trial script built on the helper runs its finally blocks", "[cli][prune]") {
  Scratch s;
  // Trial 0 sets the bar at epoch 1; trial 1 falls below it and then trains on (sleeps): its
  // SIGTERM raises Stopped in train(), whose `finally` leaves ended.1.
  const std::string dir = s.dir().string();
  s.write("t.py", "import sys, time\nsys.path.insert(0, '" HS_SOURCE_DIR
                  "/python')\n"
                  "from hypersweep_worker import serve\n"
                  "def train(params, trial):\n"
                  "    try:\n"
                  "        v = 0.9 if params['x'] == 0 else 0.1\n"
                  "        trial.report(epoch=1, val_acc=v)\n"
                  "        if params['x'] == 1: time.sleep(600)\n"
                  "        return {'val_acc': v}\n"
                  "    finally:\n"
                  "        open('" +
                      dir +
                      "/ended.%d' % trial.id, 'w').close()\n"
                      "serve(train)\n");
  const auto recs = run_to_records(
      s, s.write("t.toml", "[objective]\ncommand = \"/usr/bin/python3 '" + s.path("t.py") +
                               "' x={x}\"\n[sweep]\nstrategy = \"list\"\npruner = \"asha\"\n"
                               "[pruner]\nmax_epochs = 3\n[space]\nx = [0, 1]\n"));
  REQUIRE(recs.size() == 2u);
  CHECK(recs.at(0).status == hs::TrialStatus::kCompleted);
  CHECK(recs.at(1).status == hs::TrialStatus::kPruned);
  CHECK(fs::exists(s.dir() / "ended.0"));
  CHECK(fs::exists(s.dir() / "ended.1"));
}

TEST_CASE("a pruned command trial leaves no process of its group behind", "[cli][prune]") {
  Scratch s;
  // Trial 0 sets the bar at epoch 1; trial 1 falls below it, then starts a background child in
  // its process group and waits: pruning must end the whole group, the child too. It also starts
  // a stray, a child in a session of its own (setsid), which the group's end misses: it must be
  // ended too, and the trial's log must say so.
  const std::string dir = s.dir().string();
  s.write("trial.sh",
          "if [ $HYPERSWEEP_TRIAL_ID -eq 0 ]; then echo epoch=1 val_acc=0.9; echo val_acc=0.9; "
          "exit 0; fi\n"
          "sleep 600 &\n"
          // Builtins alone before the exec (an `mv` child could be counted as a second stray).
          "setsid sh -c 'echo $$ > \"" + dir + "/stray\"; exec sleep 600' > /dev/null 2>&1 &\n"
          "while [ ! -s '" + dir + "/stray' ]; do sleep 0.01; done\n"
          "ps -o pgid= -p $$ | tr -d ' ' > '" + dir + "/pgid.tmp' && mv '" + dir + "/pgid.tmp' '" +
              dir + "/pgid'\n"
          "echo epoch=1 val_acc=0.1\n"
          "sleep 600\n");
  const auto cfg = s.write("sweep.toml",
                           "[objective]\ncommand = \"sh '" + s.path("trial.sh") + "' {x}\"\n"
                           "[sweep]\nstrategy = \"list\"\npruner = \"asha\"\n"
                           "[pruner]\nmax_epochs = 3\n[space]\nx = [0, 1]\n");
  const auto recs = run_to_records(s, cfg);
  REQUIRE(recs.size() == 2u);
  CHECK(recs.at(1).status == hs::TrialStatus::kPruned);
  const std::string pgid = slurp(s.dir() / "pgid");
  REQUIRE(!pgid.empty());
  // SIGKILL went to the group before run returned; wait for the kernel to finish it off.
  const std::string alive = "pgrep -g " + pgid.substr(0, pgid.find('\n')) + " > /dev/null";
  bool gone = false;
  for (int i = 0; i < 600 && !gone; ++i) {
    gone = std::system(alive.c_str()) != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(gone);
  // The stray was ended before the trial was recorded: no process has its pid, or it is a
  // zombie that its new parent has not reaped yet.
  const pid_t stray = std::stoi(slurp(s.dir() / "stray"));
  const std::string stat = slurp(fs::path("/proc") / std::to_string(stray) / "stat");
  const bool stray_ended = stat.empty() || stat.find(") Z") != std::string::npos;
  if (!stray_ended) ::kill(stray, SIGKILL);
  CHECK(stray_ended);
  CHECK(contains(slurp(recs.at(1).log_path + ".err"),
                 "trial 1's command left 1 process outside its process group"));
}

TEST_CASE("a sweep with asha killed with SIGKILL continues with every trial once and the same decisions",
          "[cli][prune][resume]") {
  Scratch s;
  const std::string dir = s.dir().string();
  // Eight scripted curves, trial 3's with a NaN; the run is in one process, so trials go in id
  // order and every decision is fixed: the killed and continued sweep must reach the
  // uninterrupted one's.
  const std::vector<std::vector<double>> table = {
      {0.5, 0.55, 0.6, 0.62, 0.63, 0.64, 0.65, 0.66, 0.67}, {0.3, 0.4, 0.5, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7},
      {0.6, 0.61, 0.62, 0.63, 0.64, 0.65, 0.66, 0.67, 0.68}, {NAN, 0.6, 0.58, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6},
      {0.7, 0.72, 0.74, 0.76, 0.78, 0.8, 0.82, 0.84, 0.86}, {0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95},
      {0.65, 0.7, 0.75, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7},      {0.75, 0.7, 0.65, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6}};
  const std::string pruner = "pruner = \"asha\"\n[pruner]\nmax_epochs = 9";
  s.write("curves.py", curves_script(table, dir));
  const auto ref_cfg = s.write("ref.toml", curves_sweep(s, table.size(), pruner));
  const Run ref = hypersweep("run '" + ref_cfg.string() + "' --out '" + s.path("ref.h5") + "'");
  REQUIRE(ref.code == 0);
  const auto want = by_id(records_of(s.path("ref.h5")));
  REQUIRE(want.size() == table.size());
  int pruned = 0;
  for (const auto& [id, rec] : want) pruned += rec.status == hs::TrialStatus::kPruned;
  REQUIRE(pruned >= 3);  // the table is meant to prune, at both rungs
  // Trial 3 prints val_acc=nan at epoch 1: pruned at rung 0, and no value of the rung's (the
  // continued sweep takes it back so: core/reported_nan.h).
  CHECK(want.at(3).status == hs::TrialStatus::kPruned);
  CHECK(want.at(3).rung == 0);
  CHECK(contains(want.at(3).decision, "pruned at rung 0 (epoch 1): val_acc was reported NaN"));

  // The same sweep, whose trials from 5 on wait for `go`: killed while trial 5 is in flight.
  s.write("held.py", curves_script(table, dir, 5));
  std::string held = curves_sweep(s, table.size(), pruner);
  held.replace(held.find("curves.py"), 9, "held.py");
  const auto cfg = s.write("held.toml", held);
  const std::string out = s.path("r.h5");
  Background bg("run '" + cfg.string() + "' --out '" + out + "'", s.path("log"));
  REQUIRE(bg.pid() > 0);
  REQUIRE(wait_for_file(s.path("started.5")));
  REQUIRE(::kill(bg.pid(), SIGKILL) == 0);
  REQUIRE(bg.wait_exit() != 0);
  s.write("go", "");
  const auto before = by_id(records_of(out));
  REQUIRE(before.size() == 5u);  // trials 0-4; kill -9 writes nothing of trial 5
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const std::vector<hs::TrialRecord> after_list = records_of(out);
  REQUIRE(after_list.size() == table.size());  // every trial once
  const auto after = by_id(after_list);
  REQUIRE(after.size() == table.size());
  for (const auto& [id, rec] : after) {
    INFO("trial " << id);
    if (before.count(id)) {  // decided before the kill: kept as it was
      CHECK(rec.status == before.at(id).status);
      CHECK(rec.epochs == before.at(id).epochs);
      CHECK(rec.decision == before.at(id).decision);
    }
    CHECK(rec.status == want.at(id).status);  // and every decision the uninterrupted one's
    CHECK(rec.epochs == want.at(id).epochs);
    CHECK(rec.rung == want.at(id).rung);
    CHECK(rec.decision == want.at(id).decision);
  }
}

TEST_CASE("pruner keys are checked with the file, line and key", "[cli][prune]") {
  Scratch s;
  const std::string head = "[train]\ndataset = \"synthetic\"\nepochs = 9\n";
  const std::string space = "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[sweep]\npruner = \"halving\"\n",
       "bad.toml:5: pruner: expected none, median, percentile, asha"},
      {"[sweep]\npruner = \"median\"\n[pruner]\nreduction = 3\n",
       "bad.toml:7: reduction: reduction applies to asha, hyperband and sha, not median"},
      {"[sweep]\npruner = \"asha\"\n[pruner]\nreduction = 1\n",
       "bad.toml:7: reduction: expected a whole number from 2 to 100, got 1"},
      {"[sweep]\npruner = \"asha\"\n[pruner]\nmax_epochs = 27\n",
       "bad.toml:7: max_epochs: 27 is more than the 9 epochs each trial trains"},
      // max_epochs defaults to [train] epochs; the error points at the key the user wrote.
      {"[sweep]\npruner = \"asha\"\n[pruner]\nreduction = 3\nmin_epochs = 10\n",
       "bad.toml:8: min_epochs: max_epochs (9) must be at least min_epochs (10) (max_epochs not "
       "given in [pruner]: [train] epochs)"},
      {"[pruner]\nmin_epochs = 2\n",
       "bad.toml:5: min_epochs: a [pruner] table needs [sweep] pruner"},
      // An empty one too (it was accepted in silence), at its header's line.
      {"[pruner]\n", "bad.toml:4: pruner: a [pruner] table needs [sweep] pruner"},
      {"[sweep]\npruner = \"sha\"\n[pruner]\nwarmup = 2\n",
       "bad.toml:7: warmup: unknown key in [pruner]; sha takes min_epochs, reduction, max_epochs, "
       "bracket_trials"},
      {"[sweep]\npruner = \"asha\"\n[pruner]\nreducton = 2\n",
       "bad.toml:7: reducton: unknown key in [pruner] (did you mean \"reduction\"?); asha takes "
       "min_epochs, reduction, max_epochs"},
  };
  for (const auto& [table, want] : cases) {
    const auto cfg = s.write("bad.toml", head + table + space);
    const Run r = hypersweep("plan '" + cfg.string() + "'");
    INFO(table << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, want));
  }
  // A command's epochs are its own: the bracketed pruners need max_epochs.
  const auto cmd = s.write("cmd.toml", "[objective]\ncommand = \"echo x={x}\"\n[sweep]\n"
                                       "pruner = \"hyperband\"\n[space]\nx = [1, 2]\n");
  const Run c = hypersweep("plan '" + cmd.string() + "'");
  CHECK(c.code == 2);
  CHECK(contains(c.err, "cmd.toml:4: pruner: hyperband needs [pruner] max_epochs"));
  // ... unless [space] gives its epochs: the most of them is the last rung, and a max_epochs past
  // it (a rung no trial reaches) is refused. (A command with epochs = 6 and max_epochs = 27 was
  // run with rungs at 9 and 27 that no trial met; without max_epochs it was refused.)
  for (const std::string epochs : {"epochs = 6", "epochs = [4, 6]", "epochs = { int = [2, 6] }"}) {
    const auto fixed = s.write("six.toml", "[objective]\ncommand = \"echo x={x} {epochs}\"\n"
                                           "[sweep]\npruner = \"asha\"\n[space]\nx = [1, 2]\n" +
                                               epochs + "\n");
    const Run f = hypersweep("plan '" + fixed.string() + "'");
    INFO(epochs << f.out << f.err);
    CHECK(f.code == 0);
    CHECK(contains(f.out, "epochs 1 to 6"));  // its rungs end at 6
    const auto past = s.write("past.toml", "[objective]\ncommand = \"echo x={x} {epochs}\"\n"
                                           "[sweep]\npruner = \"asha\"\n[pruner]\n"
                                           "max_epochs = 27\n[space]\nx = [1, 2]\n" + epochs + "\n");
    const Run p = hypersweep("plan '" + past.string() + "'");
    CHECK(p.code == 2);
    CHECK(contains(p.err, "past.toml:6: max_epochs: 27 is more than the 6 epochs a trial trains "
                          "at most ([space] epochs): no trial would reach it"));
  }
}

TEST_CASE("continuing a sha sweep says which of its finished trials are paused at a rung",
          "[cli][prune][resume]") {
  // "continuing: 2 finished" counted two trials still waiting for their rung as done.
  Scratch s;
  const std::string dir = s.dir().string();
  const auto cfg = s.write(
      "sha.toml",
      "[sweep]\nstrategy = \"grid\"\npruner = \"sha\"\n[pruner]\nmax_epochs = 3\n"
      "bracket_trials = 3\n[space]\nx = [1, 2, 3]\n[objective]\ncommand = '''if [ {x} = 3 ]; then "
      "while [ -d '" + dir + "' ] && [ ! -f '" + dir + "/go' ]; do sleep 0.05; done; fi; "
      "for e in 1 2 3; do echo epoch=$e val_acc=0.{x}$e; done'''\n");
  const std::string out = s.path("sha.h5");
  // Trials 0 and 1 pause at rung 0 (epoch 1) for trial 2, which waits for `go`.
  const Stopped stopped = stop_when("run '" + cfg.string() + "' --out '" + out + "'",
                                    s.path("log"), "trial    1 paused");
  INFO(stopped.log);
  REQUIRE(stopped.code == 3);
  std::ofstream(s.dir() / "go") << "";
  const Run again = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK(contains(again.out, "2 finished (2 of them paused at a sha rung not yet decided), "
                            "1 to run again first"));
}
