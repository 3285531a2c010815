// bench_dispatch: how many trials per second rank 0's scheduler moves, with trials that do
// nothing, so what is timed is the scheduling itself: ask, send, receive, tell (issue 4's
// dispatch goal: 20,000 trials/s with 2 workers on a 2-core machine).
//
// Run it under MPI (it needs at least 2 ranks):
//   mpirun -np 3 --oversubscribe build/bin/bench_dispatch [--trials N] [--rounds R]
//          [--strategy random|tpe|grid] [--store FILE]
// Cases: each round runs one sweep of N trials (default 20,000; 5 rounds) through the real
// TrialQueue and the MPI executor (exec/launch.h: the scheduler and its workers, one job per
// round), and rank 0 prints trials/s per round and the median.
// --store also appends every record to a results file (journal fsync'd per trial, as a real
// sweep does), which shows what durability costs. Before timing, every round checks that each
// trial id came back exactly once.
// Not Google Benchmark: its timing loop runs in one process, and this needs every rank in step.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <filesystem>
#include <string>
#include <vector>

#include "exec/launch.h"
#include "store/results_file.h"
#include "sweep/sweep_header.h"

namespace {

struct Args {
  int64_t trials = 20000;
  int rounds = 5;
  std::string strategy = "random";
  std::string store;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--trials")) a.trials = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--rounds")) a.rounds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--strategy")) a.strategy = argv[i + 1];
    else if (!std::strcmp(argv[i], "--store")) a.store = argv[i + 1];
  }
  return a;
}

hs::SweepConfig sweep_of(const Args& a) {
  const std::string grid = a.strategy == "grid" ? ", grid = 200" : "";
  const std::string text = "[train]\ndataset = \"synthetic\"\n[sweep]\nstrategy = \"" +
                           a.strategy + "\"\ntrials = " + std::to_string(a.trials) +
                           "\n[space]\nlr = { log_uniform = [1e-4, 1e-1]" + grid +
                           " }\nweight_decay = { log_uniform = [1e-5, 1e-2]" + grid + " }\n";
  auto s = hs::load_sweep_text(text, "<bench_dispatch>");
  if (!s) {
    std::fprintf(stderr, "bench_dispatch: %s\n", s.error().str().c_str());
    std::exit(2);
  }
  return std::move(*s);
}

// A trial that does nothing: its record says completed, with a made-up metric.
class NullObjective final : public hs::Objective {
 public:
  hs::Status prepare() override { return {}; }
  hs::TrialRecord run(const hs::Trial& t, const hs::TrialHooks&) override {
    hs::TrialRecord r = hs::record_of(t, hs::TrialStatus::kCompleted);
    r.best_metric = 1.0 / static_cast<double>(t.id + 1);
    return r;
  }
};

hs::Result<std::unique_ptr<hs::Objective>> null_objective(const hs::Job&) {
  return std::unique_ptr<hs::Objective>(std::make_unique<NullObjective>());
}

}  // namespace

int main(int argc, char** argv) {
  auto launch = hs::Launch::start(&argc, &argv);
  if (!launch || (*launch)->workers() < 1) {
    std::fprintf(stderr, "bench_dispatch: run it under mpirun with at least 2 ranks\n");
    return 2;
  }
  hs::Launch& mpi = **launch;
  const Args a = parse(argc, argv);
  const hs::SweepConfig sweep = sweep_of(a);
  if (mpi.is_worker()) return mpi.serve({}, null_objective, {});
  mpi.begin(true);
  const auto executor = mpi.executor(null_objective);
  std::vector<double> rates;
  for (int round = 0; round < a.rounds; ++round) {
    auto queue = hs::TrialQueue::make(sweep);
    if (!queue) return 1;
    std::optional<hs::ResultsFile> file;
    if (!a.store.empty()) {
      auto f = hs::ResultsFile::create(a.store, hs::sweep_header(sweep, "bench"), true);
      if (!f) return 1;
      file.emplace(std::move(*f));
    }
    std::vector<char> seen(static_cast<size_t>(a.trials), 0);
    hs::RunHooks hooks;
    hooks.on_records = [&](std::span<const hs::TrialRecord> group,
                           std::span<const hs::Progress>) -> hs::Status {
      for (const hs::TrialRecord& r : group) seen.at(static_cast<size_t>(r.id))++;
      return file ? file->append(group) : hs::Status{};
    };
    const auto t0 = std::chrono::steady_clock::now();
    auto served = executor->run(hs::Job{"bench", ""}, *queue, hooks);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!served || std::any_of(seen.begin(), seen.end(), [](char c) { return c != 1; })) {
      std::fprintf(stderr, "bench_dispatch: a trial was lost or came back twice\n");
      return 1;
    }
    rates.push_back(static_cast<double>(a.trials) / s);
    std::printf("round %d: %lld %s trials in %.3f s: %.0f trials/s\n", round + 1,
                static_cast<long long>(a.trials), a.strategy.c_str(), s, rates.back());
    if (file) {
      (void)file->close();
      std::filesystem::remove(a.store);
      std::filesystem::remove(a.store + ".journal");
    }
  }
  mpi.end();
  std::sort(rates.begin(), rates.end());
  std::printf("median: %.0f trials/s (%d workers, %s%s)\n", rates[rates.size() / 2],
              mpi.workers(), a.strategy.c_str(), a.store.empty() ? "" : ", with the results file");
  return 0;
}
