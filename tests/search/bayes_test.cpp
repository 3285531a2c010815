// Tests of src/search/bayes.h's bounded model and rounded proposals: model_subset, the caps on
// completed and pending points, scoring at the projected point, and the points taken.
#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "core/rng.h"
#include "search/bayes.h"
#include "search/gp.h"
#include "search/problems.h"

namespace {

// Rounds a coordinate of [0,1] to the centre of its cell of `levels` (as decode/encode do for
// an int of `levels` values).
double to_level(double x, int levels) {
  const int k = std::min(levels - 1, static_cast<int>(std::clamp(x, 0.0, 1.0) * levels));
  return (k + 0.5) / levels;
}

// Hartmann-6 values at n seeded uniform points.
void hartmann_data(int n, uint64_t seed, Eigen::MatrixXd* X, Eigen::VectorXd* y) {
  const auto p = hs::problems::hartmann6_problem();
  hs::Rng rng(seed);
  X->resize(n, 6);
  y->resize(n);
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < 6; ++k) (*X)(i, k) = rng.uniform();
    (*y)(i) = hs::problems::eval_unit(p, X->row(i).transpose());
  }
}

}  // namespace

TEST_CASE("model_subset keeps every point up to the cap, then the best half and the latest",
          "[bayes]") {
  hs::Rng rng(7);
  Eigen::VectorXd y(1000);
  for (int i = 0; i < 1000; ++i) y(i) = rng.normal();
  std::vector<int> all = hs::model_subset(y.head(100), 128);
  REQUIRE(all.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(all[i] == i);

  const std::vector<int> s = hs::model_subset(y, 128);
  REQUIRE(s.size() == 128);
  CHECK(std::is_sorted(s.begin(), s.end()));
  CHECK(s == hs::model_subset(y, 128));
  // The 64 smallest values are in; of the rest, the 64 latest rows.
  std::vector<int> order(1000);
  for (int i = 0; i < 1000; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return y(a) < y(b); });
  const std::set<int> in(s.begin(), s.end());
  for (int i = 0; i < 64; ++i) CHECK(in.count(order[i]) == 1);
  const std::set<int> best(order.begin(), order.begin() + 64);
  int latest = 0;
  for (int i = 999; i >= 0 && latest < 64; --i)
    if (!best.count(i)) {
      CHECK(in.count(i) == 1);
      ++latest;
    }
}

TEST_CASE("a history above the cap is modelled on model_subset's rows alone", "[bayes]") {
  // The proposal from 300 completed points and 100 pending under the caps equals the one from
  // the subset and the last pending rows handed over directly: the rest never reach the model.
  Eigen::MatrixXd X, P;
  Eigen::VectorXd y, unused;
  hartmann_data(300, 1, &X, &y);
  hartmann_data(100, 2, &P, &unused);
  hs::BayesOptions opt;
  opt.max_model_points = 40;
  opt.max_pending_points = 8;
  opt.random_candidates = opt.capped_random_candidates = 300;
  opt.local_candidates = opt.capped_local_candidates = 100;
  hs::GpHyper w1, w2;
  const Eigen::VectorXd a = hs::bayes_propose(X, y, P, 9, opt, &w1);
  const std::vector<int> keep = hs::model_subset(y, 40);
  const Eigen::MatrixXd Xs = X(keep, Eigen::all);
  const Eigen::VectorXd ys = y(keep);
  const Eigen::VectorXd b = hs::bayes_propose(Xs, ys, P.bottomRows(8), 9, opt, &w2);
  CHECK(a == b);
  CHECK(w1.pack() == w2.pack());
  hs::GpHyper w3;
  CHECK(hs::bayes_propose(X, y, P, 9, opt, &w3) == a);  // same seed, same point
  // Without the caps the model differs, and so (with these seeds) does the point.
  hs::BayesOptions full = opt;
  full.max_model_points = 1000;
  full.max_pending_points = 1000;
  hs::GpHyper w4;
  CHECK(hs::bayes_propose(X, y, P, 9, full, &w4) != a);
}

TEST_CASE("candidates are scored where their trial runs, and taken points are skipped", "[bayes]") {
  // One int-like coordinate of 4 levels (centres 1/8, 3/8, 5/8, 7/8). Observed: 1/8 -> 1,
  // 3/8 -> 0 (the best), 7/8 -> 1. Scored at the rounded point, the proposal is the level of
  // largest EI under the model it fitted (a relaxed optimum between levels would not be); with
  // the observed levels taken, it is the only one left, 5/8.
  Eigen::MatrixXd X(3, 1);
  X << 0.125, 0.375, 0.875;
  Eigen::VectorXd y(3);
  y << 1.0, 0.0, 1.0;
  hs::ProposalSpace ps;
  ps.project = [](const Eigen::VectorXd& v) {
    Eigen::VectorXd r = v;
    r(0) = to_level(v(0), 4);
    return r;
  };
  ps.discrete = {true};
  Eigen::MatrixXd levels(4, 1);
  levels << 0.125, 0.375, 0.625, 0.875;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    hs::GpHyper h;
    const Eigen::VectorXd x = hs::bayes_propose(X, y, Eigen::MatrixXd(0, 1), seed, {}, &h, &ps);
    hs::Gp gp;
    gp.fit(X, y, h);
    Eigen::VectorXd mean, var;
    gp.predict(levels, &mean, &var);
    double best_ei = 0.0, ei_x = -1.0;
    for (int i = 0; i < 4; ++i) {
      const double ei = hs::expected_improvement(mean(i), std::sqrt(var(i)), 0.0);
      best_ei = std::max(best_ei, ei);
      if (levels(i, 0) == x(0)) ei_x = ei;
    }
    INFO("seed " << seed << ": proposal " << x(0) << ", its EI " << ei_x << ", best " << best_ei);
    CHECK(ei_x >= best_ei * (1.0 - 1e-9));

    ps.taken = [&](const Eigen::VectorXd& v) { return v(0) != 0.625; };
    CHECK(hs::bayes_propose(X, y, Eigen::MatrixXd(0, 1), seed, {}, &h, &ps)(0) == 0.625);
    ps.taken = nullptr;
  }
}

TEST_CASE("a taken point is skipped for the next best, and every point comes back projected",
          "[bayes]") {
  // Two coordinates: a real one and a 3-level one. Each proposal is marked taken and pending in
  // turn; 12 proposals must all differ and sit on the levels.
  const auto p = hs::problems::branin_problem();
  Eigen::MatrixXd X = hs::latin_hypercube(8, 2, 4);
  for (int i = 0; i < 8; ++i) X(i, 1) = to_level(X(i, 1), 3);
  Eigen::VectorXd y(8);
  for (int i = 0; i < 8; ++i) y(i) = hs::problems::eval_unit(p, X.row(i).transpose());
  std::set<std::vector<double>> taken;
  for (int i = 0; i < 8; ++i) taken.insert({X(i, 0), X(i, 1)});
  hs::ProposalSpace ps;
  ps.project = [](const Eigen::VectorXd& v) {
    Eigen::VectorXd r = v.cwiseMax(0.0).cwiseMin(1.0);
    r(1) = to_level(v(1), 3);
    return r;
  };
  ps.discrete = {false, true};
  ps.taken = [&](const Eigen::VectorXd& v) { return taken.count({v(0), v(1)}) > 0; };
  Eigen::MatrixXd pending(0, 2);
  for (int t = 0; t < 12; ++t) {
    hs::GpHyper h;
    const Eigen::VectorXd x = hs::bayes_propose(X, y, pending, 3, {}, &h, &ps);
    INFO("proposal " << t << ": " << x.transpose());
    CHECK(x(1) == to_level(x(1), 3));
    CHECK(taken.insert({x(0), x(1)}).second);
    pending.conservativeResize(t + 1, Eigen::NoChange);
    pending.row(t) = x.transpose();
  }
}
