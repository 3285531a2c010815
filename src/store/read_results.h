// read_results.h: a results file read back from its HDF5 file alone, for analysis (show, report,
// export, the recipe's later steps, users' own programs). results_file.h describes the layout.
//
// Who may call: any process at any time: the journal is neither needed nor touched, no lock is
// taken and nothing is written. The file is read in a forked child process (libhdf5 can crash on
// a damaged file: that is then an error here, "it is damaged"), which hands the data back
// through a pipe. Thread safety: HDF5's error printing is silenced while it runs
// (a process-wide setting), so do not call into HDF5 from another thread at the same time.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "store/header.h"
#include "trial/record.h"

namespace hs {

// The HDF5 side of a results file, as read_results() gives it back.
struct ResultsData {
  SweepHeader header;  // from the root attributes and /space (space.params' file/line are empty)
  std::vector<TrialRecord> trials;  // in /summary row order
};

// Reads <path>, the HDF5 file alone: it works on a copy taken off a cluster and on a file a
// sweep is still writing (it sees the state of the writer's last flush, i.e. of every append()
// that returned; a read that races an append may fail: read again). Parameter values come back
// typed per their /space kind (a double for uniform/log_uniform, int64 for int, and for a choice
// the choice's own value: bool, int64, double or string), every double bit-exact, status, host
// and error untruncated. A file written before initial_loss/num_classes existed reads with NaN
// and 0 there, one from before direction was stored with the metric's default direction, one
// from before pruners with no pruner or rungs, rung and bracket -1 and no decisions.
// Errors name the path and what is wrong: no such file, not HDF5, no /summary, a /space entry
// that does not parse, a trial's group missing, a status this hypersweep does not know, a file
// damaged so that it does not read (in plain words, without the HDF5 call).
Result<ResultsData> read_results(const std::string& path);

// The same for a results layout rooted at HDF5 group `group` of <path> instead of at its root
// (a step of a recipe file, recipe_file.h: "4_coarse_grid"); "/" or "" is the root, i.e.
// read_results(path). Errors name the path and the group: "recipe.h5: group 4_coarse_grid has
// no /summary, ...", "recipe.h5: has no group 7_x".
Result<ResultsData> read_results(const std::string& path, const std::string& group);

}  // namespace hs
