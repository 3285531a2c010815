// recommend.h: the recipe's step 6: the lecture's "read the curves and loop". Step 5's trials are
// ranked with ties (trial/tie.h): trials within one standard error of the best are named as tied
// with it, and the recipe takes the one of largest lr when the user's schedule decays, else the
// best measured (recommend.cpp: pick_among says why). The most regularised of them, the rule until
// 2026-12-01, scored 1.1, 0.45 and 0.23 test points lower in three of the recipe benchmark's four
// ties (bench/recipe_bench.py, 2 seeds) and 0.18 higher in the fourth. The pick is diagnosed
// (analysis/diagnosis.h); the recommendation says what its curves show and what to change next,
// and follows that diagnosis (an overfitting curve is never told to train longer). Whether its lr
// sits at the edge of every lr tried is the recipe's one rule (lr_edge.h). The recommended config
// is the user's own file, comments kept, with only the changed keys set, each with a comment
// saying why, so it reads and diffs against the file it came from.
//
// May depend on: analysis, config, optim/schedule.h, recipe (options, step sweeps, lr_edge),
// trial. Thread safety: pure function.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "recipe/lr_edge.h"
#include "recipe/options.h"
#include "train/options.h"
#include "trial/record.h"

namespace hs {

// Step 6.
struct Recommendation {
  bool ok = false;             // a step-5 trial completed
  int64_t best_id = -1;        // the recommended trial of step 5
  double best_val_acc = NAN;
  double lr = NAN, weight_decay = NAN;
  std::vector<int64_t> tied;   // step 5's trials tied with the best (the best first)
  std::string verdict;         // "ok" or "no_trial"
  std::string report;          // the recommendation: what the curves say, what to change next
  std::string config;          // the recommended config: the user's file plus the changed keys
};

// The user's config as the recipe was given it.
struct RecipeConfig {
  std::string name;       // the file, for messages and comments
  std::string file_text;  // its text as read ("" when there was none: every key then a change)
  std::string out;        // where the recommended config goes (a relative path in the file is
                          // written absolute there when that is another folder)
  TrainOptions base;      // what the recipe ran with: the file, then --set (threads aside)
};

// Reads step 5's curves with the post-analysis diagnosis (analysis/diagnosis.h) and writes the
// recommendation. `coarse`: step 4's trials; `lr_find`: step 3's lrs (steps.h: lrs_tried), which
// with steps 4-5's make the lrs tried for the edge rule. Errors: the file's text no longer loads
// (its name and line).
Result<Recommendation> recommend(const RecipeConfig& config, const std::vector<TrialRecord>& refine,
                                 const std::vector<TrialRecord>& coarse,
                                 const std::vector<LrTried>& lr_find, const RecipeOptions& o);

// Whether `text` is a recommended config the recipe wrote: it opens with the comment line every
// one opens with. The recipe replaces such a file at its --config-out, and no other without
// --force (recipe.h).
bool is_recommended_config(const std::string& text);

// `text`, a recommended config recommend() made for `config` (and kept in the recipe file), as it
// must read at config.out, which may be in another folder than the one it was made for: a path
// it gives relative is written absolute there, by the rule recommend() follows. Errors: the
// text no longer loads (its line).
Result<std::string> recommended_config_at(const RecipeConfig& config, const std::string& text);

}  // namespace hs
