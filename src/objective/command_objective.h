// command_objective.h: a trial that runs the user's own program (the sweep file's [objective]
// command) instead of the built-in trainer, and reads its metric and curves from what it prints
// (objective.h).
//
// The command line is objective.command with each {name} replaced by the trial's value of space
// parameter `name`: ints as ints, reals in shortest round-trip form (0.001, 1e-05), booleans as
// true/false, strings as they are when made of [A-Za-z0-9._+-/=] only, else in single quotes for
// the shell. It runs as core/subprocess.h says (/bin/sh -c, a process group of its own), with
// the environment of command_output.h (HYPERSWEEP_TRIAL_ID, HYPERSWEEP_ATTEMPT, HYPERSWEEP_SEED,
// HYPERSWEEP_SEED64, HYPERSWEEP_WORKER, HYPERSWEEP_LOCAL_WORKER, HYPERSWEEP_MODE=trial,
// OMP_NUM_THREADS, CUDA_VISIBLE_DEVICES).
//
// Output: stdout is read line by line as command_output.h says (curve rows reaching
// TrialHooks::on_epoch as they are printed, extra columns, the result: the last line that parses
// and holds the metric, wherever it is; a warning on stderr for lines that look like metrics but
// do not parse); kStop from on_epoch ends the command (SIGTERM to its group, then SIGKILL).
// With Placement::log_dir set, stdout and stderr are kept in <log_dir>/<000042>.out and .err
// (command_output.h: trial_log_name, bounded by kMaxLogBytes) and the record's log_path says
// where; a log folder that cannot be made fails the trial, saying why. stderr's last 4 KiB go
// into error messages.
//
// A non-zero exit, death by a signal, or a missing or non-finite metric fail the trial (status
// failed); the timeout ([objective] timeout) makes it timed_out; each with the reason then the
// stderr tail in `error`. A stop makes it interrupted, and so does any of these while the sweep
// is stopping (command_output.h: sweep_stopping). best_epoch is the epoch of the row with the best
// metric (0 when no row carries it), `epochs` the last row's epoch.
//
// May depend on: config (the sweep), core (subprocess), trial. Never MPI, the results file or
// signal handlers. Thread safety: several command trials may run on several threads at once.
#pragma once

#include "objective/objective.h"

namespace hs {

class CommandObjective final : public Objective {
 public:
  // REQUIRES: !uses_trainer(sweep).
  explicit CommandObjective(SweepConfig sweep, Placement where = {})
      : sweep_(std::move(sweep)), where_(std::move(where)) {}
  Status prepare() override { return {}; }  // the command loads its own data
  TrialRecord run(const Trial& t, const TrialHooks& hooks) override;

 private:
  SweepConfig sweep_;
  Placement where_;
  bool logs_warned_ = false;  // said that trials run without logs (open_logs_or_warn)
  bool strays_warned_ = false;  // said that a command left processes outside its group
};

// The command line of trial t: placeholders filled. Errors name the placeholder.
// REQUIRES: !uses_trainer(sweep); t.values.size() == sweep.space.params.size().
Result<std::string> expand_command(const SweepConfig& sweep, const Trial& t);

}  // namespace hs
