// default_sweep.cpp: the sweep `hypersweep run` and `plan` run with no file (sweep_config.h).
#include "config/sweep_config.h"

namespace hs {

namespace {

constexpr const char* kDefaultSweep = R"(# hypersweep's built-in sweep
[train]
dataset = "fashion_mnist"
arch = "mlp"
hidden = [256, 256]
optimizer = "momentum"
epochs = 10
early_stopping = true
patience = 3

[sweep]
strategy = "random"
trials = 8
seed = 0
metric = "val_acc"

[space]
lr = { log_uniform = [1e-4, 1e-1] }
weight_decay = { log_uniform = [1e-4, 1e-1] }
)";

}  // namespace

Result<SweepConfig> load_sweep_or_default(const std::string& path) {
  return path.empty() ? load_sweep_text(kDefaultSweep, kDefaultSweepName) : load_sweep(path);
}

}  // namespace hs
