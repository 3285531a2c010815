// bench_isolation: what running a trial in a process of its own costs (objective/forked_objective.h),
// beside the same trial run in place, with this process holding a data set the size of
// Fashion-MNIST's (220 MB, touched, as a worker holds it) and OpenMP's threads started, as after
// a trial of the built-in trainer. The trial reports 10 epochs and does nothing else, so what is
// timed is the isolation itself: the fork (page tables of the data set), the socket, the epochs'
// round trips, the child's exit and the OpenMP threads started again.
//   build/bin/bench_isolation [--benchmark_repetitions=5]
// Compare it with a trial's own time (seconds: bench/README.md).
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstring>
#include <memory>
#include <vector>

#include "objective/forked_objective.h"

namespace {

class TenEpochs final : public hs::Objective {
 public:
  hs::Status prepare() override { return {}; }
  hs::TrialRecord run(const hs::Trial& t, const hs::TrialHooks& hooks) override {
    hs::TrialRecord r = hs::record_of(t, hs::TrialStatus::kCompleted);
    double sum = 0;
#pragma omp parallel for reduction(+ : sum)  // the child's OpenMP threads start, as in training
    for (int i = 0; i < 1000; ++i) sum += i;
    for (int e = 1; e <= 10; ++e) {
      r.curves.push_back({e, 0.1, 1.0 / e, 0.5, 1.0 / e, 0.5, sum});
      if (hooks.on_epoch && hooks.on_epoch(r) == hs::EpochAnswer::kStop) break;
    }
    return r;
  }
};

std::vector<float>& data_set() {  // 220 MB, every page touched
  static std::vector<float> d = [] {
    std::vector<float> v(size_t{55} << 20);
    std::memset(v.data(), 1, v.size() * sizeof(float));
    return v;
  }();
  return d;
}

void run_trials(benchmark::State& state, hs::Objective& o) {
  benchmark::DoNotOptimize(data_set().data());
  hs::TrialHooks hooks;
  hooks.on_epoch = [](const hs::TrialRecord&) { return hs::EpochAnswer::kContinue; };
  int64_t id = 0;
  for (auto _ : state) {
    hs::TrialRecord r = o.run(hs::Trial{id++, {}}, hooks);
    benchmark::DoNotOptimize(r);
  }
}

void BM_TrialInPlace(benchmark::State& state) {
  TenEpochs o;
  run_trials(state, o);
}

void BM_TrialForked(benchmark::State& state) {
  hs::ForkedObjective o(std::make_unique<TenEpochs>(), 0);
  (void)o.prepare();
  run_trials(state, o);
}

BENCHMARK(BM_TrialInPlace)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrialForked)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
