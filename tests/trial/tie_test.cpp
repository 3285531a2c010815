// Tests for src/trial/tie.*: when two validation accuracies are a tie (one standard error of an
// accuracy on the validation set's size), and that the record carries that size through its byte
// encoding, an older record reading as unknown (the rule off).
#include "trial/tie.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "trial/codec.h"

using namespace hs;

namespace {

TrialRecord trial(int64_t id, double val_acc, int64_t val_samples) {
  TrialRecord r;
  r.id = id;
  r.status = TrialStatus::kCompleted;
  r.best_metric = val_acc;
  r.val_samples = val_samples;
  return r;
}

}  // namespace

TEST_CASE("the standard error of an accuracy is sqrt(p(1-p)/n)", "[trial][tie]") {
  CHECK(accuracy_se(0.85, 200) == Approx(std::sqrt(0.85 * 0.15 / 200)));
  CHECK(accuracy_se(1.0, 200) == 0);
  CHECK(std::isnan(accuracy_se(0.85, 0)));
  CHECK(std::isnan(accuracy_se(NAN, 200)));
}

TEST_CASE("1-2 samples of 162-240 are a tie and ten are not", "[trial][tie]") {
  // The case: differences of one or two validation samples ranked as real.
  for (int64_t n : {162, 200, 240}) {
    INFO("n " << n);
    const double a = 130.0 / static_cast<double>(n);
    CHECK(accuracy_tie(a + 1.0 / n, a, n));
    CHECK(accuracy_tie(a + 2.0 / n, a, n));
    CHECK_FALSE(accuracy_tie(a + 10.0 / n, a, n));
  }
  // On 6000 samples (Fashion-MNIST's validation split) 0.3 points is about 1 SE: 0.5 is real.
  CHECK_FALSE(accuracy_tie(0.885, 0.880, 6000));
  CHECK(accuracy_tie(0.882, 0.880, 6000));
  CHECK(accuracy_tie(0.5, 0.5, 10));
  CHECK_FALSE(accuracy_tie(1.0, 0.999, 1000));  // a perfect best has no error: only equal ties
  CHECK_FALSE(accuracy_tie(0.5, 0.5, 0));  // size unknown: no rule
  CHECK_FALSE(accuracy_tie(0.5, NAN, 10));
}

TEST_CASE("a trial ties the best only on val_acc with the size known and the same", "[trial][tie]") {
  const TrialRecord best = trial(0, 0.850, 240), close = trial(1, 0.846, 240);
  CHECK(ties_best(best, close, Metric{}));
  CHECK_FALSE(ties_best(best, trial(2, 0.80, 240), Metric{}));
  CHECK_FALSE(ties_best(best, trial(3, 0.846, 0), Metric{}));    // from an older file
  CHECK_FALSE(ties_best(trial(4, 0.85, 0), trial(5, 0.846, 0), Metric{}));
  CHECK_FALSE(ties_best(best, trial(6, 0.846, 200), Metric{}));  // another validation set
  CHECK_FALSE(ties_best(best, close, Metric{"val_loss", Direction::kMinimize}));
  TrialRecord diverged = close;
  diverged.status = TrialStatus::kDiverged;
  CHECK_FALSE(ties_best(best, diverged, Metric{}));
}

TEST_CASE("the validation size travels in the record's bytes and an older record has none", "[trial][tie]") {
  TrialRecord r = trial(7, 0.85, 240), back;
  const std::string bytes = encode_record(r);
  REQUIRE(decode_record(bytes, &back));
  CHECK(back.val_samples == 240);
  // What hypersweep wrote before the field: the same bytes without its last 8.
  back.val_samples = 99;
  REQUIRE(decode_record(bytes.substr(0, bytes.size() - sizeof(int64_t)), &back));
  CHECK(back.val_samples == 0);
}
