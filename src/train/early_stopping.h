// early_stopping.h: lecture 11.1.2. Watch a validation metric each epoch, remember the best epoch,
// stop after `patience` epochs without an improvement larger than `min_delta`.
//
// The tracker only decides; the trainer keeps the best epoch's weights when update() says the
// epoch improved. May depend on: src/core. Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <string_view>

namespace hs {

enum class Monitor { kValAcc, kValLoss };  // val_acc is maximised, val_loss minimised
const char* monitor_name(Monitor m);       // val_acc, val_loss
bool parse_monitor(std::string_view s, Monitor* out);

struct EarlyStoppingOptions {
  bool enabled = true;
  Monitor monitor = Monitor::kValAcc;
  int patience = 5;          // epochs without improvement before stopping
  double min_delta = 0.0;    // an improvement must exceed this (in the metric's units)
};

class EarlyStopping {
 public:
  explicit EarlyStopping(const EarlyStoppingOptions& opt) : opt_(opt) {}

  // Records the metric of `epoch` (1-based); returns true when it is the new best.
  // A NaN value never improves.
  bool update(int epoch, double value);
  // True once `patience` epochs have passed without improvement (and stopping is enabled).
  bool should_stop() const { return opt_.enabled && epochs_since_best_ >= opt_.patience; }
  int best_epoch() const { return best_epoch_; }     // 0 before any update
  double best_value() const { return best_value_; }
  bool has_best() const { return best_epoch_ > 0; }

 private:
  EarlyStoppingOptions opt_;
  int best_epoch_ = 0;
  double best_value_ = 0.0;
  int epochs_since_best_ = 0;
};

}  // namespace hs
