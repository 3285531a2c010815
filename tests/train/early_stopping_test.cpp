#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "train/early_stopping.h"

using namespace hs;

namespace {
// Feeds a scripted curve and returns the epoch at which the tracker says stop (0: never).
int stop_epoch(EarlyStopping& es, const std::vector<double>& curve) {
  for (size_t i = 0; i < curve.size(); ++i) {
    es.update(static_cast<int>(i + 1), curve[i]);
    if (es.should_stop()) return static_cast<int>(i + 1);
  }
  return 0;
}
}  // namespace

TEST_CASE("val_acc: stops after patience epochs without a new maximum", "[train][early]") {
  EarlyStoppingOptions o;
  o.patience = 3;
  EarlyStopping es(o);
  // Best at epoch 3 (0.70); 0.69, 0.70 (a tie is no improvement), 0.68 -> stop at epoch 6.
  CHECK(stop_epoch(es, {0.50, 0.60, 0.70, 0.69, 0.70, 0.68, 0.90}) == 6);
  CHECK(es.best_epoch() == 3);
  CHECK(es.best_value() == 0.70);
}

TEST_CASE("val_loss: minimised, and an improvement resets the count", "[train][early]") {
  EarlyStoppingOptions o;
  o.monitor = Monitor::kValLoss;
  o.patience = 2;
  EarlyStopping es(o);
  // 0.9, 0.8 (best), 0.85, 0.7 (best, resets), 0.75, 0.71 -> stop at epoch 6, best epoch 4.
  CHECK(stop_epoch(es, {0.9, 0.8, 0.85, 0.7, 0.75, 0.71, 0.1}) == 6);
  CHECK(es.best_epoch() == 4);
}

TEST_CASE("min_delta: small gains do not count", "[train][early]") {
  EarlyStoppingOptions o;
  o.patience = 2;
  o.min_delta = 0.01;
  EarlyStopping es(o);
  // 0.805 and 0.809 are within 0.01 of 0.80: no improvement, so stop at epoch 3.
  CHECK(stop_epoch(es, {0.80, 0.805, 0.809, 0.9}) == 3);
  CHECK(es.best_epoch() == 1);
}

TEST_CASE("disabled early stopping never stops but still tracks the best", "[train][early]") {
  EarlyStoppingOptions o;
  o.enabled = false;
  o.patience = 1;
  EarlyStopping es(o);
  CHECK(stop_epoch(es, {0.5, 0.4, 0.3, 0.2}) == 0);
  CHECK(es.best_epoch() == 1);
}

TEST_CASE("a NaN metric never becomes the best", "[train][early]") {
  EarlyStopping es(EarlyStoppingOptions{});
  es.update(1, std::nan(""));
  CHECK_FALSE(es.has_best());
  es.update(2, 0.3);
  CHECK(es.best_epoch() == 2);
  es.update(3, std::nan(""));
  CHECK(es.best_epoch() == 2);
}
