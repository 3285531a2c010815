// RankedValues (prune/ranked.h) against a sorted vector: the k-th value after seeded inserts and
// erases many blocks long (blocks split, empty ones go), in both directions, equal values too.
#include "prune/ranked.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <utility>
#include <vector>

#include "core/rng.h"

namespace hs {
namespace {

void check_against_sorted(bool descending, uint64_t seed) {
  RankedValues ranked(descending);
  std::vector<std::pair<double, int64_t>> ref;  // the same (value, tag) pairs
  Rng rng(seed);
  int64_t tag = 0;
  auto sorted = [&] {
    std::vector<double> v;
    for (const auto& p : ref) v.push_back(p.first);
    std::sort(v.begin(), v.end());
    if (descending) std::reverse(v.begin(), v.end());
    return v;
  };
  for (int step = 0; step < 6000; ++step) {
    // Mostly inserts (few distinct values: many ties), erases a third of the time later on.
    if (step > 3000 && rng.uniform() < 0.45 && !ref.empty()) {
      const auto at = static_cast<size_t>(rng.uniform() * static_cast<double>(ref.size()));
      ranked.erase(ref[at].first, ref[at].second);
      ref.erase(ref.begin() + static_cast<std::ptrdiff_t>(at));
    } else {
      const double v = std::floor(rng.uniform() * 200) / 8;
      ranked.insert(v, tag);
      ref.emplace_back(v, tag++);
    }
    if (step % 500 != 499) continue;
    REQUIRE(ranked.size() == ref.size());
    const std::vector<double> want = sorted();
    for (size_t k = 0; k < want.size(); ++k) REQUIRE(ranked.at_rank(k) == want[k]);
  }
  ranked.erase(12345.0, -1);  // not held: nothing happens
  REQUIRE(ranked.size() == ref.size());
  for (const auto& [v, t] : ref) ranked.erase(v, t);
  REQUIRE(ranked.size() == 0);
  ranked.insert(1.5, 0);
  REQUIRE(ranked.at_rank(0) == 1.5);
}

TEST_CASE("ranked values give the k-th of thousands as a sorted copy would", "[prune]") {
  check_against_sorted(false, 7);
  check_against_sorted(true, 8);
}

}  // namespace
}  // namespace hs
