// layers_test.cpp: the CUDA layers (src/cuda/layers.h) against their CPU twins
// (src/nn/layers.h) on the same seeded inputs: dense, im2col/col2im, conv2d,
// max pool, activations, dropout and softmax cross-entropy. The optimiser steps
// and a short training run are in optim_test.cpp.
//
// Tolerances. An element passes when |gpu - cpu| <= abs + rel * m, m =
// max(|cpu|, mag), where mag, when given, is the same computation done in
// double over the absolute values of its inputs (the sum of |terms|): a float
// sum's rounding error is bounded by a multiple of it, while cancellation can
// make |cpu| itself arbitrarily small.
//   - GEMMs (dense, conv2d forward and backward): rel 1e-5 of the sum of
//   |terms|, abs 1e-5.
//     cuBLAS sums in its own order and fuses; TF32 tensor-op math would not
//     pass.
//   - tanh, gelu (forward and backward), softmax probs and loss: rel 1e-6, abs
//   1e-7 (CUDA's
//     tanhf, erff and expf are within 2 ulp); gelu and tanh' relative to the
//     sum of |terms|.
//   - col2im: rel 1e-6 of the sum of |terms|, abs 0 (the gather adds in another
//   order than the
//     CPU's scatter).
//   - exact (==): relu, dropout, maxpool (values, argmax, gradient), im2col,
//   the hit count and
//     softmax_xent_backward (the same float operations, no contraction).
// Device outputs start as NaN, so an element a kernel leaves unwritten (or adds
// to when it should overwrite) fails.
#include "cuda/layers.h"

#include <omp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "compare.h"
#include "core/rng.h"
#include "cuda/device.h"
#include "cuda/gpu.h"
#include "nn/layers.h"

namespace {

using namespace hs::test;
using hs::cuda::Buffer;
using hs::cuda::Context;

constexpr double kGemmRel = 1e-5, kGemmAbs = 1e-5;
constexpr double kMathRel = 1e-6, kMathAbs = 1e-7;
constexpr double kCol2imRel = 1e-6;
constexpr double kInvSqrt2 = 0.70710678118654752440, kInvSqrt2Pi = 0.39894228040143267794;

// |v| in double: the inputs of a magnitude computation.
std::vector<double> absd(const std::vector<float>& v) {
  std::vector<double> r(v.size());
  for (size_t i = 0; i < v.size(); ++i) r[i] = std::fabs(static_cast<double>(v[i]));
  return r;
}

// mag + |add|: the magnitude of a sum added onto `add` (accumulate = true).
std::vector<double> plus_abs(std::vector<double> mag, const std::vector<float>& add) {
  for (size_t i = 0; i < mag.size(); ++i) mag[i] += std::fabs(static_cast<double>(add[i]));
  return mag;
}

Buffer<float> nans(Context& ctx, size_t n) {
  return Buffer<float>::from(ctx, std::vector<float>(n, std::numeric_limits<float>::quiet_NaN()));
}

struct Dense {
  int64_t B, C, OC;
};
// Odd sizes for the edges, a 1x1x1 corner, and one MNIST-sized layer for
// cuBLAS's own path.
constexpr Dense kDense[] = {{37, 19, 21}, {1, 1, 1}, {128, 784, 256}};

std::vector<hs::ConvShape> conv_shapes() {
  return {{.B = 3, .H = 9, .W = 9, .C = 3, .OC = 5, .K = 3, .stride = 2, .pad = 1},
          {.B = 2, .H = 9, .W = 11, .C = 2, .OC = 7, .K = 5, .stride = 1, .pad = 0}};
}

std::string describe(const hs::ConvShape& s) {
  return "B=" + std::to_string(s.B) + " H=" + std::to_string(s.H) + " W=" + std::to_string(s.W) +
         " C=" + std::to_string(s.C) + " OC=" + std::to_string(s.OC) + " K=" + std::to_string(s.K) +
         " stride=" + std::to_string(s.stride) + " pad=" + std::to_string(s.pad);
}

}  // namespace

// The device the other tests run on is visible and named.
TEST_CASE("cuda device is listed with a name", "[cuda]") {
  hs::test::require_gpu();
  std::string why;
  CHECK(hs::cuda::device_count(&why) >= 1);
  CHECK_FALSE(hs::cuda::device_name(0).empty());
  Context ctx(0);
  CHECK(ctx.device() == 0);
}

// Buffers carry float, double and int32 data to the device and back unchanged;
// zero() clears.
TEST_CASE("cuda buffer round trip and zero", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  const auto v = uniform(7, 1001);
  auto b = up(ctx, v);
  CHECK(b.size() == v.size());
  same(b.to_host(), v);
  // A partial upload and download touch only the first n elements.
  const auto head = uniform(8, 10);
  b.upload(head.data(), head.size());
  std::vector<float> got(10);
  b.download(got.data(), got.size());
  same(got, head);
  auto all = b.to_host();
  CHECK(std::equal(v.begin() + 10, v.end(), all.begin() + 10));
  b.zero();
  same(b.to_host(), std::vector<float>(v.size(), 0.0f));

  const std::vector<double> d = {1.5, -2.25, 1e300, 3.0};
  same(up(ctx, d).to_host(), d);
  const std::vector<int32_t> ints = {0, -1, 2147483647, 42, -7};
  auto bi = up(ctx, ints);
  same(bi.to_host(), ints);
  bi.zero();
  same(bi.to_host(), std::vector<int32_t>(ints.size(), 0));
}

// out = in W^T + b, to GEMM rounding.
TEST_CASE("cuda dense_forward matches the cpu", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  for (const Dense& d : kDense) {
    CAPTURE(d.B, d.C, d.OC);
    const auto in = uniform(1, d.B * d.C), W = uniform(2, d.OC * d.C), b = uniform(3, d.OC);
    std::vector<float> cpu(d.B * d.OC);
    hs::dense_forward(cpu.data(), in.data(), W.data(), b.data(), d.B, d.C, d.OC);
    std::vector<double> mag(cpu.size());
    hs::dense_forward(mag.data(), absd(in).data(), absd(W).data(), absd(b).data(), d.B, d.C, d.OC);
    auto gin = up(ctx, in), gW = up(ctx, W), gb = up(ctx, b);
    auto gout = nans(ctx, cpu.size());
    hs::cuda::dense_forward(ctx, gout.data(), gin.data(), gW.data(), gb.data(), d.B, d.C, d.OC);
    close(gout.to_host(), cpu, kGemmRel, kGemmAbs, mag);
  }
}

// din, dW, db overwritten; with accumulate, dW and db added to (din still
// overwritten); a null din skips the input gradient and leaves dW and db right.
TEST_CASE("cuda dense_backward matches the cpu", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  for (const Dense& d : kDense) {
    CAPTURE(d.B, d.C, d.OC);
    const auto in = uniform(11, d.B * d.C), W = uniform(12, d.OC * d.C);
    const auto dout = uniform(13, d.B * d.OC);
    const auto dW0 = uniform(14, d.OC * d.C), db0 = uniform(15, d.OC);
    std::vector<double> mdin(d.B * d.C), mdW(d.OC * d.C), mdb(d.OC);
    hs::dense_backward(mdin.data(), mdW.data(), mdb.data(), absd(dout).data(), absd(in).data(),
                       absd(W).data(), d.B, d.C, d.OC);
    auto gin = up(ctx, in), gW = up(ctx, W), gdout = up(ctx, dout);
    for (bool accumulate : {false, true}) {
      CAPTURE(accumulate);
      std::vector<float> din(d.B * d.C);
      std::vector<float> dW = accumulate ? dW0 : std::vector<float>(dW0.size());
      std::vector<float> db = accumulate ? db0 : std::vector<float>(db0.size());
      hs::dense_backward(din.data(), dW.data(), db.data(), dout.data(), in.data(), W.data(), d.B,
                         d.C, d.OC, accumulate);
      auto gdin = nans(ctx, din.size());
      auto gdW = accumulate ? up(ctx, dW0) : nans(ctx, dW.size());
      auto gdb = accumulate ? up(ctx, db0) : nans(ctx, db.size());
      hs::cuda::dense_backward(ctx, gdin.data(), gdW.data(), gdb.data(), gdout.data(), gin.data(),
                               gW.data(), d.B, d.C, d.OC, accumulate);
      close(gdin.to_host(), din, kGemmRel, kGemmAbs, mdin);
      close(gdW.to_host(), dW, kGemmRel, kGemmAbs, accumulate ? plus_abs(mdW, dW0) : mdW);
      close(gdb.to_host(), db, kGemmRel, kGemmAbs, accumulate ? plus_abs(mdb, db0) : mdb);
    }
    std::vector<float> dW(dW0.size()), db(db0.size());
    hs::dense_backward<float>(nullptr, dW.data(), db.data(), dout.data(), in.data(), W.data(), d.B,
                              d.C, d.OC);
    auto gdW = nans(ctx, dW.size()), gdb = nans(ctx, db.size());
    hs::cuda::dense_backward(ctx, nullptr, gdW.data(), gdb.data(), gdout.data(), gin.data(),
                             gW.data(), d.B, d.C, d.OC);
    close(gdW.to_host(), dW, kGemmRel, kGemmAbs, mdW);
    close(gdb.to_host(), db, kGemmRel, kGemmAbs, mdb);
  }
}

// im2col is a copy (bit-exact, zeros in the padding); col2im is its adjoint,
// summing overlaps.
TEST_CASE("cuda im2col and col2im match the cpu", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  for (const hs::ConvShape& s : conv_shapes()) {
    INFO(describe(s));
    const int64_t in_n = s.B * s.H * s.W * s.C, cols_n = s.rows() * s.patch();
    const auto in = uniform(21, in_n);
    std::vector<float> cols(cols_n);
    hs::im2col(cols.data(), in.data(), s);
    auto gin = up(ctx, in);
    auto gcols = nans(ctx, cols_n);
    hs::cuda::im2col(ctx, gcols.data(), gin.data(), s);
    same(gcols.to_host(), cols);

    const auto c = uniform(22, cols_n);
    std::vector<float> din(in_n);
    hs::col2im(din.data(), c.data(), s);
    std::vector<double> mag(in_n);
    hs::col2im(mag.data(), absd(c).data(), s);
    auto gc = up(ctx, c);
    auto gdin = nans(ctx, in_n);
    hs::cuda::col2im(ctx, gdin.data(), gc.data(), s);
    close(gdin.to_host(), din, kCol2imRel, 0.0, mag);
  }
}

// Forward to GEMM rounding, over the im2col shapes and a 28x28 batch the CPU
// splits in chunks.
TEST_CASE("cuda conv2d_forward matches the cpu", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  auto shapes = conv_shapes();
  shapes.push_back({.B = 16, .H = 28, .W = 28, .C = 1, .OC = 21, .K = 5, .stride = 1, .pad = 2});
  for (const hs::ConvShape& s : shapes) {
    INFO(describe(s));
    const auto in = uniform(31, s.B * s.H * s.W * s.C), W = uniform(32, s.OC * s.patch());
    const auto b = uniform(33, s.OC);
    std::vector<float> cpu(s.rows() * s.OC);
    std::vector<float> scratch(hs::conv2d_scratch_size<float>(s, omp_get_max_threads()));
    hs::conv2d_forward(cpu.data(), in.data(), W.data(), b.data(), s, scratch.data());
    std::vector<double> mag(cpu.size());
    std::vector<double> dscratch(hs::conv2d_scratch_size<double>(s, omp_get_max_threads()));
    hs::conv2d_forward(mag.data(), absd(in).data(), absd(W).data(), absd(b).data(), s,
                       dscratch.data());
    auto gin = up(ctx, in), gW = up(ctx, W), gb = up(ctx, b);
    auto gout = nans(ctx, cpu.size());
    Buffer<float> gscratch(ctx, hs::cuda::conv2d_scratch_size(s));
    hs::cuda::conv2d_forward(ctx, gout.data(), gin.data(), gW.data(), gb.data(), s,
                             gscratch.data());
    close(gout.to_host(), cpu, kGemmRel, kGemmAbs, mag);
  }
}

// dW, db, din to GEMM rounding: overwritten, accumulated (din still
// overwritten), null din.
TEST_CASE("cuda conv2d_backward matches the cpu", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  auto shapes = conv_shapes();
  shapes.push_back({.B = 16, .H = 28, .W = 28, .C = 1, .OC = 21, .K = 5, .stride = 1, .pad = 2});
  for (const hs::ConvShape& s : shapes) {
    INFO(describe(s));
    const int64_t in_n = s.B * s.H * s.W * s.C, w_n = s.OC * s.patch();
    const auto in = uniform(41, in_n), W = uniform(42, w_n), dout = uniform(43, s.rows() * s.OC);
    const auto dW0 = uniform(44, w_n), db0 = uniform(45, s.OC);
    std::vector<float> scratch(hs::conv2d_scratch_size<float>(s, omp_get_max_threads()));
    std::vector<double> dscratch(hs::conv2d_scratch_size<double>(s, omp_get_max_threads()));
    std::vector<double> mdin(in_n), mdW(w_n), mdb(s.OC);
    hs::conv2d_backward(mdin.data(), mdW.data(), mdb.data(), absd(dout).data(), absd(in).data(),
                        absd(W).data(), s, dscratch.data());
    auto gin = up(ctx, in), gW = up(ctx, W), gdout = up(ctx, dout);
    Buffer<float> gscratch(ctx, hs::cuda::conv2d_scratch_size(s));
    for (bool accumulate : {false, true}) {
      CAPTURE(accumulate);
      std::vector<float> din(in_n);
      std::vector<float> dW = accumulate ? dW0 : std::vector<float>(w_n);
      std::vector<float> db = accumulate ? db0 : std::vector<float>(s.OC);
      hs::conv2d_backward(din.data(), dW.data(), db.data(), dout.data(), in.data(), W.data(), s,
                          scratch.data(), accumulate);
      auto gdin = nans(ctx, in_n);
      auto gdW = accumulate ? up(ctx, dW0) : nans(ctx, w_n);
      auto gdb = accumulate ? up(ctx, db0) : nans(ctx, s.OC);
      hs::cuda::conv2d_backward(ctx, gdin.data(), gdW.data(), gdb.data(), gdout.data(), gin.data(),
                                gW.data(), s, gscratch.data(), accumulate);
      close(gdin.to_host(), din, kGemmRel, kGemmAbs, mdin);
      close(gdW.to_host(), dW, kGemmRel, kGemmAbs, accumulate ? plus_abs(mdW, dW0) : mdW);
      close(gdb.to_host(), db, kGemmRel, kGemmAbs, accumulate ? plus_abs(mdb, db0) : mdb);
    }
    std::vector<float> dW(w_n), db(s.OC);
    hs::conv2d_backward<float>(nullptr, dW.data(), db.data(), dout.data(), in.data(), W.data(), s,
                               scratch.data());
    auto gdW = nans(ctx, w_n), gdb = nans(ctx, s.OC);
    hs::cuda::conv2d_backward(ctx, nullptr, gdW.data(), gdb.data(), gdout.data(), gin.data(),
                              gW.data(), s, gscratch.data());
    close(gdW.to_host(), dW, kGemmRel, kGemmAbs, mdW);
    close(gdb.to_host(), db, kGemmRel, kGemmAbs, mdb);
  }
}

// Values, argmax and gradient bit-exact, with H and W not multiples of P
// (floor) and inputs rounded to five values (and -0 beside +0) so windows tie
// and the first pixel must win.
TEST_CASE("cuda maxpool matches the cpu including ties", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  struct Pool {
    int64_t B;
    int H, W, C, P;
  };
  const Pool pools[] = {{3, 7, 7, 5, 2}, {2, 8, 10, 3, 3}, {1, 5, 9, 4, 4}, {2, 4, 4, 19, 1}};
  for (const Pool& p : pools) {
    for (bool ties : {false, true}) {
      CAPTURE(p.B, p.H, p.W, p.C, p.P, ties);
      const int64_t in_n = p.B * p.H * p.W * p.C;
      const int64_t out_n = p.B * (p.H / p.P) * (p.W / p.P) * p.C;
      auto in = uniform(51, in_n);
      if (ties)
        for (auto& x : in) x = std::nearbyint(x * 2.0f) / 2.0f;
      std::vector<float> out(out_n);
      std::vector<int32_t> am(out_n);
      hs::maxpool_forward(out.data(), am.data(), in.data(), p.B, p.H, p.W, p.C, p.P);
      auto gin = up(ctx, in);
      auto gout = nans(ctx, out_n);
      auto gam = up(ctx, std::vector<int32_t>(out_n, -1));
      hs::cuda::maxpool_forward(ctx, gout.data(), gam.data(), gin.data(), p.B, p.H, p.W, p.C, p.P);
      same(gout.to_host(), out);
      same(gam.to_host(), am);

      // Backward from the CPU's argmax, so it is checked on its own.
      const auto dout = uniform(52, out_n);
      std::vector<float> din(in_n);
      hs::maxpool_backward(din.data(), dout.data(), am.data(), p.B, p.H, p.W, p.C, p.P);
      auto gdout = up(ctx, dout);
      auto gam_cpu = up(ctx, am);
      auto gdin = nans(ctx, in_n);
      hs::cuda::maxpool_backward(ctx, gdin.data(), gdout.data(), gam_cpu.data(), p.B, p.H, p.W, p.C,
                                 p.P);
      same(gdin.to_host(), din);
    }
  }
}

// relu exact; tanh and gelu to CUDA's math-library accuracy. Backward is fed
// the CPU's forward output so each direction is checked on its own.
TEST_CASE("cuda activations match the cpu", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  const int64_t n = 1001;
  auto in = uniform(61, n, -3, 3);
  in[0] = 0.0f;
  in[1] = -0.0f;
  in[2] = 1e-30f;
  in[3] = -1e-30f;
  const auto dout = uniform(62, n);
  auto gin = up(ctx, in), gdout = up(ctx, dout);
  for (hs::Activation a : {hs::Activation::kRelu, hs::Activation::kTanh, hs::Activation::kGelu}) {
    INFO(hs::activation_name(a));
    std::vector<float> out(n), din(n);
    hs::activation_forward(a, out.data(), in.data(), n);
    hs::activation_backward(a, din.data(), dout.data(), in.data(), out.data(), n);
    // Sums of |terms| for gelu's x Phi(x) and its derivative Phi(x) + x phi(x),
    // and tanh's 1 - y^2.
    std::vector<double> mfwd(n), mbwd(n);
    for (int64_t i = 0; i < n; ++i) {
      const double x = in[i], cdf = 0.5 * (1.0 + std::fabs(std::erf(x * kInvSqrt2)));
      const double pdf = kInvSqrt2Pi * std::exp(-0.5 * x * x);
      const double y = out[i];
      mfwd[i] = std::fabs(x) * cdf;
      mbwd[i] = std::fabs(static_cast<double>(dout[i])) *
                (a == hs::Activation::kGelu ? cdf + std::fabs(x) * pdf : 1.0 + y * y);
    }
    auto gout = nans(ctx, n), gdin = nans(ctx, n);
    hs::cuda::activation_forward(ctx, a, gout.data(), gin.data(), n);
    auto gout_cpu = up(ctx, out);
    hs::cuda::activation_backward(ctx, a, gdin.data(), gdout.data(), gin.data(), gout_cpu.data(),
                                  n);
    if (a == hs::Activation::kRelu) {
      same(gout.to_host(), out);
      same(gdin.to_host(), din);
    } else {
      close(gout.to_host(), out, kMathRel, kMathAbs,
            a == hs::Activation::kGelu ? mfwd : std::vector<double>{});
      close(gdin.to_host(), din, kMathRel, kMathAbs, mbwd);
    }
  }
}

// The mask is counter_uniform(seed, i) >= p ? float(1 / (1 - p)) : 0, bit for
// bit; out = in * mask; about 1 - p of it kept; the backward is dout * mask.
TEST_CASE("cuda dropout follows its counter-based mask", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  struct Case {
    int64_t n;
    double p;
    uint64_t seed;
  };
  for (const Case& c : {Case{1000000, 0.3, 12345}, Case{1001, 0.5, 99}, Case{37, 0.0, 5}}) {
    CAPTURE(c.n, c.p, c.seed);
    const auto in = uniform(71, c.n), dout = uniform(72, c.n);
    const float keep = static_cast<float>(1.0 / (1.0 - c.p));
    std::vector<float> mask(c.n), out(c.n);
    int64_t kept = 0;
    for (int64_t i = 0; i < c.n; ++i) {
      mask[i] = hs::cuda::counter_uniform(c.seed, static_cast<uint64_t>(i)) >= c.p ? keep : 0.0f;
      out[i] = in[i] * mask[i];
      kept += mask[i] != 0.0f;
    }
    auto gin = up(ctx, in);
    auto gout = nans(ctx, c.n), gmask = nans(ctx, c.n);
    hs::cuda::dropout_forward(ctx, gout.data(), gmask.data(), gin.data(), c.n, c.p, c.seed);
    same(gmask.to_host(), mask);
    same(gout.to_host(), out);
    if (c.n >= 1000000) CHECK(std::fabs(double(kept) / double(c.n) - (1.0 - c.p)) <= 0.002);
    if (c.p == 0.0) CHECK(kept == c.n);

    std::vector<float> din(c.n);
    hs::dropout_backward(din.data(), dout.data(), mask.data(), c.n);
    auto gdout = up(ctx, dout);
    auto gdin = nans(ctx, c.n);
    hs::cuda::dropout_backward(ctx, gdin.data(), gdout.data(), gmask.data(), c.n);
    same(gdin.to_host(), din);
  }
}

// Probabilities and the batch loss to expf's accuracy, the hit count exactly
// (half the labels are the argmax, so it is neither 0 nor B); large logits
// check the max is subtracted. The backward, fed the CPU's probs, is exact.
TEST_CASE("cuda softmax cross-entropy matches the cpu", "[cuda]") {
  hs::test::require_gpu();
  Context ctx(0);
  struct Case {
    int64_t B, C;
    double range;
  };
  for (const Case& c : {Case{37, 19, 4.0}, Case{5, 1000, 4.0}, Case{256, 10, 50.0}}) {
    CAPTURE(c.B, c.C, c.range);
    const auto logits = uniform(81, c.B * c.C, -c.range, c.range);
    std::vector<int32_t> labels(c.B);
    hs::Rng rng(82);
    for (int64_t b = 0; b < c.B; ++b) {
      const float* z = logits.data() + b * c.C;
      labels[b] = b % 2 == 0 ? static_cast<int32_t>(std::max_element(z, z + c.C) - z)
                             : static_cast<int32_t>(rng.below(c.C));
    }
    std::vector<float> probs(c.B * c.C);
    const hs::LossStats cs =
        hs::softmax_xent_forward(probs.data(), logits.data(), labels.data(), c.B, c.C);
    auto glogits = up(ctx, logits);
    auto glabels = up(ctx, labels);
    auto gprobs = nans(ctx, probs.size());
    Buffer<double> row_loss(ctx, c.B);
    Buffer<int32_t> row_hit(ctx, c.B);
    const hs::LossStats gs =
        hs::cuda::softmax_xent_forward(ctx, gprobs.data(), glogits.data(), glabels.data(), c.B, c.C,
                                       row_loss.data(), row_hit.data());
    close(gprobs.to_host(), probs, kMathRel, kMathAbs);
    CHECK(std::isfinite(gs.loss_sum));
    CHECK(std::fabs(gs.loss_sum - cs.loss_sum) <= kMathRel * std::fabs(cs.loss_sum));
    CHECK(gs.correct == cs.correct);
    CHECK(cs.correct >= c.B / 2);

    const float scale = 1.0f / static_cast<float>(c.B);
    std::vector<float> dlogits(probs.size());
    hs::softmax_xent_backward(dlogits.data(), probs.data(), labels.data(), c.B, c.C, scale);
    auto gprobs_cpu = up(ctx, probs);
    auto gdlogits = nans(ctx, probs.size());
    hs::cuda::softmax_xent_backward(ctx, gdlogits.data(), gprobs_cpu.data(), glabels.data(), c.B,
                                    c.C, scale);
    same(gdlogits.to_host(), dlogits);
  }
}
