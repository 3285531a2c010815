// trial/metric.h: which way is better, and a trial's best row.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "trial/metric.h"

using namespace hs;

TEST_CASE("the best row is the first of the best finite values, by the metric's direction",
          "[trial][metric]") {
  const std::vector<double> v = {0.5, NAN, 0.7, INFINITY, 0.7, 0.2};
  CHECK(best_row(Direction::kMaximize, v) == 2);  // the first 0.7; inf is no value
  CHECK(best_row(Direction::kMinimize, v) == 5);
  CHECK(best_row(Direction::kMaximize, {NAN, NAN}) == -1);
  CHECK(best_row(Direction::kMinimize, {}) == -1);
  CHECK(best_row(Direction::kMinimize, {NAN, 3.0}) == 1);
}
