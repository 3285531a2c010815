// gradcheck.h: central finite differences against analytic gradients, in double precision
// (limbo's check_grad). Shared by the layer and network tests.
#pragma once

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/rng.h"

namespace hs::test {

inline std::vector<double> random_vector(size_t n, uint64_t seed, double scale = 1.0) {
  Rng rng(seed);
  std::vector<double> v(n);
  for (auto& x : v) x = scale * rng.normal();
  return v;
}

// For every element i of `p`: (loss(p + h e_i) - loss(p - h e_i)) / 2h must match analytic[i].
// In double precision with h = 1e-5 the truncation error is O(h^2) ~ 1e-10 times the third
// derivative and the rounding error ~ 1e-16 / 1e-5 = 1e-11 times the loss, so a relative error
// of 1e-6 only passes when the analytic gradient is right. Elements far smaller than the largest
// are measured against 1e-4 of it, since their finite difference is mostly rounding noise.
inline void check_grad(const std::string& what, std::vector<double>& p,
                       const std::vector<double>& analytic, const std::function<double()>& loss,
                       double h = 1e-5, double tol = 1e-6) {
  REQUIRE(p.size() == analytic.size());
  double scale = 0;
  for (double a : analytic) scale = std::max(scale, std::abs(a));
  const double floor = std::max(1e-12, 1e-4 * scale);
  double worst = 0;
  size_t worst_i = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double keep = p[i];
    p[i] = keep + h;
    const double up = loss();
    p[i] = keep - h;
    const double down = loss();
    p[i] = keep;
    const double numeric = (up - down) / (2 * h);
    const double err = std::abs(numeric - analytic[i]) /
                       std::max(floor, std::abs(numeric) + std::abs(analytic[i]));
    if (err > worst) worst = err, worst_i = i;
  }
  INFO(what << ": worst relative error " << worst << " at element " << worst_i << " of "
            << p.size() << " (analytic " << analytic[worst_i] << ")");
  CHECK(worst < tol);
}

// sum(out * R): a scalar whose gradient w.r.t. out is R.
inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace hs::test
