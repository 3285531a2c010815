// internal.h (hs_prune only): the pruners behind make_pruner, and what they share.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "prune/pruner.h"
#include "trial/rungs.h"

namespace hs {

std::unique_ptr<Pruner> make_percentile_pruner(const PrunerOptions& o, const Metric& metric);
std::unique_ptr<Pruner> make_asha_pruner(const PrunerOptions& o, const Metric& metric,
                                         uint64_t seed);
std::unique_ptr<Pruner> make_sha_pruner(const PrunerOptions& o, const Metric& metric,
                                        int64_t trials);

// The epochs of bracket s's rungs: floor(R / eta^(s - k)) for k = 0..s.
std::vector<int> rung_epochs(const PrunerOptions& o, int s);

// "val_acc 0.8123" (4 significant decimals), for decisions' reasons.
std::string value_text(const Metric& metric, double v);

}  // namespace hs
