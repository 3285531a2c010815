// gp.cpp: Matérn 5/2 ARD Gaussian process, its marginal likelihood and hyperparameter fit.
#include "search/gp.h"

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

constexpr double kSqrt5 = 2.23606797749978969641;
constexpr double kLog2Pi = 1.83787706640934548356;

// R (n,m) = scaled distances r_ij between rows of A (n,d) and B (m,d), scaled by 1/l.
// Direct differences rather than |a|^2 + |b|^2 - 2 a.b: no cancellation for nearby points, and
// with d small it costs little next to the exp and the Cholesky.
void scaled_distances(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B,
                      const Eigen::ArrayXd& inv_l, Eigen::MatrixXd* R) {
  const Eigen::Index n = A.rows(), m = B.rows(), d = A.cols();
  const Eigen::MatrixXd As = A * inv_l.matrix().asDiagonal();
  const Eigen::MatrixXd Bs = B * inv_l.matrix().asDiagonal();
  R->resize(n, m);
  for (Eigen::Index j = 0; j < m; ++j) {
    auto c = R->col(j).array();
    c.setZero();
    for (Eigen::Index k = 0; k < d; ++k) c += (As.col(k).array() - Bs(j, k)).square();
    c = c.sqrt();
  }
}

// In place: R (scaled distances) -> E = exp(-sqrt5 R); K = s2 (1 + sqrt5 r + 5/3 r^2) E.
void matern_from_distances(const Eigen::MatrixXd& R, double s2, Eigen::MatrixXd* E,
                           Eigen::MatrixXd* K) {
  *E = (-kSqrt5 * R.array()).exp().matrix();
  *K = (s2 * (1.0 + kSqrt5 * R.array() + (5.0 / 3.0) * R.array().square()) * E->array()).matrix();
}

Eigen::ArrayXd inv_lengthscales(const GpHyper& h) { return (-h.log_lengthscale.array()).exp(); }

}  // namespace

Eigen::VectorXd GpHyper::pack() const {
  const int d = dim();
  Eigen::VectorXd t(d + 2);
  t.head(d) = log_lengthscale;
  t(d) = log_signal_var;
  t(d + 1) = log_noise_var;
  return t;
}

GpHyper GpHyper::unpack(const Eigen::VectorXd& theta) {
  HS_CHECK(theta.size() >= 3);
  const Eigen::Index d = theta.size() - 2;
  GpHyper h;
  h.log_lengthscale = theta.head(d);
  h.log_signal_var = theta(d);
  h.log_noise_var = theta(d + 1);
  return h;
}

GpHyper gp_default_hyper(int d) {
  HS_CHECK(d >= 1);
  GpHyper h;
  h.log_lengthscale = Eigen::VectorXd::Constant(d, std::log(0.3));
  h.log_signal_var = 0.0;
  h.log_noise_var = std::log(1e-4);
  return h;
}

Eigen::MatrixXd gp_scaled_distances(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B,
                                    const GpHyper& h) {
  HS_CHECK(A.cols() == B.cols() && A.cols() == h.dim());
  Eigen::MatrixXd R;
  scaled_distances(A, B, inv_lengthscales(h), &R);
  return R;
}

void matern52_kernel(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, const GpHyper& h,
                     Eigen::MatrixXd* K) {
  HS_CHECK(A.cols() == B.cols() && A.cols() == h.dim());
  Eigen::MatrixXd R, E;
  scaled_distances(A, B, inv_lengthscales(h), &R);
  matern_from_distances(R, std::exp(h.log_signal_var), &E, K);
}

double gp_log_marginal_likelihood(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                  const GpHyper& h, Eigen::VectorXd* grad) {
  const Eigen::Index n = X.rows(), d = X.cols();
  HS_CHECK(n >= 1 && y.size() == n && h.dim() == d);
  const double s2 = std::exp(h.log_signal_var), sn2 = std::exp(h.log_noise_var);
  const Eigen::ArrayXd inv_l = inv_lengthscales(h);

  Eigen::MatrixXd R, E, K;
  scaled_distances(X, X, inv_l, &R);
  matern_from_distances(R, s2, &E, &K);
  K.diagonal().array() += sn2;
  Eigen::LLT<Eigen::MatrixXd> llt(K);
  if (llt.info() != Eigen::Success) {
    if (grad) grad->setZero(d + 2);
    return -std::numeric_limits<double>::infinity();
  }
  const Eigen::VectorXd alpha = llt.solve(y);
  const double log_det = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
  const double lml = -0.5 * y.dot(alpha) - 0.5 * log_det - 0.5 * static_cast<double>(n) * kLog2Pi;
  if (!grad) return lml;

  // d lml / d theta = 1/2 tr(W dK/dtheta), W = alpha alpha^T - K^-1 (Rasmussen & Williams 5.9).
  Eigen::MatrixXd W = Eigen::MatrixXd::Identity(n, n);
  llt.solveInPlace(W);
  W = alpha * alpha.transpose() - W;
  grad->resize(d + 2);
  // dK/dlog s2 is the noise-free kernel, dK/dlog sn2 is sn2 I.
  K.diagonal().array() -= sn2;
  (*grad)(d) = 0.5 * (W.array() * K.array()).sum();
  (*grad)(d + 1) = 0.5 * sn2 * W.trace();
  // dk/dlog l_k = s2 5/3 (1 + sqrt5 r) exp(-sqrt5 r) (x_k - x'_k)^2 / l_k^2 (smooth at r = 0).
  // With P = W o G (G the first factor), sum_ij P_ij (x_ik - x_jk)^2 = 2 sum_i x_ik^2 (P 1)_i -
  // 2 x_k^T P x_k for symmetric P: two GEMV-like passes instead of d passes over n^2 pairs.
  // X is centred first so the two terms do not cancel to noise.
  Eigen::MatrixXd& P = K;  // reuse the storage
  P = (W.array() * (s2 * (5.0 / 3.0)) * (1.0 + kSqrt5 * R.array()) * E.array()).matrix();
  const Eigen::MatrixXd Xc = X.rowwise() - X.colwise().mean();
  const Eigen::VectorXd p1 = P.rowwise().sum();
  const Eigen::MatrixXd PX = P * Xc;
  for (Eigen::Index k = 0; k < d; ++k) {
    const double quad = (Xc.col(k).array().square() * p1.array()).sum() -
                        (Xc.col(k).array() * PX.col(k).array()).sum();
    (*grad)(k) = quad * inv_l(k) * inv_l(k);  // 0.5 * 2 * quad / l_k^2
  }
  return lml;
}

YScale standardisation(const Eigen::VectorXd& y) {
  HS_CHECK(y.size() >= 1);
  YScale s;
  s.mean = y.mean();
  double sd = std::sqrt((y.array() - s.mean).square().mean());
  const double big = y.cwiseAbs().maxCoeff();
  if ((!std::isfinite(s.mean) || !std::isfinite(sd)) && std::isfinite(big) && big > 0) {
    // Values near 1e300: their squares (or sum) overflow; the same figures on y / big.
    const Eigen::ArrayXd u = y.array() / big;
    const double mu = u.mean();
    s.mean = mu * big;
    sd = std::sqrt((u - mu).square().mean()) * big;
  }
  // A constant y has nothing to scale; 1e-12 of the values' magnitude keeps rounding noise from
  // being blown up. Relative to the magnitude alone, not to at least 1: a metric of size 1e-13
  // read as constant, and the search wandered.
  s.sd = (sd > 1e-12 * big && std::isfinite(sd)) ? sd : 1.0;
  return s;
}

void Gp::fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const GpHyper& hyper) {
  fit(X, y, hyper, standardisation(y));
}

void Gp::fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const GpHyper& hyper,
             const YScale& scale) {
  HS_CHECK(X.rows() >= 1 && y.size() == X.rows() && hyper.dim() == X.cols());
  HS_CHECK(y.allFinite() && X.allFinite() && scale.sd > 0.0);
  X_ = X;
  hyper_ = hyper;
  scale_ = scale;
  s2_ = std::exp(hyper.log_signal_var);
  inv_l2_ = (-2.0 * hyper.log_lengthscale.array()).exp();
  const Eigen::VectorXd ys = (y.array() - scale.mean) / scale.sd;

  Eigen::MatrixXd K;
  matern52_kernel(X, X, hyper, &K);
  K.diagonal().array() += std::exp(hyper.log_noise_var);
  jitter_ = 0.0;
  llt_.compute(K);
  // Rounding can leave K + sn2 I indefinite when sn2 is tiny and points nearly coincide; a
  // little more diagonal is the standard remedy and changes the model by about that much.
  for (double rel = 1e-8; llt_.info() != Eigen::Success && rel <= 1e-2; rel *= 10.0) {
    const double add = rel * s2_ - jitter_;
    K.diagonal().array() += add;
    jitter_ += add;
    llt_.compute(K);
  }
  HS_CHECK(llt_.info() == Eigen::Success);
  alpha_ = llt_.solve(ys);
}

void Gp::predict(const Eigen::MatrixXd& Xq, Eigen::VectorXd* mean, Eigen::VectorXd* var) const {
  HS_CHECK(fitted() && Xq.cols() == dim());
  Eigen::MatrixXd Ks;  // (n, m): the layout the triangular solve wants
  matern52_kernel(X_, Xq, hyper_, &Ks);
  if (mean) *mean = ((Ks.transpose() * alpha_).array() * scale_.sd + scale_.mean).matrix();
  if (var) {
    // var = s2 - |L^-1 k*|^2, one triangular solve for all query points.
    llt_.matrixL().solveInPlace(Ks);
    *var = ((s2_ - Ks.colwise().squaredNorm().transpose().array()).max(0.0) *
            (scale_.sd * scale_.sd))
               .matrix();
  }
}

void Gp::predict_std_grad(const Eigen::VectorXd& x, double* mean, double* var,
                          Eigen::VectorXd* dmean, Eigen::VectorXd* dvar) const {
  HS_CHECK(fitted() && x.size() == dim());
  // diff (n,d) = x - X_i; r_i^2 = sum_k diff_ik^2 / l_k^2.
  const Eigen::MatrixXd diff = (-X_).rowwise() + x.transpose();
  const Eigen::ArrayXd r =
      (diff.array().square().matrix() * inv_l2_.matrix()).array().sqrt();
  const Eigen::ArrayXd e = (-kSqrt5 * r).exp();
  const Eigen::VectorXd k = (s2_ * (1.0 + kSqrt5 * r + (5.0 / 3.0) * r.square()) * e).matrix();
  Eigen::VectorXd w;
  if (var || dvar) w = llt_.solve(k);
  if (mean) *mean = k.dot(alpha_);
  if (var) *var = std::max(0.0, s2_ - k.dot(w));
  if (dmean || dvar) {
    // dk_i/dx = -G_i (x - X_i) / l^2, G_i = s2 5/3 (1 + sqrt5 r_i) exp(-sqrt5 r_i).
    const Eigen::VectorXd G = (s2_ * (5.0 / 3.0) * (1.0 + kSqrt5 * r) * e).matrix();
    if (dmean)
      *dmean = -(diff.transpose() * G.cwiseProduct(alpha_)).cwiseProduct(inv_l2_.matrix());
    if (dvar)  // d(s2 - k^T K^-1 k) = -2 (dk)^T K^-1 k
      *dvar = 2.0 * (diff.transpose() * G.cwiseProduct(w)).cwiseProduct(inv_l2_.matrix());
  }
}

double gp_log_posterior(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const GpHyper& h,
                        const GpFitOptions& opt, Eigen::VectorXd* grad) {
  double v = gp_log_marginal_likelihood(X, y, h, grad);
  const int d = h.dim();
  if (opt.prior_log_lengthscale_sd > 0.0) {
    const double s = opt.prior_log_lengthscale_sd;
    const Eigen::ArrayXd z = (h.log_lengthscale.array() - opt.prior_log_lengthscale_mean) / s;
    v -= 0.5 * z.square().sum();
    if (grad) grad->head(d).array() -= z / s;
  }
  if (opt.prior_log_signal_var_sd > 0.0) {
    const double s = opt.prior_log_signal_var_sd;
    const double z = (h.log_signal_var - opt.prior_log_signal_var_mean) / s;
    v -= 0.5 * z * z;
    if (grad) (*grad)(d) -= z / s;
  }
  return v;
}

namespace {

struct FitProblem {
  const Eigen::MatrixXd* X;
  const Eigen::VectorXd* y;
  const GpFitOptions* opt;
  double best = -std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_theta;
};

// NLopt's callback (maximise). It keeps the best point seen: NLopt may throw (roundoff_limited)
// after it has found a good point, and the best value is what we want either way.
double fit_objective(const std::vector<double>& x, std::vector<double>& grad, void* data) {
  auto* p = static_cast<FitProblem*>(data);
  const Eigen::VectorXd theta = Eigen::Map<const Eigen::VectorXd>(x.data(), x.size());
  Eigen::VectorXd g;
  double v = gp_log_posterior(*p->X, *p->y, GpHyper::unpack(theta), *p->opt,
                              grad.empty() ? nullptr : &g);
  if (!std::isfinite(v)) {  // not positive definite: steer the line search back
    v = -1e10;
    if (!grad.empty()) std::fill(grad.begin(), grad.end(), 0.0);
  } else if (!grad.empty()) {
    Eigen::Map<Eigen::VectorXd>(grad.data(), grad.size()) = g;
  }
  if (v > p->best) {
    p->best = v;
    p->best_theta = theta;
  }
  return v;
}

struct FitData {
  Eigen::MatrixXd X;
  Eigen::VectorXd y;
};

// All the points, or a seeded subset of max_fit_points when there are more (see
// GpFitOptions::max_fit_points), in their original order. Draws from rng only for a subset.
FitData fit_points(const Eigen::MatrixXd& X_all, const Eigen::VectorXd& y_all, int max_fit_points,
                   Rng& rng) {
  const int n_all = static_cast<int>(X_all.rows()), d = static_cast<int>(X_all.cols());
  if (!(max_fit_points > 0 && n_all > max_fit_points)) return {X_all, y_all};
  std::vector<int> idx(n_all);
  std::iota(idx.begin(), idx.end(), 0);
  rng.shuffle(idx.data(), idx.size());
  idx.resize(max_fit_points);
  std::sort(idx.begin(), idx.end());
  FitData data{Eigen::MatrixXd(max_fit_points, d), Eigen::VectorXd(max_fit_points)};
  for (int i = 0; i < max_fit_points; ++i) {
    data.X.row(i) = X_all.row(idx[i]);
    data.y(i) = y_all(idx[i]);
  }
  return data;
}

// The box of the search in GpHyper::pack() order.
struct FitBounds {
  Eigen::VectorXd lb, ub;

  Eigen::VectorXd clamp(const Eigen::VectorXd& t) const {
    return Eigen::VectorXd(t.cwiseMax(lb).cwiseMin(ub));
  }
};

FitBounds fit_bounds(int d, const GpFitOptions& opt) {
  FitBounds b{Eigen::VectorXd(d + 2), Eigen::VectorXd(d + 2)};
  b.lb.head(d).setConstant(std::log(opt.min_lengthscale));
  b.ub.head(d).setConstant(std::log(opt.max_lengthscale));
  b.lb(d) = std::log(opt.min_signal_var);
  b.ub(d) = std::log(opt.max_signal_var);
  b.lb(d + 1) = std::log(std::max(opt.min_noise_var, kGpMinNoiseVar));
  b.ub(d + 1) = std::log(std::max(opt.max_noise_var, opt.min_noise_var));
  return b;
}

// Starts: warm (if any), default, then draws from the priors (uniform in log noise, which has
// none); fewer draws when n is large.
std::vector<Eigen::VectorXd> fit_starts(int d, const GpFitOptions& opt, const GpHyper* warm,
                                        bool large, const FitBounds& bounds, Rng& rng) {
  std::vector<Eigen::VectorXd> starts;
  if (warm) starts.push_back(bounds.clamp(warm->pack()));
  starts.push_back(bounds.clamp(gp_default_hyper(d).pack()));
  const int n_random = large ? opt.random_starts / 4 : opt.random_starts;
  for (int s = 0; s < n_random; ++s) {
    Eigen::VectorXd t(d + 2);
    const double ls_sd = opt.prior_log_lengthscale_sd > 0 ? opt.prior_log_lengthscale_sd : 1.0;
    const double sv_sd = opt.prior_log_signal_var_sd > 0 ? opt.prior_log_signal_var_sd : 1.0;
    for (int k = 0; k < d; ++k) t(k) = opt.prior_log_lengthscale_mean + ls_sd * rng.normal();
    t(d) = opt.prior_log_signal_var_mean + sv_sd * rng.normal();
    t(d + 1) = rng.uniform(bounds.lb(d + 1), std::min(bounds.ub(d + 1), std::log(1e-2)));
    starts.push_back(bounds.clamp(t));
  }
  return starts;
}

// (log posterior, start index) of every start by value alone (one Cholesky each), best first;
// a non-finite value counts as -infinity. Ties keep the start order (warm first), so the result
// is deterministic.
std::vector<std::pair<double, int>> screen_starts(const FitData& data,
                                                  const std::vector<Eigen::VectorXd>& starts,
                                                  const GpFitOptions& opt) {
  std::vector<std::pair<double, int>> scored;
  for (int s = 0; s < static_cast<int>(starts.size()); ++s) {
    double v = gp_log_posterior(data.X, data.y, GpHyper::unpack(starts[s]), opt, nullptr);
    if (!std::isfinite(v)) v = -std::numeric_limits<double>::infinity();
    scored.emplace_back(v, s);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  return scored;
}

// The starts L-BFGS refines: the best few screened ones (fewer when n is large), plus the warm
// start (index 0) always: late in a search it is nearly always the winner.
std::vector<int> starts_to_refine(const std::vector<std::pair<double, int>>& scored,
                                  const GpFitOptions& opt, bool large, bool warm) {
  const int n_refine =
      std::min<int>(large ? std::max(1, opt.lbfgs_starts / 2) : opt.lbfgs_starts,
                    static_cast<int>(scored.size()));
  std::vector<int> refine;
  for (int i = 0; i < n_refine; ++i) refine.push_back(scored[i].second);
  if (warm && std::find(refine.begin(), refine.end(), 0) == refine.end()) refine.push_back(0);
  return refine;
}

// One L-BFGS run from `start` within the bounds; *prob keeps the best point evaluated.
void refine_fit(FitProblem* prob, const Eigen::VectorXd& start, const FitBounds& bounds,
                const GpFitOptions& opt) {
  nlopt::opt o(nlopt::LD_LBFGS, static_cast<unsigned>(start.size()));
  o.set_lower_bounds(std::vector<double>(bounds.lb.data(), bounds.lb.data() + bounds.lb.size()));
  o.set_upper_bounds(std::vector<double>(bounds.ub.data(), bounds.ub.data() + bounds.ub.size()));
  o.set_max_objective(fit_objective, prob);
  o.set_maxeval(opt.max_evals);
  o.set_ftol_rel(1e-7);
  o.set_xtol_abs(1e-4);  // in log units: 0.01% of a length scale
  std::vector<double> x(start.data(), start.data() + start.size());
  double f = 0.0;
  try {
    o.optimize(x, f);
  } catch (const std::exception&) {
    // roundoff_limited and friends: prob->best already holds the best point evaluated.
  }
}

}  // namespace

GpHyper gp_fit_hyper(const Eigen::MatrixXd& X_all, const Eigen::VectorXd& y_all, uint64_t seed,
                     const GpFitOptions& opt, const GpHyper* warm) {
  const int n_all = static_cast<int>(X_all.rows()), d = static_cast<int>(X_all.cols());
  HS_CHECK(n_all >= 1 && d >= 1 && y_all.size() == n_all && y_all.allFinite());
  HS_CHECK(!warm || warm->dim() == d);
  Rng rng(derive_seed(seed, 0x6770, SeedPurpose::kSearch));

  FitData data = fit_points(X_all, y_all, opt.max_fit_points, rng);
  const YScale sc = standardisation(data.y);
  data.y = (data.y.array() - sc.mean) / sc.sd;
  const bool large = static_cast<int>(data.X.rows()) > opt.large_n;

  const FitBounds bounds = fit_bounds(d, opt);
  const std::vector<Eigen::VectorXd> starts = fit_starts(d, opt, warm, large, bounds, rng);
  // Screen every start by value alone, refine the best few with gradients.
  const std::vector<std::pair<double, int>> scored = screen_starts(data, starts, opt);
  FitProblem prob{&data.X, &data.y, &opt, -std::numeric_limits<double>::infinity(),
                  starts[scored[0].second]};
  prob.best = scored[0].first;
  for (int s : starts_to_refine(scored, opt, large, warm != nullptr))
    refine_fit(&prob, starts[s], bounds, opt);
  return GpHyper::unpack(prob.best_theta);
}

}  // namespace hs
