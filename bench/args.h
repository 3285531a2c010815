// args.h: the benchmark programs' option values, read strictly: the whole text a number within
// its range, or the program exits 2 naming the option and the value (`--trials 1e3` was read
// as 1, `--median-s nan` crashed the simulator). A whole number may be written 1e6.
// May depend on: the standard library. Thread safety: plain functions.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

namespace hs::bench {

[[noreturn]] inline void bad_value(const char* program, const std::string& option, const char* v,
                                   const std::string& expected) {
  std::fprintf(stderr, "%s: %s %s: expected %s\n", program, option.c_str(), v, expected.c_str());
  std::exit(2);
}

inline std::string number_text(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", x);
  return b;
}

// A finite number in [lo, hi] (above lo when `open_lo`).
inline double real_arg(const char* program, const std::string& option, const char* v, double lo,
                       double hi, bool open_lo = false) {
  double x = 0;
  const char* end = v + std::char_traits<char>::length(v);
  const auto r = std::from_chars(v, end, x);
  const bool ok = r.ec == std::errc() && r.ptr == end && std::isfinite(x) &&
                  (open_lo ? x > lo : x >= lo) && x <= hi;
  if (!ok)
    bad_value(program, option, v,
              "a number " + std::string(open_lo ? "above " : "from ") + number_text(lo) +
                  " to " + number_text(hi));
  return x;
}

// A whole number in [lo, hi].
inline int64_t whole_arg(const char* program, const std::string& option, const char* v,
                         int64_t lo, int64_t hi) {
  double x = 0;
  const char* end = v + std::char_traits<char>::length(v);
  const auto r = std::from_chars(v, end, x);
  const bool ok = r.ec == std::errc() && r.ptr == end && x == std::floor(x) &&
                  x >= static_cast<double>(lo) && x <= static_cast<double>(hi);
  if (!ok)
    bad_value(program, option, v,
              "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
  return static_cast<int64_t>(x);
}

// A seed: a whole number from 0 to 2^64 - 1, in decimal.
inline uint64_t seed_arg(const char* program, const std::string& option, const char* v) {
  uint64_t x = 0;
  const char* end = v + std::char_traits<char>::length(v);
  const auto r = std::from_chars(v, end, x);
  if (r.ec != std::errc() || r.ptr != end || r.ptr == v)
    bad_value(program, option, v, "a whole number from 0 to 18446744073709551615");
  return x;
}

}  // namespace hs::bench
