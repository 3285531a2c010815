// RankedValues (prune/ranked.h) against a sorted vector: the k-th value after seeded inserts and
// erases many blocks long (blocks split, empty ones go), in both directions, equal values too;
// read often (inserts put in place one at a time) and seldom (thousands merged in at once).
#include "prune/ranked.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <utility>
#include <vector>

#include "core/rng.h"

namespace hs {
namespace {

// `steps` inserts and erases, read whole every `every` steps.
void check_against_sorted(bool descending, uint64_t seed, int steps, int every) {
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
  for (int step = 0; step < steps; ++step) {
    // Mostly inserts (few distinct values: many ties), erases a third of the time later on.
    if (step > steps / 2 && rng.uniform() < 0.45 && !ref.empty()) {
      const auto at = static_cast<size_t>(rng.uniform() * static_cast<double>(ref.size()));
      ranked.erase(ref[at].first, ref[at].second);
      ref.erase(ref.begin() + static_cast<std::ptrdiff_t>(at));
    } else {
      const double v = std::floor(rng.uniform() * 200) / 8;
      ranked.insert(v, tag);
      ref.emplace_back(v, tag++);
    }
    if (step % every != every - 1) continue;
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
  check_against_sorted(false, 7, 6000, 500);
  check_against_sorted(true, 8, 6000, 500);
}

TEST_CASE("ranked values inserted by the thousand between reads are merged in as a sorted copy "
          "would have them", "[prune]") {
  // As a continued sweep's pruner takes back every recorded value before its first read: the
  // inserts wait and are merged in at once (kBulk, 4096, and more), into blocks already held on
  // the later reads, and erases then find them.
  check_against_sorted(false, 9, 40000, 10000);
  check_against_sorted(true, 10, 40000, 10000);
  RankedValues only_inserts(false);
  for (int64_t i = 0; i < 50000; ++i)
    only_inserts.insert(static_cast<double>((i * 7919) % 50000), i);
  REQUIRE(only_inserts.size() == 50000);
  for (size_t k = 0; k < 50000; k += 997)
    REQUIRE(only_inserts.at_rank(k) == static_cast<double>(k));
}

}  // namespace
}  // namespace hs
