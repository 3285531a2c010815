// sweep_config.h: a sweep's configuration file, its [train], [sweep], [space] and [objective]
// tables.
//
//   [train]   the base trainer configuration (config.h): what every trial shares
//   [sweep]   strategy = "grid" | "random" | "bayes" | "tpe" | "list"  (default "random")
//             (list: trial i takes the i-th value of every choice, zipped, not crossed)
//             trials = 20 (grid, list: the grid's or the list's size; more than that is an
//                      error; at most kMaxTrials, search/space.h), seed = 0,
//             metric = "val_acc" | "val_loss" | "train_acc" | "train_loss" (of the best epoch);
//                      with an objective command, any identifier the command reports,
//             direction = "max" | "min" (default: min for a name ending in _loss, else max),
//             n_init = 0 (bayes, tpe: initial design size; 0 picks one)
//             isolate = true (built-in trainer: each trial in a process of its own, so a crash
//                      fails that trial alone; false: in the rank's own process)
//             memory_limit = "8G" (built-in trainer, isolated: each trial's address space at
//                      most this, K/M/G/T (powers of 1024) or a whole number of MiB; default none)
//             max_retries = 0 (0 to 10: a trial lost to a signal or a timeout runs again, as
//                      attempt 2, 3, ...; not after it was lost the same way twice)
//             pruner = "none" | "median" | "percentile" | "asha" | "hyperband" | "sha"
//                      (prune/pruner.h; its keys in a [pruner] table)
//   [pruner]  median, percentile: startup_trials = 5, warmup_epochs = 0, interval = 1,
//             min_trials = 1; percentile: percentile = 50. asha, hyperband, sha: min_epochs = 1,
//             reduction = 3, max_epochs (default: [train] epochs; needed with a command);
//             sha: bracket_trials (default reduction^s_max)
//   [space]   one entry per searched trainer key:
//             lr = { log_uniform = [1e-4, 1e-1] }         (grid = N for grid search)
//             momentum = { uniform = [0.8, 0.99], grid = 3 }
//             batch_size = { int = [32, 256], log = true } (grid = N optional)
//             optimizer = { choice = ["momentum", "adam"] }, or the shorthand ["momentum", "adam"]
//             epochs = 5                                    (a fixed value)
//   [objective] (optional) what a trial runs instead of the built-in trainer:
//             command = "python3 train.py --lr {lr}"  run by /bin/sh -c; {name} is the trial's
//                       value of space parameter `name`, {{ and }} are literal braces; a
//                       placeholder inside the command's own quotes ('{lr}', "{lr}") is an
//                       error: values are quoted for the shell where they are put
//             timeout = 600                           seconds per trial; 0 or absent: none
//             mode = "trial" | "worker"  trial (default): a process per trial; worker: the
//                       command (no placeholders then) starts once per worker and is handed one
//                       trial after another on stdin (objective/worker_objective.h)
//             gpus_per_worker = 0  > 0: each worker's commands see CUDA_VISIBLE_DEVICES = its
//                       share of the node's devices (objective/command_output.h)
//             gpus_per_node = 0    the node's device count when CUDA_VISIBLE_DEVICES is unset
// Without a command, every name in [space] must be a trainer key, and every value the space can
// give (both ends of a range, each choice, the fixed value) must be valid for that key. With a
// command, [space] names are free identifiers ([A-Za-z_][A-Za-z0-9_]*), nothing is checked
// against the trainer, and every {placeholder} of the command must be a [space] name. The
// strategy must be able to run the space (grid and list sizes, `trials`). The file is checked
// before any trial runs, and an error names the file, line and key.
//
// May depend on: config (TrainConfig), search (space, strategy options), toml++ privately.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "prune/pruner.h"
#include "search/strategy.h"

namespace hs {

// The [objective] table.
struct ObjectiveOptions {
  std::string command;   // empty: the built-in trainer
  double timeout = 0;    // seconds per trial; 0: none
  bool worker_mode = false;  // mode = "worker": one process per worker, fed trials on stdin
  int gpus_per_worker = 0;   // > 0: CUDA_VISIBLE_DEVICES per worker from its local index
  int gpus_per_node = 0;     // the node's devices when CUDA_VISIBLE_DEVICES is unset; 0: 0, 1, ...
  std::string file; int line = 0;  // where `command` was given
};

// How each trial of the built-in trainer runs ([sweep] isolate, memory_limit).
struct TrialPolicy {
  bool isolate = true;        // in a child process of its own (objective/forked_objective.h)
  uint64_t memory_limit = 0;  // bytes of address space per trial (isolated only); 0: none
  int max_retries = 0;        // runs again of a lost trial (trial/record.h: is_lost)
  // Stop the sweep when the first fail_fast trials a run records all failed or timed out alike
  // without their metric (the same trial/failure.h failure_cause): a broken set-up, not a bad
  // region of the space (exec/run_trials.h). 0: never.
  int fail_fast = 5;
};

struct SweepConfig {
  TrainConfig train;           // the [train] table (and --set flags on top)
  StrategyOptions strategy;    // the [sweep] table
  TrialPolicy trial_policy;    // the [sweep] table's isolate, memory_limit, max_retries, fail_fast
  std::string metric = "val_acc";
  SearchSpace space;           // the [space] table, in file order
  ObjectiveOptions objective;  // the [objective] table
  std::string file;            // the sweep file's name, for messages
  std::string dir;             // its absolute folder, which relative paths resolve against ("":
                               // text that is no file; config.h)
  int trials_line = 0;         // where [sweep] trials was given; 0: not given (the default);
                               // -1: given by --trials
  int strategy_line = 0;       // where [sweep] strategy was given; 0: not given
  int pruner_line = 0;         // where [sweep] pruner was given; 0: not given
  int n_init_line = 0;         // where [sweep] n_init was given; 0: not given
  PrunerOptions pruner;        // [sweep] pruner and the [pruner] table
};

// Whether trials run the built-in trainer (objective.command is empty). When false, no trial
// trains here, so the runner need not load the data set.
bool uses_trainer(const SweepConfig& sweep);

// objective.command cut into literal text and {name} placeholders, in order ({{ and }} are
// literal braces, so they land in `text`). Errors name objective.file, line and key `command`:
// an unclosed '{', a lone '}', a placeholder that is not an identifier, a placeholder inside
// the command's own shell quotes (each value is quoted where it is put: inside '...' a quoted
// value would end the user's quote, inside "..." its $(...) would run).
// A command's here-document body (`<<EOF` to a line `EOF`) is refused too: the shell reads it
// as text (command_text.cpp).
struct CommandPart {
  std::string text;      // literal text, or the parameter's name when is_param
  bool is_param = false;
};
Result<std::vector<CommandPart>> split_command(const ObjectiveOptions& objective);

// Whether `s` is an identifier ([A-Za-z_][A-Za-z0-9_]*): a command's parameter and placeholder
// name.
bool is_identifier(std::string_view s);

// Reads a sweep file: [train] through TrainConfig, then [sweep] and [space]. The first fault in
// each table is reported with its file, line and key.
Result<SweepConfig> load_sweep(const std::string& path);
// `dir`: the absolute folder relative paths in `text` resolve against ("": left as given).
Result<SweepConfig> load_sweep_text(std::string_view text, const std::string& name,
                                    const std::string& dir = "");

// The sweep in file `path`, or with "" the built-in one: the lecture's random search (11.2.2)
// over the learning rate and the weight decay, both log-uniform on [1e-4, 1e-1], 8 trials of the
// MLP on Fashion-MNIST. kDefaultSweepName stands for its file in messages, kDefaultSweepStem
// names its results file.
inline constexpr char kDefaultSweepName[] = "<built-in default sweep>";
inline constexpr char kDefaultSweepStem[] = "hypersweep_default";
Result<SweepConfig> load_sweep_or_default(const std::string& path);

// A sweep file a program writes (the recipe's step sweeps), to load with load_sweep_text: every
// rank that runs the sweep loads the same text, and the results file keeps it.
struct SweepSpec {
  std::string comment;      // the text's first line, after "# "
  TrainOptions train;       // its [train] table (to_toml)
  StrategyOptions strategy; // [sweep] strategy, trials and seed
  std::string metric;       // [sweep] metric
  // [space]: each parameter a list of choices, in order (name = [v1, v2, ...]).
  std::vector<std::pair<std::string, std::vector<double>>> choices;
};
std::string sweep_text(const SweepSpec& spec);

// `e`, an error with a key and no file (the trainer's: a model too big, a batch that does not
// fit), placed where its key was set: the [space] parameter that sets it, else the [train] key.
// `e` as it is otherwise.
Error locate(const SweepConfig& sweep, Error e);
// Whether the [space] sets `key` (itself; width or depth for hidden) or the key that brings its
// default into play (arch for a conv layer's key): then the base configuration's value of it
// is not what the trials train, and an error on it there is no error of the sweep
// (kernel_size = [1, 3] on 4x4 images: the default 5 never trains). "" : false.
bool space_sets(const SweepConfig& sweep, std::string_view key);

// The most epochs a trial trains when [space] sets `epochs` to whole numbers: a fixed value, a
// choice's largest, an int range's top. 0 when it sets none (or no whole number of them).
int space_epochs(const SearchSpace& space);

// The trainer options of one trial: the base configuration with the trial's values set.
// Errors: a value the trainer refuses, or (with an objective command) a name that is not a
// trainer key; the runner calls it only when uses_trainer(sweep).
Result<TrainOptions> trial_options(const SweepConfig& sweep, const Trial& trial);

}  // namespace hs
