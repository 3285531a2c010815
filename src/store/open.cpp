#include "store/open.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "core/temp_file.h"
#include "store/h5_util.h"
#include "store/journal.h"
#include "store/journal_records.h"
#include "store/layout_read.h"
#include "store/layout.h"
#include "store/read_results.h"
#include "store/recipe_file.h"

namespace hs {

namespace {

// Whether the HDF5 file at `path` reads as a results file with trials in it.
bool holds_trials(const std::string& path) {
  if (!store::file_exists(path)) return false;
  auto d = read_results_index(path);  // the ids alone: no trial group need be read
  return d.ok() && !d->ids.empty();
}

// What follows an error about an existing file that open() could not continue. --force is named
// only for a file that is not a results file (no journal, or not a journal): it would lose
// nothing this program can use. A lock, a permission, a read-only disk or damage is no reason
// to start over, and --force would destroy the trials recorded: their error says it all.
std::string not_overwritten(store::JournalKind kind) {
  if (kind == store::JournalKind::kMissing || kind == store::JournalKind::kNotJournal)
    return " (the file exists, so it is not overwritten: give another --out, or --force to "
           "replace it and lose what it holds)";
  return "";
}

// The error for a file of another sweep (header_difference's `diff`), which is left as it is.
Error another_sweep(const std::string& path, const std::string& diff) {
  return make_error(path, "holds another sweep, so it is neither continued nor overwritten: " +
                              diff + "; give another --out, or --force to start over");
}

// The journal of a results file whose journal is missing (a copy taken without it) written anew
// from the file's /records when they can stand for it (layout_read.h, each_records_frame) and
// hold this same sweep, so that the sweep continues (a note on stderr says so). It is
// written under a pending name and linked into place whole, so a crash meanwhile leaves no
// journal holding part of the trials, and ends in a clean close without the HDF5 file's hash:
// open() then compares every trial of the file with it, as after a close by an older
// hypersweep (results_file.h). Nothing written when the file has no /records (open() then says
// the journal is missing). Errors: /records that cannot stand for the file (each_records_frame:
// they would take back what a hypersweep from before /records wrote since), another sweep's
// file (as for a journal), a journal that cannot be written.
Status restore_journal(const std::string& path, const SweepHeader& h) {
  // A file ResultsFile::open would refuse as not writable gets no journal beside it either.
  if (!store::writable_results(path)) return Status::Ok();
  const std::string journal = results_journal(path);
  remove_stale_temps(journal);
  std::string pending = journal + kPendingMark + "XXXXXX";
  const int fd = ::mkstemp(pending.data());
  if (fd < 0) return make_error(journal, "cannot write: " + errno_text());
  ::close(fd);
  ::unlink(pending.c_str());  // Journal::create makes it anew, locked
  const TempFileGuard guard(pending);
  std::optional<store::Journal> out;
  std::vector<std::string> due;  // trial frames written a group at a time: one fsync a group
  uint64_t trials = 0;
  const auto write_due = [&]() -> Status {
    Status st = out->append('T', std::span<const std::string>(due));
    due.clear();
    return st;
  };
  std::string why_not;
  const auto on_frame = [&](const store::FrameView& f, const store::DamagedBytes*) -> Status {
    if (f.type == 'H') {
      SweepHeader theirs;
      if (out || !decode_header(std::string(f.payload), &theirs))
        return make_error(path, "its /records hold a header that does not decode");
      if (std::string diff = header_difference(theirs, h); !diff.empty())
        return another_sweep(path, diff);
      auto made = store::Journal::create(pending, 'H', std::string(f.payload));
      if (!made) return made.error();
      out.emplace(std::move(*made));
      return Status::Ok();
    }
    if (f.type != 'T' || !out) return make_error(path, "its /records hold a frame it never writes");
    due.emplace_back(f.payload);
    ++trials;
    return due.size() < 4096 ? Status::Ok() : write_due();
  };
  auto each = store::each_records_frame(path, on_frame, &why_not);
  if (!each) return each.error();
  if (!why_not.empty())
    return make_error(path, "its journal " + journal + " is missing, and the file's /records "
                            "cannot stand for it, as " + why_not + ", so it is not written "
                            "anew: the sweep continues only with its journal beside it (show, "
                            "export and report read the file without it)");
  if (!*each || !out) return Status::Ok();  // nothing to restore it from
  if (Status st = write_due(); !st) return st;
  if (Status st = out->append('C', store::clean_close_payload(trials, 0)); !st) return st;
  out->close();
  if (::link(pending.c_str(), journal.c_str()) != 0)
    return make_error(journal, "cannot be written anew from the file's /records: " +
                                   errno_text());
  if (Status st = sync_parent_dir(journal); !st) return st;
  std::fprintf(stderr, "hypersweep: note: %s: its journal was missing, so it was written anew "
               "from the file's /records (%llu trial records); each trial of the file is "
               "checked against it\n", path.c_str(), static_cast<unsigned long long>(trials));
  return Status::Ok();
}

}  // namespace

Status check_output_file(const std::string& path, const std::string& what,
                         const std::string& suffix) {
  if (!store::is_folder(path)) return {};
  return make_error(path, "is a folder, not a " + what + ", and no --force replaces a folder: " +
                              "give the file's own path inside it (e.g. " + path + "/<name>" +
                              suffix + ")");
}

Result<OpenedResults> open_results(const std::string& path, const SweepHeader& h,
                                   const OpenPolicy& policy) {
  if (Status st = check_output_file(path, "results file"); !st) return st.error();
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
      if (!diff.empty()) return another_sweep(path, diff);
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
    if (!policy.replace_other) e.message += not_overwritten(kind);
    return e;
  }
  return OpenedResults{std::move(*f), true};
}

Status check_space_names(const SearchSpace& space, bool new_file) {
  for (const Param& p : space.params) {
    const auto layout = store::make_layout("", SearchSpace{{p}});
    if (!layout) return Error{p.file, p.line, p.name, layout.error().message};
    if (std::string clash = store::group_attribute_clash(p.name); new_file && !clash.empty())
      return Error{p.file, p.line, p.name, std::move(clash)};
  }
  return {};
}

}  // namespace hs
