// worker_objective.cpp: worker_objective.h, the program that stays up and its line protocol.
#include "objective/worker_objective.h"

#include <cmath>
#include <cstdio>
#include <variant>

#include "core/text.h"
#include "trial/failure.h"

namespace hs {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kReady = "@hypersweep ready";
constexpr std::string_view kDone = "@hypersweep done";
constexpr std::string_view kFailed = "@hypersweep failed";
constexpr std::string_view kStopped = "@hypersweep stopped";
constexpr std::string_view kEpoch = "@hypersweep epoch ";
constexpr size_t kErrorTail = 4096;  // bytes of a trial's stderr kept for its error

// The last kErrorTail bytes of `s`, from the start of a line, trailing space cut.
std::string tail_of(std::string s) {
  if (s.size() > kErrorTail) {
    s.erase(0, s.size() - kErrorTail);
    if (const size_t nl = s.find('\n'); nl != std::string::npos && nl + 1 < s.size())
      s.erase(0, nl + 1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

}  // namespace

std::string trial_line(const SweepConfig& sweep, const Trial& t) {
  std::string l = "{\"trial\": " + std::to_string(t.id) +
                  ", \"attempt\": " + std::to_string(t.attempt) +
                  ", \"seed\": " + std::to_string(trial_seed32(sweep, t)) +
                  ", \"seed64\": " + std::to_string(trial_seed(sweep, t)) +
                  ", \"epoch_answers\": true, \"params\": ";
  return l + params_json(sweep, t) + "}\n";
}

WorkerObjective::WorkerObjective(SweepConfig sweep, Placement where)
    : sweep_(std::move(sweep)), where_(std::move(where)) {}

WorkerObjective::~WorkerObjective() {
  if (!proc_) return;
  proc_->end(
      kExitGrace,
      [&](std::string_view b) {
        worker_logs_.out.write(b);
        return true;
      },
      [&](std::string_view b) {
        worker_logs_.err.write(b);
        return true;
      });
  note_strays();
}

// Once the program has ended: what it left outside its process group, in its log.
void WorkerObjective::note_strays() {
  if (proc_ && proc_->ended() && proc_->strays() > 0)
    worker_log(strays_text(proc_->strays(),
                           "the worker program (start " + std::to_string(starts_) + ")",
                           &strays_warned_));
}

// A program's death before it said ready or answered a trial, on the first line of every
// trial's error it costs: "the command died at start-up: it exited with status 1".
static std::string startup_death_text(const std::string& how) {
  return "the command died at start-up: " + how;
}

void WorkerObjective::worker_log(std::string_view line) {
  worker_logs_.out.write(std::string("[hypersweep] ") + std::string(line) + "\n");
}

Status WorkerObjective::start() {
  if (!worker_logs_open_) {
    worker_logs_open_ = true;
    open_logs_or_warn(&worker_logs_, where_.log_dir, "worker-" + std::to_string(where_.worker),
                      &logs_warned_);
  }
  auto p = Coprocess::start(sweep_.objective.command, command_environment(sweep_, where_, nullptr));
  if (!p) return p.error();
  proc_ = std::move(*p);
  ++starts_;
  ready_ = false;
  startup_mid_line_ = false;
  lines_ = LineBuffer();
  started_at_ = Clock::now();
  worker_log("started (start " + std::to_string(starts_) + "): " + sweep_.objective.command);
  return {};
}

void WorkerObjective::kill_program() {
  if (!proc_) return;
  proc_->end(0);
  note_strays();
  proc_.reset();
}

// One trial in hand: where its output goes and how it ended.
struct WorkerObjective::InHand {
  InHand(const SweepConfig& sweep, const TrialHooks& hooks, TrialRecord* r)
      : out(sweep, hooks, r) {}
  enum class End { kNone, kDone, kFailed } end = End::kNone;
  std::string failed_message, err_tail;
  TrialLogs logs;
  TrialOutput out;
  bool fresh = false;      // the program was started for this trial
  // Where the trial's seconds and its timeout count from: its line's sending, or for a fresh
  // program its `@hypersweep ready` (the start-up is the worker's, not the trial's).
  Clock::time_point since;
  bool go_on = true;       // false once on_epoch said stop
  bool stop_told = false;  // the program was answered `stop` to an `@hypersweep epoch` line
  bool heard = false;      // the program printed a line during this trial
  bool grace_over = false;  // told `stop`, it had not ended the trial grace_s later
  double grace_s = 0;       // kStopGrace, or less where the trial's timeout came first
};

void WorkerObjective::on_line(InHand& h, std::string_view l) {
  if (h.end != InHand::End::kNone) {  // printed after the trial ended: not this trial's
    worker_logs_.out.write(std::string(l) + "\n");
    return;
  }
  h.heard = true;
  if (l == kReady) {
    if (h.fresh && !ready_) {  // what it printed so far was its start-up's (worker log)
      h.since = Clock::now();
      h.out.forget();
      h.out.count_from(h.since);
    }
    ready_ = proven_ = true;
    char b[64];
    std::snprintf(b, sizeof b, "ready after %.3f s",
                  std::chrono::duration<double>(Clock::now() - started_at_).count());
    worker_log(b);
  } else if (l == kDone || (l == kStopped && h.stop_told)) {
    h.end = InHand::End::kDone;
  } else if (l.starts_with(kFailed) && (l.size() == kFailed.size() || l[kFailed.size()] == ' ')) {
    h.end = InHand::End::kFailed;
    h.failed_message = std::string(l.substr(std::min(l.size(), kFailed.size() + 1)));
  } else {
    // `@hypersweep epoch <line>`: the line, read as any other, waits for its answer, `continue`
    // or `stop`, on the program's stdin; after `stop` the program ends the trial itself.
    const bool answered = l.starts_with(kEpoch);
    if (answered) {
      // A line cut at 1 MiB keeps its length, so that it is known as one (not read, said why).
      if (l.size() <= LineBuffer::kMaxLine) l.remove_prefix(kEpoch.size());
    } else if (l.starts_with("@hypersweep") && !warned_unknown_) {
      // A misspelt or misplaced directive (`@hypersweep stopped` untold) is read as a plain line;
      // said once per worker, as it usually repeats every trial.
      warned_unknown_ = true;
      std::fprintf(stderr,
                   "hypersweep: warning: worker %d: %s is no line of the worker protocol "
                   "here, read as plain output (the protocol: @hypersweep ready, done, failed "
                   "[message], epoch <line>, and stopped after a `stop` answer)\n",
                   where_.worker, quoted_line(l).c_str());
    }
    // A fresh program's output before it says ready is its start-up's too (README).
    if (h.fresh && !ready_) worker_logs_.out.write(std::string(l) + "\n");
    // Lines reach the log through the line buffer, which keeps a line's first MiB: said so.
    h.logs.out.write(l.size() > LineBuffer::kMaxLine
                         ? std::string(l.substr(0, LineBuffer::kMaxLine)) +
                               "\n[hypersweep: the rest of this line, past 1 MiB, was not kept]\n"
                         : std::string(l) + "\n");
    h.go_on = h.out.line(l) && h.go_on;
    if (answered) {
      h.stop_told = !h.go_on;
      proc_->send(h.go_on ? "continue\n" : "stop\n");  // a program gone shows as its exit
    }
  }
}

WorkerObjective::Why WorkerObjective::wait_for_end(InHand& h, const Trial& t,
                                                   const TrialHooks& hooks) {
  const auto line = [&](std::string_view l) { on_line(h, l); };
  const OnOutput on_stdout = [&](std::string_view b) {
    lines_.add(b, line);
    return true;
  };
  // stderr read in the same pump as the line that ended the trial is still the trial's: a
  // program writes its traceback, then `@hypersweep failed`, and both pipes are read together.
  const OnOutput on_stderr = [&](std::string_view b) {
    h.err_tail += b;
    if (h.err_tail.size() > 2 * kErrorTail) h.err_tail.erase(0, h.err_tail.size() - kErrorTail);
    if (h.fresh && !ready_) {
      worker_logs_.err.write(b);
      startup_mid_line_ = !b.empty() && b.back() != '\n';
    } else if (startup_mid_line_) {
      // The rest of a start-up line, read in the same round as `@hypersweep ready` but after
      // it: the worker log's line is finished, not left cut (and run into the next start's).
      const size_t nl = b.find('\n');
      worker_logs_.err.write(b.substr(0, nl == std::string_view::npos ? b.size() : nl + 1));
      startup_mid_line_ = nl == std::string_view::npos;
    }
    h.logs.err.write(b);
    return true;
  };
  const double timeout = sweep_.objective.timeout;
  const bool timed = timeout > 0 && timeout < 1e9;
  const auto limit = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(timed ? timeout : 0));
  auto stop_deadline = Clock::time_point::max();
  h.since = Clock::now();
  proc_->send(trial_line(sweep_, t));  // a program gone shows as its exit below
  for (;;) {
    const bool alive = proc_->pump(on_stdout, on_stderr);
    const auto deadline = timed ? h.since + limit : Clock::time_point::max();  // `since` may move
    if (!h.go_on) {  // told to stop at an epoch, whatever came after it
      // Answered `stop`, the program ends the trial itself (stays up), within kStopGrace; any
      // other stop, or past the grace, it is killed (settle).
      if (!h.stop_told || h.end != InHand::End::kNone || !alive) return Why::kStopped;
      if (stop_deadline == Clock::time_point::max()) {
        stop_deadline = std::min(deadline, Clock::now() + std::chrono::seconds(kStopGrace));
        h.grace_s = std::chrono::duration<double>(stop_deadline - Clock::now()).count();
      }
      h.grace_over = Clock::now() >= stop_deadline;
      if (h.grace_over || (hooks.stop && hooks.stop())) return Why::kStopped;
      continue;
    }
    if (h.end != InHand::End::kNone) return Why::kAnswered;
    if (!alive) {
      lines_.finish(line);  // an unterminated last line counts
      return h.end != InHand::End::kNone ? Why::kAnswered : Why::kDied;
    }
    if (!h.go_on || (hooks.stop && hooks.stop())) return Why::kStopped;
    if (Clock::now() >= deadline) return Why::kTimedOut;
  }
}

TrialRecord WorkerObjective::run(const Trial& t, const TrialHooks& hooks) {
  TrialRecord r = record_of(t, TrialStatus::kFailed);
  if (hooks.stop && hooks.stop()) {
    r.status = TrialStatus::kInterrupted;
    r.error = "interrupted: the sweep was stopped before the trial was sent";
    return r;
  }
  if (startup_deaths_ >= kStartupDeaths) {
    // The first line as the deaths' own (startup_death_text): one cause for show and fail_fast.
    r.error = with_stderr_tail(startup_death_text(last_startup_error_) + "\n(" +
                                   std::to_string(startup_deaths_) +
                                   " times in a row: this worker does not start it again)",
                               last_startup_stderr_);
    return r;
  }
  InHand h(sweep_, hooks, &r);
  open_logs_or_warn(&h.logs, where_.log_dir, trial_log_name(t), &logs_warned_);
  r.log_path = h.logs.stem;
  h.fresh = !proc_;
  if (h.fresh) {
    if (Status st = start(); !st) {
      r.error = st.error().str();
      return r;
    }
  }
  Why why = wait_for_end(h, t, hooks);
  // A program that ended cleanly after its last trial (some exit after N trials, against leaks)
  // had not seen this one: started again and sent it, once, as to a fresh program.
  if (why == Why::kDied && !h.fresh && !h.heard && proc_->wait_status() == 0) {
    worker_log("the program had exited (status 0) after its last trial; started again for "
               "trial " + std::to_string(t.id));
    kill_program();
    h.fresh = true;
    if (Status st = start(); !st) {
      r.error = st.error().str();
      return r;
    }
    why = wait_for_end(h, t, hooks);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - h.since).count();
  settle(h, t, hooks, why, r);  // takes the result: the warning counts what it kept
  if (const std::string w = h.out.warning(t.id); !w.empty())
    std::fprintf(stderr, "hypersweep: warning: %s\n", w.c_str());
  return r;
}

void WorkerObjective::settle(InHand& h, const Trial& t, const TrialHooks& hooks, Why why,
                             TrialRecord& r) {
  const std::string no_result = h.out.take_result();
  const std::string err_tail = tail_of(std::move(h.err_tail));
  if (why == Why::kAnswered) {
    ready_ = proven_ = true;
    if (h.end == InHand::End::kDone && no_result.empty()) {
      r.status = TrialStatus::kCompleted;
      return;
    }
    r.error = h.end == InHand::End::kFailed
                  ? "the command reported the trial failed: " +
                        (h.failed_message.empty() ? std::string("(no message)") : h.failed_message)
                  : no_result;
  } else {
    int ws = -1;
    if (why == Why::kDied) {
      ws = proc_->wait_status();
      r.error = exit_text(ws);
      if (r.error.empty()) r.error = "the command exited (status 0)";
      r.error += " (mode = \"worker\": it is started again for the next trial)";
      // A death before ready: the start-up's, unless a start of this program has already said
      // ready or ended a trial (a program that never prints ready dies of its trial's values
      // as early as of a broken start-up, and one known to start is not given up).
      if (!ready_ && !proven_) {
        ++startup_deaths_;
        last_startup_error_ = exit_text(ws, "it");
        if (last_startup_error_.empty()) last_startup_error_ = "it exited (status 0)";
        last_startup_stderr_ = err_tail;
        r.error = startup_death_text(last_startup_error_) +
                  "\n(mode = \"worker\": it is started again for the next trial, and given up "
                  "after " + std::to_string(kStartupDeaths) + " start-up deaths in a row)";
        if (startup_deaths_ == kStartupDeaths)
          std::fprintf(stderr, "hypersweep: warning: worker %d: the command died at start-up %d "
                       "times in a row (the last time %s): this worker does not start it again, "
                       "and fails each trial it is given\n", where_.worker, kStartupDeaths,
                       last_startup_error_.c_str());
      }
    } else {
      r.error = why == Why::kTimedOut ? timeout_text(sweep_.objective.timeout)
                : h.grace_over
                    ? "stopped by the pruner, and the program had not ended the trial " +
                          shortest(std::round(h.grace_s * 10) / 10) +
                          " s after its `stop` (at most " + std::to_string(kStopGrace) +
                          " s, within its timeout): it was killed"
                    : std::string("interrupted: the sweep was stopped while the command ran");
      if (why == Why::kTimedOut && !ready_)  // a slow start-up, or a first trial too long
        r.error += " before its program said `@hypersweep ready` or ended a trial (a start-up "
                   "must itself end within one timeout)";
    }
    if (why == Why::kStopped && h.stop_told && h.end != InHand::End::kNone) {
      ready_ = proven_ = true;  // it ended the stopped trial itself: it stays up for the next one
      worker_log("trial " + std::to_string(t.id) + " stopped after epoch " +
                 std::to_string(r.curves.size()) + "; the program ended it and goes on");
    } else {
      if (why == Why::kStopped && !h.go_on && !h.stop_told)  // pruned at a line it cannot answer
        worker_log("trial " + std::to_string(t.id) + " pruned after epoch " +
                   std::to_string(r.curves.size()) + ": the program is ended and started again "
                   "for the next trial, as its epoch line was printed plainly and cannot be "
                   "answered (report epochs with the helper's trial.report(...), or as "
                   "`@hypersweep epoch <line>`, for the program to end the trial itself and "
                   "stay up)");
      else if (why == Why::kTimedOut || why == Why::kStopped)  // the log said nothing of why
        worker_log("trial " + std::to_string(t.id) + ": " + r.error +
                   (why == Why::kTimedOut ? "; it is started again for the next trial" : ""));
      kill_program();
    }
    const bool stopping = sweep_stopping(why == Why::kStopped, ws, hooks);
    r.status = stopping                 ? TrialStatus::kInterrupted
               : why == Why::kTimedOut ? TrialStatus::kTimedOut
                                       : TrialStatus::kFailed;
    if (stopping && why != Why::kStopped)
      r.error = "interrupted: the sweep stopped as the command ended (" + r.error + ")";
  }
  r.best_metric = NAN;
  r.test_acc = NAN;
  r.results.clear();
  r.error = with_stderr_tail(std::move(r.error), err_tail);
}

}  // namespace hs
