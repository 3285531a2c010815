// text.h: numbers as text that reads back to the same value: command lines, TOML files, the
// results file's /space attributes and messages all write doubles this way.
//
// May depend on: the standard library. Thread safety: pure functions.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

namespace hs {

// The shortest text that reads back to exactly `x` (std::to_chars): 0.1, 1e-05, 3, inf, nan.
inline std::string shortest(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

inline std::string shortest(int64_t x) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

// shortest(x) as a TOML float: ".0" appended where it would read as an integer (3 -> 3.0).
inline std::string shortest_float(double x) {
  std::string s = shortest(x);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

}  // namespace hs
