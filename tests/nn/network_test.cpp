#include "nn/network.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "gradcheck.h"

using namespace hs;
using namespace hs::test;

namespace {
// The whole network's loss gradient, checked parameter by parameter in double precision.
void check_network(const ModelOptions& opt, int h, int w, int c, bool image, uint64_t seed) {
  const int classes = 4;
  const int64_t B = 5;
  auto built = build_network(opt, h, w, c, image, classes);
  REQUIRE(built.ok());
  const Network& net = *built;
  std::vector<float> pf(net.num_params);
  init_params(net, opt, seed, pf.data());
  std::vector<double> params(pf.begin(), pf.end()), grads(net.num_params);
  for (auto& v : params) v += 0.01 * (&v - params.data() + 1) / net.num_params;  // nonzero biases
  const auto x = random_vector(B * net.input_dim, seed + 1);
  const std::vector<int32_t> y = {0, 1, 2, 3, 1};
  auto ws = make_workspace<double>(net, B);
  // The same dropout seed gives the same masks, so the loss is a smooth function of params
  // away from ReLU and max-pool switching points.
  auto loss = [&] {
    return loss_and_grad<double>(net, params.data(), nullptr, x.data(), y.data(), B, true, 77, ws)
               .loss_sum / B;
  };
  loss_and_grad<double>(net, params.data(), grads.data(), x.data(), y.data(), B, true, 77, ws);
  check_grad(std::string(arch_name(opt.arch)) + " parameters", params, grads, loss, 1e-6, 1e-5);
}
}  // namespace

TEST_CASE("MLP loss gradient matches finite differences", "[nn][network][grad]") {
  ModelOptions opt;
  opt.hidden = {7, 6};
  for (Activation a : {Activation::kRelu, Activation::kTanh, Activation::kGelu}) {
    opt.activation = a;
    check_network(opt, 1, 1, 9, false, 3);
  }
  opt.dropout = 0.3;
  check_network(opt, 1, 1, 9, false, 4);
}

TEST_CASE("CNN loss gradient matches finite differences", "[nn][network][grad]") {
  ModelOptions opt;
  opt.arch = Arch::kCnn;
  opt.conv_channels = {3, 4};
  opt.kernel_size = 3;
  opt.padding = 1;
  opt.hidden = {5};
  check_network(opt, 8, 8, 2, true, 5);
  opt.stride = 2;
  opt.padding = 0;
  opt.pool = 1;
  opt.hidden = {};
  check_network(opt, 9, 9, 1, true, 6);
}

TEST_CASE("float and double passes agree", "[nn][network]") {
  ModelOptions opt;
  opt.arch = Arch::kCnn;
  opt.hidden = {16};
  auto net = build_network(opt, 28, 28, 1, true, 10);
  REQUIRE(net.ok());
  std::vector<float> pf(net->num_params), gf(net->num_params);
  init_params(*net, opt, 1, pf.data());
  std::vector<double> pd(pf.begin(), pf.end()), gd(net->num_params);
  const int64_t B = 8;
  const auto xd = random_vector(B * 784, 2, 0.5);
  std::vector<float> xf(xd.begin(), xd.end());
  const std::vector<int32_t> y = {0, 1, 2, 3, 4, 5, 6, 7};
  auto wsf = make_workspace<float>(*net, B);
  auto wsd = make_workspace<double>(*net, B);
  const auto lf = loss_and_grad<float>(*net, pf.data(), gf.data(), xf.data(), y.data(), B, true,
                                       1, wsf);
  const auto ld = loss_and_grad<double>(*net, pd.data(), gd.data(), xd.data(), y.data(), B, true,
                                        1, wsd);
  CHECK(lf.loss_sum == Approx(ld.loss_sum).epsilon(1e-4));
  double num = 0, den = 0;
  for (int64_t i = 0; i < net->num_params; ++i) {
    num += (gf[i] - gd[i]) * (gf[i] - gd[i]);
    den += gd[i] * gd[i];
  }
  CHECK(std::sqrt(num / den) < 1e-4);
}

TEST_CASE("a workspace holds gradients for training batches and outputs for larger evaluation ones",
          "[nn][network]") {
  // Layers large enough for Eigen's blocked products: in its coefficient-wise one (a product's
  // dimensions summing to under 20) the result's last bits depend on the buffers' alignment.
  ModelOptions opt;
  opt.hidden = {24, 20};
  opt.dropout = 0.25;
  auto net = build_network(opt, 1, 1, 7, false, 3);
  REQUIRE(net.ok());
  std::vector<double> params(net->num_params), grads(net->num_params), same(net->num_params);
  std::vector<float> pf(net->num_params);
  init_params(*net, opt, 4, pf.data());
  params.assign(pf.begin(), pf.end());
  const int64_t train_b = 8, eval_b = 32;
  const auto x = random_vector(eval_b * net->input_dim, 9);
  std::vector<int32_t> y(eval_b);
  for (int64_t i = 0; i < eval_b; ++i) y[i] = static_cast<int32_t>(i * 7 % 3);
  auto small = make_workspace<double>(*net, eval_b, train_b);
  auto full = make_workspace<double>(*net, eval_b);  // gradients for every batch up to eval_b
  for (size_t i = 0; i < net->layers.size(); ++i) {
    CHECK(small.out[i].size() == full.out[i].size());
    CHECK(small.dout[i].size() * eval_b == full.dout[i].size() * train_b);
  }
  // Training: the same loss and gradients from the smaller buffers, dropout included.
  const auto a = loss_and_grad<double>(*net, params.data(), grads.data(), x.data(), y.data(),
                                       train_b, true, 5, small);
  const auto b = loss_and_grad<double>(*net, params.data(), same.data(), x.data(), y.data(),
                                       train_b, true, 5, full);
  CHECK(a.loss_sum == b.loss_sum);
  for (size_t i = 0; i < grads.size(); ++i)
    if (grads[i] != same[i]) {
      WARN(i << " " << grads[i] << " " << same[i]);
      break;
    }
  CHECK(grads == same);
  CHECK(std::any_of(grads.begin(), grads.end(), [](double g) { return g != 0.0; }));
  // Evaluation of a batch four times the training one: no gradient buffers needed.
  const auto e = loss_and_grad<double>(*net, params.data(), nullptr, x.data(), y.data(), eval_b,
                                       false, 0, small);
  const auto f = loss_and_grad<double>(*net, params.data(), nullptr, x.data(), y.data(), eval_b,
                                       false, 0, full);
  CHECK(e.loss_sum == f.loss_sum);
  CHECK(e.correct == f.correct);
}

TEST_CASE("the gradients are the same bits wherever the heap puts the buffers", "[nn][network]") {
  // Layers this small take Eigen's coefficient-wise products, whose results depend on the
  // destination's alignment (aligned.h); the workspace's buffers are aligned, so they do not.
  ModelOptions opt;
  opt.hidden = {6, 5};
  opt.dropout = 0.25;
  auto net = build_network(opt, 1, 1, 7, false, 3);
  REQUIRE(net.ok());
  std::vector<float> pf(net->num_params);
  init_params(*net, opt, 4, pf.data());
  const std::vector<double> params(pf.begin(), pf.end());
  const int64_t B = 3;
  const auto x = random_vector(B * net->input_dim, 9);
  const std::vector<int32_t> y = {0, 2, 1};
  std::vector<AlignedVector<double>> grads;
  std::vector<std::vector<char>> shifts;  // each moves where the next buffers land
  for (int k = 0; k < 8; ++k) {
    shifts.emplace_back(8 + 16 * k);
    auto ws = make_workspace<double>(*net, B);
    AlignedVector<double> g(net->num_params);
    loss_and_grad<double>(*net, params.data(), g.data(), x.data(), y.data(), B, true, 5, ws);
    grads.push_back(std::move(g));
  }
  for (int k = 1; k < 8; ++k) CHECK(grads[k] == grads[0]);
  CHECK(std::any_of(grads[0].begin(), grads[0].end(), [](double v) { return v != 0.0; }));
}
