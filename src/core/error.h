// error.h: the error value every boundary of hypersweep returns (config, data files, HDF5,
// external commands). It carries where the problem is (file, line, key) and what it is, so the
// CLI can print one clear message and exit 2 (STYLE.md, "Errors").
//
// Who may call: anyone. Thread safety: plain values, no shared state.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace hs {

// Input echoed in a message (a key, a value), cut to its first `keep` characters: a
// 200,000-character key would bury the message. "abcd... (200000 characters)".
inline std::string clipped(std::string_view s, size_t keep = 80) {
  if (s.size() <= keep) return std::string(s);
  return std::string(s.substr(0, keep)) + "... (" + std::to_string(s.size()) + " characters)";
}

struct Error {
  std::string file;     // file at fault, or a pseudo-source such as "--set"; may be empty
  int line = 0;         // 1-based line in `file`, 0 when not applicable
  std::string key;      // config key or field at fault; may be empty
  std::string message;  // what is wrong, with the offending value

  // "file:line: key: message", leaving out the parts that are empty; the key clipped().
  std::string str() const {
    std::string s;
    if (!file.empty()) {
      s += file;
      if (line > 0) {  // two appends: `":" + to_string()` trips a false -Wrestrict in g++ 12
        s += ':';
        s += std::to_string(line);
      }
      s += ": ";
    }
    if (!key.empty()) s += clipped(key) + ": ";
    s += message;
    return s;
  }
};

inline Error make_error(std::string file, std::string message) {
  return Error{std::move(file), 0, {}, std::move(message)};
}

// Result<T>: a T or an Error (a small stand-in for C++23 std::expected).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit on purpose

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Status: success, or an Error.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit on purpose
  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace hs
