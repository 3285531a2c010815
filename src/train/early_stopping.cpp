#include "train/early_stopping.h"

#include <cmath>

namespace hs {

const char* monitor_name(Monitor m) { return m == Monitor::kValAcc ? "val_acc" : "val_loss"; }

bool parse_monitor(std::string_view s, Monitor* out) {
  if (s == "val_acc") *out = Monitor::kValAcc;
  else if (s == "val_loss") *out = Monitor::kValLoss;
  else return false;
  return true;
}

bool EarlyStopping::update(int epoch, double value) {
  bool improved = false;
  if (!std::isnan(value)) {
    if (best_epoch_ == 0) {
      improved = true;
    } else if (opt_.monitor == Monitor::kValAcc) {
      improved = value > best_value_ + opt_.min_delta;
    } else {
      improved = value < best_value_ - opt_.min_delta;
    }
  }
  if (improved) {
    best_epoch_ = epoch;
    best_value_ = value;
    epochs_since_best_ = 0;
  } else {
    ++epochs_since_best_;
  }
  return improved;
}

}  // namespace hs
