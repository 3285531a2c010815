// probe.h: a model built and initialised exactly as train() would for a configuration, to be
// measured outside a training run: its loss on any subset, and single updates at any learning
// rate. The recipe's steps 1-3 (recipe/steps.h: the initial loss, overfitting a small sample,
// the learning-rate search) are made of these, so they see the very network, initialisation
// and update that training uses, without reaching into nn/.
//
// May depend on: train (trainer.h), data, core. Thread safety: one Probe per thread; make()
// sets the OpenMP threads as train() does (opt.threads > 0), so run one per process or rank.
#pragma once

#include <cstdint>
#include <memory>

#include "core/error.h"
#include "data/dataset.h"
#include "train/options.h"
#include "train/trainer.h"

namespace hs {

class Probe {
 public:
  // The network for `opt` on `data`, its parameters as train() initialises them (from opt.seed).
  // Errors as train(): a model the data cannot take, no training samples, batch_size < 1.
  static Result<Probe> make(const TrainOptions& opt, const DataBundle& data);

  // Loss and accuracy on `set` in inference mode (no dropout, no update).
  EvalResult evaluate(const Subset& set);
  // One optimiser update on the rows index[0, B) of `set` at learning rate `lr`, exactly as a
  // training step makes it (opt's optimiser, weight decay and dropout). Returns the batch's mean
  // loss before the update; inf or NaN when the step diverged (the parameters are unchanged).
  double step(const Subset& set, const int32_t* index, int64_t B, double lr);
  // The classes the network tells apart (its outputs).
  int classes() const { return classes_; }

 private:
  Probe() = default;
  std::unique_ptr<TrainOptions> opt_;  // the Trainer keeps a reference to it
  std::unique_ptr<Trainer> trainer_;
  int classes_ = 0;
};

}  // namespace hs
