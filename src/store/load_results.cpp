// load_results.cpp: the results for analysis, from the journal when it says what the HDF5 file
// says (read_results.h).
#include <optional>
#include <string>
#include <vector>

#include "store/journal.h"
#include "store/journal_records.h"
#include "store/read_results.h"
#include "store/results_file.h"

namespace hs {

namespace {

// The journal's latest records when they can stand for the HDF5 file `index` describes (header
// and ids, read_results.h); nothing when they cannot.
std::optional<std::vector<TrialRecord>> journal_trials(const std::string& journal_path,
                                                       const ResultsIndex& index) {
  std::vector<TrialRecord> records;  // every record as decoded; the frames' bytes are not kept
  auto j = store::scan_records(journal_path, [&](TrialRecord&& r, const store::FrameView&) {
    records.push_back(std::move(r));
    return Status::Ok();
  });
  if (!j || !j->warnings.empty() || j->header.config_hash != index.header.config_hash)
    return std::nullopt;
  std::vector<TrialRecord> trials = store::latest_by_id(std::move(records));
  if (trials.size() < index.ids.size()) return std::nullopt;
  for (size_t i = 0; i < index.ids.size(); ++i)
    if (trials[i].id != index.ids[i]) return std::nullopt;
  return trials;
}

}  // namespace

Result<ResultsData> load_results(const std::string& path) {
  auto index = read_results_index(path);  // first: the journal read after it is as far along
  if (!index) return index.error();
  auto trials = journal_trials(results_journal(path), *index);
  if (!trials) return read_results(path);
  return ResultsData{std::move(index->header), std::move(*trials)};
}

}  // namespace hs
