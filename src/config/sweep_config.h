// sweep_config.h: a sweep's configuration file, its [train], [sweep] and [space] tables.
//
//   [train]   the base trainer configuration (config.h): what every trial shares
//   [sweep]   strategy = "grid" | "random" | "bayes" | "tpe"  (default "random")
//             trials = 20, seed = 0,
//             metric = "val_acc" | "val_loss" | "train_acc" | "train_loss" (of the best epoch),
//             direction = "max" | "min" (default: max for an accuracy, min for a loss),
//             n_init = 0 (bayes, tpe: initial design size; 0 picks one)
//   [space]   one entry per searched trainer key:
//             lr = { log_uniform = [1e-4, 1e-1] }         (grid = N for grid search)
//             momentum = { uniform = [0.8, 0.99], grid = 3 }
//             batch_size = { int = [32, 256], log = true } (grid = N optional)
//             optimizer = { choice = ["momentum", "adam"] }, or the shorthand ["momentum", "adam"]
//             epochs = 5                                    (a fixed value)
// Every name in [space] must be a trainer key, and every value the space can give (both ends of
// a range, each choice, the fixed value) must be valid for that key: the file is checked before
// any trial runs, and an error names the file, line and key.
//
// May depend on: config (TrainConfig), search (space, strategy options), toml++ privately.
#pragma once

#include <string>

#include "config/config.h"
#include "search/strategy.h"

namespace hs {

struct SweepConfig {
  TrainConfig train;           // the [train] table (and --set flags on top)
  StrategyOptions strategy;    // the [sweep] table
  std::string metric = "val_acc";
  SearchSpace space;           // the [space] table, in file order
};

// Reads a sweep file: [train] through TrainConfig, then [sweep] and [space]. The first fault in
// each table is reported with its file, line and key.
Result<SweepConfig> load_sweep(const std::string& path);
Result<SweepConfig> load_sweep_text(std::string_view text, const std::string& name);

// The trainer options of one trial: the base configuration with the trial's values set.
Result<TrainOptions> trial_options(const SweepConfig& sweep, const Trial& trial);

}  // namespace hs
