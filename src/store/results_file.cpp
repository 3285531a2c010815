// results_file.cpp: a results file's two halves kept in step (results_file.h): the journal, the
// source of truth (journal.h: checksummed frames; what they mean: journal_records.h), and its HDF5
// view (h5_writer.h).
#include "store/results_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <unordered_map>

#include "core/bytes.h"
#include "core/file.h"
#include "core/hash.h"
#include "h5/h5.h"
#include "store/h5_util.h"
#include "store/h5_writer.h"
#include "store/journal.h"
#include "store/journal_records.h"
#include "store/layout.h"
#include "store/read_results.h"
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

// Whether the HDF5 file at `path` holds exactly `trials`, in order, bit for bit: it opens and
// reads cleanly and says what the journal says. A full read, on every open after a clean close:
// bytes overwritten in a dataset's raw data open cleanly and are found only by their values.
bool h5_matches(const std::string& path, const std::vector<TrialRecord>& trials) {
  if (!file_exists(path)) return false;
  auto d = read_results(path);
  if (!d.ok() || d->trials.size() != trials.size()) return false;
  for (size_t i = 0; i < trials.size(); ++i)
    if (!store::same_record(d->trials[i], trials[i])) return false;
  return true;
}

// WordHash64 of the file's bytes (core/hash.h); 0 when it does not read (never a clean close's
// hash then: the next open() reads the file back whole).
uint64_t hash_of_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  WordHash64 h;
  std::string buf(size_t{4} << 20, '\0');
  bool ok = true;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    h.add(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
  ::close(fd);
  return ok ? h.value() : 0;
}

// Removes what a failed create() made (a stub journal would block the same command).
void remove_created(const std::string& path, const std::string& journal_path) {
  ::unlink(path.c_str());
  ::unlink(journal_path.c_str());
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
  errno = 0;
  Status made;
  {
    store::H5Writer fresh;
    made = fresh.create(path, h);
    if (made.ok()) made = fresh.write_image(path);
  }
  if (made.ok()) made = sync_parent_dir(path);
  if (made.ok()) made = out.s_->h5.open(path, h, {});
  if (made.ok()) return out;
  const int err = errno;
  out.s_->broken = true;  // no clean-close frame
  (void)out.close();
  remove_created(path, journal_path);
  return store::plain_h5_error(made.error(), "cannot create the HDF5 file", err);
}

// A new HDF5 file from the records, written as <path>.rebuild and renamed over <path>, then
// opened for appending.
Status ResultsFile::rebuild_h5(const std::vector<int64_t>& ids) {
  State& s = *s_;
  (void)s.h5.close();
  const std::string tmp = s.path + ".rebuild";
  // A stale one (a crash) or a planted link goes: write_image() makes the file anew (O_EXCL), so
  // a link planted in between fails it instead of being followed.
  ::unlink(tmp.c_str());
  Status made;
  errno = 0;
  {
    store::H5Writer fresh;
    made = fresh.create(tmp, s.header, result_names(s.trials));
    for (size_t i = 0; made.ok() && i < s.trials.size(); ++i) made = fresh.write(s.trials[i]);
    if (made.ok()) made = fresh.write_image(tmp);
  }
  const int err = errno;
  if (made.ok()) made = replace_durably(tmp, s.path);
  if (!made.ok()) {
    ::unlink(tmp.c_str());  // ours: create() made it anew (O_EXCL), or it is not there
    return store::plain_h5_error(made.error(), "cannot rebuild the HDF5 file from its journal", err);
  }
  made = s.h5.open(s.path, s.header, ids, result_names(s.trials));
  if (made.ok()) return made;
  return store::plain_h5_error(made.error(), "cannot open the rebuilt HDF5 file", errno);
}

namespace {

// After damage in the journal, or a cut tail (a torn last write; a file cut short): the trials
// the HDF5 file holds and the journal lost, journaled again (the journal keeps its own record of
// every id it still has). An HDF5 file that does not read, or is of another sweep, gives nothing.
Status recover_lost_trials(ResultsFile::State& s) {
  if (!file_exists(s.path)) return {};
  auto d = read_results(s.path);
  if (!d.ok() || d->header.config_hash != s.header.config_hash) return {};
  for (const TrialRecord& r : d->trials) {
    if (s.index.count(r.id) > 0 || !store::check_record(s.path, s.header, r).ok()) continue;
    if (Status w = s.journal->append('T', encode_record(r)); !w.ok()) return w;
    std::fprintf(stderr, "hypersweep: warning: %s: trial %lld, lost with the damaged journal "
                 "bytes, is taken back from the HDF5 file\n", s.path.c_str(),
                 static_cast<long long>(r.id));
    ++s.trial_frames;
    s.index.emplace(r.id, s.trials.size());
    s.trials.push_back(r);
  }
  return {};
}

// The journal at `journal_path` read and decoded (journal_records.h), without a lock.
Result<store::JournalRecords> read_records(const std::string& journal_path) {
  auto contents = store::read_journal(journal_path);
  if (!contents) return contents.error();
  return store::decode_journal(journal_path, *contents);
}

}  // namespace

Result<SweepHeader> ResultsFile::read_header(const std::string& path) {
  auto j = read_records(journal_of(path));
  if (!j) return j.error();
  return std::move(j->header);
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
  auto j = store::decode_journal(journal_path, *contents);
  if (!j) return j.error();
  for (const std::string& w : j->warnings)
    std::fprintf(stderr, "hypersweep: warning: %s\n", w.c_str());
  if (contents->valid_bytes != contents->file_bytes)
    if (Status st = journal->truncate(contents->valid_bytes); !st) return st.error();
  auto st = std::make_unique<State>();
  st->path = path;
  st->header = std::move(j->header);
  st->trial_frames = j->records.size();
  st->trials = store::latest_by_id(std::move(j->records));
  for (size_t i = 0; i < st->trials.size(); ++i) st->index.emplace(st->trials[i].id, i);
  st->journal.emplace(std::move(*journal));
  ResultsFile out(std::move(st));
  State& s = *out.s_;
  const bool lost_bytes = !j->warnings.empty() || contents->valid_bytes != contents->file_bytes;
  Status ready = lost_bytes ? recover_lost_trials(s) : Status::Ok();
  std::vector<int64_t> ids;
  for (const TrialRecord& r : s.trials) ids.push_back(r.id);
  // After a clean close the HDF5 file is taken as it is when its bytes are those the close
  // recorded (one sequential read); otherwise it is read back whole and compared.
  const bool same_bytes = j->clean_close && j->h5_hash != 0 && hash_of_file(path) == j->h5_hash;
  if (ready.ok() && j->clean_close && (same_bytes || h5_matches(path, s.trials)) &&
      s.h5.open(path, s.header, ids, result_names(s.trials)).ok())
    return out;
  if (ready.ok()) ready = out.rebuild_h5(ids);
  if (ready.ok()) return out;
  s.broken = true;  // closed without a clean-close frame
  return ready.error();
}

Status ResultsFile::append(const TrialRecord& r) {
  return append(std::span<const TrialRecord>(&r, 1));
}

uint64_t ResultsFile::journal_syncs() const { return s_->journal ? s_->journal->syncs() : 0; }

namespace {

// "trial 7", or "trials 7 to 12 (a group of 4)": what an HDF5 error after the journal names.
std::string group_text(std::span<const TrialRecord> records) {
  if (records.size() == 1) return "trial " + std::to_string(records.front().id);
  return "trials " + std::to_string(records.front().id) + " to " +
         std::to_string(records.back().id) + " (a group of " + std::to_string(records.size()) + ")";
}

}  // namespace

// Group commit (results_file.h): every record checked, then one journal write and fdatasync for
// all of them, then the HDF5 file, flushed once.
Status ResultsFile::append(std::span<const TrialRecord> records) {
  State& s = *s_;
  if (s.closed) return make_error(s.path, "append after close");
  if (s.broken) {
    return make_error(s.path, "an earlier HDF5 write failed; open the file again to repair it");
  }
  if (records.empty()) return Status::Ok();
  for (const TrialRecord& r : records)
    if (Status st = store::check_record(s.path, s.header, r); !st) return st;
  std::vector<std::string> frames;
  frames.reserve(records.size());
  size_t bytes = 0;
  for (const TrialRecord& r : records) {
    frames.push_back(encode_record(r));
    bytes += frames.back().size();
  }
  if (Status w = s.journal->append('T', std::span<const std::string>(frames)); !w.ok()) {
    s.broken = true;  // a partial frame may be there; open() cuts it off
    return w;
  }
  s.trial_frames += records.size();
  bool new_columns = false;
  for (const TrialRecord& r : records) {
    if (auto it = s.index.find(r.id); it != s.index.end()) {
      s.trials[it->second] = r;
    } else {
      s.index.emplace(r.id, s.trials.size());
      s.trials.push_back(r);
    }
    new_columns = new_columns || !s.h5.has_columns_for(r);
  }
  const QuietHdf5 quiet;
  if (new_columns) {  // a result no trial had: /summary gains its column
    std::vector<int64_t> ids;
    for (const TrialRecord& t : s.trials) ids.push_back(t.id);
    if (Status w = rebuild_h5(ids); !w.ok()) {
      s.broken = true;
      return w;
    }
    return Status::Ok();
  }
  // Room first (h5_writer.h): HDF5 must not meet a full disk halfway through a write. Twice the
  // records and 1 MiB cover their groups, their /summary rows, new chunks and the metadata flushed.
  errno = 0;
  Status w = s.h5.reserve(2 * bytes + (size_t{1} << 20));
  if (!w.ok()) {
    s.broken = true;
    return make_error(s.path, "cannot write " + group_text(records) +
                                  " to the HDF5 file (it is in the journal): " + w.error().message);
  }
  for (size_t i = 0; w.ok() && i < records.size(); ++i) w = s.h5.write(records[i]);
  if (w.ok()) w = s.h5.flush();
  if (w.ok()) return w;
  s.broken = true;
  return store::plain_h5_error(
      w.error(), "cannot write " + group_text(records) + " to the HDF5 file (it is in the journal)",
      errno);
}

Status ResultsFile::close() {
  State& s = *s_;
  if (s.closed) return Status::Ok();
  s.closed = true;
  const QuietHdf5 quiet;
  errno = 0;
  Status result = s.h5.close();
  if (!result.ok())
    result = store::plain_h5_error(result.error(), "cannot close the HDF5 file", errno);
  if (result.ok() && !s.broken && file_exists(s.path)) {
    result = fsync_path(s.path);
    if (result.ok()) {
      const uint64_t hash = hash_of_file(s.path);
      result = s.journal->append('C', store::clean_close_payload(s.trial_frames, hash));
    }
  }
  s.journal->close();
  return result;
}

}  // namespace hs
