#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>

#include "search/space.h"
#include "search/space_text.h"

using namespace hs;

namespace {
Param range(std::string name, ParamKind kind, double lo, double hi, int64_t grid = 0) {
  Param p;
  p.name = std::move(name), p.kind = kind, p.lo = lo, p.hi = hi, p.grid = grid;
  p.file = "sweep.toml", p.line = 7;
  return p;
}
Param choice(std::string name, std::vector<ParamValue> values) {
  Param p;
  p.name = std::move(name), p.kind = ParamKind::kChoice, p.choices = std::move(values);
  p.file = "sweep.toml", p.line = 9;
  return p;
}
Param fixed(std::string name, ParamValue v) {
  Param p;
  p.name = std::move(name), p.kind = ParamKind::kFixed, p.choices = {std::move(v)};
  return p;
}
std::string error_of(const Param& p) {
  const Status st = validate(p);
  return st ? "" : st.error().str();
}
}  // namespace

TEST_CASE("bad parameters are refused with the file, line and name", "[search][space]") {
  CHECK(error_of(range("lr", ParamKind::kUniform, 0.1, 0.1)) ==
        "sweep.toml:7: lr: uniform needs lo < hi, got [0.1, 0.1]");
  CHECK(error_of(range("lr", ParamKind::kLogUniform, 0.0, 0.1)) ==
        "sweep.toml:7: lr: log_uniform needs lo > 0, got [0.0, 0.1]");
  CHECK(error_of(choice("optimizer", {})) == "sweep.toml:9: optimizer: choice needs at least one value, got []");
  CHECK(error_of(choice("x", {int64_t{1}, std::string("a")})).find("all numbers, all strings") !=
        std::string::npos);
  CHECK(error_of(choice("x", {int64_t{1}, int64_t{1}})).find("twice") != std::string::npos);
  CHECK(error_of(range("batch_size", ParamKind::kInt, 16.5, 64)).find("must be integers") !=
        std::string::npos);
  Param logint = range("batch_size", ParamKind::kInt, 0, 64);
  logint.log = true;
  CHECK(error_of(logint).find("lo >= 1") != std::string::npos);
  CHECK(error_of(range("lr", ParamKind::kUniform, 0.0, 1.0, 1)).find("grid must be >= 2") !=
        std::string::npos);
  CHECK(error_of(range("depth", ParamKind::kInt, 1, 3, 4)) ==
        "sweep.toml:7: depth: grid for int [1, 3] must be 2 to 3, got 4");  // ints as written
  CHECK(error_of(range("depth", ParamKind::kInt, 5, 5, 2)) ==  // was "must be 2 to 1"
        "sweep.toml:7: depth: grid = 2 on int [5, 5], which holds one value: drop grid (or widen "
        "the range)");
  CHECK(error_of(range("width", ParamKind::kInt, 64, 16)) ==
        "sweep.toml:7: width: int needs lo <= hi, got [64, 16]");
  CHECK(error_of(range("lr", ParamKind::kUniform, 0, INFINITY)).find("finite") != std::string::npos);
  // A range too wide for a double: its points lo + x (hi - lo) would be inf.
  CHECK(error_of(range("x", ParamKind::kUniform, -1e308, 1e308)).find("width hi - lo") !=
        std::string::npos);
  // Numbers twice by value: 1 and 1.0, 0 and -0.0 reach a command as the same text.
  CHECK(error_of(choice("k", {int64_t{1}, 2.0, 1.0})) ==
        "sweep.toml:9: k: choice lists 1 twice (as 1.0 too)");
  CHECK(error_of(choice("k", {0.0, -0.0})).find("twice") != std::string::npos);
  CHECK(error_of(choice("k", {int64_t{9007199254740993}, 9007199254740992.0})).empty());
  // Mixed ints and reals are one numeric choice; a good space passes.
  CHECK(error_of(choice("wd", {int64_t{0}, 1e-4})).empty());
  SearchSpace twice{{range("lr", ParamKind::kUniform, 0, 1), range("lr", ParamKind::kUniform, 0, 2)}};
  CHECK(validate(twice).error().str() == "sweep.toml:7: lr: defined twice in the space");
}

TEST_CASE("decode maps the cube's ends to the range's ends and encode inverts it",
          "[search][space]") {
  Param logint = range("batch_size", ParamKind::kInt, 16, 256);
  logint.log = true;
  const SearchSpace s{{range("lr", ParamKind::kLogUniform, 1e-4, 1e-1),
                       range("momentum", ParamKind::kUniform, 0.5, 0.99), fixed("epochs", int64_t{5}),
                       range("depth", ParamKind::kInt, 1, 4), logint,
                       choice("optimizer", {std::string("sgd"), std::string("adam")})}};
  REQUIRE(cube_dims(s) == 5);
  const auto lo = decode(s, {0, 0, 0, 0, 0}), hi = decode(s, {1, 1, 1, 1, 1});
  CHECK(std::get<double>(lo[0]) == Approx(1e-4).epsilon(1e-12));
  CHECK(std::get<double>(hi[0]) == Approx(1e-1).epsilon(1e-12));
  CHECK(std::get<double>(lo[1]) == 0.5);
  CHECK(std::get<double>(hi[1]) == 0.99);
  CHECK(std::get<int64_t>(lo[2]) == 5);
  CHECK(std::get<int64_t>(lo[3]) == 1);
  CHECK(std::get<int64_t>(hi[3]) == 4);
  CHECK(std::get<int64_t>(lo[4]) == 16);
  CHECK(std::get<int64_t>(hi[4]) == 256);
  CHECK(std::get<std::string>(lo[5]) == "sgd");
  CHECK(std::get<std::string>(hi[5]) == "adam");
  // The middle of a log range is the geometric mean.
  CHECK(std::get<double>(decode(s, {0.5, 0, 0, 0, 0})[0]) == Approx(std::sqrt(1e-5)).epsilon(1e-12));
  // encode(decode(u)) gives back u for reals, and decode(encode(v)) gives back v for every kind.
  for (const std::vector<double>& u : {std::vector<double>{0.3, 0.7, 0.1, 0.9, 0.2},
                                       std::vector<double>{0.05, 0.5, 0.6, 0.4, 0.99}}) {
    const auto v = decode(s, u);
    const auto back = encode(s, v);
    CHECK(back[0] == Approx(u[0]).epsilon(1e-12));
    CHECK(back[1] == Approx(u[1]).epsilon(1e-12));
    CHECK(decode(s, back) == v);
  }
}

TEST_CASE("every integer of an int range gets an equal share of the cube", "[search][space]") {
  for (const bool log : {false, true}) {
    Param p = range("depth", ParamKind::kInt, 1, 4);
    p.log = log;
    const SearchSpace s{{p}};
    std::map<int64_t, int> count;
    const int n = 100000;
    for (int i = 0; i < n; ++i) ++count[std::get<int64_t>(decode(s, {(i + 0.5) / n})[0])];
    REQUIRE(count.size() == 4);
    if (!log) {
      for (const auto& [v, c] : count) CHECK(c == n / 4);
    } else {  // uniform in log: shares are log((v+0.5)/(v-0.5)) / log(4.5/0.5)
      for (const auto& [v, c] : count)
        CHECK(c / double(n) == Approx(std::log((v + 0.5) / (v - 0.5)) / std::log(9.0)).margin(1e-4));
    }
  }
}

TEST_CASE("the grid enumerates exactly the cartesian product, last parameter fastest",
          "[search][space][grid]") {
  const SearchSpace s{{choice("optimizer", {std::string("sgd"), std::string("adam"), std::string("adamw")}),
                       fixed("epochs", int64_t{3}), range("depth", ParamKind::kInt, 1, 4),
                       range("lr", ParamKind::kLogUniform, 1e-4, 1e-1, 4)}};
  const auto size = grid_size(s);
  REQUIRE(size.ok());
  REQUIRE(*size == 3 * 4 * 4);
  std::set<std::string> seen;
  for (int64_t i = 0; i < *size; ++i) seen.insert(describe(s, grid_point(s, i)));
  CHECK(seen.size() == 48u);
  // Order: lr fastest, then depth, then optimizer.
  CHECK(describe(s, grid_point(s, 0)) == "optimizer=\"sgd\" depth=1 lr=1e-04");
  CHECK(describe(s, grid_point(s, 1)) == "optimizer=\"sgd\" depth=1 lr=0.001");
  CHECK(describe(s, grid_point(s, 3)) == "optimizer=\"sgd\" depth=1 lr=0.1");
  CHECK(describe(s, grid_point(s, 4)) == "optimizer=\"sgd\" depth=2 lr=1e-04");
  CHECK(describe(s, grid_point(s, 47)) == "optimizer=\"adamw\" depth=4 lr=0.1");
  // The log grid is geometric: 1e-4, 1e-3, 1e-2, 1e-1.
  CHECK(std::get<double>(grid_point(s, 2)[3]) == Approx(1e-2).epsilon(1e-12));
  // A real range without a point count cannot be gridded.
  const SearchSpace no_count{{range("momentum", ParamKind::kUniform, 0.5, 0.9)}};
  CHECK(grid_size(no_count).error().str() ==
        "sweep.toml:7: momentum: grid search needs a number of points for a uniform range: add grid = N");
}

TEST_CASE("a real range too narrow for its grid points gives each value once",
          "[search][space][grid]") {
  // [1, 1 + 4 ulp] holds 3 doubles: grid = 6 gave each of them twice (trials that differ by
  // nothing), where an int range's rounded points were kept once each.
  const double hi = std::nextafter(std::nextafter(1.0, 2.0), 2.0);
  const SearchSpace s{{range("a", ParamKind::kUniform, 1.0, hi, 6)}};
  const auto size = grid_size(s);
  REQUIRE(size.ok());
  CHECK(*size == 3);
  std::set<double> seen;
  for (int64_t i = 0; i < *size; ++i) seen.insert(std::get<double>(grid_point(s, i)[0]));
  CHECK(seen.size() == 3u);
  // A range of ordinary width keeps its count without listing.
  CHECK(*grid_size(SearchSpace{{range("b", ParamKind::kUniform, 0.0, 1.0, 1000000)}}) == 1000000);
}

