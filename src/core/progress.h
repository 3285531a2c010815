// progress.h: when long work says how far it is. A progress line is due once every `every_s`
// seconds of the work, and never for work of fewer than `min_items` items (small work says
// nothing, so its output stays the same whatever the machine's speed). ProgressClock is the
// pace of the long reads and writes of a results file, timed from its construction. Thread
// safety: none.
#pragma once

#include <chrono>
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

// The pace of a progress line on stderr for work over `total` items (a results file read or
// written a trial at a time): from 10,000 items, every 5 s of the work, timed from here.
class ProgressClock {
 public:
  explicit ProgressClock(size_t total)
      : pace_(total, 10000, 5.0), t0_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }
  bool due() { return pace_.due(seconds()); }
  bool said() const { return pace_.said(); }

 private:
  ProgressPace pace_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace hs
