// results_file.cpp: a results file's two halves kept in step (results_file.h): the journal, the
// source of truth (journal.h: checksummed frames), and its HDF5 view (h5_writer.h). What the
// journal's frames mean is written here: 'H' the sweep header (store/header.h, the first frame,
// once), 'T' a trial record (trial/codec.h), 'C' a clean close (payload: u64 number of 'T'
// frames before it, written after the HDF5 file was closed and fsync'd).
#include "store/results_file.h"

#include <unistd.h>

#include <cstring>
#include <optional>
#include <unordered_map>

#include "core/bytes.h"
#include "core/file.h"
#include "h5/h5.h"
#include "store/h5_util.h"
#include "store/h5_writer.h"
#include "store/journal.h"
#include "store/layout.h"
#include "trial/codec.h"

namespace hs {

using store::file_exists;

struct ResultsFile::State {
  std::string path;
  SweepHeader header;
  std::vector<TrialRecord> trials;
  std::unordered_map<int64_t, size_t> index;  // id -> position in trials
  uint64_t trial_frames = 0;                  // 'T' frames in the journal
  std::optional<store::Journal> journal;
  store::H5Writer h5;
  bool broken = false;  // an HDF5 write failed: the file no longer mirrors the journal
  bool closed = false;
};

namespace {

std::string journal_of(const std::string& path) { return path + ".journal"; }

// What the journal's frames say: the header, every record (ids may repeat), and whether it was
// closed cleanly. Frames after one that does not decode are a torn write: cut_at is where the
// readable ones end.
struct JournalRecords {
  SweepHeader header;
  std::vector<TrialRecord> records;
  bool clean_close = false;  // the last frame is 'C' and its count matches
  uint64_t cut_at = 0;
};

Result<JournalRecords> decode_journal(const std::string& path, const store::JournalContents& j) {
  const Error no_header = make_error(path, "journal does not start with an intact sweep header");
  if (j.frames.empty() || j.frames[0].type != 'H') return no_header;
  JournalRecords out;
  if (!decode_header(j.frames[0].payload, &out.header)) return no_header;
  out.cut_at = j.frames[0].end;
  for (size_t k = 1; k < j.frames.size(); ++k) {
    const store::Frame& f = j.frames[k];
    if (f.type == 'T') {
      TrialRecord t;
      if (!decode_record(f.payload, &t)) break;
      out.records.push_back(std::move(t));
      out.clean_close = false;
    } else if (f.type == 'C') {
      ByteReader r(f.payload);
      const uint64_t n = r.pod<uint64_t>();
      if (!r.done()) break;
      out.clean_close = n == out.records.size();
    } else {
      break;
    }
    out.cut_at = f.end;
  }
  return out;
}

// Keeps the latest record of each id, in first-recorded order.
std::vector<TrialRecord> latest_by_id(std::vector<TrialRecord> records) {
  std::vector<TrialRecord> out;
  std::unordered_map<int64_t, size_t> at;
  for (TrialRecord& r : records) {
    if (auto it = at.find(r.id); it != at.end()) {
      out[it->second] = std::move(r);
    } else {
      at.emplace(r.id, out.size());
      out.push_back(std::move(r));
    }
  }
  return out;
}

// What append() requires of a record, checked against the header: an error names the trial.
Status check_record(const std::string& path, const SweepHeader& h, const TrialRecord& r) {
  const std::string who = "trial " + std::to_string(r.id);
  if (r.params.size() != h.space.params.size()) {
    return make_error(path, who + ": " + std::to_string(r.params.size()) +
                                " parameters, the space has " +
                                std::to_string(h.space.params.size()));
  }
  for (const std::vector<double>& row : r.update_ratio) {
    if (row.size() != r.layer_names.size()) {
      return make_error(path, who + ": an update_ratio row has " + std::to_string(row.size()) +
                                  " values for " + std::to_string(r.layer_names.size()) +
                                  " layers");
    }
  }
  return {};
}

}  // namespace

ResultsFile::ResultsFile(std::unique_ptr<State> s) : s_(std::move(s)) {}
ResultsFile::ResultsFile(ResultsFile&&) noexcept = default;
ResultsFile& ResultsFile::operator=(ResultsFile&& o) noexcept {
  if (this != &o) {
    if (s_) (void)close();
    s_ = std::move(o.s_);
  }
  return *this;
}
ResultsFile::~ResultsFile() {
  if (s_) (void)close();
}

const std::string& ResultsFile::path() const { return s_->path; }
const SweepHeader& ResultsFile::header() const { return s_->header; }
const std::vector<TrialRecord>& ResultsFile::trials() const { return s_->trials; }

Result<ResultsFile> ResultsFile::create(const std::string& path, const SweepHeader& h, bool force) {
  const QuietHdf5 quiet;
  const std::string journal_path = journal_of(path);
  if (force)  // not while another run writes it
    if (Status locked = store::check_not_locked(journal_path); !locked) return locked.error();
  for (const std::string& p : {path, journal_path}) {
    if (!file_exists(p)) continue;
    if (!force) return make_error(p, "file exists; refusing to overwrite it without --force");
    if (::unlink(p.c_str()) != 0) return make_error(p, "cannot remove: " + errno_text());
  }
  if (auto layout = store::make_layout(path, h.space); !layout.ok()) return layout.error();
  // The journal first: from here on a crash leaves something open() can rebuild.
  auto journal = store::Journal::create(journal_path, 'H', encode_header(h));
  if (!journal) return journal.error();
  auto st = std::make_unique<State>();
  st->path = path;
  st->header = h;
  st->journal.emplace(std::move(*journal));
  ResultsFile out(std::move(st));
  if (Status r = out.s_->h5.create(path, h); !r.ok()) return r.error();
  if (Status r = out.s_->h5.flush(); !r.ok()) return r.error();
  return out;
}

// A new HDF5 file from the records, written as <path>.rebuild and renamed over <path>, then
// opened for appending.
Status ResultsFile::rebuild_h5(const std::vector<int64_t>& ids) {
  State& s = *s_;
  (void)s.h5.close();
  const std::string tmp = s.path + ".rebuild";
  {
    store::H5Writer fresh;
    if (Status r = fresh.create(tmp, s.header); !r.ok()) return r;
    for (const TrialRecord& r : s.trials)
      if (Status w = fresh.write(r); !w.ok()) return w;
    if (Status r = fresh.close(); !r.ok()) return r;
  }
  if (Status r = replace_durably(tmp, s.path); !r.ok()) return r;
  return s.h5.open(s.path, s.header, ids);
}

Result<ResultsFile> ResultsFile::open(const std::string& path) {
  const QuietHdf5 quiet;
  const std::string journal_path = journal_of(path);
  if (!file_exists(journal_path)) {
    if (!file_exists(path)) return make_error(path, "no such results file");
    const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
    H5Eclear2(H5E_DEFAULT);
    if (is_hdf5 <= 0) return make_error(path, "not an HDF5 file (H5Fis_hdf5), so not a results file");
    return make_error(path, "its journal " + journal_path +
                                " is missing; a results file can be resumed only with its journal");
  }
  // Open the journal for appending and lock it before reading it, so no other writer is
  // appending while it is read (a torn tail is cut off below).
  auto journal = store::Journal::open(journal_path);
  if (!journal) return journal.error();
  auto contents = store::read_journal(journal_path);
  if (!contents) return contents.error();
  auto j = decode_journal(journal_path, *contents);
  if (!j) return j.error();
  if (j->cut_at != contents->file_bytes)
    if (Status st = journal->truncate(j->cut_at); !st) return st.error();
  auto st = std::make_unique<State>();
  st->path = path;
  st->header = std::move(j->header);
  st->trial_frames = j->records.size();
  st->trials = latest_by_id(std::move(j->records));
  for (size_t i = 0; i < st->trials.size(); ++i) st->index.emplace(st->trials[i].id, i);
  st->journal.emplace(std::move(*journal));
  ResultsFile out(std::move(st));
  std::vector<int64_t> ids;
  for (const TrialRecord& r : out.s_->trials) ids.push_back(r.id);
  if (j->clean_close && file_exists(path) && out.s_->h5.open(path, out.s_->header, ids).ok())
    return out;
  if (Status r = out.rebuild_h5(ids); !r.ok()) return r.error();
  return out;
}

Status ResultsFile::append(const TrialRecord& r) {
  State& s = *s_;
  if (s.closed) return make_error(s.path, "append after close");
  if (s.broken) {
    return make_error(s.path, "an earlier HDF5 write failed; open the file again to repair it");
  }
  if (Status st = check_record(s.path, s.header, r); !st) return st;
  if (Status w = s.journal->append('T', encode_record(r)); !w.ok()) {
    s.broken = true;  // a partial frame may be there; open() cuts it off
    return w;
  }
  ++s.trial_frames;
  if (auto it = s.index.find(r.id); it != s.index.end()) {
    s.trials[it->second] = r;
  } else {
    s.index.emplace(r.id, s.trials.size());
    s.trials.push_back(r);
  }
  const QuietHdf5 quiet;
  Status w = s.h5.write(r);
  if (w.ok()) w = s.h5.flush();
  if (!w.ok()) s.broken = true;
  return w;
}

Status ResultsFile::close() {
  State& s = *s_;
  if (s.closed) return Status::Ok();
  s.closed = true;
  const QuietHdf5 quiet;
  Status result = s.h5.close();
  if (result.ok() && !s.broken && file_exists(s.path)) {
    result = fsync_path(s.path);
    if (result.ok()) {
      std::string count(8, '\0');
      std::memcpy(count.data(), &s.trial_frames, 8);
      result = s.journal->append('C', count);
    }
  }
  s.journal->close();
  return result;
}

}  // namespace hs
