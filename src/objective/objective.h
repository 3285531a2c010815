// objective.h: what a trial runs: the seam between a sweep and the thing it tunes. Two
// implementations, each returning the same TrialRecord: the built-in trainer
// (trainer_objective.h) and the user's own program, the sweep file's [objective] command (a
// process per trial, command_objective.h, or one per worker fed trial after trial,
// worker_objective.h; what both share: command_output.h). The recipe adds its learning-rate probe (recipe/step_objectives.h).
//
// While a trial runs, its objective reports every finished epoch through TrialHooks::on_epoch,
// as it happens (a command: as soon as it prints the epoch's line), and the caller answers go on
// or stop: this is where a sweep decides to cut a trial short. TrialHooks::stop is the sweep's
// own stop (a signal, the sweep called off), asked between epochs and, for a command, every
// 100 ms.
//
// Who calls: an executor (exec/), on rank 0 in one process or on each MPI worker, one trial at a
// time per objective. May depend on: trial, config, train, data, core. Never MPI or the results
// file. Thread safety: one thread per objective (the trainer uses OpenMP inside).
#pragma once

#include <functional>
#include <memory>

#include "config/sweep_config.h"
#include "core/error.h"
#include "data/dataset.h"
#include "trial/record.h"

namespace hs {

// The caller's answer after each finished epoch of a running trial.
enum class EpochAnswer {
  kContinue,
  kStop,  // end the trial now: status interrupted, with its record so far (the built-in
          // trainer's last epoch left nothing to stop: it completes, its test pass too)
};

struct TrialHooks {
  // After each finished epoch, with the record so far (its last curves row is that epoch).
  // Empty: always go on.
  std::function<EpochAnswer(const TrialRecord& so_far)> on_epoch;
  // True stops the trial now (status interrupted). Empty: never.
  std::function<bool()> stop;
  // Once stop() said true: true ends the trial at once, without waiting for its epoch to end
  // (a second Ctrl-C); it is recorded interrupted with the epochs it finished. Empty: never.
  std::function<bool()> stop_now;
};

class Objective {
 public:
  virtual ~Objective() = default;
  // Loads what every trial shares (the data set), once. Errors stop the sweep before any trial
  // runs: the base configuration is invalid, or its data cannot be loaded.
  virtual Status prepare() = 0;
  // Runs trial `t` to its end and returns its record: id, params, status, best_metric (the
  // sweep's metric; NaN when the trial has none), curves and the rest; rank and host are the
  // caller's. Never fails: a trial that cannot run is a record with status failed and the reason
  // in `error`. The same trial gives the same record wherever it runs (its seed comes from the
  // sweep seed and its id). REQUIRES: prepare() succeeded.
  virtual TrialRecord run(const Trial& t, const TrialHooks& hooks) = 0;
};

// Where an objective runs, for what a command is told (command_output.h: HYPERSWEEP_WORKER,
// HYPERSWEEP_LOCAL_WORKER, OMP_NUM_THREADS, CUDA_VISIBLE_DEVICES) and where its logs go.
struct Placement {
  int worker = 0;        // 0-based worker index (an MPI worker rank r: r - 1; one process: 0)
  int local_worker = 0;  // 0-based index among the worker ranks on this node (exec/launch.h)
  int threads = 0;       // the worker's OpenMP threads (run.cpp's worker_threads()); 0: not set
  // <results file>.logs: where command trials keep their stdout and stderr (created when the
  // first trial needs it); "": none kept (the recipe, which never runs commands; tests).
  std::string log_dir;
};

// The objective a sweep file asks for: its [objective] command (mode "trial": a process per
// trial, command_objective.h; mode "worker": one process per objective fed trial after trial,
// worker_objective.h), else the built-in trainer with `threads` OpenMP threads (> 0; 0 keeps
// the config's) on `data` when given (already loaded by the caller, for the base
// configuration's data options), else on the data its prepare() loads; each trainer trial in a
// process of its own (forked_objective.h, which loads its own copy of the data set and ignores
// `data`) unless [sweep] isolate = false. `where` reaches command objectives, and its
// local_worker the built-in trainer (which GPU a device = cuda trial takes).
std::unique_ptr<Objective> make_objective(const SweepConfig& sweep, int threads = 0,
                                          std::shared_ptr<const DataBundle> data = nullptr,
                                          Placement where = {});

// The seed a trial trains with: derive_seed(sweep seed, trial id, kTrial) >> 1 (a non-negative
// int64, as TOML holds it). What the built-in trainer uses, and HYPERSWEEP_SEED64 for a command
// (HYPERSWEEP_SEED is trial_seed32: numpy's np.random.seed takes 0 .. 2^32 - 1 only).
uint64_t trial_seed(const SweepConfig& sweep, const Trial& t);
// trial_seed() mod 2^32.
inline uint32_t trial_seed32(const SweepConfig& sweep, const Trial& t) {
  return static_cast<uint32_t>(trial_seed(sweep, t));
}

}  // namespace hs
