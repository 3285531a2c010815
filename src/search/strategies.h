// strategies.h: the constructors behind make_strategy(), one per strategy file, and what they
// share. Internal to src/search.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "search/strategy.h"

namespace hs {

Result<std::unique_ptr<Strategy>> make_grid(const StrategyOptions& o, const SearchSpace& space,
                                            std::vector<std::string>* notes);
Result<std::unique_ptr<Strategy>> make_random(const StrategyOptions& o, const SearchSpace& space);
Result<std::unique_ptr<Strategy>> make_bayes(const StrategyOptions& o, const SearchSpace& space);
Result<std::unique_ptr<Strategy>> make_tpe(const StrategyOptions& o, const SearchSpace& space);

// The random strategy's point for trial `id`: dims uniforms from derive_seed(seed, id, kSearch).
std::vector<double> random_point(uint64_t seed, int64_t id, int dims);

}  // namespace hs
