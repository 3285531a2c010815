// train() with device = cuda against the same run on the CPU engine (the oracle): the same
// initial weights, minibatches and schedule, so the curves agree to the GEMMs' rounding
// compounded over the run. Tolerances: each epoch's train and validation loss within relative
// 2e-3, accuracies within 1 point, the update/weight ratios within relative 1e-2; the test
// accuracy within 1 point. Also: the GPU gives the same record from run to run, and dropout
// trains there (with masks of its own, cuda/layers.h). Skipped without a device (gpu.h).
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "data/load.h"
#include "gpu.h"
#include "support/synthetic_train.h"
#include "train/trainer.h"

using namespace hs;

namespace {

// The trainer tests' problem (support/synthetic_train.h), two hidden layers, 4 epochs.
TrainOptions synthetic_options() {
  TrainOptions o = hs::test::synthetic_options();
  o.model.hidden = {64, 32};
  o.epochs = 4;
  return o;
}

TrainResult trained(const TrainOptions& o, const DataBundle& data) {
  auto r = train(o, data);
  INFO((r ? std::string() : r.error().str()));
  REQUIRE(r.ok());
  return std::move(*r);
}

void check_tracks(const TrainResult& gpu, const TrainResult& cpu) {
  REQUIRE(gpu.record.curves.size() == cpu.record.curves.size());
  CHECK(gpu.record.status == cpu.record.status);
  for (size_t e = 0; e < cpu.record.curves.size(); ++e) {
    const EpochRow &g = gpu.record.curves[e], &c = cpu.record.curves[e];
    INFO("epoch " << e + 1);
    CHECK(g.train_loss == Approx(c.train_loss).epsilon(2e-3));
    CHECK(g.val_loss == Approx(c.val_loss).epsilon(2e-3));
    CHECK(std::abs(g.train_acc - c.train_acc) <= 0.01);
    CHECK(std::abs(g.val_acc - c.val_acc) <= 0.01);
    for (size_t l = 0; l < cpu.record.update_ratio[e].size(); ++l)
      CHECK(gpu.record.update_ratio[e][l] == Approx(cpu.record.update_ratio[e][l]).epsilon(1e-2));
  }
  CHECK(std::abs(gpu.record.test_acc - cpu.record.test_acc) <= 0.01);
  CHECK(gpu.record.initial_loss == Approx(cpu.record.initial_loss).epsilon(1e-5));
}

}  // namespace

TEST_CASE("train on the GPU tracks the CPU engine with every optimiser", "[cuda][train]") {
  hs::test::require_gpu();
  TrainOptions o = synthetic_options();
  auto data = load_data(o.data);
  REQUIRE(data.ok());
  for (OptimizerKind k : {OptimizerKind::kMomentum, OptimizerKind::kSgd, OptimizerKind::kAdam,
                          OptimizerKind::kAdamW, OptimizerKind::kRmsprop}) {
    INFO(optimizer_name(k));
    o.optim.kind = k;
    o.optim.weight_decay = 1e-3;
    // The adaptive optimisers at an lr of their own scale: at 0.05 rmsprop bounces, and a
    // rounding difference grows into another run.
    const bool adaptive =
        k == OptimizerKind::kAdam || k == OptimizerKind::kAdamW || k == OptimizerKind::kRmsprop;
    o.lr = adaptive ? 2e-3 : 0.05;
    o.device = Device::kCpu;
    const TrainResult cpu = trained(o, *data);
    o.device = Device::kCuda;
    check_tracks(trained(o, *data), cpu);
  }
}

TEST_CASE("a CNN trains on the GPU as on the CPU", "[cuda][train]") {
  hs::test::require_gpu();
  TrainOptions o = synthetic_options();
  o.model.arch = Arch::kCnn;
  o.model.conv_channels = {4, 8};
  o.model.kernel_size = 3;
  o.model.padding = 1;
  o.model.hidden = {16};
  o.epochs = 3;
  auto data = load_data(o.data);
  REQUIRE(data.ok());
  const TrainResult cpu = trained(o, *data);
  o.device = Device::kCuda;
  check_tracks(trained(o, *data), cpu);
}

TEST_CASE("the GPU gives the same record from run to run, dropout included", "[cuda][train]") {
  hs::test::require_gpu();
  TrainOptions o = synthetic_options();
  o.device = Device::kCuda;
  o.model.dropout = 0.3;
  auto data = load_data(o.data);
  REQUIRE(data.ok());
  const TrainResult a = trained(o, *data), b = trained(o, *data);
  REQUIRE(a.record.curves.size() == b.record.curves.size());
  for (size_t e = 0; e < a.record.curves.size(); ++e) {
    CHECK(a.record.curves[e].train_loss == b.record.curves[e].train_loss);
    CHECK(a.record.curves[e].val_acc == b.record.curves[e].val_acc);
  }
  CHECK(a.best_params == b.best_params);
  // It learned: the last epoch's validation accuracy is well above chance (4 classes).
  CHECK(a.record.curves.back().val_acc > 0.5);
}
