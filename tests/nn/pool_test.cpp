#include <catch2/catch.hpp>

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
