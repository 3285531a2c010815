// Tests for src/data/synthetic.cpp.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "data/load.h"

namespace hs {
namespace {

bool same_data(const Dataset& a, const Dataset& b) {
  return a.y == b.y && a.x.size() == b.x.size() &&
         std::memcmp(a.x.data(), b.x.data(), a.x.size() * sizeof(float)) == 0;
}

// The class prototypes, read off a noise-free set: prototype c is any sample of class c.
std::vector<std::vector<float>> prototypes(const Dataset& d) {
  std::vector<std::vector<float>> p(static_cast<size_t>(d.num_classes));
  for (int64_t i = 0; i < d.n; ++i) {
    auto& proto = p[static_cast<size_t>(d.y[i])];
    const std::vector<float> row(d.row(i), d.row(i) + d.dim());
    if (proto.empty()) proto = row;
    REQUIRE(proto == row);  // noise 0: every sample of a class is its prototype
  }
  return p;
}

TEST_CASE("make_synthetic has the promised shape and balanced labels", "[data][synthetic]") {
  const Dataset d = make_synthetic(1003, 5, 7, 0.5, 42);
  CHECK(d.n == 1003);
  CHECK(d.height == 7);
  CHECK(d.width == 7);
  CHECK(d.channels == 1);
  CHECK(d.is_image);
  CHECK(d.num_classes == 5);
  CHECK(d.x.size() == 1003u * 49);
  std::vector<int> count(5, 0);
  for (int32_t y : d.y) {
    REQUIRE(y >= 0);
    REQUIRE(y < 5);
    ++count[static_cast<size_t>(y)];
  }
  for (int c : count) CHECK((c == 200 || c == 201));
  // Shuffled, not in class order.
  int in_order = 0;
  for (int64_t i = 0; i < d.n; ++i) in_order += d.y[i] == i % 5;
  CHECK(in_order < 500);
}

TEST_CASE("make_synthetic is deterministic and its seed matters", "[data][synthetic]") {
  const Dataset a = make_synthetic(256, 4, 8, 0.5, 7);
  CHECK(same_data(a, make_synthetic(256, 4, 8, 0.5, 7)));
  CHECK_FALSE(same_data(a, make_synthetic(256, 4, 8, 0.5, 8)));
  CHECK_FALSE(same_data(a, make_synthetic(256, 4, 8, 0.5, 7, 1)));
  // Different seeds give different prototypes, not just different noise.
  CHECK(prototypes(make_synthetic(64, 4, 8, 0.0, 7)) !=
        prototypes(make_synthetic(64, 4, 8, 0.0, 8)));
}

TEST_CASE("make_synthetic streams share prototypes, which are distinct", "[data][synthetic]") {
  const auto p0 = prototypes(make_synthetic(200, 10, 8, 0.0, 3, 0));
  const auto p1 = prototypes(make_synthetic(200, 10, 8, 0.0, 3, 1));
  CHECK(p0 == p1);
  for (size_t a = 0; a < p0.size(); ++a) {
    REQUIRE(p0[a].size() == 64u);
    for (size_t b = 0; b < a; ++b) CHECK(p0[a] != p0[b]);
  }
}

TEST_CASE("make_synthetic is learnable: class means from one stream classify another",
          "[data][synthetic]") {
  const int classes = 4;
  const Dataset train = make_synthetic(2048, classes, 8, 0.5, 11, 0);
  const Dataset test = make_synthetic(512, classes, 8, 0.5, 11, 1);
  const int64_t dim = train.dim();
  std::vector<double> mean(static_cast<size_t>(classes * dim), 0.0);
  std::vector<int> count(classes, 0);
  for (int64_t i = 0; i < train.n; ++i) {
    ++count[train.y[i]];
    for (int64_t j = 0; j < dim; ++j) mean[train.y[i] * dim + j] += train.row(i)[j];
  }
  for (int c = 0; c < classes; ++c) {
    for (int64_t j = 0; j < dim; ++j) mean[c * dim + j] /= count[c];
  }
  int correct = 0;
  for (int64_t i = 0; i < test.n; ++i) {
    int best = -1;
    double best_d = 1e300;
    for (int c = 0; c < classes; ++c) {
      double dist = 0;
      for (int64_t j = 0; j < dim; ++j) {
        const double e = test.row(i)[j] - mean[c * dim + j];
        dist += e * e;
      }
      if (dist < best_d) best_d = dist, best = c;
    }
    correct += best == test.y[i];
  }
  CHECK(correct > 0.95 * static_cast<double>(test.n));  // chance is 25%
}

}  // namespace
}  // namespace hs
