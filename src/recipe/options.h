// options.h: every step's budget in the recipe (recipe.h), with the lecture's defaults, and the
// [recipe] table of a config file that sets them.
//
// May depend on: recipe/steps.h (steps 1-3's options), config (the table reader), core.
// Thread safety: plain values and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "recipe/steps.h"

namespace hs {

// Step 4.
struct CoarseOptions {
  // The lrs tried: step 3's pick times each factor (3 significant digits). A factor of 3 either
  // side spans the decade between step 3's neighbouring candidates.
  std::vector<double> lr_factors = {1.0 / 3.0, 1.0, 3.0};
  // The lecture's {1e-4, 1e-5, 0}.
  std::vector<double> weight_decays = {1e-4, 1e-5, 0.0};
  // The lecture's 1-5 at its low end: one epoch ranks the lrs (one that collapses has by then)
  // and leaves the refine step to tell the two best apart. With refine's 2 x 10 epochs, the
  // recipe costs 0.07 to 0.09 of a 64-trial random search of 10-epoch trials, against 0.08 to
  // 0.10 with 2 epochs; of bench/recipe_bench.py's 9 runs, 6 recommend the same config, 2 a
  // better one (+1.0 and +0.18 test points) and 1 one 0.04 points worse (bench/README.md).
  int epochs = 1;
};

// Step 5.
struct RefineOptions {
  int top = 2;      // the best few of step 4 (by validation accuracy)
  int epochs = 10;  // the low end of the lecture's 10-20, with a constant lr (no decay)
};

struct RecipeOptions {
  InitialLossOptions initial;
  OverfitOptions overfit;
  LrFindOptions lr_find;
  CoarseOptions coarse;
  RefineOptions refine;
};

// The [recipe] table of a config file (every key optional; absent: the defaults above):
//   initial_batches, initial_tolerance,
//   overfit_batches, overfit_max_epochs, overfit_lrs,
//   lr_find_lrs, lr_find_iterations, lr_find_weight_decay,
//   coarse_lr_factors, coarse_weight_decays, coarse_epochs,
//   refine_top, refine_epochs
// Errors name the file, line and key (unknown key, wrong type, a value out of range); the first
// in the file is the one reported.
Result<RecipeOptions> load_recipe_options(std::string_view text, const std::string& name);
// The recipe trains the built-in model from the file's [train] table, so a file with an
// [objective] table (a sweep of the user's own command, which steps 1-2 could not measure) is
// refused before anything runs: an error naming the file and the line of [objective] command
// (else of the table's first key). Errors: also a TOML syntax error.
Status refuse_objective(std::string_view text, const std::string& name);
// A sweep file's [sweep], [space] and [pruner] tables, which the recipe does not use (it tunes
// [train]'s lr and weight_decay itself), named in one sentence for the user; "" when the file
// has none (or does not parse: load_recipe_options reports that).
std::string unused_sweep_tables(std::string_view text, const std::string& name);

// One line per [recipe] key: its meaning and default, for --help.
std::string recipe_keys_help();

}  // namespace hs
