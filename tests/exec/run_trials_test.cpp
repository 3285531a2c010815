// exec/run_trials.h: a sweep's records into the results file, each shown once it is recorded.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "exec/run_trials.h"
#include "exec/signals.h"
#include "support/capture.h"
#include "support/sweep_here.h"
#include "sweep/sweep_header.h"
#include "support/records.h"

using namespace hs;

namespace {

// Hands trial i to on_records (groups of one) as outcomes[i] says: 'c' completed, 'x' completed
// with no parameters (which the results file refuses to append), 'f' failed with "boom", 'g'
// failed with "bang", 't' timed out with "boom", 'T' timed out with its metric (as [train]
// max_seconds ends a trial), 'i' interrupted, then failed with "boom" as it runs again, 'j'
// interrupted, then completed (as rank 0 records a trial in flight at a stop, then its worker's
// record of the last epoch it finished anyway). It asks
// hooks.stop() before each trial as the executors do: true ends the run (interrupted).
class ScriptedExecutor final : public Executor {
 public:
  explicit ScriptedExecutor(std::string outcomes) : outcomes_(std::move(outcomes)) {}
  int workers() const override { return 0; }
  Result<bool> run(const Job&, TrialQueue& queue, const RunHooks& hooks) override {
    for (;;) {
      if (hooks.stop()) return true;
      auto t = queue.next();
      if (!t) return false;
      char o = outcomes_.at(static_cast<size_t>(t->id));
      if (o == 'i' && !cut_.insert(t->id).second) o = 'f';
      if (o == 'j') o = cut_.insert(t->id).second ? 'i' : 'c';
      TrialRecord r = record_of(*t, status_of(o));
      if (o == 'c' || o == 'x' || o == 'T') r.best_metric = 0.5;
      if (o == 'x') r.params.clear();
      if (o == 'f' || o == 't') r.error = "boom";
      if (o == 'g') r.error = "bang";
      queue.finish(r);
      const Progress p{queue.finished(), 0, queue.total(), 0};
      if (Status st = hooks.on_records({&r, 1}, {&p, 1}); !st) return st.error();
    }
  }

 private:
  static TrialStatus status_of(char o) {
    switch (o) {
      case 'c': case 'x': return TrialStatus::kCompleted;
      case 't': case 'T': return TrialStatus::kTimedOut;
      case 'i': return TrialStatus::kInterrupted;
      default: return TrialStatus::kFailed;
    }
  }

  std::string outcomes_;
  std::set<int64_t> cut_;  // the 'i' trials interrupted once
};

// What a sweep run by run_trials left: its Ran, the trials in its results file, its stdout.
struct SweepRun {
  Ran ran;
  size_t recorded = 0;
  std::string out;
};

// The sweep file `text` run by `ex` into a new results file, through run_trials.
SweepRun run_with(const std::string& text, Executor& ex) {
  const SweepConfig sweep = test::sweep_text(text);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("hs_run_trials_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto file = ResultsFile::create((dir / "r.h5").string(), sweep_header(sweep, "now"), true);
  REQUIRE(file.ok());
  auto queue = TrialQueue::make(sweep);
  REQUIRE(queue.ok());
  ProgressDisplay display(Metric{sweep.metric, sweep.strategy.direction}, sweep.space, 0, false);
  Result<Ran> ran = Ran{};
  SweepRun o;
  o.out = hs::test::stdout_of(
      [&] { ran = run_trials(ex, Job{"sweep", ""}, *queue, *file, display); });
  REQUIRE(ran.ok());
  o.ran = *ran;
  o.recorded = hs::test::trials_of(*file).size();
  (void)file->close();
  std::filesystem::remove_all(dir);
  return o;
}

// A list sweep of outcomes.size() trials with [sweep] fail_fast run by ScriptedExecutor.
SweepRun run_scripted(const std::string& outcomes, int fail_fast) {
  std::string list;
  for (size_t i = 0; i < outcomes.size(); ++i) list += (i ? ", " : "") + std::to_string(i);
  ScriptedExecutor ex(outcomes);
  SweepRun o = run_with(
      "[objective]\ncommand = \"echo metric={x}\"\n[sweep]\nstrategy = \"list\"\nfail_fast = " +
          std::to_string(fail_fast) + "\n[space]\nx = [" + list + "]\n",
      ex);
  REQUIRE(o.ran.stored.ok());
  return o;
}

}  // namespace

TEST_CASE("a trial recorded interrupted and then completed is not counted as cut", "[exec]") {
  // The stop line said "1 trial in flight recorded as interrupted (to run again)" of a trial the
  // file holds as completed.
  SweepRun o = run_scripted("cjc", 0);
  INFO(o.out);
  CHECK(o.ran.cut.empty());
  CHECK(o.recorded == 3u);
  SweepRun i = run_scripted("cic", 0);  // interrupted, then failed: not cut either
  CHECK(i.ran.cut.empty());
}

TEST_CASE("fail_fast stops a run whose first trials all failed alike and no other", "[exec]") {
  // Three failures alike: stopped after the third, nothing more started.
  SweepRun o = run_scripted("ffffff", 3);
  INFO(o.out);
  CHECK(o.ran.failed_fast == "the first 3 trials of this run all failed with: boom");
  CHECK(o.ran.interrupted);
  CHECK(o.recorded == 3u);
  CHECK(o.out.find("stopping: the first 3 trials of this run all failed with: boom") !=
        std::string::npos);
  // An interrupted record neither counts nor breaks the run of failures: trial 2 is recorded
  // interrupted, then the run stops at the third failure (trial 2 run again, queued first).
  o = run_scripted("ffifff", 3);
  CHECK(o.ran.failed_fast == "the first 3 trials of this run all failed with: boom");
  CHECK(o.recorded == 3u);
  // Timed out alike too, said so.
  CHECK(run_scripted("tttt", 3).ran.failed_fast ==
        "the first 3 trials of this run all timed out with: boom");
  // Each of these runs every trial: a trial that did not fail first, two causes among the first
  // three, a timeout among failures with the same text, fewer failures than fail_fast, 0, and
  // trials that all timed out alike with their metric (a time budget per trial).
  for (const char* outcomes : {"cffffff", "ffgffff", "fftffff", "ff", "ffffff", "TTTTTT"}) {
    INFO(outcomes);
    const std::string each = outcomes;
    o = run_scripted(each, each == "ffffff" ? 0 : 3);
    CHECK(o.ran.failed_fast.empty());
    CHECK_FALSE(o.ran.interrupted);
    CHECK(o.recorded == each.size());
    CHECK(o.out.find("stopping") == std::string::npos);
  }
}

TEST_CASE("a trial whose record failed to write gets no progress line", "[exec][store]") {
  ScriptedExecutor ex("cxc");
  const SweepRun o = run_with("[objective]\ncommand = \"echo metric={x}\"\n[sweep]\nstrategy = "
                             "\"list\"\n[space]\nx = [1, 2, 3]\n",
                             ex);
  INFO(o.out);
  CHECK_FALSE(o.ran.stored.ok());  // trial 1's append failed and stopped the sweep
  CHECK(o.recorded == 1u);         // trial 0 alone is on disk
  CHECK(o.out.find("trial    0") != std::string::npos);
  CHECK(o.out.find("trial    1") == std::string::npos);  // no line claims trial 1 finished
}

TEST_CASE("a stop signal's handler leaves errno as the interrupted code had it",
          "[exec][signals]") {
  // SIGHUP's handler asks whether stdout is a terminal (tcgetattr: ENOTTY for a file): a read
  // that had just found EAGAIN then saw ENOTTY, and took its pipe for closed. In a child, as the
  // stop it installs is the process's.
  const std::string out =
      (std::filesystem::temp_directory_path() / ("hs_errno_kept_" + std::to_string(::getpid())))
          .string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::dup2(fd, STDOUT_FILENO) < 0) ::_exit(3);
    hs::install_stop_signals(environ);
    errno = EAGAIN;
    ::raise(SIGHUP);
    const int after = errno;
    ::raise(SIGPIPE);  // its handler too (stdout's reader is not gone: it returns at once)
    ::_exit(after == EAGAIN && errno == EAGAIN && hs::stop_signal() == SIGHUP ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  std::filesystem::remove(out);
}
