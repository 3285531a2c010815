// options.h: everything one training run is told (leveldb's Options: a plain struct whose fields
// state their defaults). Filled from a TOML file and --set flags by src/config, printable and
// storable as TOML text (config/config.h: to_toml), and, later, set by the search strategies.
//
// May depend on: data, nn, optim (their option structs). Thread safety: a plain value.
#pragma once

#include <cstdint>

#include "data/load.h"
#include "nn/model.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "train/device.h"
#include "train/early_stopping.h"

namespace hs {

// The most OpenMP threads a trial may ask for: beyond what any node has, and far below where
// the OpenMP runtime fails to make them (libgomp: an error at 50,000, a crash at 100,000).
inline constexpr int kMaxThreads = 1024;

struct TrainOptions {
  DataOptions data;
  ModelOptions model;
  OptimizerOptions optim;
  double lr = 0.05;            // the initial learning rate a0
  ScheduleOptions schedule;
  EarlyStoppingOptions early;
  int epochs = 10;             // the most epochs to train (T for epoch-unit schedules)
  int batch_size = 128;
  uint64_t seed = 1;           // seeds weight init, minibatch order and dropout
  int threads = 0;             // OpenMP threads (0: OMP_NUM_THREADS or all cores), <= kMaxThreads
  double max_seconds = 0;      // stop after this many seconds of training (0: no limit)
  // Evaluate the best epoch's weights on the test set once training ends (lecture 11.1.2).
  // False: no test pass and test_acc NaN, for trials that only choose (the recipe's steps 4-5).
  bool evaluate_test = true;
  Device device = Device::kCpu;  // where to train (device.h)
  // Not a config key: the worker's index among the worker ranks on its node (the objective sets
  // it from its Placement). With device = cuda the trial takes the GPU local_worker mod the
  // number of GPUs it can see, so workers spread over a node's GPUs and share them when more.
  int local_worker = 0;
};

// What a run of `o` needs of the test set (load_data): its samples only when it tests.
inline Keep test_keep(const TrainOptions& o) {
  return o.evaluate_test ? Keep::kAll : Keep::kLabels;
}

}  // namespace hs
