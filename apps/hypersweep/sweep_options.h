// sweep_options.h: what the command line changes of a sweep file's sweep (`hypersweep run
// --set key=value --trials N`), and the --set option itself, which `train` shares: one rule for
// --set in every command that takes it.
//
// --set applies to the sweep's base training configuration ([train]) as `train --set` does, after
// the file; the results file's config text then holds each --set line (TrainConfig::text()), so
// a sweep continued with other --set values is another sweep. --trials replaces [sweep] trials,
// which does not count in a sweep's identity (config/canonical.h): a finished sweep grows.
//
// Who calls: run (every rank: the workers build their trials from the same sweep) and
// preflight. Thread safety: one thread.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "config/sweep_config.h"

namespace hs::cli {

struct SweepOverrides {
  std::vector<std::string> sets;  // --set key=value, in order
  int64_t trials = 0;             // --trials; 0: the file's
};

// Adds `--set,-s` (repeatable) to `sub`, filling `sets`; `what` ends its help text.
void add_set_option(CLI::App* sub, std::vector<std::string>* sets, const std::string& what);

// Applies each --set to `cfg` in order. Errors (file "--set"): as TrainConfig::set.
Status apply_sets(TrainConfig& cfg, const std::vector<std::string>& sets);

// The sweep in `config` ("" for the built-in one) with the overrides applied. Errors: the file's
// (load_sweep); a --set on a sweep that runs an [objective] command (no trainer to reach), or on
// a key that [space] searches (each trial sets its own), naming the key and where it is
// searched; a --set the trainer refuses; a --trials the strategy cannot run (a grid's or list's
// size: the strategy's error, file "--trials").
Result<SweepConfig> load_sweep_with(const std::string& config, const SweepOverrides& over);

}  // namespace hs::cli
