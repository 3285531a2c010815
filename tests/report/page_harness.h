// page_harness.h: what the report tests share: a scratch folder, the page's embedded JSON, and
// headless Chromium (browse() dumps the rendered DOM or takes a screenshot, console_errors()
// picks the page's console lines out of its stderr, attr()/element() read the dumped DOM).
//
// Without chromium the browser tests print why and pass with a warning, unless HS_REQUIRE_BROWSER=1
// (then they fail). HS_CHROMIUM names another browser binary. HS_REPORT_KEEP=<dir> copies every
// report and screenshot there for a person to look at.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace hs_test {

namespace fs = std::filesystem;

// ---- helpers ------------------------------------------------------------------------------------

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

// A fresh folder, removed with everything in it at the end of its scope.
class Scratch {
 public:
  Scratch() {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("hs_report_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return dir_ / name;
  }
  fs::path path(const std::string& name) const { return dir_ / name; }

 private:
  fs::path dir_;
};

// With HS_REPORT_KEEP=<dir>, keeps a copy of `p` there (reports and screenshots to look at).
inline void keep(const fs::path& p) {
  const char* dir = std::getenv("HS_REPORT_KEEP");
  if (!dir || !*dir) return;
  fs::create_directories(dir);
  fs::copy_file(p, fs::path(dir) / p.filename(), fs::copy_options::overwrite_existing);
}

inline int shell(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The embedded JSON object, as the page holds it.
inline std::string embedded_json(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"hs-data\">";
  const size_t a = html.find(open);
  REQUIRE(a != std::string::npos);
  const size_t b = html.find("</script>", a);
  REQUIRE(b != std::string::npos);
  return html.substr(a + open.size(), b - a - open.size());
}

// Runs python3 on `script` with the JSON file as argv[1]; returns what it printed.
inline std::string python_on_json(const Scratch& s, const std::string& json, const std::string& script) {
  const fs::path data = s.write("data.json", json), py = s.write("check.py", script);
  const fs::path out = s.path("py.out");
  const int rc = shell("/usr/bin/python3 " + quote(py.string()) + " " + quote(data.string()) + " > " +
                       quote(out.string()) + " 2>&1");
  const std::string printed = slurp(out);
  INFO("python3 printed: " << printed);
  REQUIRE(rc == 0);
  return printed;
}

// ---- the browser ----------------------------------------------------------------------------------

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

// True when the browser tests can run; otherwise says why, loudly, and the test returns early
// (a warning), or fails when HS_REQUIRE_BROWSER=1.
inline bool have_browser() {
  if (!find_chromium().empty()) return true;
  const char* req = std::getenv("HS_REQUIRE_BROWSER");
  if (req && std::string(req) == "1") {
    FAIL("chromium is not installed (or HS_CHROMIUM is wrong) and HS_REQUIRE_BROWSER=1");
  }
  WARN("SKIPPED: chromium is not installed, so the report is not checked in a browser "
       "(apt-get install chromium; HS_REQUIRE_BROWSER=1 makes this a failure)");
  return false;
}

struct Browse {
  int code = -1;
  std::string dom, err;  // the dumped DOM (or ""), stderr
  double wall_s = 0;
};

// Loads `page` in headless chromium with the console logged to stderr; `what` is "--dump-dom" or
// "--screenshot=<png>". A profile of its own, so tests may run in parallel.
inline Browse browse(const Scratch& s, const fs::path& page, const std::string& what, bool virtual_time = true) {
  static int n = 0;
  const std::string tag = std::to_string(n++);
  const fs::path out = s.path("dom" + tag + ".html"), err = s.path("err" + tag + ".txt");
  const std::string cmd =
      "timeout 120 " + quote(find_chromium()) +
      " --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars"
      " --user-data-dir=" + quote(s.path("profile" + tag).string()) +
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
