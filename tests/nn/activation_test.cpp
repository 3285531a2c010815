#include <catch2/catch.hpp>
#include <cmath>

#include "gradcheck.h"
#include "nn/layers.h"

using namespace hs;
using namespace hs::test;

TEST_CASE("activations match their closed forms", "[nn][activation]") {
  const std::vector<double> x = {-2.0, -0.5, 0.25, 1.5};
  std::vector<double> y(x.size());
  activation_forward(Activation::kRelu, y.data(), x.data(), 4);
  CHECK(y == std::vector<double>{0, 0, 0.25, 1.5});
  activation_forward(Activation::kTanh, y.data(), x.data(), 4);
  for (size_t i = 0; i < x.size(); ++i) CHECK(y[i] == Approx(std::tanh(x[i])));
  activation_forward(Activation::kGelu, y.data(), x.data(), 4);
  // GELU(x) = x * Phi(x); Phi(1.5) = 0.9331927987311419 and Phi(-2) = 0.0227501319481792.
  CHECK(y[3] == Approx(1.5 * 0.9331927987311419).epsilon(1e-12));
  CHECK(y[0] == Approx(-2.0 * 0.0227501319481792).epsilon(1e-12));
}

TEST_CASE("activation gradients match finite differences", "[nn][activation][grad]") {
  for (Activation a : {Activation::kRelu, Activation::kTanh, Activation::kGelu}) {
    auto x = random_vector(200, 21);
    for (auto& v : x)
      if (std::abs(v) < 1e-3) v = 0.5;  // keep ReLU's kink out of reach of h
    const auto R = random_vector(x.size(), 22);
    std::vector<double> y(x.size()), dx(x.size());
    auto loss = [&] {
      activation_forward(a, y.data(), x.data(), static_cast<int64_t>(x.size()));
      return dot(y, R);
    };
    loss();
    activation_backward(a, dx.data(), R.data(), x.data(), y.data(),
                        static_cast<int64_t>(x.size()));
    check_grad(activation_name(a), x, dx, loss);
  }
}
