// discrete.cpp: counting and enumerating a space of ints and choices.
#include "search/discrete.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace hs {
namespace {

// The values a searched int or choice parameter takes, in order; empty for a real range.
std::vector<ParamValue> values_of(const Param& p) {
  std::vector<ParamValue> out;
  if (p.kind == ParamKind::kChoice) return p.choices;
  if (p.kind == ParamKind::kInt)
    for (int64_t k = static_cast<int64_t>(p.lo); k <= static_cast<int64_t>(p.hi); ++k)
      out.emplace_back(k);
  return out;
}

}  // namespace

double discrete_points(const SearchSpace& s) {
  double total = 1;
  for (const Param& p : s.params) {
    if (p.kind == ParamKind::kFixed) continue;
    if (p.kind == ParamKind::kChoice) {
      total *= static_cast<double>(p.choices.size());
    } else if (p.kind == ParamKind::kInt) {
      total *= p.hi - p.lo + 1;
    } else {
      return std::numeric_limits<double>::infinity();
    }
  }
  return total;
}

bool first_unasked(const SearchSpace& s, const std::set<std::vector<ParamValue>>& taken,
                   std::vector<double>* u) {
  const double n = discrete_points(s);
  if (!std::isfinite(n)) return false;
  std::vector<std::vector<ParamValue>> levels;
  for (const Param& p : s.params)
    levels.push_back(p.kind == ParamKind::kFixed ? p.choices : values_of(p));
  std::vector<size_t> at(levels.size(), 0);
  std::vector<ParamValue> v(levels.size());
  for (double i = 0; i < n; ++i) {
    for (size_t j = 0; j < levels.size(); ++j) v[j] = levels[j][at[j]];
    if (!taken.count(v)) {
      *u = encode(s, v);
      return true;
    }
    for (size_t j = levels.size(); j-- > 0;) {  // the next point: an odometer
      if (++at[j] < levels[j].size()) break;
      at[j] = 0;
    }
  }
  return false;
}

}  // namespace hs
