// TpeHistory (search/tpe_history.h): the whole history below the caps, a bounded seeded sample
// past them; and tpe's repeats (tpe.h): no point asked twice while the space has points left.
#include "search/tpe_history.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <set>
#include <vector>

#include "core/rng.h"

using namespace hs;

namespace {

using Point = std::vector<double>;

Point random_point(Rng& rng, size_t D) {
  Point p(D);
  for (double& v : p) v = rng.uniform();
  return p;
}

// A history of n trials in 3 real dimensions: trial i told (value from rng, every 20th a
// failure) unless it is among the newest `pending`, told in a shuffled order.
TpeHistory make_history(int64_t n, int64_t pending, const TpeOptions& opt, uint64_t seed) {
  TpeHistory h(std::vector<TpeDim>(3), opt);
  Rng rng(seed);
  for (int64_t id = 0; id < n; ++id) h.asked(id, random_point(rng, 3));
  std::vector<int64_t> order(static_cast<size_t>(n - pending));
  std::iota(order.begin(), order.end(), int64_t{0});
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  for (int64_t id : order) h.told(id, rng.uniform(), id % 20 != 7);
  return h;
}

}  // namespace

TEST_CASE("below the caps the history proposes what tpe_propose does on all of it", "[tpe]") {
  TpeOptions opt;
  TpeHistory h(std::vector<TpeDim>(2), opt);
  std::vector<Point> X, pending;
  std::vector<double> y;
  Rng rng(3);
  std::vector<Point> points;
  for (int64_t id = 0; id < 60; ++id) {
    points.push_back(random_point(rng, 2));
    h.asked(id, points.back());
  }
  // Told out of order; trials 50..59 stay pending; trial 13 failed (the worst completed value).
  for (int64_t id = 49; id >= 0; --id) h.told(id, id == 13 ? 0.0 : std::sin(double(id)), id != 13);
  double worst = -INFINITY;
  for (int64_t id = 0; id < 50; ++id)
    if (id != 13) worst = std::max(worst, std::sin(double(id)));
  for (int64_t id = 0; id < 50; ++id)
    X.push_back(points[size_t(id)]), y.push_back(id == 13 ? worst : std::sin(double(id)));
  for (int64_t id = 50; id < 60; ++id) pending.push_back(points[size_t(id)]);
  REQUIRE_FALSE(h.sampled());
  for (uint64_t seed = 0; seed < 5; ++seed)
    CHECK(h.propose(seed, {}) == tpe_propose(std::vector<TpeDim>(2), X, y, pending, seed, opt));
}

TEST_CASE("past the caps the sample is bounded, weighted like the whole and seeded", "[tpe]") {
  TpeOptions opt;
  const int64_t n = 20000, m = 3000;
  const TpeHistory h = make_history(n, m, opt, 5);
  REQUIRE(h.sampled());
  const TpeSample a = h.sample(1), b = h.sample(1), c = h.sample(2);
  CHECK(a.good.size() == size_t(opt.gamma_max));
  CHECK(a.bad.size() <= size_t(opt.max_bad + opt.max_pending));
  CHECK(a.bad.size() >= size_t(opt.max_bad + opt.max_pending - 2));
  CHECK(a.bad.size() == a.bad_weight.size());
  CHECK(a.known == uint64_t(n));
  CHECK((a.good == b.good && a.bad == b.bad && a.bad_weight == b.bad_weight));
  CHECK(a.good == c.good);  // the good group is not sampled
  CHECK(a.bad != c.bad);    // the bad one is, by the seed
  // The sample's weights add up to what Optuna's ramp gives the whole bad group (the told
  // trials but the good ones, then the pending at pending_weight), within the gamma_max good
  // ones.
  const int64_t bad = n - opt.gamma_max;
  const double total = std::accumulate(a.bad_weight.begin(), a.bad_weight.end(), 0.0);
  // TpeRamp, checked against Optuna's values in tpe_test.
  const TpeRamp whole{n, true}, bad_group{bad, true};
  const double want = bad_group.sum(0, bad) - (1.0 - opt.pending_weight) * whole.sum(n - m, n);
  CHECK(std::abs(total - want) < 0.01 * whole.sum(0, n));
  // A proposal from it is a point of the space, the same for the same seed.
  const Point p = h.propose(9, {});
  REQUIRE(p.size() == 3u);
  for (double v : p) CHECK((v >= 0 && v <= 1));
  CHECK(p == h.propose(9, {}));
}

TEST_CASE("the good group of the sample is the best observations, failures never", "[tpe]") {
  TpeOptions opt;
  opt.max_bad = 32, opt.max_pending = 4;
  TpeHistory h(std::vector<TpeDim>(1), opt);
  for (int64_t id = 0; id < 400; ++id) h.asked(id, {double(id) / 400});
  for (int64_t id = 0; id < 390; ++id) h.told(id, double((id * 37) % 400), id % 3 != 0);
  REQUIRE(h.sampled());
  const TpeSample s = h.sample(0);
  // The 25 best: the smallest (id * 37) % 400 among ids not divisible by 3, in trial order.
  std::vector<std::pair<double, int64_t>> ok;
  for (int64_t id = 0; id < 390; ++id)
    if (id % 3 != 0) ok.push_back({double((id * 37) % 400), id});
  std::sort(ok.begin(), ok.end());
  std::vector<Point> want;
  std::vector<int64_t> ids;
  for (size_t i = 0; i < 25; ++i) ids.push_back(ok[i].second);
  std::sort(ids.begin(), ids.end());
  for (int64_t id : ids) want.push_back({double(id) / 400});
  CHECK(s.good == want);
  CHECK(s.bad.size() <= 36u);
  // The newest max_pending pending points (of 390-399), oldest first: the good group takes
  // them too (as many as it has observations: here all four).
  const std::vector<Point> newest = {{396.0 / 400}, {397.0 / 400}, {398.0 / 400}, {399.0 / 400}};
  REQUIRE(s.pending == newest.size());
  CHECK(std::vector<Point>(s.bad.end() - 4, s.bad.end()) == newest);
}

TEST_CASE("no proposal repeats an asked point, told or pending, until the space is spent",
          "[tpe]") {
  // 3 choices x 4 integer levels: 12 points. Asks while 3 trials are pending, each tell after
  // the next ask; the model phase starts after 4 tells (n_startup 4).
  const std::vector<TpeDim> dims = {{3, 0}, {0, 4}};
  for (const bool multivariate : {true, false}) {
    for (uint64_t seed = 0; seed < 10; ++seed) {
      TpeOptions opt;
      opt.multivariate = multivariate, opt.n_startup = 4;
      std::vector<Point> X, pending;
      std::vector<double> y;
      std::set<Point> asked;
      for (int i = 0; i < 12; ++i) {
        const Point p =
            tpe_propose(dims, X, y, pending, derive_seed(seed, i, SeedPurpose::kSearch), opt);
        INFO("multivariate " << multivariate << " seed " << seed << " ask " << i);
        CHECK(asked.insert(p).second);
        pending.push_back(p);
        if (pending.size() > 3) {  // the oldest is told: the best near choice 1, level 2/3
          const Point q = pending.front();
          pending.erase(pending.begin());
          X.push_back(q), y.push_back(std::abs(q[0] - 1) + std::abs(q[1] - 2.0 / 3));
        }
      }
      CHECK(asked.size() == 12u);
      // Every point asked: the next proposal has to repeat one, and is still a point of the space.
      const Point p = tpe_propose(dims, X, y, pending, seed, opt);
      CHECK(asked.count(p) == 1u);
    }
  }
}
