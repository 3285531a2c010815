#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "gradcheck.h"
#include "nn/layers.h"

using namespace hs;
using namespace hs::test;

TEST_CASE("maxpool_forward takes each window's maximum", "[nn][pool]") {
  // One 4x4 single-channel image, pool 2: the four window maxima are known by construction.
  const std::vector<double> in = {1, 5, 2, 0,  //
                                  3, 4, 9, 1,  //
                                  0, 0, 7, 8,  //
                                  6, 2, 3, 4};
  std::vector<double> out(4);
  std::vector<int32_t> am(4);
  maxpool_forward(out.data(), am.data(), in.data(), 1, 4, 4, 1, 2);
  CHECK(out == std::vector<double>{5, 9, 6, 8});
  CHECK(am == std::vector<int32_t>{1, 6, 12, 11});
}

TEST_CASE("maxpool with an odd size drops the last row and column", "[nn][pool]") {
  // 5x5 -> 2x2: the max 100 in the last row/column is outside every window.
  std::vector<double> in(25, 0.0);
  for (int i = 0; i < 25; ++i) in[i] = i % 7;
  in[24] = 100;
  std::vector<double> out(4);
  std::vector<int32_t> am(4);
  maxpool_forward(out.data(), am.data(), in.data(), 1, 5, 5, 1, 2);
  for (double v : out) CHECK(v < 100);
}

TEST_CASE("maxpool_backward matches finite differences", "[nn][pool][grad]") {
  const int64_t B = 2;
  const int H = 6, W = 6, C = 3, P = 2;
  // Random values are distinct almost surely, and far apart compared with h = 1e-5, so no
  // window's argmax changes under the perturbation.
  auto in = random_vector(B * H * W * C, 11);
  const int64_t n_out = B * (H / P) * (W / P) * C;
  const auto R = random_vector(n_out, 12);
  std::vector<double> out(n_out), din(in.size());
  std::vector<int32_t> am(n_out);
  auto loss = [&] {
    maxpool_forward(out.data(), am.data(), in.data(), B, H, W, C, P);
    return dot(out, R);
  };
  loss();
  maxpool_backward(din.data(), R.data(), am.data(), B, H, W, C, P);
  check_grad("pool din", in, din, loss);
}

TEST_CASE("relu after the pool is the same function and gradient as relu before it", "[nn][pool]") {
  // build_network puts a cnn's relu after its pool; this is the identity that makes it exact.
  // Ties are forced in: rounded inputs repeat values, and half the windows are all <= 0.
  const int64_t B = 3;
  const int H = 6, W = 6, C = 4, P = 2;
  const int64_t n_in = B * H * W * C, n_out = B * (H / P) * (W / P) * C;
  auto x = random_vector(n_in, 21);
  for (auto& v : x) v = std::round(v * 4.0) / 4.0;
  const auto g = random_vector(n_out, 22);
  // relu then pool
  std::vector<double> r(n_in), p1(n_out), dp(n_in), dx1(n_in);
  std::vector<int32_t> am1(n_out), am2(n_out);
  activation_forward(Activation::kRelu, r.data(), x.data(), n_in);
  maxpool_forward(p1.data(), am1.data(), r.data(), B, H, W, C, P);
  maxpool_backward(dp.data(), g.data(), am1.data(), B, H, W, C, P);
  activation_backward(Activation::kRelu, dx1.data(), dp.data(), x.data(), r.data(), n_in);
  // pool then relu
  std::vector<double> q(n_out), p2(n_out), dq(n_out), dx2(n_in);
  maxpool_forward(q.data(), am2.data(), x.data(), B, H, W, C, P);
  activation_forward(Activation::kRelu, p2.data(), q.data(), n_out);
  activation_backward(Activation::kRelu, dq.data(), g.data(), q.data(), p2.data(), n_out);
  maxpool_backward(dx2.data(), dq.data(), am2.data(), B, H, W, C, P);
  CHECK(p1 == p2);
  CHECK(dx1 == dx2);
  CHECK(std::count(q.begin(), q.end(), 0.0) + std::count_if(q.begin(), q.end(), [](double v) {
          return v < 0;
        }) > 0);  // some windows are all <= 0
}
