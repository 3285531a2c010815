// Tests of src/search/discrete.h: counting the points of a space of ints and choices, and finding
// the first one not yet asked.
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "search/discrete.h"

using namespace hs;

namespace {
SearchSpace three_by_four() {
  Param k, c, f;
  k.name = "depth", k.kind = ParamKind::kInt, k.lo = 1, k.hi = 3;
  c.name = "optimizer", c.kind = ParamKind::kChoice;
  c.choices = {std::string("a"), std::string("b"), std::string("c"), std::string("d")};
  f.name = "momentum", f.kind = ParamKind::kFixed, f.choices = {ParamValue(0.5)};
  return SearchSpace{{k, f, c}};
}
}  // namespace

TEST_CASE("discrete_points counts ints and choices, and a real range makes it infinite",
          "[search]") {
  SearchSpace s = three_by_four();
  CHECK(discrete_points(s) == 12);
  Param r;
  r.name = "r", r.kind = ParamKind::kUniform, r.lo = 0, r.hi = 1;
  s.params.push_back(r);
  CHECK(std::isinf(discrete_points(s)));
  std::set<std::vector<ParamValue>> none;
  std::vector<double> u;
  CHECK_FALSE(first_unasked(s, none, &u));
}

TEST_CASE("first_unasked walks the space in order and says when none is left", "[search]") {
  const SearchSpace s = three_by_four();
  std::set<std::vector<ParamValue>> taken;
  std::vector<double> u;
  for (int i = 0; i < 12; ++i) {
    REQUIRE(first_unasked(s, taken, &u));
    const std::vector<ParamValue> v = decode(s, u);
    // The last parameter varies fastest: k = 1 + i / 4, c = "abcd"[i % 4].
    CHECK(std::get<int64_t>(v[0]) == 1 + i / 4);
    const char* names[] = {"a", "b", "c", "d"};
    CHECK(std::get<std::string>(v[2]) == names[i % 4]);
    CHECK(taken.insert(v).second);
  }
  CHECK_FALSE(first_unasked(s, taken, &u));
}
