// completed.h: a completed trial's record with the given val_acc per epoch, what the pruner
// tests report and tell (pruner_test.cpp, reference_test.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "trial/record.h"

namespace hs::test {

inline TrialRecord completed(int64_t id, const std::vector<double>& val_acc) {
  TrialRecord r;
  r.id = id;
  r.status = TrialStatus::kCompleted;
  for (size_t i = 0; i < val_acc.size(); ++i) {
    EpochRow row;
    row.epoch = static_cast<int>(i) + 1;
    row.val_acc = val_acc[i];
    r.curves.push_back(row);
  }
  r.epochs = static_cast<int>(val_acc.size());
  return r;
}

}  // namespace hs::test
