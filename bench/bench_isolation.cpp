// bench_isolation: what running a trial in a process of its own costs (objective/forked_objective.h),
// beside the same trial run in place. The trial is the built-in trainer's, made so small (200
// generated 4x4 images, a 4-unit layer, 10 epochs) that what is timed is the isolation itself:
// the request to the trial host, its fork() (page tables of the data set it holds: this
// program, as host, holds 220 MB touched, the size of Fashion-MNIST's, as a real host holds it),
// the child's OpenMP threads, the epochs' round trips through the socket, the child's exit and
// the host's word that it ended.
//   build/bin/bench_isolation [--benchmark_repetitions=5]
// Compare it with a trial's own time (seconds: bench/README.md).
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <vector>

#include "config/sweep_config.h"
#include "objective/forked_objective.h"
#include "objective/trainer_objective.h"

namespace {

const hs::SweepConfig& tiny_sweep() {
  static const hs::SweepConfig s = [] {
    auto r = hs::load_sweep_text(R"([train]
dataset = "synthetic"
synthetic_samples = 200
synthetic_size = 4
hidden = [4]
epochs = 10
batch_size = 50
early_stopping = false
threads = 2
[space]
lr = [0.05]
)", "bench_isolation.toml");
    if (!r) std::abort();
    return *r;
  }();
  return s;
}

void run_trials(benchmark::State& state, hs::Objective& o) {
  if (!o.prepare()) {
    state.SkipWithError("prepare() failed");
    return;
  }
  hs::TrialHooks hooks;
  hooks.on_epoch = [](const hs::TrialRecord&) { return hs::EpochAnswer::kContinue; };
  const hs::Trial t{0, {hs::ParamValue(0.05)}};
  for (auto _ : state) {
    hs::TrialRecord r = o.run(t, hooks);
    if (r.status != hs::TrialStatus::kCompleted) state.SkipWithError(r.error.c_str());
    benchmark::DoNotOptimize(r);
  }
}

void BM_TrialInPlace(benchmark::State& state) {
  hs::TrainerObjective o(tiny_sweep(), 2, nullptr);
  run_trials(state, o);
}

void BM_TrialForked(benchmark::State& state) {
  hs::ForkedObjective o(tiny_sweep(), 2, 0);
  run_trials(state, o);
}

BENCHMARK(BM_TrialInPlace)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrialForked)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], hs::kTrialHostFlag) == 0) {
    // As the trial host: 220 MB touched, as a host holding Fashion-MNIST holds it.
    static std::vector<float> data(size_t{55} << 20);
    std::memset(data.data(), 1, data.size() * sizeof(float));
    benchmark::DoNotOptimize(data.data());
    return hs::run_trial_host_if_asked(argc, argv);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
