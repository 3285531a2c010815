// Tests of src/report: the page's text (no network reference, JSON that parses back, escaping,
// size at 1,000 trials x 100 epochs) and the page in a real browser: headless Chromium dumps the
// rendered DOM (the plots' data-series, the scatter's points, the table's rows), prints the
// page's console to stderr (checked for errors) and takes a screenshot. The harness, and the
// environment variables that steer it (HS_REQUIRE_BROWSER, HS_CHROMIUM, HS_REPORT_KEEP), are in
// page_harness.h; the synthetic sweep is synthetic_sweep.h's. How fast the page renders is
// bench/bench_report's to measure, not a test's.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "report/page_harness.h"
#include "report/report.h"
#include "report/synthetic_sweep.h"

namespace {

using namespace hs_test;
using hs::TrialRecord;
using hs::TrialStatus;

// ---- unit tests -------------------------------------------------------------------------------------

TEST_CASE("report loads nothing from the network", "[report]") {
  const Sweep s = synthetic_sweep(12, 20, "random");
  const std::string html = hs::render_report(s.header, s.trials, s.findings);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK_FALSE(contains(html, "http://"));
  CHECK_FALSE(contains(html, "https://"));
  CHECK_FALSE(contains(html, "src="));   // no <script src>, <img src>
  CHECK_FALSE(contains(html, "href="));  // no <link href>, <a href>
  CHECK_FALSE(contains(html, "@import"));
  CHECK_FALSE(contains(html, "url("));
  CHECK_FALSE(contains(html, "fetch("));
  CHECK_FALSE(contains(html, "XMLHttpRequest"));
  CHECK(count(html, "<script") == 2);  // the data and the embedded report.js
  CHECK(count(html, "</script>") == 2);
  CHECK(contains(html, "<style>"));
}

TEST_CASE("report JSON parses back with every trial and epoch", "[report]") {
  const Sweep s = synthetic_sweep(12, 20, "random");
  const std::string html = hs::render_report(s.header, s.trials, s.findings);
  Scratch sc;
  // parse_constant refuses NaN and Infinity, which Python accepts but JSON and JSON.parse do not.
  const std::string printed = python_on_json(sc, embedded_json(html), R"PY(
import json, sys
def refuse(c): raise ValueError("not JSON: " + c)
d = json.load(open(sys.argv[1]), parse_constant=refuse)
t = d["t"]
print(len(t["id"]), len(t["p"]), len(d["params"]))
print(",".join(str(0 if c is None else len(c["va"])) for c in t["c"]))
print(d["seed"], d["metric"], d["dir"], d["strategy"])
print(t["st"][3], t["st"][5], t["bm"][3], t["bm"][5], t["c"][3]["tl"][4], t["c"][3]["tl"][5])
print(len(t["ur"][0]), len(t["ur"][0][0]), t["ln"][0])
print(json.dumps(t["f"][3][0]))
print(json.dumps(d["config"]))
print(json.dumps(t["err"][5]))
print(t["p"][2][0] in ("adam", "sgd</b>&"), t["p"][4][0])
)PY");
  std::string epochs;
  for (int i = 0; i < 12; ++i) epochs += std::string(i ? "," : "") + (i == 5 ? "0" : "20");
  std::stringstream expect;
  expect << "12 5 5\n"
         << epochs << "\n"
         << "18446744073709551615 val_acc max random\n"
         << "diverged failed None None inf None\n"  // trial 3's train_loss: inf at epoch 5, then NaN
         << "2 20 ['dense1', 'dense2']\n"
         << "[\"diverged\", \"train_loss became inf at epoch 5 (lr 0.09 > \\\"safe\\\" <limit>)\", "
            "\"lower the learning rate\", 5, 5]\n";
  std::string config_json, err_json;
  {
    // What json.dumps prints for the original strings (only '"' and '\n' need escaping here).
    auto dumps = [](const std::string& v) {
      std::string o = "\"";
      for (char c : v) o += c == '"' ? std::string("\\\"") : c == '\n' ? std::string("\\n") : std::string(1, c);
      return o + "\"";
    };
    config_json = dumps(s.header.config_text);
    err_json = dumps(s.trials[5].error);
  }
  expect << config_json << "\n" << err_json << "\nTrue 20\n";
  CHECK(printed == expect.str());
}

TEST_CASE("report escapes markup in config, params and errors", "[report]") {
  Sweep s = synthetic_sweep(12, 10, "random");
  s.header.config_text += "x = \"</script><script>alert(1)</script>\"\n<!-- <script> -->\n";
  s.header.metric = hs::Metric{"val_acc", hs::Direction::kMaximize};
  hs::ReportOptions opt;
  opt.title = "sweep <b>&</b> </title>";
  const std::string html = hs::render_report(s.header, s.trials, s.findings, opt);
  CHECK(count(html, "</script>") == 2);
  CHECK(count(html, "<script") == 2);
  CHECK_FALSE(contains(html, "alert(1)</script>"));
  CHECK_FALSE(contains(html, "<!--"));
  CHECK_FALSE(contains(html, "sgd</b>"));
  CHECK(count(html.substr(0, html.find("</head>")), "</title>") == 1);
  CHECK(contains(html, "<title>sweep &lt;b&gt;&amp;&lt;/b&gt; &lt;/title&gt;</title>"));
  CHECK(contains(html, "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
  // And the text survives the round trip exactly.
  Scratch sc;
  const fs::path expected = sc.write("config.txt", s.header.config_text);
  const std::string printed = python_on_json(sc, embedded_json(html),
                                             "import json, sys\n"
                                             "d = json.load(open(sys.argv[1]))\n"
                                             "print(d['config'] == open('" + expected.string() +
                                                 "').read(), d['title'])\n");
  CHECK(printed == "True sweep <b>&</b> </title>\n");
}

TEST_CASE("report numbers are compact, NaN is null and inf is 1e999", "[report]") {
  // JSON has no inf: 1e999 is a JSON number that JSON.parse (and Python's json) read as
  // Infinity, so an inf is not shown as missing (null, what NaN is).
  Sweep s = synthetic_sweep(12, 20, "random");
  s.trials[0].curves[0].val_acc = 0.123456789;
  s.trials[0].curves[1].val_acc = -INFINITY;
  s.trials[0].curves[2].val_acc = NAN;
  s.trials[0].curves[3].val_acc = INFINITY;
  s.trials[0].update_ratio[0][0] = 1.234567e-5;
  const std::string json = embedded_json(hs::render_report(s.header, s.trials, s.findings));
  for (const char* bad : {"NaN", "Infinity", ",nan", "[nan", ",-nan", "[-nan", ",inf", "[inf", ",-inf", "[-inf"})
    CHECK_FALSE(contains(json, bad));
  CHECK(contains(json, "\"va\":[0.1235,-1e999,null,1e999,"));
  CHECK(contains(json, "[[1.235e-5,"));
  CHECK(contains(json, "\"seed\":\"18446744073709551615\""));
}

TEST_CASE("report at 1000 trials x 100 epochs stays under 10 MB", "[report]") {
  const Sweep s = synthetic_sweep(1000, 100, "tpe");
  const std::string html = hs::render_report(s.header, s.trials, s.findings);
  WARN("1000 trials x 100 epochs: " << html.size() / 1e6 << " MB of HTML");
  CHECK(html.size() < 10'000'000);
}

TEST_CASE("report of a sweep above max_trials draws the best and a seeded sample and says so", "[report]") {
  const Sweep s = synthetic_sweep(60, 10, "random");
  hs::ReportOptions opt;
  opt.max_trials = 20;
  opt.keep_best = 5;
  const std::string html = hs::render_report(s.header, s.trials, s.findings, opt);
  CHECK(html == hs::render_report(s.header, s.trials, s.findings, opt));  // seeded: the same page
  CHECK(contains(html, "id=\"hs-large\""));
  CHECK(contains(html, "60 trials</b> (58 completed, 1 diverged, 1 failed)"));
  CHECK(contains(html, "draws 20 of them in full: the best 5 by val_acc and a seeded sample of 15"));
  // The 5 best by val_acc (trials with a result), each drawn; the ids drawn in their order.
  std::vector<std::pair<double, int64_t>> ranked;
  for (const TrialRecord& t : s.trials)
    if (t.status == TrialStatus::kCompleted) ranked.push_back({-t.best_metric, t.id});
  std::sort(ranked.begin(), ranked.end());
  Scratch sc;
  const std::string printed = python_on_json(sc, embedded_json(html), R"PY(
import json, sys
ids = json.load(open(sys.argv[1]))["t"]["id"]
print(len(ids), ids == sorted(ids), " ".join(str(i) for i in ids))
)PY");
  std::istringstream in(printed);
  size_t n = 0;
  std::string in_order;
  in >> n >> in_order;
  CHECK(n == 20);
  CHECK(in_order == "True");
  std::vector<int64_t> drawn;
  for (int64_t id; in >> id;) drawn.push_back(id);
  for (size_t k = 0; k < 5; ++k)
    CHECK(std::find(drawn.begin(), drawn.end(), ranked[k].second) != drawn.end());
  // Epoch 10's row of the quantile table, over every trial's val_acc (59: trial 5 has no curve).
  std::vector<double> last;
  for (const TrialRecord& t : s.trials)
    if (t.curves.size() == 10) last.push_back(t.curves[9].val_acc);
  REQUIRE(last.size() == 59);
  std::sort(last.begin(), last.end());
  char row[200];
  std::snprintf(row, sizeof row, "<tr><td>10</td><td>59</td><td>%.4g</td><td>%.4g</td><td>%.4g</td>",
                last[3], last[15], last[29]);  // nearest ranks of 5%, 25%, 50% of 59
  CHECK(contains(html, row));
  // At or below max_trials: every trial, no note.
  opt.max_trials = 60;
  CHECK_FALSE(contains(hs::render_report(s.header, s.trials, s.findings, opt), "hs-large"));
}

TEST_CASE("a page built a trial at a time in any order is render_report's page", "[report]") {
  // hypersweep report reads a results file a trial at a time (SweepPage), in the order its
  // records were written: not /summary's when a trial was recorded again.
  Sweep s = synthetic_sweep(300, 10, "random");
  // Ties for the best, which the lowest place wins, beyond what SweepPage keeps between its
  // cuts of the best (2 x keep_best + 64 candidates).
  for (size_t i = 100; i < 200; ++i)
    if (s.trials[i].status == TrialStatus::kCompleted) s.trials[i].best_metric = 0.99;
  const auto built = [&](const hs::ReportOptions& opt, size_t rotate) {
    hs::SweepPage page(s.header, opt);
    const size_t n = s.trials.size();
    for (size_t k = 0; k < n; ++k) {
      const size_t i = n - 1 - k;  // backwards
      page.add(s.trials[i], i);
    }
    page.choose();
    for (size_t k = 0; k < n; ++k) {
      const size_t i = (k + rotate) % n;
      page.draw(TrialRecord(s.trials[i]), std::vector<hs::Finding>(s.findings[i]), i);
    }
    CHECK(page.trials() == n);
    return page.page();
  };
  hs::ReportOptions opt;
  CHECK(built(opt, 7) == hs::render_report(s.header, s.trials, s.findings, opt));
  opt.max_trials = 40;
  opt.keep_best = 5;
  const std::string large = built(opt, 33);
  CHECK(contains(large, "id=\"hs-large\""));
  CHECK(large == hs::render_report(s.header, s.trials, s.findings, opt));
  // Fewer trials kept than fit between prunings of the best: the same choice.
  opt.keep_best = 2;
  CHECK(built(opt, 1) == hs::render_report(s.header, s.trials, s.findings, opt));
}

// ---- in the browser ---------------------------------------------------------------------------------

TEST_CASE("browser console check catches a broken page", "[report][browser]") {
  if (!have_browser()) return;
  Scratch sc;
  const fs::path ok = sc.write("ok.html", "<!DOCTYPE html><html><body><script>"
                                          "document.body.setAttribute('data-ok','1');</script></body></html>");
  const fs::path bad = sc.write("bad.html", "<!DOCTYPE html><html><body><script>"
                                            "console.error('boom'); undefinedFunction();</script></body></html>");
  const Browse g = browse(sc, ok, "--dump-dom"), b = browse(sc, bad, "--dump-dom");
  INFO("good page stderr:\n" << g.err);
  CHECK(contains(g.dom, "data-ok=\"1\""));
  CHECK(console_errors(g.err).empty());
  INFO("broken page stderr:\n" << b.err);
  const auto errs = console_errors(b.err);
  REQUIRE(errs.size() == 2);
  CHECK(contains(errs[0], "boom"));
  CHECK(contains(errs[1], "Uncaught ReferenceError"));
}

TEST_CASE("browser renders every plot and row of a 12-trial random sweep", "[report][browser]") {
  if (!have_browser()) return;
  const Sweep s = synthetic_sweep(12, 20, "random");
  Scratch sc;
  const fs::path page = sc.write("report_random.html", hs::render_report(s.header, s.trials, s.findings));
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  CHECK(console_errors(b.err).empty());
  const std::string& dom = b.dom;
  REQUIRE(body_attr(dom, "data-rendered") == "1");
  // Curves: 11 trials (the failed one has none; the diverged one has, with gaps).
  CHECK(attr_int(dom, "plot-overlay", "data-series") == 11);
  CHECK(count(element(dom, "plot-overlay", "</svg>"), "<path class=\"curve") == 11);
  // The chosen trial (the best by default): loss points + average for train and val, and lr;
  // accuracy points + average; one update-ratio line per layer.
  CHECK(attr_int(dom, "plot-loss", "data-series") == 5);
  CHECK(attr_int(dom, "plot-acc", "data-series") == 4);
  CHECK(attr_int(dom, "plot-ratio", "data-series") == 2);
  // The scatter: one point per trial with a result (10: not the diverged, not the failed one),
  // plus the set of crosses for those two.
  CHECK(attr_int(dom, "plot-scatter", "data-points") == with_result(s));
  CHECK(with_result(s) == 10);
  CHECK(count(element(dom, "plot-scatter", "</svg>"), "<circle class=\"pt") == 10);
  CHECK(attr_int(dom, "plot-scatter", "data-series") == 2);
  // lr x weight_decay by default, on log axes.
  CHECK(contains(element(dom, "plot-scatter", "</svg>"), ">lr (log)<"));
  CHECK(contains(element(dom, "plot-scatter", "</svg>"), ">weight_decay (log)<"));
  // Parallel coordinates: a line per trial that has parameters (all 12).
  CHECK(attr_int(dom, "plot-parallel", "data-series") == 12);
  // Random search: no best-so-far plot. No pruner: no rung chart, no pruned curves.
  CHECK(attr_int(dom, "plot-bestsofar", "data-series") == 0);
  CHECK(attr_int(dom, "plot-rungs", "data-series") == 0);
  CHECK(attr_int(dom, "plot-overlay", "data-pruned") == 0);
  // The table: a row per trial, the diagnosis with its evidence as a tooltip.
  const std::string table = element(dom, "trials-table", "</table>");
  CHECK(count(table, "<tr data-i=") == 12);
  CHECK(contains(table, "title=\"train_loss became inf at epoch 5 (lr 0.09 &gt; &quot;safe&quot; &lt;limit&gt;)"));
  // Text from the data is text, never markup.
  CHECK_FALSE(contains(dom, "<b>config</b>"));
  CHECK_FALSE(contains(dom, "sgd</b>"));
  CHECK(contains(dom, "&lt;/script&gt;&lt;script&gt;alert('x')&lt;/script&gt;"));
  CHECK(std::stod(body_attr(dom, "data-render-ms")) >= 0);  // noted (bench_report reads it)
}

// A script the test appends after the report's own: it clicks every column header twice (sort
// up and down), chooses the failed and the diverged trial by their rows, tries every pair of
// scatter axes, clicks the middle of the overlay, and notes what it saw on <body>.
constexpr const char* kClicker = R"JS(<script>
(function () {
  function q(s) { return document.querySelector(s); }
  var n = q('#trials-table thead tr').children.length;
  for (var k = 0; k < n; ++k) { q('th[data-col="' + k + '"]').click(); q('th[data-col="' + k + '"]').click(); }
  q('#trials-table tr[data-i="5"]').click();
  var b = document.body;
  b.setAttribute('data-t-failed-series', q('#plot-loss').getAttribute('data-series'));
  b.setAttribute('data-t-failed-error', q('#trial-head .error') ? '1' : '0');
  q('#trials-table tr[data-i="3"]').click();
  b.setAttribute('data-t-diverged-series', q('#plot-loss').getAttribute('data-series'));
  b.setAttribute('data-t-sel-rows', String(document.querySelectorAll('#trials-table tr.sel').length));
  var sx = q('#scatter-x'), sy = q('#scatter-y'), pts = [];
  for (var i = 0; i < sx.options.length; ++i) for (var j = 0; j < sy.options.length; ++j) {
    sx.value = sx.options[i].value; sx.dispatchEvent(new Event('change'));
    sy.value = sy.options[j].value; sy.dispatchEvent(new Event('change'));
    pts.push(q('#plot-scatter').getAttribute('data-points'));
  }
  b.setAttribute('data-t-scatter-points', pts.join(','));
  var svg = q('#plot-overlay svg'), r = svg.getBoundingClientRect();
  svg.dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: r.left + r.width * 0.9, clientY: r.top + r.height * 0.12 }));
  b.setAttribute('data-t-after-overlay', q('#trials-table tr.sel') ? q('#trials-table tr.sel').getAttribute('data-i') : '');
  b.setAttribute('data-t-done', '1');
})();
</script>)JS";

TEST_CASE("browser report survives sorting and choosing trials and axes", "[report][browser]") {
  if (!have_browser()) return;
  const Sweep s = synthetic_sweep(12, 20, "random");
  std::string html = hs::render_report(s.header, s.trials, s.findings);
  html.insert(html.rfind("</body>"), kClicker);
  Scratch sc;
  const fs::path page = sc.write("report_clicked.html", html);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  CHECK(console_errors(b.err).empty());
  REQUIRE(body_attr(b.dom, "data-t-done") == "1");
  CHECK(body_attr(b.dom, "data-t-failed-series") == "0");  // no curves: empty plots
  CHECK(body_attr(b.dom, "data-t-failed-error") == "1");   // and its error text
  CHECK(body_attr(b.dom, "data-t-diverged-series") == "5");
  CHECK(body_attr(b.dom, "data-t-sel-rows") == "1");
  // 5 x 5 axis pairs (4 searched parameters and the metric); every pair shows the 10 results.
  std::string ten;
  for (int i = 0; i < 25; ++i) ten += std::string(i ? "," : "") + "10";
  CHECK(body_attr(b.dom, "data-t-scatter-points") == ten);
  // Near the top right of the overlay runs the best curve (top of the ranking at the end).
  CHECK_FALSE(body_attr(b.dom, "data-t-after-overlay").empty());
}

TEST_CASE("browser draws best-so-far for a tpe sweep", "[report][browser]") {
  if (!have_browser()) return;
  Sweep s = synthetic_sweep(12, 20, "tpe");
  s.header.metric = hs::Metric{"val_loss", hs::Direction::kMinimize};  // the overlay shows val_loss
  for (auto& t : s.trials)
    if (!t.curves.empty()) t.best_metric = t.curves.back().val_loss;
  Scratch sc;
  hs::ReportOptions opt;
  opt.max_table_rows = 5;
  const fs::path page = sc.write("report_tpe.html", hs::render_report(s.header, s.trials, s.findings, opt));
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  CHECK(console_errors(b.err).empty());
  CHECK(attr_int(b.dom, "plot-bestsofar", "data-series") == 2);
  CHECK(attr_int(b.dom, "plot-overlay", "data-series") == 11);
  CHECK(contains(element(b.dom, "plot-overlay", "</svg>"), ">val_loss<"));
  CHECK(contains(b.dom, "(minimised)"));
  CHECK(count(element(b.dom, "trials-table", "</table>"), "<tr data-i=") == 5);
  CHECK(contains(b.dom, "showing 5 of 12 trials"));
}

TEST_CASE("browser survives a sweep with no trials and one without curves", "[report][browser]") {
  if (!have_browser()) return;
  Sweep s = synthetic_sweep(12, 20, "bayes");
  Scratch sc;
  const fs::path none = sc.write("none.html", hs::render_report(s.header, {}, {}));
  std::vector<TrialRecord> one = {s.trials[5]};  // the failed trial only
  const fs::path failed = sc.write("failed.html", hs::render_report(s.header, one, {}));
  for (const fs::path& p : {none, failed}) {
    const Browse b = browse(sc, p, "--dump-dom");
    INFO(p.filename() << ": chromium stderr:\n" << b.err);
    CHECK(console_errors(b.err).empty());
    CHECK(body_attr(b.dom, "data-rendered") == "1");
    CHECK(attr_int(b.dom, "plot-overlay", "data-series") == 0);
  }
}

// The PNG's width and height from its IHDR chunk, or {0, 0} when it is not a PNG.
std::pair<int, int> png_size(const std::string& png) {
  if (png.size() < 24 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return {0, 0};
  auto be32 = [&](size_t o) {
    return (static_cast<unsigned char>(png[o]) << 24) | (static_cast<unsigned char>(png[o + 1]) << 16) |
           (static_cast<unsigned char>(png[o + 2]) << 8) | static_cast<unsigned char>(png[o + 3]);
  };
  return {be32(16), be32(20)};
}

TEST_CASE("browser screenshot of the report is a non-blank PNG", "[report][browser]") {
  if (!have_browser()) return;
  const Sweep s = synthetic_sweep(12, 20, "random");
  Scratch sc;
  const fs::path page = sc.write("report.html", hs::render_report(s.header, s.trials, s.findings));
  const fs::path blank = sc.write("blank.html", "<!DOCTYPE html><html><body></body></html>");
  const fs::path png = sc.path("report.png"), blank_png = sc.path("blank.png");
  const Browse b = browse(sc, page, "--screenshot=" + quote(png.string()));
  INFO("chromium stderr:\n" << b.err);
  CHECK(console_errors(b.err).empty());
  browse(sc, blank, "--screenshot=" + quote(blank_png.string()));
  const std::string shot = slurp(png), empty = slurp(blank_png);
  keep(png);
  CHECK(png_size(shot) == std::make_pair(1400, 2400));
  CHECK(png_size(empty) == std::make_pair(1400, 2400));
  // A blank 1400x2400 page compresses to about 15 kB here, a page with one heading and a line to
  // about 23 kB, the report to well over 100 kB.
  WARN("screenshot: report " << shot.size() << " bytes, blank page " << empty.size() << " bytes");
  CHECK(shot.size() > 4 * empty.size());
}

TEST_CASE("browser renders every plot and row of 1000 trials x 100 epochs", "[report][browser]") {
  if (!have_browser()) return;
  const Sweep s = synthetic_sweep(1000, 100, "tpe");
  Scratch sc;
  const std::string html = hs::render_report(s.header, s.trials, s.findings);
  const fs::path page = sc.write("report_1000.html", html);
  keep(page);
  // Real time (no --virtual-time-budget), as a person would open it: the script runs before the
  // load event the dump waits for, so the dump holds the whole rendered page.
  const Browse b = browse(sc, page, "--dump-dom", false);
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  CHECK(console_errors(b.err).empty());
  REQUIRE(body_attr(b.dom, "data-rendered") == "1");
  CHECK(attr_int(b.dom, "plot-overlay", "data-series") == 999);
  CHECK(attr_int(b.dom, "plot-scatter", "data-points") == with_result(s));
  CHECK(count(element(b.dom, "trials-table", "</table>"), "<tr data-i=") == 1000);
}

}  // namespace

TEST_CASE("browser shows what a command printed: result columns and extra curves", "[report][browser]") {
  if (!have_browser()) return;
  Sweep s = synthetic_sweep(4, 6, "random");
  for (TrialRecord& t : s.trials) {  // as a command trial: no layers, two extra curve columns
    t.layer_names.clear();
    t.update_ratio.assign(t.curves.size(), {});
    t.curve_extra_names = {"epoch_time", "grad_norm"};
    t.curve_extra.clear();
    for (size_t e = 0; e < t.curves.size(); ++e) t.curve_extra.push_back({1.0 + e, 0.5 / (1.0 + e)});
    // lr and error are a parameter's and a fixed column's names: /summary's result_lr and
    // result_error (store/columns.h), and the table's.
    t.results = {{"final_val_loss", 0.3 + 0.01 * t.id}, {"lr", 9}, {"error", 5}};
  }
  Scratch sc;
  const fs::path page = sc.write("report_printed.html", hs::render_report(s.header, s.trials, s.findings));
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  CHECK(console_errors(b.err).empty());
  REQUIRE(body_attr(b.dom, "data-rendered") == "1");
  // The chosen trial's third plot draws the two printed columns (it has no update ratios).
  CHECK(attr_int(b.dom, "plot-ratio", "data-series") == 2);
  CHECK(contains(element(b.dom, "plot-ratio", "</svg>"), ">epoch_time<"));
  // The table has a column for the printed result.
  const std::string table = element(b.dom, "trials-table", "</table>");
  CHECK(contains(table, ">final_val_loss<"));
  CHECK(contains(table, ">0.31<"));
  const std::string thead = table.substr(0, table.find("</thead>"));
  CHECK(count(thead, ">lr<") == 1);  // the parameter's column alone
  CHECK(count(thead, ">result_lr<") == 1);
  CHECK(count(thead, ">result_error<") == 1);
}

TEST_CASE("browser overlays a command's own metric printed as an extra curve column",
          "[report][browser]") {
  // metric = "val_f1", printed on each epoch line: the overlay drew val_acc, which no trial had,
  // and said "no trial recorded curves".
  if (!have_browser()) return;
  Sweep s = synthetic_sweep(4, 6, "random");
  s.header.metric = hs::Metric{"val_f1", hs::Direction::kMaximize};
  for (TrialRecord& t : s.trials) {
    t.layer_names.clear();
    t.update_ratio.assign(t.curves.size(), {});
    t.curve_extra_names = {"epoch_time", "val_f1"};
    t.curve_extra.clear();
    for (size_t e = 0; e < t.curves.size(); ++e) {
      t.curves[e].val_acc = t.curves[e].val_loss = NAN;
      t.curve_extra.push_back({1.0, 0.1 * t.id + 0.01 * e});
    }
  }
  s.trials[3].curve_extra_names = {"val_f1"};  // a trial whose column sits elsewhere
  for (auto& row : s.trials[3].curve_extra) row = {row[1]};
  Scratch sc;
  const fs::path page = sc.write("report_f1.html", hs::render_report(s.header, s.trials, s.findings));
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  CHECK(console_errors(b.err).empty());
  REQUIRE(body_attr(b.dom, "data-rendered") == "1");
  CHECK(attr_int(b.dom, "plot-overlay", "data-series") == 4);
  CHECK(contains(element(b.dom, "plot-overlay", "</svg>"), ">val_f1<"));
  CHECK(contains(b.dom, "val_f1 of every trial with curves (4 of 4)"));
}

namespace {

// The 12-trial random sweep, pruned. asha: rung 0 at epoch 5, rung 1 at epoch 10, one bracket
// (-1, as asha's schedule has it); trials 1 and 2 pruned at rung 0, trial 7 at rung 1.
// hyperband: bracket 1 (trials 0-5) with rungs at epochs 5 and 10, bracket 0 (trials 6-11) with
// one at epoch 10; trials 1 and 2 pruned at bracket 1's rung 0, trial 7 at bracket 0's. Their
// curves cut where they stopped.
Sweep pruned_sweep(bool hyperband) {
  Sweep s = synthetic_sweep(12, 20, "random");
  s.header.pruner = hyperband ? "hyperband" : "asha";
  s.header.rungs = hyperband ? std::vector<hs::Rung>{{1, 0, 5, 5}, {1, 1, 10, 2}, {0, 0, 10, 6}}
                             : std::vector<hs::Rung>{{-1, 0, 5, 0}, {-1, 1, 10, 0}};
  for (TrialRecord& t : s.trials) {
    t.bracket = hyperband ? (t.id < 6 ? 1 : 0) : -1;
    t.rung = t.curves.empty() ? -1 : hyperband && t.id >= 6 ? 0 : 1;
  }
  for (auto [id, stop] : {std::pair{1, 5}, {2, 5}, {7, 10}}) {
    TrialRecord& t = s.trials[id];
    t.status = TrialStatus::kPruned;
    t.rung = id == 7 && !hyperband ? 1 : 0;
    t.epochs = stop;
    t.curves.resize(stop);
    t.update_ratio.resize(stop);
    t.best_metric = t.curves.back().val_acc;
    t.best_epoch = stop;
    t.decision = "pruned at rung " + std::to_string(t.rung) + ": val_acc <below> the cut";
  }
  return s;
}

// Appended after the report's own script: the computed style of a pruned curve and of another.
constexpr const char* kCurveStyle = R"JS(<script>
(function () {
  var p = document.querySelector('#plot-overlay path.curve.pruned'), c = document.querySelector('#plot-overlay path.curve:not(.pruned):not(.best)');
  var b = document.body;
  if (p) b.setAttribute('data-t-pruned-dash', getComputedStyle(p).strokeDasharray);
  if (c) b.setAttribute('data-t-other-dash', getComputedStyle(c).strokeDasharray);
  if (p && c) b.setAttribute('data-t-fainter', +getComputedStyle(p).strokeOpacity < +getComputedStyle(c).strokeOpacity ? '1' : '0');
  b.setAttribute('data-t-done', '1');
})();
</script>)JS";

}  // namespace

TEST_CASE("report JSON marks the trials that tie the best on its validation set", "[report][tie]") {
  // 240 validation samples: one standard error is about 5.5 samples at 85% (trial/tie.h), so one
  // sample from the best is a tie and 36 are not. A tie needs a result and the same known size.
  Sweep s = synthetic_sweep(9, 5, "random");
  const double best = 204.0 / 240, one_less = 203.0 / 240;
  const std::vector<double> metric = {best, one_less, 168.0 / 240, best, best,
                                      NAN,  one_less, one_less,    best};
  for (size_t i = 0; i < s.trials.size(); ++i) {
    s.trials[i].best_metric = metric[i];
    s.trials[i].val_samples = 240;
  }
  s.trials[6].val_samples = 0;    // unknown (a command's trial): never a tie
  s.trials[7].val_samples = 200;  // another validation set: never a tie
  // trial 3 diverged and trial 5 failed (synthetic_sweep): no result, so no tie; trials 4 and 8
  // equal the best, which is the first of them.
  const std::string html = hs::render_report(s.header, s.trials, s.findings);
  Scratch sc;
  const std::string printed = python_on_json(sc, embedded_json(html), R"PY(
import json, sys
t = json.load(open(sys.argv[1]))["t"]
print(",".join(str(x) for x in t["tie"]))
)PY");
  CHECK(printed == "0,1,0,0,1,0,0,0,1\n");
}

TEST_CASE("report JSON gives the best epoch's value where a result is another epoch's",
          "[report]") {
  // A command's result is the last value it printed: trial 0's is 0.25 at its last epoch, its
  // best epoch another with more. The page said "val_acc 0.25 (epoch <best>)"; it now names both
  // (bev), and null where the result is the best epoch's value (every other trial here).
  Sweep s = synthetic_sweep(3, 5, "random");
  hs::TrialRecord& t = s.trials[0];
  REQUIRE(t.best_epoch > 0);
  const double at_best = t.curves[static_cast<size_t>(t.best_epoch) - 1].val_acc;
  t.best_metric = at_best - 0.125;
  const std::string html = hs::render_report(s.header, s.trials, s.findings);
  Scratch sc;
  const std::string printed = python_on_json(sc, embedded_json(html), R"PY(
import json, sys
t = json.load(open(sys.argv[1]))["t"]
print(",".join(str(x) for x in t["bev"]))
)PY");
  const size_t comma = printed.find(',');
  REQUIRE(comma != std::string::npos);
  CHECK(std::stod(printed.substr(0, comma)) == Approx(at_best).epsilon(1e-6));
  CHECK(printed.substr(comma) == ",None,None\n");
}

TEST_CASE("report JSON carries each trial's pruning and the rung counts", "[report][prune]") {
  const char* const kCheck = R"PY(
import json, sys
d = json.load(open(sys.argv[1]))
t = d["t"]
print(d["pruner"], [r[:6] for r in d["rungs"]])
print(t["pe"], t["rg"][:3], t["br"][:3], t["dec"][7])
)PY";
  Scratch sc;
  Sweep s = pruned_sweep(false);
  // Rung 0 (epoch 5): every trial with curves reached it (not the failed 5), 1 and 2 pruned
  // there; rung 1 (epoch 10): not 1 and 2, 7 pruned there.
  CHECK(python_on_json(sc, embedded_json(hs::render_report(s.header, s.trials, s.findings)), kCheck) ==
        "asha [[-1, 0, 5, 0, 11, 2], [-1, 1, 10, 0, 9, 1]]\n"
        "[0, 5, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0] [1, 0, 0] [-1, -1, -1] pruned at rung 1: val_acc <below> the cut\n");
  // Bracket 1's rung 0: trials 0-4 (5 failed), 1 and 2 pruned; its rung 1: 0, 3 and 4. Bracket
  // 0's rung 0: trials 6-11, 7 pruned.
  s = pruned_sweep(true);
  CHECK(python_on_json(sc, embedded_json(hs::render_report(s.header, s.trials, s.findings)), kCheck) ==
        "hyperband [[1, 0, 5, 5, 5, 2], [1, 1, 10, 2, 3, 0], [0, 0, 10, 6, 6, 1]]\n"
        "[0, 5, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0] [1, 0, 0] [1, 1, 1] pruned at rung 0: val_acc <below> the cut\n");
}

TEST_CASE("browser draws the rung chart and pruned curves dashed and fainter", "[report][browser][prune]") {
  if (!have_browser()) return;
  const Sweep s = pruned_sweep(true);
  std::string html = hs::render_report(s.header, s.trials, s.findings);
  html.insert(html.rfind("</body>"), kCurveStyle);
  Scratch sc;
  const fs::path page = sc.write("report_pruned.html", html);
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  CHECK(console_errors(b.err).empty());
  REQUIRE(body_attr(b.dom, "data-t-done") == "1");
  // The rung chart: a bar of trials reached and one of those pruned per rung, the best value at
  // each as a point, joined within a bracket (bracket 1's two rungs; bracket 0 has one), the
  // brackets apart.
  CHECK(attr_int(b.dom, "plot-rungs", "data-series") == 3);
  const std::string rungs = element(b.dom, "plot-rungs", "</svg>");
  CHECK(count(rungs, "<rect class=\"bar reached\"") == 3);
  CHECK(count(rungs, "<rect class=\"bar pruned\"") == 3);
  CHECK(count(rungs, "<circle class=\"rbest\"") == 3);
  CHECK(count(rungs, "<path class=\"rline\"") == 1);
  CHECK(count(rungs, "<line class=\"sep\"") == 1);
  CHECK(contains(rungs, "bracket 1 rung 0 (epoch 5): 5 reached of 5 planned, 2 pruned there"));
  CHECK(contains(rungs, "bracket 0 rung 0 (epoch 10): 6 reached of 6 planned, 1 pruned there"));
  CHECK(contains(rungs, ">best val_acc<"));
  // The overlay: every curve, the 3 pruned ones apart (dashed, fainter) with their own legend
  // entry, a mark where each stopped.
  CHECK(attr_int(b.dom, "plot-overlay", "data-series") == 11);
  CHECK(attr_int(b.dom, "plot-overlay", "data-pruned") == 3);
  const std::string overlay = element(b.dom, "plot-overlay", "</svg>");
  CHECK(count(overlay, "<path class=\"curve pruned\"") == 3);
  CHECK(contains(overlay, ">pruned (dashed, a dot where stopped)<"));
  CHECK(count(overlay, "<circle class=\"stop\"") == 3);
  for (auto [id, points] : {std::pair{1, 5}, {7, 10}, {0, 20}}) {  // cut where they stopped
    const std::string at = "data-c=\"" + std::to_string(id) + "\" d=\"";
    const size_t a = overlay.find(at);
    REQUIRE(a != std::string::npos);
    const std::string d = overlay.substr(a + at.size(), overlay.find('"', a + at.size()) - a - at.size());
    CHECK(count(d, "L") + 1 == static_cast<size_t>(points));
  }
  CHECK(body_attr(b.dom, "data-t-pruned-dash") != "none");
  CHECK_FALSE(body_attr(b.dom, "data-t-pruned-dash").empty());
  CHECK(body_attr(b.dom, "data-t-other-dash") == "none");
  CHECK(body_attr(b.dom, "data-t-fainter") == "1");
  // The table says where a trial was pruned, its decision as the tooltip, and the rung column.
  const std::string table = element(b.dom, "trials-table", "</table>");
  CHECK(contains(table, ">pruned@5<"));
  CHECK(contains(table, ">pruned@10<"));
  CHECK(contains(table, "title=\"pruned at rung 0: val_acc &lt;below&gt; the cut\""));
  CHECK(contains(table, ">rung<"));
  CHECK(contains(b.dom, "3 of 12 trials pruned, 3 rungs in 2 brackets"));
}

namespace {

// Four completed trials whose best metrics agree to 7 significant digits and differ after: the
// second is the best (show, export). The page rounded them to 7 digits, read 0.1234567 four
// times and called the first the best; 123456789.12345679 became 123456800.
Sweep close_metrics_sweep() {
  Sweep s = synthetic_sweep(4, 5, "random");
  const double bm[] = {0.1234567001, 0.1234567449, 0.1234567002, 0.1234567};
  for (size_t i = 0; i < s.trials.size(); ++i) {
    TrialRecord& t = s.trials[i];
    if (t.curves.empty()) t.curves.push_back(s.trials[0].curves[0]);
    t.status = TrialStatus::kCompleted;
    t.best_metric = bm[i];
    t.best_epoch = 1;
    for (auto& row : t.curves) row.val_acc = bm[i];  // the result is its best epoch's value
    t.test_acc = 0.87450980392156863 + 1e-12 * static_cast<double>(i);
    t.seconds = 12.3456789 + static_cast<double>(i);
    t.results = {{"f1", 123456789.12345679 + static_cast<double>(i) * 1e-8}};
    t.params[0] = hs::ParamValue(0.012345678901234567 + 1e-13 * static_cast<double>(i));
  }
  return s;
}

}  // namespace

TEST_CASE("report JSON holds the values that rank and are shown exactly", "[report]") {
  const Sweep s = close_metrics_sweep();
  // bev: a result that is not its best epoch's value (a command's last line) names both.
  Sweep b = s;
  b.trials[0].curves[0].val_acc = 0.98765432101234567;
  const std::string html = hs::render_report(b.header, b.trials, b.findings);
  Scratch sc;
  const std::string printed = python_on_json(sc, embedded_json(html), R"PY(
import json, sys
t = json.load(open(sys.argv[1]))["t"]
print(t["bm"] == [0.1234567001, 0.1234567449, 0.1234567002, 0.1234567],
      t["bev"] == [0.98765432101234567, None, None, None],
      t["tacc"] == [0.87450980392156863 + 1e-12 * i for i in range(4)],
      [r[0] for r in t["rv"]] == [123456789.12345679 + i * 1e-8 for i in range(4)],
      t["sec"] == [12.3456789 + i for i in range(4)],
      t["p"][0] == [0.012345678901234567 + 1e-13 * i for i in range(4)])
print(t["bm"], t["bev"], t["tacc"], t["rv"], t["sec"], t["p"][0])
)PY");
  INFO("python3 printed: " << printed);
  CHECK(printed.substr(0, printed.find('\n')) == "True True True True True True");
}

TEST_CASE("browser ranks trials whose metrics agree to 7 digits as show does", "[report][browser]") {
  if (!have_browser()) return;
  const Sweep s = close_metrics_sweep();
  Scratch sc;
  const fs::path page = sc.write("report_close.html", hs::render_report(s.header, s.trials, s.findings));
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  CHECK(console_errors(b.err).empty());
  REQUIRE(body_attr(b.dom, "data-rendered") == "1");
  CHECK(contains(b.dom, "<dt>best trial</dt><dd><b>1</b>"));
  // The table, best first: 1, 2, 0, 3.
  const std::string table = element(b.dom, "trials-table", "</table>");
  std::vector<std::string> rows;
  for (size_t a = table.find("<tr data-i=\""); a != std::string::npos; a = table.find("<tr data-i=\"", a + 1))
    rows.push_back(table.substr(a + 12, table.find('"', a + 12) - a - 12));
  CHECK(rows == std::vector<std::string>{"1", "2", "0", "3"});
  CHECK(contains(table, "<tr data-i=\"1\" class=\"best sel\">"));
}

TEST_CASE("browser names the lower id best of equal results whatever the row order",
          "[report][browser]") {
  // Under mpirun the rows come in the order trials finished: with rows 1, 2, 3, 0 of one value
  // the page named trial 1 best, where run and show name trial 0.
  if (!have_browser()) return;
  Sweep s = close_metrics_sweep();
  for (TrialRecord& t : s.trials) {
    t.best_metric = 0.5;
    for (auto& row : t.curves) row.val_acc = 0.5;
  }
  std::rotate(s.trials.begin(), s.trials.begin() + 1, s.trials.end());  // ids 1, 2, 3, 0
  std::rotate(s.findings.begin(), s.findings.begin() + 1, s.findings.end());
  Scratch sc;
  const fs::path page = sc.write("report_tie.html", hs::render_report(s.header, s.trials, s.findings));
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  REQUIRE(body_attr(b.dom, "data-rendered") == "1");
  CHECK(contains(b.dom, "<dt>best trial</dt><dd><b>0</b>"));
}

TEST_CASE("report JSON and page show an inf result as inf, not as missing", "[report][browser]") {
  // A command printed `val_acc=0.7 rb=inf ri=-inf`: show and summary.csv say inf and -inf; the
  // page stored null and showed "–", as for a result not printed. Trial 2's metric is inf: no
  // result (trial/metric.h: outcome_of), never the best, ranked last; show prints it as inf.
  Sweep s = synthetic_sweep(6, 8, "tpe");
  for (TrialRecord& t : s.trials) t.results = {{"rb", INFINITY}, {"ri", -INFINITY}, {"rn", NAN}};
  s.trials[4].results = {{"rb", 1.5}};  // printed rb alone: ri and rn missing
  s.trials[2].best_metric = INFINITY;
  // Trial 5 diverged after a finite best: no result, shown as show shows it (it said "–").
  s.trials[5].status = TrialStatus::kDiverged;
  s.trials[5].best_metric = 0.4375;
  s.trials[1].curves[2].val_acc = INFINITY;  // a curve's inf is not drawn, and breaks nothing
  s.trials[1].curves[3].val_loss = -INFINITY;
  std::string html = hs::render_report(s.header, s.trials, s.findings);
  Scratch sc;
  const std::string printed = python_on_json(sc, embedded_json(html), R"PY(
import json, sys
t = json.load(open(sys.argv[1]))["t"]
print(t["rv"][0], t["rv"][4], t["bm"][2], t["ok"][2])
)PY");
  CHECK(printed == "[inf, -inf, None] [1.5] inf 0\n");
  if (!have_browser()) return;
  // Chooses trial 2 by its row and notes its head; sorts by each result column both ways.
  html.insert(html.rfind("</body>"), R"JS(<script>
(function () {
  function q(s) { return document.querySelector(s); }
  var b = document.body, ths = document.querySelectorAll('#trials-table th'), sorted = [];
  for (var k = 0; k < ths.length; ++k) if (/^r[bin]$/.test(ths[k].textContent)) {
    var col = ths[k].getAttribute('data-col');
    q('th[data-col="' + col + '"]').click();
    sorted.push([].map.call(document.querySelectorAll('#trials-table tbody tr'), function (r) { return r.getAttribute('data-i'); }).join(''));
    q('th[data-col="' + col + '"]').click();
    sorted.push([].map.call(document.querySelectorAll('#trials-table tbody tr'), function (r) { return r.getAttribute('data-i'); }).join(''));
  }
  b.setAttribute('data-t-sorted', sorted.join(','));
  q('th[data-col="0"]').click();  // by id again, for the cells below
  q('#trials-table tr[data-i="2"]').click();
  b.setAttribute('data-t-head', q('#trial-head').textContent);
  b.setAttribute('data-t-done', '1');
})();
</script>)JS");
  const fs::path page = sc.write("report_inf.html", html);
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  CHECK(console_errors(b.err).empty());
  REQUIRE(body_attr(b.dom, "data-t-done") == "1");
  const std::string summary = element(b.dom, "summary-body", "</dl>");
  CHECK_FALSE(contains(summary, "<dt>best trial</dt><dd><b>2</b>"));
  // Every trial's row: rb inf (trial 4: 1.5), ri -inf (trial 4: none), rn none (NaN).
  const std::string table = element(b.dom, "trials-table", "</table>");
  CHECK(count(table, "<td class=\"\">inf</td><td class=\"\">-inf</td><td class=\"\">\u2013</td>") == 5);
  CHECK(contains(table, "<td class=\"\">1.5</td><td class=\"\">\u2013</td><td class=\"\">\u2013</td>"));
  // Trial 2's metric cell and its head say inf.
  const size_t row2 = table.find("<tr data-i=\"2\"");
  REQUIRE(row2 != std::string::npos);
  CHECK(count(table.substr(row2, table.find("</tr>", row2) - row2), "<td class=\"\">inf</td>") == 2);
  CHECK(contains(body_attr(b.dom, "data-t-head"), "val_acc inf"));
  const size_t row5 = table.find("<tr data-i=\"5\"");
  REQUIRE(row5 != std::string::npos);
  CHECK(contains(table.substr(row5, table.find("</tr>", row5) - row5), ">0.4375<"));
  // Sorted by rb: 1.5 before inf (ids in order among equals), missing last; by ri: -inf
  // before the missing; by rn: all missing, in id order.
  CHECK(body_attr(b.dom, "data-t-sorted") == "401235,012354,012354,012354,012345,012345");
  // best-so-far and the overlay still draw (trial 2 has no result: no point of its own).
  CHECK(attr_int(b.dom, "plot-bestsofar", "data-series") == 2);
  CHECK(attr_int(b.dom, "plot-overlay", "data-series") == 5);
}
