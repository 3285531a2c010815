// results_file.h: the results store. One HDF5 file per sweep, written by rank 0 only, that
// h5py and pandas read without a manual, and that hypersweep reopens to resume a sweep.
//
// Who may call: rank 0 alone (or the single process of a run without mpirun); read_results()
// (read_results.h), which only reads the HDF5 file, any process at any time. The library knows
// nothing of MPI or neural networks: it takes plain records. Thread safety: one ResultsFile is
// used by one thread. HDF5's automatic error printing is switched off while a call runs (a
// process-wide setting), so do not call into HDF5 from another thread at the same time.
//
// The layout of <path> (HDF5):
//   /                root attributes: config (the text as given), config_hash (of the config's
//                    canonical form, header.h: SweepHeader::config_form; files from before it
//                    hold the hash of the text's lines, and continue all the same), strategy, seed
//                    (uint64), metric, direction ("max" or "min"), hypersweep_version,
//                    start_time, parameters (the parameter names in space order), pruner
//                    ([sweep] pruner; "" none) and rungs (int64 [n][4]: bracket, rung, epoch,
//                    trials, a bracketed pruner's schedule; [0][4] for none); a file from before
//                    direction was stored reads with the metric's default direction, one from
//                    before pruners with no pruner and no rungs
//   /space           one string attribute per parameter: its kind and range, as
//                    "log_uniform [0.0001, 0.1]", "int [1, 8]", "int [1, 64] log",
//                    "choice [\"adam\", \"sgd\"]", "fixed 3"
//   /summary         1-D chunked, extendible compound dataset, one row per trial, in the order
//                    trials were first recorded: id (int64), status (string), one column per
//                    parameter (double for uniform/log_uniform/numeric choices, int64 for int
//                    and all-integer choices, fixed-length string for string choices, int8 for
//                    bool choices), best_epoch (int32), best_metric, test_acc, initial_loss
//                    (double), num_classes, epochs_run (int32), seconds (double), rank (int32),
//                    host (string, 64 bytes at most), attempt (int32: 1, or the run again of
//                    a lost trial, [sweep] max_retries; absent in files from before it: 1),
//                    pruned_epoch (int32: the epoch a pruned trial was stopped at, 0 for other
//                    statuses), rung and bracket (int32: the highest rung reached and its
//                    bracket, -1 none; absent in files from before pruners: -1), then one
//                    double per result a command printed.
//                    pandas.DataFrame(f["summary"][:]) works; strings come back as bytes.
//   /trials/000042   one group per trial (id zero-padded to 6 digits): the parameters, status
//                    and host as attributes, `error` (failed trials), `decision` (what the
//                    last pruning decision on it was based on, when there was one),
//                    `val_samples` (int64: the validation samples val_acc is measured on,
//                    trial/tie.h; absent when unknown), `curves` [epochs] compound {epoch int32, lr,
//                    train_loss, train_acc, val_loss, val_acc, seconds},
//                    `update_ratio` [epochs x layers] double with attribute layer_names.
//   /records         1-D chunked uint8: the journal's bytes for what the file holds (journal.h:
//                    its magic, the 'H' frame of the header, then a 'T' frame of each record
//                    as it was written, the latest of an id the one that counts), so that a
//                    copy without its journal reads in one pass (read_results.h); absent in
//                    files from before it, which read a trial group at a time.
// A record appended again with an id already in the file replaces the earlier one (its summary
// row is rewritten in place): this is how a re-run interrupted trial lands.
//
// Durability: the journal <path>.journal is the source of truth, the HDF5 file a view of it.
//   - append() first checks every record of its group (journal_records.h: the same check open()
//     makes of each record it reads back; one failing check and nothing is written), writes them
//     whole, framed (length, FNV-1a 64 checksum), to the append-only journal with one write and
//     ONE fdatasync() for the group (group commit: a group of 64 costs one fsync, not 64); only
//     then does it set disk room aside for the HDF5 file (fallocate: a full disk is then a clean
//     error, "No space left on device", before HDF5 writes anything), write the group to the
//     HDF5 file and call H5Fflush once. When append() returns, every record of the group
//     survives kill -9 (and a power cut); before it returns, none may be acknowledged to anyone
//     (told to a strategy, shown, used to decide anything): a crash during the call keeps any
//     prefix of the group, in order, and open() sees those records as if they had been
//     appended alone.
//   - kill -9 can leave the HDF5 file half-written (HDF5 1.10 has no transactions) and the
//     journal with a torn last frame. open() cuts off a torn tail (its length or checksum fails)
//     and, unless the journal ends with the clean-close marker that close() writes after it has
//     closed and fsync'd the HDF5 file, rebuilds the HDF5 file from the journal as a new
//     <path>.rebuild (never through a link; below 8 MiB of journal made in memory and written
//     once, above that written on disk a trial at a time into room reserved ahead, with a
//     progress line on stderr every 5 s) and renames it over <path> (atomic), so the file it
//     hands back always holds exactly the journal's records.
//   - close() records in its clean-close frame a hash of the HDF5 file's bytes (core/hash.h:
//     WordHash64). After a clean close open() hashes the file again (one sequential read: about
//     a second per GB) and takes it as it is when the hashes agree; otherwise (bytes changed
//     since, or a journal from before the hash) it reads the whole HDF5 file back (in a child
//     process, a trial at a time beside the journal's record of it, never all held; about 11 s
//     at 100,000 trials, with a progress line on stderr every 5 s) and rebuilds it when it does
//     not read or differs from the journal in any bit: a damaged HDF5 file beside an intact
//     journal is repaired.
//   - A damaged frame in the middle of the journal (a flipped bit, overwritten bytes) is skipped
//     with a warning on stderr naming its bytes and the record before it; the frames after it
//     are kept (the reader resynchronises on the next intact frame). The trials of lost frames
//     that the HDF5 file still holds are taken back from it and journaled again, with a warning
//     each. An intact frame that is not what hypersweep writes (a record that does not fit the
//     header, an unknown frame type) is an error naming the journal, the record and its byte.
//   - Hence the cost of a crash is the trials in flight, and the cost of resume after a crash
//     is one rewrite of the HDF5 file (about 16 s at 100,000 trials, bench/README.md, "A million
//     trials in one file"); a resume after a clean close reads the HDF5 file's bytes once.
// Memory (issue 17: a million trials in one file): the open file holds, per trial, its id, where
// its latest record's frame starts in the journal and which list of result names it has (24
// bytes), and its place by id (4 bytes while ids are dense, as a sweep's are; a hash entry
// otherwise), which is also its /summary row: never the records (bench/README.md, "A million
// trials in one file", has the figures). open() reads the journal a few MiB at a time. Whoever
// needs records reads them back from the journal (for_each_trial); a rebuild of the HDF5 file
// does the same, record by record, and holds HDF5's caches, not the file (below 8 MiB of
// journal it builds the file in memory: then some tens of MB at most).
// Keep the journal beside the file: the HDF5 file alone is for reading (read_results.h),
// open() refuses it. The journal is in host byte order (little-endian on every machine
// hypersweep targets).
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/header.h"
#include "trial/record.h"

namespace hs {

// The file a results path stands for: a symbolic link's target (its whole chain resolved) when
// `path` is a link to an existing file, else `path` itself (a dangling link too, which
// ResultsFile::create refuses). A results file reached through a
// link (common with scratch file systems) is written where it lies, its journal beside it, and
// the link stays a link. Every reader and writer goes by this and by results_journal().
std::string results_target(const std::string& path);
// The journal of the results file at `path`: results_target(path) + ".journal".
std::string results_journal(const std::string& path);

// The order ResultsFile::for_each_trial hands records over in.
enum class TrialOrder { kRecorded, kById };

class ResultsFile {
 public:
  // Starts a new results file <path> and its journal <path>.journal (<path> a link's target:
  // results_target). An existing file (or journal) is an error naming it unless `force`, which
  // replaces both.
  // REQUIRES: validate(h.space) passed. A parameter named like a fixed /summary column (id,
  // status, best_epoch, ...) is an error.
  static Result<ResultsFile> create(const std::string& path, const SweepHeader& h, bool force);

  // Reopens <path> for resume: the header and every trial recorded so far (the latest record
  // of each id, in first-recorded order; a trial taken back from the HDF5 file comes last),
  // repairing the HDF5 file from the journal when a crash or damage left it behind. The journal
  // is read a frame at a time and each record let go once checked: what the file holds after
  // (and at most during) open() is a few dozen bytes per trial ("Memory" above). A missing
  // file, a file that is not HDF5, a missing journal, or a journal whose intact frames are not
  // what hypersweep writes is an error naming the path. Nothing is written to the journal
  // before its header and every record have passed their checks.
  static Result<ResultsFile> open(const std::string& path);

  // The sweep header in <path>'s journal (its first frame alone), read without a lock and
  // without writing anything (to tell whether the file holds the sweep at hand before opening
  // it). Errors: the journal cannot be read, or its header is missing, damaged or invalid.
  static Result<SweepHeader> read_header(const std::string& path);

  // Whether the journal beside <path>, whose header is `journal`, is that file's own: an error
  // naming both, and what to move away, when the HDF5 file reads and holds another sweep (a
  // journal copied in from another file); Ok when it holds the same one, is missing, or does not
  // read (then it is rebuilt from the journal). open() asks it before rebuilding the file.
  static Status check_own_journal(const std::string& path, const SweepHeader& journal);

  ResultsFile(ResultsFile&&) noexcept;
  ResultsFile& operator=(ResultsFile&&) noexcept;
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;
  ~ResultsFile();  // close(), its error ignored

  const std::string& path() const;
  const SweepHeader& header() const;
  // The trials recorded (ids, each counted once), and the largest id (-1: none).
  size_t trial_count() const;
  int64_t last_id() const;
  // Every trial's latest record, read back from the journal and decoded one at a time, handed
  // to `fn` in first-recorded order (as open() describes) or by id; fn's error stops the walk
  // and is returned. Only one record is held at a time: how a continued sweep takes a million
  // trials back (sweep/queue.h). REQUIRES: fn appends nothing to this file. Errors: a frame
  // that no longer reads (the journal changed under the lock), naming the journal and the byte.
  Status for_each_trial(TrialOrder order,
                        const std::function<Status(const TrialRecord&)>& fn) const;
  // All of them at once, in first-recorded order: for small files (the recipe's steps, tests).
  Result<std::vector<TrialRecord>> read_trials() const;

  // Records one trial: the group of one (below).
  Status append(const TrialRecord& r);
  // Records a group of trials together (group commit, "Durability" above). When this returns OK
  // every record is on disk (journal fsync'd once for the group) and in the HDF5 file (flushed
  // once). REQUIRES nothing of the caller that it does not check: a record whose params do not
  // match the space, or whose update_ratio rows do not match layer_names, is an error naming it
  // and nothing of the group is written. A record whose id is already in the file (or earlier in
  // the group) replaces the earlier one, as appends one by one would. After an HDF5 failure later
  // appends fail too; open() again repairs the file from the journal. No records: nothing done.
  // A file removed since it was opened (the journal's path names another file, or none) is an
  // error saying so, and so is close() then: nothing is reported kept that no one can read.
  Status append(std::span<const TrialRecord> records);
  // The journal's fdatasyncs since this file was created or opened (create()'s and close()'s
  // included): how tests and benchmarks count what a group of appends costs.
  uint64_t journal_syncs() const;

  // Closes the HDF5 file, fsyncs it and marks the journal cleanly closed (so the next open()
  // need not rebuild); a file opened as its last clean close left it, with nothing written
  // since, is left byte for byte as it was. Idempotent; the destructor calls it.
  Status close();

  struct State;  // defined in results_file.cpp

 private:
  Status rebuild_h5();
  // An error once the journal's path or the HDF5 file's no longer names the file written:
  // removed (its folder deleted, or the one file) while the sweep ran, so that append() and
  // close() would write where no one can read, or replaced; or moved (its folder renamed), when
  // it says where the records went, `group` (group_text of append()'s, or "") among them
  // (append() writes a group to the journal first, so a moved file keeps it).
  Status gone_check(const std::string& group);
  explicit ResultsFile(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

// For a program that writes results files, first thing in main (before any HDF5 call): HDF5's
// own clean-up at exit is left out. A file whose write failed (an immutable file, a full disk
// without fallocate) is left as its last flush left it, its journal holding the rest, where
// HDF5's atexit handler flushed it again and crashed (SIGSEGV in H5_term_library). Every file
// this program writes is closed by its owner before exit.
void no_hdf5_cleanup_at_exit();

}  // namespace hs
