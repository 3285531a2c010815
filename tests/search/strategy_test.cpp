#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "search/strategy.h"

using namespace hs;

namespace {
Param range(std::string name, ParamKind kind, double lo, double hi, int64_t grid = 0) {
  Param p;
  p.name = std::move(name), p.kind = kind, p.lo = lo, p.hi = hi, p.grid = grid;
  return p;
}
std::unique_ptr<Strategy> make(const StrategyOptions& o, const SearchSpace& s,
                               std::vector<std::string>* notes = nullptr) {
  auto r = make_strategy(o, s, notes);
  REQUIRE(r.ok());
  return std::move(*r);
}
std::vector<Trial> ask_all(Strategy& st) {
  std::vector<Trial> out;
  while (auto t = st.ask()) out.push_back(*t);
  return out;
}
}  // namespace

TEST_CASE("grid asks the first trials points of the grid, then none", "[search][grid]") {
  const SearchSpace s{{range("lr", ParamKind::kLogUniform, 1e-4, 1e-1, 4),
                       range("weight_decay", ParamKind::kLogUniform, 1e-5, 1e-2, 4)}};
  StrategyOptions o;
  o.kind = StrategyKind::kGrid;
  o.trials = 16;  // the lecture's 4 x 4 example
  std::vector<std::string> notes;
  auto g = make(o, s, &notes);
  const auto trials = ask_all(*g);
  REQUIRE(trials.size() == 16u);
  for (int64_t i = 0; i < 16; ++i) {
    CHECK(trials[i].id == i);
    CHECK(trials[i].values == grid_point(s, i));
  }
  CHECK(notes == std::vector<std::string>{"grid: 16 points (4 lr x 4 weight_decay)"});

  o.trials = 5;
  notes.clear();
  CHECK(ask_all(*make(o, s, &notes)).size() == 5u);
  REQUIRE(notes.size() == 2u);
  CHECK(notes[1].find("only the first 5 of the 16") != std::string::npos);

  o.trials = 17;
  const auto too_many = make_strategy(o, s, nullptr);
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.error().key == "trials");
  CHECK(too_many.error().message.find("16 points, fewer than trials = 17") != std::string::npos);
}

TEST_CASE("random: trial i depends on the seed and i only", "[search][random]") {
  const SearchSpace s{{range("lr", ParamKind::kLogUniform, 1e-5, 1e-1),
                       range("dropout", ParamKind::kUniform, 0.0, 0.5)}};
  StrategyOptions o;
  o.trials = 50;
  o.seed = 42;
  auto a = make(o, s), b = make(o, s);
  // b hears outcomes as it goes, a hears none: random search must not care.
  std::vector<Trial> ta = ask_all(*a), tb;
  while (auto t = b->ask()) {
    tb.push_back(*t);
    b->tell(t->id, Outcome{TrialStatus::kOk, 0.5});
  }
  REQUIRE(ta.size() == 50u);
  for (size_t i = 0; i < ta.size(); ++i) CHECK(ta[i].values == tb[i].values);
  o.seed = 43;
  const auto tc = ask_all(*make(o, s));
  int same = 0;
  for (size_t i = 0; i < ta.size(); ++i) same += ta[i].values == tc[i].values;
  CHECK(same == 0);
}

TEST_CASE("random log-uniform draws are uniform in log space", "[search][random][stats]") {
  // Kolmogorov-Smirnov against U(-4, 0) for log10(lr): with 4000 draws, D < 1.95 / sqrt(n) at
  // the 0.1% level (seed 1 gives 1.73 / sqrt(n), about a 1-in-200 draw; over 40 seeds the mean of
  // sqrt(n) D was 0.86, the Kolmogorov distribution's 0.87). Draws uniform in linear space give
  // D near 0.7, 44 / sqrt(n).
  const SearchSpace s{{range("lr", ParamKind::kLogUniform, 1e-4, 1.0)}};
  for (const uint64_t seed : {1u, 2u, 3u}) {
    StrategyOptions o;
    o.trials = 4000;
    o.seed = seed;
    std::vector<double> x;
    for (const Trial& t : ask_all(*make(o, s))) x.push_back(std::log10(std::get<double>(t.values[0])));
    std::sort(x.begin(), x.end());
    double d = 0;
    const double n = static_cast<double>(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      const double cdf = (x[i] + 4.0) / 4.0;
      d = std::max({d, std::abs(cdf - i / n), std::abs(cdf - (i + 1) / n)});
    }
    INFO("seed " << seed << " KS D " << d);
    CHECK(d < 1.95 / std::sqrt(n));
  }
}

TEST_CASE("bad strategy options are refused", "[search]") {
  const SearchSpace bad{{range("lr", ParamKind::kUniform, 1.0, 0.5)}};
  StrategyOptions o;
  const auto r = make_strategy(o, bad, nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("lo < hi") != std::string::npos);
  const SearchSpace ok{{range("lr", ParamKind::kUniform, 0.0, 1.0)}};
  o.trials = 0;
  CHECK(make_strategy(o, ok, nullptr).error().key == "trials");
}
