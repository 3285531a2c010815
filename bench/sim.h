// sim.h: the scheduler simulator's engine (issue 17): rank 0's real TrialQueue (its strategy and
// pruner) and the real results file, against N virtual workers on a virtual clock.
//
// What is real and what is virtual. Every trial is handed out by TrialQueue::next(), every epoch
// judged by TrialQueue::judge(), every result told by TrialQueue::finish() and appended to the
// results file (journal fsync'd, HDF5 written), with the records, encodings and decodings the MPI
// executor (exec/mpi_protocol.cpp) makes. What the workers do is virtual: trial i lasts a
// log-normal time drawn from (seed, i), split into equal epochs, each epoch's val_acc a synthetic
// curve of the trial's parameters plus noise (so a pruner has something to rank).
//
// The clock. Rank 0 is one server taking messages in arrival order, in passes as the executor's
// loop does: a pass starts with the first message waiting and takes every one that reached
// rank 0 while it handled those before (at most one per worker); each costs what rank 0 really
// spent on it, measured (the thread's CPU time for ask, decode, judge and tell; wall time for the
// results-file append, whose fsync rank 0 waits for), or Options::fixed_cost_s each when set
// (tests). Epochs are answered as they are read; the pass's results are told to the queue and
// appended as one group (group commit: one append, one fsync, charged once at its wall time),
// and only then are their workers given trials. So results that arrive while rank 0 is busy (an
// fsync included) form the next group. As under MPI with the built-in trainer (a command's
// process trains on meanwhile), a worker sends every finished epoch and waits for rank 0's answer
// before the next; a worker whose trial ended waits for its group's commit and the ask of its
// next trial. So a slow ask or append delays every worker queued behind it.
//
// May depend on: sweep, store, trial, search, config, core. Thread safety: one thread.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "config/sweep_config.h"
#include "core/error.h"
#include "store/results_file.h"

namespace hs::sim {

struct Options {
  int workers = 64;                 // N virtual worker ranks
  double median_s = 600;            // trial duration: log-normal, this median ...
  double sigma = 0.5;               // ... and this sigma of its log
  std::vector<double> durations;    // if not empty: trial i lasts durations[i % size] (tests)
  int epochs = 10;                  // epochs per trial, equal slices of its duration
  double latency_s = 0;             // one message's delivery time, either way
  double fixed_cost_s = -1;         // >= 0: each rank-0 operation costs this, not what it took
  uint64_t seed = 0;                // durations and curves: (seed, trial id)
};

// What one rank-0 operation cost in total, and how often it ran.
struct OpCost {
  double seconds = 0;
  int64_t count = 0;
};

struct Report {
  int64_t trials = 0;     // records recorded (each run of a trial: sha's promotions count again)
  int64_t pruned = 0;     // of those, pruned
  double makespan_s = 0;  // the last result recorded by rank 0 (its group committed)
  double busy_s = 0;      // worker-time spent running epochs
  double utilisation = 0;       // busy_s / (N x makespan_s)
  double last_dispatch_s = 0;   // when rank 0 handed out the last trial
  // Over the whole bins of busy_over_time before last_dispatch_s: while trials were still to
  // hand out (the drain at the end, which no scheduler shortens, left out). NaN when every
  // trial went out within the first bin: no whole bin to read it over.
  double utilisation_fed = 0;
  std::vector<double> waits;    // per trial run, in dispatch order: its worker idle until it began
  // A worker's time waiting for rank 0's answer to an epoch (not busy, not between trials).
  double answer_wait_s = 0;
  double rank0_busy_s = 0;      // the sum of every operation's cost
  // ask: next() and the trial's encoding; append: one per group commit (its count the groups)
  OpCost ask, decode, judge, tell, append;
  int64_t largest_group = 0;  // the most records one group commit appended
  std::vector<double> ask_costs;  // each next() that gave a trial, in order
  // The cost as trials accumulate: {k, the median of the asks (judges) made while trials
  // [0.9k, k) were being handed out}, at k = 1000, 10000, 100000 and each power of 2 from 64,
  // where reached.
  std::vector<std::pair<int64_t, double>> ask_curve, judge_curve;
  double bin_s = 0;               // the width of the bins of busy_over_time
  std::vector<double> busy_over_time;  // utilisation per bin of bin_s from time 0
};

// Runs `sweep` (its strategy, pruner and trials; metric val_acc, its [train] epochs equal to
// o.epochs) against o.workers virtual workers, each record appended to `file` unless null.
// Errors: the queue cannot be built, or an append fails (naming the file).
// REQUIRES: o.workers >= 1, o.epochs >= 1, o.median_s > 0 or durations all > 0.
Result<Report> simulate(const SweepConfig& sweep, const Options& o, ResultsFile* file);

// The q-quantile (0..1) of `v` by the nearest rank; 0 for an empty vector.
double quantile(std::vector<double> v, double q);

}  // namespace hs::sim
