// cuda_backend.h: the GPU engine's entry points, which a build with the CUDA backend puts in a
// module of their own, libhypersweep_cuda.so beside the executable (src/train/CMakeLists.txt),
// and a process loads the first time it trains with device = cuda or asks whether it can. A
// process that only uses the CPU never maps CUDA's libraries: linked into the executable, their
// loading and relocation cost every process start about 0.1 core-second (hypersweep --help
// included) and made every fork of a trial's process slower: on the recipe's benchmark of small
// tabular trials, 0.5 of the recipe's 1.4 core-seconds (bench/README.md).
//
// May depend on: core, train's own headers. Thread safety: cuda_backend() may be called from
// any thread; the module is loaded once and never unloaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.h"
#include "nn/network.h"
#include "train/options.h"

namespace hs {

class Engine;

// What the module gives: the functions of cuda/device.h's device_count and of
// cuda_trainer.cpp's engine, and what identifies the build it belongs to: a module from another
// version of hypersweep, or one whose TrainOptions or Network differ, is refused rather than
// called with other layouts.
struct CudaBackend {
  const char* version;  // HYPERSWEEP_VERSION
  size_t options_size;  // sizeof(TrainOptions)
  size_t network_size;  // sizeof(Network)
  int (*device_count)(std::string* why);
  Result<std::unique_ptr<Engine>> (*make_engine)(const TrainOptions& opt, Network net,
                                                 int64_t eval_batch);
};

// The backend, or why it cannot be had (key "device"): a build without it, or a module that
// does not load (its path and the loader's words) or belongs to another build.
Result<const CudaBackend*> cuda_backend();

// Why device = cuda cannot train in this process ("" when it can): cuda_backend()'s error, or
// the driver shows no device (no_gpu_problem). Loads the module and initialises CUDA here: call
// it in a process that will not fork trials afterwards (device.h's device_problem asks a child).
std::string cuda_problem_here();

}  // namespace hs

// The module's one exported symbol (cuda_trainer.cpp).
extern "C" const hs::CudaBackend* hypersweep_cuda_backend();
