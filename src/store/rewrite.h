// rewrite.h (internal to hs_store): the HDF5 side of a results file made again from its journal
// (ResultsFile's rebuild after a crash, a damaged file or a new /summary column), and the hash
// that tells open() whether it must be (results_file.h, "Durability"). Thread safety: as for
// ResultsFile.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"
#include "store/h5_writer.h"
#include "store/results_file.h"

namespace hs::store {

// The trials of `f`, each read back from its journal, written to `out`, a results file just
// made with no trials, in first-recorded order, with a progress line on stderr every 5 s from
// 10,000 trials. `journal_bytes`: the size of f's journal. `on_disk`: `out` is a file on disk,
// not in memory (the core driver), and the disk it grows into is reserved first (h5_writer.h:
// reserve), so HDF5 never meets a full disk halfway through a write (a full disk is then the
// reserve's error, in words). Errors: for_each_trial's, the writer's.
Status rewrite_trials(const ResultsFile& f, H5Writer* out, uint64_t journal_bytes, bool on_disk);

// WordHash64 of the bytes of the file at `path` (core/hash.h); 0 when it does not read (never
// a clean close's hash then: the next open() reads the file back whole).
uint64_t hash_of_file(const std::string& path);

}  // namespace hs::store
