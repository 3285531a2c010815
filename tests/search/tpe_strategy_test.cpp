// The tpe strategy with trials pending (issue 17): no trial's values asked twice in a space of
// ints (a log-scaled one too, which tpe models as real) and choices; and past the caps of its
// bounded sample (search/tpe_history.h) the same asks for the same seed and tells.
#include <catch2/catch.hpp>
#include <cmath>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "core/rng.h"
#include "search/strategy.h"

using namespace hs;

namespace {

std::unique_ptr<Strategy> tpe(const SearchSpace& s, uint64_t seed, int64_t trials) {
  StrategyOptions o;
  o.kind = StrategyKind::kTpe, o.seed = seed, o.trials = trials, o.n_init = 4;
  o.direction = Direction::kMinimize;
  return std::move(make_strategy(o, s, nullptr).value());
}

double score(const Trial& t) {
  const double w = static_cast<double>(std::get<int64_t>(t.values[0]));
  const std::string& c = std::get<std::string>(t.values[1]);
  return std::abs(std::log2(w) - 2) + (c == "b" ? 0 : 1);
}

}  // namespace

TEST_CASE("tpe never asks the values of an asked trial again, with 4 workers", "[search][tpe]") {
  Param w, c;
  w.name = "width", w.kind = ParamKind::kInt, w.lo = 1, w.hi = 8, w.log = true;
  c.name = "act", c.kind = ParamKind::kChoice,
  c.choices = {std::string("a"), std::string("b"), std::string("c")};
  const SearchSpace s{{w, c}};
  for (uint64_t seed = 0; seed < 6; ++seed) {
    auto st = tpe(s, seed, 24);  // 8 widths x 3 choices: every point once
    std::deque<Trial> running;
    std::set<std::vector<ParamValue>> asked;
    while (auto t = st->ask()) {
      INFO("seed " << seed << " trial " << t->id);
      CHECK(asked.insert(t->values).second);
      running.push_back(*t);
      if (running.size() == 4) {
        st->tell(running.front().id, Outcome::of(score(running.front())));
        running.pop_front();
      }
    }
    CHECK(asked.size() == 24u);
  }
}

TEST_CASE("tpe past its caps asks the same for the same seed and tells", "[search][tpe]") {
  Param x, y;
  x.name = "x", x.kind = ParamKind::kUniform, x.lo = 0, x.hi = 1;
  y = x, y.name = "y";
  const SearchSpace s{{x, y}};
  std::vector<std::vector<ParamValue>> runs[2];
  for (auto& run : runs) {
    auto st = tpe(s, 3, 1400);
    Rng rng(8);
    std::deque<int64_t> running;
    while (auto t = st->ask()) {  // 300 pending and over 256 bad observations: the sample
      if (t->id >= 1300) run.push_back(t->values);
      running.push_back(t->id);
      if (running.size() > 300) {
        st->tell(running.front(), Outcome::of(rng.uniform()));
        running.pop_front();
      }
    }
  }
  CHECK(runs[0].size() == 100u);
  CHECK(runs[0] == runs[1]);
}
