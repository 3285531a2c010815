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

// The kappa that asks for Expected Improvement instead of a confidence bound.
constexpr double kExpectedImprovement = -1.0;

// What a proposal maximises, in standardised units: log EI below `best`, or, with kappa >= 0,
// the negated lower confidence bound -(mu - kappa sd) (BayesOptions::pending_kappa).
struct Acquisition {
  double best = 0.0;
  double kappa = kExpectedImprovement;
};

// The acquisition at a GP prediction (mu, var) in standardised units; with dmu and dvar (the
// prediction's gradients w.r.t. x), its gradient in *grad.
double acquisition(const Acquisition& a, double mu, double var, const Eigen::VectorXd* dmu_dx,
                   const Eigen::VectorXd* dvar_dx, Eigen::VectorXd* grad) {
  if (a.kappa >= 0.0) {
    const double sigma = std::sqrt(std::max(var, kMinVar));
    if (grad) *grad = -(*dmu_dx) + (a.kappa / (2.0 * sigma)) * (*dvar_dx);
    return -(mu - a.kappa * sigma);
  }
  if (var < kMinVar) {
    if (grad) grad->setZero(dmu_dx->size());
    return a.best > mu ? std::log(a.best - mu) : -kInf;
  }
  const double sigma = std::sqrt(var);
  double dmu = 0.0, dsigma = 0.0;
  const double v = log_expected_improvement(mu, sigma, a.best, grad ? &dmu : nullptr,
                                            grad ? &dsigma : nullptr);
  if (grad) *grad = dmu * (*dmu_dx) + (dsigma / (2.0 * sigma)) * (*dvar_dx);
  return v;
}

// The acquisition at x, with its gradient w.r.t. x (null: skipped).
double acquisition_at(const Gp& gp, const Eigen::VectorXd& x, const Acquisition& a,
                      Eigen::VectorXd* grad) {
  double mu = 0.0, var = 0.0;
  Eigen::VectorXd dmu_dx, dvar_dx;
  gp.predict_std_grad(x, &mu, &var, grad ? &dmu_dx : nullptr, grad ? &dvar_dx : nullptr);
  return acquisition(a, mu, var, &dmu_dx, &dvar_dx, grad);
}

struct RefineProblem {
  const Gp* gp;
  Acquisition acq;
  const std::vector<bool>* held;  // coordinates kept fixed (may be empty)
  double best_value = -kInf;      // best acquisition seen
  Eigen::VectorXd best_x;
};

// NLopt callback: minimise -acquisition. Where EI is exactly 0 (on a training point) a large
// finite value with a zero gradient makes the line search step back instead of failing.
double refine_objective(const std::vector<double>& xv, std::vector<double>& grad, void* data) {
  auto* p = static_cast<RefineProblem*>(data);
  const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(xv.data(), xv.size());
  Eigen::VectorXd g;
  const double v = acquisition_at(*p->gp, x, p->acq, grad.empty() ? nullptr : &g);
  if (v > p->best_value) {
    p->best_value = v;
    p->best_x = x;
  }
  if (!std::isfinite(v)) {
    if (!grad.empty()) std::fill(grad.begin(), grad.end(), 0.0);
    return 1e300;
  }
  if (!grad.empty()) {
    Eigen::Map<Eigen::VectorXd>(grad.data(), grad.size()) = -g;
    for (size_t k = 0; k < p->held->size(); ++k)
      if ((*p->held)[k]) grad[k] = 0.0;
  }
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

// x folded back into [0, 1] at the bounds (a mirror), so a cloud near a bound does not pile its
// overshoot onto the bound itself (clamping put a quarter of a wide cloud there).
double reflect(double x) {
  x = std::fmod(std::abs(x), 2.0);
  return x <= 1.0 ? x : 2.0 - x;
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
    for (int k = 0; k < d; ++k) C(n_rand + i, k) = reflect(X(c, k) + r * rng.normal());
  }
  return C;
}

// The acquisition of each candidate row of C, scored in one batch in standardised units; *var
// gets the standardised predictive variances.
std::vector<double> score_candidates(const Gp& gp, const Eigen::MatrixXd& C, const Acquisition& a,
                                     Eigen::VectorXd* var) {
  Eigen::VectorXd mu;
  gp.predict(C, &mu, var);
  const double sd = gp.scale().sd;
  mu = (mu.array() - gp.scale().mean) / sd;
  *var /= sd * sd;
  const int nc = static_cast<int>(C.rows());
  std::vector<double> score(nc);
  for (int i = 0; i < nc; ++i)
    score[i] = acquisition(a, mu(i), (*var)(i), nullptr, nullptr, nullptr);
  return score;
}

// Indices of `score`, best first; ties keep their order.
std::vector<int> rank_descending(const std::vector<double>& score) {
  std::vector<int> idx(score.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return score[a] > score[b]; });
  return idx;
}

// One L-BFGS run on the acquisition within the cube from x; *prob keeps the best point evaluated.
void refine_from(RefineProblem* prob, std::vector<double> x, const BayesOptions& opt) {
  const unsigned d = static_cast<unsigned>(x.size());
  nlopt::opt o(nlopt::LD_LBFGS, d);
  std::vector<double> lo(d, 0.0), hi(d, 1.0);
  for (unsigned k = 0; k < d; ++k) {
    lo[k] = std::max(0.0, x[k] - opt.refine_box);
    hi[k] = std::min(1.0, x[k] + opt.refine_box);
  }
  for (size_t k = 0; k < prob->held->size(); ++k)
    if ((*prob->held)[k]) lo[k] = hi[k] = x[k];
  o.set_lower_bounds(lo);
  o.set_upper_bounds(hi);
  o.set_min_objective(refine_objective, prob);
  o.set_maxeval(opt.refine_evals);
  o.set_ftol_abs(1e-9);  // on log EI: relative 1e-9 in EI; on the bound, 1e-9 sd
  o.set_xtol_abs(1e-7);
  double f = 0.0;
  try {
    o.optimize(x, f);
  } catch (const std::exception&) {
    // roundoff_limited and friends: prob keeps the best point evaluated.
  }
}

// A point and its acquisition.
struct Scored {
  double value;
  Eigen::VectorXd x;
};

// Refines the best few candidates (rows of C, ranked by idx), holding the `held` coordinates;
// each start's best point, best first. REQUIRES: score[idx[0]] is finite.
std::vector<Scored> refine_best(const Gp& gp, const Acquisition& acq, const Eigen::MatrixXd& C,
                                const std::vector<double>& score, const std::vector<int>& idx,
                                const std::vector<bool>& held, const BayesOptions& opt) {
  std::vector<Scored> out;
  const int d = static_cast<int>(C.cols());
  const int n_refine = std::min(opt.refine_starts, static_cast<int>(C.rows()));
  for (int s = 0; s < n_refine; ++s) {
    if (!std::isfinite(score[idx[s]])) break;
    RefineProblem prob{&gp, acq, &held, score[idx[s]], C.row(idx[s]).transpose()};
    std::vector<double> x(d);
    for (int k = 0; k < d; ++k) x[k] = C(idx[s], k);
    refine_from(&prob, std::move(x), opt);
    out.push_back({prob.best_value, prob.best_x.cwiseMax(0.0).cwiseMin(1.0)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Scored& a, const Scored& b) { return a.value > b.value; });
  return out;
}

Eigen::VectorXd project(const ProposalSpace* ps, const Eigen::VectorXd& x) {
  return ps && ps->project ? ps->project(x) : x;
}
bool taken(const ProposalSpace* ps, const Eigen::VectorXd& x) {
  return ps && ps->taken && ps->taken(x);
}
bool any_held(const ProposalSpace* ps) {
  return ps && ps->project && std::find(ps->discrete.begin(), ps->discrete.end(), true) !=
                                  ps->discrete.end();
}

// The first of the refined points, then of the candidates in idx order, whose projection is
// not taken; then seeded uniform points; then the first refined point or candidate (taken).
Eigen::VectorXd pick_untaken(const std::vector<Scored>& refined, const Eigen::MatrixXd& C,
                             const std::vector<int>& idx, const ProposalSpace* ps, Rng& rng) {
  const Eigen::VectorXd first =
      project(ps, refined.empty() ? Eigen::VectorXd(C.row(idx[0]).transpose()) : refined[0].x);
  if (!taken(ps, first)) return first;
  for (const Scored& r : refined)
    if (Eigen::VectorXd x = project(ps, r.x); !taken(ps, x)) return x;
  for (int i : idx)
    if (Eigen::VectorXd x = project(ps, C.row(i).transpose()); !taken(ps, x)) return x;
  for (int t = 0; t < 64; ++t)
    if (Eigen::VectorXd x = project(ps, uniform_point(static_cast<int>(C.cols()), rng));
        !taken(ps, x))
      return x;
  return first;
}

// The proposal that maximises the acquisition on gp (EI below `best`, or with kappa >= 0 the
// negated lower confidence bound) among the candidates C (rows, projected): scored, the best few
// refined, the first one not taken. Where EI is 0 at every candidate (the model is certain
// everywhere it looked), the least certain candidate instead.
Eigen::VectorXd maximise(const Gp& gp, double best, double kappa, const Eigen::MatrixXd& C,
                         const BayesOptions& opt, const ProposalSpace* ps, Rng& rng) {
  const Acquisition acq{(best - gp.scale().mean) / gp.scale().sd - opt.xi, kappa};
  const bool held = any_held(ps);
  Eigen::VectorXd var;
  const std::vector<double> score = score_candidates(gp, C, acq, &var);
  std::vector<int> idx = rank_descending(score);
  if (!std::isfinite(score[idx[0]])) {
    idx = rank_descending(std::vector<double>(var.data(), var.data() + var.size()));
    return pick_untaken({}, C, idx, ps, rng);
  }
  static const std::vector<bool> kNone;
  const std::vector<Scored> refined =
      refine_best(gp, acq, C, score, idx, held ? ps->discrete : kNone, opt);
  return pick_untaken(refined, C, idx, ps, rng);
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

std::vector<int> model_subset(const Eigen::VectorXd& y, int cap) {
  HS_CHECK(cap >= 2);
  const int n = static_cast<int>(y.size());
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (n <= cap) return order;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return y(a) < y(b); });
  std::vector<char> in(n, 0);
  for (int i = 0; i < cap / 2; ++i) in[order[i]] = 1;
  for (int i = n - 1, more = cap - cap / 2; i >= 0 && more > 0; --i)
    if (!in[i]) in[i] = 1, --more;
  std::vector<int> out;
  for (int i = 0; i < n; ++i)
    if (in[i]) out.push_back(i);
  return out;
}

namespace {
// The completed trials the model holds (model_subset) and the pending points it believes.
struct Modelled {
  Eigen::MatrixXd X, pending;
  Eigen::VectorXd y;
};
Modelled capped(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const Eigen::MatrixXd& pending,
                const BayesOptions& opt) {
  Modelled m;
  if (X.rows() <= opt.max_model_points) {
    m.X = X, m.y = y;
  } else {
    const std::vector<int> keep = model_subset(y, opt.max_model_points);
    m.X = X(keep, Eigen::all);
    m.y = y(keep);
  }
  const Eigen::Index np =
      std::min<Eigen::Index>(pending.rows(), std::max(0, opt.max_pending_points));
  m.pending = pending.bottomRows(np);
  return m;
}

GpHyper fit_modelled(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, uint64_t seed,
                     const BayesOptions& opt, const GpHyper* warm) {
  const GpHyper* warm_in = (warm && warm->dim() == X.cols()) ? warm : nullptr;
  return gp_fit_hyper(X, y, derive_seed(seed, 0x6669, SeedPurpose::kSearch), opt.fit, warm_in);
}
}  // namespace

GpHyper bayes_fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, uint64_t seed,
                  const BayesOptions& opt, const GpHyper* warm) {
  const Modelled m = capped(X, y, Eigen::MatrixXd(0, X.cols()), opt);
  return fit_modelled(m.X, m.y, seed, opt, warm);
}

Eigen::VectorXd bayes_propose(const Eigen::MatrixXd& X_all, const Eigen::VectorXd& y_all,
                              const Eigen::MatrixXd& pending_all, uint64_t seed,
                              const BayesOptions& opt, GpHyper* warm, const ProposalSpace* ps) {
  const int n = static_cast<int>(X_all.rows()), d = static_cast<int>(X_all.cols());
  HS_CHECK(d >= 1 && y_all.size() == n && pending_all.cols() == d && y_all.allFinite());
  HS_CHECK(!ps || ps->discrete.empty() || static_cast<int>(ps->discrete.size()) == d);
  Rng rng(derive_seed(seed, 0x6279, SeedPurpose::kSearch));
  if (n < 2) return project(ps, uniform_point(d, rng));
  const Modelled m = capped(X_all, y_all, pending_all, opt);

  // Model of the completed trials only: pending points carry no information on hyperparameters.
  HS_CHECK(opt.refit || (warm && warm->dim() == d));
  const GpHyper hyper = opt.refit ? fit_modelled(m.X, m.y, seed, opt, warm) : *warm;
  if (warm) *warm = hyper;
  BayesOptions copt = opt;
  if (n > opt.max_model_points) {
    copt.random_candidates = opt.capped_random_candidates;
    copt.local_candidates = opt.capped_local_candidates;
  }
  // Candidates over the cube and around the best points, scored where their trial would run.
  Eigen::MatrixXd C = draw_candidates(m.X, m.y, copt, rng);
  if (any_held(ps))
    for (Eigen::Index i = 0; i < C.rows(); ++i) C.row(i) = ps->project(C.row(i).transpose());
  Gp gp;
  gp.fit(m.X, m.y, hyper);
  if (m.pending.rows() > 0) {
    // Greedy first: the proposal made with nothing pending (the same candidates and draws)
    // stands while no pending point lies within pending_radius length scales of it.
    Rng greedy_rng = rng;
    const Eigen::VectorXd x = maximise(gp, m.y.minCoeff(), kExpectedImprovement, C, copt, ps,
                                       greedy_rng);
    if (gp_scaled_distances(x.transpose(), m.pending, hyper).minCoeff() >= opt.pending_radius)
      return x;
  }
  const double best = believe_pending(&gp, m.X, m.y, m.pending, hyper, opt.lie);
  const double kappa = m.pending.rows() > 0 ? opt.pending_kappa : kExpectedImprovement;
  return maximise(gp, best, kappa, C, copt, ps, rng);
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
    if (tries <= 1) return P;  // nothing to compare: the O(n^2 d) distances would be wasted
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
