// One results file and two runs, or a file reached through a link (results_file.h:
// results_target, store/journal.h: HeldLock): a run never removes or replaces what another run
// made, and a link stays a link.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "store/journal.h"
#include "store/open.h"
#include "store/read_results.h"
#include "store/results_file.h"
#include "store/sample_sweep.h"
#include "support/records.h"

namespace fs = std::filesystem;
using namespace hs;
using hs::test::make_header;
using hs::test::make_record;
using hs::test::temp_path;

namespace {

void make_file(const std::string& path, int64_t n) {
  auto f = ResultsFile::create(path, make_header(), true);
  REQUIRE(f.ok());
  for (int64_t i = 0; i < n; ++i) REQUIRE(f->append(make_record(i)).ok());
  REQUIRE(f->close().ok());
}

void remove_sweep(const std::string& path) {
  for (const std::string& p : {path, path + ".journal"}) ::unlink(p.c_str());
}

}  // namespace

TEST_CASE("a link to nothing with the journal beside it is refused by name", "[store]") {
  // A sweep made at r.h5, its HDF5 file since moved away and r.h5 made a link to a file that is
  // gone: continuing says which link points where and what to do, not "not writable", and
  // leaves the link and the journal as they are.
  const fs::path dir = temp_path("dangling_journal_dir");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "r.h5").string();
  make_file(path, 3);
  fs::rename(path, dir / "away.h5");
  REQUIRE(::symlink("gone.h5", path.c_str()) == 0);
  const auto journal_bytes = fs::file_size(path + ".journal");
  auto f = ResultsFile::open(path);
  REQUIRE_FALSE(f.ok());
  const std::string& m = f.error().message;
  CHECK(m.find("is a symbolic link to gone.h5, which does not exist") != std::string::npos);
  CHECK(m.find("its journal " + path + ".journal is beside it") != std::string::npos);
  CHECK(m.find("remove the link") != std::string::npos);
  CHECK(m.find("not writable") == std::string::npos);
  CHECK(fs::is_symlink(fs::symlink_status(path)));
  CHECK(fs::file_size(path + ".journal") == journal_bytes);
  // As run continues it: the same words.
  OpenPolicy policy;
  policy.must_exist = true;
  auto o = open_results(path, make_header(), policy);
  REQUIRE_FALSE(o.ok());
  CHECK(o.error().message.find("is beside it: restore what the link points to") !=
        std::string::npos);
  // What the message offers holds: without the link, the file is rebuilt from the journal.
  REQUIRE(fs::remove(path));
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  REQUIRE(g->close().ok());
  CHECK(hs::test::records_of(path).size() == 3u);
}

TEST_CASE("a link to no file at the results path is refused and stays a link", "[store]") {
  // Even with --force: its target may be a file another run's --force removed a moment ago, and
  // taken for the link itself it was replaced by a file of its own, a second sweep beside the
  // first. A new file is never made through a link either.
  const fs::path dir = temp_path("dangling_dir");
  fs::remove_all(dir);
  fs::create_directories(dir / "real");
  const std::string link = (dir / "r.h5").string();
  REQUIRE(::symlink("real/r.h5", link.c_str()) == 0);  // relative, as ln -s makes it
  for (const bool force : {false, true}) {
    INFO(force);
    auto f = ResultsFile::create(link, make_header(), force);
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().message.find("is a symbolic link to real/r.h5, which does not exist") !=
          std::string::npos);
    CHECK(fs::is_symlink(fs::symlink_status(link)));
    CHECK_FALSE(fs::exists(dir / "real" / "r.h5"));
    CHECK_FALSE(fs::exists(fs::symlink_status(link + ".journal")));
    // As run opens it: the same refusal, not "cannot be read (the file exists, ... --force)".
    OpenPolicy policy;
    policy.force = force;
    auto o = open_results(link, make_header(), policy);
    REQUIRE_FALSE(o.ok());
    CHECK(o.error().message.find("which does not exist: a results file is not made through a "
                                 "link") != std::string::npos);
    CHECK(o.error().message.find("the file exists") == std::string::npos);
  }
  // Once the target exists, --force through the link replaces the target's sweep, and the link
  // stays.
  const std::string real = (dir / "real" / "r.h5").string();
  {
    auto f = ResultsFile::create(real, make_header(), false);
    REQUIRE(f.ok());
    REQUIRE(f->append(make_record(0)).ok());
    REQUIRE(f->close().ok());
  }
  {
    auto f = ResultsFile::create(link, make_header(), true);
    REQUIRE(f.ok());
    REQUIRE(f->close().ok());
  }
  CHECK(fs::is_symlink(fs::symlink_status(link)));
  CHECK(hs::test::records_of(real).empty());
  fs::remove_all(dir);
}

TEST_CASE("a file another run writes is said to be locked before whose sweep it is", "[store]") {
  // "holds another sweep ... or --force to start over" sent the user to a --force that the lock
  // then refused.
  const std::string path = temp_path("locked_other.h5");
  make_file(path, 2);
  auto writer = store::Journal::open(path + ".journal");  // the other run
  REQUIRE(writer.ok());
  SweepHeader other = make_header();
  other.config_hash = "def456";  // another config
  other.seed += 1;
  auto opened = open_results(path, other, OpenPolicy{});
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().message.find("is locked") != std::string::npos);
  CHECK(opened.error().message.find("--force") == std::string::npos);
  // --force is refused too while the other run holds it, and removes nothing.
  OpenPolicy force;
  force.force = true;
  auto forced = open_results(path, other, force);
  REQUIRE_FALSE(forced.ok());
  CHECK(forced.error().message.find("is locked") != std::string::npos);
  writer->close();
  CHECK(hs::test::records_of(path).size() == 2);
  remove_sweep(path);
}

TEST_CASE("a journal made by another run at the same moment is named as such", "[store]") {
  const std::string path = temp_path("same_moment.journal");
  ::unlink(path.c_str());
  auto first = store::Journal::create(path, 'H', "x");
  REQUIRE(first.ok());
  auto second = store::Journal::create(path, 'H', "x");
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().message.find("created by another hypersweep run at the same moment") !=
        std::string::npos);
  first->close();
  ::unlink(path.c_str());
}

TEST_CASE("a held lock keeps other runs from opening the journal until it is dropped",
          "[store]") {
  const std::string path = temp_path("held_lock.h5");
  make_file(path, 1);
  {
    auto held = store::HeldLock::take(path + ".journal");
    REQUIRE(held.ok());
    auto other = ResultsFile::open(path);
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().message.find("is locked") != std::string::npos);
    CHECK_FALSE(store::check_not_locked(path + ".journal").ok());
  }
  CHECK(store::check_not_locked(path + ".journal").ok());
  CHECK(ResultsFile::open(path).ok());
  // No file: nothing to hold, and no error.
  CHECK(store::HeldLock::take(temp_path("no_such.journal")).ok());
  remove_sweep(path);
}

TEST_CASE("a results file reached through a link is continued where it lies and the link stays",
          "[store]") {
  // The link alone, its journal beside the real file (as on a scratch file system): open()
  // said the journal was missing, while show found it; and a rebuild renamed the new HDF5 file
  // over the link, leaving the real file stale.
  const fs::path dir = temp_path("linked_dir");
  fs::remove_all(dir);
  fs::create_directories(dir / "real");
  const std::string real = (dir / "real" / "r.h5").string();
  const std::string link = (dir / "r.h5").string();
  make_file(real, 2);
  REQUIRE(::symlink(real.c_str(), link.c_str()) == 0);
  CHECK(results_target(link) == fs::canonical(real).string());
  CHECK(results_journal(link) == fs::canonical(real).string() + ".journal");
  CHECK(results_journal(real) == real + ".journal");
  // Damaged since its close: open() rebuilds it, through the link.
  hs::test::write_bytes(real, std::string(4096, 'x'));
  {
    auto f = ResultsFile::open(link);
    INFO((f.ok() ? std::string() : f.error().str()));
    REQUIRE(f.ok());
    REQUIRE(f->append(make_record(2)).ok());
    REQUIRE(f->close().ok());
  }
  CHECK(fs::is_symlink(fs::symlink_status(link)));
  CHECK_FALSE(fs::exists(fs::symlink_status(link + ".journal")));
  auto read = read_results(real);  // the HDF5 file alone, as h5py reads it
  REQUIRE(read.ok());
  CHECK(read->trials.size() == 3);
  CHECK(ResultsFile::read_header(link).ok());
  fs::remove_all(dir);
}

TEST_CASE("a results file another program holds under HDF5's lock is refused and left in place",
          "[store]") {
  // An h5py reader without locking=False held the file: the run could not open it, took that
  // for damage and renamed a file rebuilt from the journal over it, and the reader went on
  // reading the old one.
  const std::string path = temp_path("held_by_reader.h5");
  remove_sweep(path);
  make_file(path, 3);
  struct stat before {};
  REQUIRE(::stat(path.c_str(), &before) == 0);
  const auto journal_bytes = fs::file_size(path + ".journal");
  const int reader = ::open(path.c_str(), O_RDONLY);
  REQUIRE(reader >= 0);
  REQUIRE(::flock(reader, LOCK_SH | LOCK_NB) == 0);  // as HDF5 does for a reader
  {
    auto f = ResultsFile::open(path);
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().message.find("is open in another program, which holds HDF5's lock on it") !=
          std::string::npos);
  }
  struct stat after {};
  REQUIRE(::stat(path.c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);
  CHECK(fs::file_size(path + ".journal") == journal_bytes);
  ::close(reader);
  auto f = ResultsFile::open(path);  // the reader gone: continued as it was
  INFO((f.ok() ? std::string() : f.error().str()));
  REQUIRE(f.ok());
  CHECK(f->trial_count() == 3u);
  REQUIRE(f->close().ok());
  remove_sweep(path);
}
