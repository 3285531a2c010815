// load_results.cpp: the results for analysis, from the journal when it says what the HDF5 file
// says (read_results.h).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/file.h"
#include "core/progress.h"
#include "store/journal.h"
#include "store/journal_records.h"
#include "store/layout_read.h"
#include "store/read_results.h"
#include "store/results_file.h"
#include "trial/codec.h"

namespace hs {

namespace {

// Why load_results reads the HDF5 file a trial group at a time (each_hdf5_result_told's line).
constexpr const char* kNoJournal = "as no usable journal is beside it";
constexpr const char* kChanged = "as its journal did not read as its frames' ids said";

// Where each trial of a journal is, read from the frames' ids alone (no record decoded): its
// place in load_results' order (first recorded) and the ordinal of its latest record.
struct JournalPlaces {
  struct Trial {
    size_t place = 0;
    size_t latest = 0;  // among the journal's trial records, from 0
    uint64_t start = 0;  // the latest record's frame (FrameView::start)
  };
  std::unordered_map<int64_t, Trial> by_id;
  size_t records = 0;
  // Where the last frame ends: all before it intact, back to back (readable: no damage met).
  uint64_t intact_until = 0;
  SweepHeader header;  // the journal's
};

// The places of the journal's trials when its records can stand for the HDF5 file `index`
// describes (read_results.h: intact, of the same sweep, /summary's ids first in the same
// order); nothing when they cannot.
std::optional<JournalPlaces> journal_places(const std::string& journal_path,
                                            const ResultsIndex& index) {
  auto header = store::scan_header(journal_path);
  if (!header || header->config_hash != index.header.config_hash) return std::nullopt;
  JournalPlaces p;
  std::vector<int64_t> ids;  // by place
  bool readable = true;
  auto scan = store::scan_journal(
      journal_path, [&](const store::FrameView& f, const store::DamagedBytes* damaged) {
        int64_t id = 0;
        if (damaged || (f.type == 'T' && !peek_record_id(f.payload, &id))) readable = false;
        if (f.type != 'T' || !readable) return Status::Ok();
        auto [it, fresh] = p.by_id.try_emplace(id, JournalPlaces::Trial{ids.size(), p.records});
        if (fresh) ids.push_back(id);
        it->second.latest = p.records++;
        it->second.start = f.start;
        return Status::Ok();
      });
  if (!scan || !readable || ids.size() < index.ids.size())
    return std::nullopt;
  p.intact_until = scan->valid_bytes;
  p.header = std::move(*header);
  for (size_t i = 0; i < index.ids.size(); ++i)
    if (ids[i] != index.ids[i]) return std::nullopt;
  return p;
}

// The record of the journal's frame at `start` (JournalPlaces::Trial), when it still is trial
// `id`'s and decodes and fits the sweep as scan_records would have it.
std::optional<TrialRecord> journal_record(const std::string& journal_path,
                                          const JournalPlaces& places, uint64_t start, int64_t id) {
  auto reader = store::FrameReader::open(journal_path);
  if (!reader) return std::nullopt;
  auto f = reader->at(start);
  TrialRecord r;
  if (!f || f->type != 'T' || !decode_record(std::string(f->payload), &r) || r.id != id ||
      !store::check_record(journal_path, places.header, r))
    return std::nullopt;
  return r;
}

// Whether `r`, the latest record of the trial in /summary row `row`, is the record that row
// holds: the same seconds, bit for bit (no two runs of a trial take the same time to the bit; a
// file without the column is not checked). The file's /records can stand for it only then: a
// hypersweep from before /records that ran a trial again wrote the trial's group and row, not
// /records.
bool row_holds(const ResultsIndex& index, size_t row, const TrialRecord& r) {
  if (row >= index.seconds.size() || std::isnan(index.seconds[row])) return true;
  return std::memcmp(&index.seconds[row], &r.seconds, sizeof r.seconds) == 0;
}

// Why /records cannot stand for the file when row_holds fails for trial `id`.
std::string older_record(int64_t id) {
  return "its /records hold another record of trial " + std::to_string(id) +
         " than /summary does (run again by a hypersweep from before /records?)";
}

// An unlinked temporary file under TMPDIR (else /tmp): gone with this process, however it ends.
class TempFile {
 public:
  TempFile() {
    const char* dir = std::getenv("TMPDIR");
    dir_ = dir && *dir ? dir : "/tmp";
    std::string name = dir_ + "/hypersweep-read-XXXXXX";
    fd_ = ::mkstemp(name.data());
    if (fd_ < 0) why_ = std::strerror(errno);
    else ::unlink(name.c_str());
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_; }  // -1: it could not be made (why())
  int release() { return std::exchange(fd_, -1); }
  // A name that opens the file while fd() is open.
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }
  const std::string& dir() const { return dir_; }
  const std::string& why() const { return why_; }

 private:
  int fd_ = -1;
  std::string dir_, why_;
};

// A journal held open and read through /proc/self/fd/N, a name that stays this file's while it
// is held: renamed, replaced or appended to meanwhile, it is still the file first read, so what
// one scan found intact need not be hashed again (scan_journal's trusted_until). Where that name
// does not open (no /proc) it is read by its path, and hashed each time.
class HeldJournal {
 public:
  explicit HeldJournal(const std::string& path) : path_(path) {
    auto fd = open_regular(path, O_RDONLY, "journal");
    if (!fd) return;
    fd_ = *fd;
    std::string held = "/proc/self/fd/" + std::to_string(fd_);
    if (::access(held.c_str(), R_OK) == 0) path_ = std::move(held), held_ = true;
  }
  ~HeldJournal() {
    if (fd_ >= 0) ::close(fd_);
  }
  HeldJournal(const HeldJournal&) = delete;
  HeldJournal& operator=(const HeldJournal&) = delete;
  const std::string& path() const { return path_; }
  bool held() const { return held_; }

 private:
  int fd_ = -1;
  std::string path_;
  bool held_ = false;
};

// A journal whose records can stand for the HDF5 file (journal_places): the one beside it, else
// the file's /records copied into a temporary file (records_stand_in). A copy of the file taken
// without its journal so reads in one pass, not a trial group at a time.
struct StandIn {
  std::string journal;  // its path
  std::optional<JournalPlaces> places;  // none: it cannot stand for the file (why_not)
  std::unique_ptr<HeldJournal> beside;  // holds the journal beside it open, when read
  std::unique_ptr<TempFile> copy;  // holds the copy of /records; none: the journal beside it
  std::string why_not;  // for each_hdf5_result_told's line; "" with `places`
  // Each read after the first hashes no frame journal_places found intact (scan_journal): the
  // copy is this process's alone, and the journal beside it is held open.
  uint64_t trusted_until() const {
    return places && (copy || (beside && beside->held())) ? places->intact_until : 0;
  }
};

// The file's /records (h5_writer.h) copied into a temporary file, which reads as a journal,
// with its places when its records can stand for the HDF5 file (journal_places; each trial's
// latest record is checked against its /summary row as it is read: row_holds).
StandIn records_stand_in(const std::string& path, const ResultsIndex& index) {
  StandIn s{{}, std::nullopt, nullptr, std::make_unique<TempFile>(), {}};
  if (s.copy->fd() < 0) {
    s.why_not = "its /records could not be copied to a temporary file under " + s.copy->dir() +
                " (" + s.copy->why() + "; TMPDIR chooses the folder)";
    return s;
  }
  s.journal = s.copy->path();
  auto has = store::copy_records(path, s.copy->fd());
  if (has && *has && (s.places = journal_places(s.journal, index))) return s;
  if (!has) s.why_not = "its /records did not read (" + has.error().message + ")";
  else if (*has) s.why_not = "its /records do not hold /summary's trials in its order";
  else s.why_not = "it has no /records (a file from before them)";
  return s;
}

StandIn stand_in(const std::string& path, const ResultsIndex& index) {
  auto beside = std::make_unique<HeldJournal>(results_journal(path));
  const std::string journal = beside->path();
  StandIn s{journal, journal_places(journal, index), std::move(beside), nullptr, {}};
  if (s.places) return s;
  s = records_stand_in(path, index);
  if (!s.places) s.why_not = std::string(kNoJournal) + " and " + s.why_not;
  return s;
}

// Hands each trial's latest record of the stand-in to on_trial (each_result): "" when every one
// was, else why not, for each_hdf5_result_told's line (and some handed over already, perhaps):
// the journal did not read as its ids said, or /records held another record than /summary.
std::string journal_each(const StandIn& in, const ResultsIndex& index,
                         const TrialVisitor& on_trial) {
  const JournalPlaces& places = *in.places;
  size_t k = 0;
  bool same = true;
  std::string why = kChanged;
  const auto on_record = [&](TrialRecord&& r, const store::FrameView&) {
    const size_t ordinal = k++;
    if (ordinal >= places.records || !same) return Status::Ok();  // appended since: not ours
    const auto it = places.by_id.find(r.id);
    if (it == places.by_id.end()) {
      same = false;
    } else if (it->second.latest == ordinal) {
      if (in.copy && !row_holds(index, it->second.place, r)) {
        same = false;
        why = std::string(kNoJournal) + " and " + older_record(r.id);
      } else {
        on_trial(std::move(r), it->second.place);
      }
    }
    return Status::Ok();
  };
  auto j = store::scan_records(in.journal, on_record, nullptr, in.trusted_until());
  return j && j->warnings.empty() && same && k >= places.records ? "" : why;
}

// Records kept in an unlinked temporary file for each_result_twice's second pass: each as its
// place, its length and its encoding (trial/codec.h).
class Spill {
 public:
  Spill() {
    if (file_.fd() < 0) {
      why_ = file_.why();
      return;
    }
    f_ = ::fdopen(file_.fd(), "w+b");
    if (f_) file_.release();
    else why_ = std::strerror(errno);
  }
  ~Spill() {
    if (f_) std::fclose(f_);
  }
  Spill(const Spill&) = delete;
  Spill& operator=(const Spill&) = delete;
  void restart() {
    ok_ = f_ && std::fseek(f_, 0, SEEK_SET) == 0 && ::ftruncate(::fileno(f_), 0) == 0;
    if (f_ && !ok_) why_ = std::strerror(errno);
  }
  void add(const TrialRecord& r, size_t place) {
    if (!ok_) return;
    const std::string bytes = encode_record(r);
    const uint64_t head[2] = {place, bytes.size()};
    ok_ = std::fwrite(head, sizeof head, 1, f_) == 1 &&
          (bytes.empty() || std::fwrite(bytes.data(), bytes.size(), 1, f_) == 1);
    if (!ok_) why_ = std::strerror(errno);
  }
  bool ok() const { return ok_; }
  // Says on stderr that `path` is read again, and why the records could not be kept.
  void tell_reread(const std::string& path) const {
    std::fprintf(stderr,
                 "hypersweep: note: %s: its records could not be kept for the second pass in a "
                 "temporary file under %s (%s; TMPDIR chooses the folder), so the file is read "
                 "again, which takes as long as the first pass\n",
                 path.c_str(), file_.dir().c_str(),
                 why_.empty() ? "it did not read back" : why_.c_str());
  }
  // Hands each record kept to on_trial; false when they do not read back.
  bool each(const TrialVisitor& on_trial) {
    if (!ok_ || std::fflush(f_) != 0 || std::fseek(f_, 0, SEEK_SET) != 0) return false;
    uint64_t head[2];
    std::string bytes;
    while (std::fread(head, sizeof head, 1, f_) == 1) {
      bytes.resize(head[1]);
      TrialRecord r;
      if ((head[1] > 0 && std::fread(bytes.data(), head[1], 1, f_) != 1) || !decode_record(bytes, &r))
        return false;
      on_trial(std::move(r), head[0]);
    }
    return std::ferror(f_) == 0;
  }

 private:
  TempFile file_;
  std::FILE* f_ = nullptr;
  bool ok_ = false;
  std::string why_;  // why the file failed ("": it did not)
};

}  // namespace

Status each_hdf5_result_told(const std::string& path, size_t trials, const std::string& why,
                             const std::function<void(const SweepHeader&)>& on_start,
                             const TrialVisitor& on_trial) {
  ProgressClock clock(trials);
  size_t done = 0;
  const auto say = [&](const char* how_far) {
    std::fprintf(stderr, "hypersweep: reading %s a trial group at a time, %s: %s%zu of %zu trials, "
                 "%.0f s\n", path.c_str(), why.c_str(), how_far, done, trials, clock.seconds());
  };
  const Status st = each_hdf5_result(
      path, "/",
      [&](const SweepHeader& h) {
        done = 0;  // a read that raced a writer starts over
        on_start(h);
      },
      [&](TrialRecord&& r, size_t place) {
        on_trial(std::move(r), place);
        ++done;
        if (clock.due()) say("");
      });
  if (st && clock.said()) say("done, ");
  return st;
}

Status each_result_twice(const std::string& path, const ResultPass& first,
                         const ResultPass& second) {
  auto index = read_results_index(path);  // first: the journal read after it is as far along
  if (!index) return index.error();
  const StandIn in = stand_in(path, *index);
  std::string why = in.why_not;
  if (in.places) {
    first.on_start(index->header);
    if ((why = journal_each(in, *index, first.on_trial)).empty()) {
      second.on_start(index->header);
      if ((why = journal_each(in, *index, second.on_trial)).empty()) return {};
      return each_hdf5_result_told(path, index->ids.size(), why, second.on_start,
                                   second.on_trial);
    }
  }
  Spill spill;
  SweepHeader header;
  const Status st = each_hdf5_result_told(
      path, index->ids.size(), why,
      [&](const SweepHeader& h) {
        header = h;
        spill.restart();
        first.on_start(h);
      },
      [&](TrialRecord&& r, size_t place) {
        spill.add(r, place);
        first.on_trial(std::move(r), place);
      });
  if (!st) return st;
  if (spill.ok()) {
    second.on_start(header);
    if (spill.each(second.on_trial)) return {};
  }
  spill.tell_reread(path);
  return each_hdf5_result_told(path, index->ids.size(), why, second.on_start, second.on_trial);
}

Status each_result(const std::string& path,
                   const std::function<void(const SweepHeader&)>& on_start,
                   const TrialVisitor& on_trial) {
  auto index = read_results_index(path);  // first: the journal read after it is as far along
  if (!index) return index.error();
  const StandIn in = stand_in(path, *index);
  std::string why = in.why_not;
  if (in.places) {
    on_start(index->header);
    if ((why = journal_each(in, *index, on_trial)).empty()) return {};
  }
  return each_hdf5_result_told(path, index->ids.size(), why, on_start, on_trial);
}

Result<FoundResult> find_result(const std::string& path, int64_t id) {
  auto index = read_results_index(path);  // first: the journal read after it is as far along
  if (!index) return index.error();
  const std::string journal = results_journal(path);
  if (auto places = journal_places(journal, *index)) {
    FoundResult f{index->header, std::nullopt, places->by_id.size()};
    const auto it = places->by_id.find(id);
    if (it == places->by_id.end()) return f;
    if ((f.trial = journal_record(journal, *places, it->second.start, id))) return f;
  }
  FoundResult f{index->header, std::nullopt, index->ids.size()};
  // The last row of that id, as each_result would keep.
  const auto at = std::find(index->ids.rbegin(), index->ids.rend(), id);
  if (at == index->ids.rend()) return f;
  const auto row = static_cast<uint64_t>(index->ids.rend() - at - 1);
  auto r = store::read_layout_row(path, row, id);
  if (!r) return r.error();
  f.trial = std::move(*r);
  return f;
}

Result<bool> store::each_records_frame(const std::string& path, const FrameVisitor& on_frame,
                                       std::string* why_not) {
  auto index = read_results_index(path);
  if (!index) {
    *why_not = "its /summary did not read (" + index.error().message + ")";
    return false;
  }
  const StandIn in = records_stand_in(path, *index);
  *why_not = in.why_not;
  if (!in.places) return false;
  size_t k = 0;  // the trial frames' ordinal
  const auto each = [&](const FrameView& f, const DamagedBytes* damaged) {
    int64_t id = 0;
    if (f.type == 'T' && peek_record_id(f.payload, &id)) {
      const auto it = in.places->by_id.find(id);
      TrialRecord r;
      if (it != in.places->by_id.end() && it->second.latest == k) {
        if (!decode_record(std::string(f.payload), &r))
          *why_not = "its /records hold a record of trial " + std::to_string(id) +
                     " that does not decode";
        else if (!row_holds(*index, it->second.place, r))
          *why_not = older_record(id);
      }
      ++k;
    }
    return why_not->empty() ? on_frame(f, damaged) : make_error(path, *why_not);
  };
  auto scan = scan_journal(in.journal, each, 0, in.trusted_until());
  if (!why_not->empty()) return false;
  if (!scan) return scan.error();
  return true;
}

Result<ResultsData> load_results(const std::string& path) {
  ResultsData data;
  const Status st = each_result(
      path, [&](const SweepHeader& h) { data = ResultsData{h, {}}; },
      [&](TrialRecord&& r, size_t place) {
        if (place >= data.trials.size()) data.trials.resize(place + 1);
        data.trials[place] = std::move(r);
      });
  if (!st) return st.error();
  return data;
}

}  // namespace hs
