// command_objective.h: a trial that runs the user's own program (the sweep file's [objective]
// command) instead of the built-in trainer, and reads its metric and curves from what it prints
// (objective.h).
//
// The command line is objective.command with each {name} replaced by the trial's value of space
// parameter `name`: ints as ints, reals in shortest round-trip form (0.001, 1e-05), booleans as
// true/false, strings as they are when made of [A-Za-z0-9._+-/=] only, else in single quotes for
// the shell. It runs as core/subprocess.h says (/bin/sh -c, a process group of its own), with
// HYPERSWEEP_TRIAL_ID (the trial id) and HYPERSWEEP_SEED (trial_seed(): the seed the built-in
// trainer would use) added to the environment.
//
// Output protocol (stdout, lines as output_protocol.h reads them; stderr is only kept, its last
// 4 KiB, for error messages):
//   - The LAST non-empty line holds the result: the trial's value is the key named by [sweep]
//     metric, else `metric`; test_acc, when given, is recorded.
//   - Every line that parses and has an `epoch` number is a row of the curve (epoch, lr,
//     train_loss, train_acc, val_loss, val_acc; missing ones NaN; seconds: since the command
//     started), the last line included. Each row reaches TrialHooks::on_epoch as soon as its line
//     is printed; kStop ends the command (SIGTERM to its group, then SIGKILL).
//   - Any other line is ignored.
// A non-zero exit, death by a signal, the timeout ([objective] timeout), or a missing or
// non-finite metric fails the trial (status failed, the reason then the stderr tail in `error`);
// a stop makes it interrupted, and so does any of these while the sweep is stopping (hooks.stop
// true as it ends): a batch system that preempts a job signals every process, the command
// too, which may die of the signal before the sweep sees it, so a command dead of a stop signal
// (core/subprocess.h: kStopSignals; or exit status 128 + one) waits up to 1 s for hooks.stop
// before it counts as failed. best_epoch is the row with the best metric (0 when no row carries
// it).
//
// May depend on: config (the sweep), core (subprocess), trial. Never MPI, the results file or
// signal handlers. Thread safety: several command trials may run on several threads at once.
#pragma once

#include "objective/objective.h"

namespace hs {

class CommandObjective final : public Objective {
 public:
  // REQUIRES: !uses_trainer(sweep).
  explicit CommandObjective(SweepConfig sweep) : sweep_(std::move(sweep)) {}
  Status prepare() override { return {}; }  // the command loads its own data
  TrialRecord run(const Trial& t, const TrialHooks& hooks) override;

 private:
  SweepConfig sweep_;
};

// The command line of trial t: placeholders filled. Errors name the placeholder.
// REQUIRES: !uses_trainer(sweep); t.values.size() == sweep.space.params.size().
Result<std::string> expand_command(const SweepConfig& sweep, const Trial& t);

}  // namespace hs
