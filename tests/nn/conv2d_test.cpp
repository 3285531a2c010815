#include <catch2/catch.hpp>
#include <omp.h>

#include <algorithm>

#include "gradcheck.h"
#include "nn/layers.h"

using namespace hs;
using namespace hs::test;

namespace {
// out[b, oy, ox, o] = bias[o] + sum_{ky,kx,c} in[b, oy*s-p+ky, ox*s-p+kx, c] * W[o, ky, kx, c]
std::vector<double> naive_conv(const std::vector<double>& in, const std::vector<double>& W,
                               const std::vector<double>& bias, const ConvShape& s) {
  std::vector<double> out(s.rows() * s.OC);
  for (int64_t b = 0; b < s.B; ++b)
    for (int oy = 0; oy < s.OH(); ++oy)
      for (int ox = 0; ox < s.OW(); ++ox)
        for (int o = 0; o < s.OC; ++o) {
          double acc = bias[o];
          for (int ky = 0; ky < s.K; ++ky)
            for (int kx = 0; kx < s.K; ++kx)
              for (int c = 0; c < s.C; ++c) {
                const int y = oy * s.stride - s.pad + ky, x = ox * s.stride - s.pad + kx;
                if (y < 0 || y >= s.H || x < 0 || x >= s.W) continue;
                acc += in[((b * s.H + y) * s.W + x) * s.C + c] *
                       W[((o * s.K + ky) * s.K + kx) * s.C + c];
              }
          out[((b * s.OH() + oy) * s.OW() + ox) * s.OC + o] = acc;
        }
  return out;
}

std::vector<double> scratch_for(const ConvShape& s) {
  return std::vector<double>(conv2d_scratch_size<double>(s, omp_get_max_threads()));
}

ConvShape shape(int64_t B, int H, int W, int C, int OC, int K, int stride, int pad) {
  ConvShape s;
  s.B = B, s.H = H, s.W = W, s.C = C, s.OC = OC, s.K = K, s.stride = stride, s.pad = pad;
  return s;
}
}  // namespace

TEST_CASE("conv2d_forward matches the direct convolution", "[nn][conv2d]") {
  // The last shape's images take more than kConvChunkBytes of patches each: one chunk per image.
  static_assert(28 * 28 * 25 * sizeof(double) > kConvChunkBytes / 2);
  for (const auto& s : {shape(2, 7, 6, 3, 4, 3, 1, 0), shape(2, 7, 6, 3, 4, 3, 1, 1),
                        shape(3, 9, 8, 2, 5, 3, 2, 1), shape(5, 28, 28, 1, 4, 5, 1, 2)}) {
    auto in = random_vector(s.B * s.H * s.W * s.C, 1), W = random_vector(s.OC * s.patch(), 2);
    auto b = random_vector(s.OC, 3);
    std::vector<double> out(s.rows() * s.OC), scratch = scratch_for(s);
    conv2d_forward(out.data(), in.data(), W.data(), b.data(), s, scratch.data());
    const auto ref = naive_conv(in, W, b, s);
    INFO("H " << s.H << " W " << s.W << " K " << s.K << " stride " << s.stride << " pad " << s.pad);
    REQUIRE(out.size() == ref.size());
    for (size_t i = 0; i < out.size(); ++i) CHECK(out[i] == Approx(ref[i]).epsilon(1e-12).margin(1e-13));
  }
}

TEST_CASE("col2im is the adjoint of im2col", "[nn][conv2d]") {
  // <im2col(x), y> == <x, col2im(y)> for all x, y: the property the backward pass relies on.
  const ConvShape s = shape(2, 8, 7, 3, 1, 3, 2, 1);
  auto x = random_vector(s.B * s.H * s.W * s.C, 4), y = random_vector(s.rows() * s.patch(), 5);
  std::vector<double> cols(s.rows() * s.patch()), back(x.size());
  im2col(cols.data(), x.data(), s);
  col2im(back.data(), y.data(), s);
  CHECK(dot(cols, y) == Approx(dot(x, back)).epsilon(1e-12));
}

TEST_CASE("conv2d_backward gradients match finite differences", "[nn][conv2d][grad]") {
  // The last shape has 3 chunks (one image each), so the chunk sums are checked too.
  for (const auto& s : {shape(2, 6, 5, 2, 3, 3, 1, 0), shape(2, 6, 7, 2, 3, 3, 1, 1),
                        shape(2, 7, 7, 3, 2, 3, 2, 1), shape(3, 24, 24, 2, 2, 5, 1, 0)}) {
    auto in = random_vector(s.B * s.H * s.W * s.C, 6), W = random_vector(s.OC * s.patch(), 7);
    auto b = random_vector(s.OC, 8);
    const auto R = random_vector(s.rows() * s.OC, 9);
    std::vector<double> out(s.rows() * s.OC), scratch = scratch_for(s);
    std::vector<double> din(in.size()), dW(W.size()), db(b.size());
    auto loss = [&] {
      conv2d_forward(out.data(), in.data(), W.data(), b.data(), s, scratch.data());
      return dot(out, R);
    };
    loss();
    conv2d_backward(din.data(), dW.data(), db.data(), R.data(), in.data(), W.data(), s,
                    scratch.data());
    INFO("B " << s.B << " stride " << s.stride << " pad " << s.pad);
    check_grad("conv dW", W, dW, loss);
    check_grad("conv db", b, db, loss);
    check_grad("conv din", in, din, loss);
  }
}

TEST_CASE("conv2d gradients are the same bits with 1 and 2 threads, and accumulate adds them", "[nn][conv2d]") {
  const ConvShape s = shape(6, 20, 20, 3, 4, 5, 1, 1);  // 6 chunks of one image
  auto in = random_vector(s.B * s.H * s.W * s.C, 10), W = random_vector(s.OC * s.patch(), 11);
  const auto R = random_vector(s.rows() * s.OC, 12);
  const int saved = omp_get_max_threads();
  auto grads = [&](int threads) {
    omp_set_num_threads(threads);
    std::vector<double> scratch = scratch_for(s);
    std::vector<double> g(in.size() + W.size() + s.OC);
    conv2d_backward(g.data(), g.data() + in.size(), g.data() + in.size() + W.size(), R.data(),
                    in.data(), W.data(), s, scratch.data());
    return g;
  };
  const auto one = grads(1), two = grads(2);
  // accumulate adds the same dW and db to what is there.
  std::vector<double> scratch = scratch_for(s), dW(W.size(), 1.0), db(s.OC, 1.0);
  conv2d_backward<double>(nullptr, dW.data(), db.data(), R.data(), in.data(), W.data(), s,
                          scratch.data(), true);
  for (size_t i = 0; i < W.size(); ++i)
    CHECK(dW[i] == Approx(one[in.size() + i] + 1.0).epsilon(1e-14));
  for (int o = 0; o < s.OC; ++o)
    CHECK(db[o] == Approx(one[in.size() + W.size() + o] + 1.0).epsilon(1e-14));
  omp_set_num_threads(saved);
  CHECK(one == two);
  CHECK(std::any_of(one.begin(), one.end(), [](double v) { return v != 0.0; }));
}
