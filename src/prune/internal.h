// internal.h (hs_prune only): the pruners behind make_pruner, and what they share.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "prune/pruner.h"

namespace hs {

std::unique_ptr<Pruner> make_percentile_pruner(const PrunerOptions& o, const Metric& metric);
std::unique_ptr<Pruner> make_asha_pruner(const PrunerOptions& o, const Metric& metric,
                                         uint64_t seed);
std::unique_ptr<Pruner> make_sha_pruner(const PrunerOptions& o, const Metric& metric,
                                        int64_t trials);

// The epochs of bracket s's rungs: floor(R / eta^(s - k)) for k = 0..s.
std::vector<int> rung_epochs(const PrunerOptions& o, int s);

// Which rung of its bracket each epoch report of one trial stands for. A trial meets its rungs
// in order, each once per run: a report stands for the lowest rung not met yet when its epoch is
// at or past that rung's epoch and it holds a value (one rung per report). So a command that
// prints every other epoch is judged at the first epoch past each rung, and one that prints its
// metric on some lines only at the first line with it; an epoch without a value is not judged.
// A report of an epoch before the last one reported starts a new run (a trial run again).
// Both a pruner's reports and its restore() walk a trial's epochs with one, so a continued sweep
// takes back the values its decisions were made on.
class RungWalk {
 public:
  // The rung this report stands for, or -1. `epochs`: the bracket's rung epochs, ascending.
  int step(const std::vector<int>& epochs, int epoch, double value);

 private:
  int next_ = 0;   // the lowest rung not met yet in this run
  int last_ = 0;   // the epoch last reported
};

// "val_acc 0.8123" (4 significant decimals), for decisions' reasons.
std::string value_text(const Metric& metric, double v);

}  // namespace hs
