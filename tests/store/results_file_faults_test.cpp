// Faults around a results file (src/store): a damaged journal record, a damaged HDF5 file, a
// full disk, links planted where side files go, a file of another sweep, a locked journal.
#include <fcntl.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <string>

#include "core/file.h"
#include "core/temp_file.h"
#include "store/export.h"
#include "store/h5_util.h"
#include "store/open.h"
#include "store/read_results.h"
#include "store/recipe_file.h"
#include "store/results_file.h"
#include "store/sample_sweep.h"
#include "store/store_testing.h"
#include "support/records.h"

namespace fs = std::filesystem;
using namespace hs;
using hs::test::make_header;
using hs::test::make_record;
using hs::test::require_equal;
using hs::test::read_bytes;
using hs::test::temp_path;
using hs::test::write_bytes;

namespace {

// What this process writes to stderr while it lives (fd 2 sent to a file, then restored).
class StderrCapture {
 public:
  StderrCapture() : path_(temp_path("stderr.txt")) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~StderrCapture() { restore(); }
  std::string text() {
    restore();
    return read_bytes(path_);
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    saved_ = -1;
  }
  std::string path_;
  int saved_ = -1;
};

// A results file of `n` records, closed cleanly.
void make_file(const std::string& path, int64_t n) {
  auto f = ResultsFile::create(path, make_header(), true);
  REQUIRE(f.ok());
  for (int64_t i = 0; i < n; ++i) {
    TrialRecord r = make_record(i);
    r.error = "MARK-" + std::to_string(1000 + i);  // a unique text in each record's frame
    REQUIRE(f->append(r).ok());
  }
  REQUIRE(f->close().ok());
}

TrialRecord marked(int64_t i) {
  TrialRecord r = make_record(i);
  r.error = "MARK-" + std::to_string(1000 + i);
  return r;
}

// The journal with one byte of record i's frame changed (its checksum then fails).
void damage_record(const std::string& path, int64_t i) {
  std::string bytes = read_bytes(path + ".journal");
  const size_t at = bytes.find("MARK-" + std::to_string(1000 + i));
  REQUIRE(at != std::string::npos);
  bytes[at] = 'W';
  write_bytes(path + ".journal", bytes);
}

}  // namespace

// ---- defect 3: one damaged journal record ------------------------------------------------------

TEST_CASE("a damaged journal record loses that record alone, with a warning naming it",
          "[store]") {
  const std::string path = temp_path("damaged_record.h5");
  make_file(path, 16);
  damage_record(path, 0);
  ::unlink(path.c_str());  // the HDF5 copy gone too: the journal alone speaks
  StderrCapture err;
  auto f = ResultsFile::open(path);
  const std::string said = err.text();
  REQUIRE(f.ok());
  REQUIRE(hs::test::trials_of(*f).size() == 15);
  for (int64_t i = 1; i < 16; ++i) require_equal(hs::test::trials_of(*f)[i - 1], marked(i));
  CHECK(said.find(path + ".journal: bytes ") != std::string::npos);
  CHECK(said.find("(after record -1)") != std::string::npos);
  REQUIRE(f->append(marked(0)).ok());  // the sweep goes on: the lost trial runs again
  REQUIRE(f->close().ok());
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  REQUIRE(hs::test::trials_of(*g).size() == 16);
}

TEST_CASE("a trial whose journal record is damaged is taken back from the HDF5 file", "[store]") {
  const std::string path = temp_path("damaged_kept.h5");
  make_file(path, 16);
  damage_record(path, 5);
  StderrCapture err;
  {
    auto f = ResultsFile::open(path);
    REQUIRE(f.ok());
    REQUIRE(hs::test::trials_of(*f).size() == 16);
    // In journal order: the taken-back trial is journaled again at the end.
    const std::vector<int64_t> order = {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 5};
    for (size_t k = 0; k < order.size(); ++k) require_equal(hs::test::trials_of(*f)[k], marked(order[k]));
  }
  const std::string said = err.text();
  CHECK(said.find("after record 4") != std::string::npos);
  CHECK(said.find("trial 5, missing from the journal, is taken back") !=
        std::string::npos);
  // Journaled again: the journal alone now has all 16.
  ::unlink(path.c_str());
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  REQUIRE(hs::test::trials_of(*g).size() == 16);
}

TEST_CASE("a journal cut in the middle keeps its intact records and takes the rest from HDF5",
          "[store]") {
  const std::string path = temp_path("cut_journal.h5");
  make_file(path, 10);
  std::string bytes = read_bytes(path + ".journal");
  const size_t at = bytes.find("MARK-1006");
  write_bytes(path + ".journal", bytes.substr(0, at));
  StderrCapture err;
  auto f = ResultsFile::open(path);
  REQUIRE(f.ok());
  REQUIRE(hs::test::trials_of(*f).size() == 10);
  for (int64_t i = 0; i < 10; ++i) require_equal(hs::test::trials_of(*f)[i], marked(i));
}

// ---- a journal that holds less than the HDF5 file, or another sweep --------------------------

namespace {

// Trial `id` with status `st` in attempt 1, marked by `mark` (a unique text in its frame).
TrialRecord run_of(int64_t id, TrialStatus st, const std::string& mark) {
  TrialRecord r = make_record(id);
  r.status = st;
  r.attempt = 1;
  r.rung = -1;
  r.error = mark;
  return r;
}

}  // namespace

TEST_CASE("a trial's later record that the journal lost is taken back from the HDF5 file",
          "[store]") {
  const std::string path = temp_path("later_lost.h5");
  {
    auto f = ResultsFile::create(path, make_header(), true);
    REQUIRE(f.ok());
    REQUIRE(f->append(run_of(0, TrialStatus::kInterrupted, "MARK-EARLY")).ok());
    REQUIRE(f->append(run_of(1, TrialStatus::kCompleted, "MARK-ONE")).ok());
    REQUIRE(f->append(run_of(0, TrialStatus::kCompleted, "MARK-LATE")).ok());
    REQUIRE(f->close().ok());
  }
  std::string bytes = read_bytes(path + ".journal");
  bytes[bytes.find("MARK-LATE")] = 'W';  // the journal keeps the interrupted record alone
  write_bytes(path + ".journal", bytes);
  StderrCapture err;
  auto f = ResultsFile::open(path);
  const std::string said = err.text();
  REQUIRE(f.ok());
  const auto trials = hs::test::trials_of(*f);
  REQUIRE(trials.size() == 2);
  require_equal(trials[0], run_of(0, TrialStatus::kCompleted, "MARK-LATE"));
  require_equal(trials[1], run_of(1, TrialStatus::kCompleted, "MARK-ONE"));
  CHECK(said.find("trial 0, whose latest record is missing from the journal, is taken back") !=
        std::string::npos);
}

TEST_CASE("an older copy of the journal beside its file gives the file's later records back",
          "[store]") {
  const std::string path = temp_path("older_journal.h5");
  std::string older;
  {
    auto f = ResultsFile::create(path, make_header(), true);
    REQUIRE(f.ok());
    REQUIRE(f->append(run_of(0, TrialStatus::kInterrupted, "MARK-EARLY")).ok());
    older = read_bytes(path + ".journal");  // a copy taken while the sweep ran
    REQUIRE(f->append(run_of(1, TrialStatus::kCompleted, "MARK-ONE")).ok());
    REQUIRE(f->append(run_of(0, TrialStatus::kCompleted, "MARK-LATE")).ok());
    REQUIRE(f->close().ok());
  }
  write_bytes(path + ".journal", older);  // no damage, no clean close: as after a crash
  StderrCapture err;
  auto f = ResultsFile::open(path);
  REQUIRE(f.ok());
  auto trials = hs::test::trials_of(*f);
  REQUIRE(trials.size() == 2);
  std::sort(trials.begin(), trials.end(), [](auto& a, auto& b) { return a.id < b.id; });
  require_equal(trials[0], run_of(0, TrialStatus::kCompleted, "MARK-LATE"));
  require_equal(trials[1], run_of(1, TrialStatus::kCompleted, "MARK-ONE"));
}

TEST_CASE("an HDF5 file behind its journal never replaces the journal's later record", "[store]") {
  const std::string path = temp_path("stale_h5.h5");
  std::string stale;
  {
    auto f = ResultsFile::create(path, make_header(), true);
    REQUIRE(f.ok());
    REQUIRE(f->append(run_of(0, TrialStatus::kInterrupted, "MARK-EARLY")).ok());
    REQUIRE(f->append(run_of(1, TrialStatus::kCompleted, "MARK-ONE")).ok());
    stale = read_bytes(path);  // the HDF5 file as a crash may leave it: behind the journal
    REQUIRE(f->append(run_of(0, TrialStatus::kCompleted, "MARK-LATE")).ok());
    REQUIRE(f->close().ok());
  }
  write_bytes(path, stale);
  std::string journal = read_bytes(path + ".journal");
  write_bytes(path + ".journal", journal + "torn");  // a cut tail: the HDF5 file is read
  StderrCapture err;
  auto f = ResultsFile::open(path);
  const std::string said = err.text();
  REQUIRE(f.ok());
  auto trials = hs::test::trials_of(*f);
  REQUIRE(trials.size() == 2);
  require_equal(trials[0], run_of(0, TrialStatus::kCompleted, "MARK-LATE"));
  CHECK(said.find("taken back") == std::string::npos);
}

TEST_CASE("a journal of another sweep beside a results file is refused and neither is changed",
          "[store]") {
  const std::string path = temp_path("foreign_journal.h5");
  const std::string other_path = temp_path("foreign_source.h5");
  make_file(path, 3);
  SweepHeader other = make_header();
  other.config_hash = "another";
  other.seed = 7;
  {
    auto f = ResultsFile::create(other_path, other, true);
    REQUIRE(f.ok());
    REQUIRE(f->append(marked(0)).ok());
    REQUIRE(f->close().ok());
  }
  write_bytes(path + ".journal", read_bytes(other_path + ".journal"));
  const std::string journal = read_bytes(path + ".journal");
  const std::string h5 = read_bytes(path);
  const std::string said = "holds another sweep than its journal " + path + ".journal";
  auto opened = ResultsFile::open(path);  // rebuilding it would lose the file's 3 trials
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().str().find(said) != std::string::npos);
  CHECK(opened.error().str().find("[sweep] seed") != std::string::npos);
  // Continued as either sweep: the journal is named, not the file.
  for (const SweepHeader& h : {make_header(), other}) {
    auto r = open_results(path, h, OpenPolicy{});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().str().find(said) != std::string::npos);
  }
  CHECK(read_bytes(path + ".journal") == journal);
  CHECK(read_bytes(path) == h5);
}

TEST_CASE("a journal whose header does not read: moving it away is advised, not --force",
          "[store]") {
  const std::string path = temp_path("headless_journal.h5");
  make_file(path, 3);
  std::string bytes = read_bytes(path + ".journal");
  bytes[0] = 'X';
  write_bytes(path + ".journal", bytes);
  auto r = open_results(path, make_header(), OpenPolicy{});
  REQUIRE_FALSE(r.ok());
  const std::string said = r.error().str();
  CHECK(said.find("move the journal away") != std::string::npos);
  CHECK(said.find("--force to") == std::string::npos);
  // As advised: the journal moved away, the same open writes it anew from the file.
  fs::rename(path + ".journal", path + ".journal.damaged");
  auto again = open_results(path, make_header(), OpenPolicy{});
  REQUIRE(again.ok());
  CHECK(again->file.trial_count() == 3);
}

TEST_CASE("a results file's journal given as the results file is refused even with --force",
          "[store]") {
  const std::string path = temp_path("journal_as_out.h5");
  make_file(path, 2);
  const std::string journal = read_bytes(path + ".journal");
  OpenPolicy force;
  force.force = true;
  auto r = open_results(path + ".journal", make_header(), force);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().str().find("is the journal of the results file " + path) != std::string::npos);
  CHECK(read_bytes(path + ".journal") == journal);
}

// ---- defect 9: a damaged HDF5 file beside an intact journal ------------------------------------

TEST_CASE("a damaged HDF5 file beside an intact journal is rebuilt on open", "[store]") {
  const std::string path = temp_path("damaged_h5.h5");
  make_file(path, 8);
  const std::string good = read_bytes(path);
  SECTION("bytes overwritten in a dataset's values") {
    std::string bytes = good;
    const size_t at = bytes.find("MARK-1003");  // the error attribute of trial 3
    REQUIRE(at != std::string::npos);
    bytes[at] = 'Z';
    write_bytes(path, bytes);
  }
  SECTION("bytes overwritten in the middle") {
    std::string bytes = good;
    for (size_t k = bytes.size() / 2; k < bytes.size() / 2 + 64; ++k) bytes[k] = '\x55';
    write_bytes(path, bytes);
  }
  SECTION("truncated") { write_bytes(path, good.substr(0, good.size() / 2)); }
  SECTION("emptied") { write_bytes(path, ""); }
  {
    auto f = ResultsFile::open(path);
    REQUIRE(f.ok());
    REQUIRE(hs::test::trials_of(*f).size() == 8);
  }
  auto d = read_results(path);
  INFO((d.ok() ? std::string() : d.error().str()));
  REQUIRE(d.ok());
  REQUIRE(d->trials.size() == 8);
  for (int64_t i = 0; i < 8; ++i) require_equal(d->trials[i], marked(i));
}

TEST_CASE("read_results of a damaged HDF5 file fails cleanly whatever bytes are hit", "[store]") {
  const std::string path = temp_path("damaged_read.h5");
  make_file(path, 4);
  const std::string good = read_bytes(path);
  const std::string copy = temp_path("damaged_read_copy.h5");
  // 8 bytes overwritten every 96, in turn, and every 512th length: each read gives the trials or an
  // error naming the file (a crash would end the test).
  for (size_t at = 0; at < good.size(); at += 96) {
    std::string bytes = good;
    for (size_t k = at; k < at + 8 && k < bytes.size(); ++k) bytes[k] = static_cast<char>(bytes[k] ^ 0xa5);
    write_bytes(copy, bytes);
    auto d = read_results(copy);
    if (!d.ok()) CHECK(d.error().str().find(copy + ": ") == 0);
  }
  for (size_t n = 0; n < good.size(); n += 512) {
    write_bytes(copy, good.substr(0, n));
    auto d = read_results(copy);
    if (!d.ok()) CHECK(d.error().str().find(copy + ": ") == 0);
  }
  // Some of these damaged lengths make HDF5 ask for gigabytes; the reading child's memory is
  // bounded (h5_reader.cpp), so none of the readers grew past that bound's 1 GiB of room.
  rusage children{};
  REQUIRE(::getrusage(RUSAGE_CHILDREN, &children) == 0);
  CHECK(children.ru_maxrss < 1024 * 1024);  // KiB
}

// ---- defect 13: another sweep's file, a locked one ---------------------------------------------

TEST_CASE("refusing another sweep's file writes nothing to it", "[store]") {
  const std::string path = temp_path("other_sweep.h5");
  make_file(path, 3);
  const std::string journal = read_bytes(path + ".journal");
  const std::string h5 = read_bytes(path);
  SweepHeader other = make_header();
  other.config_hash = "another";
  other.seed = 7;
  auto r = open_results(path, other, OpenPolicy{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().str().find("holds another sweep") != std::string::npos);
  CHECK(read_bytes(path + ".journal") == journal);
  CHECK(read_bytes(path) == h5);
}

TEST_CASE("errors that --force would make worse do not suggest it", "[store]") {
  const std::string path = temp_path("locked.h5");
  make_file(path, 2);
  {
    auto holder = ResultsFile::open(path);  // another run writing it
    REQUIRE(holder.ok());
    auto r = open_results(path, make_header(), OpenPolicy{});
    REQUIRE_FALSE(r.ok());
    INFO(r.error().str());
    CHECK(r.error().str().find("locked") != std::string::npos);
    CHECK(r.error().str().find("--force") == std::string::npos);
    // Nor a word of overwriting, which nothing here was about to do.
    CHECK(r.error().str().find("overwritten") == std::string::npos);
  }
  // Not a results file at all: --force is the way out, and says what it costs.
  const std::string notes = temp_path("notes.h5");
  write_bytes(notes, "id,status\n");
  auto r = open_results(notes, make_header(), OpenPolicy{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().str().find("--force") != std::string::npos);
}

// ---- defect 4: a full disk ---------------------------------------------------------------------

namespace {

// A small tmpfs mounted at a scratch folder for the test's life, or none (not root, no mount
// namespace): the test then says so and skips.
struct SmallDisk {
  std::string dir;
  bool ok = false;
  explicit SmallDisk(const std::string& size) : dir(temp_path("small_disk")) {
    fs::create_directories(dir);
    const std::string opts = "size=" + size;
    ok = ::mount("hs_test", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallDisk() {
    if (ok) ::umount2(dir.c_str(), MNT_DETACH);
  }
};

// Fills the file system holding `dir` to the last byte.
void fill(const std::string& dir) {
  const std::string filler = dir + "/filler";
  const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  const std::string block(4096, 'x');
  while (::write(fd, block.data(), block.size()) > 0) {
  }
  while (::write(fd, block.data(), 1) > 0) {
  }
  ::close(fd);
}

}  // namespace

// In a child (its exit is the test): `work` runs, then HDF5 shuts down as exit() makes it
// (H5close: where the crash was), and the child leaves by _exit with work's code (the scratch
// folder is the parent's to remove). The child's wait status.
// HDF5 must hold no file after a failure: one it cannot close makes H5close loop ("HDF5:
// infinite loop closing library" on stderr) or crash; the child's stderr is checked for it.
template <class Work>
int in_child(Work work) {
  const std::string err = temp_path("child_stderr.txt");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int code = work();
    const int fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    H5close();
    std::fflush(nullptr);
    ::_exit(code);
  }
  int wstatus = 0;
  REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
  const std::string said = read_bytes(err);
  INFO(said);
  CHECK(said.find("HDF5") == std::string::npos);
  return wstatus;
}

// Error codes of the children below: 0 as expected, else what went wrong.
int said_no_space(const Error& e) {
  std::fprintf(stderr, "failed as expected: %s\n", e.str().c_str());
  return e.str().find("No space left on device") == std::string::npos ? 5 : 0;
}

TEST_CASE("a full disk during appends is an error and the process exits cleanly", "[store]") {
  SmallDisk disk("3m");
  if (!disk.ok) {
    WARN("cannot mount a tmpfs here (needs root): the full-disk test is skipped");
    return;
  }
  const std::string path = disk.dir + "/full.h5";
  int wstatus = in_child([&] {
    auto f = ResultsFile::create(path, make_header(), false);
    if (!f.ok()) return 3;
    Status st;
    for (int64_t i = 0; i < 100000 && st.ok(); ++i) st = f->append(make_record(i));
    if (st.ok()) return 4;
    const int code = said_no_space(st.error());
    (void)f->close();
    return code;
  });
  INFO("wait status " << wstatus);
  REQUIRE(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);
  // Still full: open() rebuilds the HDF5 file if its copy fits, else says there is no room.
  wstatus = in_child([&] {
    auto f = ResultsFile::open(path);
    return f.ok() ? 0 : said_no_space(f.error());
  });
  INFO("wait status " << wstatus);
  REQUIRE(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);
  // Space back: the same file continues.
  REQUIRE(::mount("hs_test", disk.dir.c_str(), "tmpfs", MS_REMOUNT, "size=4m") == 0);
  auto g = ResultsFile::open(path);
  INFO((g.ok() ? std::string() : g.error().str()));
  REQUIRE(g.ok());
  REQUIRE_FALSE(hs::test::trials_of(*g).empty());
  REQUIRE(g->append(make_record(100000)).ok());
}

TEST_CASE("a file-size limit during appends is an error and the process exits cleanly",
          "[store]") {
  // ulimit -f: HDF5 met EFBIG halfway through a flush and crashed at exit (H5F__close_cb).
  const std::string path = temp_path("fsize.h5");
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".journal");
  const int wstatus = in_child([&] {
    ::signal(SIGXFSZ, SIG_IGN);  // as hypersweep's main has it: EFBIG, not death
    auto f = ResultsFile::create(path, make_header(), false);
    if (!f.ok()) return 3;
    struct rlimit limit {};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    limit.rlim_cur = 1200 * 1024;  // room for the journal and a few groups
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 5;
    Status st;
    for (int64_t i = 0; i < 100000 && st.ok(); ++i) st = f->append(make_record(i));
    if (st.ok()) return 4;
    const bool said = st.error().str().find("File too large: the file-size limit (ulimit -f) is "
                                            "1200 KiB") != std::string::npos;
    (void)f->close();
    return said ? 0 : 6;
  });
  INFO("wait status " << wstatus);
  REQUIRE(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);
  auto g = ResultsFile::open(path);  // no limit: the same file continues
  INFO((g.ok() ? std::string() : g.error().str()));
  REQUIRE(g.ok());
  CHECK_FALSE(hs::test::trials_of(*g).empty());
}

TEST_CASE("no room for a write's reserve says how much it reserves and how much is free",
          "[store]") {
  // With 284 KiB free, "No space left on device" beside a df that shows room read as a bug.
  SmallDisk disk("300k");
  if (!disk.ok) {
    WARN("cannot mount a tmpfs here (needs root): the test is skipped");
    return;
  }
  const std::string path = disk.dir + "/small.h5";
  const int wstatus = in_child([&] {
    auto f = ResultsFile::create(path, make_header(), false);
    if (!f.ok()) return 3;
    const Status st = f->append(make_record(0));
    if (st.ok()) return 4;
    std::fprintf(stderr, "failed as expected: %s\n", st.error().str().c_str());
    const std::string text = st.error().str();
    return text.find("No space left on device; each write first reserves ") != std::string::npos &&
                   text.find(" KiB are free there") != std::string::npos
               ? 0
               : 5;
  });
  INFO("wait status " << wstatus);
  REQUIRE(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);
}

TEST_CASE("a create on a full disk leaves nothing that blocks the same command", "[store]") {
  SmallDisk disk("64k");
  if (!disk.ok) {
    WARN("cannot mount a tmpfs here (needs root): the full-disk test is skipped");
    return;
  }
  const std::string path = disk.dir + "/new.h5";
  fill(disk.dir);
  auto f = open_results(path, make_header(), OpenPolicy{});
  REQUIRE_FALSE(f.ok());
  INFO(f.error().str());
  CHECK(f.error().str().find("No space left on device") != std::string::npos);
  ::unlink((disk.dir + "/filler").c_str());
  auto g = open_results(path, make_header(), OpenPolicy{});
  INFO((g.ok() ? std::string() : g.error().str()));
  REQUIRE(g.ok());
  CHECK_FALSE(g->continued);
  SECTION("a stub journal left by a crash is replaced too") {
    REQUIRE(g->file.close().ok());
    ::unlink(path.c_str());
    write_bytes(path + ".journal", "HSJRN");
    auto k = open_results(path, make_header(), OpenPolicy{});
    INFO((k.ok() ? std::string() : k.error().str()));
    REQUIRE(k.ok());
    CHECK_FALSE(k->continued);
  }
}

// Record i with a curve of 6,000 epochs (and its update ratios): about 0.45 MB of journal, so
// that a score of them pass the 8 MiB above which open() rebuilds the HDF5 file on disk rather
// than in memory (results_file.cpp: rebuild_h5).
TrialRecord long_record(int64_t i) {
  TrialRecord r = make_record(i);
  r.epochs = 6000;
  r.curves.clear();
  r.update_ratio.clear();
  r.layer_names = {"dense1", "dense2"};
  for (int e = 0; e < r.epochs; ++e) {
    const double x = static_cast<double>(e + i);
    r.curves.push_back({e, 0.1 / (x + 1), 1.0 / (x + 1), 1e-4 * x, 1.1 / (x + 1), 1e-4 * x, 0.5 * x});
    r.update_ratio.push_back({1e-3 / (x + 1), 2e-3 / (x + 1)});
  }
  return r;
}

// A results file of `n` long records at `path`, closed; the records.
std::vector<TrialRecord> make_long_file(const std::string& path, int n) {
  std::vector<TrialRecord> records;
  for (int64_t i = 0; i < n; ++i) records.push_back(long_record(i));
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE(f.ok());
  REQUIRE(f->append(std::span<const TrialRecord>(records)).ok());
  REQUIRE(f->close().ok());
  REQUIRE(fs::file_size(path + ".journal") > (size_t{8} << 20));  // rebuilt on disk, then
  return records;
}

TEST_CASE("a large journal is rebuilt on disk into an HDF5 file with every record bit for bit",
          "[store]") {
  const std::string path = temp_path("rebuilt_on_disk.h5");
  const std::vector<TrialRecord> records = make_long_file(path, 20);
  const std::string journal = read_bytes(path + ".journal");
  SECTION("the HDF5 file removed") { ::unlink(path.c_str()); }
  SECTION("a crash before the clean close") {  // its frame (29 bytes) cut off
    REQUIRE(journal[journal.size() - 29 + 4] == 'C');
    write_bytes(path + ".journal", journal.substr(0, journal.size() - 29));
  }
  {
    auto f = ResultsFile::open(path);
    INFO((f.ok() ? std::string() : f.error().str()));
    REQUIRE(f.ok());
    REQUIRE(f->trial_count() == records.size());
    REQUIRE(f->append(long_record(20)).ok());  // and it continues
  }
  CHECK_FALSE(fs::exists(path + ".rebuild"));
  auto d = read_results(path);  // the HDF5 file alone
  INFO((d.ok() ? std::string() : d.error().str()));
  REQUIRE(d.ok());
  REQUIRE(d->trials.size() == records.size() + 1);
  for (size_t i = 0; i < records.size(); ++i) require_equal(d->trials[i], records[i]);
  require_equal(d->trials.back(), long_record(20));
}

TEST_CASE("a large rebuild on a full disk says so and the process exits cleanly", "[store]") {
  SmallDisk disk("40m");
  if (!disk.ok) {
    WARN("cannot mount a tmpfs here (needs root): the full-disk test is skipped");
    return;
  }
  const std::string path = disk.dir + "/big.h5";
  const std::vector<TrialRecord> records = make_long_file(path, 20);
  ::unlink(path.c_str());
  fill(disk.dir);
  // 2 MiB free: the empty file is written, then the room for the trials is not there.
  const std::string filler = disk.dir + "/filler";
  fs::resize_file(filler, fs::file_size(filler) - (size_t{2} << 20));
  const int wstatus = in_child([&] {
    auto f = ResultsFile::open(path);
    if (f.ok()) return 3;
    return f.error().str().find("no room to write to it") == std::string::npos
               ? 6 : said_no_space(f.error());
  });
  INFO("wait status " << wstatus);
  REQUIRE(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);
  CHECK_FALSE(fs::exists(path + ".rebuild"));
  ::unlink(filler.c_str());
  auto f = ResultsFile::open(path);
  INFO((f.ok() ? std::string() : f.error().str()));
  REQUIRE(f.ok());
  const std::vector<TrialRecord> back = hs::test::trials_of(*f);
  REQUIRE(back.size() == records.size());
  for (size_t i = 0; i < records.size(); ++i) require_equal(back[i], records[i]);
}

TEST_CASE("a stub journal beside an HDF5 file holding trials replaces nothing", "[store]") {
  const std::string path = temp_path("stub_beside_trials.h5");
  make_file(path, 3);
  const std::string before = read_bytes(path);
  write_bytes(path + ".journal", "HSJRN");  // what a crash inside Journal::create leaves
  auto f = open_results(path, make_header(), OpenPolicy{});
  REQUIRE_FALSE(f.ok());  // the journal holds nothing to continue from, the HDF5 file does
  CHECK(read_bytes(path) == before);
  auto d = read_results(path);
  REQUIRE(d.ok());
  CHECK(d->trials.size() == 3);
}

// ---- defect 7: links planted where side files go -----------------------------------------------

namespace {

// A victim file and a link to it at `where` (a dangling link when `dangling`).
std::string plant(const std::string& where, bool dangling = false) {
  const std::string victim = temp_path("victim_" + fs::path(where).filename().string());
  if (!dangling) write_bytes(victim, "precious");
  ::unlink(where.c_str());
  REQUIRE(::symlink(victim.c_str(), where.c_str()) == 0);
  return victim;
}

void require_untouched(const std::string& victim, bool dangling = false) {
  if (dangling) {
    CHECK_FALSE(fs::exists(fs::symlink_status(victim)));
  } else {
    CHECK(read_bytes(victim) == "precious");
  }
}

}  // namespace

TEST_CASE("side files never write through a planted link", "[store]") {
  const std::string path = temp_path("linked.h5");
  for (const bool dangling : {false, true}) {
    INFO((dangling ? "dangling link" : "link to a file"));
    make_file(path, 2);
    ::unlink(path.c_str());  // open() must rebuild: through <path>.rebuild
    const std::string v1 = plant(path + ".rebuild", dangling);
    {
      auto f = ResultsFile::open(path);
      INFO((f.ok() ? std::string() : f.error().str()));
      REQUIRE(f.ok());
      REQUIRE(hs::test::trials_of(*f).size() == 2);
    }
    require_untouched(v1, dangling);

    const std::string out = temp_path(std::string("linked.txt") + (dangling ? "d" : ""));
    const std::string v2 = plant(out + ".tmp", dangling);
    REQUIRE(write_file_atomically(out, "new text").ok());
    CHECK(read_bytes(out) == "new text");
    require_untouched(v2, dangling);
    const std::string v3 = plant(out, dangling);  // the file itself a link: replaced, not followed
    REQUIRE(write_file_atomically(out, "newer").ok());
    CHECK(read_bytes(out) == "newer");
    CHECK_FALSE(fs::is_symlink(out));
    require_untouched(v3, dangling);

    // A device, a FIFO or a folder, or a link to one, is no file to replace: refused, and it
    // stays what it was (as root, -o /dev/null would have replaced the system's node).
    const std::string fifo = temp_path(std::string("fifo") + (dangling ? "d" : ""));
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const std::string to_null = temp_path(std::string("to_null") + (dangling ? "d" : ""));
    fs::create_symlink("/dev/null", to_null);
    const std::string folder = temp_path(std::string("a_folder") + (dangling ? "d" : ""));
    fs::create_directories(folder);
    for (const auto& [target, is] : {std::pair<std::string, std::string>{fifo, "a FIFO"},
                                     {to_null, "a device"},
                                     {folder, "a folder"}}) {
      const Status st = write_file_atomically(target, "text");
      INFO(target);
      REQUIRE_FALSE(st.ok());
      CHECK(st.error().message.find("is " + is + ", not a file, so it is not replaced") !=
            std::string::npos);
    }
    CHECK(fs::is_fifo(fifo));
    CHECK(fs::is_symlink(to_null));
    CHECK(fs::read_symlink(to_null) == "/dev/null");

    const std::string dir = temp_path(std::string("linked_csv") + (dangling ? "d" : ""));
    fs::create_directories(dir);
    const std::string v4 = plant(dir + "/summary.csv", dangling);
    const std::string v5 = plant(dir + "/curves.csv", dangling);
    auto d = read_results(path);
    REQUIRE(d.ok());
    REQUIRE(export_csv(*d, dir).ok());
    require_untouched(v4, dangling);
    require_untouched(v5, dangling);
    CHECK(read_bytes(dir + "/summary.csv").find("id,status") == 0);

    const std::string recipe = temp_path(std::string("linked_recipe.h5") + (dangling ? "d" : ""));
    const std::string v6 = plant(recipe + ".tmp", dangling);
    RecipeHeader rh;
    rh.config_text = "x";
    REQUIRE(write_recipe_file(recipe, rh, {}).ok());
    require_untouched(v6, dangling);

    const std::string fresh = temp_path(std::string("linked_new.h5") + (dangling ? "d" : ""));  // --out itself a dangling link
    const std::string v7 = plant(fresh, dangling);
    auto c = ResultsFile::create(fresh, make_header(), false);
    REQUIRE_FALSE(c.ok());
    require_untouched(v7, dangling);
  }
}

// ---- defect 13: the curve rows' padding -----------------------------------------------------------

TEST_CASE("the padding bytes of curve rows are written as zeros", "[store]") {
  const std::string path = temp_path("padding.h5");
  {
    auto f = ResultsFile::create(path, make_header(), false);
    REQUIRE(f.ok());
    // Heap bytes that are not zero where the rows will be allocated, as in a long run.
    for (int round = 0; round < 8; ++round) {
      std::vector<unsigned char> dirt(1 << 16, 0xab);
      (void)dirt;
      TrialRecord r = make_record(3);
      r.id = round;
      for (int e = 0; e < 200; ++e) r.curves.push_back(r.curves[0]);
      REQUIRE(f->append(r).ok());
    }
  }
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  for (int round = 0; round < 8; ++round) {
    const std::string name = "trials/00000" + std::to_string(round) + "/curves";
    const hid_t d = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
    REQUIRE(d >= 0);
    const hid_t t = H5Dget_type(d);  // the file's own type: no conversion, the bytes as stored
    const size_t row = H5Tget_size(t);
    REQUIRE(row == 56);
    REQUIRE(H5Tget_member_offset(t, 1) == 8);  // epoch (4 bytes), 4 of padding, then lr
    std::vector<unsigned char> bytes(row * 203, 0xcd);
    REQUIRE(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >= 0);
    for (size_t k = 0; k < 203; ++k)
      for (size_t b = 4; b < 8; ++b) REQUIRE(static_cast<int>(bytes[k * row + b]) == 0);
    H5Tclose(t);
    H5Dclose(d);
  }
  H5Fclose(file);
}

// ---- the same sweep by meaning (header.h: config_form) -------------------------------------------

namespace {
// A form for the test: the text's lines without comment lines and leading spaces (a sweep's is
// config/canonical.h's).
std::string without_comments(const std::string& text) {
  std::string s;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    l.erase(0, l.find_first_not_of(' '));
    if (!l.empty() && l[0] != '#') s += l + "\n";
  }
  return s;
}
}  // namespace

TEST_CASE("a header with a config form continues a file whose text means the same", "[store]") {
  const std::string path = temp_path("same_meaning.h5");
  make_file(path, 2);  // written without a form: its config_hash is of its lines
  SweepHeader here = make_header();
  here.config_text = "  " + here.config_text + "# another comment\n";
  here.config_form = without_comments;
  here.config_hash = config_hash(here.config_text, here.config_form);
  CHECK(header_difference(make_header(), here) == "");
  auto r = open_results(path, here, OpenPolicy{});
  REQUIRE(r.ok());
  CHECK(r->continued);
  CHECK(hs::test::trials_of(r->file).size() == 2u);
  REQUIRE(r->file.close().ok());
  // Another meaning is refused, naming the first value that differs.
  here.config_text = "[sweep]\nstrategy = \"grid\"\n";
  here.config_hash = config_hash(here.config_text, here.config_form);
  auto other = open_results(path, here, OpenPolicy{});
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().str().find("holds another sweep") != std::string::npos);
  CHECK(other.error().str().find("strategy: \"random\" in the file, \"grid\" here") !=
        std::string::npos);
}

TEST_CASE("an HDF5 error reads without its call and source line whatever H5_TRY checked", "[store]") {
  // H5_TRY(H5Fopen(...)) and H5_TRY(has), a variable holding H5Lexists' answer, alike.
  for (const char* call : {"H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get())", "has"}) {
    const Error e = make_error("r.h5", std::string(call) + " failed (../src/store/h5_reader.cpp:283): unable to get link info");
    const Error plain = store::plain_h5_error(e, "cannot be read as a results file (damaged?)");
    CHECK(plain.message == "cannot be read as a results file (damaged?): unable to get link info");
    CHECK(plain.file == "r.h5");
  }
  // Other errors stay as they are, " failed (" in their words or not.
  for (const char* message : {"no such results file", "the command failed (exit 1): see its log"}) {
    const Error e = make_error("r.h5", message);
    CHECK(store::plain_h5_error(e, "doing").message == message);
  }
}

TEST_CASE("an HDF5 call that ran out of memory says so and not that the file is damaged",
          "[store]") {
  // Under ulimit -v 20000 `show` said "cannot be read as a results file (damaged?): can't read
  // data" of a sound file: HDF5 could not allocate, and the message was the outer call's.
  REQUIRE(H5open() >= 0);
  const auto push = [](hid_t major, hid_t minor, const char* func, const char* desc) {
    REQUIRE(H5Epush2(H5E_DEFAULT, __FILE__, func, __LINE__, H5E_ERR_CLS, major, minor, "%s",
                     desc) >= 0);
  };
  // Records are pushed innermost first, as HDF5 unwinds.
  push(H5E_RESOURCE, H5E_NOSPACE, "H5FL__malloc", "memory allocation failed for chunk");
  push(H5E_DATASET, H5E_CANTINIT, "H5D__read", "unable to set up type info");
  push(H5E_DATASET, H5E_READERROR, "H5Dread", "can't read data");
  const Error oom = h5_error("r.h5", "H5Dread(...)", "h5_reader.cpp", 7);
  CHECK(H5Eget_num(H5E_DEFAULT) == 0);  // read and cleared
  CHECK(h5_out_of_memory(oom));
  CHECK(oom.message.find("H5Dread(...) failed (h5_reader.cpp:7): out of memory (HDF5: memory "
                         "allocation failed for chunk;") == 0);
  CHECK(store::plain_h5_error(oom, "cannot be read as a results file").message.find(
            "cannot be read as a results file: out of memory (HDF5: memory allocation failed "
            "for chunk; is a memory limit set") == 0);
  // Any other failure keeps the failed call's own message, the outermost record's.
  push(H5E_SYM, H5E_NOTFOUND, "H5G__obj_lookup", "object not found");
  push(H5E_LINK, H5E_CANTGET, "H5Lget_info2", "unable to get link info");
  const Error other = h5_error("r.h5", "has", "h5_reader.cpp", 9);
  CHECK_FALSE(h5_out_of_memory(other));
  CHECK(other.message == "has failed (h5_reader.cpp:9): unable to get link info");
}

TEST_CASE("a results file rebuilt from its journal is said so and a read-only one is refused",
          "[store]") {
  // Each rebuilt silently: minutes at a million trials, and a file made read-only on purpose
  // was replaced by a writable one.
  const std::string path = temp_path("rebuilt_said.h5");
  make_file(path, 3);
  write_bytes(path, "not an HDF5 file any more");  // changed since the clean close
  {
    StderrCapture err;
    auto f = ResultsFile::open(path);
    REQUIRE(f.ok());
    REQUIRE(f->close().ok());
    const std::string said = err.text();
    CHECK(said.find("hypersweep: note: " + path + ": it is not as the last run to close it "
                    "left it (a later run killed before it recorded a trial, a change, or "
                    "damage); rebuilding it from its journal (3 trials)") !=
          std::string::npos);
  }
  // Removed: said missing, not changed.
  ::unlink(path.c_str());
  {
    StderrCapture err;
    auto f = ResultsFile::open(path);
    REQUIRE(f.ok());
    REQUIRE(f->close().ok());
    CHECK(err.text().find("hypersweep: note: " + path + ": it is missing (its journal is beside "
                          "where it was); rebuilding it from its journal (3 trials)") !=
          std::string::npos);
  }
  // A copy taken while its sweep ran (no clean close in its journal).
  const std::string copy = temp_path("rebuilt_unclean.h5");
  {
    auto f = ResultsFile::create(path, make_header(), true);
    REQUIRE(f.ok());
    REQUIRE(f->append(make_record(0)).ok());
    fs::copy_file(path, copy, fs::copy_options::overwrite_existing);
    fs::copy_file(path + ".journal", copy + ".journal", fs::copy_options::overwrite_existing);
    REQUIRE(f->close().ok());
  }
  {
    StderrCapture err;
    auto f = ResultsFile::open(copy);
    REQUIRE(f.ok());
    REQUIRE(f->close().ok());
    CHECK(err.text().find("did not close it (a crash, a kill or a lost node); rebuilding it") !=
          std::string::npos);
  }
  // Read-only: refused, left as it was. Root writes any file, so the check runs as nobody.
  make_file(path, 2);
  REQUIRE(::chmod(path.c_str(), 0444) == 0);
  const std::string before = read_bytes(path);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::geteuid() == 0) {
      const std::string dir = fs::path(path).parent_path().string();
      // The folder and journal writable by nobody; the file stays root's, mode 0444.
      if (::chown(dir.c_str(), 65534, 65534) != 0 ||
          ::chown((path + ".journal").c_str(), 65534, 65534) != 0 || ::setgid(65534) != 0 ||
          ::setuid(65534) != 0)
        ::_exit(3);
    }
    auto f = ResultsFile::open(path);
    ::_exit(!f.ok() && f.error().str().find("is not writable") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // In this process too, root or not: a file without write permission is refused by its mode.
  auto refused = ResultsFile::open(path);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().str().find("is not writable") != std::string::npos);
  CHECK(read_bytes(path) == before);
  CHECK((fs::status(path).permissions() & fs::perms::owner_write) == fs::perms::none);
}

TEST_CASE("a result name new to a large sweep says that the file is rewritten", "[store]") {
  const std::string path = temp_path("new_column.h5");
  auto f = ResultsFile::create(path, make_header(), true);
  REQUIRE(f.ok());
  std::vector<TrialRecord> many;
  for (int64_t i = 0; i < 1000; ++i) many.push_back(make_record(i));
  REQUIRE(f->append(std::span<const TrialRecord>(many)).ok());  // one fsync for all
  TrialRecord late = make_record(1000);
  late.results = {{"late_metric", 1.5}};
  {
    StderrCapture err;
    REQUIRE(f->append(late).ok());
    CHECK(err.text().find(": trial 1000 printed a result name no trial before had, so /summary "
                          "gains a column: the HDF5 file is rewritten from its journal (1001 "
                          "trials)") != std::string::npos);
  }
  REQUIRE(f->close().ok());
}

TEST_CASE("a temporary file is removed when a signal ends the program", "[store]") {
  // Ctrl-C while export wrote a 178 MB curves.csv.tmp.* left it behind for good.
  const std::string path = temp_path("guarded.tmp"), kept = temp_path("kept.tmp");
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::signal(SIGINT, SIG_DFL);  // as `hypersweep export` has it (the test runner has its own)
    write_bytes(kept, "kept");
    TempFileGuard k(kept);
    k.keep();
    write_bytes(path, "partial");
    TempFileGuard g(path);
    ::raise(SIGINT);
    ::_exit(0);  // not reached: SIGINT ends the child after the handler
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGINT);
  CHECK_FALSE(fs::exists(path));
  CHECK(read_bytes(kept) == "kept");
  {  // and by its guard, without a signal
    write_bytes(path, "partial");
    TempFileGuard g(path);
  }
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("a temporary file left by kill -9 is removed by the next write of its file", "[store]") {
  // export killed with -9 left its pending file for good (no handler runs on SIGKILL), one more
  // each time. A user's own files with names like it stay (report.html.tmp.backup went).
  const fs::path dir = temp_path("stale_tmp");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string out = (dir / "summary.csv").string();
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto f = PendingFile::write(out, std::string(1 << 20, 'x'));
    ::raise(f.ok() ? SIGKILL : SIGABRT);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGKILL);
  const auto names = [&] {
    std::vector<std::string> all;
    for (const auto& e : fs::directory_iterator(dir)) all.push_back(e.path().filename().string());
    std::sort(all.begin(), all.end());
    return all;
  };
  const auto pending = [](const std::vector<std::string>& all) {
    return std::count_if(all.begin(), all.end(), [](const std::string& n) {
      return n.rfind("summary.csv.hypersweep-tmp.", 0) == 0;
    });
  };
  REQUIRE(names().size() == 1u);  // the killed writer's
  REQUIRE(pending(names()) == 1);
  for (const char* mine : {"summary.csv.tmp.backup", "summary.csv.tmp.ABCDEF"})
    write_bytes((dir / mine).string(), "a user's own file");
  write_bytes((dir / "summary.csv.hypersweep-tmp.Ab12Cd").string(), "");  // empty: a writer's start?
  auto live = PendingFile::write(out, "live");  // a writer still running: its file stays
  REQUIRE(live.ok());
  REQUIRE(write_file_atomically(out, "new").ok());
  const std::vector<std::string> left = names();
  CHECK(left.size() == 5u);
  CHECK(std::count(left.begin(), left.end(), "summary.csv") == 1);
  CHECK(std::count(left.begin(), left.end(), "summary.csv.tmp.backup") == 1);
  CHECK(std::count(left.begin(), left.end(), "summary.csv.tmp.ABCDEF") == 1);
  CHECK(pending(left) == 2);  // live's and the empty one; the killed writer's is gone
  CHECK(read_bytes(out) == "new");
  REQUIRE(live->commit().ok());
  CHECK(read_bytes(out) == "live");
  CHECK(pending(names()) == 1);
  fs::remove_all(dir);
}

TEST_CASE("a FIFO at a results file's or journal's path is refused and never waited on",
          "[store]") {
  // open() of a FIFO waits for a writer: run, show, report and export hung there for good, run
  // beyond SIGINT. The checks run in a child that an alarm ends should one hang again.
  const fs::path dir = temp_path("fifo_dir");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string lone = (dir / "lone.h5").string();       // a FIFO, no journal
  const std::string beside = (dir / "beside.h5").string();   // a file, a FIFO journal
  const std::string orphan = (dir / "orphan.h5").string();   // no file, a FIFO journal
  REQUIRE(::mkfifo(lone.c_str(), 0644) == 0);
  {
    auto f = ResultsFile::create(beside, make_header(), false);
    REQUIRE(f.ok());
    REQUIRE(f->append(make_record(0)).ok());
    REQUIRE(f->close().ok());
  }
  fs::remove(beside + ".journal");
  REQUIRE(::mkfifo((beside + ".journal").c_str(), 0644) == 0);
  REQUIRE(::mkfifo((orphan + ".journal").c_str(), 0644) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::alarm(60);
    int bad = 0;
    for (const std::string& p : {lone, beside, orphan}) {
      const auto opened = ResultsFile::open(p);
      bad += opened.ok() || opened.error().str().find("FIFO") == std::string::npos;
      const auto read = read_results(p);
      bad += read.ok() != (p == beside);  // the HDF5 side of `beside` is a file: it reads
    }
    ::_exit(bad);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));  // not ended by the alarm
  CHECK(WEXITSTATUS(status) == 0);
  fs::remove_all(dir);
}

TEST_CASE("a results path that is a loop of links says so", "[store]") {
  // It said "not an HDF5 file (H5Fis_hdf5)", as if the bytes were wrong.
  const fs::path dir = temp_path("loop_dir");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string a = (dir / "a.h5").string(), b = (dir / "b.h5").string();
  fs::create_symlink(b, a);
  fs::create_symlink(a, b);
  const auto opened = ResultsFile::open(a);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().str().find("Too many levels of symbolic links") != std::string::npos);
  const auto read = read_results(a);
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().str().find("Too many levels of symbolic links") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("stop signals held around two renames wait for both", "[store]") {
  // A Ctrl-C between export's two renames left a new summary.csv beside the old curves.csv.
  const std::string marker = temp_path("after_held.txt");
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::signal(SIGINT, SIG_DFL);
    {
      const StopSignalsHeld held;
      ::raise(SIGINT);  // held: the child goes on
      write_bytes(marker, "both steps done");
    }  // delivered here: the child ends by it
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGINT);
  CHECK(read_bytes(marker) == "both steps done");
}
