// [objective] commands through the real binary, in one process and under mpirun -np 3: worker
// mode end to end (issue 14's acceptance: a Python worker built on python/hypersweep_worker.py
// starts once per worker, a trial that raises and one that calls os._exit(1) fail with their
// error and the next trial runs, a hanging trial is timed_out and the program restarts), and
// what each command is told of its place (HYPERSWEEP_WORKER, HYPERSWEEP_LOCAL_WORKER,
// OMP_NUM_THREADS, CUDA_VISIBLE_DEVICES from gpus_per_worker).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "store/results_file.h"
#include "support/cli.h"
#include "support/records.h"

using namespace hs::test;

namespace {

// The worker script: each start appends "<pid>" to starts.txt, each trial "<id> <pid>" to
// trials.txt before it does anything; trial 2 raises, trial 4 calls os._exit(1), trial 6 hangs
// until its timeout kills it; the others report two epochs and their result.
std::string worker_script(const Scratch& s) {
  return "import os, sys, time\n"
         "sys.path.insert(0, " "'" HS_SOURCE_DIR "/python')\n"
         "from hypersweep_worker import serve\n"
         "D = '" + s.dir().string() + "'\n"
         "with open(D + '/starts.txt', 'a') as f: f.write('%d\\n' % os.getpid())\n"
         "def train(params, trial):\n"
         "    with open(D + '/trials.txt', 'a') as f: f.write('%d %d\\n' % (trial.id, os.getpid()))\n"
         "    if trial.id == 2: raise ValueError('bad trial 2')\n"
         "    if trial.id == 4: os._exit(1)\n"
         "    if trial.id == 6: time.sleep(100000)\n"
         "    for e in (1, 2): trial.report(epoch=e, val_acc=0.1 * e, epoch_time=0.5)\n"
         "    return {'metric': params['x'] / 10, 'final_val_loss': 0.25}\n"
         "if __name__ == '__main__':\n"
         "    serve(train)\n";
}

// id -> the pid of the program that ran it, from trials.txt.
std::map<int64_t, long> pids_of_trials(const Scratch& s) {
  std::map<int64_t, long> m;
  std::istringstream in(slurp(s.dir() / "trials.txt"));
  int64_t id;
  long pid;
  while (in >> id >> pid) m[id] = pid;
  return m;
}

std::set<long> starts(const Scratch& s) {
  std::set<long> pids;
  std::istringstream in(slurp(s.dir() / "starts.txt"));
  long pid;
  while (in >> pid) pids.insert(pid);
  return pids;
}

void check_worker_sweep(const std::string& launcher, int workers) {
  Scratch s;
  s.write("worker.py", worker_script(s));
  const auto cfg = s.write(
      "w.toml", "[objective]\nmode = \"worker\"\ncommand = \"/usr/bin/python3 '" +
                    s.path("worker.py") + "'\"\ntimeout = 10\n[sweep]\nstrategy = \"grid\"\n"
                    "metric = \"metric\"\n[space]\nx = { int = [0, 7], grid = 8 }\n");
  const std::string out = s.path("w.h5");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'", launcher);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto recs = records_of(out);
  REQUIRE(recs.size() == 8u);  // every trial recorded
  const std::map<int64_t, long> pid = pids_of_trials(s);
  REQUIRE(pid.size() == 8u);   // every trial reached the program
  std::map<int, std::vector<const hs::TrialRecord*>> by_rank;
  for (const auto& t : recs) {
    INFO("trial " << t.id << ": " << t.error);
    by_rank[t.rank].push_back(&t);
    if (t.id == 2) {
      CHECK(t.status == hs::TrialStatus::kFailed);
      CHECK(contains(t.error, "ValueError: bad trial 2"));
      CHECK(contains(t.error, "Traceback"));  // the stderr it wrote during the trial
    } else if (t.id == 4) {
      CHECK(t.status == hs::TrialStatus::kFailed);
      CHECK(contains(t.error, "the command exited with status 1 (mode = \"worker\""));
    } else if (t.id == 6) {
      CHECK(t.status == hs::TrialStatus::kTimedOut);
      CHECK(contains(t.error, "the command timed out after 10 s"));
    } else {
      CHECK(t.status == hs::TrialStatus::kCompleted);
      CHECK(t.best_metric == Approx(static_cast<double>(t.id) / 10));  // grid: x = id
      CHECK(t.curves.size() == 2u);
      CHECK(t.curve_extra_names == std::vector<std::string>{"epoch_time"});
      REQUIRE(t.results.size() == 1u);
      CHECK(t.results[0].first == "final_val_loss");
    }
    CHECK(fs::exists(t.log_path + ".out"));
  }
  CHECK(contains(slurp(s.path("w.h5.logs/000002.err")), "ValueError: bad trial 2"));
  // Once per worker, and once more after each death or kill that another trial followed on the
  // same worker (ids go out in order, so a rank's trials in id order are the order it ran them).
  CHECK(static_cast<int>(by_rank.size()) == workers);
  size_t expected_starts = 0;
  for (auto& [rank, trials] : by_rank) {
    std::sort(trials.begin(), trials.end(), [](auto* a, auto* b) { return a->id < b->id; });
    ++expected_starts;
    for (size_t k = 1; k < trials.size(); ++k) {
      const bool restarted = trials[k - 1]->id == 4 || trials[k - 1]->id == 6;
      INFO("rank " << rank << ": trial " << trials[k]->id << " after " << trials[k - 1]->id);
      if (restarted) ++expected_starts;
      CHECK((pid.at(trials[k]->id) != pid.at(trials[k - 1]->id)) == restarted);
    }
  }
  CHECK(starts(s).size() == expected_starts);
  if (workers == 1) CHECK(expected_starts == 3u);  // trials 5 and 7 each on a new start
}

}  // namespace

TEST_CASE("worker mode in one process starts the program once and again after a death or a timeout",
          "[mpi][worker]") {
  check_worker_sweep("", 1);
}

TEST_CASE("worker mode under mpirun with 3 ranks starts the program once per worker",
          "[mpi][worker]") {
  check_worker_sweep(mpirun(3), 2);
}

TEST_CASE("each worker's command gets its worker index and local index and threads and GPU",
          "[mpi][worker]") {
  Scratch s;
  const std::string d = s.dir().string();
  // Each trial notes its worker, then waits until both workers have a trial (so that each of
  // the two trials runs on a different worker), and writes what it was told.
  const auto cfg = s.write(
      "p.toml", "[objective]\ngpus_per_worker = 1\ncommand = '''touch '" + d +
                    "'/started.$HYPERSWEEP_WORKER; while [ -d '" + d + "' ]; do [ -f '" + d +
                    "/started.0' ] && [ -f '" + d + "/started.1' ] && break; sleep 0.05; done; "
                    "echo \"$HYPERSWEEP_WORKER $HYPERSWEEP_LOCAL_WORKER $OMP_NUM_THREADS "
                    "$CUDA_VISIBLE_DEVICES $HYPERSWEEP_MODE\" > '" + d +
                    "'/env.$HYPERSWEEP_TRIAL_ID; echo metric={x}'''\n[sweep]\nstrategy = "
                    "\"grid\"\nmetric = \"metric\"\n[space]\nx = { int = [0, 1], grid = 2 }\n");
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  const Run r = hypersweep("run '" + cfg.string() + "' --threads 2 --out '" + s.path("p.h5") + "'",
                           mpirun(3));
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  std::set<std::string> seen = {slurp(s.dir() / "env.0"), slurp(s.dir() / "env.1")};
  CHECK(seen == std::set<std::string>{"0 0 2 0 trial\n", "1 1 2 1 trial\n"});
}
