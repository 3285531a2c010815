// bench_append: what one record costs rank 0 to make durable when records are appended in groups
// (issue 17: group commit, ResultsFile::append of a group: one journal fdatasync and one H5Fflush
// per group).
//
//   build/bin/bench_append [--records N] [--rounds R] [--dir DIR] [--groups 1,8,64]
// Cases: for each group size G (default 1, 8 and 64), a new results file in DIR (default: the
// current folder; put it on the disk a sweep writes to, not tmpfs) takes N records (default
// 1,024; 10 epochs of curves each, 4 parameters, as the simulator's) in groups of G. Rounds
// (default 5) interleave the sizes, so a change in the machine's load touches each alike. Prints
// each round's microseconds per record, then per size the median over rounds, with records/s and
// groups/s.
// Before it times anything, each round checks that the file holds every record and that the
// journal was fsync'd once per group (ResultsFile::journal_syncs).
// Not Google Benchmark: each case writes a file of its own, and its unit is the record.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "store/results_file.h"
#include "sweep/queue.h"
#include "sweep/sweep_header.h"

namespace {

struct Args {
  int64_t records = 1024;
  int rounds = 5;
  std::string dir = ".";
  std::vector<int64_t> groups = {1, 8, 64};
};

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "bench_append: %s\n", why.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) fail(std::string("no value after ") + argv[i]);
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--records") {
      a.records = std::atoll(value.c_str());
    } else if (key == "--rounds") {
      a.rounds = std::atoi(value.c_str());
    } else if (key == "--dir") {
      a.dir = value;
    } else if (key == "--groups") {
      a.groups.clear();
      std::stringstream in(value);
      for (std::string g; std::getline(in, g, ',');) a.groups.push_back(std::atoll(g.c_str()));
    } else {
      fail("unknown option " + key);
    }
  }
  if (a.records < 1 || a.rounds < 1 || a.groups.empty()) fail("--records and --rounds >= 1");
  for (int64_t g : a.groups)
    if (g < 1) fail("group sizes must be >= 1");
  return a;
}

hs::SweepConfig sweep_of(int64_t trials) {
  std::string text = "[objective]\ncommand = \"true\"\n[sweep]\nstrategy = \"random\"\nseed = 1\ntrials = ";
  text.append(std::to_string(trials)).append("\n[space]\n");
  for (const char* x : {"x0", "x1", "x2", "x3"})
    text.append(x).append(" = { uniform = [0.0, 1.0] }\n");
  auto s = hs::load_sweep_text(text, "<bench_append>");
  if (!s) fail(s.error().str());
  return std::move(*s);
}

// The sweep's records, as a finished 10-epoch trial leaves them.
std::vector<hs::TrialRecord> records_of(const hs::SweepConfig& sweep) {
  auto queue = hs::TrialQueue::make(sweep);
  if (!queue) fail(queue.error().str());
  std::vector<hs::TrialRecord> out;
  while (auto t = queue->next()) {
    hs::TrialRecord r = hs::record_of(*t, hs::TrialStatus::kCompleted);
    for (int e = 1; e <= 10; ++e)
      r.curves.push_back({e, 0.1, 1.0 / e, 0.5 + 0.04 * e, 1.1 / e, 0.45 + 0.04 * e, 3.0 * e});
    r.epochs = 10;
    r.best_epoch = 10;
    r.best_metric = r.curves.back().val_acc;
    r.seconds = 30;
    r.rank = 1;
    r.host = "bench";
    out.push_back(std::move(r));
  }
  return out;
}

// One round of group size g: seconds per record.
double round_of(const Args& a, const hs::SweepConfig& sweep,
                const std::vector<hs::TrialRecord>& records, int64_t g) {
  const std::string path = a.dir + "/bench_append.h5";
  auto f = hs::ResultsFile::create(path, hs::sweep_header(sweep, "bench_append"), true);
  if (!f) fail(f.error().str());
  const uint64_t syncs = f->journal_syncs();
  const std::span<const hs::TrialRecord> all(records);
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < all.size(); i += static_cast<size_t>(g)) {
    const size_t n = std::min(all.size() - i, static_cast<size_t>(g));
    if (hs::Status st = f->append(all.subspan(i, n)); !st) fail(st.error().str());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto n = static_cast<int64_t>(records.size());
  if (static_cast<int64_t>(f->trial_count()) != n ||
      f->journal_syncs() - syncs != static_cast<uint64_t>((n + g - 1) / g))
    fail("the file does not hold every record, or not one fsync per group");
  if (hs::Status st = f->close(); !st) fail(st.error().str());
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".journal");
  return s / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  const hs::SweepConfig sweep = sweep_of(a.records);
  const std::vector<hs::TrialRecord> records = records_of(sweep);
  std::map<int64_t, std::vector<double>> per_record;
  for (int round = 0; round < a.rounds; ++round) {
    std::printf("round %d:", round + 1);
    for (int64_t g : a.groups) {
      per_record[g].push_back(round_of(a, sweep, records, g));
      std::printf("  groups of %lld: %.1f us a record;", static_cast<long long>(g),
                  1e6 * per_record[g].back());
    }
    std::printf("\n");
  }
  for (int64_t g : a.groups) {
    std::vector<double>& v = per_record[g];
    std::sort(v.begin(), v.end());
    const double m = v[v.size() / 2];
    std::printf(
        "median, groups of %lld: %.1f us a record (%.0f records/s, %.0f groups/s), "
        "%lld records in %s\n",
        static_cast<long long>(g), 1e6 * m, 1 / m, 1 / (m * static_cast<double>(g)),
        static_cast<long long>(a.records), a.dir.c_str());
  }
  return 0;
}
