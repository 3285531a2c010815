// Tests for src/data/huge_pages.cpp: hold_in_huge_pages, of a buffer and of a loaded bundle. What the
// kernel did is read back from /proc/self/smaps; where it collapses nothing (no THP, an old
// kernel, no free huge page) the tests say so and check that nothing changed.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "data/load.h"

namespace hs {
namespace {

constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;

// The whole huge pages inside [p, p + bytes): [first, end).
struct Interior {
  std::uintptr_t first, end;
  std::size_t bytes() const { return end > first ? end - first : 0; }
};
Interior interior_of(const void* p, std::size_t bytes) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  return {(at + kHuge - 1) & ~(kHuge - 1), (at + bytes) & ~(kHuge - 1)};
}

// The AnonHugePages, in bytes, of the mapping of /proc/self/smaps that begins at `start`, or -1
// when no mapping begins there.
int64_t anon_huge_bytes_of_mapping_at(std::uintptr_t start) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool in = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      in = lo == start;
      continue;
    }
    if (in && line.rfind("AnonHugePages:", 0) == 0) {
      int64_t kb = -1;
      std::istringstream(line.substr(14)) >> kb;
      return kb * 1024;
    }
  }
  return -1;
}

std::vector<float> filled(std::size_t n) {
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 1000) * 0.5f;
  return x;
}

TEST_CASE("hold_in_huge_pages moves the aligned interior and leaves the contents alone",
          "[data][huge_pages]") {
  std::vector<float> x = filled((9u << 20) / sizeof(float) + 123);  // 9 MiB and a bit
  const std::vector<float> before = x;
  const Interior in = interior_of(x.data(), x.size() * sizeof(float));
  const std::size_t moved = hold_in_huge_pages(x.data(), x.size() * sizeof(float));
  const bool unchanged = x == before;  // not CHECK(x == before): Catch would print 9 MiB
  CHECK(unchanged);
  if (moved == 0) {
    WARN("the kernel collapsed nothing into huge pages here (no THP, or refused): only the "
         "contents were checked");
    return;
  }
  CHECK(moved == in.bytes());  // every whole huge page inside the buffer, no byte outside it
  CHECK(moved >= 3 * kHuge);   // more than 9 - 2 x 2 MiB lie between the ends' partial pages
  CHECK(anon_huge_bytes_of_mapping_at(in.first) == static_cast<int64_t>(moved));
}

TEST_CASE("hold_in_huge_pages: a buffer with no whole huge page inside is left as it is",
          "[data][huge_pages]") {
  std::vector<float> x = filled((1u << 20) / sizeof(float));  // 1 MiB
  CHECK(hold_in_huge_pages(x.data(), x.size() * sizeof(float)) == 0);
  CHECK(hold_in_huge_pages(nullptr, 0) == 0);
  CHECK(hold_in_huge_pages(x.data(), 0) == 0);
}

TEST_CASE("hold_in_huge_pages of a loaded bundle moves both data sets where the kernel can",
          "[data][huge_pages]") {
  {
    std::vector<float> probe = filled((5u << 20) / sizeof(float));
    if (hold_in_huge_pages(probe.data(), probe.size() * sizeof(float)) == 0) {
      WARN("the kernel collapses nothing into huge pages here: skipped");
      return;
    }
  }
  DataOptions opt;
  opt.source = DataSource::kSynthetic;
  opt.split_seed = 9;
  opt.synthetic_samples = 8000;  // 8,000 x 28 x 28 floats: 24 MiB; the test quarter 6 MiB
  opt.synthetic_size = 28;
  Result<DataBundle> r = load_data(opt);
  REQUIRE(r.ok());
  std::vector<Interior> ins;
  std::size_t total = 0;
  for (const Dataset* d : {r->train_file.get(), r->test_file.get()}) {
    ins.push_back(interior_of(d->x.data(), d->x.size() * sizeof(float)));
    REQUIRE(ins.back().bytes() > 0);
    total += ins.back().bytes();
  }
  CHECK(hold_in_huge_pages(*r) == total);
  for (const Interior& in : ins)
    CHECK(anon_huge_bytes_of_mapping_at(in.first) == static_cast<int64_t>(in.bytes()));
}

}  // namespace
}  // namespace hs
