// Tests for src/store/results_file.*: round trip, the HDF5 layout read through the raw C API
// and h5dump, refusals, and kill -9 in the middle of appends.
#include "store/results_file.h"
#include "store/read_results.h"

#include <hdf5.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/reported_nan.h"
#include "core/rng.h"
#include "store/layout.h"
#include "store/open.h"
#include "store/sample_sweep.h"
#include "store/store_testing.h"
#include "support/records.h"

namespace fs = std::filesystem;
using namespace hs;
using hs::test::real;
using hs::test::require_equal;
using hs::test::require_header_equal;
using hs::test::same;

using hs::test::choice;
using hs::test::make_header;
using hs::test::make_record;
using hs::test::temp_path;

TEST_CASE("results file round trip of header and records", "[store]") {
  const std::string path = temp_path("roundtrip.h5");
  const SweepHeader h = make_header();
  {
    auto f = ResultsFile::create(path, h, false);
    REQUIRE(f.ok());
    for (int64_t i = 0; i < 12; ++i) REQUIRE(f->append(make_record(i)).ok());
    REQUIRE(hs::test::trials_of(*f).size() == 12);
  }
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  require_header_equal(g->header(), h);
  REQUIRE(hs::test::trials_of(*g).size() == 12);
  for (int64_t i = 0; i < 12; ++i) require_equal(hs::test::trials_of(*g)[i], make_record(i));

  SECTION("a later record with the same id replaces the earlier one") {
    TrialRecord again = make_record(4);
    again.status = TrialStatus::kCompleted;
    again.best_metric = 0.99;
    REQUIRE(g->append(again).ok());
    REQUIRE(g->append(make_record(12)).ok());
    REQUIRE(g->close().ok());
    auto k = ResultsFile::open(path);
    REQUIRE(k.ok());
    REQUIRE(hs::test::trials_of(*k).size() == 13);
    require_equal(hs::test::trials_of(*k)[4], again);
    require_equal(hs::test::trials_of(*k)[12], make_record(12));
  }
  SECTION("a record that does not fit the space is refused, nothing written") {
    TrialRecord bad = make_record(20);
    bad.params.pop_back();
    const Status s = g->append(bad);
    REQUIRE_FALSE(s.ok());
    REQUIRE(s.error().str().find("parameters") != std::string::npos);
    bad = make_record(21);
    bad.update_ratio[0].push_back(1.0);
    REQUIRE_FALSE(g->append(bad).ok());
    REQUIRE(hs::test::trials_of(*g).size() == 12);
  }
}

TEST_CASE("results file layout read through the HDF5 C API and h5dump", "[store]") {
  const std::string path = temp_path("layout.h5");
  {
    auto f = ResultsFile::create(path, make_header(), false);
    REQUIRE(f.ok());
    for (int64_t i = 0; i < 7; ++i) REQUIRE(f->append(make_record(i)).ok());
  }
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t ds = H5Dopen2(file, "summary", H5P_DEFAULT);
  REQUIRE(ds >= 0);
  const hid_t space = H5Dget_space(ds);
  hsize_t n = 0;
  REQUIRE(H5Sget_simple_extent_dims(space, &n, nullptr) == 1);
  REQUIRE(n == 7);
  struct Row {
    int64_t id;
    double best_metric;
    int64_t hidden;
    char optimizer[6];
    int8_t nesterov;
    double dropout;
  };
  const hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(Row));
  H5Tinsert(mt, "id", HOFFSET(Row, id), H5T_NATIVE_INT64);
  H5Tinsert(mt, "best_metric", HOFFSET(Row, best_metric), H5T_NATIVE_DOUBLE);
  H5Tinsert(mt, "hidden", HOFFSET(Row, hidden), H5T_NATIVE_INT64);
  const hid_t st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, 6);
  H5Tset_strpad(st, H5T_STR_NULLPAD);
  H5Tinsert(mt, "optimizer", HOFFSET(Row, optimizer), st);
  H5Tinsert(mt, "nesterov", HOFFSET(Row, nesterov), H5T_NATIVE_INT8);
  H5Tinsert(mt, "dropout", HOFFSET(Row, dropout), H5T_NATIVE_DOUBLE);
  std::vector<Row> rows(n);
  REQUIRE(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()) >= 0);
  {  // initial_loss (double) and num_classes (int32) right after test_acc
    const hid_t ft = H5Dget_type(ds);
    const int at = H5Tget_member_index(ft, "test_acc");
    REQUIRE(at >= 0);
    CHECK(H5Tget_member_index(ft, "initial_loss") == at + 1);
    CHECK(H5Tget_member_index(ft, "num_classes") == at + 2);
    CHECK(H5Tget_member_index(ft, "epochs_run") == at + 3);
    const hid_t il = H5Tget_member_type(ft, static_cast<unsigned>(at + 1));
    const hid_t nc = H5Tget_member_type(ft, static_cast<unsigned>(at + 2));
    CHECK(H5Tequal(il, H5T_NATIVE_DOUBLE) > 0);
    CHECK(H5Tequal(nc, H5T_NATIVE_INT32) > 0);
    H5Tclose(nc);
    H5Tclose(il);
    struct Extra {
      double initial_loss;
      int32_t num_classes;
    };
    const hid_t et = H5Tcreate(H5T_COMPOUND, sizeof(Extra));
    H5Tinsert(et, "initial_loss", HOFFSET(Extra, initial_loss), H5T_NATIVE_DOUBLE);
    H5Tinsert(et, "num_classes", HOFFSET(Extra, num_classes), H5T_NATIVE_INT32);
    std::vector<Extra> extra(n);
    REQUIRE(H5Dread(ds, et, H5S_ALL, H5S_ALL, H5P_DEFAULT, extra.data()) >= 0);
    for (int64_t i = 0; i < 7; ++i) {
      CHECK(same(extra[i].initial_loss, make_record(i).initial_loss));
      CHECK(extra[i].num_classes == make_record(i).num_classes);
    }
    H5Tclose(et);
    H5Tclose(ft);
  }
  for (int64_t i = 0; i < 7; ++i) {
    CHECK(rows[i].id == i);
    CHECK(same(rows[i].best_metric, make_record(i).best_metric));
    CHECK(rows[i].hidden == 16 + i);
    CHECK(std::string(rows[i].optimizer, strnlen(rows[i].optimizer, 6)) == (i % 2 ? "adamw" : "sgd"));
    CHECK(rows[i].nesterov == (i % 3 == 0 ? 1 : 0));
    CHECK(rows[i].dropout == 0.5);
  }
  // A trial's curves, update ratios and error.
  const hid_t curves = H5Dopen2(file, "trials/000003/curves", H5P_DEFAULT);
  REQUIRE(curves >= 0);
  const hid_t cs = H5Dget_space(curves);
  hsize_t ne = 0;
  H5Sget_simple_extent_dims(cs, &ne, nullptr);
  CHECK(ne == 3);
  const hid_t ur = H5Dopen2(file, "trials/000003/update_ratio", H5P_DEFAULT);
  REQUIRE(ur >= 0);
  const hid_t us = H5Dget_space(ur);
  hsize_t ud[2] = {0, 0};
  H5Sget_simple_extent_dims(us, ud, nullptr);
  CHECK(ud[0] == 3);
  CHECK(ud[1] == 2);
  CHECK(H5Aexists_by_name(file, "trials/000003", "error", H5P_DEFAULT) > 0);
  CHECK(H5Aexists_by_name(file, "trials/000002", "error", H5P_DEFAULT) == 0);
  CHECK(H5Aexists_by_name(file, "trials/000002", "lr", H5P_DEFAULT) > 0);
  for (const char* a : {"config", "config_hash", "strategy", "seed", "metric", "hypersweep_version", "start_time"}) {
    CHECK(H5Aexists(file, a) > 0);
  }
  H5Sclose(us);
  H5Dclose(ur);
  H5Sclose(cs);
  H5Dclose(curves);
  H5Tclose(st);
  H5Tclose(mt);
  H5Sclose(space);
  H5Dclose(ds);
  H5Fclose(file);

  if (std::system("command -v h5dump >/dev/null 2>&1") != 0) {
    WARN("h5dump not installed: skipped");
    return;
  }
  CHECK(std::system(("h5dump -H '" + path + "' >/dev/null").c_str()) == 0);
  CHECK(std::system(("h5dump -d /summary '" + path + "' >/dev/null").c_str()) == 0);
}

// h5_writer.cpp's use_compact_groups: every group in HDF5 1.8's formats, the superblock as before.
TEST_CASE("a results file's groups keep their links in their headers and the file opens again",
          "[store]") {
  const std::string path = temp_path("compact.h5");
  {
    auto f = ResultsFile::create(path, make_header(), false);
    REQUIRE(f.ok());
    for (int64_t i = 0; i < 3; ++i) REQUIRE(f->append(make_record(i)).ok());
  }
  {
    auto f = ResultsFile::open(path);  // continued: its new trials alike
    REQUIRE(f.ok());
    REQUIRE(f->append(make_record(3)).ok());
  }
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  H5F_info2_t info;
  REQUIRE(H5Fget_info2(file, &info) >= 0);
  CHECK(info.super.version == 0);  // any HDF5 reader opens it, as before
  for (const char* g : {"trials/000000", "trials/000002", "trials/000003"}) {
    INFO(g);
    H5G_info_t gi;
    REQUIRE(H5Gget_info_by_name(file, g, &gi, H5P_DEFAULT) >= 0);
    CHECK(gi.storage_type == H5G_STORAGE_TYPE_COMPACT);  // not a symbol table of its own
    CHECK(gi.nlinks == 2);
  }
  H5G_info_t trials;
  REQUIRE(H5Gget_info_by_name(file, "trials", &trials, H5P_DEFAULT) >= 0);
  CHECK(trials.storage_type != H5G_STORAGE_TYPE_SYMBOL_TABLE);
  CHECK(trials.nlinks == 4);
  H5Fclose(file);
  auto back = ResultsFile::open(path);
  REQUIRE(back.ok());
  REQUIRE(hs::test::trials_of(*back).size() == 4);
  require_equal(hs::test::trials_of(*back)[3], make_record(3));
}

TEST_CASE("create refuses an existing file without force and names it", "[store]") {
  const std::string path = temp_path("exists.h5");
  { std::ofstream(path) << "precious"; }
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().str().find(path) != std::string::npos);
  CHECK(f.error().str().find("exists") != std::string::npos);
  std::ifstream in(path);
  std::string s;
  in >> s;
  CHECK(s == "precious");
  auto g = ResultsFile::create(path, make_header(), true);
  REQUIRE(g.ok());
  REQUIRE(hs::test::trials_of(*g).empty());
}

TEST_CASE("a file opened and closed with nothing recorded is left byte for byte", "[store]") {
  // Each run that opened a finished sweep and stopped before its first record (a strategy that
  // refuses the records, say) added a clean-close frame to the journal: a run that cannot start
  // changed the file.
  const std::string path = temp_path("untouched.h5");
  auto bytes = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  {
    auto f = ResultsFile::create(path, make_header(), true);
    REQUIRE(f.ok());
    REQUIRE(f->append(make_record(0)).ok());
    REQUIRE(f->close().ok());
  }
  const std::string h5 = bytes(path), journal = bytes(path + ".journal");
  for (int i = 0; i < 2; ++i) {
    auto f = ResultsFile::open(path);
    REQUIRE(f.ok());
    REQUIRE(f->close().ok());
    CHECK(bytes(path) == h5);
    CHECK(bytes(path + ".journal") == journal);
  }
  auto f = ResultsFile::open(path);  // a record: the journal grows, and the close is marked
  REQUIRE(f.ok());
  REQUIRE(f->append(make_record(1)).ok());
  REQUIRE(f->close().ok());
  CHECK(bytes(path + ".journal").size() > journal.size());
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  CHECK(g->trial_count() == 2u);
}

TEST_CASE("a rebuilt HDF5 file keeps the permissions the old one had", "[store]") {
  // Rebuilt from the journal, a file made private (chmod 600) came back with the umask's mode.
  const std::string path = temp_path("rebuilt_mode.h5");
  std::remove(path.c_str());
  std::remove((path + ".journal").c_str());
  {
    auto f = ResultsFile::create(path, make_header(), true);
    REQUIRE(f.ok());
    REQUIRE(f->append(make_record(0)).ok());
    REQUIRE(f->close().ok());
  }
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  std::filesystem::resize_file(path, 100);  // damaged: rebuilt on open
  auto f = ResultsFile::open(path);
  REQUIRE(f.ok());
  REQUIRE(f->close().ok());
  CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  auto d = read_results(path);
  REQUIRE(d.ok());
  CHECK(d->trials.size() == 1u);
}

TEST_CASE("a wide /summary row keeps its type within HDF5's limit and the sweep continues",
          "[store]") {
  // 300 parameters and 256 results, each named by 100 bytes: each name within its limit, but
  // the row type past 64 KiB. The file could not be written, nor rebuilt: the sweep stopped
  // after its first trial and never continued.
  const std::string path = temp_path("wide_row.h5");
  SweepHeader h = make_header();
  h.space.params.clear();
  h.pruner.clear();
  h.rungs.clear();
  const auto name = [](char c, size_t i) {
    std::string n = std::string(1, c) + std::to_string(i);
    return n + std::string(100 - n.size(), 'x');
  };
  for (size_t i = 0; i < 300; ++i)
    h.space.params.push_back(real(name('p', i), ParamKind::kUniform, 0, 1));
  TrialRecord r;
  r.id = 0;
  r.status = TrialStatus::kCompleted;
  r.best_metric = 0.5;
  r.params.assign(300, ParamValue(0.25));
  for (size_t i = 0; i < kMaxExtraNames; ++i) r.results.push_back({name('r', i), 1.5});
  {
    auto f = ResultsFile::create(path, h, true);
    REQUIRE(f.ok());
    const Status st = f->append(r);
    INFO((st.ok() ? std::string() : st.error().str()));
    REQUIRE(st.ok());
    REQUIRE(f->close().ok());
  }
  auto f = ResultsFile::open(path);  // continues
  REQUIRE(f.ok());
  TrialRecord second = r;
  second.id = 1;
  REQUIRE(f->append(second).ok());
  REQUIRE(f->close().ok());
  auto d = read_results(path);
  REQUIRE(d.ok());
  REQUIRE(d->trials.size() == 2u);
  CHECK(d->trials[1].results.size() == kMaxExtraNames);  // whole, from the trial's group
  // A space too wide for any row is refused before a file is made, naming the parameter.
  for (size_t i = 300; i < 400; ++i)
    h.space.params.push_back(real(name('p', i), ParamKind::kUniform, 0, 1));
  const int at = store::too_wide_from(h.space);
  CHECK(at > 300);
  CHECK(at < 400);
  const Status refused = check_space_names(h.space);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().key == h.space.params[static_cast<size_t>(at)].name);
  CHECK(refused.error().message.find("too wide for a results file's /summary row") !=
        std::string::npos);
}

TEST_CASE("one writer at a time: a file being written cannot be opened, replaced or created again",
          "[store]") {
  const std::string path = temp_path("locked.h5");
  auto a = ResultsFile::create(path, make_header(), false);
  REQUIRE(a.ok());
  auto b = ResultsFile::open(path);  // a second run pointed at the same file
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().str().find("another hypersweep run") != std::string::npos);
  auto c = ResultsFile::create(path, make_header(), true);  // --force while it runs
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().str().find("locked") != std::string::npos);
  // Without --force too: two runs started at once on a new file, the second creating it just
  // after the first (it was told to use --force, which the lock would refuse as well).
  auto racer = ResultsFile::create(path, make_header(), false);
  REQUIRE_FALSE(racer.ok());
  CHECK(racer.error().str().find("another hypersweep run is writing") != std::string::npos);
  CHECK(racer.error().str().find("without --force") == std::string::npos);
  REQUIRE(a->close().ok());  // the lock goes with the writer
  auto d = ResultsFile::open(path);
  REQUIRE(d.ok());
  auto e = ResultsFile::open(path);
  CHECK_FALSE(e.ok());
}

TEST_CASE("a parameter named like a summary column is an error", "[store]") {
  SweepHeader h = make_header();
  h.space.params.push_back(real("seconds", ParamKind::kUniform, 0, 1));
  auto f = ResultsFile::create(temp_path("reserved.h5"), h, false);
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().str().find("seconds") != std::string::npos);
  for (const char* name : {"initial_loss", "num_classes"}) {
    SweepHeader k = make_header();
    k.space.params.push_back(real(name, ParamKind::kUniform, 0, 1));
    auto g = ResultsFile::create(temp_path(std::string(name) + ".h5"), k, false);
    REQUIRE_FALSE(g.ok());
    CHECK(g.error().str().find(std::string("\"") + name + "\" has the name of a /summary column") !=
          std::string::npos);
  }
  // `epochs`, a trainer key a sweep may search, is not one (the column is epochs_run).
  SweepHeader e = make_header();
  e.space.params.push_back(real("epochs", ParamKind::kUniform, 1, 9));
  CHECK(ResultsFile::create(temp_path("epochs.h5"), e, false).ok());
}

TEST_CASE("open of a missing, non-HDF5 or journal-less file is a clear error", "[store]") {
  const std::string missing = temp_path("missing.h5");
  auto a = ResultsFile::open(missing);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().str().find(missing) != std::string::npos);
  CHECK(a.error().str().find("no such") != std::string::npos);

  const std::string text = temp_path("text.h5");
  { std::ofstream(text) << "not hdf5 at all\n"; }
  auto b = ResultsFile::open(text);
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().str().find(text) != std::string::npos);
  CHECK(b.error().str().find("not an HDF5 file") != std::string::npos);

  const std::string lone = temp_path("lone.h5");
  { REQUIRE(ResultsFile::create(lone, make_header(), false).ok()); }
  fs::remove(lone + ".journal");
  auto c = ResultsFile::open(lone);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().str().find("its journal " + lone + ".journal is missing") != std::string::npos);
  // A file moved without its journal: the way back is said.
  CHECK(c.error().str().find("its journal goes with it, as " + lone + ".journal") !=
        std::string::npos);

  const std::string badj = temp_path("badjournal.h5");
  { std::ofstream(badj + ".journal") << "garbage"; }
  auto d = ResultsFile::open(badj);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().str().find(badj + ".journal") != std::string::npos);
}

TEST_CASE("a torn journal tail and a broken HDF5 file are repaired on open", "[store]") {
  const std::string path = temp_path("torn.h5");
  {
    auto f = ResultsFile::create(path, make_header(), false);
    REQUIRE(f.ok());
    for (int64_t i = 0; i < 5; ++i) REQUIRE(f->append(make_record(i)).ok());
  }
  { std::ofstream(path + ".journal", std::ios::app | std::ios::binary) << std::string("\x40\x00\x00\x00T1234", 9); }
  { std::ofstream(path, std::ios::trunc) << "clobbered"; }
  {
    auto g = ResultsFile::open(path);
    REQUIRE(g.ok());
    REQUIRE(hs::test::trials_of(*g).size() == 5);
    REQUIRE(g->append(make_record(5)).ok());  // after the cut tail, not after garbage
  }
  auto k = ResultsFile::open(path);
  REQUIRE(k.ok());
  REQUIRE(hs::test::trials_of(*k).size() == 6);
  for (int64_t i = 0; i < 6; ++i) require_equal(hs::test::trials_of(*k)[i], make_record(i));
}

TEST_CASE("a journal frame whose bytes changed is skipped and the frames after it kept", "[store]") {
  // Same length, one byte flipped inside the middle record: only the checksum can tell.
  const std::string path = temp_path("flipped.h5");
  {
    auto f = ResultsFile::create(path, make_header(), false);
    REQUIRE(f.ok());
    for (int64_t i = 0; i < 3; ++i) {
      TrialRecord r = make_record(i);
      if (i == 1) r.error = "UNIQUE-MARKER-XYZ";
      REQUIRE(f->append(r).ok());
    }
  }
  std::string bytes;
  {
    std::ifstream in(path + ".journal", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const size_t at = bytes.rfind("UNIQUE-MARKER-XYZ");
  REQUIRE(at != std::string::npos);
  bytes[at] = 'V';
  { std::ofstream(path + ".journal", std::ios::binary | std::ios::trunc) << bytes; }
  fs::remove(path);  // no HDF5 copy of record 1 to take back
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  REQUIRE(hs::test::trials_of(*g).size() == 2);
  require_equal(hs::test::trials_of(*g)[0], make_record(0));
  require_equal(hs::test::trials_of(*g)[1], make_record(2));
}

// The child appends records forever, writing one byte to the pipe after each append returns.
// The parent kills it with SIGKILL at a seeded moment; every record append() returned for must
// be there, intact, and nothing else.
TEST_CASE("kill -9 during appends loses nothing that append returned for", "[store][crash]") {
  Rng rng(derive_seed(42, 0, SeedPurpose::kData));
  for (int round = 0; round < 8; ++round) {
    const std::string path = temp_path("crash" + std::to_string(round) + ".h5");
    const int64_t k = 1 + static_cast<int64_t>(rng.below(40));   // acknowledged appends to wait for
    const int extra_us = static_cast<int>(rng.below(3000));      // then let it run a bit more
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto f = ResultsFile::create(path, make_header(), false);
      if (!f.ok()) ::_exit(3);
      for (int64_t i = 0; i < 100000; ++i) {
        if (!f->append(make_record(i)).ok()) ::_exit(4);
        const char c = 1;
        if (::write(fds[1], &c, 1) != 1) ::_exit(5);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    int64_t acked = 0;
    char c;
    while (acked < k && ::read(fds[0], &c, 1) == 1) ++acked;
    ::usleep(static_cast<useconds_t>(extra_us));
    ::kill(pid, SIGKILL);
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    while (::read(fds[0], &c, 1) == 1) ++acked;  // acknowledgements sent before the kill
    ::close(fds[0]);
    INFO("round " << round << ", k " << k << ", acknowledged " << acked);
    REQUIRE(WIFSIGNALED(wstatus));
    REQUIRE(acked >= k);

    auto g = ResultsFile::open(path);
    REQUIRE(g.ok());
    const std::vector<TrialRecord> held = hs::test::trials_of(*g);
    const int64_t m = static_cast<int64_t>(held.size());
    REQUIRE(m >= acked);
    REQUIRE(m <= acked + 1);  // at most the one in flight
    for (int64_t i = 0; i < m; ++i) require_equal(held[i], make_record(i));
    // The repaired HDF5 file has exactly those rows, and the sweep goes on.
    REQUIRE(g->append(make_record(m)).ok());
    REQUIRE(g->close().ok());
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t ds = H5Dopen2(file, "summary", H5P_DEFAULT);
    const hid_t sp = H5Dget_space(ds);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(sp, &n, nullptr);
    CHECK(static_cast<int64_t>(n) == m + 1);
    H5Sclose(sp);
    H5Dclose(ds);
    H5Fclose(file);
  }
}

TEST_CASE("200 records are rebuilt from the journal after the HDF5 file is lost", "[store]") {
  const std::string path = temp_path("timing.h5");
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE(f.ok());
  const int n = 200;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < n; ++i) REQUIRE(f->append(make_record(i)).ok());
  const double append_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(f->close().ok());
  // Force a rebuild (as after a crash): drop the clean-close marker by appending nothing else
  // and clobbering the HDF5 file.
  { std::ofstream(path, std::ios::trunc) << "x"; }
  const auto t1 = std::chrono::steady_clock::now();
  auto g = ResultsFile::open(path);
  const double rebuild_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  REQUIRE(g.ok());
  REQUIRE(hs::test::trials_of(*g).size() == static_cast<size_t>(n));
  REQUIRE(g->close().ok());
  // After a clean close, open() reads the HDF5 file back (in a child process) to check it
  // against the journal, instead of rewriting it.
  const auto t2 = std::chrono::steady_clock::now();
  auto k = ResultsFile::open(path);
  const double check_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count();
  REQUIRE(k.ok());
  REQUIRE(hs::test::trials_of(*k).size() == static_cast<size_t>(n));
  WARN("append: " << 1e6 * append_s / n << " us/record (" << n / append_s << " records/s); rebuild of "
                  << n << " records on open: " << 1e3 * rebuild_s << " ms; open after a clean "
                  << "close (read back and compared): " << 1e3 * check_s << " ms");
}

// ---- read_results: the HDF5 file alone ------------------------------------------------------

namespace {

// A space whose /space strings are hard to parse back: strings with ", ", quotes, brackets and
// backslashes, a mixed int/real choice, a log int range, a grid, fixed values of every type.
SweepHeader tricky_header() {
  SweepHeader h = make_header();
  Param act = choice("activation", {std::string("relu"), std::string("a, \"b\" [c]\\d"), std::string("")});
  Param width = real("width", ParamKind::kInt, 1, 64);
  width.log = true;
  Param mom = real("momentum", ParamKind::kUniform, 0.8, 0.99);
  mom.grid = 3;
  h.space.params.push_back(act);
  h.space.params.push_back(width);
  h.space.params.push_back(mom);
  h.space.params.push_back(choice("mixed", {0.25, int64_t{-3}, 1e-300}));
  h.space.params.push_back(choice("tag", {std::string("x, y")}, ParamKind::kFixed));
  h.space.params.push_back(choice("flag", {true}, ParamKind::kFixed));
  h.space.params.push_back(choice("ratio", {0.1}, ParamKind::kFixed));
  return h;
}

TrialRecord tricky_record(int64_t i) {
  TrialRecord r = make_record(i);
  r.params.push_back(ParamValue(std::string(i % 3 == 0 ? "relu" : i % 3 == 1 ? "a, \"b\" [c]\\d" : "")));
  r.params.push_back(ParamValue(int64_t{1 + i}));
  r.params.push_back(ParamValue(0.8 + 0.095 * static_cast<double>(i % 3)));
  r.params.push_back(i % 3 == 0 ? ParamValue(0.25) : i % 3 == 1 ? ParamValue(int64_t{-3}) : ParamValue(1e-300));
  r.params.push_back(ParamValue(std::string("x, y")));
  r.params.push_back(ParamValue(true));
  r.params.push_back(ParamValue(0.1));
  // Doubles whose every bit matters, and a host longer than the /summary cell (64 bytes).
  r.seconds = std::nextafter(1.0 / 3.0, 1.0) * static_cast<double>(i + 1);
  if (i == 5) r.host = std::string(100, 'h') + "-end";
  if (!r.curves.empty()) r.curves.back().val_loss = std::nan("");
  // A printed nan, which the pruners tell from a missing value by its payload (reported_nan.h).
  if (r.curves.size() > 1) r.curves.front().val_acc = kReportedNaN;
  r.val_samples = i % 2 == 0 ? 240 + i : 0;  // known, or unknown (a command's trial)
  return r;
}

}  // namespace

TEST_CASE("read_results reads back what ResultsFile wrote, typed per /space, bit for bit", "[store]") {
  const std::string path = temp_path("read.h5");
  const SweepHeader h = tricky_header();
  REQUIRE(validate(h.space).ok());
  std::vector<TrialRecord> written;
  {
    auto f = ResultsFile::create(path, h, false);
    REQUIRE(f.ok());
    for (int64_t i = 0; i < 9; ++i) {
      written.push_back(tricky_record(i));
      REQUIRE(f->append(written.back()).ok());
    }
    TrialRecord again = tricky_record(4);  // replaced in place: same row, new values
    again.status = TrialStatus::kCompleted;
    again.initial_loss = 2.5;
    written[4] = again;
    REQUIRE(f->append(again).ok());
    REQUIRE(f->close().ok());
  }
  // Sanity of the cases: a failed trial with error text and NaNs, a trial with no epochs.
  REQUIRE(written[3].status == TrialStatus::kFailed);
  REQUIRE(std::isnan(written[3].initial_loss));
  REQUIRE(written[4].epochs == 0);

  auto d = read_results(path);
  REQUIRE(d.ok());
  require_header_equal(d->header, h);
  REQUIRE(d->trials.size() == written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    INFO("trial " << i);
    require_equal(d->trials[i], written[i]);
  }
  CHECK(std::holds_alternative<int64_t>(d->trials[1].params[10]));  // the -3 of the mixed choice
  CHECK(d->trials[5].host.size() == 104);
  REQUIRE(is_reported_nan(d->trials[2].curves[0].val_acc));
  // The HDF5 file alone (a copy without its journal) keeps every bit too.
  const std::string copy = temp_path("read_copy.h5");
  fs::remove(copy);
  fs::copy_file(path, copy);
  REQUIRE_FALSE(fs::exists(copy + ".journal"));
  auto c = read_results(copy);
  REQUIRE(c.ok());
  REQUIRE(c->trials.size() == written.size());
  for (size_t i = 0; i < written.size(); ++i) {
    INFO("trial " << i << ", from the HDF5 file alone");
    require_equal(c->trials[i], written[i]);
  }
}

TEST_CASE("read_results works while the writer holds the file open, and on a copy without its journal",
          "[store]") {
  const std::string path = temp_path("live.h5");
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE(f.ok());
  for (int64_t i = 0; i < 4; ++i) REQUIRE(f->append(make_record(i)).ok());
  const auto journal_size = fs::file_size(path + ".journal");
  const auto journal_time = fs::last_write_time(path + ".journal");

  SECTION("in this process, after append's flush") {
    auto d = read_results(path);
    REQUIRE(d.ok());
    REQUIRE(d->trials.size() == 4);
    for (int64_t i = 0; i < 4; ++i) require_equal(d->trials[i], make_record(i));
    REQUIRE(f->append(make_record(4)).ok());  // the writer goes on
    auto e = read_results(path);
    REQUIRE(e.ok());
    REQUIRE(e->trials.size() == 5);
    require_equal(e->trials[4], make_record(4));
  }
  SECTION("a copy of the .h5 alone") {
    REQUIRE(f->close().ok());
    const std::string copy = temp_path("copied.h5");
    fs::copy_file(path, copy);
    REQUIRE_FALSE(fs::exists(copy + ".journal"));
    auto d = read_results(copy);
    REQUIRE(d.ok());
    REQUIRE(d->trials.size() == 4);
    for (int64_t i = 0; i < 4; ++i) require_equal(d->trials[i], make_record(i));
    CHECK_FALSE(fs::exists(copy + ".journal"));  // nothing made beside it
    CHECK_FALSE(ResultsFile::open(copy).ok());   // which resume needs
  }
  // The journal was not touched (closing wrote its clean-close frame, which is the writer's).
  if (fs::exists(path + ".journal") && fs::file_size(path + ".journal") == journal_size) {
    CHECK(fs::last_write_time(path + ".journal") == journal_time);
  }
}

TEST_CASE("read_results reads a file another process is writing", "[store]") {
  // The writer is a child started before this process touches the file: HDF5 1.10 locks a file
  // for as long as its writer holds it open, which a reader in another process must get past.
  const std::string path = temp_path("other_writer.h5");
  int ready[2], done[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(done) == 0);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(ready[0]);
    ::close(done[1]);
    auto f = ResultsFile::create(path, make_header(), false);
    if (!f.ok()) ::_exit(3);
    for (int64_t i = 0; i < 4; ++i) {
      if (!f->append(make_record(i)).ok()) ::_exit(4);
    }
    char c = 1;
    if (::write(ready[1], &c, 1) != 1) ::_exit(5);
    (void)::read(done[0], &c, 1);  // hold the file open until the parent has read it
    ::_exit(f->append(make_record(4)).ok() ? 0 : 6);
  }
  ::close(ready[1]);
  ::close(done[0]);
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  if (std::getenv("HDF5_USE_FILE_LOCKING") == nullptr) {  // the lock is there
    H5E_auto2_t func = nullptr;
    void* data = nullptr;
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // the failure is expected: no stack printed
    const hid_t plain = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, func, data);
    CHECK(plain < 0);
    if (plain >= 0) H5Fclose(plain);
  }
  auto d = read_results(path);
  REQUIRE(::write(done[1], &c, 1) == 1);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  ::close(ready[0]);
  ::close(done[1]);
  CHECK(WIFEXITED(wstatus));
  CHECK(WEXITSTATUS(wstatus) == 0);  // the writer went on after the read
  INFO((d.ok() ? std::string() : d.error().str()));
  REQUIRE(d.ok());
  REQUIRE(d->trials.size() == 4);
  for (int64_t i = 0; i < 4; ++i) require_equal(d->trials[i], make_record(i));
  auto e = read_results(path);
  REQUIRE(e.ok());
  CHECK(e->trials.size() == 5);
}

TEST_CASE("read_results errors name the path and what is wrong", "[store]") {
  const std::string missing = temp_path("nothere.h5");
  auto a = read_results(missing);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().str() == missing + ": no such results file");

  const std::string text = temp_path("notes.h5");
  { std::ofstream(text) << "id,status\n1,completed\n"; }
  auto b = read_results(text);
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().str().find(text + ": not an HDF5 file") == 0);

  const std::string other = temp_path("other.h5");
  {
    const hid_t file = H5Fcreate(other.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(file >= 0);
    H5Fclose(file);
  }
  auto c = read_results(other);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().str().find(other + ": has no /summary") == 0);

  const std::string holed = temp_path("holed.h5");
  {
    auto f = ResultsFile::create(holed, make_header(), false);
    REQUIRE(f.ok());
    for (int64_t i = 0; i < 4; ++i) REQUIRE(f->append(make_record(i)).ok());
  }
  {
    const hid_t file = H5Fopen(holed.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    REQUIRE(H5Ldelete(file, "trials/000002", H5P_DEFAULT) >= 0);
    H5Fclose(file);
  }
  auto d = read_results(holed);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().str().find(holed + ": ") == 0);
  CHECK(d.error().str().find("/trials/000002 is missing") != std::string::npos);
}

TEST_CASE("a journal from an older hypersweep (HSJRNL01) is refused by name, its HDF5 file still reads",
          "[store]") {
  const std::string path = temp_path("old.h5");
  {
    auto f = ResultsFile::create(path, make_header(), false);
    REQUIRE(f.ok());
    REQUIRE(f->append(make_record(0)).ok());
  }
  std::string bytes;
  {
    std::ifstream in(path + ".journal", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  REQUIRE(bytes.compare(0, 8, "HSJRNL02") == 0);
  bytes.replace(0, 8, "HSJRNL01");
  { std::ofstream(path + ".journal", std::ios::binary | std::ios::trunc) << bytes; }
  auto g = ResultsFile::open(path);
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().str().find(path + ".journal: was written by an older hypersweep") == 0);
  auto d = read_results(path);
  REQUIRE(d.ok());
  REQUIRE(d->trials.size() == 1);
  require_equal(d->trials[0], make_record(0));
}

namespace {

// A command trial's record: extra curve columns (one named like the fixed `seconds`), results
// (one named like the fixed column best_metric) and its logs' path.
TrialRecord printed_record(int64_t id, bool with_second_result) {
  TrialRecord r = make_record(id);
  r.curve_extra_names = {"epoch_time", "seconds"};
  r.curve_extra.clear();
  for (size_t e = 0; e < r.curves.size(); ++e)
    r.curve_extra.push_back({0.5 + static_cast<double>(e) + static_cast<double>(id) / 7, e == 0 ? NAN : 1.0 / 3});
  r.results = {{"final_val_loss", 0.25 + static_cast<double>(id)}};
  if (with_second_result) r.results.emplace_back("best_metric", -1.5);
  r.log_path = "/scratch/run.h5.logs/" + std::to_string(id);
  return r;
}

// The names of a compound dataset's members.
std::vector<std::string> members(hid_t file, const char* dataset) {
  const hid_t ds = H5Dopen2(file, dataset, H5P_DEFAULT);
  const hid_t t = H5Dget_type(ds);
  std::vector<std::string> out;
  for (int i = 0; i < H5Tget_nmembers(t); ++i) {
    char* n = H5Tget_member_name(t, static_cast<unsigned>(i));
    out.emplace_back(n);
    H5free_memory(n);
  }
  H5Tclose(t);
  H5Dclose(ds);
  return out;
}

// What both halves of the file at `path` give back: exactly `written`, bit for bit, through
// read_results and through opening it to continue (the HDF5 side matches the journal).
void require_reads_back(const std::string& path, const std::vector<TrialRecord>& written) {
  auto d = read_results(path);
  REQUIRE(d.ok());
  REQUIRE(d->trials.size() == written.size());
  for (size_t i = 0; i < written.size(); ++i) require_equal(d->trials[i], written[i]);
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  for (size_t i = 0; i < written.size(); ++i) require_equal(hs::test::trials_of(*g)[i], written[i]);
  REQUIRE(g->close().ok());
}

// Column `name` of /summary as doubles.
std::vector<double> summary_doubles(hid_t file, const char* name) {
  const hid_t ds = H5Dopen2(file, "summary", H5P_DEFAULT);
  const hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(double));
  H5Tinsert(mt, name, 0, H5T_NATIVE_DOUBLE);
  const hid_t sp = H5Dget_space(ds);
  std::vector<double> v(static_cast<size_t>(H5Sget_simple_extent_npoints(sp)));
  REQUIRE(H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
  H5Sclose(sp);
  H5Tclose(mt);
  H5Dclose(ds);
  return v;
}

}  // namespace

TEST_CASE("what a command printed beyond the fixed fields becomes HDF5 columns and reads back", "[store]") {
  const std::string path = temp_path("printed.h5");
  {
    auto f = ResultsFile::create(path, make_header(), false);
    REQUIRE(f.ok());
    REQUIRE(f->append(make_record(0)).ok());           // no extra columns at all
    REQUIRE(f->append(printed_record(1, false)).ok());  // /summary gains final_val_loss
    REQUIRE(f->append(printed_record(2, true)).ok());   // ... and result_best_metric
    REQUIRE(f->close().ok());
  }
  require_reads_back(path, {make_record(0), printed_record(1, false), printed_record(2, true)});

  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const std::vector<std::string> cols = members(file, "summary");
  REQUIRE(cols.size() >= 2);
  // The results come last, in first-recorded order; a name taken by a fixed column gets a prefix.
  CHECK(cols[cols.size() - 2] == "final_val_loss");
  CHECK(cols[cols.size() - 1] == "result_best_metric");
  const std::vector<double> fvl = summary_doubles(file, "final_val_loss");
  REQUIRE(fvl.size() == 3);
  CHECK(std::isnan(fvl[0]));
  CHECK(fvl[1] == 1.25);
  CHECK(fvl[2] == 2.25);
  const std::vector<double> rbm = summary_doubles(file, "result_best_metric");
  CHECK(std::isnan(rbm[1]));
  CHECK(rbm[2] == -1.5);
  // The curves gain a column per printed name, `seconds` renamed beside the fixed one.
  const std::vector<std::string> curve_cols = members(file, "trials/000001/curves");
  CHECK(curve_cols == std::vector<std::string>{"epoch", "lr", "train_loss", "train_acc", "val_loss",
                                                "val_acc", "seconds", "epoch_time", "extra_seconds"});
  CHECK(members(file, "trials/000000/curves").size() == 7);
  H5Fclose(file);
}

TEST_CASE("the most a command may print fits the results file and names past the summary's stay in the trial",
          "[store]") {
  const std::string path = temp_path("most_printed.h5");
  // kMaxExtraNames curve columns and results of kMaxExtraNameBytes each, trial 0 with 10 results
  // and each later trial with names of its own: trial 1's make /summary rebuild with its columns
  // full (10 + 246 of them), and trial 2's fit no column but its own group.
  const auto printed = [](int64_t id, size_t results) {
    TrialRecord r = make_record(id);
    r.curve_extra_names.clear();
    r.curve_extra.assign(r.curves.size(), {});
    r.results.clear();
    for (size_t k = 0; k < kMaxExtraNames; ++k) {
      std::string n = "t";  // appends: "t" + to_string() trips a false -Wrestrict in g++ 12
      n += std::to_string(id);
      n += '_';
      n += std::to_string(k);
      n += '_';
      n.resize(kMaxExtraNameBytes, 'x');
      r.curve_extra_names.push_back(n);
      for (std::vector<double>& row : r.curve_extra) row.push_back(static_cast<double>(k));
      if (k < results) r.results.emplace_back(n, static_cast<double>(k + 1000 * id));
    }
    return r;
  };
  const std::vector<TrialRecord> written = {printed(0, 10), printed(1, kMaxExtraNames),
                                            printed(2, kMaxExtraNames)};
  {
    auto f = ResultsFile::create(path, make_header(), false);
    REQUIRE(f.ok());
    for (const TrialRecord& r : written) {
      const Status st = f->append(r);
      INFO((st.ok() ? std::string() : st.error().str()));
      REQUIRE(st.ok());
    }
    // One name too many, or one byte too long: refused before anything is written.
    TrialRecord over = printed(3, kMaxExtraNames);
    over.results.emplace_back("one_more", 1.0);
    const Status too_many = f->append(over);
    REQUIRE_FALSE(too_many.ok());
    CHECK(too_many.error().str().find("more than 256") != std::string::npos);
    over = printed(3, 1);
    over.curve_extra_names[0] += "y";
    REQUIRE_FALSE(f->append(over).ok());
    REQUIRE(f->close().ok());
  }
  require_reads_back(path, written);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const std::vector<std::string> cols = members(file, "summary");
  H5Fclose(file);
  const auto from = [&](char trial) {
    return std::count_if(cols.begin(), cols.end(), [&](const std::string& c) {
      return c.size() > 1 && c[0] == 't' && c[1] == trial;
    });
  };
  CHECK(from('0') == 10);
  CHECK(from('1') == static_cast<long>(kMaxExtraNames) - 10);
  CHECK(from('2') == 0);
}

TEST_CASE("a results file removed while it is written says so at the next append and at close",
          "[store]") {
  // Its folder deleted mid-sweep, the sweep wrote on to files no one could open and ended with
  // exit 0 and "results in ...": every record lost without a word.
  const std::filesystem::path dir = temp_path("removed_dir");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "r.h5").string();
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE(f.ok());
  REQUIRE(f->append(make_record(0)).ok());
  std::filesystem::remove_all(dir);
  const Status after = f->append(make_record(1));
  REQUIRE_FALSE(after.ok());
  CHECK(after.error().str().find(path + ": was removed while the sweep ran") == 0);
  CHECK_FALSE(f->close().ok());

  // Moved away and another file put at its path: the same.
  std::filesystem::create_directories(dir);
  auto g = ResultsFile::create(path, make_header(), false);
  REQUIRE(g.ok());
  std::filesystem::rename(path + ".journal", (dir / "elsewhere").string());
  std::ofstream(path + ".journal") << "another";
  CHECK_FALSE(g->close().ok());
  std::filesystem::remove_all(dir);

  // The HDF5 file alone removed, or replaced by a copy of itself: the run ended with exit 0
  // and "results in ...", the file gone or stale. The journal holds every trial.
  for (const bool replace : {false, true}) {
    INFO("replaced: " << replace);
    std::filesystem::create_directories(dir);
    auto h = ResultsFile::create(path, make_header(), false);
    REQUIRE(h.ok());
    REQUIRE(h->append(make_record(0)).ok());
    std::filesystem::remove(path);
    if (replace) std::ofstream(path) << "stale";
    const Status next = h->append(make_record(1));
    REQUIRE_FALSE(next.ok());
    CHECK(next.error().str() ==
          path + ": was " + (replace ? "replaced by another file" : "removed") +
              " while the sweep ran: every trial recorded, trial 1 included, is in its journal " +
              path + ".journal, from which the same command writes the file anew; nothing more "
              "can be kept here, so the sweep stops");
    CHECK_FALSE(h->close().ok());
    std::filesystem::remove_all(dir);
  }
  // The journal alone removed: the HDF5 file holds what was recorded (it said "lost").
  std::filesystem::create_directories(dir);
  auto j = ResultsFile::create(path, make_header(), false);
  REQUIRE(j.ok());
  REQUIRE(j->append(make_record(0)).ok());
  std::filesystem::remove(path + ".journal");
  const Status gone = j->append(make_record(1));
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().str() ==
        path + ".journal: was removed while the sweep ran: " + path + " holds every trial "
        "recorded until then but trial 1, which runs again, and the same command writes the "
        "journal anew from it; nothing more can be kept, so the sweep stops");
  CHECK_FALSE(j->close().ok());
  std::filesystem::remove_all(dir);
}

TEST_CASE("a results file whose folder is renamed mid-sweep keeps the group then says where it "
          "went", "[store]") {
  // The group was dropped and the message said every record was lost, while the renamed folder
  // held them all: the group is now journaled first and the message names the new path.
  const std::filesystem::path dir = temp_path("moved_dir");
  const std::filesystem::path moved = temp_path("moved_dir_now");
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(moved);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "r.h5").string();
  const std::string now = (moved / "r.h5").string();
  {
    auto f = ResultsFile::create(path, make_header(), false);
    REQUIRE(f.ok());
    REQUIRE(f->append(make_record(0)).ok());
    std::filesystem::rename(dir, moved);
    const std::vector<TrialRecord> group = {make_record(1), make_record(2)};
    const Status after = f->append(group);
    REQUIRE_FALSE(after.ok());
    const std::string text = after.error().str();
    CHECK(text.find(path + ": was moved to " + now + " while the sweep ran: every trial recorded, "
                    "trials 1 to 2 (a group of 2) included, is there") == 0);
    CHECK(text.find("run the same command with --out " + now) != std::string::npos);
    CHECK_FALSE(f->append(make_record(3)).ok());  // nothing more
    CHECK_FALSE(f->close().ok());
  }
  auto again = ResultsFile::open(now);
  REQUIRE(again.ok());
  std::vector<int64_t> ids;
  for (const TrialRecord& r : hs::test::trials_of(*again)) ids.push_back(r.id);
  CHECK(ids == std::vector<int64_t>{0, 1, 2});
  REQUIRE(again->close().ok());
  std::filesystem::remove_all(moved);
}
