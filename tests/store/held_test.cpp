// What an open results file holds (issue 17: a million trials in one file): a few bytes per
// trial, its records read back from the journal when asked for (ResultsFile::for_each_trial), so
// records appended since open() read back from where they were written, a rebuild for a new
// result column gives every record bit for bit, and a frame changed under the open file is an
// error, not a copy kept in memory. Large frames and damage past the journal reader's window
// (journal.h: scan_journal reads a few MiB at a time) read as before.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "store/read_results.h"
#include "store/results_file.h"
#include "store/sample_sweep.h"
#include "store/store_testing.h"
#include "support/records.h"

using namespace hs;
using hs::test::make_header;
using hs::test::make_record;
using hs::test::read_bytes;
using hs::test::require_equal;
using hs::test::temp_path;
using hs::test::trials_of;
using hs::test::write_bytes;

namespace {

// The records for_each_trial hands over in `order`.
std::vector<TrialRecord> walk(const ResultsFile& f, TrialOrder order) {
  std::vector<TrialRecord> out;
  REQUIRE(f.for_each_trial(order, [&](const TrialRecord& r) {
             out.push_back(r);
             return Status::Ok();
           }).ok());
  return out;
}

void require_same(const std::vector<TrialRecord>& got, const std::vector<TrialRecord>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) require_equal(got[i], want[i]);
}

// Both ways the file at `path` is read (journal through open(), HDF5 through read_results) hold
// exactly `want`, in order.
void require_holds(const std::string& path, const std::vector<TrialRecord>& want) {
  auto d = read_results(path);
  REQUIRE(d.ok());
  require_same(d->trials, want);
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  require_same(trials_of(*g), want);
}

}  // namespace

TEST_CASE("records appended to an open file read back from the journal, by place and by id",
          "[store]") {
  const std::string path = temp_path("held_appended.h5");
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE(f.ok());
  CHECK(f->trial_count() == 0);
  CHECK(f->last_id() == -1);
  for (int64_t i : {0, 1, 2, 3}) REQUIRE(f->append(make_record(i)).ok());
  // A group with a replacement (trial 2 again), a new id out of order and a repeat within it.
  TrialRecord again = make_record(2);
  again.best_metric = 0.125;
  again.attempt = 2;
  TrialRecord last = make_record(9);
  last.host = "the last of trial 9";
  const std::vector<TrialRecord> group = {make_record(9), again, make_record(5), last};
  REQUIRE(f->append(group).ok());
  const std::vector<TrialRecord> recorded = {make_record(0), make_record(1), again,
                                             make_record(3), last,           make_record(5)};
  const std::vector<TrialRecord> by_id = {make_record(0), make_record(1), again,
                                          make_record(3), make_record(5), last};
  CHECK(f->trial_count() == 6);
  CHECK(f->last_id() == 9);
  require_same(walk(*f, TrialOrder::kRecorded), recorded);
  require_same(walk(*f, TrialOrder::kById), by_id);
  REQUIRE(f->close().ok());
  require_holds(path, recorded);
  // Continued: what open() noted and what is appended after it read back alike.
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  require_same(walk(*g, TrialOrder::kById), by_id);
  REQUIRE(g->append(make_record(4)).ok());
  std::vector<TrialRecord> more = recorded;
  more.push_back(make_record(4));
  require_same(walk(*g, TrialOrder::kRecorded), more);
  REQUIRE(g->close().ok());
  require_holds(path, more);
}

TEST_CASE("a new result column rebuilds the HDF5 file from the journal, every record bit for bit",
          "[store]") {
  const std::string path = temp_path("held_new_column.h5");
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE(f.ok());
  std::vector<TrialRecord> want;
  for (int64_t i = 0; i < 20; ++i) want.push_back(make_record(i));
  REQUIRE(f->append(want).ok());
  TrialRecord with = make_record(20);
  with.results = {{"loss_drop", 0.5}};
  REQUIRE(f->append(with).ok());  // /summary gains loss_drop: rebuilt from the journal
  want.push_back(with);
  TrialRecord other = make_record(3);  // a replacement with a second new result
  other.results = {{"speed", 2.0}, {"loss_drop", -1.0}};
  REQUIRE(f->append(other).ok());
  want[3] = other;
  require_same(walk(*f, TrialOrder::kRecorded), want);
  REQUIRE(f->close().ok());
  require_holds(path, want);
  auto d = read_results(path);
  REQUIRE(d.ok());
  CHECK(result_names(d->trials) == std::vector<std::string>{"speed", "loss_drop"});
}

TEST_CASE("a journal frame changed under an open file is an error naming its byte, not a copy",
          "[store]") {
  const std::string path = temp_path("held_changed.h5");
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE(f.ok());
  for (int64_t i = 0; i < 4; ++i) REQUIRE(f->append(make_record(i)).ok());
  require_same(walk(*f, TrialOrder::kRecorded),
               {make_record(0), make_record(1), make_record(2), make_record(3)});
  // Trial 3's host name is in the last frame: a byte of it flipped, its checksum fails.
  std::string bytes = read_bytes(path + ".journal");
  const size_t at = bytes.rfind("node3");
  REQUIRE(at != std::string::npos);
  bytes[at] ^= 0x20;
  write_bytes(path + ".journal", bytes);
  const Status st =
      f->for_each_trial(TrialOrder::kRecorded, [](const TrialRecord&) { return Status::Ok(); });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().str().find(".journal") != std::string::npos);
  CHECK(st.error().str().find("changed while it was open") != std::string::npos);
}

TEST_CASE("a frame larger than the reader's window and damage past it read as before", "[store]") {
  const std::string path = temp_path("held_large.h5");
  std::vector<TrialRecord> want;
  {
    auto f = ResultsFile::create(path, make_header(), false);
    REQUIRE(f.ok());
    for (int64_t i = 0; i < 30; ++i) {
      TrialRecord r = make_record(i);
      if (i == 10) r.error = std::string(size_t{5} << 20, 'x');  // a 5 MiB frame
      want.push_back(r);
    }
    REQUIRE(f->append(want).ok());
    REQUIRE(f->close().ok());
  }
  // Trial 20's frame, past the 5 MiB one, damaged: skipped with a warning, then taken back from
  // the HDF5 file (it comes last).
  std::string bytes = read_bytes(path + ".journal");
  const size_t at = bytes.rfind("node20");
  REQUIRE(at > (size_t{5} << 20));
  bytes[at] ^= 0x20;
  write_bytes(path + ".journal", bytes);
  std::vector<TrialRecord> back = want;
  back.erase(back.begin() + 20);
  back.push_back(want[20]);
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  require_same(trials_of(*g), back);
  REQUIRE(g->close().ok());
  require_holds(path, back);
}
