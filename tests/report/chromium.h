// chromium.h: headless Chromium as the report tests and bench/bench_report drive it: load a page,
// dump the rendered DOM (or take a screenshot) with the page's console on stderr, and read what
// the page's script noted on its elements (attr(), body_attr(), element()). No test framework
// here, so a benchmark can use it too; page_harness.h adds the tests' side.
//
// HS_CHROMIUM names another browser binary.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace hs_test {

namespace fs = std::filesystem;

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline size_t count(const std::string& s, const std::string& part) {
  size_t n = 0;
  for (size_t p = s.find(part); p != std::string::npos; p = s.find(part, p + part.size())) ++n;
  return n;
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

inline int shell(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The chromium binary, or "" when there is none (HS_CHROMIUM overrides the search of PATH).
inline std::string find_chromium() {
  if (const char* c = std::getenv("HS_CHROMIUM"); c && *c) return fs::exists(c) ? c : "";
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin");
  for (std::string d; std::getline(dirs, d, ':');)
    for (const char* name : {"chromium", "chromium-browser"})
      if (!d.empty() && ::access((fs::path(d) / name).c_str(), X_OK) == 0) return (fs::path(d) / name).string();
  return "";
}

struct Browse {
  int code = -1;
  std::string dom, err;  // the dumped DOM (or ""), stderr
  double wall_s = 0;     // chromium's wall time, start to exit
};

// Loads `page` in headless chromium with the console logged to stderr; `what` is "--dump-dom" or
// "--screenshot=<png>". Its profile and output files go to `dir`, a profile per call, so calls
// may run in parallel. With `virtual_time`, chromium runs the page's timers on a virtual clock
// (--virtual-time-budget); without, in real time, where the script runs before the load event
// that --dump-dom waits for. `timeout 120` ends a chromium that hangs.
inline Browse browse(const fs::path& dir, const fs::path& page, const std::string& what,
                     bool virtual_time = true) {
  static int n = 0;
  const std::string tag = std::to_string(n++);
  const fs::path out = dir / ("dom" + tag + ".html"), err = dir / ("err" + tag + ".txt");
  const std::string cmd =
      "timeout 120 " + quote(find_chromium()) +
      " --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars"
      " --user-data-dir=" + quote((dir / ("profile" + tag)).string()) +
      " --enable-logging=stderr --v=0 --window-size=1400,2400" +
      (virtual_time ? " --virtual-time-budget=5000 " : " ") + what + " " +
      quote("file://" + fs::absolute(page).string()) + " > " + quote(out.string()) + " 2> " +
      quote(err.string());
  const auto t0 = std::chrono::steady_clock::now();
  Browse b;
  b.code = shell(cmd);
  b.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  b.dom = slurp(out);
  b.err = slurp(err);
  return b;
}

// The lines of chromium's stderr that come from the page's console. On this Chromium (156,
// Debian 12) every console message, console.error and uncaught exceptions included, is logged
// as `[...:INFO:CONSOLE:1] "Uncaught ReferenceError: ...", source: file:///... (1)`: the level
// is not in the line, so any console line counts (report.js logs nothing). dbus, gpu, vaapi and
// sandbox warnings are not console lines and are ignored.
inline std::vector<std::string> console_errors(const std::string& err) {
  std::vector<std::string> bad;
  std::stringstream ss(err);
  for (std::string line; std::getline(ss, line);)
    if (contains(line, ":CONSOLE") || contains(line, "CONSOLE(") || contains(line, "Uncaught"))
      bad.push_back(line);
  return bad;
}

// The value of attribute `name` on the element with id `id` in the dumped DOM, or "".
inline std::string attr(const std::string& dom, const std::string& id, const std::string& name) {
  const size_t at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const size_t open = dom.rfind('<', at), close = dom.find('>', at);
  const std::string tag = dom.substr(open, close - open);
  const size_t a = tag.find(" " + name + "=\"");
  if (a == std::string::npos) return "";
  const size_t v = a + name.size() + 3;
  return tag.substr(v, tag.find('"', v) - v);
}

// The value of attribute `name` on <body>, or "".
inline std::string body_attr(const std::string& dom, const std::string& name) {
  const size_t open = dom.find("<body");
  if (open == std::string::npos) return "";
  const std::string tag = dom.substr(open, dom.find('>', open) - open);
  const size_t a = tag.find(" " + name + "=\"");
  if (a == std::string::npos) return "";
  const size_t v = a + name.size() + 3;
  return tag.substr(v, tag.find('"', v) - v);
}

inline int attr_int(const std::string& dom, const std::string& id, const std::string& name) {
  const std::string v = attr(dom, id, name);
  return v.empty() ? -1 : std::stoi(v);
}

// The markup of the element with id `id` up to the next element of the same kind's end (enough
// for a plot <div> holding one <svg>, or a <table>).
inline std::string element(const std::string& dom, const std::string& id, const std::string& end) {
  const size_t at = dom.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  return dom.substr(at, dom.find(end, at) - at);
}

}  // namespace hs_test
