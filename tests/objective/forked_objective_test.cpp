// A crash in a trial stays in that trial (objective/forked_objective.h): each trial of the
// built-in trainer runs in a process of its own, forked by a trial host this program started; a
// segfault, an abort or memory exhausted there is a failed record naming it, with the epochs
// finished before, and this process goes on. The hooks run here, and the record is the one the
// trainer gives in place. The crashes are real signals sent to the trial's process while it runs.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "objective/forked_objective.h"
#include "objective/trainer_objective.h"
#include "support/sweep_here.h"
#include "trial/codec.h"

using namespace hs;

namespace {

// `epochs` epochs of a small network on generated data; [space] lr.
SweepConfig sweep_of(int epochs, const std::string& more_train = "") {
  return test::sweep_text("[train]\ndataset = \"synthetic\"\nsynthetic_samples = 400\n"
                          "hidden = [16]\nbatch_size = 32\nthreads = 2\nepochs = " +
                          std::to_string(epochs) + "\n" + more_train +
                          "[sweep]\nstrategy = \"random\"\ntrials = 4\n"
                          "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
}

Trial trial(int64_t id) { return Trial{id, {ParamValue(0.01 * static_cast<double>(id + 1))}}; }

// Whether process `pid` has ended (a zombie, or gone), from /proc.
bool ended(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return true;
  const size_t paren = line.rfind(')');
  return paren == std::string::npos || line.compare(paren + 2, 1, "Z") == 0;
}

// The processes `pid` forked (its trial's, for a trial host), from /proc.
std::vector<pid_t> children_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  std::vector<pid_t> out;
  for (pid_t c = 0; in >> c;) out.push_back(c);
  return out;
}

// Timing fields aside, the same record.
bool same_record(TrialRecord a, const TrialRecord& b) {
  a.seconds = b.seconds;
  for (size_t i = 0; i < a.curves.size() && i < b.curves.size(); ++i)
    a.curves[i].seconds = b.curves[i].seconds;
  return encode_record(a) == encode_record(b);
}

struct Run {
  TrialRecord record;
  int epochs_seen = 0;  // on_epoch calls, counted in this process
};

// Trial 3 of a 6-epoch sweep, isolated; at epoch `at`, `act` (with the host's pid) runs here.
Run run_forked(ForkedObjective& f, int at = 0, const std::function<void(pid_t host)>& act = {},
               int stop_at_epoch = 0) {
  Run out;
  TrialHooks hooks;
  hooks.on_epoch = [&](const TrialRecord& so_far) {
    ++out.epochs_seen;
    CHECK(so_far.curves.size() == static_cast<size_t>(out.epochs_seen));
    if (out.epochs_seen == at && act) act(f.host_pid());
    return out.epochs_seen == stop_at_epoch ? EpochAnswer::kStop : EpochAnswer::kContinue;
  };
  out.record = f.run(trial(3), hooks);
  return out;
}

}  // namespace

TEST_CASE("an isolated trial gives the record it gives in place after OpenMP ran here",
          "[objective][isolate]") {
  const SweepConfig s = sweep_of(3);
  TrainerObjective here(s, 2, nullptr);  // trains in this process first: OpenMP's threads exist
  REQUIRE(here.prepare().ok());
  const TrialRecord in_place = here.run(trial(3), TrialHooks{});
  REQUIRE(in_place.status == TrialStatus::kCompleted);
  ForkedObjective f(s, 2, 0);
  REQUIRE(f.prepare().ok());
  const pid_t host = f.host_pid();
  CHECK(host > 0);
  CHECK(host != ::getpid());
  const Run r = run_forked(f);
  CHECK(r.epochs_seen == 3);  // each epoch reached this process's hook as it finished
  CHECK(same_record(r.record, in_place));
  CHECK(same_record(run_forked(f).record, in_place));  // and again, by the same host
  CHECK(f.host_pid() == host);
}

TEST_CASE("a segfault abort or kill of a trial's process is a failed record and this process goes on",
          "[objective][isolate]") {
  ForkedObjective f(sweep_of(6), 1, 0);
  REQUIRE(f.prepare().ok());
  struct Case { int sig; const char* says; };
  for (const Case c : {Case{SIGSEGV, "killed by SIGSEGV (a crash)"},
                       Case{SIGABRT, "killed by SIGABRT (a crash)"},
                       Case{SIGKILL, "killed by SIGKILL (the kernel's out-of-memory killer"}}) {
    int killed = 0;
    const Run r = run_forked(f, 2, [&](pid_t host) {
      for (pid_t child : children_of(host)) killed += ::kill(child, c.sig) == 0;
    });
    INFO(r.record.error);
    REQUIRE(killed == 1);  // the trial's process, and only it
    CHECK(r.record.status == TrialStatus::kFailed);
    CHECK(r.record.error.find(c.says) != std::string::npos);
    CHECK(r.record.id == 3);
    CHECK(r.record.params == trial(3).values);
    CHECK(r.record.curves.size() == 2u);  // the epochs it finished are kept
    CHECK(std::isnan(r.record.best_metric));
    CHECK(is_lost(r.record));  // a process killed by a signal: max_retries may run it again
  }
  const Run after = run_forked(f);  // the same host runs the next trial as usual
  CHECK(after.record.status == TrialStatus::kCompleted);
  CHECK(after.record.curves.size() == 6u);
}

TEST_CASE("a trial host that dies fails its trial and the next trial starts another",
          "[objective][isolate]") {
  ForkedObjective f(sweep_of(6), 1, 0);
  REQUIRE(f.prepare().ok());
  const pid_t first = f.host_pid();
  // Killed, and waited for until it has ended: its trial's process then has its SIGKILL too
  // (PR_SET_PDEATHSIG), and cannot finish the epochs left before this process answers.
  const Run r = run_forked(f, 2, [](pid_t host) {
    ::kill(host, SIGKILL);
    while (!ended(host)) ::usleep(1000);
  });
  INFO(r.record.error);
  CHECK(r.record.status == TrialStatus::kFailed);
  CHECK(r.record.error.find("killed by SIGKILL") != std::string::npos);
  CHECK(r.record.curves.size() >= 2u);
  CHECK(f.host_pid() == 0);
  const Run next = run_forked(f);
  CHECK(next.record.status == TrialStatus::kCompleted);
  CHECK(f.host_pid() > 0);
  CHECK(f.host_pid() != first);
}

TEST_CASE("memory_limit fails a trial that asks for more with out of memory",
          "[objective][isolate]") {
  // Trial 1's network (3 x 12,000 units) needs about 3 GiB; memory_limit allows 1 GiB.
  const SweepConfig s = test::sweep_text(R"([train]
dataset = "synthetic"
synthetic_samples = 400
epochs = 1
depth = 3
batch_size = 32
threads = 1
[sweep]
strategy = "grid"
trials = 2
[space]
width = { choice = [16, 12000] }
)");
  ForkedObjective f(s, 1, uint64_t{1} << 30);
  REQUIRE(f.prepare().ok());
  const TrialRecord big = f.run(Trial{1, {ParamValue(int64_t{12000})}}, TrialHooks{});
  INFO(big.error);
  CHECK(big.status == TrialStatus::kFailed);
  CHECK(big.error == "out of memory: the trial needed more than memory_limit (1024 MiB)");
  CHECK(big.seconds > 0);  // the time it ran (was 0)
  CHECK(big.id == 1);
  CHECK(f.run(Trial{0, {ParamValue(int64_t{16})}}, TrialHooks{}).status ==
        TrialStatus::kCompleted);
}

TEST_CASE("the parent's answers stop an isolated trial", "[objective][isolate]") {
  ForkedObjective f(sweep_of(6), 1, 0);
  REQUIRE(f.prepare().ok());
  const Run answered = run_forked(f, 0, {}, 2);  // on_epoch says stop at epoch 2
  CHECK(answered.record.status == TrialStatus::kInterrupted);
  CHECK(answered.record.curves.size() == 2u);

  // The sweep's stop, asked in this process while the trial runs, reaches the child.
  ForkedObjective g(sweep_of(100000), 1, 0);
  REQUIRE(g.prepare().ok());
  std::atomic<int> epochs{0};
  TrialHooks hooks;
  hooks.on_epoch = [&](const TrialRecord&) {
    ++epochs;
    return EpochAnswer::kContinue;
  };
  hooks.stop = [&] { return epochs.load() >= 3; };
  const TrialRecord r = g.run(trial(0), hooks);
  CHECK(r.status == TrialStatus::kInterrupted);
  CHECK(r.curves.size() >= 3u);
  CHECK(r.curves.size() < 100000u);
  CHECK(run_forked(g, 0, {}, 1).record.curves.size() == 1u);  // the host's next trial: as usual
}

TEST_CASE("a trial killed while the sweep stops is interrupted not failed", "[objective][isolate]") {
  // SLURM signals every process of a job step, and SIGKILLs what is left after its grace time:
  // that trial did not fail, it runs again when the sweep continues.
  ForkedObjective f(sweep_of(6), 1, 0);
  REQUIRE(f.prepare().ok());
  bool stopping = false;
  TrialHooks hooks;
  int epochs = 0;
  hooks.on_epoch = [&](const TrialRecord&) {
    if (++epochs == 2) {
      for (pid_t child : children_of(f.host_pid())) ::kill(child, SIGKILL);
      stopping = true;
    }
    return EpochAnswer::kContinue;
  };
  hooks.stop = [&] { return stopping; };
  const TrialRecord r = f.run(trial(1), hooks);
  INFO(r.error);
  CHECK(r.status == TrialStatus::kInterrupted);
  CHECK(r.curves.size() == 2u);
  CHECK(r.error.find("SIGKILL") != std::string::npos);
}

TEST_CASE("an isolated objective's prepare errors name the config's file line and key",
          "[objective][isolate]") {
  const SweepConfig s = test::sweep_text(
      "[train]\ndataset = \"csv\"\ndata_path = \"no/such.csv\"\n[space]\nlr = [0.1, 0.2]\n");
  ForkedObjective f(s, 1, 0);
  const Status st = f.prepare();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().str().find("sweep.toml:3: data_path: no/such.csv: missing file") !=
        std::string::npos);
  CHECK(f.host_pid() == 0);  // the host that could not load it has gone
}

TEST_CASE("a program is a trial host only when asked and refuses a bad request",
          "[objective][isolate]") {
  std::string flag = kTrialHostFlag, pid = "12x", name = "test";
  char* argv[] = {name.data(), flag.data(), pid.data(), nullptr};
  CHECK(run_trial_host_if_asked(3, argv) == 2);  // not a process id: exit 2, saying what it is for
  std::string other = "--other";
  char* not_host[] = {name.data(), other.data(), nullptr};
  CHECK(run_trial_host_if_asked(2, not_host) == -1);
}

TEST_CASE("a record reads back as its attempt and an older one as attempt 1", "[objective][codec]") {
  TrialRecord r = record_of(trial(2), TrialStatus::kCompleted);
  r.attempt = 3;
  TrialRecord back;
  const std::string bytes = encode_record(r);
  REQUIRE(decode_record(bytes, &back));
  CHECK(back.attempt == 3);
  // The fields after attempt, empty: three counts and an empty string (its length); then rung,
  // bracket and an empty decision; then val_samples.
  constexpr size_t kEmptyPruning = 2 * sizeof(int32_t) + sizeof(uint64_t) + sizeof(int64_t);
  constexpr size_t kEmptyPrinted = 4 * sizeof(uint64_t) + kEmptyPruning;
  // What hypersweep wrote before the printed fields existed, and before attempts did.
  REQUIRE(decode_record(bytes.substr(0, bytes.size() - kEmptyPrinted), &back));
  CHECK(back.attempt == 3);
  REQUIRE(decode_record(bytes.substr(0, bytes.size() - kEmptyPrinted - sizeof(int32_t)), &back));
  CHECK(back.attempt == 1);
  CHECK_FALSE(decode_record(bytes.substr(0, bytes.size() - 1), &back));  // a torn field
  r.attempt = 0;  // no such attempt
  CHECK_FALSE(decode_record(encode_record(r), &back));
}

TEST_CASE("a record's printed columns, results and log path read back", "[objective][codec]") {
  TrialRecord r = record_of(trial(4), TrialStatus::kCompleted);
  r.curves = {{1, 0.1, 1.0, 0.5, 1.1, 0.4, 2.0}, {2, 0.1, 0.8, 0.6, 0.9, 0.5, 4.0}};
  r.update_ratio = {{}, {}};
  r.curve_extra_names = {"epoch_time", "grad_norm"};
  r.curve_extra = {{1.5, NAN}, {1.25, 0.75}};
  r.results = {{"final_val_loss", 0.875}, {"params_m", 1.5}};
  r.log_path = "/scratch/x.h5.logs/000004";
  TrialRecord back;
  REQUIRE(decode_record(encode_record(r), &back));
  CHECK(back.curve_extra_names == r.curve_extra_names);
  REQUIRE(back.curve_extra.size() == 2);
  CHECK(back.curve_extra[0][0] == 1.5);
  CHECK(std::isnan(back.curve_extra[0][1]));
  CHECK(back.curve_extra[1][1] == 0.75);
  CHECK(back.results == r.results);
  CHECK(back.log_path == r.log_path);
}

TEST_CASE("a record's rung bracket and decision read back and an older one has none",
          "[objective][codec]") {
  TrialRecord r = record_of(trial(5), TrialStatus::kPruned);
  r.epochs = 3;
  r.rung = 1;
  r.bracket = 2;
  r.decision = "pruned at rung 1 (epoch 3): val_acc 0.71 not in the top 2 of 7 there";
  r.log_path = "/scratch/x.h5.logs/000005";
  TrialRecord back;
  const std::string bytes = encode_record(r);
  REQUIRE(decode_record(bytes, &back));
  CHECK(back.rung == 1);
  CHECK(back.bracket == 2);
  CHECK(back.decision == r.decision);
  CHECK(pruned_epoch(back) == 3);
  // What hypersweep wrote before pruners: the record up to its log path (and so before
  // val_samples, the last field). `back` still holds the fields read above, so -1 and "" come
  // from the decoding.
  const size_t later = sizeof(int64_t);  // val_samples
  const size_t pruning = 2 * sizeof(int32_t) + sizeof(uint64_t) + r.decision.size() + later;
  REQUIRE(decode_record(bytes.substr(0, bytes.size() - pruning), &back));
  CHECK(back.rung == -1);
  CHECK(back.bracket == -1);
  CHECK(back.decision.empty());
  CHECK(back.log_path == r.log_path);
  CHECK_FALSE(decode_record(bytes.substr(0, bytes.size() - later - r.decision.size() - 1), &back));
}
