// The TrialQueue (sweep/queue.h): rank 0's order of trials, what it tells the strategy, and how
// it takes a results file's records back on resume.
#include <catch2/catch.hpp>

#include <cmath>

#include "sweep/queue.h"
#include "trial/metric.h"

using namespace hs;

namespace {

SweepConfig sweep_of(const std::string& strategy, int trials) {
  auto s = load_sweep_text("[train]\ndataset = \"synthetic\"\n[sweep]\nstrategy = \"" + strategy +
                               "\"\ntrials = " + std::to_string(trials) +
                               "\nseed = 3\n[space]\nlr = { log_uniform = [1e-3, 1e-1], grid = " +
                               std::to_string(trials) + " }\n",
                           "q.toml");
  REQUIRE(s.ok());
  return std::move(*s);
}

TrialRecord finished(const Trial& t, TrialStatus s, double metric) {
  TrialRecord r = record_of(t, s);
  r.best_metric = metric;
  return r;
}

}  // namespace

TEST_CASE("trials come out in id order until the sweep's count, each told once", "[sweep][queue]") {
  auto q = TrialQueue::make(sweep_of("random", 3));
  REQUIRE(q.ok());
  CHECK(q->total() == 3);
  std::vector<Trial> out;
  while (auto t = q->next()) out.push_back(*t);
  REQUIRE(out.size() == 3u);
  for (int64_t i = 0; i < 3; ++i) CHECK(out[static_cast<size_t>(i)].id == i);
  CHECK(q->finished() == 0);
  q->finish(finished(out[1], TrialStatus::kCompleted, 0.5));
  q->finish(finished(out[1], TrialStatus::kCompleted, 0.5));  // a duplicate tells nothing more
  CHECK(q->finished() == 1);
}

TEST_CASE("an interrupted trial runs again first, with its id", "[sweep][queue]") {
  auto q = TrialQueue::make(sweep_of("grid", 4));
  REQUIRE(q.ok());
  const Trial a = *q->next(), b = *q->next();
  q->finish(finished(b, TrialStatus::kInterrupted, NAN));
  CHECK(q->finished() == 0);  // an interrupted trial is not told
  const auto again = q->next();
  REQUIRE(again);
  CHECK(again->id == b.id);
  CHECK(again->values == b.values);
  CHECK(q->next()->id == 2);
  (void)a;
}

TEST_CASE("resume takes the records back: finished ones told, lost and interrupted ones again",
          "[sweep][queue]") {
  const SweepConfig s = sweep_of("grid", 5);
  auto first = TrialQueue::make(s);
  REQUIRE(first.ok());
  std::vector<Trial> t;
  while (auto x = first->next()) t.push_back(*x);
  // Trial 0 completed, 1 lost in flight (no record), 2 interrupted, 3 diverged; 4 never ran.
  const std::vector<TrialRecord> done = {finished(t[0], TrialStatus::kCompleted, 0.7),
                                         finished(t[3], TrialStatus::kDiverged, NAN),
                                         finished(t[2], TrialStatus::kInterrupted, NAN)};
  auto q = TrialQueue::make(s, done);
  REQUIRE(q.ok());
  CHECK(q->finished() == 2);  // 0 and 3
  std::vector<int64_t> order;
  while (auto x = q->next()) order.push_back(x->id);
  CHECK(order == std::vector<int64_t>{1, 2, 4});
}

TEST_CASE("a record this sweep's strategy would not give is refused, naming it", "[sweep][queue]") {
  const SweepConfig s = sweep_of("grid", 4);
  TrialRecord alien = record_of(Trial{0, {ParamValue{0.5}}}, TrialStatus::kCompleted);
  auto q = TrialQueue::make(s, {alien});
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().message.find("trial 0") != std::string::npos);
  CHECK(q.error().message.find("was the config or the hypersweep version changed?") !=
        std::string::npos);
}
