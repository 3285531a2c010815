// gp.h: a Gaussian-process regression model on the unit cube, for Bayesian optimisation.
//
//   kernel   Matérn 5/2 with one length scale per dimension (ARD):
//              k(x, x') = s2 (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r),
//              r^2 = sum_k ((x_k - x'_k) / l_k)^2,
//            plus noise variance sn2 on the diagonal of the training covariance.
//   outputs  standardised inside the model (mean 0, sd 1); hyperparameters refer to that scale,
//            predictions come back in the caller's units.
//   fitting  maximum a posteriori: log marginal likelihood (analytic gradient) plus the weak
//            priors of GpFitOptions, by NLopt L-BFGS inside bounds, from several seeded starts.
//
// Inputs are points of [0,1]^d (the bounds and priors assume that scale; the model itself works
// anywhere). Shapes: X (n,d) one point per row, y (n).
//
// Who may call: the search strategies (bayes). Thread safety: free functions are pure; a fitted
// Gp is read-only for predict() and may be shared between threads; fit() is not concurrent-safe.
// May depend on: src/core, Eigen, NLopt (only inside gp.cpp). Knows nothing of neural networks,
// data sets or MPI.
#pragma once

#include <cstdint>

#include <Eigen/Cholesky>
#include <Eigen/Core>

namespace hs {

// Kernel hyperparameters, all in natural-log space. Variances are in standardised output units.
struct GpHyper {
  Eigen::VectorXd log_lengthscale;  // (d) log l_k
  double log_signal_var = 0.0;      // log s2
  double log_noise_var = -9.2;      // log sn2 (about 1e-4)

  int dim() const { return static_cast<int>(log_lengthscale.size()); }
  // Packs as [log l_1..log l_d, log s2, log sn2] (the order of every gradient here) and back.
  Eigen::VectorXd pack() const;
  static GpHyper unpack(const Eigen::VectorXd& theta);  // REQUIRES: theta.size() >= 3
};

// Length scales 0.3, unit signal variance, noise 1e-4: a reasonable start on the cube.
GpHyper gp_default_hyper(int d);

// The smallest noise variance any fit or factorisation uses, in standardised units: the jitter
// floor that keeps K + sn2 I safely positive definite in double precision.
inline constexpr double kGpMinNoiseVar = 1e-6;

// A (n,d), B (m,d) -> R (n,m) with R_ij = sqrt(sum_k ((A_ik - B_jk) / l_k)^2): the distance the
// kernel sees, in length scales.
Eigen::MatrixXd gp_scaled_distances(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B,
                                    const GpHyper& h);
// A (n,d), B (m,d) -> K (n,m) with K_ij = k(A_i, B_j) (no noise term).
void matern52_kernel(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, const GpHyper& h,
                     Eigen::MatrixXd* K);

// Log marginal likelihood of y under GP(0, k) + noise, y as given (the caller standardises):
//   log p(y | X, theta) = -1/2 y^T K^-1 y - 1/2 log|K| - n/2 log(2 pi),  K = k(X,X) + sn2 I.
// grad (null: skipped) gets d/d theta in GpHyper::pack() order, exact (not finite differences).
// Returns -infinity if the Cholesky fails; no jitter is added here, so the value and gradient
// are those of exactly these hyperparameters (with sn2 >= kGpMinNoiseVar it does not fail).
// Cost: one Cholesky and, with grad, one inverse from it: O(n^3), plus O(n^2 d).
// REQUIRES: X (n,d) with n >= 1, y (n), h.dim() == d.
double gp_log_marginal_likelihood(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                                  const GpHyper& h, Eigen::VectorXd* grad);

// How y is standardised: y_std = (y - mean) / sd.
struct YScale {
  double mean = 0.0;
  double sd = 1.0;
};
// Sample mean and sd of y (divisor n); sd falls back to 1 when y is constant or n == 1.
YScale standardisation(const Eigen::VectorXd& y);

class Gp {
 public:
  // Standardises y with standardisation(y) (or with `scale` if given), then factorises
  // K + sn2 I. If the Cholesky fails, the diagonal gets extra jitter (1e-8, 1e-7, .. 1e-2 of
  // the signal variance) until it succeeds; jitter() says how much was added.
  // REQUIRES: X (n,d) with n >= 1, y (n) finite, hyper.dim() == d.
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const GpHyper& hyper);
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const GpHyper& hyper,
           const YScale& scale);

  // Xq (m,d) -> mean (m) and variance (m) of the latent function (noise not included) in the
  // original y units; var is clamped at >= 0. Either output may be null. REQUIRES: fitted.
  void predict(const Eigen::MatrixXd& Xq, Eigen::VectorXd* mean, Eigen::VectorXd* var) const;

  // The same at one point x (d), in STANDARDISED units, with gradients w.r.t. x (either may be
  // null): the cheap path the acquisition optimiser calls many times. O(n d + n^2).
  void predict_std_grad(const Eigen::VectorXd& x, double* mean, double* var,
                        Eigen::VectorXd* dmean, Eigen::VectorXd* dvar) const;

  bool fitted() const { return n() > 0; }
  int n() const { return static_cast<int>(X_.rows()); }
  int dim() const { return static_cast<int>(X_.cols()); }
  const GpHyper& hyper() const { return hyper_; }
  const YScale& scale() const { return scale_; }
  const Eigen::MatrixXd& X() const { return X_; }
  double jitter() const { return jitter_; }
  // (K + (sn2 + jitter) I)^-1 y_std, for callers that need the weights.
  const Eigen::VectorXd& alpha() const { return alpha_; }

 private:
  Eigen::MatrixXd X_;  // (n,d)
  Eigen::VectorXd alpha_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::ArrayXd inv_l2_;  // 1 / l_k^2
  GpHyper hyper_;
  YScale scale_;
  double s2_ = 1.0;
  double jitter_ = 0.0;
};

// Options for gp_fit_hyper. Bounds and priors are on the log scale of standardised units with
// inputs on [0,1]^d. The priors are weak on purpose: they keep the few-point fits early in a
// search from running to degenerate length scales (all data explained as noise, or a spike at
// every point), and hardly move a fit backed by many points.
struct GpFitOptions {
  // Bounds of the search: length scale, signal variance, noise variance.
  double min_lengthscale = 0.01, max_lengthscale = 100.0;
  double min_signal_var = 0.01, max_signal_var = 100.0;
  double min_noise_var = kGpMinNoiseVar, max_noise_var = 1.0;
  // Gaussian priors on log l_k (that is, log-normal on l_k) and on log s2. sd <= 0: no prior.
  double prior_log_lengthscale_mean = -0.7;  // l around 0.5
  double prior_log_lengthscale_sd = 1.0;
  double prior_log_signal_var_mean = 0.0;
  double prior_log_signal_var_sd = 1.5;
  // Starts: the warm hyperparameters (if given), gp_default_hyper, and `random_starts` draws
  // from the priors; the best `lbfgs_starts` of those by objective value are refined by
  // L-BFGS for at most `max_evals` evaluations each. Fewer random starts and refinements are
  // used when n is large (above `large_n`), since a warm start then rarely moves far.
  int random_starts = 16;
  int lbfgs_starts = 3;
  int max_evals = 60;
  int large_n = 150;
  // Above this many points the hyperparameters are fitted on a seeded random subset of this
  // size: O(n^3) per evaluation makes a full fit at n = 1000 cost more than a second, and a few
  // hundred points pin down d + 2 numbers well. The model itself still uses every point.
  int max_fit_points = 250;
};

// Log posterior (up to a constant) that gp_fit_hyper maximises: the log marginal likelihood of
// y plus the log priors of `opt`, with its exact gradient in GpHyper::pack() order (null: skip).
double gp_log_posterior(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const GpHyper& h,
                        const GpFitOptions& opt, Eigen::VectorXd* grad);

// Fits hyperparameters to (X, y): y is standardised here (the caller passes raw values).
// `warm` (may be null) is a previous fit, used as one more start. Deterministic for a seed.
// REQUIRES: X (n,d), n >= 1, y (n) finite; warm->dim() == d if warm is given.
GpHyper gp_fit_hyper(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, uint64_t seed,
                     const GpFitOptions& opt, const GpHyper* warm);

}  // namespace hs
