// schedule.h: learning-rate schedules of lecture 11.1.1, as one pure function of the step.
//
//   constant  a_t = a0
//   step      a_t = a0 * factor^(number of milestones <= t)      (ResNet: 30/60/90, factor 0.1)
//   cosine    a_t = a0/2 * (1 + cos(pi t / T))
//   linear    a_t = a0 * (1 - t / T)
//   inv_sqrt  a_t = a0 / sqrt(t + 1)    (the lecture's a0/sqrt(t) with t counted from 1)
// t counts from 0 in epochs or iterations (ScheduleUnit); T is the total number of steps.
// Optional linear warm-up over the first W steps: a_t = a0 * (t + 1) / W for t < W; after it the
// schedule runs on t' = t - W over T' = T - W steps, so the decay still ends at T.
// Step milestones are given in the same unit as t and count from the start of training.
//
// May depend on: src/core. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace hs {

enum class ScheduleKind { kConstant, kStep, kCosine, kLinear, kInvSqrt };
enum class ScheduleUnit { kEpoch, kIteration };

const char* schedule_name(ScheduleKind kind);  // constant, step, cosine, linear, inv_sqrt
bool parse_schedule(std::string_view name, ScheduleKind* out);
const char* schedule_unit_name(ScheduleUnit unit);  // epoch, iteration
bool parse_schedule_unit(std::string_view name, ScheduleUnit* out);

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::kConstant;
  ScheduleUnit unit = ScheduleUnit::kEpoch;
  std::vector<int64_t> milestones = {30, 60, 90};  // step: where the lr is multiplied by factor
  double factor = 0.1;                             // step: the multiplier
  int64_t warmup = 0;                              // linear warm-up steps (0: none)
};

// The learning rate at step t of total_steps. REQUIRES: t >= 0, total_steps >= 1.
double learning_rate(const ScheduleOptions& s, double lr0, int64_t t, int64_t total_steps);

}  // namespace hs
