// status.h: how a trial ended, the one list of trial statuses and their text form (the results
// file's /summary status column, the journal, the MPI messages, `hypersweep show`, the report).
//
// May depend on: the standard library. Thread safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace hs {

enum class TrialStatus {
  kCompleted,     // trained every epoch (a command: exited 0 with its metric)
  kEarlyStopped,  // early stopping ended it at its patience
  kDiverged,      // the loss became inf/NaN (or exploded)
  kTimedOut,      // its time limit ([train] max_seconds, [objective] timeout) ended it
  kFailed,        // it could not run or gave no metric: the record's error says why
  kInterrupted,   // the sweep was stopped while it ran: it runs again when the sweep continues
  kPruned,        // stopped early because it compared badly with other trials
  // The recipe's step 2 (recipe/steps.h): how overfitting a small sample went at one lr.
  kFit,           // reached the target training accuracy
  kTooHigh,       // the loss rose or became inf/NaN: lr too high
  kTooLow,        // the loss barely fell: lr too low
  kNoFit,         // the loss fell but not to the target
};

// "completed", "early_stopped", "diverged", "timed_out", "failed", "interrupted", "pruned",
// "fit", "too_high", "too_low", "no_fit".
const char* status_name(TrialStatus s);
// The status of a name status_name() gives; nullopt for any other text.
std::optional<TrialStatus> parse_status(std::string_view name);
// Failed or timed out: the trial ran into an error its record states, which `run
// --retry-failed` runs again and `show` and `run`'s last lines report.
inline bool ran_into_error(TrialStatus s) {
  return s == TrialStatus::kFailed || s == TrialStatus::kTimedOut;
}

}  // namespace hs
