#include <catch2/catch.hpp>

#include "gradcheck.h"
#include "nn/layers.h"

using namespace hs;
using namespace hs::test;

TEST_CASE("inverted dropout keeps about 1-p of the units, scaled by 1/(1-p)", "[nn][dropout]") {
  const int64_t n = 100000;
  const double p = 0.3;
  std::vector<float> in(n, 1.0f), out(n), mask(n);
  dropout_forward(out.data(), mask.data(), in.data(), n, p, 42);
  int64_t kept = 0;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (out[i] != 0.0f) {
      ++kept;
      CHECK(out[i] == Approx(1.0 / (1.0 - p)));
    }
    sum += out[i];
  }
  // Binomial(n, 0.7): standard deviation sqrt(n p (1-p)) = 145; 5 of them is 725.
  CHECK(std::abs(kept - 70000) < 725);
  CHECK(sum / n == Approx(1.0).epsilon(0.02));  // the expectation is preserved
}

TEST_CASE("dropout masks depend on the seed only", "[nn][dropout]") {
  const int64_t n = 1000;
  std::vector<float> in(n, 1.0f), a(n), b(n), c(n), ma(n), mb(n), mc(n);
  dropout_forward(a.data(), ma.data(), in.data(), n, 0.5, 7);
  dropout_forward(b.data(), mb.data(), in.data(), n, 0.5, 7);
  dropout_forward(c.data(), mc.data(), in.data(), n, 0.5, 8);
  CHECK(ma == mb);
  CHECK(ma != mc);
}

TEST_CASE("dropout backward matches finite differences for a fixed mask", "[nn][dropout][grad]") {
  auto x = random_vector(300, 31);
  const auto R = random_vector(x.size(), 32);
  std::vector<double> y(x.size()), mask(x.size()), dx(x.size());
  const int64_t n = static_cast<int64_t>(x.size());
  auto loss = [&] {
    dropout_forward(y.data(), mask.data(), x.data(), n, 0.4, 99);  // same seed: same mask
    return dot(y, R);
  };
  loss();
  dropout_backward(dx.data(), R.data(), mask.data(), n);
  check_grad("dropout din", x, dx, loss);
}
