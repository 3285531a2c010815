// text.h: numbers as text that reads back to the same value: command lines, TOML files, the
// results file's /space attributes and messages all write doubles this way. And strings in
// double quotes, escaped as TOML basic strings and JSON both read them (quoted), counts of
// things and lists of trials as messages say them (counted, trials_text), words of a command a
// user can paste into a shell (shell_word), and a program's bytes
// made valid UTF-8 for the results file, whose strings are UTF-8 (valid_utf8, utf8_boundary),
// or safe for a terminal (printable) and aligned there (display_width, padded_left), and how far apart two names are (edit_distance: what
// "did you mean" and "a typo?" go by).
//
// May depend on: the standard library. Thread safety: pure functions.
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace hs {

// A measured value (a metric, a loss) as a table or a progress line shows it: `decimals` places
// (0.8863), or as many significant digits where fixed point would take hundreds of digits or
// show 0.0000 for a value that is not 0 (1e+300, 1.2e-07); -0 as 0, inf and -inf as such, nan
// as "nan".
inline std::string fixed_text(double v, int decimals = 4) {
  if (v == 0) v = 0;  // -0.0
  const double a = std::fabs(v);
  char buf[64];
  const bool general = a >= 1e9 || (a > 0 && a < std::pow(10.0, -decimals));
  std::snprintf(buf, sizeof buf, general ? "%.*g" : "%.*f", decimals, v);
  return buf;
}

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

// The shortest text that reads back to exactly the float `x`: a float32 value held in a double
// (an lr the trainer used) as 0.05, not as the double it widened to (0.05000000074505806).
inline std::string shortest_float32(double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<float>(x));
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

// `s` as one word of a POSIX shell command that a user can copy: as it is when every byte is
// one no shell treats specially (letters, digits, _ . / : = , @ % + -), else in single quotes,
// each ' written '\'' (so a path with a space, or --set's value `[0.1, 0.2]`, pastes whole).
inline std::string shell_word(std::string_view s) {
  const auto plain = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           (c != '\0' && std::strchr("_./:=,@%+-", c) != nullptr);
  };
  if (!s.empty() && std::all_of(s.begin(), s.end(), plain)) return std::string(s);
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The largest k <= n (and <= s.size()) at which s can be cut without splitting a UTF-8
// character: k itself unless s[k] is a continuation byte (10xxxxxx), else the start of its
// character.
inline size_t utf8_boundary(std::string_view s, size_t n) {
  if (n >= s.size()) return s.size();
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

// `s` with every byte that does not belong to a well-formed UTF-8 sequence (a stray
// continuation byte, a sequence cut short, an overlong form, a surrogate, past U+10FFFF, 0xC0,
// 0xC1, 0xF5-0xFF) and every NUL replaced by U+FFFD, one per byte: what a program printed, stored
// where readers decode UTF-8 (h5py, pandas, a browser) and would stop at the first bad byte, in
// the results file's C strings, which would end at a NUL.
inline std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    if (b > 0 && b < 0x80) len = 1, cp = b;
    else if (b >= 0xC2 && b <= 0xDF) len = 2, cp = b & 0x1F, min = 0x80;
    else if (b >= 0xE0 && b <= 0xEF) len = 3, cp = b & 0x0F, min = 0x800;
    else if (b >= 0xF0 && b <= 0xF4) len = 4, cp = b & 0x07, min = 0x10000;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      ok = (c & 0xC0) == 0x80;
      cp = (cp << 6) | (c & 0x3F);
    }
    ok = ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (ok) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  return out;
}

// `s` safe to print on a terminal: valid UTF-8 (valid_utf8), and each control character (C0
// but a tab, DEL, the C1 characters U+0080-U+009F, which a UTF-8 terminal may also obey, and
// the bidirectional overrides) written as \r, \b, \f or \uXXXX, so what a program printed (a
// colour code, a title-setting OSC, a carriage return over the line) shows as text instead of
// acting. `keep_newlines`: a newline stays a line break.
inline std::string printable(std::string_view s, bool keep_newlines = false) {
  const std::string v = valid_utf8(s);
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    unsigned code = 0x100;  // none: the byte is written as it is
    if ((c < 0x20 && c != '\t' && !(keep_newlines && c == '\n')) || c == 0x7f) code = c;
    if (c == 0xC2 && i + 1 < v.size() && static_cast<unsigned char>(v[i + 1]) <= 0x9F)
      code = static_cast<unsigned char>(v[++i]);  // U+0080-U+009F (a valid continuation byte)
    // The bidirectional controls (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069): they reorder
    // the rest of the line as a terminal shows it.
    if (c == 0xE2 && i + 2 < v.size()) {
      const unsigned cp = 0x2000 | ((static_cast<unsigned char>(v[i + 1]) & 0x3F) << 6) |
                          (static_cast<unsigned char>(v[i + 2]) & 0x3F);
      if (cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
          (cp >= 0x2066 && cp <= 0x2069)) {
        code = cp;
        i += 2;
      }
    }
    if (code == 0x100) {
      out += v[i];
    } else if (code == '\r' || code == '\b' || code == '\f' || code == '\n') {
      out += code == '\r' ? "\\r" : code == '\b' ? "\\b" : code == '\f' ? "\\f" : "\\n";
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", code);
      out += buf;
    }
  }
  return out;
}

// The columns a terminal gives UTF-8 text `s`: one a character, two for the wide ones (CJK,
// Hangul, full-width forms, most emoji), none for a combining mark or a continuation byte.
inline size_t display_width(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    uint32_t cp = len == 1 ? b : b & (0xFF >> (len + 1));
    for (size_t k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    const bool combining = (cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) ||
                           (cp >= 0xFE00 && cp <= 0xFE0F);
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
                      (cp >= 0x20000 && cp <= 0x3FFFD);
    w += combining ? 0 : wide ? 2 : 1;
  }
  return w;
}

// `s` right-aligned in `width` terminal columns (display_width), as fmt's {:>N} aligns ASCII;
// as it is when wider.
inline std::string padded_left(std::string_view s, size_t width) {
  const size_t w = display_width(s);
  return std::string(w < width ? width - w : 0, ' ') + std::string(s);
}

// The Levenshtein distance of `a` and `b`: the letters left out, added or changed between them
// (bytes, not characters). What the config's "did you mean" and a command's "a typo?" go by.
inline size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace hs
