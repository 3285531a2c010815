// local_penalty.cpp: the penalty balls around pending points.
#include "search/local_penalty.h"

#include <algorithm>
#include <cmath>

namespace hs {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kLogSqrt2Pi = 0.91893853320467274178;

// log Phi(z) and d/dz, by the asymptotic series below z = -30 where Phi underflows.
double log_norm_cdf(double z, double* dz) {
  if (z > -30.0) {
    const double cdf = 0.5 * std::erfc(-z * kInvSqrt2);
    const double pdf = std::exp(-0.5 * z * z - kLogSqrt2Pi);
    *dz = pdf / cdf;
    return std::log(cdf);
  }
  const double u = 1.0 / (z * z);
  *dz = -z / (1.0 - u + 3.0 * u * u);
  return -0.5 * z * z - kLogSqrt2Pi - std::log(-z) + std::log(1.0 - u + 3.0 * u * u);
}

}  // namespace

LocalPenalty::LocalPenalty(const Gp& gp, const Eigen::MatrixXd& pending,
                           const Eigen::MatrixXd& probe, double best_std)
    : P_(pending), M_(best_std) {
  const int m = static_cast<int>(P_.rows());
  if (m == 0) return;
  mu_.resize(m);
  s_.resize(m);
  for (int j = 0; j < m; ++j) {
    double mu = 0.0, var = 0.0;
    gp.predict_std_grad(P_.row(j).transpose(), &mu, &var, nullptr, nullptr);
    mu_(j) = mu;
    s_(j) = std::sqrt(std::max(var, 1e-12));
  }
  double L = 0.0;
  for (Eigen::Index i = 0; i < probe.rows(); ++i) {
    double mu = 0.0, var = 0.0;
    Eigen::VectorXd dmu;
    gp.predict_std_grad(probe.row(i).transpose(), &mu, &var, &dmu, nullptr);
    L = std::max(L, dmu.norm());
  }
  L_ = std::max(L, 1e-7);
}

double LocalPenalty::log_penalty(const Eigen::VectorXd& x, Eigen::VectorXd* grad) const {
  if (grad) grad->setZero(x.size());
  double v = 0.0;
  for (Eigen::Index j = 0; j < P_.rows(); ++j) {
    const Eigen::VectorXd diff = x - P_.row(j).transpose();
    const double r = diff.norm();
    const double z = (M_ + L_ * r - mu_(j)) / s_(j);
    double dz = 0.0;
    v += log_norm_cdf(z, &dz);
    if (grad && r > 0.0) *grad += (dz * L_ / (s_(j) * r)) * diff;
  }
  return v;
}

}  // namespace hs
