// compare.h: what the CUDA tests share: seeded inputs, uploads, and element-by-element
// comparisons of a GPU result with its CPU twin that report the first few differences.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/rng.h"
#include "cuda/device.h"

namespace hs::test {

inline constexpr int kMaxReports = 5;

inline std::string num(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", x);
  return buf;
}

inline std::vector<float> uniform(uint64_t seed, size_t n, double lo = -1, double hi = 1) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(rng.uniform(lo, hi));
  return v;
}

// Every element within abs + rel * max(|cpu|, mag[i]); reports the first few
// that are not.
inline void close(const std::vector<float>& gpu, const std::vector<float>& cpu, double rel,
                  double abs, const std::vector<double>& mag = {}) {
  REQUIRE(gpu.size() == cpu.size());
  if (!mag.empty()) REQUIRE(mag.size() == cpu.size());
  size_t bad = 0;
  for (size_t i = 0; i < cpu.size(); ++i) {
    const double c = cpu[i], g = gpu[i];
    const double tol = abs + rel * std::max(std::fabs(c), mag.empty() ? 0.0 : mag[i]);
    if (!(std::fabs(g - c) <= tol) && ++bad <= kMaxReports)  // NaN fails too
      FAIL_CHECK("element " << i << ": gpu " << num(g) << " cpu " << num(c) << " tol " << num(tol));
  }
  INFO(bad << " of " << cpu.size() << " elements out of tolerance");
  CHECK(bad == 0);
}

// Every element equal (==); reports the first few that are not.
template <class T>
inline void same(const std::vector<T>& gpu, const std::vector<T>& cpu) {
  REQUIRE(gpu.size() == cpu.size());
  size_t bad = 0;
  for (size_t i = 0; i < cpu.size(); ++i)
    if (!(gpu[i] == cpu[i]) && ++bad <= kMaxReports)
      FAIL_CHECK("element " << i << ": gpu " << num(gpu[i]) << " cpu " << num(cpu[i]));
  INFO(bad << " of " << cpu.size() << " elements differ");
  CHECK(bad == 0);
}

template <class T>
inline cuda::Buffer<T> up(cuda::Context& ctx, const std::vector<T>& v) {
  return cuda::Buffer<T>::from(ctx, v);
}

}  // namespace hs::test
