// bench_train: training speed of hypersweep's CPU engine on Fashion-MNIST (Google Benchmark).
//
// Cases:
//   BM_Gemm/1024                      Eigen's own single-precision GEMM, 1024^3, one thread: the
//                                     machine's GEMM rate that the models are compared against
//   BM_TrainStep/mlp/batch:128        one optimiser step (gather, forward, backward, update) of
//   BM_TrainStep/mlp/batch:32         the 784-256-256-10 MLP, SGD momentum 0.9, one thread
//   BM_TrainStep/cnn/batch:128        the same for conv5x5x16-pool-conv5x5x32-pool-fc10
//   BM_Epoch/mlp/threads:{1,2}        one whole epoch through train(): build and initialise,
//   BM_Epoch/cnn/threads:{1,2}        train on 54000 samples, evaluate 6000 validation and
//                                     10000 test samples. OpenMP scaling; items = 54000
// Counters: items_per_second = samples/s; GFLOPs = GEMM GFLOP/s (model.h: flops_per_sample).
// Each case checks its result before it is timed (a finite loss that falls; GEMM against a
// direct sum). bench/compare.py runs this beside the PyTorch baseline and writes the table in
// bench/README.md.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/rng.h"
#include "data/load.h"
#include "train/trainer.h"

namespace {

using namespace hs;

const DataBundle& fashion() {
  static std::unique_ptr<DataBundle> data = [] {
    auto d = load_data(DataOptions{});
    if (!d) {
      std::fprintf(stderr, "bench_train: %s\n", d.error().str().c_str());
      std::exit(2);
    }
    return std::make_unique<DataBundle>(std::move(*d));
  }();
  return *data;
}

TrainOptions model_options(bool cnn, int batch, int threads) {
  TrainOptions o;  // defaults: SGD momentum 0.9, lr 0.05
  o.batch_size = batch;
  o.threads = threads;
  if (cnn) {
    o.model.arch = Arch::kCnn;
    o.model.hidden = {};
  }
  return o;
}

void BM_Gemm(benchmark::State& state) {
  omp_set_num_threads(1);
  const int n = static_cast<int>(state.range(0));
  using M = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  M a = M::Random(n, n), b = M::Random(n, n), c(n, n);
  c.noalias() = a * b;
  double direct = 0;
  for (int k = 0; k < n; ++k) direct += double(a(3, k)) * b(k, 5);
  if (std::abs(c(3, 5) - direct) > 1e-3 * n) state.SkipWithError("GEMM result is wrong");
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void BM_TrainStep(benchmark::State& state, bool cnn) {
  const int batch = static_cast<int>(state.range(0));
  const DataBundle& data = fashion();
  const TrainOptions o = model_options(cnn, batch, 1);
  omp_set_num_threads(1);
  const Dataset& f = *data.train.data;
  auto net = build_network(o.model, f.height, f.width, f.channels, f.is_image, f.num_classes);
  Trainer tr(o, std::move(*net), batch);
  std::vector<int32_t> order(data.train.index);
  Rng(1).shuffle(order.data(), order.size());
  const int64_t nb = static_cast<int64_t>(order.size()) / batch;
  // Check before timing: 50 steps train (a finite loss that falls).
  double first = 0, last = 0;
  for (int64_t i = 0; i < 50; ++i) {
    const LossStats st = tr.step(data.train, order.data() + (i % nb) * batch, batch, 0.05f,
                                 nullptr);
    (i < 10 ? first : last) += i < 10 || i >= 40 ? st.loss_sum : 0.0;
  }
  if (!std::isfinite(last) || last >= first) state.SkipWithError("the loss did not fall");
  int64_t i = 0;
  for (auto _ : state) {
    tr.step(data.train, order.data() + (i++ % nb) * batch, batch, 0.05f, nullptr);
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["GFLOPs"] = benchmark::Counter(
      double(flops_per_sample(tr.net(), true)) * batch, benchmark::Counter::kIsIterationInvariantRate,
      benchmark::Counter::kIs1000);
}

void BM_Epoch(benchmark::State& state, bool cnn) {
  const int threads = static_cast<int>(state.range(0));
  TrainOptions o = model_options(cnn, 128, threads);
  o.epochs = 1;
  const DataBundle& data = fashion();
  for (auto _ : state) {
    auto r = train(o, data);
    if (!r || r->record.status != TrialStatus::kCompleted || !(r->record.curves[0].val_acc > 0.5)) {
      state.SkipWithError("the epoch did not train");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * data.train.size());
  omp_set_num_threads(1);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("BM_Gemm", BM_Gemm)->Arg(1024)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_TrainStep/mlp", BM_TrainStep, false)
      ->ArgName("batch")->Arg(128)->Arg(32)->Unit(benchmark::kMicrosecond)->MinTime(1.0);
  benchmark::RegisterBenchmark("BM_TrainStep/cnn", BM_TrainStep, true)
      ->ArgName("batch")->Arg(128)->Unit(benchmark::kMillisecond)->MinTime(2.0);
  for (bool cnn : {false, true})
    benchmark::RegisterBenchmark(cnn ? "BM_Epoch/cnn" : "BM_Epoch/mlp", BM_Epoch, cnn)
        ->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(1)
        ->UseRealTime();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
