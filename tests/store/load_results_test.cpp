// load_results (read_results.h): the journal read in place of the HDF5 file when it says the
// same, and the HDF5 file read alone whenever it might not.
#include <hdf5.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/file.h"
#include "core/progress.h"
#include "store/export.h"
#include "store/h5_util.h"
#include "store/journal.h"
#include "store/layout.h"
#include "store/layout_read.h"
#include "store/open.h"
#include "store/read_results.h"
#include "store/results_file.h"
#include "store/sample_sweep.h"
#include "store/settled_read.h"
#include "store/store_testing.h"
#include "support/capture.h"
#include "trial/codec.h"

using namespace hs;
using hs::test::make_header;
using hs::test::make_record;
using hs::test::read_bytes;
using hs::test::require_equal;
using hs::test::require_header_equal;
using hs::test::temp_path;
using hs::test::write_bytes;

namespace {

// A results file of records 0..n-1, then record 2 appended again (a re-run replaces it), closed.
void make_file(const std::string& path, int64_t n) {
  auto f = ResultsFile::create(path, make_header(), true);
  REQUIRE(f.ok());
  for (int64_t i = 0; i < n; ++i) REQUIRE(f->append(make_record(i)).ok());
  TrialRecord again = make_record(2);
  again.attempt = 2;
  again.host = "rerun-host";
  REQUIRE(f->append(again).ok());
  REQUIRE(f->close().ok());
}

void require_same_data(const ResultsData& a, const ResultsData& b) {
  require_header_equal(a.header, b.header);
  REQUIRE(a.trials.size() == b.trials.size());
  for (size_t i = 0; i < a.trials.size(); ++i) require_equal(a.trials[i], b.trials[i]);
}

// Trial `id`'s host attribute in the HDF5 file replaced by `host`: the file still reads, and
// only a read of the HDF5 file (not of the journal) sees the change.
void set_host_in_h5(const std::string& path, int64_t id, const std::string& host) {
  const QuietHdf5 quiet;
  H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  REQUIRE(file.get() >= 0);
  H5Id g(H5Gopen2(file.get(), ("trials/" + store::trial_name(id)).c_str(), H5P_DEFAULT), H5Gclose);
  REQUIRE(g.get() >= 0);
  REQUIRE(H5Adelete(g.get(), "host") >= 0);
  REQUIRE(store::attr_string(path, g.get(), "host", host).ok());
}

// The object `name` (a trial's group, /records) deleted from the HDF5 file.
void delete_object(const std::string& path, const std::string& name) {
  const QuietHdf5 quiet;
  H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  REQUIRE(file.get() >= 0);
  REQUIRE(H5Ldelete(file.get(), name.c_str(), H5P_DEFAULT) >= 0);
}

// The file's /records deleted: a file as written before it, read a trial group at a time
// without its journal.
void drop_records(const std::string& path) { delete_object(path, "records"); }

// Bytes [at, at + n) of the file's /records overwritten with `byte`.
void spoil_records(const std::string& path, hsize_t at, hsize_t n, char byte) {
  const QuietHdf5 quiet;
  H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  REQUIRE(file.get() >= 0);
  H5Id d(H5Dopen2(file.get(), "records", H5P_DEFAULT), H5Dclose);
  REQUIRE(d.get() >= 0);
  H5Id space(H5Dget_space(d.get()), H5Sclose);
  REQUIRE(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &at, nullptr, &n, nullptr) >= 0);
  H5Id mem(H5Screate_simple(1, &n, nullptr), H5Sclose);
  const std::string bytes(n, byte);
  REQUIRE(H5Dwrite(d.get(), H5T_NATIVE_UINT8, mem.get(), space.get(), H5P_DEFAULT,
                   bytes.data()) >= 0);
}

// The file's /records replaced by `bytes`, in chunks of 4 KiB (deflated: as h5repack -f GZIP
// leaves them).
void put_records(const std::string& path, const std::string& bytes, bool deflate = false) {
  drop_records(path);
  const QuietHdf5 quiet;
  H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  REQUIRE(file.get() >= 0);
  const hsize_t n = bytes.size(), chunk = 4096;
  H5Id space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  REQUIRE(H5Pset_chunk(dcpl.get(), 1, &chunk) >= 0);
  if (deflate) REQUIRE(H5Pset_deflate(dcpl.get(), 1) >= 0);
  H5Id d(H5Dcreate2(file.get(), "records", H5T_NATIVE_UINT8, space.get(), H5P_DEFAULT,
                    dcpl.get(), H5P_DEFAULT),
         H5Dclose);
  REQUIRE(d.get() >= 0);
  REQUIRE(H5Dwrite(d.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >= 0);
}

// The bytes of the file's /records.
std::string records_of(const std::string& path) {
  const QuietHdf5 quiet;
  H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  REQUIRE(file.get() >= 0);
  H5Id d(H5Dopen2(file.get(), "records", H5P_DEFAULT), H5Dclose);
  REQUIRE(d.get() >= 0);
  H5Id space(H5Dget_space(d.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  REQUIRE(n >= 0);
  std::string bytes(static_cast<size_t>(n), '\0');
  if (n > 0)
    REQUIRE(H5Dread(d.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >= 0);
  return bytes;
}

// each_result's records put in their places, and how many times it started (on_start).
struct Handed {
  ResultsData data;
  int starts = 0;
};

// A pass that puts the records handed over into `h`, each place once (`seen`).
ResultPass pass_into(Handed* h, std::vector<bool>* seen) {
  return ResultPass{[h, seen](const SweepHeader& header) {
                      ++h->starts;
                      h->data = ResultsData{header, {}};
                      seen->clear();
                    },
                    [h, seen](TrialRecord&& r, size_t place) {
                      if (place >= h->data.trials.size())
                        h->data.trials.resize(place + 1), seen->resize(place + 1);
                      REQUIRE_FALSE((*seen)[place]);  // each place once
                      (*seen)[place] = true;
                      h->data.trials[place] = std::move(r);
                    }};
}

Handed each_of(const std::string& path) {
  Handed h;
  std::vector<bool> seen;
  const ResultPass pass = pass_into(&h, &seen);
  REQUIRE(each_result(path, pass.on_start, pass.on_trial).ok());
  for (size_t i = 0; i < seen.size(); ++i) REQUIRE(seen[i]);
  return h;
}


}  // namespace

TEST_CASE("each_result hands over load_results' trials one at a time, in their places",
          "[store]") {
  const std::string path = temp_path("each_same.h5");
  make_file(path, 14);  // trial 2 recorded again last: its latest record comes last
  set_host_in_h5(path, 5, "only-in-h5");
  auto loaded = load_results(path);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->trials[5].host != "only-in-h5");  // the journal is what both read
  const Handed h = each_of(path);
  CHECK(h.starts == 1);
  require_same_data(h.data, *loaded);
  CHECK(h.data.trials[2].host == "rerun-host");
  SECTION("a group journaled before the HDF5 file holds it comes too") {
    {
      auto j = store::Journal::open(path + ".journal");
      REQUIRE(j.ok());
      REQUIRE(j->append('T', encode_record(make_record(40))).ok());
    }
    const Handed ahead = each_of(path);
    REQUIRE(ahead.data.trials.size() == 15);
    require_equal(ahead.data.trials[14], make_record(40));
    auto one = find_result(path, 40);  // found by its id too
    REQUIRE(one.ok());
    CHECK(one->trials == 15);
    REQUIRE(one->trial);
    require_equal(*one->trial, make_record(40));
  }
  SECTION("found by its id, a latest record that decodes but does not fit the sweep: the HDF5 "
          "file's") {
    TrialRecord unfit = make_record(5);
    unfit.params.clear();  // not one value per parameter: scan_records refuses it
    {
      auto j = store::Journal::open(path + ".journal");
      REQUIRE(j.ok());
      REQUIRE(j->append('T', encode_record(unfit)).ok());
    }
    auto one = find_result(path, 5);
    REQUIRE(one.ok());
    REQUIRE(one->trial);
    CHECK(one->trial->host == "only-in-h5");
    set_host_in_h5(path, 6, "only-in-h5");
    auto other = find_result(path, 6);  // the journal's, as before
    REQUIRE(other.ok());
    REQUIRE(other->trial);
    require_equal(*other->trial, loaded->trials[6]);
    CHECK(other->trial->host != "only-in-h5");
  }
  SECTION("no journal: the file's /records, which say what the journal says") {
    ::unlink((path + ".journal").c_str());
    const Handed copy = each_of(path);
    CHECK(copy.starts == 1);
    require_same_data(copy.data, *loaded);
    CHECK(copy.data.trials[5].host != "only-in-h5");
  }
  SECTION("no journal and no /records (a file from before them): the HDF5 file's trials") {
    ::unlink((path + ".journal").c_str());
    drop_records(path);
    const Handed h5 = each_of(path);
    CHECK(h5.starts == 1);
    CHECK(h5.data.trials[5].host == "only-in-h5");
  }
  SECTION("a record whose checksum holds but does not decode: started over from the HDF5 file") {
    {
      auto j = store::Journal::open(path + ".journal");
      REQUIRE(j.ok());
      REQUIRE(j->append('T', std::string(20, '\x07')).ok());
    }
    const Handed over = each_of(path);
    CHECK(over.starts == 2);
    auto expect = read_results(path);
    REQUIRE(expect.ok());
    require_same_data(over.data, *expect);
    CHECK(over.data.trials[5].host == "only-in-h5");
  }
}

TEST_CASE("each_result_twice hands each_result's trials over in both passes, and says when it "
          "reads the HDF5 file again",
          "[store]") {
  const std::string path = temp_path("twice.h5");
  make_file(path, 14);
  set_host_in_h5(path, 5, "only-in-h5");  // what shows that the HDF5 file was read
  // Both passes (with TMPDIR set to `tmpdir` unless it is empty), each checked against
  // each_result's trials; returns what went to stderr.
  const auto check_twice = [&](const std::string& expect_host, const std::string& tmpdir = "") {
    Handed once, first, second;
    std::vector<bool> seen_first, seen_second;
    const char* old = std::getenv("TMPDIR");
    const std::string kept = old ? old : "";
    const std::string said = hs::test::stderr_of([&] {
      if (!tmpdir.empty()) ::setenv("TMPDIR", tmpdir.c_str(), 1);
      once = each_of(path);  // under the same TMPDIR: /records is copied there
      const Status st = each_result_twice(path, pass_into(&first, &seen_first),
                                          pass_into(&second, &seen_second));
      if (old) ::setenv("TMPDIR", kept.c_str(), 1);
      else ::unsetenv("TMPDIR");
      REQUIRE(st.ok());
    });
    CHECK(first.starts == 1);
    CHECK(second.starts == 1);
    require_same_data(first.data, once.data);
    require_same_data(second.data, once.data);
    CHECK(second.data.trials[5].host == expect_host);
    CHECK(second.data.trials[2].host == "rerun-host");  // the latest record of an id
    return said;
  };
  SECTION("with its journal: the journal's records, twice") {
    CHECK(check_twice("node5").empty());
  }
  SECTION("without: the file's /records in its place, twice") {
    ::unlink((path + ".journal").c_str());
    CHECK(check_twice("node5").empty());
  }
  SECTION("with its journal, replaced by a damaged one during the first pass: the second pass "
          "reads the journal it began with, held open") {
    std::string bent = read_bytes(path + ".journal");
    bent[bent.find("node7")] = 'X';
    Handed first, second;
    std::vector<bool> seen_first, seen_second;
    ResultPass one = pass_into(&first, &seen_first);
    const TrialVisitor keep = one.on_trial;
    bool replaced = false;
    one.on_trial = [&](TrialRecord&& r, size_t place) {
      if (!replaced) {  // as a rebuild puts a new journal in place
        write_bytes(path + ".journal.new", bent);
        REQUIRE(::rename((path + ".journal.new").c_str(), (path + ".journal").c_str()) == 0);
        replaced = true;
      }
      keep(std::move(r), place);
    };
    const std::string said = hs::test::stderr_of([&] {
      REQUIRE(each_result_twice(path, one, pass_into(&second, &seen_second)).ok());
    });
    CHECK(said.empty());
    CHECK(replaced);
    CHECK(second.starts == 1);
    require_same_data(second.data, first.data);
    CHECK(second.data.trials[5].host == "node5");  // the journal's, not the HDF5 group's
    CHECK(second.data.trials[7].host == "node7");
  }
  SECTION("without, and no /records: the HDF5 file read once, its records kept in a temporary "
          "file") {
    ::unlink((path + ".journal").c_str());
    drop_records(path);
    CHECK(check_twice("only-in-h5").empty());
  }
  SECTION("without, and no temporary file can be made (for /records' copy either): the HDF5 "
          "file read again, and said") {
    ::unlink((path + ".journal").c_str());
    const std::string said = check_twice("only-in-h5", "/nonexistent-hs-folder");
    INFO(said);
    CHECK(said.find(path + ": its records could not be kept for the second pass in a temporary "
                           "file under /nonexistent-hs-folder (No such file or directory") !=
          std::string::npos);
    CHECK(said.find("read again") != std::string::npos);
  }
}

TEST_CASE("load_results reads the journal and gives what read_results gives", "[store]") {
  const std::string path = temp_path("load_same.h5");
  make_file(path, 14);
  auto from_h5 = read_results(path);
  REQUIRE(from_h5.ok());
  auto loaded = load_results(path);
  REQUIRE(loaded.ok());
  require_same_data(*loaded, *from_h5);
  REQUIRE(loaded->trials[2].host == "rerun-host");  // the latest record of an id, in its place

  // The HDF5 copy changed behind the journal's back: load_results still says what the journal
  // says (it read the journal), read_results what the HDF5 file says.
  set_host_in_h5(path, 5, "tampered");
  auto changed = read_results(path);
  REQUIRE(changed.ok());
  REQUIRE(changed->trials[5].host == "tampered");
  auto again = load_results(path);
  REQUIRE(again.ok());
  require_same_data(*again, *loaded);
  // One trial by its id: the journal's too, its latest record.
  for (const int64_t id : {2, 5}) {
    auto one = find_result(path, id);
    REQUIRE(one.ok());
    CHECK(one->trials == loaded->trials.size());
    REQUIRE(one->trial);
    require_equal(*one->trial, loaded->trials[static_cast<size_t>(id)]);
  }
}

TEST_CASE("load_results takes a group the writer journaled before flushing it", "[store]") {
  const std::string path = temp_path("load_ahead.h5");
  make_file(path, 6);
  {  // a crash between the journal's fsync and the HDF5 write leaves exactly this
    auto j = store::Journal::open(path + ".journal");
    REQUIRE(j.ok());
    REQUIRE(j->append('T', encode_record(make_record(40))).ok());
  }
  auto from_h5 = read_results(path);
  REQUIRE(from_h5.ok());
  REQUIRE(from_h5->trials.size() == 6);
  auto loaded = load_results(path);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->trials.size() == 7);
  for (size_t i = 0; i < 6; ++i) require_equal(loaded->trials[i], from_h5->trials[i]);
  require_equal(loaded->trials[6], make_record(40));
}

TEST_CASE("load_results reads the HDF5 file when the journal may not say the same", "[store]") {
  const std::string path = temp_path("load_fallback.h5");
  make_file(path, 10);
  drop_records(path);  // a file from before /records (the next case has them)
  set_host_in_h5(path, 4, "only-in-h5");  // what shows which of the two was read
  const std::string journal = read_bytes(path + ".journal");
  auto expect = read_results(path);
  REQUIRE(expect.ok());
  auto require_read_from_h5 = [&] {
    auto loaded = load_results(path);
    REQUIRE(loaded.ok());
    require_same_data(*loaded, *expect);
    REQUIRE(loaded->trials[4].host == "only-in-h5");
    require_same_data(each_of(path).data, *expect);  // each_result falls back alike
    auto one = find_result(path, 4);  // and so does one trial found by its id
    REQUIRE(one.ok());
    CHECK(one->trials == expect->trials.size());
    REQUIRE(one->trial);
    require_equal(*one->trial, expect->trials[4]);
  };
  SECTION("no journal beside the file (a copy)") {
    ::unlink((path + ".journal").c_str());
    require_read_from_h5();
  }
  SECTION("a damaged record in the middle of the journal") {
    std::string bytes = journal;
    const size_t at = bytes.find("node7");
    REQUIRE(at != std::string::npos);
    bytes[at] = 'X';
    write_bytes(path + ".journal", bytes);
    require_read_from_h5();
  }
  SECTION("a journal cut short of what the HDF5 file holds") {
    write_bytes(path + ".journal", journal.substr(0, journal.find("node8")));
    require_read_from_h5();
  }
  SECTION("the journal of another sweep") {
    const std::string other = temp_path("load_other.h5");
    SweepHeader h = make_header();
    h.config_hash = "another";
    {
      auto f = ResultsFile::create(other, h, true);
      REQUIRE(f.ok());
      for (int64_t i = 0; i < 10; ++i) REQUIRE(f->append(make_record(i)).ok());
    }
    write_bytes(path + ".journal", read_bytes(other + ".journal"));
    require_read_from_h5();
  }
  SECTION("a stub journal, or one of another format") {
    write_bytes(path + ".journal", journal.substr(0, 8));
    require_read_from_h5();
    write_bytes(path + ".journal", "HSJRNL01" + journal.substr(8));
    require_read_from_h5();
  }
}

TEST_CASE("a file's /records holds its journal's bytes for what the HDF5 file holds", "[store]") {
  const std::string path = temp_path("records_bytes.h5");
  auto f = ResultsFile::create(path, make_header(), true);
  REQUIRE(f.ok());
  CHECK(records_of(path) == read_bytes(path + ".journal"));  // the magic and the header
  for (int64_t i = 0; i < 3; ++i) REQUIRE(f->append(make_record(i)).ok());
  std::vector<TrialRecord> group;
  for (int64_t i = 3; i < 40; ++i) group.push_back(make_record(i));  // past a 16 KiB chunk
  group.push_back(make_record(1));  // run again: a frame of its own, as in the journal
  REQUIRE(f->append(std::span<const TrialRecord>(group)).ok());
  const std::string journal = read_bytes(path + ".journal");
  REQUIRE(journal.size() > (size_t{16} << 10));
  CHECK(records_of(path) == journal);
  REQUIRE(f->close().ok());
  // The journal ends with the clean-close frame, which says nothing of the trials.
  const std::string closed = read_bytes(path + ".journal");
  CHECK(closed.size() > journal.size());
  CHECK(records_of(path) == journal);
}

TEST_CASE("without a journal that can stand for it, load_results reads the file's /records",
          "[store]") {
  const std::string path = temp_path("load_records.h5");
  make_file(path, 10);
  // Continued: the frames of a file opened again go on at /records' end (trial 4 run again).
  {
    auto f = ResultsFile::open(path);
    REQUIRE(f.ok());
    TrialRecord again = make_record(4);
    again.attempt = 3;
    again.host = "rerun-4";
    REQUIRE(f->append(again).ok());
    REQUIRE(f->append(make_record(10)).ok());
    REQUIRE(f->close().ok());
  }
  auto expect = load_results(path);  // the journal's
  REQUIRE(expect.ok());
  REQUIRE(expect->trials.size() == 11);
  REQUIRE(expect->trials[4].host == "rerun-4");
  set_host_in_h5(path, 7, "only-in-h5");  // what a read of the groups would see
  const std::string journal = read_bytes(path + ".journal");
  const auto require_from_records = [&] {
    auto loaded = load_results(path);
    REQUIRE(loaded.ok());
    require_same_data(*loaded, *expect);
    require_same_data(each_of(path).data, *expect);
  };
  SECTION("no journal beside it (a copy)") {
    ::unlink((path + ".journal").c_str());
    require_from_records();
    SECTION("and a trial's group gone: /records alone is read") {
      delete_object(path, "trials/" + store::trial_name(3));
      require_from_records();
    }
    SECTION("and /records compressed, as h5repack -f GZIP leaves it: read all the same") {
      const std::string bytes = records_of(path);
      put_records(path, bytes, true);
      REQUIRE(records_of(path) == bytes);
      delete_object(path, "trials/" + store::trial_name(3));  // so that only /records reads
      require_from_records();
    }
  }
  SECTION("a damaged journal, or one of another sweep") {
    std::string bytes = journal;
    bytes[bytes.find("node7")] = 'X';
    write_bytes(path + ".journal", bytes);
    require_from_records();
    write_bytes(path + ".journal", journal.substr(0, 8));
    require_from_records();
  }
  SECTION("built again from the journal after a crash: the new file's /records read the same") {
    ::unlink(path.c_str());
    {
      auto f = ResultsFile::open(path);
      REQUIRE(f.ok());
      REQUIRE(f->close().ok());
    }
    ::unlink((path + ".journal").c_str());
    require_from_records();
  }
  SECTION("/records damaged, or cut short of /summary: the trials' groups are read") {
    ::unlink((path + ".journal").c_str());
    auto h5 = read_results(path);
    REQUIRE(h5.ok());
    REQUIRE(h5->trials[7].host == "only-in-h5");
    const auto require_from_groups = [&] {
      auto loaded = load_results(path);
      REQUIRE(loaded.ok());
      require_same_data(*loaded, *h5);
    };
    SECTION("a byte of a record") {
      spoil_records(path, journal.find("node5"), 1, 'X');
      require_from_groups();
    }
    SECTION("the last records zeroed") {
      spoil_records(path, journal.find("rerun-4") - 64, 64, '\0');
      require_from_groups();
    }
    SECTION("no magic") {
      spoil_records(path, 0, 8, 'H');
      require_from_groups();
    }
  }
}

TEST_CASE("a copy without its journal continues: its journal is written anew from /records",
          "[store]") {
  const std::string path = temp_path("restore.h5");
  make_file(path, 12);
  auto expect = load_results(path);  // the journal's: 12 trials, trial 2 run again
  REQUIRE(expect.ok());
  const std::string records = records_of(path);
  ::unlink((path + ".journal").c_str());
  const auto pending_left = [&] {
    const std::string pending = "restore.h5.journal" + std::string(kPendingMark);
    const auto folder = std::filesystem::path(path).parent_path();
    for (const auto& e : std::filesystem::directory_iterator(folder))
      if (e.path().filename().string().find(pending) == 0) return true;
    return false;
  };
  // open_results of this sweep's file, and what it said on stderr in *said.
  const auto open_telling = [&](std::string* said) {
    Result<OpenedResults> f = make_error("", "not opened");
    *said = hs::test::stderr_of([&] { f = open_results(path, make_header(), OpenPolicy{}); });
    return f;
  };
  // Another sweep's open: refused by name, and no journal written.
  const auto require_refused_as_another = [&] {
    SweepHeader other = make_header();
    other.config_hash = "another";
    other.seed = 99;
    auto f = open_results(path, other, OpenPolicy{});
    REQUIRE_FALSE(f.ok());
    CHECK(f.error().str().find("holds another sweep") != std::string::npos);
    CHECK(f.error().str().find("seed") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(path + ".journal"));
    CHECK_FALSE(pending_left());
  };
  SECTION("this sweep: written anew, the trials checked against it, and the sweep goes on") {
    std::string said;
    auto f = open_telling(&said);
    INFO(said);
    REQUIRE(f.ok());
    CHECK(f->continued);
    CHECK(said.find(path + ": its journal was missing, so it was written anew, 13 trial records, "
                           "from the file's /records; each trial") != std::string::npos);
    CHECK(f->file.trial_count() == 12);
    // The frames of /records, then a clean close without the HDF5 file's hash.
    const std::string journal = read_bytes(path + ".journal");
    CHECK(journal.substr(0, records.size()) == records);
    CHECK(journal.size() == records.size() + store::frame_bytes(16));
    CHECK_FALSE(pending_left());
    REQUIRE(f->file.append(make_record(12)).ok());
    REQUIRE(f->file.close().ok());
    auto after = load_results(path);
    REQUIRE(after.ok());
    REQUIRE(after->trials.size() == 13);
    for (size_t i = 0; i < 12; ++i) require_equal(after->trials[i], expect->trials[i]);
  }
  SECTION("a trial's group changed since: the HDF5 file is built again from the journal") {
    set_host_in_h5(path, 4, "only-in-h5");
    std::string said;
    auto f = open_telling(&said);
    INFO(said);
    REQUIRE(f.ok());
    CHECK(said.find("rebuilding it from its journal") != std::string::npos);
    REQUIRE(f->file.close().ok());
    auto h5 = read_results(path);
    REQUIRE(h5.ok());
    require_same_data(*h5, *expect);  // the group as /records had it
  }
  SECTION("another sweep's file: refused by name, and no journal written") {
    require_refused_as_another();
  }
  SECTION("a file made read-only: not continued, and no journal written beside it") {
    REQUIRE(::chmod(path.c_str(), 0444) == 0);
    auto f = open_results(path, make_header(), OpenPolicy{});
    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    REQUIRE_FALSE(f.ok());
    CHECK_FALSE(std::filesystem::exists(path + ".journal"));
  }
  SECTION("no /records (a file from before them): written anew from the trials' groups") {
    drop_records(path);
    SECTION("this sweep: a trial's latest record each, and the sweep goes on") {
      std::string said;
      auto f = open_telling(&said);
      INFO(said);
      REQUIRE(f.ok());
      CHECK(f->continued);
      CHECK(said.find(path + ": its journal was missing, so it was written anew, 12 trial "
                             "records, from its trials' HDF5 groups, as it has no /records (a "
                             "file from before them); each trial") != std::string::npos);
      CHECK(said.find("rebuilding") == std::string::npos);  // every group matched it
      CHECK_FALSE(pending_left());
      CHECK(f->file.trial_count() == 12);
      REQUIRE(f->file.append(make_record(12)).ok());
      REQUIRE(f->file.close().ok());
      auto after = load_results(path);
      REQUIRE(after.ok());
      REQUIRE(after->trials.size() == 13);
      for (size_t i = 0; i < 12; ++i) require_equal(after->trials[i], expect->trials[i]);
      require_equal(after->trials[12], make_record(12));
    }
    SECTION("another sweep's: refused by name, and no journal written") {
      require_refused_as_another();
    }
    SECTION("a trial's group damaged: refused, saying so, and no journal written") {
      delete_object(path, "trials/" + store::trial_name(3));
      auto f = open_results(path, make_header(), OpenPolicy{});
      REQUIRE_FALSE(f.ok());
      INFO(f.error().str());
      CHECK(f.error().str().find("its journal " + path + ".journal is missing and cannot be "
                                 "written anew from its trials' HDF5 groups") != std::string::npos);
      CHECK_FALSE(std::filesystem::exists(path + ".journal"));
      CHECK_FALSE(pending_left());
    }
  }
}

TEST_CASE("/records that a hypersweep from before them left behind are passed over for the "
          "trials' groups",
          "[store]") {
  const std::string path = temp_path("records_behind.h5");
  make_file(path, 10);
  const std::string before = records_of(path);
  // A hypersweep from before /records continues the file: it writes the trials' groups and their
  // /summary rows, and leaves /records as they were (put back).
  std::string changed;
  {
    auto f = ResultsFile::open(path);
    REQUIRE(f.ok());
    SECTION("trial 5 run again") {
      TrialRecord again = make_record(5);
      again.attempt = 2;
      again.seconds += 0.25;
      again.host = "run-again";
      REQUIRE(f->append(again).ok());
      changed = "its /records hold another record of trial 5 than /summary does";
    }
    SECTION("a trial added") {
      REQUIRE(f->append(make_record(10)).ok());
      changed = "its /records do not hold /summary's trials in its order";
    }
    REQUIRE(f->close().ok());
  }
  REQUIRE(records_of(path) != before);
  put_records(path, before);
  auto groups = read_results(path);
  REQUIRE(groups.ok());
  ::unlink((path + ".journal").c_str());
  // Read: the trials' groups, as /records would give what the older hypersweep replaced.
  auto loaded = load_results(path);
  REQUIRE(loaded.ok());
  require_same_data(*loaded, *groups);
  require_same_data(each_of(path).data, *groups);
  Handed first, second;
  std::vector<bool> seen_first, seen_second;
  REQUIRE(each_result_twice(path, pass_into(&first, &seen_first), pass_into(&second, &seen_second))
              .ok());
  require_same_data(first.data, *groups);
  require_same_data(second.data, *groups);
  // Continued: its journal written anew from the groups, saying why, and the file as it was.
  Result<OpenedResults> f = make_error("", "not opened");
  const std::string said =
      hs::test::stderr_of([&] { f = open_results(path, make_header(), OpenPolicy{}); });
  INFO(said);
  REQUIRE(f.ok());
  CHECK(said.find("from its trials' HDF5 groups, as " + changed) != std::string::npos);
  CHECK(said.find("rebuilding") == std::string::npos);
  REQUIRE(f->file.close().ok());
  const auto folder = std::filesystem::path(path).parent_path();
  for (const auto& e : std::filesystem::directory_iterator(folder))
    CHECK(e.path().filename().string().find("records_behind.h5.journal.") != 0);
  auto after = load_results(path);  // the new journal's
  REQUIRE(after.ok());
  require_same_data(*after, *groups);
  auto h5 = read_results(path);
  REQUIRE(h5.ok());
  require_same_data(*h5, *groups);
}

TEST_CASE("load_results of an HDF5 file that does not read is an error whatever the journal",
          "[store]") {
  const std::string path = temp_path("load_broken.h5");
  make_file(path, 5);
  const std::string good = read_bytes(path);
  write_bytes(path, good.substr(0, 1000));  // cut: the journal beside it is intact
  auto loaded = load_results(path);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().file == path);
  ::unlink(path.c_str());
  auto missing = load_results(path);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().file == path);
}

TEST_CASE("read_results_index gives the header and the ids and seconds in /summary order",
          "[store]") {
  const std::string path = temp_path("index.h5");
  make_file(path, 9);
  auto index = read_results_index(path);
  REQUIRE(index.ok());
  auto full = read_results(path);
  REQUIRE(full.ok());
  require_header_equal(index->header, full->header);
  REQUIRE(index->ids.size() == full->trials.size());
  REQUIRE(index->seconds.size() == full->trials.size());
  for (size_t i = 0; i < index->ids.size(); ++i) {
    REQUIRE(index->ids[i] == full->trials[i].id);
    REQUIRE(index->seconds[i] == full->trials[i].seconds);
    REQUIRE(index->seconds[i] == 1.25 * static_cast<double>(i));  // sample_sweep.h's
  }
}

TEST_CASE("a read that fails while the file changes under it is tried again, not at rest",
          "[store][load]") {
  // show, report and export failed 1 to 2 reads in 100 beside a running sweep: the read met the
  // HDF5 file between two writes of one flush ("damaged?"), though it was sound a moment later.
  const std::string path = temp_path("settled.h5");
  write_bytes(path, "x");
  int calls = 0;
  const auto changing = [&]() -> Result<int> {  // fails twice, the file written meanwhile
    if (++calls > 2) return 7;
    write_bytes(path, std::string(static_cast<size_t>(calls) + 1, 'x'));
    return make_error(path, "unable to open file");
  };
  const Result<int> r = store::settled_read(path, changing);
  REQUIRE(r.ok());
  CHECK(*r == 7);
  CHECK(calls == 3);
  // A file at rest that does not read is the answer at once; with a journal, after one more try.
  calls = 0;
  const auto failing = [&]() -> Result<int> {
    ++calls;
    return make_error(path, "unable to open file");
  };
  CHECK_FALSE(store::settled_read(path, failing).ok());
  CHECK(calls == 1);
  write_bytes(path + ".journal", "j");
  calls = 0;
  CHECK_FALSE(store::settled_read(path, failing).ok());
  CHECK(calls == 2);
  // A file that keeps changing is given up on after `tries`.
  calls = 0;
  const auto never = [&]() -> Result<int> {
    write_bytes(path, std::string(static_cast<size_t>(++calls) + 1, 'x'));
    return make_error(path, "unable to open file");
  };
  CHECK_FALSE(store::settled_read(path, never, 4).ok());
  CHECK(calls == 4);
  ::unlink(path.c_str());
  ::unlink((path + ".journal").c_str());
}

TEST_CASE("a results file reached through a symbolic link reads its journal beside the real one",
          "[store][load]") {
  // Through the link the journal was not found, and beside a running sweep the HDF5 file alone
  // failed most reads (it is rewritten every few tens of milliseconds).
  const std::string path = temp_path("linked_real.h5"), link = temp_path("linked_alias.h5");
  ::unlink(link.c_str());
  make_file(path, 3);
  {  // a group journaled, not yet in the HDF5 file: only the journal has it
    auto j = store::Journal::open(path + ".journal");
    REQUIRE(j.ok());
    REQUIRE(j->append('T', encode_record(make_record(40))).ok());
  }
  REQUIRE(::symlink(path.c_str(), link.c_str()) == 0);
  auto loaded = load_results(link);
  REQUIRE(loaded.ok());
  CHECK(loaded->trials.size() == 4u);
  ::unlink(link.c_str());
}

TEST_CASE("export_results_csv writes what export_csv of load_results writes, a trial at a time",
          "[store][export]") {
  // Printed results and curve columns; trial 3 recorded again at the end with a result and a
  // column no earlier record has, so its latest record comes last and out of place order.
  const std::string path = temp_path("export_each.h5");
  {
    auto f = ResultsFile::create(path, make_header(), true);
    REQUIRE(f.ok());
    for (int64_t i = 0; i < 8; ++i) {
      TrialRecord r = make_record(i);
      r.results = {{"acc5", 0.1 * static_cast<double>(i)}};
      if (i % 2) r.results.push_back({"loss_end", 1.0 / static_cast<double>(i)});
      REQUIRE(f->append(r).ok());
    }
    TrialRecord again = make_record(3);
    again.attempt = 2;
    again.results = {{"late", 7.5}, {"acc5", 0.35}};
    again.curve_extra_names = {"grad_norm"};
    for (size_t e = 0; e < again.curves.size(); ++e) again.curve_extra.push_back({0.5 + e});
    REQUIRE(f->append(again).ok());
    REQUIRE(f->close().ok());
  }
  const auto text = [](const std::string& file) { return read_bytes(file); };
  auto loaded = load_results(path);
  REQUIRE(loaded.ok());
  const std::string summary = summary_csv(*loaded), curves = curves_csv(*loaded);
  REQUIRE(summary.find("late") != std::string::npos);
  REQUIRE(curves.find("grad_norm") != std::string::npos);
  const std::string dir = temp_path("export_each_csv");
  ExportCounts n;
  REQUIRE(export_results_csv(path, dir, &n).ok());
  CHECK(text(dir + "/summary.csv") == summary);
  CHECK(text(dir + "/curves.csv") == curves);
  CHECK(n.trials == 8);
  size_t epochs = 0;
  for (const TrialRecord& r : loaded->trials) epochs += r.curves.size();
  CHECK(n.epochs == epochs);
  // From the HDF5 file alone (a copy without its journal): the same files.
  ::unlink((path + ".journal").c_str());
  const std::string h5_dir = temp_path("export_each_h5_csv");
  REQUIRE(export_results_csv(path, h5_dir, &n).ok());
  CHECK(text(h5_dir + "/summary.csv") == summary);
  CHECK(text(h5_dir + "/curves.csv") == curves);
  // A file that does not read: an error, and no folder made.
  const std::string none_dir = temp_path("export_none_csv");
  CHECK_FALSE(export_results_csv(temp_path("no_such.h5"), none_dir, &n).ok());
  CHECK_FALSE(std::filesystem::exists(none_dir));
}

// The trials of <path>'s HDF5 file alone as each_hdf5_result hands them over with `readers`
// reading children, each checked to come in its place; *starts: how many times it started.
Status read_alone(const std::string& path, int readers, std::vector<TrialRecord>* handed,
                  int* starts) {
  *starts = 0;
  handed->clear();
  return each_hdf5_result(
      path, "/", readers,
      [&](const SweepHeader&) {  // a failed read is tried again: a reader starts over
        ++*starts;
        handed->clear();
      },
      [&](TrialRecord&& r, size_t place) {
        REQUIRE(place == handed->size());  // in /summary order
        handed->push_back(std::move(r));
      });
}

TEST_CASE("the HDF5 file alone reads the same whatever the number of reading children",
          "[store]") {
  // Blocks of 64 trials go to the children in turn: none, one trial, a block exactly, two
  // blocks exactly, and two blocks and a piece of a third.
  const int64_t n = GENERATE(0, 1, 64, 128, 130);
  const std::string path = temp_path("readers.h5");
  make_file(path, n);
  auto journal = load_results(path);
  REQUIRE(journal.ok());
  for (const int readers : {1, 2, 3, 8}) {
    CAPTURE(n, readers);
    std::vector<TrialRecord> handed;
    int starts = 0;
    REQUIRE(read_alone(path, readers, &handed, &starts).ok());
    CHECK(starts == 1);
    REQUIRE(handed.size() == journal->trials.size());
    for (size_t i = 0; i < handed.size(); ++i) require_equal(handed[i], journal->trials[i]);
  }
}

TEST_CASE("the HDF5 file alone is handed over a trial at a time past /summary's pieces of 4096 rows",
          "[store]") {
  // A copy without its journal is read by children that send each trial as they read it, and
  // /summary is read 4096 rows at a time: 4,100 trials cross a piece's end.
  const std::string path = temp_path("each_h5.h5");
  {
    auto f = ResultsFile::create(path, make_header(), true);
    REQUIRE(f.ok());
    std::vector<TrialRecord> group;
    for (int64_t i = 0; i < 4100; ++i) {
      group.push_back(make_record(i));
      if (group.size() == 500 || i == 4099) {
        REQUIRE(f->append(std::span<const TrialRecord>(group)).ok());
        group.clear();
      }
    }
    REQUIRE(f->close().ok());
  }
  auto journal = load_results(path);  // the journal's records, which the HDF5 file mirrors
  REQUIRE(journal.ok());
  REQUIRE(journal->trials.size() == 4100);
  int starts = 0;
  std::vector<TrialRecord> handed;
  int readers = 3;  // the sections' reads: blocks 1 and 62 go to different children
  const auto read = [&] { return read_alone(path, readers, &handed, &starts); };

  SECTION("every trial, by one child and by three") {
    for (readers = 1; readers <= 3; readers += 2) {
      REQUIRE(read().ok());
      CHECK(starts == 1);
      REQUIRE(handed.size() == 4100);
      for (size_t i = 0; i < handed.size(); ++i) require_equal(handed[i], journal->trials[i]);
    }
  }

  SECTION("a trial's group missing past the first piece: an error, after the trials before it") {
    delete_object(path, "trials/" + store::trial_name(4097));
    const Status st = read();
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().file == path);
    CHECK(handed.size() == 4097);  // trials 0-4096 came; 4097's group did not read
    CHECK(st.error().message.find("trial 4097 ") != std::string::npos);
    auto whole = read_results(path);
    REQUIRE_FALSE(whole.ok());
    CHECK(whole.error().message == st.error().message);
  }
  SECTION("two groups missing: the error is the first in /summary order, whoever read it") {
    {
      const QuietHdf5 quiet;
      H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
      REQUIRE(file.get() >= 0);
      for (const int64_t id : {100, 4000})  // blocks 1 and 62: children 1 and 2 of 3
        REQUIRE(H5Ldelete(file.get(), ("trials/" + store::trial_name(id)).c_str(), H5P_DEFAULT) >= 0);
    }
    const Status st = read();
    REQUIRE_FALSE(st.ok());
    CHECK(handed.size() == 100);
    CHECK(st.error().message.find("trial 100 ") != std::string::npos);
    // The children still reading past the error were stopped and waited for: none is left.
    errno = 0;
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
    CHECK(errno == ECHILD);
  }
  SECTION("one trial found by its id without the journal: that trial's group alone is read") {
    delete_object(path, "trials/" + store::trial_name(4097));
    ::unlink((path + ".journal").c_str());
    REQUIRE(load_results(path).ok());  // from /records, which a missing group does not touch
    drop_records(path);
    REQUIRE_FALSE(load_results(path).ok());  // a read of every group meets 4097's
    for (const int64_t id : {0, 63, 4095, 4096, 4099}) {  // in the first piece and past it
      CAPTURE(id);
      auto one = find_result(path, id);
      REQUIRE(one.ok());
      CHECK(one->trials == 4100);
      REQUIRE(one->trial);
      require_equal(*one->trial, journal->trials[static_cast<size_t>(id)]);
    }
    auto none = find_result(path, 5000);
    REQUIRE(none.ok());
    CHECK_FALSE(none->trial);
    CHECK(none->trials == 4100);
    auto missing = find_result(path, 4097);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("trial 4097 ") != std::string::npos);
    // A row that is no longer the trial the ids said (the file changed since): an error.
    auto moved = store::read_layout_row(path, 3, 4);
    REQUIRE_FALSE(moved.ok());
    CHECK(moved.error().message.find("changed while it was read") != std::string::npos);
    auto past = store::read_layout_row(path, 4100, 4100);
    REQUIRE_FALSE(past.ok());
  }
}

// The pace of the progress line that a file read from its HDF5 groups alone prints
// (load_results.cpp: each 5 s, from 10,000 trials).
TEST_CASE("a progress line is due once per interval and never for small work") {
  ProgressPace small(9999, 10000, 5.0);
  CHECK_FALSE(small.due(5.0));
  CHECK_FALSE(small.due(100.0));
  CHECK_FALSE(small.said());

  ProgressPace large(10000, 10000, 5.0);
  CHECK_FALSE(large.due(0.0));
  CHECK_FALSE(large.due(4.99));
  CHECK_FALSE(large.said());
  CHECK(large.due(5.0));
  CHECK(large.said());
  CHECK_FALSE(large.due(5.0));  // once per interval
  CHECK_FALSE(large.due(9.9));
  CHECK(large.due(10.0));
  // A long stall between trials is one line, not one per interval missed.
  CHECK(large.due(31.0));
  CHECK_FALSE(large.due(34.9));
  CHECK(large.due(35.0));
}

TEST_CASE("a pending file's name fits a file name's 255 bytes however long its file's is",
          "[store][journal]") {
  // A results file of a 230-byte name ran, but could never write its lost journal anew: the
  // pending name, journal + ".hypersweep-tmp.XXXXXX", passed 255 bytes.
  const std::string mark = kPendingMark;
  CHECK(pending_prefix("dir/r.h5.journal") == "dir/r.h5.journal" + mark);
  const std::string name(250, 'a');
  const std::string prefix = pending_prefix("/some/dir/" + name);
  CHECK(prefix.rfind("/some/dir/aaa", 0) == 0);
  CHECK(prefix.ends_with(mark));
  CHECK(prefix.size() - std::string("/some/dir/").size() + 6 == 255u);
  CHECK(pending_prefix(name).size() + 6 == 255u);  // no folder
  // The whole way: a results file of such a name loses its journal and gets it back.
  const std::string path = temp_path(std::string(230, 'b')) + ".h5";
  make_file(path, 3);
  ::unlink((path + ".journal").c_str());
  {
    Result<OpenedResults> back = make_error("", "not opened");
    (void)hs::test::stderr_of([&] { back = open_results(path, make_header(), OpenPolicy{}); });
    INFO((back.ok() ? std::string() : back.error().str()));
    CHECK(back.ok());
  }
  CHECK(std::filesystem::exists(path + ".journal"));
  ::unlink(path.c_str());
  ::unlink((path + ".journal").c_str());
}
