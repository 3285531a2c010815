#include "optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace hs {

namespace {
struct KindName {
  ScheduleKind kind;
  const char* name;
};
constexpr KindName kKinds[] = {{ScheduleKind::kConstant, "constant"},
                               {ScheduleKind::kStep, "step"},
                               {ScheduleKind::kCosine, "cosine"},
                               {ScheduleKind::kLinear, "linear"},
                               {ScheduleKind::kInvSqrt, "inv_sqrt"}};
}  // namespace

const char* schedule_name(ScheduleKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "?";
}

bool parse_schedule(std::string_view name, ScheduleKind* out) {
  for (const auto& k : kKinds)
    if (name == k.name) {
      *out = k.kind;
      return true;
    }
  return false;
}

const char* schedule_unit_name(ScheduleUnit unit) {
  return unit == ScheduleUnit::kEpoch ? "epoch" : "iteration";
}

bool parse_schedule_unit(std::string_view name, ScheduleUnit* out) {
  if (name == "epoch") *out = ScheduleUnit::kEpoch;
  else if (name == "iteration") *out = ScheduleUnit::kIteration;
  else return false;
  return true;
}

double learning_rate(const ScheduleOptions& s, double lr0, int64_t t, int64_t total_steps) {
  const int64_t warm = std::max<int64_t>(s.warmup, 0);
  if (t < warm) return lr0 * static_cast<double>(t + 1) / static_cast<double>(warm);
  // After warm-up the decay runs over what is left, so it still ends at total_steps.
  const double tt = static_cast<double>(t - warm);
  const double T = static_cast<double>(std::max<int64_t>(total_steps - warm, 1));
  switch (s.kind) {
    case ScheduleKind::kConstant: return lr0;
    case ScheduleKind::kStep: {
      const auto passed = std::count_if(s.milestones.begin(), s.milestones.end(),
                                        [t](int64_t m) { return m <= t; });
      return lr0 * std::pow(s.factor, static_cast<double>(passed));
    }
    case ScheduleKind::kCosine: return 0.5 * lr0 * (1.0 + std::cos(std::numbers::pi * tt / T));
    case ScheduleKind::kLinear: return lr0 * std::max(0.0, 1.0 - tt / T);
    case ScheduleKind::kInvSqrt: return lr0 / std::sqrt(tt + 1.0);
  }
  return lr0;
}

}  // namespace hs
