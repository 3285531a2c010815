#include "trial/failure.h"

#include <algorithm>
#include <string_view>

#include "core/text.h"

namespace hs {

namespace {

constexpr std::string_view kStderrMarker = "\nstderr (the end):\n";

std::string trimmed(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t\r") + 1 - a);
}

// The last line of `text` with anything but blanks on it; empty if none has.
std::string last_line(const std::string& text) {
  size_t end = text.size();
  while (end > 0) {
    const size_t nl = text.rfind('\n', end - 1);
    const size_t from = nl == std::string::npos ? 0 : nl + 1;
    std::string line = trimmed(text.substr(from, end - from));
    if (!line.empty()) return line;
    if (nl == std::string::npos) break;
    end = nl;
  }
  return {};
}

// s cut to at most n bytes, ending in "..." when cut, and never inside a UTF-8 character.
// REQUIRES: n >= 3.
std::string cut_to(std::string s, size_t n) {
  if (s.size() <= n) return s;
  s.resize(utf8_boundary(s, n - 3));
  return s += "...";
}

}  // namespace

std::string with_stderr_tail(std::string reason, const std::string& stderr_tail) {
  if (!stderr_tail.empty()) reason += std::string(kStderrMarker) + stderr_tail;
  return valid_utf8(reason);
}

std::string error_reason(const std::string& error) {
  return error.substr(0, error.find(kStderrMarker));
}

std::string error_headline(const std::string& error, size_t max_chars) {
  // printable: a program's colour codes or carriage returns show as text, never act on the
  // terminal the line is printed on.
  std::string line = printable(error.substr(0, error.find('\n')));
  std::string ends;  // "; its stderr ends: <its last line>"
  if (const size_t at = error.find(kStderrMarker); at != std::string::npos) {
    const std::string tail = printable(last_line(error.substr(at + kStderrMarker.size())));
    if (!tail.empty()) ends = "; its stderr ends: " + tail;
  }
  if (max_chars < 3 || line.size() + ends.size() <= max_chars) return line + ends;
  // Too long: the reason gives way first (down to a third of the room), as the stderr's last
  // line is where the cause usually is (a Python exception).
  const size_t room =
      std::max(max_chars / 3, max_chars > ends.size() ? max_chars - ends.size() : 0);
  return cut_to(cut_to(std::move(line), room) + ends, max_chars);
}

std::string failure_cause(TrialStatus s, const std::string& error) {
  if (error.empty() && s == TrialStatus::kTimedOut)
    return "its time limit ([train] max_seconds) ended it before its last epoch";
  return error_headline(error);
}

}  // namespace hs
