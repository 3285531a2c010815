// Tests for ResultsFile::append of a group of records (src/store/results_file.*, group commit):
// one journal fdatasync per group, a failing group writes nothing, a group lands as appends one
// by one would, and kill -9 during group appends loses nothing that append returned for.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "core/rng.h"
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

namespace {

std::vector<TrialRecord> records(int64_t from, int64_t to) {
  std::vector<TrialRecord> out;
  for (int64_t i = from; i < to; ++i) out.push_back(make_record(i));
  return out;
}

// The file at `path` read back both ways (journal through open(), HDF5 through read_results)
// holds exactly `want`, in order.
void require_holds(const std::string& path, const std::vector<TrialRecord>& want) {
  {
    auto d = read_results(path);
    REQUIRE(d.ok());
    REQUIRE(d->trials.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) require_equal(d->trials[i], want[i]);
  }
  auto g = ResultsFile::open(path);
  REQUIRE(g.ok());
  const std::vector<TrialRecord> held = hs::test::trials_of(*g);
  REQUIRE(held.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) require_equal(held[i], want[i]);
}

}  // namespace

TEST_CASE("a group append costs one journal fsync whatever its size", "[store]") {
  const std::string path = temp_path("group_syncs.h5");
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE(f.ok());
  const uint64_t at_create = f->journal_syncs();
  REQUIRE(at_create == 1);  // the header's frame
  REQUIRE(f->append(make_record(0)).ok());
  REQUIRE(f->journal_syncs() == at_create + 1);
  const std::vector<TrialRecord> eight = records(1, 9), many = records(9, 73);
  REQUIRE(f->append(eight).ok());
  REQUIRE(f->journal_syncs() == at_create + 2);
  REQUIRE(f->append(many).ok());
  REQUIRE(f->journal_syncs() == at_create + 3);
  REQUIRE(f->append(std::span<const TrialRecord>()).ok());  // nothing: no fsync
  REQUIRE(f->journal_syncs() == at_create + 3);
  REQUIRE(hs::test::trials_of(*f).size() == 73);
  REQUIRE(f->close().ok());
  require_holds(path, records(0, 73));
}

TEST_CASE("a group with one bad record writes nothing and names it", "[store]") {
  const std::string path = temp_path("group_bad.h5");
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE(f.ok());
  REQUIRE(f->append(records(0, 5)).ok());
  const std::string journal_before = read_bytes(path + ".journal");
  const uint64_t syncs = f->journal_syncs();
  std::vector<TrialRecord> group = records(5, 10);
  SECTION("parameters that do not fit the space") { group[3].params.pop_back(); }
  SECTION("an update_ratio row of the wrong width") { group[3].update_ratio.push_back({1.0}); }
  const Status st = f->append(group);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().str().find("trial 8") != std::string::npos);
  REQUIRE(f->journal_syncs() == syncs);
  REQUIRE(read_bytes(path + ".journal") == journal_before);
  REQUIRE(hs::test::trials_of(*f).size() == 5);
  // The file goes on: the same group without the bad record lands.
  group.erase(group.begin() + 3);
  REQUIRE(f->append(group).ok());
  REQUIRE(f->close().ok());
  std::vector<TrialRecord> want = records(0, 5);
  want.insert(want.end(), group.begin(), group.end());
  require_holds(path, want);
}

TEST_CASE("a group lands as its records appended one by one would", "[store]") {
  const std::string path = temp_path("group_same.h5");
  auto f = ResultsFile::create(path, make_header(), false);
  REQUIRE(f.ok());
  REQUIRE(f->append(records(0, 4)).ok());
  // An id already in the file, an id twice in the group (the later one wins), and a result
  // column no trial had (the HDF5 file is rebuilt with it).
  TrialRecord again = make_record(2), twice = make_record(5), with_result = make_record(6);
  again.best_metric = 0.125;
  twice.best_metric = 0.25;
  with_result.results = {{"reward", 3.5}};
  const std::vector<TrialRecord> group = {make_record(4), again, make_record(5), twice,
                                          with_result};
  REQUIRE(f->append(group).ok());
  REQUIRE(hs::test::trials_of(*f).size() == 7);
  REQUIRE(f->close().ok());
  std::vector<TrialRecord> want = records(0, 4);
  want[2] = again;
  want.push_back(make_record(4));
  want.push_back(twice);
  want.push_back(with_result);
  require_holds(path, want);
}

// The child appends groups of seeded sizes (1 to 64 records, consecutive ids) forever and tells
// the parent on a pipe, before each group, how many records it holds, and after append returns,
// that they are acknowledged. The parent kills it with SIGKILL while a seeded group is being
// appended (at a seeded extra delay, so the kill lands before, during or after its fsync): every
// acknowledged record must be in the file, intact, the file a prefix of what was sent (the
// group in flight may be there whole, in part, or not at all), and the file must go on.
TEST_CASE("kill -9 during group appends loses nothing that append returned for", "[store][crash]") {
  Rng rng(derive_seed(17, 0, SeedPurpose::kData));
  // Rounds whose group in flight was in the file without its acknowledgement (killed in its
  // fsync or HDF5 write, or before the pipe), in part (killed inside its one write()), or not.
  int whole = 0, part = 0, none = 0;
  for (int round = 0; round < 10; ++round) {
    const std::string path = temp_path("group_crash" + std::to_string(round) + ".h5");
    const int64_t victim = 1 + static_cast<int64_t>(rng.below(12));  // the group to kill in
    const int extra_us = static_cast<int>(rng.below(4000));
    const uint64_t sizes_seed = rng.next_u64();
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto f = ResultsFile::create(path, make_header(), false);
      if (!f.ok()) ::_exit(3);
      Rng sizes(sizes_seed);
      for (int64_t next = 0; next < 100000;) {
        const int64_t n = 1 + static_cast<int64_t>(sizes.below(64));
        const int64_t start[2] = {0, n};  // about to append n records
        if (::write(fds[1], start, sizeof start) != sizeof start) ::_exit(5);
        if (!f->append(records(next, next + n)).ok()) ::_exit(4);
        next += n;
        const int64_t acked[2] = {1, next};  // records 0..next-1 are durable
        if (::write(fds[1], acked, sizeof acked) != sizeof acked) ::_exit(5);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    int64_t msg[2], acked = 0, in_flight = 0, groups = 0;
    while (::read(fds[0], msg, sizeof msg) == sizeof msg) {
      if (msg[0] == 1) acked = msg[1];
      if (msg[0] == 0 && (in_flight = msg[1], ++groups == victim)) break;
    }
    ::usleep(static_cast<useconds_t>(extra_us));
    ::kill(pid, SIGKILL);
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    while (::read(fds[0], msg, sizeof msg) == sizeof msg) {  // sent before the kill
      if (msg[0] == 1) acked = msg[1];
      if (msg[0] == 0) in_flight = msg[1];
    }
    ::close(fds[0]);
    INFO("round " << round << ", group " << victim << ", acknowledged " << acked << ", in flight "
                  << in_flight);
    REQUIRE(WIFSIGNALED(wstatus));
    REQUIRE(groups == victim);

    auto g = ResultsFile::open(path);
    REQUIRE(g.ok());
    const std::vector<TrialRecord> held = hs::test::trials_of(*g);
    const int64_t m = static_cast<int64_t>(held.size());
    REQUIRE(m >= acked);
    REQUIRE(m <= acked + in_flight);  // at most the group in flight
    (m == acked ? none : m == acked + in_flight ? whole : part) += 1;
    for (int64_t i = 0; i < m; ++i)
      require_equal(held[static_cast<size_t>(i)], make_record(i));
    REQUIRE(g->append(records(m, m + 3)).ok());  // the sweep goes on
    REQUIRE(g->close().ok());
    require_holds(path, records(0, m + 3));
  }
  WARN("the group in flight at the kill was kept whole " << whole << ", in part " << part
                                                         << ", not at all " << none << " times");
}
