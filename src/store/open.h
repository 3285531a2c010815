// open.h: the open-or-continue policy of results files, written once for `hypersweep run` and
// the recipe's step files. A sweep run again on its own results file continues it (a requeued
// SLURM job does just that); a file of another sweep is never silently overwritten.
//
// May depend on: store (results_file.h, header.h). Thread safety: as ResultsFile.
#pragma once

#include <string>

#include "core/error.h"
#include "store/header.h"
#include "store/results_file.h"

namespace hs {

struct OpenPolicy {
  bool force = false;          // replace whatever is there and start over (--force)
  bool must_exist = false;     // only continue: a missing file is an error (--resume)
  // A file of another sweep, or one without its journal, is started anew instead of refused:
  // for files this program owns (the recipe's step files), never for the user's --out.
  bool replace_other = false;
};

struct OpenedResults {
  ResultsFile file;
  bool continued = false;  // an existing file of this sweep: file.for_each_trial() its records
};

// The results file at `path` for the sweep whose header is `h`: a new one; or, when it (or its
// journal) exists, the existing one after checking that it holds this same sweep
// (header_difference), told from the journal before anything is written to it. A journal whose
// creation never finished (journal.h: a stub, beside no HDF5 file with trials) counts as no file.
// An HDF5 file whose journal is missing (a copy taken without it) gets it written anew from the
// file itself, its /records or else its trials' groups, when it holds this sweep (unless
// replace_other), and then continues; a note on stderr says so.
// Errors name the path: nothing to resume (must_exist), a file that cannot be opened (it exists,
// so it is not overwritten; --force is suggested only when it is not a results file at all, never
// for a recipe file, a lock, a permission, a read-only disk or damage), or one that holds another
// sweep, naming what differs (unless replace_other).
Result<OpenedResults> open_results(const std::string& path, const SweepHeader& h,
                                   const OpenPolicy& policy);

// `path` as a file to write, a results or recipe file or another output (`what`, its files
// named *`suffix`): an error naming it when it is a folder, a device, a FIFO or a socket (or a
// link to one), which --force does not replace.
Status check_output_file(const std::string& path, const std::string& what,
                         const std::string& suffix = ".h5");

// Whether a results file can hold a sweep of `space`, for the checks made before anything is
// written (`hypersweep run`, plan). Errors name the parameter's file, line and name: one named
// like a /summary column, or (`new_file`: for a results file still to be made) like an
// attribute of a trial's group (layout.h, whose rules these are). A file made before the second
// rule continues: such a name collides only in some sweeps (`decision` with a pruner), and the
// ones that ran are not refused now.
Status check_space_names(const SearchSpace& space, bool new_file = true);

}  // namespace hs
