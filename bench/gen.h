// gen.h: the generated sweep of bench/gen_results (issue 17: a million trials in one file): a
// realistic header and seeded trial records, written through the real ResultsFile code without
// training anything. Its engine is a library so that tests/bench checks what it writes.
//
// The sweep: random search over 4 parameters (lr and weight_decay log-uniform, optimizer a
// choice of "adam" and "sgd", batch_size an int), the median pruner, metric val_acc (max); trial
// i's record depends on (seed, i) alone: about 62% completed, 30% pruned (at epochs 2 to 5,
// their curves cut there, no test_acc), 3% early_stopped, 2% diverged, 2% failed (no curves,
// an error text), 1% timed_out; every trial with curves has two layers' update ratios.
// May depend on: store. Thread safety: plain functions.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "store/results_file.h"

namespace hs::gen {

struct GenOptions {
  int64_t trials = 0;
  int epochs = 10;  // of a completed trial; at least 5 (pruned trials stop at epochs 2 to 5)
  uint64_t seed = 0;
  int group = 1;  // gen_write: trials per ResultsFile::append (a group commit); 1: one by one
};

SweepHeader gen_header(const GenOptions& o);
// Trial `id` of the sweep: the same record for the same (o.seed, o.epochs, id).
TrialRecord gen_trial(const GenOptions& o, int64_t id);
// Writes trials 0 .. o.trials-1 as a new results file <path> (replacing one there) through
// ResultsFile (journal and HDF5), o.group trials per append, and closes it; progress(done) after
// each append, when given.
Status gen_write(const std::string& path, const GenOptions& o,
                 const std::function<void(int64_t)>& progress = {});

// The same file by another road, for large N: the journal first, frame by frame (store::Journal,
// fdatasync'd each, the bytes append() would write), then ResultsFile::open, which finds no
// clean close and builds the HDF5 file from the journal in memory (its crash-recovery path),
// then closes it cleanly. One HDF5 flush in all instead of one per trial (HDF5 1.10's flush
// walks its whole metadata cache, so appends one by one cost ~10 ms each at 100k trials).
Status gen_write_journal_first(const std::string& path, const GenOptions& o,
                               const std::function<void(int64_t)>& progress = {});

}  // namespace hs::gen
