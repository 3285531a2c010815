// The MPI scheduler, end to end: the real binary under mpirun with 2 to 4 ranks, its results
// file read back, signals, resume, and the README's h5py/pandas example run on a real file.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <regex>

#include <fcntl.h>
#include <sys/stat.h>

#include "core/rng.h"
#include "store/journal.h"
#include "store/journal_records.h"
#include "store/read_results.h"
#include "store/results_file.h"
#include "support/cli.h"
#include "support/readme.h"
#include "support/records.h"

using namespace hs::test;

namespace {

// A seconds-long sweep on synthetic data.
std::string synthetic_sweep(const std::string& sweep_table, const std::string& space) {
  return "[train]\ndataset = \"synthetic\"\nsynthetic_samples = 1500\nhidden = [32]\n"
         "epochs = 4\nbatch_size = 32\nearly_stopping = false\nthreads = 1\n" +
         sweep_table + space;
}

// A sweep file (`sweep_table`, then a space of lr) of command trials that print metric={lr},
// in which the trials from id `held` on first leave the file started.<id> in the scratch folder and then wait for the file
// `go` there, which the test creates when it is ready for them to end. With 2 workers, once
// started.<held> and started.<held+1> exist, trials 0 .. held-1 are recorded (ids go out in
// order, and a worker gets a trial only after rank 0 has recorded its last one) and those two
// are in flight, however loaded the machine. The wait also ends when the scratch folder is
// gone, so no trial outlives a failed test by long. Trials below `fail_below` fail at once, alike
// (exit 3, stderr "broken").
std::string held_sweep(const Scratch& s, const std::string& sweep_table, int held,
                       int fail_below = 0) {
  const std::string dir = s.dir().string();
  return "[objective]\ncommand = '''if [ $HYPERSWEEP_TRIAL_ID -lt " + std::to_string(fail_below) +
         " ]; then echo broken >&2; exit 3; fi; if [ $HYPERSWEEP_TRIAL_ID -ge " + std::to_string(held) +
         " ]; then touch '" + dir + "/started.'$HYPERSWEEP_TRIAL_ID; while [ -d '" + dir +
         "' ] && [ ! -f '" + dir + "/go' ]; do sleep 0.05; done; fi; echo metric={lr}'''\n" +
         sweep_table + "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n";
}

// The recorded trials' statuses by id.
std::map<int64_t, std::string> statuses(const std::vector<hs::TrialRecord>& recs) {
  std::map<int64_t, std::string> m;
  for (const auto& t : recs) m[t.id] = hs::status_name(t.status);
  return m;
}

// Bit-identical, or both NaN.
bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// The same trials with bit-identical results (ids, parameters, status, metric, curves, update
// ratios), in whatever order they were recorded.
void check_same_results(std::vector<hs::TrialRecord> ref, std::vector<hs::TrialRecord> got) {
  auto by_id = [](const auto& a, const auto& b) { return a.id < b.id; };
  std::sort(ref.begin(), ref.end(), by_id);
  std::sort(got.begin(), got.end(), by_id);
  REQUIRE(got.size() == ref.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    INFO("trial " << ref[i].id);
    CHECK(got[i].id == ref[i].id);
    CHECK(got[i].params == ref[i].params);
    CHECK(got[i].status == ref[i].status);
    CHECK(got[i].best_epoch == ref[i].best_epoch);
    CHECK(got[i].best_metric == ref[i].best_metric);  // bit-identical, not approximately
    CHECK(same(got[i].test_acc, ref[i].test_acc));    // (a pruned trial is not tested: NaN)
    REQUIRE(got[i].curves.size() == ref[i].curves.size());
    for (size_t e = 0; e < ref[i].curves.size(); ++e) {
      CHECK(got[i].curves[e].train_loss == ref[i].curves[e].train_loss);
      CHECK(got[i].curves[e].val_loss == ref[i].curves[e].val_loss);
      CHECK(got[i].curves[e].val_acc == ref[i].curves[e].val_acc);
      CHECK(got[i].curves[e].lr == ref[i].curves[e].lr);
    }
    CHECK(got[i].update_ratio == ref[i].update_ratio);
  }
}

// The sweep `cfg` run in one process and with 1, 2 and 3 workers, each into its own file: the
// records of each ("in-process", "1 worker", "2 workers", "3 workers"), `n` trials in each.
std::map<std::string, std::vector<hs::TrialRecord>> run_in_layouts(const Scratch& s,
                                                                   const std::string& cfg,
                                                                   size_t n) {
  std::map<std::string, std::vector<hs::TrialRecord>> runs;
  for (const auto& [name, launcher] : std::vector<std::pair<std::string, std::string>>{
           {"in-process", ""}, {"1 worker", mpirun(2)}, {"2 workers", mpirun(3)},
           {"3 workers", mpirun(4)}}) {
    const std::string out = s.path(name + ".h5");
    const Run r = hypersweep("run '" + cfg + "' --out '" + out + "'", launcher);
    INFO(name << "\n" << r.out << r.err);
    REQUIRE(r.code == 0);
    runs[name] = records_of(out);
    REQUIRE(runs[name].size() == n);
  }
  return runs;
}

// A sweep of n trials continued after a stop: every id 0..n-1 recorded exactly once, each
// completed, and every trial completed in `before` kept as it was.
void check_continued(const std::vector<hs::TrialRecord>& before,
                     const std::vector<hs::TrialRecord>& after, int64_t n) {
  REQUIRE(after.size() == static_cast<size_t>(n));
  std::set<int64_t> ids;
  for (const auto& t : after) {
    ids.insert(t.id);
    CHECK(t.status == hs::TrialStatus::kCompleted);
  }
  CHECK(ids.size() == static_cast<size_t>(n));
  CHECK(*ids.rbegin() == n - 1);
  for (const auto& b : before) {
    if (b.status != hs::TrialStatus::kCompleted) continue;
    const auto a = std::find_if(after.begin(), after.end(), [&](const auto& t) { return t.id == b.id; });
    REQUIRE(a != after.end());
    CHECK(a->best_metric == b.best_metric);
    CHECK(a->params == b.params);
    CHECK(a->curves.size() == b.curves.size());
  }
}

}  // namespace

TEST_CASE("mpirun with 3 ranks runs a Fashion-MNIST sweep that the README's h5py example reads",
          "[mpi]") {
  Scratch s;
  const auto cfg = s.write("fashion.toml",
                           "[train]\ndataset = \"fashion_mnist\"\ntrain_limit = 3000\nepochs = 2\n"
                           "threads = 1\n[sweep]\nstrategy = \"random\"\ntrials = 4\nseed = 5\n"
                           "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n"
                           "weight_decay = { log_uniform = [1e-5, 1e-2] }\n");
  const std::string out = s.path("fashion.h5");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'", mpirun(3));
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "2 worker ranks"));
  CHECK(contains(r.out, "[   4/4]"));
  const auto recs = records_of(out);
  REQUIRE(recs.size() == 4u);
  for (const auto& t : recs) {
    CHECK(t.status == hs::TrialStatus::kCompleted);
    CHECK(t.curves.size() == 2u);
    CHECK((t.rank == 1 || t.rank == 2));  // workers train; rank 0 only schedules
  }

  // The README's example, as a user would run it on this file.
  const auto script = s.write("example.py", readme_example("<!-- results-example -->"));
  const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + out + "' > '" +
                          s.path("py.out") + "' 2>&1";
  const int status = std::system(cmd.c_str());
  const std::string py_out = slurp(s.path("py.out"));
  INFO(py_out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  // It prints the summary (4 trials, their lr) and the best trial's curves (2 epochs).
  size_t completed = 0;
  for (size_t at = py_out.find("completed"); at != std::string::npos; at = py_out.find("completed", at + 1))
    ++completed;
  CHECK(completed == recs.size());
  std::smatch m;
  REQUIRE(std::regex_search(py_out, m, std::regex("best trial (\\d+)")));
  const auto best = std::max_element(recs.begin(), recs.end(), [](const auto& a, const auto& b) {
    return a.best_metric < b.best_metric;
  });
  CHECK(std::stoll(m[1]) == best->id);
  CHECK(contains(py_out, "val_acc"));
  CHECK(contains(py_out, "epochs: 2"));
}

TEST_CASE("dispatch is dynamic: a slow trial holds up no other", "[mpi]") {
  // Trial 0 ends only once 7 trials are recorded (the log's "[   7/8]" line), the others at
  // once: with 2 workers, one holds trial 0 while the other runs every other trial, so trial 0
  // is recorded last and alone on its rank. Static dispatch would give trial 0's worker some of
  // the 7, and the sweep would hang (until ctest's TIMEOUT).
  Scratch s;
  const std::string log = s.path("log");
  const auto cfg = s.write("slow.toml",
                           "[objective]\ncommand = '''if [ $HYPERSWEEP_TRIAL_ID = 0 ]; then "
                           "while ! grep -qF '[   7/8]' '" + log + "'; do sleep 0.05; done; "
                           "fi; echo metric={x}'''\n[sweep]\ntrials = 8\n"
                           "[space]\nx = { uniform = [0, 1] }\n");
  Background bg("run '" + cfg.string() + "' --out '" + s.path("slow.h5") + "'", log, mpirun(3));
  REQUIRE(bg.pid() > 0);
  const int code = bg.wait_exit();
  INFO(bg.log());
  REQUIRE(code == 0);
  const auto recs = records_of(s.path("slow.h5"));
  REQUIRE(recs.size() == 8u);
  CHECK(recs.back().id == 0);
  for (size_t i = 0; i + 1 < recs.size(); ++i) CHECK(recs[i].rank != recs.back().rank);
}

TEST_CASE("results that come back together are recorded in groups with every trial once",
          "[mpi]") {
  // Every trial waits for the file `go`: the first three hold the 3 workers until the test
  // writes it, then come back together, and the rest follow as fast as 3 workers run them, so
  // rank 0 takes several results in one pass and records them as one group (one fsync). The
  // journal itself (not only the file's latest record per id) must hold each trial once,
  // completed, and the sweep end cleanly.
  Scratch s;
  const auto cfg = s.write(
      "group.toml", held_sweep(s, "[sweep]\nstrategy = \"random\"\ntrials = 24\nseed = 5\n", 0));
  const std::string out = s.path("group.h5");
  Background bg("run '" + cfg.string() + "' --out '" + out + "'", s.path("log"), mpirun(4));
  for (const char* id : {"0", "1", "2"}) REQUIRE(wait_for_file(s.path(std::string("started.") + id)));
  s.write("go", "");
  const int code = bg.wait_exit();
  INFO(bg.log());
  REQUIRE(code == 0);
  std::map<int64_t, int> times;
  auto journal = hs::store::scan_records(
      out + ".journal", [&](hs::TrialRecord&& r, const hs::store::FrameView&) {
        ++times[r.id];
        CHECK(r.status == hs::TrialStatus::kCompleted);
        return hs::Status::Ok();
      });
  REQUIRE(journal.ok());
  CHECK(journal->clean_close);
  REQUIRE(times.size() == 24u);
  for (const auto& [id, n] : times) {
    INFO("trial " << id);
    CHECK((id >= 0 && id < 24 && n == 1));
  }
  CHECK(records_of(out).size() == 24u);
}

TEST_CASE("a grid sweep gives identical per-trial results with 1, 2 and 3 workers", "[mpi]") {
  Scratch s;
  const auto cfg = s.write("grid.toml", synthetic_sweep(
      "[sweep]\nstrategy = \"grid\"\ntrials = 6\n",
      "[space]\nlr = { log_uniform = [1e-2, 1e-1], grid = 3 }\nmomentum = [0.5, 0.9]\n"));
  auto runs = run_in_layouts(s, cfg.string(), 6);
  for (const auto& [name, recs] : runs) {
    INFO(name);
    check_same_results(runs["in-process"], recs);
  }
  // No trial goes out before every worker is ready, so trials 0, 1 and 2 went one to each of the
  // three (a worker that had loaded its data first could otherwise take several).
  std::set<int> first_ranks;
  for (const auto& t : runs["3 workers"])
    if (t.id < 3) first_ranks.insert(t.rank);
  CHECK(first_ranks == std::set<int>{1, 2, 3});
}

TEST_CASE("sha gives the same promoted trials and results bit for bit with 1 to 3 workers and in one process",
          "[mpi][prune]") {
  // tpe over two parameters, brackets of 9 trials, rungs at epochs 1, 3 and 9: the second
  // bracket's trials are asked after the first is decided, so the strategy's model sees the
  // same results whatever the number of workers.
  Scratch s;
  std::string sweep = synthetic_sweep(
      "[sweep]\nstrategy = \"tpe\"\ntrials = 14\nn_init = 9\nseed = 5\npruner = \"sha\"\n"
      "[pruner]\nbracket_trials = 9\n",
      "[space]\nlr = { log_uniform = [1e-3, 3e-1] }\nmomentum = { uniform = [0.0, 0.95] }\n");
  sweep.replace(sweep.find("epochs = 4"), 10, "epochs = 9");
  sweep.replace(sweep.find("synthetic_samples = 1500"), 24,
                "synthetic_samples = 600\nsynthetic_noise = 2.0");
  const auto cfg = s.write("sha.toml", sweep);
  auto runs = run_in_layouts(s, cfg.string(), 14);
  int pruned = 0, past_rung_0 = 0;
  for (const auto& t : runs["in-process"]) {
    pruned += t.status == hs::TrialStatus::kPruned;
    past_rung_0 += t.rung >= 1;
  }
  CHECK(pruned >= 9);       // 9 -> 3 -> 1 and 5 -> 1 -> 1 leave at most 2 to finish
  CHECK(past_rung_0 == 4);  // 3 of bracket 0 and 1 of bracket 1 went past rung 0
  for (const auto& [name, recs] : runs) {
    INFO(name);
    check_same_results(runs["in-process"], recs);
    std::map<int64_t, std::pair<int, std::string>> decided, want;
    for (const auto& t : recs) decided[t.id] = {t.rung, t.decision};
    for (const auto& t : runs["in-process"]) want[t.id] = {t.rung, t.decision};
    CHECK(decided == want);
  }
}

TEST_CASE("bayes with one worker asks and tells in the in-process order, so it is the same sweep",
          "[mpi]") {
  // With two or more workers, which outcomes have arrived when a trial is asked depends on
  // timing, so bayes and tpe trials after the initial design may differ from run to run; with one
  // worker the order is fixed and the whole sweep repeats.
  Scratch s;
  const auto cfg = s.write("bayes.toml", synthetic_sweep(
      "[sweep]\nstrategy = \"bayes\"\ntrials = 7\nn_init = 3\nseed = 4\n",
      "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\nmomentum = { uniform = [0.5, 0.95] }\n"));
  const Run a = hypersweep("run '" + cfg.string() + "' --out '" + s.path("a.h5") + "'");
  const Run b = hypersweep("run '" + cfg.string() + "' --out '" + s.path("b.h5") + "'", mpirun(2));
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  const auto ra = records_of(s.path("a.h5")), rb = records_of(s.path("b.h5"));
  REQUIRE(ra.size() == 7u);
  check_same_results(ra, rb);
}

TEST_CASE("SIGUSR1 stops an MPI sweep cleanly, and the sweep resumes with every trial once",
          "[mpi][resume]") {
  Scratch s;
  // Trials 0-2 end at once; 3 and 4 are in flight on the 2 workers when the signal comes.
  const auto cfg = s.write("stop.toml", held_sweep(s, "[sweep]\nstrategy = \"tpe\"\ntrials = 10\nseed = 2\n", 3));
  const std::string out = s.path("stop.h5");
  Background bg("run '" + cfg.string() + "' --out '" + out + "'", s.path("log"), mpirun(3));
  REQUIRE(bg.pid() > 0);
  REQUIRE(bg.wait_for("[   3/10]"));
  REQUIRE(wait_for_file(s.path("started.3")));
  REQUIRE(wait_for_file(s.path("started.4")));
  REQUIRE(::kill(bg.pid(), SIGUSR1) == 0);  // mpirun forwards it to every rank
  const int code = bg.wait_exit();
  INFO(bg.log());
  CHECK(code == 3);  // "stopped; resume"
  // It counts the two trials in flight that rank 0 recorded as interrupted at the stop.
  CHECK(contains(bg.log(), "stopped by SIGUSR1: 3 of 10 trials finished; 2 trials in flight "
                           "recorded as interrupted (to run again)."));
  // The command to continue says it runs under mpirun again; the in-flight trials' lines count
  // down the trials still running (each is interrupted as it is recorded): 1, then 0.
  CHECK(contains(bg.log(), "continues it (under mpirun or srun again, with any number of ranks): "));
  const std::string log = bg.log(), line = " interrupted   - ";  // a trial's progress line
  const size_t first = log.find(line), second = log.find(line, first + 1);
  REQUIRE(second != std::string::npos);
  CHECK(contains(log.substr(first, log.find('\n', first) - first), "| 1 running"));
  CHECK(contains(log.substr(second, log.find('\n', second) - second), "| 0 running"));
  const auto before = records_of(out);
  // What was recorded before the signal, and the two in flight, which the stop ended.
  CHECK(statuses(before) == std::map<int64_t, std::string>{{0, "completed"}, {1, "completed"},
                                                           {2, "completed"}, {3, "interrupted"},
                                                           {4, "interrupted"}});
  REQUIRE(before.size() < 10u);

  s.write("go", "");  // from now on no trial waits
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "' --resume", mpirun(3));
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  check_continued(before, records_of(out), 10);
}

TEST_CASE("an MPI sweep whose first trials all fail alike stops with the one in flight interrupted",
          "[mpi][resume]") {
  // fail_fast = 3: trials 0-2 fail alike, and the trials from 3 on wait. At the third failure
  // one or both workers hold a waiting trial (3, and 4 when rank 0 handed it out before it
  // took the third record in): the sweep stops, those are recorded interrupted, and the exit
  // code is 4. Continued with the set-up mended (trials no longer wait), trials 3-7 complete.
  Scratch s;
  const auto cfg = s.write("fails.toml", held_sweep(s, "[sweep]\ntrials = 8\nfail_fast = 3\n", 3, 3));
  const std::string out = s.path("fails.h5");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'", mpirun(3));
  INFO(r.out << r.err);
  CHECK(r.code == 4);
  const auto before = statuses(records_of(out));
  REQUIRE((before.size() == 4u || before.size() == 5u));
  for (const auto& [id, status] : before) CHECK(status == (id < 3 ? "failed" : "interrupted"));
  CHECK(contains(r.out, "stopped: the first 3 trials of this run all failed with: the command "
                        "exited with status 3; its stderr ends: broken. 3 of 8 trials finished; " +
                            std::string(before.size() == 4u ? "1 trial" : "2 trials") +
                            " in flight recorded as interrupted (to run again)."));
  s.write("go", "");
  const Run again = hypersweep("run '" + cfg.string() + "' --out '" + out + "'", mpirun(3));
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  const auto after = statuses(records_of(out));
  REQUIRE(after.size() == 8u);
  for (const auto& [id, status] : after) CHECK(status == (id < 3 ? "failed" : "completed"));
}

namespace {
// The pid of the rank-`rank` process of an mpirun job whose command line contains `marker`.
pid_t rank_pid(const std::string& marker, int rank) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp(entry.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (!contains(cmdline, marker) || contains(cmdline, "mpirun")) continue;
    std::string env = slurp(entry.path() / "environ");
    std::replace(env.begin(), env.end(), '\0', '\n');
    if (contains("\n" + env, "\nOMPI_COMM_WORLD_RANK=" + std::to_string(rank) + "\n"))
      return static_cast<pid_t>(std::stol(name));
  }
  return 0;
}
}  // namespace

TEST_CASE("kill -9 of rank 0 under mpirun loses only the trials in flight, and the sweep continues",
          "[mpi][resume]") {
  Scratch s;
  // Trials 0-2 end at once; 3 and 4 are in flight on the 2 workers when rank 0 dies.
  const auto cfg = s.write("kill9.toml", held_sweep(s, "[sweep]\nstrategy = \"random\"\ntrials = 10\nseed = 9\n", 3));
  const std::string out = s.path("kill9.h5");
  Background bg("run '" + cfg.string() + "' --out '" + out + "'", s.path("log"), mpirun(3));
  REQUIRE(bg.wait_for("[   3/10]"));
  REQUIRE(wait_for_file(s.path("started.3")));
  REQUIRE(wait_for_file(s.path("started.4")));
  const pid_t zero = rank_pid(out, 0);
  REQUIRE(zero > 0);
  REQUIRE(::kill(zero, SIGKILL) == 0);  // the writer dies mid-sweep; mpirun ends the job
  CHECK(bg.wait_exit() != 0);
  s.write("go", "");  // what is left of the dead job's trials may end now, and no new trial waits
  const auto before = records_of(out);  // repaired from the journal if need be
  // kill -9 writes no record: what was recorded before it, nothing of the two in flight.
  CHECK(statuses(before) == std::map<int64_t, std::string>{{0, "completed"}, {1, "completed"},
                                                           {2, "completed"}});
  REQUIRE(before.size() < 10u);
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'", mpirun(3));
  INFO(bg.log() << r.out << r.err);
  REQUIRE(r.code == 0);
  check_continued(before, records_of(out), 10);  // what was on disk before the kill is kept
}

TEST_CASE("SIGINT stops a sweep run without mpirun the same way", "[mpi][resume]") {
  // The built-in trainer: the interrupted trial keeps the epochs it ran. Trial 0 trains 2
  // epochs; trial 1 would train 10^8, and it reads its data from a FIFO, so the test knows it
  // has started (its open() of the FIFO meets the test's) before it sends SIGINT. The trainer
  // asks whether to stop after each epoch, so trial 1 is interrupted with at least one kept.
  Scratch s;
  std::string csv;  // label,x1..x4: two classes, seeded
  hs::Rng rng(hs::derive_seed(3, 0, hs::SeedPurpose::kData));
  for (int i = 0; i < 300; ++i) {
    const int y = static_cast<int>(rng.below(2));
    csv += std::to_string(y);
    for (int f = 0; f < 4; ++f) {
      csv += ',';
      csv += std::to_string(y + rng.uniform() - 0.5);
    }
    csv += "\n";
  }
  const std::string data = s.write("data.csv", csv).string(), fifo = s.path("held.csv");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string d = "\"" + data + "\"";
  const auto cfg = s.write("int.toml",
                           "[train]\ndataset = \"csv\"\nlabel_column = \"first\"\ndata_path = " + d + "\nhidden = [8]\n"
                           "batch_size = 32\nearly_stopping = false\nthreads = 1\n"
                           "[sweep]\nstrategy = \"list\"\ntrials = 5\n[space]\n"
                           "data_path = [" + d + ", \"" + fifo + "\", " + d + ", " + d + ", " + d + "]\n"
                           "epochs = [2, 100000000, 2, 2, 2]\n");
  const std::string out = s.path("int.h5");
  Background bg("run '" + cfg.string() + "' --out '" + out + "'", s.path("log"));
  REQUIRE(bg.pid() > 0);
  // Trial 1 has started once the FIFO has a reader (until then, opening it to write: ENXIO).
  int fd = -1;
  for (int i = 0; fd < 0 && i < kHang * 50 && bg.exit_code() < 0; ++i) {
    fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  INFO(bg.log());
  REQUIRE(fd >= 0);
  REQUIRE(::fcntl(fd, F_SETFL, 0) == 0);  // blocking writes: the reader takes it all
  REQUIRE(::write(fd, csv.data(), csv.size()) == static_cast<ssize_t>(csv.size()));
  ::close(fd);
  REQUIRE(::kill(bg.pid(), SIGINT) == 0);
  CHECK(bg.wait_exit() == 3);
  CHECK(contains(bg.log(), "stopped by SIGINT: 1 of 5 trials finished; 1 trial in flight recorded "
                           "as interrupted (to run again)."));
  const auto recs = records_of(out);
  REQUIRE(recs.size() == 2u);
  CHECK(recs[0].id == 0);
  CHECK(recs[0].status == hs::TrialStatus::kCompleted);
  CHECK(recs[0].curves.size() == 2u);
  CHECK(recs[1].id == 1);
  CHECK(recs[1].status == hs::TrialStatus::kInterrupted);
  CHECK(!recs[1].curves.empty());  // the epochs it ran are kept
  CHECK(recs[1].curves.size() < 100000000u);
}

TEST_CASE("under mpirun with several ranks train is refused once and a usage error said once", "[mpi]") {
  // Each rank trained the same configuration, their lines interleaved.
  const Run r = hypersweep("train --set dataset=synthetic --set epochs=1", mpirun(2));
  INFO(r.out << r.err);
  CHECK(r.code != 0);
  CHECK(!contains(r.out, "epoch"));
  const std::string said = "each of the 2 ranks would train the same";
  REQUIRE(contains(r.err, said));
  CHECK(r.err.find(said) == r.err.rfind(said));  // said by one rank
  // A usage error likewise: once, not once per rank.
  const Run usage = hypersweep("run --trials abc", mpirun(2));
  CHECK(usage.code != 0);
  const std::string wrong = "--trials: must be a whole number >= 1, got abc";
  REQUIRE(contains(usage.err, wrong));
  CHECK(usage.err.find(wrong) == usage.err.rfind(wrong));
}

TEST_CASE("a sweep whose stdout's reader is gone (run | head) stops cleanly and continues",
          "[mpi][resume]") {
  // It died of SIGPIPE (exit 141), said nothing, and left the trials after it unrun. Its stdout
  // is a pipe the test reads the first line of and then closes; only then may trial 0 end, so the
  // sweep's next line meets a pipe without a reader.
  Scratch s;
  const auto cfg = s.write("pipe.toml", held_sweep(s, "[sweep]\ntrials = 3\n", 0));
  const std::string out = s.path("pipe.h5"), err = s.path("err");
  const std::string cmd = binary() + " run '" + cfg.string() + "' --out '" + out + "' 2> '" + err + "'";
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string first;
  for (char c = 0; c != '\n' && ::read(fds[0], &c, 1) == 1;) first += c;
  ::close(fds[0]);  // the reader is gone, as `head -1`'s after its line
  std::ofstream(s.dir() / "go") << "";
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO(first << slurp(err));
  CHECK(contains(first, "sweep "));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
  CHECK(contains(slurp(err), "stdout's reader is gone (SIGPIPE)"));
  CHECK(records_of(out).size() < 3u);
  // The same command continues it.
  const Run again = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK(statuses(records_of(out)) ==
        std::map<int64_t, std::string>{{0, "completed"}, {1, "completed"}, {2, "completed"}});
}

TEST_CASE("a second SIGINT ends a built-in trial at once, where the first waits for its epoch",
          "[mpi][resume]") {
  // Trial 0 reads its data from a FIFO the test opens and never writes: it is stuck before its
  // first epoch ends, as in a long epoch. The first SIGINT is said at once; the second ends it.
  Scratch s;
  std::string csv;  // label,x1,x2: 60 rows, two classes
  for (int i = 0; i < 60; ++i)
    csv += std::to_string(i % 2) + ',' + std::to_string(i % 7) + ',' + std::to_string(i * 3 % 5) + '\n';
  const std::string data = s.write("data.csv", csv).string();
  const std::string fifo = s.path("held.csv");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto cfg = s.write("s.toml",
                           "[train]\ndataset = \"csv\"\nlabel_column = \"first\"\ndata_path = \"" +
                           data + "\"\nhidden = [4]\nepochs = 2\nthreads = 1\n"
                           "[sweep]\nstrategy = \"list\"\ntrials = 2\n[space]\n"
                           "data_path = [\"" + fifo + "\", \"" + data + "\"]\n");
  const std::string out = s.path("r.h5");
  Background bg("run '" + cfg.string() + "' --out '" + out + "'", s.path("log"));
  REQUIRE(bg.pid() > 0);
  int fd = -1;  // trial 0 has started once the FIFO has a reader
  for (int i = 0; fd < 0 && i < kHang * 50 && bg.exit_code() < 0; ++i) {
    fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  INFO(bg.log());
  REQUIRE(fd >= 0);
  REQUIRE(::kill(bg.pid(), SIGINT) == 0);
  CHECK(bg.wait_for("stopping on SIGINT: no new trial starts"));
  REQUIRE(::kill(bg.pid(), SIGINT) == 0);
  const int code = bg.wait_exit();  // before: only the data's writer could end the trial
  ::close(fd);
  CHECK(code == 3);
  const auto recs = records_of(out);
  REQUIRE(recs.size() == 1u);
  CHECK(recs[0].status == hs::TrialStatus::kInterrupted);
  CHECK(contains(recs[0].error, "the sweep was stopped again, which ended the trial at once"));
}

TEST_CASE("a worker that cannot load the data ends the sweep with exit 2 naming the file", "[mpi]") {
  Scratch s;
  const auto cfg = s.write("nodata.toml",
                           "[train]\ndataset = \"fashion_mnist\"\ndata_path = \"/nonexistent/train-images.gz\"\n"
                           "[sweep]\ntrials = 2\n[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + s.path("x.h5") + "'", mpirun(3));
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "worker rank"));
  CHECK(contains(r.err, "/nonexistent/train-images.gz"));
  // The sweep failed before its first trial: the file it created is gone, so the corrected
  // config is not refused as another sweep's.
  CHECK_FALSE(std::filesystem::exists(s.path("x.h5")));
  CHECK_FALSE(std::filesystem::exists(s.path("x.h5.journal")));
}

TEST_CASE("under mpirun --force with a data typo leaves the file it would replace untouched",
          "[mpi]") {
  // Rank 0 checks the data itself before --force replaces anything (it loads none otherwise).
  Scratch s;
  const std::string sweep = "[sweep]\ntrials = 2\n[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n";
  const auto ok = s.write("ok.toml", "[train]\ndataset = \"synthetic\"\nhidden = [8]\nepochs = 1\n" + sweep);
  const auto typo = s.write("typo.toml", "[train]\ndataset = \"csv\"\ndata_path = \"no/such.csv\"\n" + sweep);
  const std::string out = s.path("p.h5");
  REQUIRE(hypersweep("run '" + ok.string() + "' -j 1 --out '" + out + "'").code == 0);
  const std::string h5 = slurp(out), journal = slurp(out + ".journal");
  const Run r = hypersweep("run '" + typo.string() + "' --force --out '" + out + "'", mpirun(3));
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, typo.string() + ":3: data_path: no/such.csv: missing file"));
  CHECK(slurp(out) == h5);
  CHECK(slurp(out + ".journal") == journal);
}

TEST_CASE("under mpirun a network past the limits ends the sweep before its first trial", "[mpi]") {
  // Rank 0 loads no data here (no --force), so the workers find it, as they prepare.
  Scratch s;
  const auto cfg = s.write("big.toml",
                           "[train]\ndataset = \"synthetic\"\nhidden = [1000000000, 1000000000]\n"
                           "[sweep]\ntrials = 2\n[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + s.path("b.h5") + "'", mpirun(2));
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, cfg.string() + ":3: hidden: hidden layer 1 (width 1000000000)"));
  CHECK_FALSE(std::filesystem::exists(s.path("b.h5")));
}
