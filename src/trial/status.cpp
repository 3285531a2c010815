#include "trial/status.h"

namespace hs {

namespace {
constexpr TrialStatus kAll[] = {
    TrialStatus::kCompleted, TrialStatus::kEarlyStopped, TrialStatus::kDiverged,
    TrialStatus::kTimedOut,  TrialStatus::kFailed,       TrialStatus::kInterrupted,
    TrialStatus::kPruned,    TrialStatus::kFit,          TrialStatus::kTooHigh,
    TrialStatus::kTooLow,    TrialStatus::kNoFit};
}  // namespace

const char* status_name(TrialStatus s) {
  switch (s) {
    case TrialStatus::kCompleted: return "completed";
    case TrialStatus::kEarlyStopped: return "early_stopped";
    case TrialStatus::kDiverged: return "diverged";
    case TrialStatus::kTimedOut: return "timed_out";
    case TrialStatus::kFailed: return "failed";
    case TrialStatus::kInterrupted: return "interrupted";
    case TrialStatus::kPruned: return "pruned";
    case TrialStatus::kFit: return "fit";
    case TrialStatus::kTooHigh: return "too_high";
    case TrialStatus::kTooLow: return "too_low";
    case TrialStatus::kNoFit: return "no_fit";
  }
  return "?";
}

std::optional<TrialStatus> parse_status(std::string_view name) {
  for (TrialStatus s : kAll)
    if (name == status_name(s)) return s;
  return std::nullopt;
}

}  // namespace hs
