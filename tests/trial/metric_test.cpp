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

TEST_CASE("a loss or an error is minimised unless told otherwise", "[trial][metric]") {
  // The command's `loss=...` was maximised: its worst trial named best.
  for (const char* name : {"loss", "val_loss", "train_loss", "test_error", "error", "val_err",
                           "mse", "val_rmse", "mae", "nll", "val_perplexity"}) {
    INFO(name);
    CHECK(default_direction(name) == Direction::kMinimize);
  }
  for (const char* name : {"val_acc", "accuracy", "f1", "auc", "lossless_ratio", "error_free",
                           "reward", "val_loss_ratio", ""}) {
    INFO(name);
    CHECK(default_direction(name) == Direction::kMaximize);
  }
  // Files from before the direction was stored keep the rule they were written under.
  CHECK(stored_default_direction("loss") == Direction::kMaximize);
  CHECK(stored_default_direction("val_loss") == Direction::kMinimize);
}
