// results_file.cpp: a results file's two halves kept in step (results_file.h): the journal, the
// source of truth (journal.h: checksummed frames; what they mean: journal_records.h), and its HDF5
// view (h5_writer.h).
#include "store/results_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>

#include "core/bytes.h"
#include "core/file.h"
#include "h5/h5.h"
#include "store/h5_util.h"
#include "store/h5_writer.h"
#include "store/journal.h"
#include "store/journal_records.h"
#include "store/layout.h"
#include "store/read_results.h"
#include "store/results_repair.h"
#include "store/rewrite.h"
#include "trial/codec.h"

namespace hs {

using store::file_exists;

namespace {

// Trial id -> its position: a vector by id while the ids are dense (a sweep's are 0, 1, 2, ...:
// 4 bytes a trial), a hash map for an id far past them.
class IdIndex {
 public:
  std::optional<size_t> find(int64_t id) const {
    if (id >= 0 && static_cast<uint64_t>(id) < dense_.size()) {
      if (dense_[static_cast<size_t>(id)] == kNone) return std::nullopt;
      return dense_[static_cast<size_t>(id)];
    }
    if (auto it = sparse_.find(id); it != sparse_.end()) return it->second;
    return std::nullopt;
  }
  // REQUIRES: id not held.
  void insert(int64_t id, size_t at) {
    const auto u = static_cast<uint64_t>(id);
    if (id >= 0 && at < kNone && u < 2 * (at + 1) + 1024) {
      if (u >= dense_.size()) dense_.resize(static_cast<size_t>(u) + 1, kNone);
      dense_[static_cast<size_t>(u)] = static_cast<uint32_t>(at);
    } else {
      sparse_.emplace(id, at);
    }
  }

 private:
  static constexpr uint32_t kNone = ~uint32_t{0};
  std::vector<uint32_t> dense_;
  std::unordered_map<int64_t, size_t> sparse_;
};

}  // namespace

struct ResultsFile::State {
  // What is held per trial (issue 17: a million trials): where its latest record is in the
  // journal, not the record; whoever needs records reads them back (for_each_trial).
  struct Entry {
    int64_t id = 0;
    uint64_t frame = 0;    // the start of its latest record's frame in the journal
    uint32_t results = 0;  // its result names: result_sets[results]
  };
  std::string path;
  SweepHeader header;
  std::vector<Entry> trials;  // in first-recorded order
  IdIndex index;              // id -> position in trials (its /summary row)
  // The distinct lists of result names the records have ([0]: none), so that the /summary
  // columns (result_names, trial/record.h) are known without the records.
  std::vector<std::vector<std::string>> result_sets{{}};
  uint64_t trial_frames = 0;  // 'T' frames in the journal
  std::optional<store::Journal> journal;
  store::H5Writer h5;
  bool broken = false;  // an HDF5 write failed: the file no longer mirrors the journal
  bool closed = false;
  // Opened as the last clean close left it and nothing written since: close() adds nothing, so
  // a run that stops before its first record (refused by its strategy) leaves the file as it was.
  bool untouched = false;

  // Notes that the latest record of trial `r.id` is in the frame at `frame`; its position.
  size_t note(const TrialRecord& r, uint64_t frame) {
    uint32_t set = 0;
    if (!r.results.empty()) {
      std::vector<std::string> names;
      for (const auto& [name, value] : r.results) names.push_back(name);
      const auto it = std::find(result_sets.begin(), result_sets.end(), names);
      set = static_cast<uint32_t>(it - result_sets.begin());
      if (it == result_sets.end()) result_sets.push_back(std::move(names));
    }
    if (auto at = index.find(r.id)) {
      trials[*at].frame = frame;
      trials[*at].results = set;
      return *at;
    }
    index.insert(r.id, trials.size());
    trials.push_back(Entry{r.id, frame, set});
    return trials.size() - 1;
  }
  // What the repairs of open() read of it (results_repair.h).
  store::JournalIndex journal_view() const {
    return store::JournalIndex{path, results_journal(path), &header, trials.size(),
                               [this](size_t place) { return trials[place].frame; },
                               [this](int64_t id) { return index.find(id); }};
  }
  // The /summary result columns: result_names of the latest records, the first kMaxExtraNames
  // of them (layout.h: has_results_of).
  std::vector<std::string> results() const {
    std::vector<std::string> names;
    std::vector<bool> seen(result_sets.size(), false);
    for (const Entry& e : trials) {
      if (seen[e.results]) continue;
      seen[e.results] = true;
      for (const std::string& n : result_sets[e.results])
        if (names.size() < kMaxExtraNames && std::find(names.begin(), names.end(), n) == names.end())
          names.push_back(n);
    }
    return names;
  }
};

std::string results_target(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_symlink(path, ec)) return path;
  const std::filesystem::path real = std::filesystem::canonical(path, ec);
  return ec ? path : real.string();  // a dangling link: itself (create() refuses it)
}

std::string results_journal(const std::string& path) { return results_target(path) + ".journal"; }

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
size_t ResultsFile::trial_count() const { return s_->trials.size(); }

int64_t ResultsFile::last_id() const {
  int64_t last = -1;
  for (const State::Entry& e : s_->trials) last = std::max(last, e.id);
  return last;
}

Status ResultsFile::for_each_trial(TrialOrder order,
                                   const std::function<Status(const TrialRecord&)>& fn) const {
  const State& s = *s_;
  // A reader of its own each walk: the bytes read and checked again, none kept from before.
  auto reader = store::FrameReader::open(results_journal(s.path));
  if (!reader) return reader.error();
  std::vector<size_t> by_id;
  if (order == TrialOrder::kById) {
    by_id.resize(s.trials.size());
    for (size_t i = 0; i < by_id.size(); ++i) by_id[i] = i;
    std::sort(by_id.begin(), by_id.end(),
              [&](size_t a, size_t b) { return s.trials[a].id < s.trials[b].id; });
  }
  const auto entry = [&](size_t k) -> const State::Entry& {
    return s.trials[order == TrialOrder::kById ? by_id[k] : k];
  };
  TrialRecord r;
  store::FrameView run[4];  // up to four frames back to back, checked together (run_at)
  size_t in_run = 0, used = 0;
  for (size_t k = 0; k < s.trials.size(); ++k, ++used) {
    const State::Entry& e = entry(k);
    if (used == in_run) {
      uint64_t starts[4];
      const size_t n = std::min<size_t>(4, s.trials.size() - k);
      for (size_t j = 0; j < n; ++j) starts[j] = entry(k + j).frame;
      auto got = reader->run_at(starts, n, run);
      if (!got) return got.error();
      in_run = *got;
      used = 0;
    }
    const store::FrameView* f = &run[used];
    r = TrialRecord{};
    if (!decode_record(std::string(f->payload), &r) || r.id != e.id)
      return make_error(results_journal(s.path), "the record of trial " + std::to_string(e.id) +
                                                " at byte " + std::to_string(e.frame) +
                                                " no longer reads: the journal changed while it "
                                                "was open");
    if (Status st = fn(r); !st) return st;
  }
  return {};
}

Result<std::vector<TrialRecord>> ResultsFile::read_trials() const {
  std::vector<TrialRecord> out;
  out.reserve(trial_count());
  Status st = for_each_trial(TrialOrder::kRecorded, [&](const TrialRecord& r) {
    out.push_back(r);
    return Status::Ok();
  });
  if (!st) return st.error();
  return out;
}

Result<ResultsFile> ResultsFile::create(const std::string& given, const SweepHeader& h,
                                        bool force) {
  const QuietHdf5 quiet;
  const std::string path = results_target(given);
  const std::string journal_path = path + ".journal";
  // A link to no file: a new file is never made through a link (one planted where a results
  // file will go), and the link is not replaced either, even with --force: it may stand for a
  // file another run is replacing this moment.
  std::error_code link_ec;
  if (std::filesystem::is_symlink(path, link_ec))
    return make_error(path, "is a symbolic link to " +
                                std::filesystem::read_symlink(path, link_ec).string() +
                                ", which does not exist: a results file is not made through a "
                                "link; give the file's own path as --out, or make it first");
  if (auto layout = store::make_layout(path, h.space); !layout.ok()) return layout.error();
  // Not while another run writes it. Its lock is held until the new journal (locked too) is
  // made, so no run that is continuing the sweep opens it between its removal and then; a run
  // that made the file since open() looked (two runs started at once) is named as such.
  auto held = store::HeldLock::take(journal_path);
  if (!held) return held.error();
  for (const std::string& p : {path, journal_path}) {
    if (!file_exists(p)) continue;
    if (!force) return make_error(p, "file exists; refusing to overwrite it without --force");
    if (::unlink(p.c_str()) != 0) return make_error(p, "cannot remove: " + errno_text());
  }
  if (Status st = make_parent_folders(path); !st) return st.error();
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
  bool h5_made = false;  // by this call (write_image: O_EXCL), not another run's
  {
    store::H5Writer fresh;
    made = fresh.create(path, h);
    if (made.ok()) made = fresh.write_image(path);
    h5_made = made.ok();
  }
  if (made.ok()) made = sync_parent_dir(path);
  if (made.ok()) made = out.s_->h5.open(path, h, {});
  if (made.ok()) return out;
  const int err = errno;
  out.s_->broken = true;  // no clean-close frame
  // What this call made goes (a stub journal would block the same command), while its journal
  // is still locked: never a file another run made meanwhile.
  if (h5_made) ::unlink(path.c_str());
  ::unlink(journal_path.c_str());
  (void)out.close();
  return store::plain_h5_error(made.error(), "cannot create the HDF5 file", err);
}

// A new HDF5 file from the records (read back from the journal one at a time), written as
// <path>.rebuild and renamed over <path>, then opened for appending. Below kRebuildInMemory of
// journal (about 10,000 trials) the file is made in memory and its bytes written once, so that
// it needs no more free disk than its own size; above, it is written on disk as a sweep writes
// it (rewrite_trials), so that rank 0 holds its caches only, not the file (which at a million
// trials took gigabytes).
Status ResultsFile::rebuild_h5() {
  constexpr uint64_t kRebuildInMemory = uint64_t{8} << 20;
  State& s = *s_;
  s.untouched = false;
  (void)s.h5.close();
  const std::string tmp = s.path + ".rebuild";
  // A stale one (a crash) or a planted link goes: write_image() makes the file anew (O_EXCL), so
  // a link planted in between fails it instead of being followed.
  ::unlink(tmp.c_str());
  Status made;
  errno = 0;
  const std::vector<std::string> results = s.results();
  const uint64_t journal_bytes = s.journal->size();
  {
    store::H5Writer fresh;
    made = fresh.create(tmp, s.header, results);
    if (journal_bytes < kRebuildInMemory) {
      if (made.ok()) made = store::rewrite_trials(*this, &fresh, journal_bytes, false);
      if (made.ok()) made = fresh.write_image(tmp);
    } else {
      if (made.ok()) made = fresh.write_image(tmp);
      if (made.ok()) made = fresh.open(tmp, s.header, 0, results);
      if (made.ok()) made = store::rewrite_trials(*this, &fresh, journal_bytes, true);
      const Status closed = fresh.close();
      if (made.ok()) made = closed;
    }
  }
  const int err = errno;
  // The old file's permissions, where there was one (a chmod 600 kept private).
  if (struct stat old {}; made.ok() && ::stat(s.path.c_str(), &old) == 0)
    (void)::chmod(tmp.c_str(), old.st_mode & 07777);
  if (made.ok()) made = replace_durably(tmp, s.path);
  if (!made.ok()) {
    ::unlink(tmp.c_str());  // ours: create() made it anew (O_EXCL), or it is not there
    return store::plain_h5_error(made.error(), "cannot rebuild the HDF5 file from its journal", err);
  }
  made = s.h5.open(s.path, s.header, s.trials.size(), results);
  if (made.ok()) return made;
  return store::plain_h5_error(made.error(), "cannot open the rebuilt HDF5 file", errno);
}

Result<SweepHeader> ResultsFile::read_header(const std::string& path) {
  return store::scan_header(results_journal(path));
}

Status ResultsFile::check_own_journal(const std::string& path, const SweepHeader& journal) {
  return store::check_same_sweep(path, results_journal(path), journal);
}

namespace {

// What the HDF5 file holds that a journal which may hold less lacks (results_repair.h:
// records_journal_lacks), journaled again, each with a warning on stderr.
Status take_back_from_hdf5(ResultsFile::State& s, bool lost_bytes) {
  auto lost = store::records_journal_lacks(s.journal_view(), lost_bytes);
  if (!lost) return lost.error();
  for (const TrialRecord& r : *lost) {
    const uint64_t frame = s.journal->size();
    if (Status w = s.journal->append('T', encode_record(r)); !w.ok()) return w;
    std::fprintf(stderr, "hypersweep: warning: %s: trial %lld, %s the journal, is taken back "
                 "from the HDF5 file\n", s.path.c_str(), static_cast<long long>(r.id),
                 s.index.find(r.id) ? "whose latest record is missing from" : "missing from");
    ++s.trial_frames;
    s.note(r, frame);
  }
  return {};
}

// Another program reading `path` under HDF5's lock: refused, not taken for damage and replaced
// by a rebuilt file while the reader goes on with the old one.
Status not_held(const std::string& path) {
  if (!store::held_by_another(path)) return Status::Ok();
  return make_error(path, "is open in another program, which holds HDF5's lock on it (an "
                          "h5py.File(path) without locking=False, HDFView): close it there, or "
                          "read with locking=False (README, HDF5 results layout), then run again");
}

}  // namespace

Result<ResultsFile> ResultsFile::open(const std::string& given) {
  const QuietHdf5 quiet;
  const std::string path = results_target(given);
  const std::string journal_path = path + ".journal";
  if (!file_exists(journal_path)) {
    if (Status st = store::hdf5_file_at(path, "results file"); !st) return st.error();
    return make_error(path, "its journal " + journal_path +
                                " is missing; a results file can be resumed only with its journal "
                                "(moved or renamed? its journal goes with it, as " + journal_path +
                                "; show, export and report read the file without it, and "
                                "hypersweep run writes it anew from the file itself)");
  }
  // A link to nothing (or a loop of links) with the journal beside it: said so, not "not
  // writable". Nothing is rebuilt through a link, nor in the link's place unasked.
  if (struct stat st {}; file_exists(path) && ::stat(path.c_str(), &st) != 0) {
    Error e = store::hdf5_file_at(path, "results file").error();
    e.message += "; its journal " + journal_path + " is beside it: restore what the link points "
                 "to, or remove the link to have the results file rebuilt from the journal";
    return e;
  }
  // A file made read-only is refused, not replaced by one rebuilt from the journal.
  if (file_exists(path) && !store::writable_results(path))
    return make_error(path, "cannot be continued: it is not writable (its mode, or "
                            "permissions); a sweep appends to it: make it writable first");
  // Open the journal for appending and lock it before reading it, so no other writer is
  // appending while it is read (a torn tail is cut off below).
  auto journal = store::Journal::open(journal_path);
  if (!journal) return journal.error();
  if (Status held = not_held(path); !held) return held.error();
  auto st = std::make_unique<State>();
  st->path = path;
  store::JournalScan scan;
  // Each record checked and noted, then let go: a million records are never held together.
  auto j = store::scan_records(
      journal_path,
      [&](TrialRecord&& r, const store::FrameView& f) {
        st->note(r, f.start);
        return Status::Ok();
      },
      &scan);
  if (!j) return j.error();
  for (const std::string& w : j->warnings)
    std::fprintf(stderr, "hypersweep: warning: %s\n", w.c_str());
  if (scan.valid_bytes != scan.file_bytes)
    if (Status cut = journal->truncate(scan.valid_bytes); !cut) return cut.error();
  st->header = std::move(j->header);
  st->trial_frames = j->record_frames;
  st->journal.emplace(std::move(*journal));
  ResultsFile out(std::move(st));
  State& s = *out.s_;
  const bool damaged = !j->warnings.empty();
  const bool lost_bytes = damaged || scan.valid_bytes != scan.file_bytes;
  Status ready;
  if (lost_bytes || !j->clean_close) ready = take_back_from_hdf5(s, lost_bytes);
  s.trials.shrink_to_fit();
  // After a clean close the HDF5 file is taken as it is when its bytes are those the close
  // recorded (one sequential read); otherwise it is read back whole and compared.
  const bool same_bytes = j->clean_close && j->h5_hash != 0 && store::hash_of_file(path) == j->h5_hash;
  if (ready.ok() && j->clean_close && (same_bytes || store::h5_matches(s.journal_view())) &&
      s.h5.open(path, s.header, s.trials.size(), s.results()).ok()) {
    s.untouched = same_bytes && scan.valid_bytes == scan.file_bytes;
    return out;
  }
  if (ready.ok() && j->clean_close) ready = check_own_journal(path, s.header);
  if (ready.ok()) {  // said, as on a large sweep it takes a while
    const char* why = !file_exists(path) ? "it is missing (its journal is beside where it was)"
                      : damaged ? "its journal has damaged bytes (above)"
                      : !j->clean_close  ? "the sweep that wrote it did not close it (a crash, a "
                                           "kill or a lost node)"
                                         : "it is not as the last run to close it left it (a "
                                           "later run killed before it recorded a trial, a "
                                           "change, or damage)";
    std::fprintf(stderr, "hypersweep: note: %s: %s; rebuilding it from its journal (%zu trials)\n",
                 path.c_str(), why, s.trials.size());
    ready = out.rebuild_h5();
  }
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
  for (const TrialRecord& r : records) {
    if (Status st = store::check_record(s.path, s.header, r); !st) return st;
    if (Status st = store::check_extras_fit(s.path, r); !st) return st;
  }
  std::vector<std::string> frames;
  frames.reserve(records.size());
  size_t bytes = 0;
  for (const TrialRecord& r : records) {
    frames.push_back(encode_record(r));
    bytes += frames.back().size();
  }
  uint64_t frame = s.journal->size();  // where the group's first frame starts
  s.untouched = false;
  if (Status w = s.journal->append('T', std::span<const std::string>(frames)); !w.ok()) {
    s.broken = true;  // a partial frame may be there; open() cuts it off
    return w;
  }
  s.trial_frames += records.size();
  // Checked once the group is in the journal: a file moved (its folder renamed) keeps it there.
  if (Status st = gone_check(group_text(records)); !st) return st;
  bool new_columns = false;
  std::vector<size_t> rows(records.size());  // each record's /summary row
  for (size_t i = 0; i < records.size(); ++i) {
    rows[i] = s.note(records[i], frame);
    frame += store::frame_bytes(frames[i].size());
    new_columns = new_columns || !s.h5.has_columns_for(records[i]);
  }
  const QuietHdf5 quiet;
  if (new_columns) {  // a result no trial had: /summary gains its column
    if (s.trials.size() >= 1000)  // then the rewrite takes seconds or minutes: said why
      std::fprintf(stderr, "hypersweep: note: %s: %s printed a result name no trial before had, so "
                   "/summary gains a column: the HDF5 file is rewritten from its journal (%zu "
                   "trials)\n", s.path.c_str(), group_text(records).c_str(), s.trials.size());
    if (Status w = rebuild_h5(); !w.ok()) {
      s.broken = true;
      return w;
    }
    return Status::Ok();
  }
  // Room first (h5_writer.h): HDF5 must not meet a full disk halfway through a write. Three times
  // the records and 1 MiB cover their groups, their frames in /records, their /summary rows, new
  // chunks and the metadata flushed.
  errno = 0;
  Status w = s.h5.reserve(3 * bytes + (size_t{1} << 20));
  if (!w.ok()) {
    s.broken = true;
    return make_error(s.path, "cannot write " + group_text(records) +
                                  " to the HDF5 file (it is in the journal): " + w.error().message);
  }
  for (size_t i = 0; w.ok() && i < records.size(); ++i) w = s.h5.write(records[i], rows[i]);
  if (w.ok()) w = s.h5.flush();
  if (w.ok()) return w;
  s.broken = true;
  return store::plain_h5_error(
      w.error(), "cannot write " + group_text(records) + " to the HDF5 file (it is in the journal)",
      errno);
}

Status ResultsFile::gone_check(const std::string& group) {
  State& s = *s_;
  const std::string kept = group.empty() ? "" : ", " + group + " included,";
  const std::string h5_gone = s.h5.gone_from_path();
  if (s.journal->still_at_path()) {
    if (h5_gone.empty()) return Status::Ok();
    // The HDF5 file alone: the journal holds every trial, and rebuilds the file.
    s.broken = true;
    return make_error(s.path, "was " + h5_gone + " while the sweep ran: every trial recorded" +
                                  kept + " is in its journal " + s.journal->path() +
                                  ", from which the same command writes the file anew; "
                                  "nothing more can be kept here, so the sweep stops");
  }
  s.broken = true;
  const std::string now = s.journal->path_now();
  if (now.empty() && h5_gone.empty()) {  // the journal alone: the HDF5 file holds the rest
    return make_error(s.journal->path(),
                      "was removed while the sweep ran: " + s.path + " holds every trial "
                      "recorded until then" + (group.empty() ? "" : " but " + group + ", which "
                      "runs again,") + " and the same command writes the journal anew from it; "
                      "nothing more can be kept, so the sweep stops");
  }
  if (now.empty()) {
    return make_error(s.path, "was removed while the sweep ran (its journal " + s.journal->path() +
                                  " is no longer there): what it recorded is lost with it, and "
                                  "nothing more can be kept, so the sweep stops; the same command "
                                  "starts it again");
  }
  const std::string suffix = ".journal";
  if (!now.ends_with(suffix) || now.size() == suffix.size()) {
    return make_error(s.path, "its journal was moved to " + now + " while the sweep ran: every "
                              "trial recorded" + kept + " is in it; nothing more can be kept "
                              "here, so the sweep stops");
  }
  const std::string moved_to = now.substr(0, now.size() - suffix.size());
  return make_error(s.path, "was moved to " + moved_to + " while the sweep ran: every trial "
                                "recorded" + kept + " is there (in its journal " + now +
                                "); nothing more can be kept here, so the sweep stops; to go on, "
                                "run the same command with --out " + moved_to);
}

void no_hdf5_cleanup_at_exit() { H5dont_atexit(); }

Status ResultsFile::close() {
  State& s = *s_;
  if (s.closed) return Status::Ok();
  if (Status st = gone_check(""); !st) {
    s.closed = true;
    (void)s.h5.close();
    s.journal->close();
    return st;
  }
  s.closed = true;
  const QuietHdf5 quiet;
  errno = 0;
  Status result = s.h5.close();
  if (!result.ok())
    result = store::plain_h5_error(result.error(), "cannot close the HDF5 file", errno);
  if (result.ok() && !s.broken && !s.untouched && file_exists(s.path)) {
    result = fsync_path(s.path);
    if (result.ok()) {
      const uint64_t hash = store::hash_of_file(s.path);
      result = s.journal->append('C', store::clean_close_payload(s.trial_frames, hash));
    }
  }
  s.journal->close();
  return result;
}

}  // namespace hs
