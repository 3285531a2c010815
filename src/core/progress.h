// progress.h: when long work says how far it is. A progress line is due once every `every_s`
// seconds of the work, and never for work of fewer than `min_items` items (small work says
// nothing, so its output stays the same whatever the machine's speed). Thread safety: none.
#pragma once

#include <cstddef>

namespace hs {

class ProgressPace {
 public:
  ProgressPace(size_t total, size_t min_items, double every_s)
      : on_(total >= min_items), every_s_(every_s), next_s_(every_s) {}
  // Whether a line is due `elapsed_s` seconds into the work; true at most once per every_s.
  bool due(double elapsed_s) {
    if (!on_ || elapsed_s < next_s_) return false;
    while (next_s_ <= elapsed_s) next_s_ += every_s_;
    return true;
  }
  // Whether any line was due so far (the work then ends with a last line).
  bool said() const { return next_s_ > every_s_; }

 private:
  bool on_;
  double every_s_, next_s_;
};

}  // namespace hs
