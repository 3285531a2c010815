// results_repair.h: what ResultsFile::open learns from the HDF5 file beside a journal before it
// trusts, repairs or rebuilds it: whether the file mirrors the journal, whether it holds the
// same sweep, and the records it kept that the journal lost. They read, and write nothing: open()
// journals again what it takes back. Internal to src/store.
//
// May depend on: core, trial, store's readers. Thread safety: none (each reads in a child).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/header.h"
#include "trial/record.h"

namespace hs::store {

// What open() knows of the journal's records: the latest frame of the trial at each place (its
// /summary row) and the place of an id; the records themselves are read back from the journal.
struct JournalIndex {
  std::string path;     // the results file
  std::string journal;  // its journal (results_journal(path))
  const SweepHeader* header = nullptr;
  size_t trials = 0;
  std::function<uint64_t(size_t place)> frame_at;
  std::function<std::optional<size_t>(int64_t id)> place_of;
};

// Whether the HDF5 file holds exactly the journal's records, in order, bit for bit: it opens and
// reads cleanly and says what the journal says. A full read, on an open after a clean close
// whose hash no longer matches (or that recorded none): bytes overwritten in a dataset's raw data
// open cleanly and are found only by their values. One trial is held at a time, each HDF5 record
// beside the journal's record for its /summary row, and a progress line says how far it is
// (minutes at a million trials).
bool h5_matches(const JournalIndex& j);

// An error naming both files and what to move away when the HDF5 file at `path` reads and holds
// another sweep than its journal at `journal_path`, whose header is `journal` (a journal copied
// in from another file); Ok when it holds the same one, is missing, or does not read.
Status check_same_sweep(const std::string& path, const std::string& journal_path,
                        const SweepHeader& journal);

// Before open() takes a journal that may hold less than the HDF5 file beside it (damage or a cut
// tail: `lost_bytes`; or no clean close: a crash, or an older copy of the journal) as the truth:
// the file's sweep checked against the journal's (check_same_sweep's error), then the records the
// file holds that the journal lacks: trials it does not have, and later records of trials it has
// only an earlier record of (an interrupted trial that later ended, a later attempt, a paused
// trial run further); never a record the same as or earlier than the journal's (an HDF5 file
// behind its journal). Looked for after lost bytes, or where the file's /summary has an id the
// journal has not (the cheap sign of an older journal: a crash leaves the file behind its
// journal, never ahead). The HDF5 file is read a trial at a time and only these records are held;
// a file that is missing or does not read gives none (open() rebuilds it). Errors: the sweep
// check's, or a journal frame that no longer reads.
Result<std::vector<TrialRecord>> records_journal_lacks(const JournalIndex& j, bool lost_bytes);

}  // namespace hs::store
