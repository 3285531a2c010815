// Tests for what src/store keeps of pruning: the /summary columns pruned_epoch, rung and
// bracket, a trial's `decision` attribute, the root attributes pruner and rungs, read through the
// HDF5 C API and read_results; and files and journals written before pruners existed.
#include <hdf5.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"
#include "store/header.h"
#include "store/read_results.h"
#include "store/results_file.h"
#include "store/sample_sweep.h"
#include "store/store_testing.h"
#include "trial/codec.h"
#include "support/records.h"

using namespace hs;
using hs::test::make_header;
using hs::test::make_record;
using hs::test::read_bytes;
using hs::test::require_equal;
using hs::test::require_header_equal;
using hs::test::temp_path;
using hs::test::write_bytes;

namespace {

constexpr int64_t kTrials = 12;

void write_file(const std::string& path, int64_t trials = kTrials) {
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE(f.ok());
  for (int64_t i = 0; i < trials; ++i) REQUIRE(f->append(make_record(i)).ok());
  REQUIRE(f->close().ok());
}

// The int32 column `name` of /summary.
std::vector<int32_t> summary_ints(hid_t file, const char* name) {
  const hid_t ds = H5Dopen2(file, "summary", H5P_DEFAULT);
  REQUIRE(ds >= 0);
  const hid_t mt = H5Tcreate(H5T_COMPOUND, sizeof(int32_t));
  H5Tinsert(mt, name, 0, H5T_NATIVE_INT32);
  const hid_t sp = H5Dget_space(ds);
  std::vector<int32_t> v(static_cast<size_t>(H5Sget_simple_extent_npoints(sp)));
  const herr_t read = H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Sclose(sp);
  H5Tclose(mt);
  H5Dclose(ds);
  REQUIRE(read >= 0);
  return v;
}

// What a hypersweep from before pruners wrote: /summary without pruned_epoch, rung and bracket,
// no root pruner or rungs, no trial's decision. The file at `path` is changed in place.
void strip_pruning(const std::string& path) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t ds = H5Dopen2(file, "summary", H5P_DEFAULT);
  const hid_t ft = H5Dget_type(ds);
  const hid_t old = H5Tcreate(H5T_COMPOUND, H5Tget_size(ft));  // the same row, 12 bytes unused
  for (int i = 0; i < H5Tget_nmembers(ft); ++i) {
    char* n = H5Tget_member_name(ft, static_cast<unsigned>(i));
    const std::string name = n;
    H5free_memory(n);
    if (name == "pruned_epoch" || name == "rung" || name == "bracket") continue;
    const hid_t mt = H5Tget_member_type(ft, static_cast<unsigned>(i));
    H5Tinsert(old, name.c_str(), H5Tget_member_offset(ft, static_cast<unsigned>(i)), mt);
    H5Tclose(mt);
  }
  const hid_t sp = H5Dget_space(ds);
  std::vector<char> rows(static_cast<size_t>(H5Sget_simple_extent_npoints(sp)) * H5Tget_size(old));
  REQUIRE(H5Dread(ds, old, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()) >= 0);
  H5Dclose(ds);
  REQUIRE(H5Ldelete(file, "summary", H5P_DEFAULT) >= 0);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);  // chunked and extendible, as written
  const hsize_t chunk = 64;
  H5Pset_chunk(dcpl, 1, &chunk);
  const hid_t again = H5Dcreate2(file, "summary", old, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  H5Pclose(dcpl);
  REQUIRE(again >= 0);
  REQUIRE(H5Dwrite(again, old, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()) >= 0);
  H5Dclose(again);
  H5Sclose(sp);
  H5Tclose(old);
  H5Tclose(ft);
  REQUIRE(H5Adelete(file, "pruner") >= 0);
  REQUIRE(H5Adelete(file, "rungs") >= 0);
  for (int64_t i = 0; i < kTrials; ++i) {
    const std::string g = "trials/" + std::string(6 - std::to_string(i).size(), '0') + std::to_string(i);
    if (H5Aexists_by_name(file, g.c_str(), "decision", H5P_DEFAULT) > 0)
      REQUIRE(H5Adelete_by_name(file, g.c_str(), "decision", H5P_DEFAULT) >= 0);
  }
  REQUIRE(H5Fclose(file) >= 0);
}

// One journal frame as journal.cpp writes it (journal_crafted_test.cpp has the same, for the
// same reason: the test writes what this hypersweep no longer would).
std::string frame(char type, const std::string& payload) {
  Fnv1a64 h;
  h.add(static_cast<unsigned char>(type));
  h.add(payload);
  ByteWriter w;
  w.pod<uint32_t>(static_cast<uint32_t>(payload.size()));
  w.pod<char>(type);
  w.pod<uint64_t>(h.value());
  return w.take() + payload;
}

// Record i as a hypersweep from before pruners left it: no rung, bracket or decision.
TrialRecord before_pruners(int64_t i) {
  TrialRecord r = make_record(i);
  r.rung = r.bracket = -1;
  r.decision.clear();
  return r;
}

}  // namespace

TEST_CASE("pruning columns and attributes are written where h5py finds them", "[store][prune]") {
  const std::string path = temp_path("pruning.h5");
  write_file(path);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const std::vector<int32_t> pruned = summary_ints(file, "pruned_epoch");
  const std::vector<int32_t> rung = summary_ints(file, "rung");
  const std::vector<int32_t> bracket = summary_ints(file, "bracket");
  REQUIRE(pruned.size() == static_cast<size_t>(kTrials));
  for (int64_t i = 0; i < kTrials; ++i) {
    INFO("trial " << i);
    const TrialRecord r = make_record(i);
    CHECK(pruned[i] == (r.status == TrialStatus::kPruned ? r.epochs : 0));
    CHECK(rung[i] == r.rung);
    CHECK(bracket[i] == r.bracket);
    const std::string g = "trials/" + std::string(6 - std::to_string(i).size(), '0') + std::to_string(i);
    CHECK((H5Aexists_by_name(file, g.c_str(), "decision", H5P_DEFAULT) > 0) == !r.decision.empty());
  }
  // The cases: trial 5 was pruned after 1 epoch before its first rung, trial 11 after 3 at
  // rung 0; trial 6 completed through rung 2.
  CHECK(pruned[5] == 1);
  CHECK(pruned[11] == 3);
  CHECK(rung[5] == -1);
  CHECK(rung[11] == 0);
  CHECK(rung[6] == 2);
  {
    const hid_t a = H5Aopen(file, "rungs", H5P_DEFAULT);
    REQUIRE(a >= 0);
    const hid_t sp = H5Aget_space(a);
    hsize_t dims[2] = {0, 0};
    REQUIRE(H5Sget_simple_extent_ndims(sp) == 2);
    H5Sget_simple_extent_dims(sp, dims, nullptr);
    CHECK(dims[0] == 5);
    CHECK(dims[1] == 4);
    std::vector<int64_t> v(20);
    REQUIRE(H5Aread(a, H5T_NATIVE_INT64, v.data()) >= 0);
    CHECK(v == std::vector<int64_t>{0, 0, 1, 9, 0, 1, 3, 3, 0, 2, 9, 1, 1, 0, 3, 5, 1, 1, 9, 1});
    H5Sclose(sp);
    H5Aclose(a);
  }
  CHECK(H5Aexists(file, "pruner") > 0);
  H5Fclose(file);

  auto d = read_results(path);
  REQUIRE(d.ok());
  require_header_equal(d->header, make_header());
  REQUIRE(d->trials.size() == static_cast<size_t>(kTrials));
  for (int64_t i = 0; i < kTrials; ++i) require_equal(d->trials[i], make_record(i));
}

TEST_CASE("a sweep without a pruner writes none and an empty rungs table", "[store][prune]") {
  const std::string path = temp_path("no_pruner.h5");
  SweepHeader h = make_header();
  h.pruner.clear();
  h.rungs.clear();
  {
    auto f = ResultsFile::create(path, h, false);
    REQUIRE(f.ok());
    REQUIRE(f->append(before_pruners(0)).ok());
    REQUIRE(f->close().ok());
  }
  auto d = read_results(path);
  REQUIRE(d.ok());
  require_header_equal(d->header, h);
  require_equal(d->trials[0], before_pruners(0));
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  require_header_equal(g->header(), h);
}

TEST_CASE("a results file from before pruners reads with no rungs and no decisions", "[store][prune]") {
  const std::string path = temp_path("before_pruners.h5");
  write_file(path);
  strip_pruning(path);
  auto d = read_results(path);
  REQUIRE(d.ok());
  CHECK(d->header.pruner.empty());
  CHECK(d->header.rungs.empty());
  REQUIRE(d->trials.size() == static_cast<size_t>(kTrials));
  for (int64_t i = 0; i < kTrials; ++i) {
    INFO("trial " << i);
    require_equal(d->trials[i], before_pruners(i));
    // The status and epochs_run still give a pruned trial's epoch.
    CHECK(pruned_epoch(d->trials[i]) == pruned_epoch(make_record(i)));
  }
}

TEST_CASE("a journal from before pruners continues: its HDF5 file is rebuilt with the new columns",
          "[store][prune]") {
  const std::string path = temp_path("old_journal.h5");
  write_file(path, 3);  // the journal's 3 trials (an HDF5 file ahead of its journal gives its own)
  // The header and records as encoded before pruners: without their last fields (the header's
  // empty pruner and rung count; a record's rung, bracket and empty decision, and the
  // val_samples after them).
  SweepHeader h = make_header();
  h.pruner.clear();
  h.rungs.clear();
  std::string header = encode_header(h);
  header.resize(header.size() - 2 * sizeof(uint64_t));
  std::string journal = "HSJRNL02" + frame('H', header);
  for (int64_t i = 0; i < 3; ++i) {
    std::string r = encode_record(before_pruners(i));
    r.resize(r.size() - 2 * sizeof(int32_t) - sizeof(uint64_t) - sizeof(int64_t));
    journal += frame('T', r);
  }
  write_bytes(path + ".journal", journal);
  strip_pruning(path);  // its HDF5 file too, as that hypersweep wrote it (other records: stale)
  {
    auto f = ResultsFile::open(path);
    REQUIRE(f.ok());
    require_header_equal(f->header(), h);
    REQUIRE(hs::test::trials_of(*f).size() == 3);
    TrialRecord next = make_record(5);  // a pruned trial, from this hypersweep
    next.id = 3;
    REQUIRE(f->append(next).ok());
    REQUIRE(f->close().ok());
  }
  auto d = read_results(path);
  REQUIRE(d.ok());
  REQUIRE(d->trials.size() == 4);
  for (int64_t i = 0; i < 3; ++i) require_equal(d->trials[i], before_pruners(i));
  CHECK(d->trials[3].rung == make_record(5).rung);
  CHECK(d->trials[3].decision == make_record(5).decision);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  CHECK(summary_ints(file, "pruned_epoch") == std::vector<int32_t>{0, 0, 0, 1});
  CHECK(summary_ints(file, "rung") == std::vector<int32_t>{-1, -1, -1, make_record(5).rung});
  H5Fclose(file);
}

TEST_CASE("a rung schedule no pruner writes is a damaged file, not a read out of bounds",
          "[store][prune]") {
  // A rung numbered 7 in a bracket of 3 made show and report read past the bracket's values
  // (SIGSEGV); 2^32 + 1 was read as 1.
  const std::string path = temp_path("bad_rungs.h5");
  const auto with_rungs = [&](const std::vector<int64_t>& rows) {
    std::remove(path.c_str());
    write_file(path);
    std::remove((path + ".journal").c_str());  // read from the HDF5 file, as a copy is
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    REQUIRE(H5Adelete(file, "rungs") >= 0);
    const hsize_t dims[2] = {rows.size() / 4, 4};
    const hid_t sp = H5Screate_simple(2, dims, nullptr);
    const hid_t a = H5Acreate2(file, "rungs", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(H5Awrite(a, H5T_NATIVE_INT64, rows.data()) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Fclose(file);
    auto d = read_results(path);
    return d.ok() ? std::string() : d.error().str();
  };
  CHECK(with_rungs({0, 0, 1, 9, 0, 1, 3, 3}).empty());
  CHECK(with_rungs({0, 0, 1, 9, 0, 7, 3, 3}).find("its rungs attribute: row 1 (bracket 0, rung 7, "
                                                  "epoch 3, trials 3) is no rung a pruner "
                                                  "writes") != std::string::npos);
  CHECK(with_rungs({0, 0, 1, 9, 0, -1, 3, 3}).find("row 1") != std::string::npos);
  CHECK(with_rungs({0, 0, 1, 9, 0, (int64_t{1} << 32) + 1, 3, 3}).find("past an int") !=
        std::string::npos);
  CHECK(with_rungs({0, 0, 3, 9, 0, 1, 3, 3}).find("at an epoch above 3") != std::string::npos);
  // The journal's header, the same rule.
  SweepHeader h = make_header();
  SweepHeader back;
  CHECK(decode_header(encode_header(h), &back));
  h.rungs[1].rung = 7;
  CHECK_FALSE(decode_header(encode_header(h), &back));
}
