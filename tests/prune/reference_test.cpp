// asha, hyperband and percentile against naive reference versions of their rules (the ones they
// replaced: copy the values recorded at a rung or an epoch, sort them, read the cut-off) on long
// seeded random sequences of reports, reruns and ends with many ties and some NaN values. The
// pruners read the cut-off from ranked.h instead (issue 17: a judge's cost must not grow with the
// trials recorded); their decisions and reasons must be the same, word for word.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/rng.h"
#include "prune/pruner.h"
#include "support/completed.h"

namespace hs {
namespace {

using Kind = Verdict::Kind;

std::string text(const Metric& m, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return m.name + " " + buf;
}

// A value from a small set, so that ties are common; NaN now and then.
double draw_value(Rng& rng) {
  if (rng.below(20) == 0) return NAN;
  return static_cast<double>(rng.below(40)) / 40.0;
}

// The naive asha: per (bracket, rung) a map trial -> value; each judge sorts all of them.
struct NaiveAsha {
  PrunerOptions o;
  Metric metric;
  std::map<std::pair<int, int>, std::map<int64_t, double>> rungs;
  std::map<int64_t, std::pair<int, int>> met;  // trial -> (rungs met in this run, last epoch)

  // bracket: the pruner's own (-1 for asha); the rungs of bracket s at floor(R / eta^(s - k)).
  // A report with a value at or past the next rung's epoch meets that rung; an epoch below the
  // last one reported starts a new run.
  std::string why(int bracket, int64_t id, int epoch, double value, Kind* kind) {
    int s = 0;
    for (int64_t e = o.min_epochs; e * o.reduction <= o.max_epochs; e *= o.reduction) ++s;
    if (bracket >= 0) s = bracket;
    auto& [next, last] = met[id];
    if (epoch < last) next = 0;
    last = epoch;
    *kind = Kind::kContinue;
    std::string out;
    // Every rung not met yet whose epoch this one is at or past, in order, until one prunes.
    for (; !std::isnan(value) && next <= s; ++next) {
      int div = 1;
      for (int t = 0; t < s - next; ++t) div *= o.reduction;
      if (epoch < o.max_epochs / div || *kind == Kind::kPrune) break;
      if (next == s) continue;
      out = judge(bracket, s, next, id, epoch, value, kind);
    }
    return out;
  }

  std::string judge(int bracket, int s, int k, int64_t id, int epoch, double value, Kind* kind) {
    std::map<int64_t, double>& rung = rungs[{s, k}];
    rung[id] = value;
    std::vector<double> values;
    for (const auto& [other, x] : rung) values.push_back(x);
    const bool max = metric.direction == Direction::kMaximize;
    std::sort(values.begin(), values.end(),
              [&](double a, double b) { return max ? a > b : a < b; });
    const size_t keep = std::max<size_t>(1, values.size() / static_cast<size_t>(o.reduction));
    const double cut = values[keep - 1];
    const bool go = value == cut || (max ? value > cut : value < cut);
    *kind = go ? Kind::kContinue : Kind::kPrune;
    return std::string(go ? "kept" : "pruned") + " at rung " + std::to_string(k) + " (epoch " +
           std::to_string(epoch) + ")" + (bracket >= 0 ? " of bracket " + std::to_string(s) : "") +
           ": " + text(metric, value) + (go ? " is" : " is not") + " in the top " +
           std::to_string(keep) + " of the " + std::to_string(values.size()) +
           " trials recorded there (cut-off " + text(metric, cut) + ")";
  }
};

void asha_against_naive(PrunerKind kind, const Metric& metric, uint64_t seed) {
  PrunerOptions o;
  o.kind = kind, o.min_epochs = 1, o.reduction = 3, o.max_epochs = 27;
  auto pruner = make_pruner(o, metric, seed, 100000);
  NaiveAsha naive{o, metric, {}, {}};
  Rng rng(seed);
  std::map<int64_t, int> running;  // trial -> last epoch reported
  int64_t next = 0, judged = 0, pruned = 0;
  for (int step = 0; step < 30000; ++step) {
    if (running.size() < 40 || rng.below(8) == 0) running[next++] = 0;
    auto it = running.begin();
    std::advance(it, static_cast<long>(rng.below(running.size())));
    const int64_t id = it->first;
    const bool rerun = rng.below(50) == 0;  // runs again from epoch 1: replaces its own values
    const int epoch = rerun ? 1 : it->second + 1;
    const double value = draw_value(rng);
    const Verdict v = pruner->report(id, epoch, value);
    Kind want;
    const std::string why = naive.why(pruner->bracket(id), id, epoch, value, &want);
    INFO("step " << step << " trial " << id << " epoch " << epoch << " value " << value);
    REQUIRE(v.kind == want);
    REQUIRE(v.why == why);
    judged += !why.empty(), pruned += want == Kind::kPrune;
    if (v.kind == Kind::kPrune || epoch == o.max_epochs) {
      running.erase(it);
    } else {
      it->second = epoch;
    }
  }
  // The sequence exercised both outcomes many times.
  CHECK(judged > 3000);
  CHECK(pruned > 1000);
}

TEST_CASE("asha and hyperband decide as the naive sort of every value at the rung") {
  asha_against_naive(PrunerKind::kAsha, Metric{}, 1);
  asha_against_naive(PrunerKind::kAsha, Metric{"val_loss", Direction::kMinimize}, 2);
  asha_against_naive(PrunerKind::kHyperband, Metric{}, 3);
}

using test::completed;

// np.percentile's linear rule on a sorted copy.
double naive_percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = (static_cast<double>(v.size()) - 1) * q / 100.0;
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

TEST_CASE("percentile decides as the naive percentile of a sorted copy") {
  PrunerOptions o;
  o.kind = PrunerKind::kPercentile;
  o.percentile = 30;
  o.startup_trials = 3;
  o.min_trials = 2;
  auto pruner = make_pruner(o, Metric{}, 0, 100000);
  Rng rng(11);
  std::map<int, std::vector<double>> at;  // epoch -> completed values
  int decided = 0, pruned = 0;
  for (int64_t id = 0; id < 3000; ++id) {
    std::vector<double> curve;
    double best = -INFINITY;
    const int epochs = 1 + static_cast<int>(rng.below(8));
    for (int e = 1; e <= epochs; ++e) {
      const double value = draw_value(rng);
      curve.push_back(value);
      const Verdict v = pruner->report(id, e, value);
      if (std::isnan(value)) continue;
      best = std::max(best, value);
      const auto it = at.find(e);
      if (id < o.startup_trials || it == at.end() || it->second.size() < 2) continue;
      const double p = naive_percentile(it->second, 100 - o.percentile);
      INFO("trial " << id << " epoch " << e);
      REQUIRE(v.kind == (best < p ? Kind::kPrune : Kind::kContinue));
      REQUIRE(v.why.find(text(Metric{}, p) + " of " + std::to_string(it->second.size())) !=
              std::string::npos);
      ++decided, pruned += best < p;
    }
    pruner->ended(completed(id, curve));
    for (size_t e = 0; e < curve.size(); ++e)
      if (!std::isnan(curve[e])) at[static_cast<int>(e) + 1].push_back(curve[e]);
  }
  CHECK(decided > 5000);
  CHECK(pruned > 1000);
}

}  // namespace
}  // namespace hs
