// preflight.h: every check `hypersweep run` makes before its first trial, made before anything
// is written. `run` calls it before it opens (with --force: replaces) the results file, so a
// sweep that cannot start leaves the file as it was; `plan` calls it too, so plan refuses what
// run refuses. Errors name the config's file, line and key (exit 2).
//
// The checks, in order: the sweep file with the command line's --set and --trials
// (sweep_options.h; config/sweep_config.h: its keys, the space and what the
// strategy makes of it, the command's placeholders, the limits of search/space.h); --threads;
// no [space] name that the results file reserves (a /summary column); and with the built-in
// trainer: the base configuration, no searched [space] key that every trial leaves unused
// (usage.cpp), then, when `load_data`, the data set (loaded, and kept for
// the trials that run here) and the networks of the base configuration and of the space's two
// corners (every searched number at its largest, then at its smallest), against the limits of
// nn/model.h and this machine's memory (train/trainer.h: network_for).
//
// Who calls: rank 0 (or the only process), and plan. Thread safety: one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "data/dataset.h"
#include "hypersweep/sweep_options.h"

namespace hs::cli {

struct Preflight {
  SweepConfig sweep;
  // The data set loaded for the checks (null with a command objective or without load_data):
  // what the trials run here share, so it is loaded once.
  std::shared_ptr<const DataBundle> data;
};

// `config`: the sweep file ("" for the built-in sweep); `threads` >= 0 sets the config's threads
// (--threads); `load_data`: load the data set and check the networks on it; `over`: the
// command line's --set and --trials (sweep_options.h), applied before every check; `new_file`:
// the sweep starts a results file (false: it continues one, which may hold a parameter named
// before store::group_attribute_clash refused such names).
Result<Preflight> preflight(const std::string& config, int threads, bool load_data,
                            const SweepOverrides& over = {}, bool new_file = true);

// What a learning strategy's start design (search/strategy.h: start_design_size) makes of the
// sweep, said out loud. The warning, when [sweep] trials does not exceed the start design: every
// trial is then fixed before any result, so the sweep is a random search. It names the file, the
// line of trials and both numbers; "" when there is nothing to warn of (grid, random and list
// have no start design). `plan` and `run` (rank 0, before the first trial) print it on stderr.
std::string start_design_warning(const SweepConfig& sweep);
// The warning when the pruner can never stop a trial (a bracketed one whose only rung is its
// last, sha with brackets of 1, median or percentile whose startup_trials or warmup_epochs
// leave nothing to judge), or "".
std::string pruner_warning(const SweepConfig& sweep);
// The warning when n_init is given to a strategy without a start design (grid, random, list).
std::string n_init_warning(const SweepConfig& sweep);
// With the built-in trainer, each [train] key given that no trial reads ("FILE:LINE: momentum =
// 0.9 is not used: optimizer is \"adam\""), leaving out those whose deciding key [space] sets.
// (A [space] parameter no trial reads is an error of preflight.)
std::vector<std::string> unused_key_warnings(const SweepConfig& sweep);
// Each of the above that applies, on stderr ("hypersweep: warning: ...").
void warn_sweep(const SweepConfig& sweep);

}  // namespace hs::cli
