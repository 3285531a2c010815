// recommend.h: the recipe's step 6: the lecture's "read the curves and loop". The best trial of
// step 5 is diagnosed (analysis/diagnosis.h); the recommendation says what its curves show and
// what to change next, and comes with the recommended config as a file.
//
// May depend on: analysis, config, recipe (options, step sweeps), trial. Thread safety: pure
// function.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "recipe/options.h"
#include "train/options.h"
#include "trial/record.h"

namespace hs {

// Step 6.
struct Recommendation {
  bool ok = false;             // a step-5 trial completed
  int64_t best_id = -1;        // in step 5
  double best_val_acc = NAN;
  double lr = NAN, weight_decay = NAN;
  std::string verdict;         // "ok" or "no_trial"
  std::string report;          // the recommendation: what the curves say, what to change next
  std::string config;          // the recommended config, a ready TOML file with comments
};
// Reads step 5's curves with the post-analysis diagnosis (analysis/diagnosis.h) and writes the
// recommendation. `base` is the user's config, `config_name` its file (for the comments),
// `coarse` step 4's trials (whether the best lr sat at the edge of the grid).
Recommendation recommend(const TrainOptions& base, const std::string& config_name,
                         const std::vector<TrialRecord>& refine,
                         const std::vector<TrialRecord>& coarse, const RecipeOptions& o);

}  // namespace hs
