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
                           "mse", "val_rmse", "mae", "nll", "val_perplexity",
                           // names a command's k=v line may print (val/loss: Lightning's, W&B's)
                           "val/loss", "val-loss", "val.loss", "train/epoch_loss"}) {
    INFO(name);
    CHECK(default_direction(name) == Direction::kMinimize);
  }
  for (const char* name : {"val_acc", "accuracy", "f1", "auc", "lossless_ratio", "error_free",
                           "reward", "val_loss_ratio", "", "val/acc", "loss/ratio"}) {
    INFO(name);
    CHECK(default_direction(name) == Direction::kMaximize);
  }
  // Files from before the direction was stored keep the rule they were written under.
  CHECK(stored_default_direction("loss") == Direction::kMaximize);
  CHECK(stored_default_direction("val_loss") == Direction::kMinimize);
}

TEST_CASE("a result is at its best epoch only when that epoch holds the same value",
          "[trial][metric]") {
  // A command's curve: val_acc peaks at epoch 4 (0.9, on the second row of that epoch) and ends
  // 0.8 at epoch 6, its result (the last value printed).
  TrialRecord r;
  r.curves = {{2, 0, 0, 0, 0, 0.5, 1}, {4, 0, 0, 0, 0, 0.7, 2}, {4, 0, 0, 0, 0, 0.9, 3},
              {6, 0, 0, 0, 0, 0.8, 4}};
  r.best_epoch = 4;
  r.best_metric = 0.8;
  const Metric acc{"val_acc", Direction::kMaximize};
  CHECK(best_epoch_value(r, acc) == 0.9);
  CHECK_FALSE(result_at_best_epoch(r, acc));
  r.best_metric = 0.9;  // a final line that printed the best epoch's value (the helper's `best`)
  CHECK(result_at_best_epoch(r, acc));
  // The best epoch holds no value of the metric (a record of the recipe's lr search): nothing
  // to tell them apart by.
  const Metric drop{"drop", Direction::kMaximize};
  CHECK(std::isnan(best_epoch_value(r, drop)));
  CHECK(result_at_best_epoch(r, drop));
  r.best_epoch = 0;
  CHECK(std::isnan(best_epoch_value(r, acc)));
}
