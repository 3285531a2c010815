// results_repair.cpp: what ResultsFile::open learns from the HDF5 file beside a journal
// (results_repair.h).
#include "store/results_repair.h"

#include <algorithm>
#include <string>
#include <utility>

#include "store/h5_util.h"
#include "store/journal.h"
#include "store/journal_records.h"
#include "store/read_results.h"
#include "trial/codec.h"

namespace hs::store {

namespace {

// Whether `later` can only have been recorded after `earlier`, two records of one trial: a
// later attempt (a lost one run again, or --retry-failed), or in the same attempt an end after
// an interruption, or a rung further (sha runs a paused trial again). Records the same attempt
// and status otherwise (the HDF5 file's copy of the journal's record, or one torn there) are
// never later.
bool recorded_later(const TrialRecord& later, const TrialRecord& earlier) {
  if (later.attempt != earlier.attempt) return later.attempt > earlier.attempt;
  const bool stopped = later.status == TrialStatus::kInterrupted;
  if (earlier.status == TrialStatus::kInterrupted) return !stopped;
  return earlier.status == TrialStatus::kPruned && !stopped &&
         (later.status != TrialStatus::kPruned || later.rung > earlier.rung);
}

// The error for a results file whose HDF5 file holds another sweep (`file`) than its journal.
Error not_own_journal(const std::string& path, const std::string& journal_path,
                      const SweepHeader& file, const SweepHeader& journal) {
  return make_error(path, "holds another sweep than its journal " + journal_path + " (" +
                              header_difference(file, journal, {"in the file", "in the journal"}) +
                              "), so neither is continued nor rebuilt from the other: move the "
                              "journal away to continue the file's own sweep (its journal is "
                              "then written anew from the file), or move the file away to "
                              "continue the journal's (the file is then rebuilt from it)");
}

}  // namespace

bool h5_matches(const JournalIndex& j) {
  if (!file_exists(j.path)) return false;
  auto reader = FrameReader::open(j.journal);
  if (!reader) return false;
  size_t read = 0;
  bool same = true;
  const Status st = each_hdf5_result_told(
      j.path, j.trials,
      "to compare it with its journal, as its last close recorded other bytes or no hash of them",
      [&](const SweepHeader&) { read = 0, same = true; },
      [&](TrialRecord&& r, size_t place) {
        ++read;
        if (!same || place >= j.trials) {
          same = false;
          return;
        }
        auto frame = reader->at(j.frame_at(place));
        TrialRecord journaled;
        same = frame && decode_record(std::string(frame->payload), &journaled) &&
               same_record(r, journaled);
      });
  return st.ok() && same && read == j.trials;
}

Status check_same_sweep(const std::string& path, const std::string& journal_path,
                        const SweepHeader& journal) {
  if (!file_exists(path)) return {};
  auto index = read_results_index(path);
  if (!index || index->header.config_hash == journal.config_hash) return {};
  return not_own_journal(path, journal_path, index->header, journal);
}

Result<std::vector<TrialRecord>> records_journal_lacks(const JournalIndex& j, bool lost_bytes) {
  std::vector<TrialRecord> lost;
  if (!file_exists(j.path)) return lost;
  auto index = read_results_index(j.path);
  if (!index) return lost;
  if (index->header.config_hash != j.header->config_hash)
    return not_own_journal(j.path, j.journal, index->header, *j.header);
  const bool ahead = std::any_of(index->ids.begin(), index->ids.end(),
                                 [&](int64_t id) { return !j.place_of(id); });
  if (!lost_bytes && !ahead) return lost;
  auto reader = FrameReader::open(j.journal);
  if (!reader) return reader.error();
  Status failed;
  const Status read = each_hdf5_result_told(
      j.path, j.trials, "to take back the trials its journal may have lost",
      [&](const SweepHeader&) { lost.clear(); },
      [&](TrialRecord&& r, size_t) {
        if (!failed.ok() || !check_record(j.path, *j.header, r).ok()) return;
        if (const auto place = j.place_of(r.id)) {
          auto f = reader->at(j.frame_at(*place));
          TrialRecord journaled;
          if (!f) failed = f.error();
          if (!f || !decode_record(std::string(f->payload), &journaled) ||
              !recorded_later(r, journaled))
            return;
        }
        lost.push_back(std::move(r));
      });
  if (!failed.ok()) return failed.error();
  if (!read.ok()) lost.clear();
  return lost;
}

}  // namespace hs::store
