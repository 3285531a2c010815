// bench_report: how fast headless Chromium renders the HTML report of a big sweep, as a person
// would open it: 1,000 trials x 100 epochs by default (the report tests' synthetic sweep,
// tests/report/synthetic_sweep.h: about 6 MB of HTML).
//
//   build/bin/bench_report [--runs N] [--trials T] [--epochs E]
//
// Cases: render_report() of the sweep to text (timed once), then N loads of the page (default 5)
// in a fresh headless Chromium each, in real time (no virtual clock), as the report tests drive
// it (tests/report/chromium.h). Each load reports the page script's own figure, <body
// data-render-ms>: JSON.parse, drawing every plot and the table, and one forced style and layout
// pass; and data-page-ms, the same moment since navigation start. It prints every load and the
// median, min and max, with the rate in curve points (trials x epochs) drawn per second.
// Before timing, the first load is checked: no console line, every curve (T - 1: the failed
// trial has none), every scatter point and every table row drawn. Exit code 1 when Chromium
// is missing or the check fails.
// Not Google Benchmark: each sample is another process's own measurement.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "report/chromium.h"
#include "report/report.h"
#include "report/synthetic_sweep.h"

namespace {

struct Args {
  int runs = 5;
  int trials = 1000;
  int epochs = 100;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs")) a.runs = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--trials")) a.trials = std::max(6, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--epochs")) a.epochs = std::max(5, std::atoi(argv[i + 1]));
  }
  return a;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int fail(const std::string& why) {
  std::fprintf(stderr, "bench_report: %s\n", why.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hs_test;
  const Args a = parse(argc, argv);
  if (find_chromium().empty()) return fail("no chromium (apt-get install chromium, or set HS_CHROMIUM)");

  const Sweep s = synthetic_sweep(a.trials, a.epochs, "tpe");
  const auto t0 = std::chrono::steady_clock::now();
  const std::string html = hs::render_report(s.header, s.trials, s.findings);
  const double text_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

  std::string tmpl = (fs::temp_directory_path() / "hs_bench_report_XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return fail("cannot make a temporary folder");
  const fs::path dir = tmpl, page = dir / "report.html";
  std::ofstream(page, std::ios::binary) << html;
  std::printf("%d trials x %d epochs: %.2f MB of HTML, render_report() %.0f ms; %d loads in headless Chromium\n",
              a.trials, a.epochs, html.size() / 1e6, text_ms, a.runs);

  std::vector<double> render_ms, page_ms;
  for (int run = 0; run < a.runs; ++run) {
    const Browse b = browse(dir, page, "--dump-dom", false);
    if (run == 0) {  // the check, before any figure counts
      const int rows = static_cast<int>(count(element(b.dom, "trials-table", "</table>"), "<tr data-i="));
      if (b.code != 0 || body_attr(b.dom, "data-rendered") != "1" || !console_errors(b.err).empty() ||
          attr_int(b.dom, "plot-overlay", "data-series") != a.trials - 1 ||
          attr_int(b.dom, "plot-scatter", "data-points") != with_result(s) || rows != a.trials) {
        std::fprintf(stderr, "%s\n", b.err.c_str());
        fs::remove_all(dir);
        return fail("the page did not render completely (chromium exit " + std::to_string(b.code) +
                    ", " + std::to_string(rows) + " table rows)");
      }
    }
    render_ms.push_back(std::stod(body_attr(b.dom, "data-render-ms")));
    page_ms.push_back(std::stod(body_attr(b.dom, "data-page-ms")));
    std::printf("  load %d: data-render-ms %.0f, data-page-ms %.0f, chromium wall %.2f s\n", run + 1,
                render_ms.back(), page_ms.back(), b.wall_s);
  }
  fs::remove_all(dir);
  const double med = median(render_ms);
  std::printf("data-render-ms: median %.0f, min %.0f, max %.0f (%.0f curve points/s); data-page-ms median %.0f\n",
              med, *std::min_element(render_ms.begin(), render_ms.end()),
              *std::max_element(render_ms.begin(), render_ms.end()),
              1e3 * a.trials * a.epochs / med, median(page_ms));
  return 0;
}
