// problems.h: standard test functions for the search strategies, in one place for the tests and
// the benchmarks (ensmallen's problems/). All are to be minimised; each comes with its domain, its
// known optimum value and one known minimiser, and maps from the unit cube the strategies search.
//
//   branin     2-D, x1 in [-5,10], x2 in [0,15]; minimum 0.397887 at (-pi, 12.275), (pi, 2.275)
//              and (9.42478, 2.475)
//   hartmann6  6-D on [0,1]^6; minimum -3.32237 at (0.20169, 0.150011, 0.476874, 0.275332,
//              0.311652, 0.6573)
// Constants as in Surjanovic & Bingham's Virtual Library of Simulation Experiments.
//
// Header-only, pure functions. May depend on: Eigen.
#pragma once

#include <cmath>
#include <numbers>

#include <Eigen/Core>

namespace hs::problems {

// A test function on a box [lower, upper] of dimension dim.
struct TestProblem {
  const char* name;
  int dim;
  Eigen::VectorXd lower, upper;  // (dim)
  double optimum;                // the global minimum value
  Eigen::VectorXd minimiser;     // one point (in the domain) where it is attained
  double (*f)(const Eigen::VectorXd& x);  // x in the domain
};

// Unit cube -> domain: lower + u (upper - lower), and back.
inline Eigen::VectorXd from_unit(const TestProblem& p, const Eigen::VectorXd& u) {
  return (p.lower.array() + u.array() * (p.upper - p.lower).array()).matrix();
}
inline Eigen::VectorXd to_unit(const TestProblem& p, const Eigen::VectorXd& x) {
  return ((x - p.lower).array() / (p.upper - p.lower).array()).matrix();
}
// The function at a unit-cube point.
inline double eval_unit(const TestProblem& p, const Eigen::VectorXd& u) {
  return p.f(from_unit(p, u));
}

inline double branin(const Eigen::VectorXd& x) {
  constexpr double pi = std::numbers::pi;
  constexpr double b = 5.1 / (4.0 * pi * pi), c = 5.0 / pi, t = 1.0 / (8.0 * pi);
  const double q = x(1) - b * x(0) * x(0) + c * x(0) - 6.0;
  return q * q + 10.0 * (1.0 - t) * std::cos(x(0)) + 10.0;
}

inline double hartmann6(const Eigen::VectorXd& x) {
  static constexpr double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static constexpr double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                     {0.05, 10, 17, 0.1, 8, 14},
                                     {3, 3.5, 1.7, 10, 17, 8},
                                     {17, 8, 0.05, 10, 0.1, 14}};
  static constexpr double P[4][6] = {{1312, 1696, 5569, 124, 8283, 5886},
                                     {2329, 4135, 8307, 3736, 1004, 9991},
                                     {2348, 1451, 3522, 2883, 3047, 6650},
                                     {4047, 8828, 8732, 5743, 1091, 381}};
  double f = 0.0;
  for (int i = 0; i < 4; ++i) {
    double s = 0.0;
    for (int j = 0; j < 6; ++j) {
      const double dx = x(j) - 1e-4 * P[i][j];
      s += A[i][j] * dx * dx;
    }
    f -= alpha[i] * std::exp(-s);
  }
  return f;
}

inline TestProblem branin_problem() {
  return TestProblem{"branin",
                     2,
                     Eigen::Vector2d(-5.0, 0.0),
                     Eigen::Vector2d(10.0, 15.0),
                     0.397887357729739,
                     Eigen::Vector2d(std::numbers::pi, 2.275),
                     &branin};
}

inline TestProblem hartmann6_problem() {
  Eigen::VectorXd xmin(6);
  xmin << 0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573;
  return TestProblem{"hartmann6",
                     6,
                     Eigen::VectorXd::Zero(6),
                     Eigen::VectorXd::Ones(6),
                     -3.32236801141551,
                     xmin,
                     &hartmann6};
}

}  // namespace hs::problems
