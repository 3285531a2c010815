// local_penalty.h: local penalisation of pending points (González et al., "Batch Bayesian
// Optimization via Local Penalization", AISTATS 2016), for bayes proposals made while other
// trials run. Each pending point p_j gets a ball that probably holds no better point than the
// best observed M: with f(p_j) ~ N(mu_j, s_j^2) and L a Lipschitz constant of the mean,
//   phi_j(x) = P(||x - p_j|| > (f(p_j) - M) / L) = Phi((M + L ||x - p_j|| - mu_j) / s_j),
// and the acquisition is multiplied by prod_j phi_j(x) (log EI plus sum_j log phi_j). The model
// is the completed trials' alone: no made-up outcome enters it.
//
// Who may call: bayes.cpp. Thread safety: a built LocalPenalty is read-only.
// May depend on: search/gp, Eigen.
#pragma once

#include <Eigen/Core>

#include "search/gp.h"

namespace hs {

class LocalPenalty {
 public:
  // gp: fitted to the completed trials; pending (m,d); probe (k,d): points where the mean's
  // slope is measured for L (the largest gradient norm there, standardised units); best_std:
  // M, the best observed value, standardised.
  LocalPenalty(const Gp& gp, const Eigen::MatrixXd& pending, const Eigen::MatrixXd& probe,
               double best_std);
  // sum_j log phi_j(x), and its gradient w.r.t. x (null: skipped). 0 without pending points.
  double log_penalty(const Eigen::VectorXd& x, Eigen::VectorXd* grad) const;
  bool empty() const { return P_.rows() == 0; }

 private:
  Eigen::MatrixXd P_;       // pending points (m,d)
  Eigen::VectorXd mu_, s_;  // their standardised mean and sd
  double L_ = 1.0, M_ = 0.0;
};

}  // namespace hs
