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
    b->tell(t->id, Outcome::of(0.5));
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

namespace {
Param choice(std::string name, std::vector<ParamValue> values) {
  Param p;
  p.name = std::move(name), p.kind = ParamKind::kChoice, p.choices = std::move(values);
  return p;
}
Param fixed(std::string name, ParamValue value) {
  Param p;
  p.name = std::move(name), p.kind = ParamKind::kFixed, p.choices = {std::move(value)};
  return p;
}
// The best few (lr, weight_decay) pairs of a coarse grid, with a fixed key between them.
SearchSpace pairs3() {
  return SearchSpace{{choice("lr", {0.1, 0.03, 0.01}), fixed("epochs", int64_t{5}),
                      choice("weight_decay", {1e-4, 0.0, 5e-4})}};
}
}  // namespace

TEST_CASE("list is parsed and named", "[search][list]") {
  StrategyKind k = StrategyKind::kGrid;
  REQUIRE(parse_strategy("list", &k));
  CHECK(k == StrategyKind::kList);
  CHECK(std::string(strategy_name(StrategyKind::kList)) == "list");
}

TEST_CASE("list zips the choices into trials in order, not crossed", "[search][list]") {
  StrategyOptions o;
  o.kind = StrategyKind::kList;
  o.trials = 3;
  std::vector<std::string> notes;
  auto l = make(o, pairs3(), &notes);
  CHECK(l->kind() == StrategyKind::kList);
  const auto trials = ask_all(*l);
  REQUIRE(trials.size() == 3u);  // grid would give 9
  const std::vector<std::vector<ParamValue>> want = {{0.1, int64_t{5}, 1e-4},
                                                     {0.03, int64_t{5}, 0.0},
                                                     {0.01, int64_t{5}, 5e-4}};
  for (size_t i = 0; i < 3; ++i) {
    CHECK(trials[i].id == static_cast<int64_t>(i));
    CHECK(trials[i].values == want[i]);
  }
  CHECK_FALSE(l->ask());  // done: asking again gives nothing
  CHECK(notes == std::vector<std::string>{"list: 3 configurations (lr, weight_decay)"});

  // Two parameters of two values: two trials, where grid gives four.
  const SearchSpace two{{choice("lr", {0.1, 0.03}), choice("weight_decay", {1e-4, 0.0})}};
  o.trials = 2;
  const auto t2 = ask_all(*make(o, two));
  REQUIRE(t2.size() == 2u);
  CHECK(t2[0].values == std::vector<ParamValue>{0.1, 1e-4});
  CHECK(t2[1].values == std::vector<ParamValue>{0.03, 0.0});
}

TEST_CASE("list with trials below its length runs the first trials", "[search][list]") {
  StrategyOptions o;
  o.kind = StrategyKind::kList;
  o.trials = 2;
  std::vector<std::string> notes;
  const auto trials = ask_all(*make(o, pairs3(), &notes));
  REQUIRE(trials.size() == 2u);
  CHECK(trials[0].values == std::vector<ParamValue>{0.1, int64_t{5}, 1e-4});
  CHECK(trials[1].values == std::vector<ParamValue>{0.03, int64_t{5}, 0.0});
  REQUIRE(notes.size() == 2u);
  CHECK(notes[1] == "warning: trials = 2 runs only the first 2 of the 3 configurations");
}

TEST_CASE("list of fixed parameters only is one trial", "[search][list]") {
  const SearchSpace s{{fixed("lr", 0.1), fixed("optimizer", std::string("adam"))}};
  StrategyOptions o;
  o.kind = StrategyKind::kList;
  o.trials = 1;
  std::vector<std::string> notes;
  const auto trials = ask_all(*make(o, s, &notes));
  REQUIRE(trials.size() == 1u);
  CHECK(trials[0].values == std::vector<ParamValue>{0.1, std::string("adam")});
  CHECK(notes == std::vector<std::string>{"list: 1 configuration"});
  o.trials = 2;
  const auto r = make_strategy(o, s, nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().key == "trials");
}

TEST_CASE("list refuses ranges, unequal lengths and too many trials", "[search][list]") {
  StrategyOptions o;
  o.kind = StrategyKind::kList;
  o.trials = 1;

  // A range has no values to list, even with grid points (grid search's business).
  for (const Param& p : {range("lr", ParamKind::kLogUniform, 1e-4, 1e-1, 4),
                         range("lr", ParamKind::kInt, 1, 8)}) {
    const auto r = make_strategy(o, SearchSpace{{choice("momentum", {0.9}), p}}, nullptr);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().key == "lr");
    CHECK(r.error().message.rfind("list needs explicit values: give lr = [..] a list", 0) == 0);
  }

  Param wd = choice("weight_decay", {1e-4, 0.0});
  wd.file = "s.toml", wd.line = 7;
  const auto unequal = make_strategy(o, SearchSpace{{choice("lr", {0.1, 0.03, 0.01}), wd}}, nullptr);
  REQUIRE_FALSE(unequal.ok());
  CHECK(unequal.error().str() ==
        "s.toml:7: weight_decay: list needs lists of one length: lr has 3 values, weight_decay has 2");

  o.trials = 4;
  const auto too_many = make_strategy(o, pairs3(), nullptr);
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.error().key == "trials");
  CHECK(too_many.error().message.find("3 configurations, fewer than trials = 4") != std::string::npos);
}

TEST_CASE("list resumes after its recorded trials", "[search][list]") {
  StrategyOptions o;
  o.kind = StrategyKind::kList;
  o.trials = 3;
  const auto recorded = ask_all(*make(o, pairs3()));
  REQUIRE(recorded.size() == 3u);

  auto resumed = make(o, pairs3());
  REQUIRE(resumed->restore(recorded[0]).ok());
  REQUIRE(resumed->restore(recorded[1]).ok());
  resumed->tell(0, Outcome::of(0.8));
  const auto next = resumed->ask();
  REQUIRE(next);
  CHECK(next->id == 2);
  CHECK(next->values == std::vector<ParamValue>{0.01, int64_t{5}, 5e-4});
  CHECK_FALSE(resumed->ask());

  // A recorded trial whose values this list does not give (the file was edited) is refused.
  auto edited = make(o, pairs3());
  Trial wrong = recorded[0];
  wrong.values[2] = ParamValue{0.0};
  CHECK_FALSE(edited->restore(wrong).ok());
  CHECK_FALSE(edited->restore(recorded[1]).ok());  // not the id that comes next
}

TEST_CASE("bayes and tpe refuse a space with nothing to search and survive extreme ranges",
          "[search]") {
  // A space of fixed values aborted both (an internal check, exit 134).
  const SearchSpace fixed_only{{fixed("x", int64_t{3})}};
  for (StrategyKind kind : {StrategyKind::kBayes, StrategyKind::kTpe}) {
    StrategyOptions o;
    o.kind = kind;
    o.trials = 2;
    const auto r = make_strategy(o, fixed_only, nullptr);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().key == "strategy");
    CHECK(r.error().message.find("one fixed value") != std::string::npos);
    o.kind = StrategyKind::kList;  // the one configuration, run once
    o.trials = 1;
    CHECK(make_strategy(o, fixed_only, nullptr).ok());
  }
  // tpe on an int range of more values than an int holds (its level count overflowed): the
  // asks stay whole numbers inside the range.
  StrategyOptions o;
  o.kind = StrategyKind::kTpe;
  o.trials = 12;
  o.n_init = 2;
  auto tpe = make(o, SearchSpace{{range("k", ParamKind::kInt, 0, 1e11)}});
  for (int i = 0; i < 12; ++i) {
    const auto t = tpe->ask();
    REQUIRE(t);
    const int64_t k = std::get<int64_t>(t->values[0]);
    CHECK(k >= 0);
    CHECK(k <= int64_t{100000000000});
    tpe->tell(t->id, Outcome::of(static_cast<double>(k % 1000)));
  }
  // bayes on a real range of three doubles: it runs out of points it never asked, and asks one
  // again instead of aborting.
  o.kind = StrategyKind::kBayes;
  o.trials = 8;
  o.n_init = 0;
  auto bayes = make(o, SearchSpace{{range("x", ParamKind::kUniform, 1.0, 1.0000000000000004)}});
  std::set<double> seen;
  for (int i = 0; i < 8; ++i) {
    const auto t = bayes->ask();
    REQUIRE(t);
    const double x = std::get<double>(t->values[0]);
    CHECK(x >= 1.0);
    CHECK(x <= 1.0000000000000004);
    seen.insert(x);
    bayes->tell(t->id, Outcome::of(x));
  }
  CHECK(seen.size() <= 3u);
}
