// bench_cuda: training throughput of the CUDA engine (issue 18), beside the CPU engine in the same
// run, and the GPU's own cuBLAS SGEMM rate as the yardstick when no PyTorch with CUDA is at hand.
//
//   bench_cuda [--repeats 5] [--steps 40] [--cpu-threads 0] [--no-cpu]
//
// For the MLP of configs/mlp_fashion.toml (784-256-256-10, relu) at batch 128 and 1024, and the
// CNN of configs/cnn_fashion.toml
// (conv5x5x16-pool-conv5x5x32-pool-fc10) at batch 128: training steps (forward, backward, the
// momentum update; what Engine::step does in train()) on 28x28x1 inputs with 10 classes, drawn
// at random (only the shapes matter to the time). Each figure is the median over `repeats` runs of
// `steps` steps after 5 warm-up steps: samples/s, the GFLOP/s that makes (nn/model.h:
// flops_per_sample), and that as a fraction of a 4096^3 SGEMM's rate on the same GPU. Prints a
// markdown table; without a GPU it says so and exits 77.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/rng.h"
#include "cuda/device.h"
#include "cuda/layers.h"
#include "train/trainer.h"

using namespace hs;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A 28x28x1 data set of n random samples, 10 classes.
Dataset random_images(int64_t n) {
  Dataset d;
  d.name = "random";
  d.n = n;
  d.height = d.width = 28;
  d.channels = 1;
  d.is_image = true;
  d.num_classes = 10;
  Rng rng(7);
  d.x.resize(static_cast<size_t>(n * d.dim()));
  for (float& x : d.x) x = static_cast<float>(rng.uniform());
  d.y.resize(static_cast<size_t>(n));
  for (int32_t& y : d.y) y = static_cast<int32_t>(rng.below(10));
  return d;
}

// Samples per second of `steps` training steps of `engine` at batch B, after a warm-up.
double samples_per_s(Engine& engine, const Subset& set, int64_t B, int steps) {
  const int64_t batches = set.size() / B;
  auto one = [&](int s) {
    const int64_t first = (s % batches) * B;
    engine.step(set, set.index.data() + first, B, 0.01f, nullptr);
  };
  for (int s = 0; s < 5; ++s) one(s);
  (void)engine.copy_params();  // waits for everything queued
  const auto t0 = Clock::now();
  for (int s = 0; s < steps; ++s) one(s);
  (void)engine.copy_params();
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  return static_cast<double>(steps * B) / secs;
}

// GFLOP/s of a 4096^3 SGEMM (cuda::dense_forward: one cublasSgemm plus a bias pass).
double sgemm_gflops(int repeats) {
  constexpr int64_t n = 4096;
  cuda::Context ctx(0);
  std::vector<float> host(static_cast<size_t>(n * n), 0.5f);
  auto a = cuda::Buffer<float>::from(ctx, host), w = cuda::Buffer<float>::from(ctx, host);
  cuda::Buffer<float> b(ctx, n), out(ctx, static_cast<size_t>(n * n));
  b.zero();
  std::vector<double> rate;
  for (int r = 0; r < repeats + 1; ++r) {
    const auto t0 = Clock::now();
    for (int k = 0; k < 10; ++k)
      cuda::dense_forward(ctx, out.data(), a.data(), w.data(), b.data(), n, n, n);
    ctx.synchronize();
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    if (r > 0) rate.push_back(10 * 2.0 * n * n * n / secs / 1e9);  // the first warms up
  }
  return median(rate);
}

struct Case {
  const char* name;
  ModelOptions model;
  int64_t batch;
};

}  // namespace

int main(int argc, char** argv) {
  int repeats = 5, steps = 40, cpu_threads = 0;
  bool cpu = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--repeats" && i + 1 < argc)
      repeats = std::max(1, std::atoi(argv[++i]));
    else if (a == "--steps" && i + 1 < argc)
      steps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--cpu-threads" && i + 1 < argc)
      cpu_threads = std::atoi(argv[++i]);
    else if (a == "--no-cpu")
      cpu = false;
    else {
      std::fprintf(stderr,
                   "usage: bench_cuda [--repeats N] [--steps N] [--cpu-threads N] [--no-cpu]\n");
      return 2;
    }
  }
  if (cpu_threads > 0) omp_set_num_threads(cpu_threads);
  std::string why;
  if (cuda::device_count(&why) == 0) {
    std::printf("bench_cuda: no CUDA device (%s)\n", why.c_str());
    return 77;
  }
  const double peak = sgemm_gflops(repeats);
  std::printf("GPU: %s; cuBLAS SGEMM 4096^3: %.0f GFLOP/s (median of %d)\n\n",
              cuda::device_name(0).c_str(), peak, repeats);
  ModelOptions mlp;  // the defaults are configs/mlp_fashion.toml's model
  ModelOptions cnn;
  cnn.arch = Arch::kCnn;
  cnn.hidden = {};
  const Case cases[] = {{"MLP", mlp, 128}, {"MLP", mlp, 1024}, {"CNN", cnn, 128}};
  Dataset data = random_images(16384);
  Subset set{&data, {}};
  for (int32_t i = 0; i < data.n; ++i) set.index.push_back(i);
  std::printf("| model | batch | engine | samples/s | GFLOP/s | of SGEMM's rate |\n");
  std::printf("|---|---:|---|---:|---:|---:|\n");
  for (const Case& c : cases) {
    TrainOptions opt;
    opt.model = c.model;
    opt.batch_size = static_cast<int>(c.batch);
    opt.threads = cpu_threads;
    auto net = build_network(c.model, 28, 28, 1, true, 10);
    if (!net) {
      std::fprintf(stderr, "bench_cuda: %s\n", net.error().str().c_str());
      return 1;
    }
    const double flops = static_cast<double>(flops_per_sample(*net, true));
    for (int gpu = cpu ? 0 : 1; gpu <= 1; ++gpu) {
      std::vector<double> rate;
      for (int r = 0; r < repeats; ++r) {
        std::unique_ptr<Engine> engine;
        if (gpu) {
          opt.device = Device::kCuda;
          auto made = make_cuda_engine(opt, *net, c.batch);
          if (!made) {
            std::fprintf(stderr, "bench_cuda: %s\n", made.error().str().c_str());
            return 1;
          }
          engine = std::move(*made);
        } else {
          engine = std::make_unique<Trainer>(opt, *net, c.batch);
        }
        rate.push_back(samples_per_s(*engine, set, c.batch, steps));
      }
      const double sps = median(rate), gf = sps * flops / 1e9;
      std::printf("| %s | %lld | %s | %.0f | %.1f | %.3f |\n", c.name,
                  static_cast<long long>(c.batch), gpu ? "cuda" : "cpu", sps, gf, gf / peak);
    }
  }
  return 0;
}
