// Whole networks on the GPU against the CPU engine (the oracle): the same
// parameters and batch give the same loss and gradients, within the GEMMs'
// rounding (cuBLAS sums in its own order): loss relative 1e-5, each gradient
// element relative 1e-3 with an absolute floor of 1e-5 of the gradient's
// largest element. Skipped without a device (gpu.h).
#include "cuda/network.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/rng.h"
#include "gpu.h"
#include "nn/network.h"

using namespace hs;

namespace {

struct Pass {
  LossStats st;
  std::vector<float> grads;
};

std::vector<float> normal_floats(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(rng.normal());
  return v;
}

Pass cpu_pass(const Network& net, const std::vector<float>& params, const std::vector<float>& x,
              const std::vector<int32_t>& y, int64_t B) {
  Pass p;
  p.grads.assign(net.num_params, 0.0f);
  auto ws = make_workspace<float>(net, B);
  p.st =
      loss_and_grad<float>(net, params.data(), p.grads.data(), x.data(), y.data(), B, false, 0, ws);
  return p;
}

Pass gpu_pass(cuda::Context& ctx, const Network& net, const std::vector<float>& params,
              const std::vector<float>& x, const std::vector<int32_t>& y, int64_t B, bool train,
              uint64_t seed) {
  auto dp = cuda::Buffer<float>::from(ctx, params);
  auto dx = cuda::Buffer<float>::from(ctx, x);
  auto dy = cuda::Buffer<int32_t>::from(ctx, y);
  cuda::Buffer<float> dg(ctx, params.size());
  cuda::Workspace ws = cuda::make_workspace(ctx, net, B);
  Pass p;
  p.st =
      cuda::loss_and_grad(ctx, net, dp.data(), dg.data(), dx.data(), dy.data(), B, train, seed, ws);
  p.grads = dg.to_host();
  return p;
}

void check_close(const Pass& gpu, const Pass& cpu) {
  CHECK(gpu.st.loss_sum == Approx(cpu.st.loss_sum).epsilon(1e-5));
  CHECK(gpu.st.correct == cpu.st.correct);
  REQUIRE(gpu.grads.size() == cpu.grads.size());
  float top = 0.0f;
  for (float g : cpu.grads) top = std::max(top, std::abs(g));
  int bad = 0;
  for (size_t i = 0; i < cpu.grads.size() && bad < 5; ++i) {
    const double tol = 1e-3 * std::abs(cpu.grads[i]) + 1e-5 * top;
    if (std::abs(gpu.grads[i] - cpu.grads[i]) > tol) {
      ++bad;
      FAIL_CHECK("gradient " << i << ": GPU " << gpu.grads[i] << ", CPU " << cpu.grads[i]);
    }
  }
}

void compare(const ModelOptions& opt, int h, int w, int c, bool image, int64_t B, uint64_t seed) {
  const int classes = 10;
  auto built = build_network(opt, h, w, c, image, classes);
  REQUIRE(built.ok());
  const Network& net = *built;
  std::vector<float> params(net.num_params);
  init_params(net, opt, seed, params.data());
  const auto x = normal_floats(static_cast<size_t>(B * net.input_dim), seed + 1);
  std::vector<int32_t> y(B);
  for (int64_t b = 0; b < B; ++b) y[b] = static_cast<int32_t>((b * 7 + seed) % classes);
  cuda::Context ctx(0);
  // train = false: no dropout masks, which differ between the engines by design
  // (layers.h).
  check_close(gpu_pass(ctx, net, params, x, y, B, false, 0), cpu_pass(net, params, x, y, B));
}

}  // namespace

TEST_CASE("An MLP's loss and gradients on the GPU match the CPU engine", "[cuda][network]") {
  hs::test::require_gpu();
  ModelOptions opt;
  opt.hidden = {256, 128};
  for (Activation a : {Activation::kRelu, Activation::kTanh, Activation::kGelu}) {
    opt.activation = a;
    compare(opt, 28, 28, 1, true, 128, 11);
  }
  opt.hidden = {37};  // odd sizes and a batch that is not a multiple of a warp
  compare(opt, 1, 1, 19, false, 29, 12);
}

TEST_CASE("A CNN's loss and gradients on the GPU match the CPU engine", "[cuda][network]") {
  hs::test::require_gpu();
  ModelOptions opt;
  opt.arch = Arch::kCnn;
  opt.conv_channels = {8, 16};
  opt.kernel_size = 5;
  opt.hidden = {32};
  compare(opt, 28, 28, 1, true, 64, 21);
  opt.conv_channels = {3, 4};
  opt.kernel_size = 3;
  opt.padding = 1;
  opt.stride = 2;
  opt.pool = 1;
  opt.activation = Activation::kTanh;
  compare(opt, 9, 9, 2, true, 7, 22);
}

TEST_CASE("Dropout on the GPU gives the same bits from run to run", "[cuda][network]") {
  hs::test::require_gpu();
  ModelOptions opt;
  opt.hidden = {64, 64};
  opt.dropout = 0.4;
  auto built = build_network(opt, 1, 1, 20, false, 10);
  REQUIRE(built.ok());
  std::vector<float> params(built->num_params);
  init_params(*built, opt, 5, params.data());
  const auto x = normal_floats(32 * 20, 6);
  std::vector<int32_t> y(32, 3);
  cuda::Context ctx(0);
  const Pass a = gpu_pass(ctx, *built, params, x, y, 32, true, 99);
  const Pass b = gpu_pass(ctx, *built, params, x, y, 32, true, 99);
  const Pass c = gpu_pass(ctx, *built, params, x, y, 32, true, 100);
  CHECK(a.st.loss_sum == b.st.loss_sum);
  CHECK(a.grads == b.grads);
  CHECK(a.grads != c.grads);  // another seed, other masks
  const Pass off = gpu_pass(ctx, *built, params, x, y, 32, false, 99);
  CHECK(off.grads != a.grads);  // and the masks did drop units
}
