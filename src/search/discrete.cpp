// discrete.cpp: counting and enumerating a space of ints and choices.
#include "search/discrete.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace hs {

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
  SearchSpace every = s;  // every integer of an int range, whatever its `grid`
  for (Param& p : every.params) p.grid = 0;
  const auto points = static_cast<int64_t>(std::min(n, 9e18));
  for (int64_t i = 0; i < points; ++i) {  // grid order: the last parameter varies fastest
    const std::vector<ParamValue> v = grid_point(every, i);
    if (!taken.count(v)) {
      *u = encode(s, v);
      return true;
    }
  }
  return false;
}

}  // namespace hs
