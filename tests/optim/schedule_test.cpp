#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>

#include "optim/schedule.h"

using namespace hs;

namespace {
ScheduleOptions sched(ScheduleKind k) {
  ScheduleOptions s;
  s.kind = k;
  return s;
}
constexpr double a0 = 0.1;
constexpr int64_t T = 100;
}  // namespace

// Each schedule against the lecture's closed form (11.1.1).
TEST_CASE("cosine: a0/2 (1 + cos(pi t / T))", "[optim][schedule]") {
  for (int64_t t : {0, 1, 25, 50, 75, 99}) {
    const double expect = a0 / 2 * (1 + std::cos(std::numbers::pi * double(t) / T));
    CHECK(learning_rate(sched(ScheduleKind::kCosine), a0, t, T) == Approx(expect).epsilon(1e-12));
  }
  CHECK(learning_rate(sched(ScheduleKind::kCosine), a0, 50, T) == Approx(a0 / 2));
}

TEST_CASE("linear: a0 (1 - t / T)", "[optim][schedule]") {
  for (int64_t t : {0, 10, 50, 99})
    CHECK(learning_rate(sched(ScheduleKind::kLinear), a0, t, T) ==
          Approx(a0 * (1 - double(t) / T)).epsilon(1e-12));
}

TEST_CASE("inverse sqrt: a0 / sqrt(t), t counted from 1", "[optim][schedule]") {
  for (int64_t t1 : {1, 2, 4, 9, 100}) {
    CHECK(learning_rate(sched(ScheduleKind::kInvSqrt), a0, t1 - 1, T) ==
          Approx(a0 / std::sqrt(double(t1))).epsilon(1e-12));
  }
}

TEST_CASE("constant: a0", "[optim][schedule]") {
  for (int64_t t : {0, 50, 99}) CHECK(learning_rate(sched(ScheduleKind::kConstant), a0, t, T) == a0);
}

TEST_CASE("step: times factor at each milestone (ResNet's 30/60/90 x 0.1)", "[optim][schedule]") {
  const auto s = sched(ScheduleKind::kStep);  // defaults: milestones 30, 60, 90; factor 0.1
  CHECK(learning_rate(s, a0, 29, T) == Approx(a0));
  CHECK(learning_rate(s, a0, 30, T) == Approx(a0 * 0.1));
  CHECK(learning_rate(s, a0, 59, T) == Approx(a0 * 0.1));
  CHECK(learning_rate(s, a0, 60, T) == Approx(a0 * 0.01));
  CHECK(learning_rate(s, a0, 90, T) == Approx(a0 * 0.001));
}

TEST_CASE("linear warm-up, then the schedule over the remaining steps", "[optim][schedule]") {
  auto s = sched(ScheduleKind::kCosine);
  s.warmup = 10;
  for (int64_t t = 0; t < 10; ++t)
    CHECK(learning_rate(s, a0, t, T) == Approx(a0 * double(t + 1) / 10).epsilon(1e-12));
  // After warm-up, cosine over T' = 90 steps starting at t' = 0.
  for (int64_t t : {10, 40, 99})
    CHECK(learning_rate(s, a0, t, T) ==
          Approx(a0 / 2 * (1 + std::cos(std::numbers::pi * double(t - 10) / 90))).epsilon(1e-12));
  s.kind = ScheduleKind::kStep;  // milestones still count from the start of training
  CHECK(learning_rate(s, a0, 29, T) == Approx(a0));
  CHECK(learning_rate(s, a0, 30, T) == Approx(a0 * 0.1));
}

TEST_CASE("schedule names round-trip", "[optim][schedule]") {
  for (auto k : {ScheduleKind::kConstant, ScheduleKind::kStep, ScheduleKind::kCosine,
                 ScheduleKind::kLinear, ScheduleKind::kInvSqrt}) {
    ScheduleKind back;
    REQUIRE(parse_schedule(schedule_name(k), &back));
    CHECK(back == k);
  }
  ScheduleKind k;
  CHECK_FALSE(parse_schedule("exponential", &k));
}
