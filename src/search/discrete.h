// discrete.h: the finite part of a search space, for strategies that must not ask a point twice.
// A space whose searched parameters are all ints and choices has finitely many points; these
// functions count them and find one not yet asked.
//
// Who may call: the search strategies (bayes). Thread safety: pure functions.
// May depend on: search/space. Knows nothing of neural networks, MPI or files.
#pragma once

#include <set>
#include <vector>

#include "search/space.h"

namespace hs {

// How many distinct points the space has: the product of each int range's and each choice's
// count of values; +infinity when a searched parameter is a real range.
double discrete_points(const SearchSpace& s);

// The first point of the space, in enumeration order (the last parameter varying fastest), whose
// values are not in `taken`: *u gets its unit-cube coordinates (encode()). False when there is
// none or the space has a real range. Cost: at most discrete_points(s) lookups.
bool first_unasked(const SearchSpace& s, const std::set<std::vector<ParamValue>>& taken,
                   std::vector<double>* u);

}  // namespace hs
