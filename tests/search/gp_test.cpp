// Tests of src/search/gp.h, bayes.h and problems.h: the GP posterior, the marginal likelihood
// and its gradient, Expected Improvement, proposals with pending points, and GP + EI against
// random search on Branin.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Eigenvalues>
#include <Eigen/LU>
#include <catch2/catch.hpp>

#include "core/rng.h"
#include "search/bayes.h"
#include "search/gp.h"
#include "search/problems.h"

namespace {

using hs::GpHyper;

Eigen::MatrixXd uniform_points(int n, int d, uint64_t seed) {
  hs::Rng rng(seed);
  Eigen::MatrixXd X(n, d);
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) X(i, k) = rng.uniform();
  return X;
}

// A smooth test function on the cube, for the regression tests.
Eigen::VectorXd smooth_values(const Eigen::MatrixXd& X) {
  Eigen::VectorXd y(X.rows());
  for (int i = 0; i < X.rows(); ++i)
    y(i) = std::sin(3.0 * X(i, 0)) + 0.5 * std::cos(2.0 * X(i, 1)) + X(i, 0) * X(i, 1);
  return y;
}

GpHyper hyper(std::vector<double> log_l, double log_s2, double log_sn2) {
  GpHyper h;
  h.log_lengthscale = Eigen::Map<Eigen::VectorXd>(log_l.data(), log_l.size());
  h.log_signal_var = log_s2;
  h.log_noise_var = log_sn2;
  return h;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// E[max(best - Y, 0)] for Y ~ N(mu, sigma^2) by the trapezoid rule over +-12 sigma: an
// oracle for EI's closed form that shares none of its algebra.
double ei_by_quadrature(double mu, double sigma, double best) {
  const int steps = 200000;
  const double lo = mu - 12.0 * sigma, hi = mu + 12.0 * sigma, h = (hi - lo) / steps;
  double sum = 0.0;
  for (int i = 0; i <= steps; ++i) {
    const double v = lo + i * h;
    const double w = (i == 0 || i == steps) ? 0.5 : 1.0;
    const double pdf = std::exp(-0.5 * ((v - mu) / sigma) * ((v - mu) / sigma)) /
                       (sigma * std::sqrt(2.0 * std::numbers::pi));
    sum += w * std::max(best - v, 0.0) * pdf;
  }
  return sum * h;
}

// The data the proposal tests model: Branin at 10 Latin-hypercube points and Hartmann-6 at 30,
// seeds 1 to 3; fn(problem name, X, y, seed) for each.
template <class F>
void for_each_design(F fn) {
  struct Case {
    hs::problems::TestProblem p;
    int n;
  };
  for (const Case& c : {Case{hs::problems::branin_problem(), 10},
                        Case{hs::problems::hartmann6_problem(), 30}})
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      const Eigen::MatrixXd X = hs::latin_hypercube(c.n, c.p.dim, seed);
      Eigen::VectorXd y(c.n);
      for (int i = 0; i < c.n; ++i) y(i) = hs::problems::eval_unit(c.p, X.row(i).transpose());
      fn(c.p.name, X, y, seed);
    }
}

// The largest EI below `best` on gp over the rows of Q.
double max_ei(const hs::Gp& gp, const Eigen::MatrixXd& Q, double best) {
  Eigen::VectorXd mean, var;
  gp.predict(Q, &mean, &var);
  double top = 0.0;
  for (int i = 0; i < Q.rows(); ++i)
    top = std::max(top, hs::expected_improvement(mean(i), std::sqrt(var(i)), best));
  return top;
}

}  // namespace

TEST_CASE("test problems attain their optimum at their minimiser", "[gp][problems]") {
  using namespace hs::problems;
  const TestProblem b = branin_problem();
  CHECK(b.f(b.minimiser) == Approx(b.optimum).epsilon(1e-6));
  // All three Branin minimisers, and a point that is not one.
  CHECK(branin(Eigen::Vector2d(-std::numbers::pi, 12.275)) == Approx(0.397887).epsilon(1e-5));
  CHECK(branin(Eigen::Vector2d(9.42478, 2.475)) == Approx(0.397887).epsilon(1e-5));
  CHECK(branin(Eigen::Vector2d(0.0, 0.0)) > 10.0);
  const TestProblem h = hartmann6_problem();
  CHECK(h.f(h.minimiser) == Approx(-3.32237).epsilon(1e-5));
  CHECK(h.f(Eigen::VectorXd::Constant(6, 0.5)) > -3.0);
  // The unit-cube map and its inverse; the cube's corners are the domain's corners.
  const Eigen::VectorXd u = to_unit(b, b.minimiser);
  CHECK((from_unit(b, u) - b.minimiser).norm() < 1e-12);
  CHECK((from_unit(b, Eigen::Vector2d(0, 0)) - b.lower).norm() == 0.0);
  CHECK((from_unit(b, Eigen::Vector2d(1, 1)) - b.upper).norm() == 0.0);
  CHECK(eval_unit(b, u) == Approx(b.optimum).epsilon(1e-6));
}

TEST_CASE("Matérn 5/2 kernel: closed form, symmetry, positive semi-definite", "[gp]") {
  const GpHyper h = hyper({std::log(0.3), std::log(2.0)}, std::log(1.7), std::log(1e-4));
  const Eigen::MatrixXd X = uniform_points(30, 2, 1);
  Eigen::MatrixXd K;
  hs::matern52_kernel(X, X, h, &K);
  // Not bit-symmetric: Eigen's vectorised exp and std::exp (for the tail of a column) differ
  // in the last bit. Only the lower triangle reaches the Cholesky.
  CHECK((K - K.transpose()).cwiseAbs().maxCoeff() < 1e-15);
  CHECK((K.diagonal().array() - 1.7).abs().maxCoeff() < 1e-12);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(K);
  CHECK(eig.eigenvalues().minCoeff() > -1e-10);
  // One entry by hand: r = sqrt((dx/0.3)^2 + (dy/2)^2).
  const double dx = X(3, 0) - X(7, 0), dy = X(3, 1) - X(7, 1);
  const double r = std::sqrt(dx * dx / 0.09 + dy * dy / 4.0);
  const double k =
      1.7 * (1.0 + std::sqrt(5.0) * r + 5.0 / 3.0 * r * r) * std::exp(-std::sqrt(5.0) * r);
  CHECK(K(3, 7) == Approx(k).epsilon(1e-13));
}

TEST_CASE("GP posterior interpolates noise-free data, variance shrinks near data", "[gp]") {
  // Data only in [0, 0.5]^2, so the corner (1, 1) is far from it.
  const Eigen::MatrixXd X = 0.5 * uniform_points(20, 2, 2).array();
  // Large offset and scale: predictions must come back in these units.
  const Eigen::VectorXd y = (1000.0 + 50.0 * smooth_values(X).array()).matrix();
  const GpHyper h = hyper({std::log(0.3), std::log(0.3)}, 0.0, std::log(hs::kGpMinNoiseVar));
  hs::Gp gp;
  gp.fit(X, y, h);
  const double sd = gp.scale().sd;
  CHECK(gp.scale().mean == Approx(y.mean()));

  Eigen::VectorXd mean, var;
  gp.predict(X, &mean, &var);
  INFO("largest residual " << (mean - y).cwiseAbs().maxCoeff() / sd << " sd");
  CHECK((mean - y).cwiseAbs().maxCoeff() < 1e-4 * sd);
  CHECK(var.maxCoeff() < 1e-5 * sd * sd);
  // Variance grows with the distance from a training point, towards the prior s2 sd^2.
  Eigen::MatrixXd Q(4, 2);
  const Eigen::RowVector2d x0 = X.row(0);
  Q << x0 + Eigen::RowVector2d(0.003, 0.0), x0 + Eigen::RowVector2d(0.03, 0.0),
      x0 + Eigen::RowVector2d(0.1, 0.0), Eigen::RowVector2d(1.0, 1.0);
  gp.predict(Q, &mean, &var);
  CHECK(var(0) > 0.0);
  CHECK(var(0) < var(1));
  CHECK(var(1) < var(2));
  CHECK(var(2) < var(3));
  CHECK(var(3) > 0.5 * sd * sd);
  CHECK(var(3) <= sd * sd * (1.0 + 1e-12));
  // Far outside the data (the model works off the cube too) the prior returns: the data's mean
  // and the signal variance, in the caller's units.
  gp.predict(Eigen::RowVector2d(20.0, 20.0), &mean, &var);
  CHECK(mean(0) == Approx(y.mean()).epsilon(1e-12));
  CHECK(var(0) == Approx(sd * sd).epsilon(1e-12));
}

TEST_CASE("GP one-point prediction and its x-gradient match the batch path and differences",
          "[gp]") {
  const Eigen::MatrixXd X = uniform_points(25, 3, 3);
  Eigen::VectorXd y(25);
  for (int i = 0; i < 25; ++i) y(i) = std::sin(4 * X(i, 0)) * X(i, 1) + X(i, 2);
  const GpHyper h = hyper({-1.0, -0.5, 0.3}, 0.4, std::log(1e-3));
  hs::Gp gp;
  gp.fit(X, y, h);
  hs::Rng rng(33);
  for (int t = 0; t < 5; ++t) {
    Eigen::VectorXd x(3);
    for (int k = 0; k < 3; ++k) x(k) = rng.uniform();
    double m = 0, v = 0;
    Eigen::VectorXd dm, dv;
    gp.predict_std_grad(x, &m, &v, &dm, &dv);
    Eigen::VectorXd bm, bv;
    gp.predict(x.transpose(), &bm, &bv);
    const double sd = gp.scale().sd;
    CHECK(m * sd + gp.scale().mean == Approx(bm(0)).epsilon(1e-10));
    CHECK(v * sd * sd == Approx(bv(0)).epsilon(1e-8));
    for (int k = 0; k < 3; ++k) {
      const double eps = 1e-6;
      Eigen::VectorXd xp = x, xm = x;
      xp(k) += eps;
      xm(k) -= eps;
      double mp, mm, vp, vm;
      gp.predict_std_grad(xp, &mp, &vp, nullptr, nullptr);
      gp.predict_std_grad(xm, &mm, &vm, nullptr, nullptr);
      CHECK(dm(k) == Approx((mp - mm) / (2 * eps)).epsilon(1e-6).margin(1e-8));
      CHECK(dv(k) == Approx((vp - vm) / (2 * eps)).epsilon(1e-6).margin(1e-8));
    }
  }
}

TEST_CASE("log marginal likelihood: value by a second method, gradient by differences", "[gp]") {
  const int n = 30, d = 3;
  const Eigen::MatrixXd X = uniform_points(n, d, 4);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) y(i) = std::sin(5 * X(i, 0)) + X(i, 1) * X(i, 2);
  y = ((y.array() - y.mean()) / std::sqrt((y.array() - y.mean()).square().mean())).matrix();

  hs::Rng rng(44);
  hs::GpFitOptions prior;  // default priors, for the log-posterior check
  for (int t = 0; t < 6; ++t) {
    // Random hyperparameters across the fit's range: short and long scales, small and large noise.
    GpHyper h;
    h.log_lengthscale.resize(d);
    for (int k = 0; k < d; ++k) h.log_lengthscale(k) = rng.uniform(std::log(0.05), std::log(5.0));
    h.log_signal_var = rng.uniform(-1.5, 1.5);
    h.log_noise_var = rng.uniform(std::log(1e-4), std::log(0.3));

    // Value: through an LU factorisation instead of the Cholesky.
    Eigen::MatrixXd K;
    hs::matern52_kernel(X, X, h, &K);
    K.diagonal().array() += std::exp(h.log_noise_var);
    const Eigen::PartialPivLU<Eigen::MatrixXd> lu(K);
    const double expect = -0.5 * y.dot(lu.solve(y)) - 0.5 * std::log(lu.determinant()) -
                          0.5 * n * std::log(2 * std::numbers::pi);
    Eigen::VectorXd g;
    const double lml = hs::gp_log_marginal_likelihood(X, y, h, &g);
    CHECK(lml == Approx(expect).epsilon(1e-9));
    REQUIRE(g.size() == d + 2);

    Eigen::VectorXd gp;
    hs::gp_log_posterior(X, y, h, prior, &gp);
    const Eigen::VectorXd theta = h.pack();
    for (int k = 0; k < d + 2; ++k) {
      const double eps = 1e-5;
      Eigen::VectorXd tp = theta, tm = theta;
      tp(k) += eps;
      tm(k) -= eps;
      const double fd = (hs::gp_log_marginal_likelihood(X, y, GpHyper::unpack(tp), nullptr) -
                         hs::gp_log_marginal_likelihood(X, y, GpHyper::unpack(tm), nullptr)) /
                        (2 * eps);
      CHECK(g(k) == Approx(fd).epsilon(1e-6).margin(1e-7));
      const double fdp = (hs::gp_log_posterior(X, y, GpHyper::unpack(tp), prior, nullptr) -
                          hs::gp_log_posterior(X, y, GpHyper::unpack(tm), prior, nullptr)) /
                         (2 * eps);
      CHECK(gp(k) == Approx(fdp).epsilon(1e-6).margin(1e-7));
    }
  }
}

TEST_CASE("hyperparameter fit: beats its starts, finds the irrelevant dimension, repeats",
          "[gp]") {
  // y depends on x0 only: ARD should give x1 a much longer length scale.
  const Eigen::MatrixXd X = uniform_points(40, 2, 5);
  Eigen::VectorXd y(40);
  for (int i = 0; i < 40; ++i) y(i) = std::sin(6.0 * X(i, 0));
  const hs::GpFitOptions opt;
  const GpHyper h = hs::gp_fit_hyper(X, y, 9, opt, nullptr);
  REQUIRE(h.dim() == 2);
  CHECK(h.log_lengthscale(1) > h.log_lengthscale(0) + std::log(3.0));

  const hs::YScale sc = hs::standardisation(y);
  const Eigen::VectorXd ys = ((y.array() - sc.mean) / sc.sd).matrix();
  const double fitted = hs::gp_log_posterior(X, ys, h, opt, nullptr);
  CHECK(fitted > hs::gp_log_posterior(X, ys, hs::gp_default_hyper(2), opt, nullptr) + 1.0);
  // A poor warm start is improved on, not returned.
  const GpHyper bad = hyper({std::log(0.02), std::log(0.02)}, 0.0, std::log(0.5));
  const GpHyper h2 = hs::gp_fit_hyper(X, y, 9, opt, &bad);
  CHECK(hs::gp_log_posterior(X, ys, h2, opt, nullptr) >=
        hs::gp_log_posterior(X, ys, bad, opt, nullptr) + 1.0);
  // Same inputs and seed: the same numbers, bit for bit.
  const GpHyper h3 = hs::gp_fit_hyper(X, y, 9, opt, nullptr);
  CHECK(h3.pack() == h.pack());
  // The bounds hold.
  CHECK(h.log_noise_var >= std::log(hs::kGpMinNoiseVar) - 1e-12);
  CHECK((h.log_lengthscale.array() <= std::log(opt.max_lengthscale) + 1e-12).all());
}

TEST_CASE("standardisation scales values of any magnitude and leaves a constant alone", "[gp]") {
  Eigen::VectorXd u(4);
  u << 0.0, 1.0, 2.0, 3.0;  // mean 1.5, sd sqrt(1.25)
  for (const double scale : {1e-13, 1.0, 1e300}) {
    INFO(scale);
    const hs::YScale s = hs::standardisation(u * scale);
    CHECK(s.mean == Approx(1.5 * scale));
    CHECK(s.sd == Approx(std::sqrt(1.25) * scale));  // 1e-13: was 1 (read as constant)
  }
  // A constant, and one with rounding noise of its size, have nothing to scale.
  Eigen::VectorXd c = Eigen::VectorXd::Constant(4, 0.1);
  CHECK(hs::standardisation(c).sd == 1.0);
  c(1) = std::nextafter(0.1, 1.0);
  CHECK(hs::standardisation(c).sd == 1.0);
}

TEST_CASE("Expected Improvement: closed form, zero where certain and no better", "[gp][ei]") {
  // Exact zero where sigma == 0 and mu >= best; the plain improvement where mu < best.
  CHECK(hs::expected_improvement(1.0, 0.0, 0.5) == 0.0);
  CHECK(hs::expected_improvement(0.5, 0.0, 0.5) == 0.0);
  CHECK(hs::expected_improvement(0.2, 0.0, 0.5) == Approx(0.3));
  CHECK(hs::log_expected_improvement(1.0, 0.0, 0.5) == -INFINITY);
  // Any uncertainty gives a positive EI, even with mu above best.
  CHECK(hs::expected_improvement(1.0, 0.3, 0.5) > 0.0);
  // Known values: EI(0, 1, 0) = phi(0); EI(1, 2, 0) = -Phi(-0.5) + 2 phi(0.5).
  CHECK(hs::expected_improvement(0.0, 1.0, 0.0) == Approx(0.3989422804014327).epsilon(1e-14));
  CHECK(hs::expected_improvement(1.0, 2.0, 0.0) ==
        Approx(-0.3085375387259869 + 2 * 0.3520653267642995).epsilon(1e-14));
  // Against numerical integration of E[max(best - Y, 0)] at assorted points.
  const double pts[][3] = {{0.0, 1.0, 0.0}, {1.3, 0.4, 0.2}, {-2.0, 0.1, -1.5}, {3.0, 2.5, 0.0},
                           {0.5, 0.05, 0.4}};
  for (const auto& p : pts) {
    const double ei = hs::expected_improvement(p[0], p[1], p[2]);
    CHECK(ei == Approx(ei_by_quadrature(p[0], p[1], p[2])).epsilon(1e-7).margin(1e-14));
    CHECK(hs::log_expected_improvement(p[0], p[1], p[2]) == Approx(std::log(ei)).epsilon(1e-12));
  }
}

TEST_CASE("log EI: accurate deep in the tail, gradient by differences", "[gp][ei]") {
  // Oracle in long double: h(z) = z Phi(z) + phi(z) loses log10(z^2) digits to cancellation,
  // which long double can afford (to ~1e-15) at these z.
  for (double z : {-3.0, -10.0, -25.0, -29.99, -30.01, -33.0, -37.0}) {
    const long double zl = z;
    const long double two_pi = 2.0L * std::numbers::pi_v<long double>;
    const long double h = zl * 0.5L * std::erfc(-zl / std::sqrt(2.0L)) +
                          std::exp(-0.5L * zl * zl) / std::sqrt(two_pi);
    const double expect = static_cast<double>(std::log(h) + std::log(2.0L));  // sigma = 2
    // Absolute in log EI, so relative in EI: the direct formula above z = -30 loses digits to
    // the cancellation, the asymptotic series below it should not.
    INFO("z " << z);
    CHECK(std::abs(hs::log_expected_improvement(-2.0 * z, 2.0, 0.0) - expect) <
          (z > -30.0 ? 1e-9 : 1e-12));
  }
  // Far beyond double's range for EI itself, log EI stays finite and decreasing.
  const double a = hs::log_expected_improvement(100.0, 1.0, 0.0);
  const double b = hs::log_expected_improvement(1000.0, 1.0, 0.0);
  CHECK(std::isfinite(b));
  CHECK(b < a);
  // log phi(z) - 2 log|z| + log(1 - 3/z^2 + ...) at z = -100.
  const double expect_a =
      -0.5 * 100.0 * 100.0 - 0.5 * std::log(2 * std::numbers::pi) - 2 * std::log(100.0);
  CHECK(std::abs(a - expect_a - std::log(1.0 - 3e-4 + 15e-8)) < 1e-9);
  // Gradient w.r.t. mu and sigma, on both sides of the asymptotic switch at z = -30.
  const std::vector<std::array<double, 3>> points = {
      {0.3, 0.7, 0.1}, {-1.0, 0.5, 0.0}, {5.0, 0.4, 0.0}, {14.0, 0.5, 0.0}, {31.0, 1.0, 0.0}};
  for (const auto& p : points) {
    double dmu = 0, dsig = 0;
    hs::log_expected_improvement(p[0], p[1], p[2], &dmu, &dsig);
    const double e = 1e-6;
    const double fmu = (hs::log_expected_improvement(p[0] + e, p[1], p[2]) -
                        hs::log_expected_improvement(p[0] - e, p[1], p[2])) / (2 * e);
    const double fsig = (hs::log_expected_improvement(p[0], p[1] + e, p[2]) -
                         hs::log_expected_improvement(p[0], p[1] - e, p[2])) / (2 * e);
    CHECK(dmu == Approx(fmu).epsilon(1e-6));
    CHECK(dsig == Approx(fsig).epsilon(1e-6));
  }
}

TEST_CASE("EI from a fitted GP: ~0 at observed points no better than best, positive elsewhere",
          "[gp][ei]") {
  // Data in [0, 0.5]^2 only, so the model is unsure about the rest of the square.
  const Eigen::MatrixXd X = 0.5 * uniform_points(15, 2, 6).array();
  const Eigen::VectorXd y = smooth_values(X);
  hs::Gp gp;
  gp.fit(X, y, hyper({std::log(0.3), std::log(0.3)}, 0.0, std::log(hs::kGpMinNoiseVar)));
  const double best = y.minCoeff();
  Eigen::VectorXd mean, var;
  gp.predict(X, &mean, &var);
  const double sd = gp.scale().sd;
  int n_checked = 0;
  for (int i = 0; i < X.rows(); ++i) {
    if (y(i) == best) continue;
    ++n_checked;
    const double ei = hs::expected_improvement(mean(i), std::sqrt(var(i)), best);
    CHECK(ei < 1e-8 * sd);
  }
  CHECK(n_checked == X.rows() - 1);
  Eigen::MatrixXd Q(3, 2);
  Q << 1.0, 1.0, 0.95, 0.2, 0.2, 0.95;
  gp.predict(Q, &mean, &var);
  for (int i = 0; i < 3; ++i)
    CHECK(hs::expected_improvement(mean(i), std::sqrt(var(i)), best) > 1e-3 * sd);
  // Away from the data EI is positive everywhere, if too small for a double: log EI is finite.
  Eigen::MatrixXd G(21 * 21, 2);
  for (int i = 0; i < 21; ++i)
    for (int j = 0; j < 21; ++j) G.row(21 * i + j) << 0.05 * i, 0.05 * j;
  gp.predict(G, &mean, &var);
  for (int i = 0; i < G.rows(); ++i) {
    const double dist = (X.rowwise() - G.row(i)).rowwise().norm().minCoeff();
    if (dist > 0.02)
      CHECK(std::isfinite(hs::log_expected_improvement(mean(i), std::sqrt(var(i)), best)));
  }
}

TEST_CASE("Latin hypercube: one point per stratum per dimension, deterministic", "[gp][design]") {
  const int n = 12, d = 4;
  const Eigen::MatrixXd P = hs::latin_hypercube(n, d, 77);
  REQUIRE(P.rows() == n);
  REQUIRE(P.cols() == d);
  for (int k = 0; k < d; ++k) {
    std::vector<int> hits(n, 0);
    for (int i = 0; i < n; ++i) {
      REQUIRE(P(i, k) >= 0.0);
      REQUIRE(P(i, k) < 1.0);
      ++hits[static_cast<int>(P(i, k) * n)];
    }
    CHECK(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
  }
  CHECK(hs::latin_hypercube(n, d, 77) == P);
  CHECK(hs::latin_hypercube(n, d, 78) != P);
}

TEST_CASE("proposals: in the cube, deterministic for a seed, spread by pending points",
          "[gp][bayes]") {
  const auto p = hs::problems::branin_problem();
  const Eigen::MatrixXd X = hs::latin_hypercube(10, 2, 3);
  Eigen::VectorXd y(10);
  for (int i = 0; i < 10; ++i) y(i) = hs::problems::eval_unit(p, X.row(i).transpose());
  const hs::BayesOptions opt;

  hs::GpHyper w1, w2;
  const Eigen::VectorXd a = hs::bayes_propose(X, y, Eigen::MatrixXd(0, 2), 5, opt, &w1);
  const Eigen::VectorXd b = hs::bayes_propose(X, y, Eigen::MatrixXd(0, 2), 5, opt, &w2);
  CHECK(a == b);
  CHECK(w1.pack() == w2.pack());
  REQUIRE(w1.dim() == 2);
  CHECK((a.array() >= 0.0).all());
  CHECK((a.array() <= 1.0).all());

  for (hs::PendingLie lie : {hs::PendingLie::kMean, hs::PendingLie::kBest,
                             hs::PendingLie::kWorst}) {
    // Four asks before any tell, each fed back as pending, all with the same seed: only the
    // pending points can make them differ.
    hs::BayesOptions o = opt;
    o.lie = lie;
    Eigen::MatrixXd pending(0, 2);
    for (int t = 0; t < 4; ++t) {
      hs::GpHyper w = w1;
      const Eigen::VectorXd x = hs::bayes_propose(X, y, pending, 5, o, &w);
      pending.conservativeResize(t + 1, Eigen::NoChange);
      pending.row(t) = x.transpose();
    }
    double min_dist = 1e9;
    for (int i = 0; i < 4; ++i)
      for (int j = i + 1; j < 4; ++j)
        min_dist = std::min(min_dist, (pending.row(i) - pending.row(j)).norm());
    INFO("lie " << static_cast<int>(lie) << " pending\n" << pending);
    CHECK(min_dist > 0.1);
  }
  // Too little data to model: a seeded uniform point.
  const Eigen::VectorXd r = hs::bayes_propose(X.topRows(1), y.head(1), Eigen::MatrixXd(0, 2), 5,
                                              opt, nullptr);
  CHECK((r.array() >= 0.0).all());
  CHECK((r.array() <= 1.0).all());
}

TEST_CASE("proposals maximise EI: no random point does better", "[gp][bayes]") {
  // The model the proposal was made with (same data, the hyperparameters it hands back), and EI
  // on 20000 independent uniform points: the proposal must match or beat the best of them.
  for_each_design([](const std::string& name, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                     uint64_t seed) {
    const int d = static_cast<int>(X.cols());
    hs::GpHyper h;
    const Eigen::VectorXd x = hs::bayes_propose(X, y, Eigen::MatrixXd(0, d), seed, {}, &h);
    hs::Gp gp;
    gp.fit(X, y, h);
    const double best = y.minCoeff();
    const double ei = max_ei(gp, x.transpose(), best);
    const double ei_rand = max_ei(gp, uniform_points(20000, d, 1000 + seed), best);
    INFO(name << " seed " << seed << ": EI at the proposal " << ei << ", best random " << ei_rand);
    CHECK(ei > 0.0);
    CHECK(ei >= ei_rand * (1.0 - 1e-9));
  });
}

TEST_CASE("a pending point in a predicted valley is not proposed again", "[gp][bayes]") {
  // 1-D valley: the model's mean at 0.5 lies below every observation. Without pending points
  // EI peaks near 0.5; with 0.5 pending under the kriging believer its lie becomes the incumbent
  // and EI at 0.5 drops to ~0, so the proposal must move away.
  Eigen::MatrixXd X(6, 1);
  X << 0.05, 0.3, 0.42, 0.58, 0.7, 0.95;
  Eigen::VectorXd y = ((X.array() - 0.5).square()).matrix().col(0);
  hs::GpHyper h;
  const Eigen::VectorXd free = hs::bayes_propose(X, y, Eigen::MatrixXd(0, 1), 1, {}, &h);
  INFO("without pending: " << free(0));
  REQUIRE(std::abs(free(0) - 0.5) < 0.05);
  Eigen::MatrixXd pending(1, 1);
  pending << 0.5;
  const Eigen::VectorXd next = hs::bayes_propose(X, y, pending, 1, {}, &h);
  INFO("with 0.5 pending: " << next(0));
  CHECK(std::abs(next(0) - 0.5) > 0.01);
}

TEST_CASE("greedy first: a pending point moves the proposal only within pending_radius",
          "[gp][bayes]") {
  // With trials pending, the sequential proposal stands unless a pending point lies within
  // pending_radius length scales of it; then the kriging believer's proposal is made instead.
  // A pending point is put 0.8 and 1.2 length scales from the sequential proposal along the
  // coordinate with the shortest length scale.
  const auto p = hs::problems::branin_problem();
  const Eigen::MatrixXd X = hs::latin_hypercube(10, 2, 3);
  Eigen::VectorXd y(10);
  for (int i = 0; i < 10; ++i) y(i) = hs::problems::eval_unit(p, X.row(i).transpose());
  hs::GpHyper h;
  const Eigen::VectorXd alone = hs::bayes_propose(X, y, Eigen::MatrixXd(0, 2), 5, {}, &h);
  REQUIRE(h.dim() == 2);
  Eigen::Index k = 0;
  h.log_lengthscale.minCoeff(&k);
  const double l = std::exp(h.log_lengthscale(k));
  INFO("proposal alone " << alone.transpose() << ", length scale " << l << " on coordinate "
                         << k);
  REQUIRE(1.2 * l < 0.5);  // room in the cube on one side at least
  const double side = alone(k) < 0.5 ? 1.0 : -1.0;
  auto propose_with = [&](double r, double radius) {
    Eigen::MatrixXd pending = alone.transpose();
    pending(0, k) += side * r * l;
    hs::BayesOptions o;
    o.pending_radius = radius;
    hs::GpHyper w;
    return hs::bayes_propose(X, y, pending, 5, o, &w).eval();
  };
  const double kAlways = std::numeric_limits<double>::infinity();
  // 1.2 length scales away: the sequential proposal, bit for bit; believing the pending point
  // (radius infinity) would have moved it.
  CHECK(propose_with(1.2, 1.0) == alone);
  CHECK(propose_with(1.2, kAlways) != alone);
  // 0.8 length scales away: the believer's proposal, which is not the sequential one.
  const Eigen::VectorXd near = propose_with(0.8, 1.0);
  CHECK(near == propose_with(0.8, kAlways));
  CHECK(near != alone);
  // A smaller radius lets the sequential proposal stand at 0.8 too.
  CHECK(propose_with(0.8, 0.5) == alone);
}

TEST_CASE("with a pending point clashing, the proposal minimises the believer's lower bound",
          "[gp][bayes]") {
  // The greedy proposal itself pending: the pending point is believed at the model's mean and
  // the proposal minimises mean - pending_kappa * sd on that model. No random point may do
  // better, and with pending_kappa < 0 the proposal is EI's on the same model (as before).
  for_each_design([](const std::string& name, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                     uint64_t seed) {
    const int n = static_cast<int>(X.rows()), d = static_cast<int>(X.cols());
    hs::GpHyper h;
    const Eigen::MatrixXd pending =
        hs::bayes_propose(X, y, Eigen::MatrixXd(0, d), seed, {}, &h).transpose();
    // The believer's model, as bayes_propose builds it with the hyperparameters it fitted.
    const auto believer = [&](const hs::GpHyper& w, double* lie) {
      hs::Gp gp;
      gp.fit(X, y, w);
      Eigen::VectorXd mean;
      gp.predict(pending, &mean, nullptr);
      *lie = mean(0);
      Eigen::MatrixXd Xa(n + 1, d);
      Xa << X, pending;
      Eigen::VectorXd ya(n + 1);
      ya << y, mean;
      const hs::YScale scale = gp.scale();
      gp.fit(Xa, ya, w, scale);
      return gp;
    };
    const auto propose = [&](double kappa, double* lie) {
      hs::BayesOptions o;
      o.pending_kappa = kappa;
      hs::GpHyper w = h;
      const Eigen::VectorXd x = hs::bayes_propose(X, y, pending, seed, o, &w);
      return std::pair{x, believer(w, lie)};
    };
    for (double kappa : {0.5, 1.0, 2.0}) {
      double lie = 0.0;
      const auto [x, gp] = propose(kappa, &lie);
      const auto bound = [&](const Eigen::MatrixXd& Q) {
        Eigen::VectorXd mean, var;
        gp.predict(Q, &mean, &var);
        return (mean.array() - kappa * var.array().sqrt()).minCoeff();
      };
      const double at = bound(x.transpose());
      const double rand = bound(uniform_points(20000, d, 2000 + seed));
      INFO(name << " seed " << seed << " kappa " << kappa << ": bound at the proposal " << at
                << ", best random " << rand << ", pending " << pending);
      CHECK(at <= rand + 1e-9 * std::abs(rand));
      CHECK((x.transpose() - pending).norm() > 1e-6);
    }
    // kappa < 0: EI below the believer's incumbent (the lie counts), no random point better.
    double lie = 0.0;
    const auto [x, gp] = propose(-1.0, &lie);
    const double best = std::min(y.minCoeff(), lie);
    const double ei = max_ei(gp, x.transpose(), best);
    INFO(name << " seed " << seed << ": EI at the proposal " << ei);
    CHECK(ei >= max_ei(gp, uniform_points(20000, d, 3000 + seed), best) * (1.0 - 1e-9));
  });
}

TEST_CASE("proposals survive degenerate data: duplicates, constant values, two points",
          "[gp][bayes]") {
  // Integer and categorical parameters repeat points; a flat start repeats values.
  Eigen::MatrixXd X(8, 3);
  X << 0.5, 0.5, 0.0, 0.5, 0.5, 0.0, 0.5, 0.5, 0.0, 0.2, 0.8, 1.0, 0.2, 0.8, 1.0, 0.9, 0.1, 0.0,
      0.9, 0.1, 0.0, 0.9, 0.1, 0.0;
  const Eigen::VectorXd flat = Eigen::VectorXd::Constant(8, 3.0);
  Eigen::VectorXd varied(8);
  varied << 1.0, 1.0, 1.0, 2.0, 2.0, 0.5, 0.5, 0.5;
  for (const Eigen::VectorXd& y : {flat, varied}) {
    hs::GpHyper h;
    const Eigen::VectorXd x = hs::bayes_propose(X, y, Eigen::MatrixXd(0, 3), 11, {}, &h);
    CHECK(x.allFinite());
    CHECK((x.array() >= 0.0).all());
    CHECK((x.array() <= 1.0).all());
    CHECK(h.pack().allFinite());
    // Not one of the points already there: EI is ~0 on them.
    CHECK((X.rowwise() - x.transpose()).rowwise().norm().minCoeff() > 1e-3);
  }
  const Eigen::VectorXd x2 =
      hs::bayes_propose(X.topRows(4).bottomRows(2), varied.segment(2, 2), Eigen::MatrixXd(0, 3),
                        11, {}, nullptr);
  CHECK(x2.allFinite());
}

TEST_CASE("GP + EI beats random search on Branin", "[gp][bayes]") {
  // 5 seeds x 30 evaluations (8 Latin-hypercube points, then 22 proposals with warm starts).
  const auto p = hs::problems::branin_problem();
  const int evals = 30, n_init = 8;
  std::vector<double> bo, rs;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    Eigen::MatrixXd X = hs::latin_hypercube(n_init, 2, seed);
    Eigen::VectorXd y(n_init);
    for (int i = 0; i < n_init; ++i) y(i) = hs::problems::eval_unit(p, X.row(i).transpose());
    hs::GpHyper warm;
    for (int t = n_init; t < evals; ++t) {
      const Eigen::VectorXd x =
          hs::bayes_propose(X, y, Eigen::MatrixXd(0, 2), seed * 1000 + t, {}, &warm);
      X.conservativeResize(t + 1, Eigen::NoChange);
      y.conservativeResize(t + 1);
      X.row(t) = x.transpose();
      y(t) = hs::problems::eval_unit(p, x);
    }
    bo.push_back(y.minCoeff() - p.optimum);
    hs::Rng rng(hs::derive_seed(seed, 0, hs::SeedPurpose::kSearch));
    double best = 1e300;
    for (int t = 0; t < evals; ++t) {
      const Eigen::Vector2d u(rng.uniform(), rng.uniform());
      best = std::min(best, hs::problems::eval_unit(p, u));
    }
    rs.push_back(best - p.optimum);
  }
  INFO("median regret GP+EI " << median(bo) << ", random " << median(rs));
  CHECK(median(bo) < 0.01);
  CHECK(median(bo) < 0.1 * median(rs));
}
