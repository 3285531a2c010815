#include <catch2/catch.hpp>
#include <cmath>

#include "nn/model.h"

using namespace hs;

TEST_CASE("the lecture's MLP has the expected layout", "[nn][model]") {
  ModelOptions opt;  // defaults: 256-256 hidden, ReLU
  auto net = build_network(opt, 28, 28, 1, true, 10);
  REQUIRE(net.ok());
  CHECK(net->num_params == 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10);
  REQUIRE(net->weighted.size() == 3);
  const Layer& d1 = net->layers[net->weighted[0]];
  CHECK(d1.name == "dense1");
  CHECK(d1.in_dim() == 784);
  CHECK(d1.w_offset == 0);
  CHECK(d1.b_offset == 784 * 256);
  CHECK(net->layers.back().out_c == 10);
}

TEST_CASE("the small CNN has the expected shapes", "[nn][model]") {
  ModelOptions opt;
  opt.arch = Arch::kCnn;
  opt.hidden = {};
  auto net = build_network(opt, 28, 28, 1, true, 10);
  REQUIRE(net.ok());
  // conv5x5x16: 24x24x16, pool: 12x12x16, conv5x5x32: 8x8x32, pool: 4x4x32 = 512, dense 10
  std::vector<std::string> names;
  for (int i : net->weighted) names.push_back(net->layers[i].name);
  CHECK(names == std::vector<std::string>{"conv1", "conv2", "dense1"});
  const Layer& c2 = net->layers[net->weighted[1]];
  CHECK(c2.in_h == 12);
  CHECK(c2.in_c == 16);
  CHECK(c2.out_h == 8);
  CHECK(c2.out_c == 32);
  CHECK(net->layers[net->weighted[2]].in_dim() == 512);
  CHECK(net->num_params == (16 * 25 + 16) + (32 * 25 * 16 + 32) + (512 * 10 + 10));
}

TEST_CASE("networks that cannot be built are refused with the key at fault", "[nn][model]") {
  ModelOptions cnn;
  cnn.arch = Arch::kCnn;
  auto tabular = build_network(cnn, 1, 1, 20, false, 3);
  REQUIRE_FALSE(tabular.ok());
  CHECK(tabular.error().key == "arch");
  cnn.kernel_size = 9;
  auto too_big = build_network(cnn, 8, 8, 1, true, 3);
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.error().key == "kernel_size");
  cnn.kernel_size = 3;
  cnn.pool = 8;
  auto no_pixels = build_network(cnn, 8, 8, 1, true, 3);
  REQUIRE_FALSE(no_pixels.ok());
  CHECK(no_pixels.error().key == "pool");
}

TEST_CASE("He and Xavier initialisation have the right scale and follow the seed",
          "[nn][model][init]") {
  ModelOptions opt;
  opt.hidden = {512};
  auto net = build_network(opt, 1, 1, 1000, false, 10);
  REQUIRE(net.ok());
  std::vector<float> p(net->num_params), q(net->num_params), r(net->num_params);
  init_params(*net, opt, 5, p.data());
  init_params(*net, opt, 5, q.data());
  init_params(*net, opt, 6, r.data());
  CHECK(p == q);
  CHECK(p != r);
  const Layer& d1 = net->layers[net->weighted[0]];
  auto stddev = [&](const std::vector<float>& v) {
    double s = 0;
    for (int64_t i = 0; i < d1.w_size; ++i) s += double(v[d1.w_offset + i]) * v[d1.w_offset + i];
    return std::sqrt(s / d1.w_size);
  };
  // 512000 normal draws: the sample standard deviation is within 0.5% with overwhelming odds.
  CHECK(stddev(p) == Approx(std::sqrt(2.0 / 1000)).epsilon(0.005));
  for (int64_t i = 0; i < d1.b_size; ++i) CHECK(p[d1.b_offset + i] == 0.0f);
  opt.activation = Activation::kTanh;  // auto picks Xavier for tanh
  init_params(*net, opt, 5, p.data());
  CHECK(stddev(p) == Approx(std::sqrt(2.0 / (1000 + 512))).epsilon(0.005));
  opt.init_scale = 100;  // the recipe's deliberately broken init
  init_params(*net, opt, 5, p.data());
  CHECK(stddev(p) == Approx(100 * std::sqrt(2.0 / (1000 + 512))).epsilon(0.005));
}

TEST_CASE("networks past the size limits are refused before any count overflows", "[nn][model]") {
  ModelOptions mlp;
  mlp.hidden = {2000000000, 2000000000, 2000000000};  // 1.2e19 weights: past int64
  auto r = build_network(mlp, 28, 28, 1, true, 10);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().key == "hidden");
  CHECK(r.error().message.rfind("hidden layer 1 (width 2000000000) takes the network past", 0) == 0);
  mlp.hidden = {1 << 15, 1 << 15};  // 2^30 weights between them: past kMaxParams with the rest
  r = build_network(mlp, 28, 28, 1, true, 10);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.rfind("hidden layer 2 ", 0) == 0);
  mlp.hidden = {1 << 14, 1 << 14};  // 2^28 + 784 * 2^14 + ...: within
  r = build_network(mlp, 28, 28, 1, true, 10);
  REQUIRE(r.ok());
  CHECK(r->num_params <= kMaxParams);

  ModelOptions cnn;
  cnn.arch = Arch::kCnn;
  cnn.kernel_size = 1;
  cnn.conv_channels = {1000000};  // few weights, 784e6 activations per sample
  r = build_network(cnn, 28, 28, 1, true, 10);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().key == "conv_channels");
}
