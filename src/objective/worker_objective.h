// worker_objective.h: the [objective] command in mode = "worker": the user's program started
// once per worker (objective.h: one WorkerObjective per worker) and handed one trial after
// another, so that its imports and data loading are paid once, not per trial.
//
// The program is objective.command (no {placeholders}: config/sweep_config.h refuses them), run
// as core/subprocess.h's Coprocess (/bin/sh -c, a process group of its own), with the
// environment of command_output.h for a worker process: HYPERSWEEP_MODE=worker,
// HYPERSWEEP_WORKER, HYPERSWEEP_LOCAL_WORKER, OMP_NUM_THREADS, CUDA_VISIBLE_DEVICES. It is
// started when the first trial comes (and again after it died or was killed).
//
// THE PROTOCOL (fixed; README, [objective]; python/hypersweep_worker.py speaks it):
//   hypersweep -> program (stdin), one line per trial, a JSON object:
//     {"trial": 3, "attempt": 1, "seed": <32-bit>, "seed64": <64-bit>, "epoch_answers": true,
//      "params": {"lr": 0.01, "optimizer": "adam", "epochs": 8}}
//     (epoch_answers: this hypersweep answers `@hypersweep epoch` lines, below; a program may
//     use them only when told so)
//     (ints as ints, reals in shortest round-trip form with a point or exponent, booleans
//     true/false, strings JSON-escaped). At the end hypersweep closes stdin; the program should
//     exit on EOF (its group is killed after kExitGrace otherwise).
//   program -> hypersweep (stdout): optionally once at start-up `@hypersweep ready` (the start-up
//     time is noted in the worker's log); per trial, epoch lines and any other lines exactly as
//     a per-trial command prints them (command_output.h: the same reading, extra columns,
//     on_epoch per epoch line), then `@hypersweep done`: the trial's result is the last line
//     before it that parses and holds the metric. `@hypersweep failed <message>` ends the trial
//     as failed with that message (and the stderr written during the trial); the program goes on.
//     `@hypersweep epoch <an epoch line>`: the epoch line, and the program waits for its answer,
//     one line on stdin: `continue`, or `stop` (the sweep's pruner stopped the trial), after
//     which the program ends the trial with `@hypersweep stopped` and waits for the next one. A
//     plain epoch line gets no answer: a trial stopped there is ended by killing the program,
//     which then starts again for the next trial (its start-up paid again).
//
// How a trial ends otherwise: the program exits or dies during it: failed, with the exit
// status or signal and the stderr tail, and the program starts again for the next trial. Past
// [objective] timeout: its group is killed (SIGTERM, SIGKILL 2 s later), the trial is timed_out,
// and the program starts again for the next trial. The timeout and the trial's seconds count
// from sending the trial's line; in a trial the program was started for, once it says
// `@hypersweep ready`, from that line again (the start-up is the worker's, whichever trial it
// comes with; a start-up itself must end within one timeout, which guards a hang there).
// A sweep stop (hooks.stop) or kStop from on_epoch: killed, the trial interrupted (and so is a
// death while the sweep stops: command_output.h, sweep_stopping), except a kStop answered to an
// `@hypersweep epoch` line that the program follows with `@hypersweep stopped` within
// kStopGrace: interrupted the same, and the program stays up. A program that dies before
// answering any trial kStartupDeaths starts in a row is not started again: each later trial of
// this worker fails at once, saying so and with the last start's error (no hang, no busy loop).
//
// Logs (Placement::log_dir set): a trial's stdout lines and the stderr that arrives while it
// runs go to <log_dir>/<000042>.out and .err (log_path in the record); what a started program
// prints before `@hypersweep ready` goes to <log_dir>/worker-<W>.out and .err as well as to the
// trial's log, and is not read as the trial's epochs or result (a program that never says ready:
// all of its first trial's output is the trial's), and what it
// prints between trials to the worker's alone, with a line per start and the start-up time.
//
// May depend on: config, core (subprocess), trial. Never MPI or the results file. Thread
// safety: one thread per objective (one trial at a time).
#pragma once

#include <memory>
#include <string>

#include "core/subprocess.h"
#include "objective/command_output.h"
#include "objective/objective.h"

namespace hs {

class WorkerObjective final : public Objective {
 public:
  static constexpr double kExitGrace = 5;  // seconds from closing stdin to killing the group
  static constexpr int kStartupDeaths = 3;
  static constexpr int kStopGrace = 10;  // seconds for a program answered `stop` to end its trial

  // REQUIRES: !uses_trainer(sweep), sweep.objective.worker_mode.
  WorkerObjective(SweepConfig sweep, Placement where);
  ~WorkerObjective() override;  // stdin closed, kExitGrace to exit, then killed
  Status prepare() override { return {}; }  // the program loads its own data
  TrialRecord run(const Trial& t, const TrialHooks& hooks) override;

  // How many times the program was started (for tests and messages).
  int starts() const { return starts_; }

 private:
  struct InHand;  // one trial's state (worker_objective.cpp)
  enum class Why { kAnswered, kDied, kTimedOut, kStopped };
  Why wait_for_end(InHand& h, const Trial& t, const TrialHooks& hooks);
  void on_line(InHand& h, std::string_view line);
  void settle(InHand& h, const Trial& t, const TrialHooks& hooks, Why why, TrialRecord& r);
  Status start();
  void kill_program();
  void note_strays();
  void worker_log(std::string_view line);

  SweepConfig sweep_;
  Placement where_;
  std::unique_ptr<Coprocess> proc_;
  TrialLogs worker_logs_;
  bool logs_warned_ = false;  // said that trials run without logs (open_logs_or_warn)
  bool strays_warned_ = false;  // said that the program left processes outside its group
  bool worker_logs_open_ = false;
  LineBuffer lines_;
  bool ready_ = false;          // this start has said `@hypersweep ready`, or answered a trial
  bool startup_mid_line_ = false;  // the worker log's start-up stderr ends inside a line
  int starts_ = 0;
  int startup_deaths_ = 0;      // starts in a row that died before answering a trial
  bool proven_ = false;         // a start said ready or ended a trial: deaths are the trials'
                                // from then on, never the start-up's
  bool warned_unknown_ = false;  // an `@hypersweep` line of no known kind was warned about
  std::string last_startup_error_;   // how the last start that died ended: "it exited ..."
  std::string last_startup_stderr_;  // and the end of its stderr
  std::chrono::steady_clock::time_point started_at_;
};

// Trial `t`'s line for the program's stdin (with its newline).
std::string trial_line(const SweepConfig& sweep, const Trial& t);

}  // namespace hs
