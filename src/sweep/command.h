// command.h: a trial that runs the user's own program (the sweep file's [objective] command)
// instead of the built-in trainer, and reads its metric and curves from what it prints.
//
// The command line is objective.command with each {name} replaced by the trial's value of space
// parameter `name`: ints as ints, reals in shortest round-trip form (0.001, 1e-05), booleans as
// true/false, strings as they are when made of [A-Za-z0-9._+-/=] only, else in single quotes for
// the shell. It runs as `/bin/sh -c LINE` in a process group of its own (posix_spawn: no fork()
// inside MPI ranks), with stdin from /dev/null, no inherited descriptors beyond 0-2, and
// HYPERSWEEP_TRIAL_ID (the trial id) and HYPERSWEEP_SEED (derive_seed(sweep seed, id, kTrial) >> 1,
// the seed the built-in trainer would use) added to the environment.
//
// Output protocol (stdout; stderr is only kept, its last 4 KiB, for error messages):
//   - The LAST non-empty line holds the result: k=v pairs separated by spaces or commas
//     (`metric=0.91`, `val_acc=0.91 test_acc=0.9`) or a flat JSON object (`{"val_acc": 0.91}`).
//     The trial's value is the key named by [sweep] metric, else `metric`; test_acc, when given,
//     is recorded.
//   - Every line that parses the same way and has an `epoch` number is a row of the curve (epoch,
//     lr, train_loss, train_acc, val_loss, val_acc; missing ones NaN), the last line included.
//   - Any other line is ignored.
// A non-zero exit, death by a signal, the timeout (SIGTERM to the group, SIGKILL 2 s later), or
// a missing or non-finite metric fails the trial. When the command's shell has exited, whatever
// is left of its process group is killed (after 1 s if it still holds stdout or stderr).
//
// May depend on: config (the sweep), search (Trial, Outcome), train (TrainResult as plain data).
// Never MPI, the results file or signal handlers. Thread safety: run_command_trial may run on
// several threads at once; each waits for its own child by pid.
#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "sweep/runner.h"

namespace hs {

// The command line of trial t: placeholders filled. Errors name the placeholder.
// REQUIRES: !uses_trainer(sweep); t.values.size() == sweep.space.params.size().
Result<std::string> expand_command(const SweepConfig& sweep, const Trial& t);

// Runs trial t's command and reads its metric and curves. Never throws; every failure is a
// TrialRun with status "failed" and the reason in `error` (one line, then the stderr tail);
// "interrupted" when stop() turned true (asked before the start, then every 100 ms; may be
// empty). `result` is present once the command ran, with the curve so far (best_epoch: the 1-based
// position in the curve of the row with the best metric, 0 when no row carries it; test_acc: NaN
// unless the last line gives it; seconds: the command's wall time), and absent when it did not
// start.
// REQUIRES: !uses_trainer(sweep).
TrialRun run_command_trial(const SweepConfig& sweep, const Trial& t, const StopCheck& stop);

// One value of an output line: a number, or text (a JSON string, true/false/null, or a k=v value
// that is not a number).
struct OutputValue {
  bool is_number = false;
  double number = 0;  // also nan and inf, as Python prints them
  std::string text;
};
using OutputFields = std::map<std::string, OutputValue, std::less<>>;

// A stdout line as its fields, or nullopt when it is neither a flat JSON object (string keys;
// numbers, NaN, Infinity, strings, true, false or null as values; no nesting) nor one or more
// k=v pairs (keys [A-Za-z_][A-Za-z0-9_./-]*) separated by spaces, tabs or commas. A key given
// twice keeps its last value.
std::optional<OutputFields> parse_output_line(std::string_view line);

}  // namespace hs
