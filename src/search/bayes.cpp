// bayes.cpp: Expected Improvement, its maximisation, pending points and the initial design.
#include "search/bayes.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include <nlopt.hpp>

#include "core/check.h"
#include "core/rng.h"

namespace hs {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kLogSqrt2Pi = 0.91893853320467274178;
constexpr double kInf = std::numeric_limits<double>::infinity();

double norm_cdf(double z) { return 0.5 * std::erfc(-z * kInvSqrt2); }
double norm_pdf(double z) { return std::exp(-0.5 * z * z - kLogSqrt2Pi); }

// EI = sigma h(z) with h(z) = z Phi(z) + phi(z). The two terms of h cancel as z falls (at
// z = -30 they agree to 1 part in 900, and the rounding of phi's exponent, -z^2/2 ~ -450, is
// amplified by as much: h keeps about 10 digits there) and then underflow, so below kAsym the
// asymptotic series take over:
//   h/phi   = u (1 - 3u + 15u^2 - 105u^3 + ...),        u = 1/z^2, coefficients (2k+1)!!
//   Phi/phi = sqrt(u) (1 - u + 3u^2 - 15u^3 + ...),                coefficients (2k-1)!!
// Seven terms of each leave an error below 1e-14 relative for z < kAsym.
constexpr double kAsym = -30.0;

// sum_k (-1)^k c_k u^k for the seven coefficients c.
double alternating_series(const double (&c)[7], double u) {
  double s = 0.0;
  for (int k = 6; k >= 0; --k) s = c[k] - u * s;
  return s;
}
constexpr double kHSeries[7] = {1, 3, 15, 105, 945, 10395, 135135};
constexpr double kMillsSeries[7] = {1, 1, 3, 15, 105, 945, 10395};

double log_h(double z) {
  if (z > kAsym) return std::log(z * norm_cdf(z) + norm_pdf(z));
  const double u = 1.0 / (z * z);
  return -0.5 * z * z - kLogSqrt2Pi + std::log(u) + std::log(alternating_series(kHSeries, u));
}

// d log h / dz = Phi(z) / h(z), by the same two regimes.
double dlog_h(double z) {
  if (z > kAsym) return norm_cdf(z) / (z * norm_cdf(z) + norm_pdf(z));
  const double u = 1.0 / (z * z);
  return -z * alternating_series(kMillsSeries, u) / alternating_series(kHSeries, u);
}

// Variance below which the model counts as certain (standardised units): rounding in
// s2 - k^T K^-1 k leaves about this much at the training points.
constexpr double kMinVar = 1e-12;

// log EI at a GP prediction in standardised units, with its gradient w.r.t. x (null: skipped).
double log_ei_at(const Gp& gp, const Eigen::VectorXd& x, double best, Eigen::VectorXd* grad) {
  double mu = 0.0, var = 0.0;
  Eigen::VectorXd dmu_dx, dvar_dx;
  gp.predict_std_grad(x, &mu, &var, grad ? &dmu_dx : nullptr, grad ? &dvar_dx : nullptr);
  if (var < kMinVar) {
    if (grad) grad->setZero(x.size());
    return best > mu ? std::log(best - mu) : -kInf;
  }
  const double sigma = std::sqrt(var);
  double dmu = 0.0, dsigma = 0.0;
  const double v = log_expected_improvement(mu, sigma, best, &dmu, &dsigma);
  if (grad) *grad = dmu * dmu_dx + (dsigma / (2.0 * sigma)) * dvar_dx;
  return v;
}

struct RefineProblem {
  const Gp* gp;
  double best;
  double best_value = -kInf;  // best log EI seen
  Eigen::VectorXd best_x;
};

// NLopt callback: minimise -log EI. Where EI is exactly 0 (on a training point) a large finite
// value with a zero gradient makes the line search step back instead of failing.
double refine_objective(const std::vector<double>& xv, std::vector<double>& grad, void* data) {
  auto* p = static_cast<RefineProblem*>(data);
  const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(xv.data(), xv.size());
  Eigen::VectorXd g;
  const double v = log_ei_at(*p->gp, x, p->best, grad.empty() ? nullptr : &g);
  if (v > p->best_value) {
    p->best_value = v;
    p->best_x = x;
  }
  if (!std::isfinite(v)) {
    if (!grad.empty()) std::fill(grad.begin(), grad.end(), 0.0);
    return 1e300;
  }
  if (!grad.empty()) Eigen::Map<Eigen::VectorXd>(grad.data(), grad.size()) = -g;
  return -v;
}

Eigen::VectorXd uniform_point(int d, Rng& rng) {
  Eigen::VectorXd x(d);
  for (int k = 0; k < d; ++k) x(k) = rng.uniform();
  return x;
}

// Pending points enter with a made-up outcome (the lie), under the same hyperparameters and
// output scale: *gp, fitted to (X, y) with `hyper`, is refitted with them. Their variance
// collapses, so EI there drops to ~0 and the next proposal goes elsewhere. Returns the incumbent,
// which includes the lies as if they had been observed: otherwise a lie below the best would
// leave EI = best - lie > 0 at the pending point itself.
double believe_pending(Gp* gp, const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                       const Eigen::MatrixXd& pending, const GpHyper& hyper, PendingLie lie) {
  double best = y.minCoeff();
  const int n = static_cast<int>(X.rows()), d = static_cast<int>(X.cols());
  const int m = static_cast<int>(pending.rows());
  if (m == 0) return best;
  Eigen::VectorXd lies(m);
  switch (lie) {
    case PendingLie::kMean: gp->predict(pending, &lies, nullptr); break;
    case PendingLie::kBest: lies.setConstant(y.minCoeff()); break;
    case PendingLie::kWorst: lies.setConstant(y.maxCoeff()); break;
  }
  Eigen::MatrixXd Xa(n + m, d);
  Xa << X, pending;
  Eigen::VectorXd ya(n + m);
  ya << y, lies;
  const YScale sc = gp->scale();
  gp->fit(Xa, ya, hyper, sc);
  best = std::min(best, lies.minCoeff());
  return best;
}

// Candidates (rows): uniform over the cube, plus Gaussian clouds at several radii around the
// best observed points, where the EI optimum usually sits once the model is good.
Eigen::MatrixXd draw_candidates(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                const BayesOptions& opt, Rng& rng) {
  const int n = static_cast<int>(X.rows()), d = static_cast<int>(X.cols());
  const int n_rand = std::max(1, opt.random_candidates);
  const int n_centres = std::min(std::max(0, opt.local_centres), n);
  const int n_local = n_centres > 0 ? std::max(0, opt.local_candidates) : 0;
  Eigen::MatrixXd C(n_rand + n_local, d);
  for (int i = 0; i < n_rand; ++i) C.row(i) = uniform_point(d, rng).transpose();
  if (n_local == 0) return C;
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return y(a) < y(b); });
  static constexpr double kRadii[] = {0.003, 0.02, 0.08, 0.25};
  for (int i = 0; i < n_local; ++i) {
    const int c = order[i % n_centres];
    const double r = kRadii[(i / n_centres) % 4];
    for (int k = 0; k < d; ++k)
      C(n_rand + i, k) = std::clamp(X(c, k) + r * rng.normal(), 0.0, 1.0);
  }
  return C;
}

// log EI of each candidate row of C, scored in one batch in standardised units; *var gets the
// standardised predictive variances.
std::vector<double> score_candidates(const Gp& gp, const Eigen::MatrixXd& C, double best_std,
                                     Eigen::VectorXd* var) {
  Eigen::VectorXd mu;
  gp.predict(C, &mu, var);
  const double sd = gp.scale().sd;
  mu = (mu.array() - gp.scale().mean) / sd;
  *var /= sd * sd;
  const int nc = static_cast<int>(C.rows());
  std::vector<double> score(nc);
  for (int i = 0; i < nc; ++i)
    score[i] = log_expected_improvement(mu(i), (*var)(i) < kMinVar ? 0.0 : std::sqrt((*var)(i)),
                                        best_std);
  return score;
}

// Indices of `score`, best first; ties keep their order.
std::vector<int> rank_descending(const std::vector<double>& score) {
  std::vector<int> idx(score.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return score[a] > score[b]; });
  return idx;
}

// One L-BFGS run on log EI within the cube from x; *prob keeps the best point evaluated.
void refine_from(RefineProblem* prob, std::vector<double> x, const BayesOptions& opt) {
  const unsigned d = static_cast<unsigned>(x.size());
  nlopt::opt o(nlopt::LD_LBFGS, d);
  o.set_lower_bounds(std::vector<double>(d, 0.0));
  o.set_upper_bounds(std::vector<double>(d, 1.0));
  o.set_min_objective(refine_objective, prob);
  o.set_maxeval(opt.refine_evals);
  o.set_ftol_abs(1e-9);  // on log EI: relative 1e-9 in EI
  o.set_xtol_abs(1e-7);
  double f = 0.0;
  try {
    o.optimize(x, f);
  } catch (const std::exception&) {
    // roundoff_limited and friends: prob keeps the best point evaluated.
  }
}

// Refines the best few candidates (rows of C, ranked by idx) and returns the best point seen.
// REQUIRES: score[idx[0]] is finite.
Eigen::VectorXd refine_best(const Gp& gp, double best_std, const Eigen::MatrixXd& C,
                            const std::vector<double>& score, const std::vector<int>& idx,
                            const BayesOptions& opt) {
  RefineProblem prob{&gp, best_std, score[idx[0]], C.row(idx[0]).transpose()};
  const int d = static_cast<int>(C.cols());
  const int n_refine = std::min(opt.refine_starts, static_cast<int>(C.rows()));
  for (int s = 0; s < n_refine; ++s) {
    if (!std::isfinite(score[idx[s]])) break;
    std::vector<double> x(d);
    for (int k = 0; k < d; ++k) x[k] = C(idx[s], k);
    refine_from(&prob, std::move(x), opt);
  }
  return prob.best_x.cwiseMax(0.0).cwiseMin(1.0);
}

}  // namespace

double expected_improvement(double mu, double sigma, double best) {
  if (!(sigma > 0.0)) return std::max(best - mu, 0.0);
  const double z = (best - mu) / sigma;
  return (best - mu) * norm_cdf(z) + sigma * norm_pdf(z);
}

double log_expected_improvement(double mu, double sigma, double best, double* dmu,
                                double* dsigma) {
  if (!(sigma > 0.0)) {
    if (dmu) *dmu = 0.0;
    if (dsigma) *dsigma = 0.0;
    return best > mu ? std::log(best - mu) : -kInf;
  }
  const double z = (best - mu) / sigma;
  // log EI = log sigma + log h(z), z = (best - mu) / sigma; h' = Phi, and 1 - z Phi/h = phi/h.
  const double g = dlog_h(z);
  if (dmu) *dmu = -g / sigma;
  if (dsigma) *dsigma = (1.0 - z * g) / sigma;
  return std::log(sigma) + log_h(z);
}

GpHyper bayes_fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, uint64_t seed,
                  const BayesOptions& opt, const GpHyper* warm) {
  const GpHyper* warm_in = (warm && warm->dim() == X.cols()) ? warm : nullptr;
  return gp_fit_hyper(X, y, derive_seed(seed, 0x6669, SeedPurpose::kSearch), opt.fit, warm_in);
}

Eigen::VectorXd bayes_propose(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                              const Eigen::MatrixXd& pending, uint64_t seed,
                              const BayesOptions& opt, GpHyper* warm) {
  const int n = static_cast<int>(X.rows()), d = static_cast<int>(X.cols());
  HS_CHECK(d >= 1 && y.size() == n && pending.cols() == d && y.allFinite());
  Rng rng(derive_seed(seed, 0x6279, SeedPurpose::kSearch));
  if (n < 2) return uniform_point(d, rng);

  // Model of the completed trials only: pending points carry no information on hyperparameters.
  const GpHyper hyper = bayes_fit(X, y, seed, opt, warm);
  if (warm) *warm = hyper;
  Gp gp;
  gp.fit(X, y, hyper);
  const double best = believe_pending(&gp, X, y, pending, hyper, opt.lie);
  const double best_std = (best - gp.scale().mean) / gp.scale().sd - opt.xi;

  const Eigen::MatrixXd C = draw_candidates(X, y, opt, rng);
  Eigen::VectorXd var;
  const std::vector<double> score = score_candidates(gp, C, best_std, &var);
  const std::vector<int> idx = rank_descending(score);
  if (!std::isfinite(score[idx[0]])) {
    // EI is 0 at every candidate (the model is certain everywhere it looked): explore where it
    // is least certain instead.
    int arg = 0;
    var.maxCoeff(&arg);
    return C.row(arg).transpose();
  }
  return refine_best(gp, best_std, C, score, idx, opt);
}

Eigen::MatrixXd latin_hypercube(int n, int d, uint64_t seed, int tries) {
  HS_CHECK(n >= 1 && d >= 1);
  Rng rng(derive_seed(seed, 0x6c68, SeedPurpose::kSearch));
  Eigen::MatrixXd best_design, P(n, d);
  double best_dist = -1.0;
  std::vector<int> perm(n);
  for (int t = 0; t < std::max(1, tries); ++t) {
    for (int k = 0; k < d; ++k) {
      std::iota(perm.begin(), perm.end(), 0);
      rng.shuffle(perm.data(), perm.size());
      for (int i = 0; i < n; ++i) P(i, k) = (perm[i] + rng.uniform()) / n;
    }
    double min_dist = kInf;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j)
        min_dist = std::min(min_dist, (P.row(i) - P.row(j)).squaredNorm());
    if (min_dist > best_dist) {
      best_dist = min_dist;
      best_design = P;
    }
  }
  return best_design;
}

}  // namespace hs
