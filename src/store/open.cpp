#include "store/open.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/temp_file.h"
#include "store/h5_util.h"
#include "store/header.h"
#include "store/journal.h"
#include "store/journal_records.h"
#include "store/layout_read.h"
#include "store/layout.h"
#include "store/read_results.h"
#include "store/recipe_file.h"
#include "trial/codec.h"

namespace hs {

namespace {

// Whether the HDF5 file at `path` reads as a results file with trials in it.
bool holds_trials(const std::string& path) {
  if (!store::file_exists(path)) return false;
  auto d = read_results_index(path);  // the ids alone: no trial group need be read
  return d.ok() && !d->ids.empty();
}

// What follows an error `e` about an existing file that open() could not continue. A journal
// whose header does not read (damaged, cut, or not a journal at all) beside an HDF5 file that
// holds trials: the file can be continued without it, as a copy without its journal is. Else
// --force is named only for a file that is not a results file (no journal, or not a journal):
// it would lose nothing this program can use. A lock, a permission, a read-only disk or damage
// is no reason to start over, and --force would destroy the trials recorded: their error says
// it all.
std::string not_overwritten(const std::string& path, store::JournalKind kind, const Error& e) {
  const std::string journal = results_journal(path);
  if (e.file == journal && !ResultsFile::read_header(path).ok() && holds_trials(path))
    return "; the HDF5 file " + path + " reads without it: move the journal away (mv " +
           journal + " " + journal + ".damaged) and run the same command again, and the "
           "journal is written anew from the file (--force would lose its trials)";
  if (kind == store::JournalKind::kMissing || kind == store::JournalKind::kNotJournal)
    return " (the file exists, so it is not overwritten: give another --out, or --force to "
           "replace it and lose what it holds)";
  return "";
}

// A results file's journal given as --out (x.h5.journal beside x.h5): even --force never makes
// a sweep's file there, which would replace that file's journal.
Status not_a_journal_path(const std::string& path) {
  constexpr std::string_view kSuffix = ".journal";
  if (!path.ends_with(kSuffix)) return {};
  const std::string owner = path.substr(0, path.size() - kSuffix.size());
  if (!store::file_exists(owner) || !store::hdf5_file_at(owner, "results file").ok()) return {};
  return make_error(path, "is the journal of the results file " + owner + " beside it, not a "
                          "results file: give " + owner + " as --out to continue that sweep, or "
                          "another path");
}

// The error for a file of another sweep (header_difference's `diff`), which is left as it is.
Error another_sweep(const std::string& path, const std::string& diff) {
  return make_error(path, "holds another sweep, so it is neither continued nor overwritten: " +
                              diff + "; give another --out, or --force to start over");
}

// A journal written under a pending name (journal + kPendingMark + six characters) and linked
// into place whole once finished, so that a crash meanwhile leaves no journal holding part of
// the trials: restore_journal's.
class PendingJournal {
 public:
  explicit PendingJournal(std::string journal) : journal_(std::move(journal)) {}
  bool started() const { return out_.has_value(); }
  // Starts it (again: what was written before is dropped) with the sweep's header frame.
  Status start(const std::string& header) {
    out_.reset();
    guard_.reset();  // removes what was written
    due_.clear();
    trials_ = 0;
    std::string pending = pending_prefix(journal_) + "XXXXXX";
    const int fd = ::mkstemp(pending.data());
    if (fd < 0) return make_error(journal_, "cannot write: " + errno_text());
    ::close(fd);
    ::unlink(pending.c_str());  // Journal::create makes it anew, locked
    guard_.emplace(pending);
    auto made = store::Journal::create(pending, 'H', header);
    if (!made) return made.error();
    out_.emplace(std::move(*made));
    return Status::Ok();
  }
  // A trial's record (trial/codec.h), written with the others a group at a time: one fsync a
  // group of 4,096.
  Status trial(std::string record) {
    due_.push_back(std::move(record));
    ++trials_;
    return due_.size() < 4096 ? Status::Ok() : write_due();
  }
  // The rest written, a clean close without the HDF5 file's hash, and the journal linked into
  // place; a note on stderr says where its records came from (`source`).
  Status finish(const std::string& path, const std::string& source) {
    if (Status st = write_due(); !st) return st;
    if (Status st = out_->append('C', store::clean_close_payload(trials_, 0)); !st) return st;
    out_->close();
    if (::link(guard_->path().c_str(), journal_.c_str()) != 0)
      return make_error(journal_, "cannot be written anew from " + source + ": " + errno_text());
    if (Status st = sync_parent_dir(journal_); !st) return st;
    std::fprintf(stderr, "hypersweep: note: %s: its journal was missing, so it was written anew, "
                 "%llu trial records, from %s; each trial of the file is checked against it\n",
                 path.c_str(), static_cast<unsigned long long>(trials_), source.c_str());
    return Status::Ok();
  }

 private:
  Status write_due() {
    Status st = out_->append('T', std::span<const std::string>(due_));
    due_.clear();
    return st;
  }
  std::string journal_;
  std::optional<TempFileGuard> guard_;
  std::optional<store::Journal> out_;
  std::vector<std::string> due_;
  uint64_t trials_ = 0;
};

// The journal of a results file whose journal is missing (a copy taken without it) written anew
// from the file itself when it holds this same sweep, so that the sweep continues (a note on
// stderr says so): from its /records when they can stand for it (layout_read.h,
// each_records_frame: the journal's own frames), else from its trials' HDF5 groups (a file from
// before /records, one damaged there, or one whose /records a hypersweep from before them left
// behind /summary), a trial's latest record each, with a progress line on a large file. Written
// as a PendingJournal, it ends in a clean close without the HDF5 file's hash: open() then
// compares every trial of the file with it, as after a close by an older hypersweep
// (results_file.h). Nothing written when the file does not read as a results file (open() then
// says why). Errors: another sweep's file (as for a journal), groups that do not read, a
// journal that cannot be written.
Status restore_journal(const std::string& path, const SweepHeader& h) {
  // A file ResultsFile::open would refuse as not writable gets no journal beside it either.
  if (!store::writable_results(path)) return Status::Ok();
  const std::string journal = results_journal(path);
  remove_stale_temps(journal);
  PendingJournal out(journal);
  const auto on_frame = [&](const store::FrameView& f, const store::DamagedBytes*) -> Status {
    if (f.type == 'H') {
      SweepHeader theirs;
      if (out.started() || !decode_header(std::string(f.payload), &theirs))
        return make_error(path, "its /records hold a header that does not decode");
      if (std::string diff = header_difference(theirs, h); !diff.empty())
        return another_sweep(path, diff);
      return out.start(std::string(f.payload));
    }
    if (f.type != 'T' || !out.started())
      return make_error(path, "its /records hold a frame it never writes");
    return out.trial(std::string(f.payload));
  };
  std::string why_not;
  auto each = store::each_records_frame(path, on_frame, &why_not);
  if (!each) return each.error();
  if (*each && out.started()) return out.finish(path, "the file's /records");
  auto index = read_results_index(path);
  if (!index) return Status::Ok();
  if (std::string diff = header_difference(index->header, h); !diff.empty())
    return another_sweep(path, diff);
  const std::string why = "as " + why_not;
  Status st;
  const Status read = each_hdf5_result_told(
      path, index->ids.size(), "to write its missing journal anew, " + why,
      [&](const SweepHeader& theirs) { st = out.start(encode_header(theirs)); },
      [&](TrialRecord&& r, size_t) {
        if (st) st = out.trial(encode_record(r));
      });
  if (!read)
    return make_error(path, "its journal " + journal + " is missing and cannot be written anew "
                            "from its trials' HDF5 groups: " + read.error().message);
  if (!st) return st;
  if (!out.started()) return Status::Ok();  // no header handed over: open() says what is wrong
  return out.finish(path, "its trials' HDF5 groups, " + why);
}

}  // namespace

Status check_output_file(const std::string& path, const std::string& what,
                         const std::string& suffix) {
  const std::string is = not_replaceable(path);
  if (!is.empty() && is != "a folder")  // as root, --force replaced a device node (/dev/null)
    return make_error(path, "is " + is + ", not a " + what + ", and no --force replaces " + is +
                                ": give a file's path");
  if (!store::is_folder(path)) return {};
  return make_error(path, "is a folder, not a " + what + ", and no --force replaces a folder: " +
                              "give the file's own path inside it (e.g. " + path + "/<name>" +
                              suffix + ")");
}

Result<OpenedResults> open_results(const std::string& path, const SweepHeader& h,
                                   const OpenPolicy& policy) {
  if (Status st = check_output_file(path, "results file"); !st) return st.error();
  if (Status st = not_a_journal_path(path); !st) return st.error();
  using store::JournalKind;
  const JournalKind kind = store::journal_kind(results_journal(path));
  // A journal whose creation never finished (a crash or a full disk) holds nothing: it is
  // replaced, with the empty HDF5 file beside it, as if neither were there.
  const bool stub = kind == JournalKind::kStub && !holds_trials(path);
  // A link to nothing is no file to continue: create() refuses it, saying so.
  std::error_code ec;
  const bool dangling = std::filesystem::is_symlink(path, ec) && !std::filesystem::exists(path, ec);
  const bool exists = ((store::file_exists(path) && !dangling) || kind != JournalKind::kMissing) &&
                      !stub &&
                      (!policy.replace_other || kind != JournalKind::kMissing);
  auto fresh = [&]() -> Result<OpenedResults> {
    auto f = ResultsFile::create(path, h, policy.force || policy.replace_other || stub);
    if (!f) return f.error();
    return OpenedResults{std::move(*f), false};
  };
  if (policy.force || (!exists && !policy.must_exist)) return fresh();
  if (!exists) return make_error(path, "nothing to resume: the results file does not exist");
  // Whose sweep it is, told before anything is written: a file of another sweep is left as it is.
  // A file another run is writing is said first: --force would not help.
  if (kind == JournalKind::kJournal) {
    if (Status locked = store::check_not_locked(results_journal(path)); !locked)
      return locked.error();
    if (auto theirs = ResultsFile::read_header(path); theirs.ok()) {
      const std::string diff = header_difference(*theirs, h);
      if (!diff.empty() && policy.replace_other) return fresh();
      if (!diff.empty()) {  // unless the journal, not the file, is another sweep's
        if (Status own = ResultsFile::check_own_journal(path, *theirs); !own) return own.error();
        return another_sweep(path, diff);
      }
    }
  }
  if (kind == JournalKind::kMissing && !policy.replace_other && store::file_exists(path))
    if (Status st = restore_journal(path, h); !st) return st.error();
  auto f = ResultsFile::open(path);
  // A recipe's file has no journal either, but --force would lose what it holds.
  if (!f && !policy.replace_other && kind == JournalKind::kMissing && is_recipe_file(path))
    return make_error(path,
                      "is a hypersweep recipe file, not a sweep's results file, so it is "
                      "not overwritten: give another --out (hypersweep show reads it)");
  if (!f) {
    Error e = f.error();
    if (!policy.replace_other) e.message += not_overwritten(path, kind, e);
    return e;
  }
  return OpenedResults{std::move(*f), true};
}

Status check_space_names(const SearchSpace& space, bool new_file) {
  if (const int at = store::too_wide_from(space); at >= 0) {
    const Param& p = space.params[static_cast<size_t>(at)];
    return Error{p.file, p.line, p.name,
                 "the space is too wide for a results file's /summary row: at this parameter "
                 "(number " + std::to_string(at + 1) + ") the columns' names pass what HDF5 "
                 "keeps of a type (64 KiB); fewer parameters or shorter names"};
  }
  for (const Param& p : space.params) {
    const auto layout = store::make_layout("", SearchSpace{{p}});
    if (!layout) return Error{p.file, p.line, p.name, layout.error().message};
    if (std::string clash = store::group_attribute_clash(p.name); new_file && !clash.empty())
      return Error{p.file, p.line, p.name, std::move(clash)};
  }
  return {};
}

}  // namespace hs
