// trainer.h: trains one configuration (one trial) on the CPU and records its curves.
//
// Per epoch: shuffle (seeded by derive_seed(seed, 0, kShuffle) and the epoch), minibatch SGD with
// the chosen optimiser and schedule, then evaluate on the validation set. Train loss/accuracy are
// the averages over the epoch's minibatches (dropout active), as most frameworks report them.
// Early stopping keeps a copy of the best epoch's parameters; the result's test metrics are those
// of that checkpoint. A loss that turns NaN/inf ends the run with status kDiverged and the curve
// so far; it never throws or aborts.
//
// May depend on: data, nn, optim, core. Knows nothing of MPI or HDF5 (STYLE.md): the caller stores
// the result. Thread safety: train() uses OpenMP internally (opt.threads); run one train() per
// process or per rank.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/dataset.h"
#include "nn/layers.h"
#include "nn/model.h"
#include "nn/network.h"
#include "train/options.h"

namespace hs {

enum class TrainStatus { kCompleted, kEarlyStopped, kDiverged, kTimedOut, kInterrupted };
const char* train_status_name(TrainStatus s);  // completed, early_stopped, diverged, ...

// Loss and accuracy over a data set (no dropout).
struct EvalResult {
  double loss = 0, acc = 0;
};

struct EpochRecord {
  int epoch = 0;              // 1-based
  double lr = 0;              // learning rate at the epoch's last iteration
  double train_loss = 0, train_acc = 0;
  double val_loss = 0, val_acc = 0;
  double seconds = 0;         // wall time of this epoch (training and validation)
  std::vector<double> update_ratio;  // per weighted layer: ||lr dW|| / ||W|| (weights only), as
                                     // the mean over the epoch's iterations
};

struct TrainResult {
  TrainStatus status = TrainStatus::kCompleted;
  std::string reason;                // one sentence: why it stopped
  std::vector<EpochRecord> curve;
  std::vector<std::string> layer_names;  // the weighted layers, in update_ratio order
  int best_epoch = 0;                // 0 when no epoch finished
  double best_metric = 0;            // the monitored metric at best_epoch
  double best_val_acc = 0, best_val_loss = 0;
  double test_acc = 0, test_loss = 0;  // of the best checkpoint (NaN when no epoch finished)
  double seconds = 0;                // total wall time
  int64_t iterations = 0;
  // The mean loss of the first minibatch, from the first forward pass (before any update, with
  // dropout as in training), for the lecture's initial-loss check: ~ln(num_classes) at a sane
  // initialisation. NaN when no step ran.
  double initial_loss = NAN;
  int num_classes = 0;               // outputs of the network (the data's classes)
  std::vector<float> best_params;    // the best checkpoint (empty when none)
};

// Called after each epoch with its record; return false to stop (status kInterrupted).
using EpochCallback = std::function<bool(const EpochRecord&)>;

// Trains `opt` on `data`. Errors only for a configuration the data cannot take (e.g. a cnn on
// tabular data); every training outcome, divergence included, is a TrainResult.
Result<TrainResult> train(const TrainOptions& opt, const DataBundle& data,
                          const EpochCallback& on_epoch = {});

// One run's mutable state: the network, its parameters, gradients and optimiser state, and the
// workspace. train() drives it epoch by epoch; benchmarks time step() itself, so what they
// measure is exactly what training runs.
class Trainer {
 public:
  // REQUIRES: net was built for `opt.model`; eval_batch >= opt.batch_size.
  // fold_momentum: with the momentum optimiser, the backward pass adds gradients straight into
  // the velocity (momentum_step_folded), which saves a third of the update's memory traffic.
  // false takes the general path (optimizer_step); tests compare the two.
  Trainer(const TrainOptions& opt, Network net, int64_t eval_batch, bool fold_momentum = true);

  // One optimiser update on the samples index[0, B) of `set`; returns the batch's loss stats
  // (taken before the update). When `ratios` is not null it receives, per weighted layer,
  // ||W_new - W_old|| / ||W_old|| of this update. A non-finite loss leaves the parameters
  // untouched.
  LossStats step(const Subset& set, const int32_t* index, int64_t B, float lr,
                 std::vector<double>* ratios);
  EvalResult evaluate(const Subset& set);

  const Network& net() const { return net_; }
  std::vector<float>& params() { return params_; }
  int64_t steps() const { return steps_; }

 private:
  const TrainOptions& opt_;
  Network net_;
  std::vector<float> params_, grads_, prev_, state_;
  Workspace<float> ws_;
  std::vector<float> xb_;
  std::vector<int32_t> yb_;
  int64_t steps_ = 0;
  bool folded_ = false;  // momentum folded into the velocity: grads_ unused, state_ is v
};

// Loss and accuracy of `params` on a subset (no dropout), batch_size samples at a time.
EvalResult evaluate(const Network& net, const float* params, const Subset& set, int batch_size);

}  // namespace hs
