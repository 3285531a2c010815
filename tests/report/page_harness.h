// page_harness.h: what the report tests share: a scratch folder, the page's embedded JSON, and
// headless Chromium (chromium.h: browse() dumps the rendered DOM or takes a screenshot,
// console_errors() picks the page's console lines out of its stderr, attr()/element() read the
// dumped DOM).
//
// Without chromium the browser tests print why and pass with a warning, unless HS_REQUIRE_BROWSER=1
// (then they fail). HS_CHROMIUM names another browser binary. HS_REPORT_KEEP=<dir> copies every
// report and screenshot there for a person to look at.
#pragma once

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "report/chromium.h"

namespace hs_test {

// ---- helpers ------------------------------------------------------------------------------------

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
  const fs::path& dir() const { return dir_; }

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

// browse() with its files in the scratch folder `s`.
inline Browse browse(const Scratch& s, const fs::path& page, const std::string& what, bool virtual_time = true) {
  return browse(s.dir(), page, what, virtual_time);
}

}  // namespace hs_test
