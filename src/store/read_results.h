// read_results.h: a results file read back for analysis: from its HDF5 file alone (read_results:
// the recipe's later steps, a copy without its journal), or from its journal when that says the
// same (load_results, whole; each_result, a trial at a time: show, report, export, logs).
// results_file.h describes the layout.
//
// Who may call: any process at any time: the journal is neither needed nor touched, no lock is
// taken and nothing is written. The file is read in forked child processes (libhdf5 can crash
// on a damaged file: that is then an error here, "it is damaged"), which hand the data back
// through pipes. Thread safety: HDF5's error printing is silenced while it runs
// (a process-wide setting), so do not call into HDF5 from another thread at the same time.
#pragma once

#include <functional>
#include <optional>
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

// read_results(path, group)'s trials handed over one at a time as the reading children read
// them, never all held (a copy of a million-trial file without its journal): on_start(header)
// first, then on_trial(record, place) in /summary order, place being the row. The trials'
// groups are read by as many children at once as this process may run on, at most 8 (blocks
// of 64 trials in turn; a trial group is a dozen HDF5 calls, and those calls are the whole
// time of the read), each child bounded in memory as read_results' one. A read that races a
// writer and fails is tried again (read_results: a sweep still writing), and on_start then
// comes again with every trial afresh: a reader starts over at each on_start. Errors:
// read_results', also after some trials were handed over; the first in /summary order.
Status each_hdf5_result(const std::string& path, const std::string& group,
                        const std::function<void(const SweepHeader&)>& on_start,
                        const std::function<void(TrialRecord&& r, size_t place)>& on_trial);

// The same read by `readers` children (at least 1): the same trials, the same bytes, in the same
// order, whatever the number.
Status each_hdf5_result(const std::string& path, const std::string& group, int readers,
                        const std::function<void(const SweepHeader&)>& on_start,
                        const std::function<void(TrialRecord&& r, size_t place)>& on_trial);

// each_hdf5_result(path, "/", ...) for a file of about `trials` trials, with a progress line on
// stderr every 5 s for one of 10,000 trials or more: a read a trial group at a time is a dozen
// HDF5 calls a trial (minutes at a million), and nothing else would say why it takes so long or
// how far it is. `why` ends the line's first part: "hypersweep: reading FILE a trial group at a
// time, WHY: 20657 of 100000 trials, 5 s"; the last line says "done, N of N". Errors:
// each_hdf5_result's.
Status each_hdf5_result_told(const std::string& path, size_t trials, const std::string& why,
                             const std::function<void(const SweepHeader&)>& on_start,
                             const std::function<void(TrialRecord&& r, size_t place)>& on_trial);

// The root layout's header and its trial ids in /summary order, read from the HDF5 file alone
// without opening any trial's group (one read of /summary's id and seconds columns; in a child
// process, as read_results). Errors: read_results'.
struct ResultsIndex {
  SweepHeader header;
  std::vector<int64_t> ids;
  // Row by row beside ids: each trial's seconds (NaN in a file without the column), which tell
  // two runs of a trial apart (load_results checks /records by them).
  std::vector<double> seconds;
};
Result<ResultsIndex> read_results_index(const std::string& path);

// A results file whole, for a reader that wants every trial at once: the same ResultsData as
// read_results(path), from the journal <path>.journal when it can be trusted to say the same,
// else from the HDF5 file (each_result below, its trials put in their places). The journal is
// the source of truth the HDF5 file mirrors (results_file.h) and two sequential reads of it (the
// frames' ids, then each record decoded: about 5 s at a million trials) replace a
// dozen HDF5 calls per trial (about 0.2 ms each: minutes at a million). It is used when it is
// there, reads with no damaged stretch and no refusal, holds the sweep whose config_hash the HDF5
// file's root holds, and the HDF5 file's /summary ids (read_results_index, read first) are its
// latest records' ids in the same order or a prefix of them: a sweep still being written may
// have journaled a group it has not yet flushed to the HDF5 file, and that group then comes
// too. Otherwise (no journal beside a copy, a journal cut short or damaged, one of another
// sweep) the file's own /records (results_file.h: the journal's frames for what the HDF5 file
// holds) stands in for the journal, under the same checks and one more (each trial's latest
// record has its /summary row's seconds: a hypersweep from before /records that ran a trial
// again left them behind): it is copied into an unlinked temporary file under $TMPDIR (else
// /tmp; the size of the records, about 0.9 KB a trial) and read as a journal is. Failing that
// too (a file from before /records, one damaged there or behind /summary, no room for the
// copy) it is read_results(path), with a progress line on stderr every 5 s for a
// file of 10,000 trials or more, saying why. No lock is taken and nothing is written. An HDF5
// file that does not read is read_results' error, journal or not; one whose trial data alone
// is damaged reads from an intact journal.
Result<ResultsData> load_results(const std::string& path);

// load_results' trials handed over one at a time, never all held when they come from the
// journal: for a reader that wants one trial, or a sum over all (`show --trial` on a
// million-trial file). on_start(header) comes first, then on_trial(record, place) once for each
// trial load_results(path) gives, `place` being its index there; they come in the order their
// latest records were written, which is place order unless a trial was recorded again later.
// The journal's frames are read twice: their ids alone (which record of each trial is its
// latest, and the checks load_results makes), then each record decoded. Should it turn out
// unusable midway (a record that does not decode), on_start comes again and every trial is
// handed over afresh from the HDF5 file: a reader starts over at each on_start. No lock is
// taken and nothing is written. Errors: load_results'.
using TrialVisitor = std::function<void(TrialRecord&& r, size_t place)>;
Status each_result(const std::string& path,
                   const std::function<void(const SweepHeader&)>& on_start,
                   const TrialVisitor& on_trial);

// One trial of load_results(path), found by its id, with the header and the number of trials:
// for a reader that wants that trial alone (`logs FILE N`). From the journal when its frames
// pass load_results' checks (intact, of the same sweep, /summary's ids first), that trial's
// latest record alone decoded (a second or two at a million trials: the frames are still
// read whole to find it); else, or should that record not decode, from the HDF5 file:
// /summary's ids and that one trial's group (under a second at a million, where each_result
// reads every trial's group: a minute). No trial of that id: `trial` is empty. Errors:
// load_results'.
struct FoundResult {
  SweepHeader header;
  std::optional<TrialRecord> trial;
  size_t trials = 0;
};
Result<FoundResult> find_result(const std::string& path, int64_t id);

// One pass of each_result_twice: each_result's on_start and on_trial.
struct ResultPass {
  std::function<void(const SweepHeader&)> on_start;
  TrialVisitor on_trial;
};

// each_result(path, first...) and then each_result(path, second...), the file read once where it
// can be: the journal's frame ids once and its records twice (the journal beside it, or the
// copy of /records that stands in for it); or, with neither to trust, the HDF5 file once (a
// dozen HDF5 calls a trial: minutes at a million), each record kept meanwhile in an unlinked
// temporary file under $TMPDIR (else /tmp; about what the journal holds, 0.9 KB a trial) and
// read back from it for the second pass. Should that file not be written, the second pass
// reads the HDF5 file again, and a note on stderr says why. For a reader that sums every trial
// before it looks at each (the diagnosis's sweep context: analysis/analysed.h,
// each_diagnosed). Each pass's on_start comes first in it, and again should that pass start
// over. Errors: load_results'.
Status each_result_twice(const std::string& path, const ResultPass& first,
                         const ResultPass& second);

}  // namespace hs
