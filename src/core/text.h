// text.h: numbers as text that reads back to the same value: command lines, TOML files, the
// results file's /space attributes and messages all write doubles this way. And strings in
// double quotes, escaped as TOML basic strings and JSON both read them (quoted), and counts of
// things and lists of trials as messages say them (counted, trials_text).
//
// May depend on: the standard library. Thread safety: pure functions.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

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

// `n` and `word`, with an s past one: "0 trials", "1 trial", "3 epochs" (the words messages count
// are regular English plurals).
inline std::string counted(int64_t n, std::string_view word) {
  return shortest(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

// Trial ids as messages list them, in runs: "trial 3", "trials 0-5, 7, 9-12". Past `max_runs`
// runs, "..." and the count: "trials 0-1, 3, ... (40 in all)". REQUIRES: ids ascending, distinct,
// not empty.
inline std::string trials_text(const std::vector<int64_t>& ids, size_t max_runs = 8) {
  if (ids.size() == 1) return "trial " + shortest(ids[0]);
  std::string out = "trials ";
  size_t runs = 0;
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j + 1 < ids.size() && ids[j + 1] == ids[j] + 1) ++j;
    if (runs++ == max_runs)
      return out + ", ... (" + shortest(static_cast<int64_t>(ids.size())) + " in all)";
    if (i > 0) out += ", ";
    out += shortest(ids[i]);
    if (j > i) out += (j == i + 1 ? ", " : "-") + shortest(ids[j]);
    i = j + 1;
  }
  return out;
}

// shortest(x) as a TOML float: ".0" appended where it would read as an integer (3 -> 3.0).
inline std::string shortest_float(double x) {
  std::string s = shortest(x);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

// `s` in double quotes with \" \\ \b \t \n \f \r and \u00XX for other control bytes: a TOML
// basic string and a JSON string alike (other bytes, UTF-8 included, as they are).
inline std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

}  // namespace hs
