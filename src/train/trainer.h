// trainer.h: trains one configuration (one trial) on the CPU, or on a GPU with device = cuda
// (train/cuda_trainer.cpp, in a build with the CUDA backend), and records its curves.
//
// Per epoch: shuffle (seeded by derive_seed(seed, 0, kShuffle) and the epoch), minibatch SGD with
// the chosen optimiser and schedule, then evaluate on the validation set. Train loss/accuracy are
// the means over the epoch's samples (dropout active; the smaller last minibatch weighs by its
// size), as PyTorch's per-sample sums divided by the epoch's count give them.
// Early stopping keeps a copy of the best epoch's parameters; the result's test metrics are those
// of that checkpoint. A loss that turns NaN/inf ends the run with status kDiverged and the curve
// so far; it never throws or aborts.
//
// May depend on: data, nn, optim, core, trial (the record it fills). Knows nothing of sweeps, MPI
// or HDF5 (STYLE.md): the caller stores the result. Thread safety: train() uses OpenMP internally
// (opt.threads); run one train() per process or per rank.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/dataset.h"
#include "nn/layers.h"
#include "nn/model.h"
#include "nn/network.h"
#include "train/options.h"
#include "trial/record.h"

namespace hs {

// Loss and accuracy over a data set (no dropout).
struct EvalResult {
  double loss = 0, acc = 0;
};

// What train() gives back. `record` is the trial's record as far as the trainer knows it:
// status (completed, early_stopped, diverged, timed_out or interrupted), curves (one row per
// epoch run, seconds counted from the start), layer_names and update_ratio (per epoch and
// weighted layer: ||lr dW|| / ||W||, the mean over the epoch's iterations), best_epoch (the
// checkpoint's, 0 when no epoch finished), test_acc (of that checkpoint, NaN when none),
// initial_loss, num_classes, val_samples (data.val's size), epochs and seconds. Its id, params
// and best_metric are the caller's: the trainer knows no sweep (objective/ fills them in).
struct TrainResult {
  TrialRecord record;
  std::string reason;               // one sentence: why it stopped
  double test_loss = NAN;           // of the best checkpoint (NaN when no epoch finished)
  int64_t iterations = 0;
  std::vector<float> best_params;  // the best checkpoint, for the test pass (else empty)
};

// Called after each epoch with the record so far (its last curves row is the epoch just
// finished); return false to stop (status interrupted). At the last epoch there is nothing
// left to stop: the run completes, with its test pass, whatever the answer.
using EpochCallback = std::function<bool(const TrialRecord& so_far)>;

// Trains `opt` on `data`. Errors only for a configuration the data cannot take (e.g. a cnn on
// tabular data); every training outcome, divergence included, is a TrainResult.
Result<TrainResult> train(const TrainOptions& opt, const DataBundle& data,
                          const EpochCallback& on_epoch = {});

// The network train() builds for `opt` on `data`, after the same checks (a model the data
// cannot take or too big for the limits of nn/model.h, a cnn on HDF5 images whose shape shows
// the wrong `layout` (a cnn's shape errors on HDF5 images name layout too), no training samples,
// batch_size < 1,
// parameters and a batch's activations beyond this machine's memory, device = cuda where no GPU
// or no CUDA backend is (device_problem, which asks a child process); errors carry the key, no
// file); sets the OpenMP threads to opt.threads when it is > 0, as train() does. For Probe
// (probe.h), train(), and a sweep's checks before its first trial. train() takes a batch_size
// larger than the training set as the whole set.
Result<Network> network_for(const TrainOptions& opt, const DataBundle& data);

// What train() drives epoch by epoch, on the CPU (Trainer) or a GPU (make_cuda_engine).
class Engine {
 public:
  virtual ~Engine() = default;
  // One optimiser update on the samples index[0, B) of `set`; returns the batch's loss stats
  // (taken before the update). When `ratios` is not null it receives, per weighted layer,
  // ||W_new - W_old|| / ||W_old|| of this update. A non-finite loss leaves the parameters
  // untouched.
  virtual LossStats step(const Subset& set, const int32_t* index, int64_t B, float lr,
                         std::vector<double>* ratios) = 0;
  virtual EvalResult evaluate(const Subset& set) = 0;
  virtual const Network& net() const = 0;
  virtual int64_t steps() const = 0;
  // The parameters (net().num_params), copied to or from this process's memory.
  virtual std::vector<float> copy_params() = 0;
  virtual void set_params(const std::vector<float>& params) = 0;
};

// The GPU engine for `opt` (device = cuda) on GPU opt.local_worker mod the GPUs this process
// sees, with the trial's data sets copied to the device as they are first used. Errors (with
// key "device"): a build without the CUDA backend, its module not loading (cuda_backend.h), no
// usable GPU. Loads the module in this process; train in a process that has
// not forked since it used CUDA (see device.h). REQUIRES: as Trainer's.
Result<std::unique_ptr<Engine>> make_cuda_engine(const TrainOptions& opt, Network net,
                                                 int64_t eval_batch);

// The batch train() and the recipe's probes evaluate in: no gradients, so larger than most
// training batches (the workspace holds outputs for it and gradients for training batches only).
constexpr int64_t kEvalBatch = 256;

// One run's mutable state on the CPU: the network, its parameters, gradients and optimiser
// state, and the workspace. train() drives it epoch by epoch; benchmarks time step() itself, so
// what they measure is exactly what training runs.
class Trainer final : public Engine {
 public:
  // REQUIRES: net was built for `opt.model`; eval_batch >= opt.batch_size.
  // fold_momentum: with the momentum optimiser, the backward pass adds gradients straight into
  // the velocity (momentum_step_folded), which saves a third of the update's memory traffic.
  // false takes the general path (optimizer_step); tests compare the two.
  Trainer(const TrainOptions& opt, Network net, int64_t eval_batch, bool fold_momentum = true);

  // Engine's; params() is the parameters in place.
  LossStats step(const Subset& set, const int32_t* index, int64_t B, float lr,
                 std::vector<double>* ratios) override;
  EvalResult evaluate(const Subset& set) override;

  const Network& net() const override { return net_; }
  std::vector<float>& params() { return params_; }
  int64_t steps() const override { return steps_; }
  std::vector<float> copy_params() override { return params_; }
  void set_params(const std::vector<float>& params) override { params_ = params; }

 private:
  const TrainOptions& opt_;
  Network net_;
  std::vector<float> params_, prev_;
  AlignedVector<float> grads_, state_;  // the GEMMs write them (aligned.h)
  Workspace<float> ws_;
  std::vector<float> xb_;
  std::vector<int32_t> yb_;
  int64_t steps_ = 0;
  bool folded_ = false;  // momentum folded into the velocity: grads_ unused, state_ is v
};

// An engine's optimiser state before the first step, for `params` as initialised: zero, or with
// momentum folded into the velocity (see Trainer) wd * w for the weights.
std::vector<float> initial_state(const TrainOptions& opt, const Network& net,
                                 const std::vector<float>& params, bool folded);

// An engine's evaluate(): the loss and accuracy over `set` from `pass`, called on its samples
// max_batch at a time (their indices into set.data and their count), which returns their loss
// stats; NaN for an empty set.
using BatchPass = std::function<LossStats(const int32_t* index, int64_t B)>;
EvalResult evaluate_in_batches(const Subset& set, int64_t max_batch, const BatchPass& pass);

// Loss and accuracy of `params` on a subset (no dropout), batch_size samples at a time.
EvalResult evaluate(const Network& net, const float* params, const Subset& set, int batch_size);

}  // namespace hs
