// Tests of render_recipe_report (src/report): the recipe page's text (no network reference, JSON
// with every step, title, trial and row) and the page in headless Chromium: every step's section,
// verdict and report, the series each plot drew, the recommended config, and clicks on rows,
// headers, the step index and the copy button, all without a console line. The recipe is built
// in memory as read_recipe() would return it (store/recipe_file.h): six steps, seeded.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "report/page_harness.h"
#include "report/report.h"
#include "trial/tie.h"

namespace {

using namespace hs_test;
using hs::Finding;
using hs::ParamKind;
using hs::ParamValue;
using hs::RecipeData;
using hs::RecipeStep;
using hs::TrialRecord;
using Findings = std::vector<std::vector<std::vector<Finding>>>;

// ---- a synthetic recipe ---------------------------------------------------------------------------

hs::Param log_param(const std::string& name, double lo, double hi) {
  hs::Param p;
  p.name = name;
  p.kind = ParamKind::kLogUniform;
  p.lo = lo;
  p.hi = hi;
  return p;
}

hs::ResultsData results(const std::string& strategy, const std::string& metric, std::vector<hs::Param> params) {
  hs::ResultsData r;
  r.header.config_text = "[sweep]\nstrategy = \"" + strategy + "\"\n";
  r.header.config_hash = "step" + strategy;
  r.header.strategy = strategy;
  r.header.seed = 11;
  r.header.version = "0.2.0";
  r.header.start_time = "2024-06-01T09:00:00Z";
  r.header.metric = hs::Metric{metric, hs::default_direction(metric)};
  r.header.space.params = std::move(params);
  return r;
}

TrialRecord trial(int64_t id, std::vector<ParamValue> params, const std::string& status) {
  TrialRecord t;
  t.id = id;
  t.params = std::move(params);
  t.status = *hs::parse_status(status);
  t.host = "node0";
  t.seconds = 1.5;
  return t;
}

// One trial of an ordinary sweep: `epochs` epochs of val curves that rise to `quality`.
TrialRecord sweep_trial(int64_t id, double lr, double wd, int epochs, double quality, std::mt19937_64& rng) {
  std::normal_distribution<double> noise(0, 0.01);
  TrialRecord t = trial(id, {ParamValue(lr), ParamValue(wd)}, "completed");
  double best = -1;
  for (int e = 1; e <= epochs; ++e) {
    hs::EpochRow r;
    r.epoch = e;
    const double f = 1 - std::exp(-3.0 * e / epochs);
    r.lr = lr;
    r.train_loss = 2.3 * (1 - f) + 0.4 * (1 - quality) + noise(rng);
    r.val_loss = r.train_loss + 0.05;
    r.train_acc = quality * f + 0.02;
    r.val_acc = quality * f + noise(rng);
    t.curves.push_back(r);
    if (r.val_acc > best) {
      best = r.val_acc;
      t.best_epoch = e;
    }
  }
  t.epochs = epochs;
  t.best_metric = best;
  t.test_acc = best - 0.01;
  return t;
}

constexpr double kLnC = 2.302585092994046;  // ln 10: ten balanced classes
const char* const kRecommended =
    "# recommended by hypersweep recipe\n[train]\nlr = 0.003\nweight_decay = 0.0001\nepochs = 15\n"
    "optimizer = \"adam\"  # <kept> & \"quoted\"\n";

RecipeStep step1(const std::string& verdict) {
  RecipeStep s;
  s.group = "1_initial_loss";
  s.text = {{"verdict", verdict},
            {"report", "The mean loss of 20 minibatches before the first update was 2.31; ln(10) = 2.303 "
                       "was expected <within 10%>."}};
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0, 0.03);
  std::vector<double> losses;
  double sum = 0;
  for (int i = 0; i < 20; ++i) {
    losses.push_back(kLnC + 0.01 + noise(rng));
    sum += losses.back();
  }
  s.series["batch_losses"] = losses;
  s.numbers = {{"loss", sum / 20}, {"expected", kLnC}, {"rel_error", std::fabs(sum / 20 - kLnC) / kLnC},
               {"tolerance", 0.1}};
  return s;
}

// Two attempts at overfitting 200 samples: lr 1e-3 too low, lr 1e-2 fits. Rows are epochs of
// train_loss and train_acc on the sample; the validation side is NaN.
RecipeStep step2() {
  RecipeStep s;
  s.group = "2_overfit";
  s.text = {{"verdict", "fit"}, {"report", "lr 1e-2 reached 100% accuracy on 200 samples in 30 epochs."}};
  s.results = results("overfit", "train_acc", {log_param("lr", 1e-5, 1)});
  int id = 0;
  for (double lr : {1e-3, 1e-2}) {
    const bool fit = lr > 5e-3;
    TrialRecord t = trial(id++, {ParamValue(lr)}, fit ? "fit" : "too_low");
    for (int e = 1; e <= 30; ++e) {
      hs::EpochRow r;
      r.epoch = e;
      r.lr = lr;
      r.train_loss = 2.3 * std::exp(-(fit ? 0.2 : 0.03) * e);
      r.train_acc = fit ? std::min(1.0, 0.1 + 0.04 * e) : 0.1 + 0.015 * e;
      r.val_loss = r.val_acc = NAN;
      t.curves.push_back(r);
    }
    t.epochs = 30;
    t.best_epoch = 30;
    t.best_metric = t.curves.back().train_acc;
    t.test_acc = NAN;
    s.results->trials.push_back(t);
  }
  return s;
}

// Four learning rates of 100 updates each: rows are updates, train_loss the minibatch's loss,
// every other column NaN. lr 1e-1 diverges: its loss explodes and is NaN after update 7.
RecipeStep step3() {
  RecipeStep s;
  s.group = "3_lr_find";
  s.text = {{"verdict", "ok"},
            {"report", "The loss fell fastest at lr 1e-2 (a drop of 1.6 in 100 updates); 1e-1 diverged."}};
  s.numbers = {{"best_lr", 1e-2}};
  s.results = results("lr_find", "loss_drop", {log_param("lr", 1e-5, 1)});
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0, 0.05);
  int id = 0;
  for (double lr : {1e-4, 1e-3, 1e-2, 1e-1}) {
    const bool diverged = lr > 5e-2;
    TrialRecord t = trial(id++, {ParamValue(lr)}, diverged ? "diverged" : "completed");
    const double rate = lr * 3;  // the loss falls faster with lr, up to 1e-2
    for (int u = 1; u <= 100; ++u) {
      hs::EpochRow r;
      r.epoch = u;
      r.lr = lr;
      r.train_loss = diverged ? (u <= 7 ? kLnC * std::pow(3.0, u - 1) : NAN)
                              : 0.7 + (kLnC - 0.7) * std::exp(-rate * u) + noise(rng);
      r.train_acc = r.val_loss = r.val_acc = NAN;
      t.curves.push_back(r);
    }
    t.epochs = 1;
    t.best_epoch = 100;
    t.best_metric = diverged ? NAN : t.curves.front().train_loss - t.curves.back().train_loss;
    t.test_acc = NAN;
    s.results->trials.push_back(t);
  }
  return s;
}

// A 3 x 3 grid over lr and weight_decay, 3 epochs each.
RecipeStep step4() {
  RecipeStep s;
  s.group = "4_coarse_grid";
  s.text = {{"verdict", "ok"},
            {"report", "Of 9 configurations lr 3e-3 with weight decay 1e-4 did best (val_acc 0.81)."}};
  s.results = results("grid", "val_acc", {log_param("lr", 1e-4, 1e-1), log_param("weight_decay", 1e-6, 1e-2)});
  std::mt19937_64 rng(7);
  int id = 0;
  for (double lr : {1e-3, 3e-3, 1e-2})
    for (double wd : {1e-5, 1e-4, 1e-3})
      s.results->trials.push_back(
          sweep_trial(id++, lr, wd, 3, 0.6 + 0.2 * std::exp(-std::pow(std::log10(lr / 3e-3), 2)) - 20 * wd, rng));
  return s;
}

// The best three of the grid again, for 15 epochs.
RecipeStep step5() {
  RecipeStep s;
  s.group = "5_refine";
  s.text = {{"verdict", "ok"}, {"report", "Trained for 15 epochs, lr 3e-3 and weight decay 1e-4 kept its lead."}};
  s.results = results("grid", "val_acc", {log_param("lr", 1e-4, 1e-1), log_param("weight_decay", 1e-6, 1e-2)});
  std::mt19937_64 rng(9);
  s.results->trials = {sweep_trial(0, 3e-3, 1e-4, 15, 0.86, rng), sweep_trial(1, 1e-3, 1e-4, 15, 0.82, rng),
                       sweep_trial(2, 3e-3, 1e-5, 15, 0.84, rng)};
  return s;
}

RecipeStep step6() {
  RecipeStep s;
  s.group = "6_recommendation";
  s.text = {{"verdict", "complete"},
            {"report", "Train with lr 3e-3, weight decay 1e-4 for 15 epochs: val_acc 0.86 in the refine step."},
            {"config", kRecommended}};
  return s;
}

RecipeData full_recipe() {
  RecipeData r;
  r.header.config_text = "[recipe]\nbudget = \"small\"\n# </script><script>alert('recipe')</script> <!-- &\n";
  r.header.config_hash = "feedc0de";
  r.header.version = "0.2.0";
  r.header.start_time = "2024-06-01T08:59:00Z";
  r.header.status = "complete";
  r.steps = {step1("ok"), step2(), step3(), step4(), step5(), step6()};
  return r;
}

// Findings for steps 1-5 only (findings may be shorter than the steps), and in step 5 for its
// first two trials only.
Findings full_findings(const RecipeData& r) {
  Findings f(5);
  for (size_t k = 0; k < 4; ++k)
    if (r.steps[k].results) f[k].resize(r.steps[k].results->trials.size());
  f[2][3] = {{"diverged", "train_loss became NaN at update 8 <after 7>", "lower the learning rate", 8, 8}};
  for (auto& t : f[3]) t = {{"healthy", "val_acc rose", "", 0, 0}};
  f[4] = {{{"overfitting", "val_acc fell after epoch 12", "more weight decay", 12, 15}}, {}};
  return f;
}

// The trials of step k whose overlaid curve has a finite point (what its overlay should draw).
size_t with_curves(const RecipeStep& s) {
  size_t n = 0;
  for (const auto& t : s.results->trials) {
    bool any = false;
    for (const auto& r : t.curves) any = any || std::isfinite(r.val_acc) || std::isfinite(r.train_loss);
    n += any;
  }
  return n;
}

// The text content between the element with id `id`'s start tag and the next `end`.
std::string inner(const std::string& dom, const std::string& id, const std::string& end) {
  const std::string e = element(dom, id, end);
  const size_t gt = e.find('>');
  return gt == std::string::npos ? "" : e.substr(gt + 1);
}

// ---- the page's text ------------------------------------------------------------------------------

TEST_CASE("recipe report loads nothing from the network", "[report][recipe]") {
  const RecipeData r = full_recipe();
  const std::string html = hs::render_recipe_report(r, full_findings(r));
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  for (const char* bad :
       {"http://", "https://", "src=", "href=", "@import", "url(", "fetch(", "XMLHttpRequest", "<!--"})
    CHECK_FALSE(contains(html, bad));
  CHECK(count(html, "<script") == 2);  // the data and the embedded report.js
  CHECK(count(html, "</script>") == 2);
  CHECK(contains(html, "<style>"));
  CHECK(contains(html, "<title>hypersweep recipe</title>"));
  // The recipe's config text, markup and all, sits in the JSON escaped.
  CHECK(contains(html, "\\u003c/script\\u003e\\u003cscript\\u003ealert('recipe')"));
  WARN("recipe report of the test recipe: " << html.size() << " bytes");
  CHECK(html.size() < 200'000);
}

TEST_CASE("recipe report JSON holds every step, title, trial and row", "[report][recipe]") {
  const RecipeData r = full_recipe();
  const std::string html = hs::render_recipe_report(r, full_findings(r));
  Scratch sc;
  const fs::path toml = sc.write("recommended.toml", kRecommended);
  const std::string printed = python_on_json(sc, embedded_json(html), "TOML = '" + toml.string() + "'\n" + R"PY(
import json, sys
def refuse(c): raise ValueError("not JSON: " + c)
d = json.load(open(sys.argv[1]), parse_constant=refuse)
print(d["kind"], d["status"], d["hash"], d["version"], d["start"])
S = d["steps"]
print(" | ".join(s["title"] for s in S))
print(",".join(s["g"] + ":" + s["n"] + ":" + s["xl"] for s in S))
print(",".join(str(len(s["sweep"]["t"]["id"])) if s["sweep"] else "-" for s in S))
print(",".join(s["sweep"]["metric"] + "/" + s["sweep"]["dir"] for s in S if s["sweep"]))
c = S[2]["sweep"]["t"]["c"]
print([len(x["tl"]) for x in c], c[3]["tl"][6] is not None, c[3]["tl"][7], S[2]["sweep"]["t"]["bm"][3])
print(all(v is None for x in c for k in ("ta", "vl", "va") for v in x[k]))
print(all(v is None for x in S[1]["sweep"]["t"]["c"] for v in x["va"] + x["vl"]), S[1]["sweep"]["t"]["st"])
print(len(S[0]["ser"]["batch_losses"]), sorted(S[0]["num"]), S[0]["num"]["tolerance"], S[0]["sweep"])
print([len(s["sweep"]["t"]["f"][i]) for s in S[1:5] for i in range(len(s["sweep"]["t"]["id"]))])
print(S[2]["sweep"]["t"]["f"][3][0][0], S[2]["num"]["best_lr"])
print(S[5]["text"]["config"] == open(TOML).read(), S[5]["text"]["verdict"])
)PY");
  std::stringstream expect;
  expect << "recipe complete feedc0de 0.2.0 2024-06-01T08:59:00Z\n"
         << "1. Initial loss | 2. Overfit a small sample | 3. Learning-rate search | 4. Coarse grid | 5. Refine | "
            "6. Recommendation\n"
         << "1_initial_loss:1:epoch,2_overfit:2:epoch,3_lr_find:3:update,4_coarse_grid:4:epoch,5_refine:5:epoch,"
            "6_recommendation:6:epoch\n"
         << "-,2,4,9,3,-\n"
         << "train_acc/max,loss_drop/max,val_acc/max,val_acc/max\n"
         << "[100, 100, 100, 100] True None None\n"
         << "True\n"
         << "True ['too_low', 'fit']\n"
         << "20 ['expected', 'loss', 'rel_error', 'tolerance'] 0.1 None\n"
         // step 2 (no findings given), step 3, step 4, step 5 (two of three given)
         << "[0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]\n"
         << "diverged 0.01\n"
         << "True complete\n";
  CHECK(printed == expect.str());
}

TEST_CASE("recipe step titles come from the title attribute or the group name", "[report][recipe]") {
  RecipeData r;
  r.header.status = "running";
  RecipeStep a, b, c;
  a.group = "5_refine";
  a.text["title"] = "5. Refine the best <three>";
  b.group = "7_warm_restarts";
  c.group = "extra";
  r.steps = {a, b, c};
  Scratch sc;
  const std::string printed = python_on_json(sc, embedded_json(hs::render_recipe_report(r, {})),
                                             "import json, sys\n"
                                             "d = json.load(open(sys.argv[1]))\n"
                                             "print(' | '.join(s['title'] + '/' + s['n'] for s in d['steps']))\n");
  CHECK(printed == "5. Refine the best <three>/5 | 7. Warm restarts/7 | Extra/\n");
}

// ---- in the browser ---------------------------------------------------------------------------------

TEST_CASE("browser renders every step of a complete recipe", "[report][recipe][browser]") {
  if (!have_browser()) return;
  const RecipeData r = full_recipe();
  Scratch sc;
  const fs::path page = sc.write("recipe.html", hs::render_recipe_report(r, full_findings(r)));
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  CHECK(console_errors(b.err).empty());
  const std::string& dom = b.dom;
  REQUIRE(body_attr(dom, "data-rendered") == "1");
  CHECK(inner(dom, "recipe-status", "</div>") == "complete");
  CHECK(contains(attr(dom, "recipe-status", "class"), "rs-good"));
  CHECK(contains(dom, "feedc0de"));
  CHECK(count(element(dom, "recipe-steps", "</table>"), "<tr data-step=") == 6);
  // Every step: its section, its title, its verdict (green: all passed), its report as text.
  const char* titles[] = {"1. Initial loss", "2. Overfit a small sample", "3. Learning-rate search",
                          "4. Coarse grid", "5. Refine", "6. Recommendation"};
  for (size_t k = 0; k < 6; ++k) {
    const std::string pre = "s" + std::to_string(k) + "-";
    INFO("step " << k);
    CHECK(attr(dom, pre + "step", "data-group") == r.steps[k].group);
    CHECK(contains(element(dom, pre + "step", "</h2>"), std::string(titles[k]) + " <span"));
    CHECK(inner(dom, pre + "verdict", "</span>") == r.steps[k].text.at("verdict"));
    CHECK(contains(attr(dom, pre + "verdict", "class"), "v-good"));
    CHECK(!inner(dom, pre + "report", "</p>").empty());
  }
  CHECK(contains(inner(dom, "s0-report", "</p>"), "was expected &lt;within 10%&gt;."));
  // Step 1: the batch losses, the expected ln C and the measured mean.
  CHECK(attr_int(dom, "s0-plot-batch_losses", "data-series") == 3);
  CHECK(count(element(dom, "s0-plot-batch_losses", "</svg>"), "<circle") == 20);
  CHECK(contains(element(dom, "s0-plot-batch_losses", "</svg>"), "expected ln C 2.303"));
  // Steps 2-5: one overlaid curve per trial with finite data, each trial a row in its table.
  for (size_t k = 1; k <= 4; ++k) {
    const std::string pre = "s" + std::to_string(k) + "-";
    INFO("step " << k);
    CHECK(attr_int(dom, pre + "plot-overlay", "data-series") == static_cast<int>(with_curves(r.steps[k])));
    CHECK(count(element(dom, pre + "plot-overlay", "</svg>"), "<path class=\"curve") == with_curves(r.steps[k]));
    CHECK(count(element(dom, pre + "trials-table", "</table>"), "<tr data-i=") == r.steps[k].results->trials.size());
  }
  CHECK(with_curves(r.steps[1]) == 2);
  CHECK(with_curves(r.steps[2]) == 4);  // the diverged lr has 7 finite updates
  CHECK(with_curves(r.steps[3]) == 9);
  CHECK(with_curves(r.steps[4]) == 3);
  // No validation side in steps 2 and 3: train_loss, per epoch and per update.
  const std::string overfit = element(dom, "s1-plot-overlay", "</svg>");
  const std::string lrfind = element(dom, "s2-plot-overlay", "</svg>");
  CHECK(contains(overfit, ">train_loss<"));
  CHECK(contains(overfit, ">epoch<"));
  CHECK(contains(lrfind, ">update<"));
  CHECK(contains(lrfind, ">train_loss (cut at "));  // the diverging loss does not squash the rest
  CHECK(inner(dom, "s2-curves-title", "</h3>") == "Training curves");
  CHECK(contains(element(dom, "s3-plot-overlay", "</svg>"), ">val_acc<"));
  CHECK(inner(dom, "s3-curves-title", "</h3>") == "Validation curves");
  // Step 3's table: the metric named by the step's header, the diagnosis label.
  const std::string t3 = element(dom, "s2-trials-table", "</table>");
  CHECK(contains(t3, ">loss_drop</th>"));
  CHECK(contains(t3, ">best update</th>"));
  CHECK(contains(t3, "tag-diverged"));
  CHECK(contains(t3, "train_loss became NaN at update 8 &lt;after 7&gt;"));
  CHECK(contains(element(dom, "s1-trials-table", "</table>"), "st-too_low"));
  // The chosen (best) trial of step 3: train loss points and average, and the lr; no accuracy.
  CHECK(attr_int(dom, "s2-plot-loss", "data-series") == 3);
  CHECK(attr_int(dom, "s2-plot-acc", "data-series") == 0);
  CHECK(contains(element(dom, "s2-plot-loss", "</svg>"), ">update<"));
  // The searches: lr x weight_decay in step 4, all 9 with a result; lr against loss_drop in step 3.
  CHECK(attr_int(dom, "s3-plot-scatter", "data-points") == 9);
  CHECK(attr_int(dom, "s2-plot-scatter", "data-points") == 3);
  CHECK(attr_int(dom, "s3-plot-parallel", "data-series") == 9);
  // Step 6: the recommended config, verbatim (as text), with its copy button.
  CHECK(inner(dom, "s5-config", "</pre>") ==
        "# recommended by hypersweep recipe\n[train]\nlr = 0.003\nweight_decay = 0.0001\nepochs = 15\n"
        "optimizer = \"adam\"  # &lt;kept&gt; &amp; \"quoted\"\n");
  CHECK(contains(dom, "data-copy=\"s5-config\""));
  // Steps without results have no sweep views.
  CHECK(attr(dom, "s0-plot-overlay", "data-series").empty());
  CHECK_FALSE(contains(dom, "id=\"s5-trials-table\""));
  // Text from the data is text, never markup.
  CHECK_FALSE(contains(dom, "<kept>"));
  CHECK(contains(dom, "&lt;/script&gt;&lt;script&gt;alert('recipe')&lt;/script&gt;"));
  CHECK(std::stod(body_attr(dom, "data-render-ms")) >= 0);  // noted; its speed is no test's
}

// Appended after the report's own script: chooses step 3's diverged trial by its row, sorts step
// 4's table by every column, tries step 4's scatter axes, clicks step 2's overlay, the step
// index's row of step 5, and the copy button; notes what it saw on <body>.
constexpr const char* kRecipeClicker = R"JS(<script>
(function () {
  function q(s) { return document.querySelector(s); }
  var b = document.body;
  var before = q('#s3-trials-table tr.sel') ? q('#s3-trials-table tr.sel').getAttribute('data-i') : '';
  q('#s2-trials-table tr[data-i="3"]').click();
  b.setAttribute('data-t-diverged-series', q('#s2-plot-loss').getAttribute('data-series'));
  b.setAttribute('data-t-diverged-head', q('#s2-trial-head').textContent.indexOf('diverged') >= 0 ? '1' : '0');
  b.setAttribute('data-t-sel', Array.prototype.map.call(document.querySelectorAll('tr.sel'),
    function (r) { return r.closest('table').id + ':' + r.getAttribute('data-i'); }).join(','));
  var after = q('#s3-trials-table tr.sel').getAttribute('data-i');
  b.setAttribute('data-t-other-step', before === after ? 'kept' : 'changed');
  var n = q('#s3-trials-table thead tr').children.length;
  for (var k = 0; k < n; ++k) {
    var th = q('#s3-trials-table th[data-col="' + k + '"]');
    th.click();
    q('#s3-trials-table th[data-col="' + k + '"]').click();  // the table was redrawn
  }
  var sorted = q('#s3-trials-table th.sorted-desc, #s3-trials-table th.sorted-asc');
  b.setAttribute('data-t-sorted', String(document.querySelectorAll('#s3-trials-table tbody tr').length) + ' ' +
    (sorted ? sorted.getAttribute('data-col') : ''));
  var sx = q('#s3-scatter-x'), sy = q('#s3-scatter-y'), pts = [];
  for (var i = 0; i < sx.options.length; ++i) for (var j = 0; j < sy.options.length; ++j) {
    sx.value = sx.options[i].value; sx.dispatchEvent(new Event('change'));
    sy.value = sy.options[j].value; sy.dispatchEvent(new Event('change'));
    pts.push(q('#s3-plot-scatter').getAttribute('data-points'));
  }
  b.setAttribute('data-t-scatter-points', pts.join(','));
  var svg = q('#s1-plot-overlay svg'), r = svg.getBoundingClientRect();
  svg.dispatchEvent(new MouseEvent('click',
    { bubbles: true, clientX: r.left + r.width * 0.5, clientY: r.top + r.height * 0.5 }));
  b.setAttribute('data-t-overlay-click', q('#s1-trials-table tr.sel') ? 'ok' : '');
  q('#recipe-steps tr[data-step="4"] td').click();
  b.setAttribute('data-t-current', Array.prototype.map.call(document.querySelectorAll('section.current'),
    function (s) { return s.id; }).join(','));
  var btn = q('button[data-copy="s5-config"]');
  btn.click();
  // (The selection's text leaves out the <pre>'s last newline.)
  function trim(t) { return t.replace(/\s+$/, ''); }
  var same = trim(window.getSelection().toString()) === trim(q('#s5-config').textContent);
  b.setAttribute('data-t-selection', same ? 'config' : 'other');
  b.setAttribute('data-t-button', btn.textContent);
  b.setAttribute('data-t-done', '1');
})();
</script>)JS";

TEST_CASE("browser recipe survives choosing trials, sorting, the step index and copying", "[report][recipe][browser]") {
  if (!have_browser()) return;
  const RecipeData r = full_recipe();
  std::string html = hs::render_recipe_report(r, full_findings(r));
  html.insert(html.rfind("</body>"), kRecipeClicker);
  Scratch sc;
  const fs::path page = sc.write("recipe_clicked.html", html);
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  CHECK(console_errors(b.err).empty());
  REQUIRE(body_attr(b.dom, "data-t-done") == "1");
  // The diverged lr: its 7 losses with their average, and the lr line; its status in the head.
  CHECK(body_attr(b.dom, "data-t-diverged-series") == "3");
  CHECK(body_attr(b.dom, "data-t-diverged-head") == "1");
  // One chosen row per step with a table, step 3's the clicked one; step 4's choice untouched.
  const std::string chosen = body_attr(b.dom, "data-t-sel");
  CHECK(contains(chosen, "s2-trials-table:3"));
  CHECK(count(chosen, "trials-table:") == 4);
  CHECK(body_attr(b.dom, "data-t-other-step") == "kept");
  CHECK(body_attr(b.dom, "data-t-sorted").rfind("9 ", 0) == 0);
  CHECK(body_attr(b.dom, "data-t-sorted").size() > 2);
  // 3 x 3 axis pairs (lr, weight_decay, the metric); every pair shows the 9 results.
  CHECK(body_attr(b.dom, "data-t-scatter-points") == "9,9,9,9,9,9,9,9,9");
  CHECK(body_attr(b.dom, "data-t-overlay-click") == "ok");
  CHECK(body_attr(b.dom, "data-t-current") == "s4-step");
  CHECK(body_attr(b.dom, "data-t-selection") == "config");
  const std::string button = body_attr(b.dom, "data-t-button");
  CHECK((contains(button, "copied") || contains(button, "Ctrl+C")));
}

TEST_CASE("browser renders a recipe stopped at step 1", "[report][recipe][browser]") {
  if (!have_browser()) return;
  RecipeData r;
  r.header = full_recipe().header;
  r.header.status = "stopped at step 1: too_high";
  r.steps = {step1("too_high")};
  r.steps[0].numbers["loss"] = 4.1;
  r.steps[0].numbers["rel_error"] = 0.78;
  Scratch sc;
  const fs::path page = sc.write("recipe_stopped.html", hs::render_recipe_report(r, {}));
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  CHECK(console_errors(b.err).empty());
  REQUIRE(body_attr(b.dom, "data-rendered") == "1");
  CHECK(inner(b.dom, "recipe-status", "</div>") == "stopped at step 1: too_high");
  CHECK(contains(attr(b.dom, "recipe-status", "class"), "rs-bad"));
  CHECK(contains(attr(b.dom, "s0-step", "class"), "stopped"));
  CHECK(contains(attr(b.dom, "s0-verdict", "class"), "v-bad"));
  CHECK(inner(b.dom, "s0-verdict", "</span>") == "too_high");
  CHECK(attr_int(b.dom, "s0-plot-batch_losses", "data-series") == 3);
  CHECK(count(element(b.dom, "recipe-steps", "</table>"), "<tr data-step=") == 1);
  CHECK_FALSE(contains(b.dom, "id=\"s1-step\""));
}

TEST_CASE("browser renders a running recipe whose current step has no trials yet", "[report][recipe][browser]") {
  if (!have_browser()) return;
  RecipeData r = full_recipe();
  r.header.status = "running";
  r.steps.resize(4);
  r.steps[3].results->trials.clear();
  r.steps[3].text = {{"verdict", "running"}};
  Scratch sc;
  const fs::path page = sc.write("recipe_running.html", hs::render_recipe_report(r, full_findings(r)));
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  CHECK(console_errors(b.err).empty());
  REQUIRE(body_attr(b.dom, "data-rendered") == "1");
  CHECK(contains(attr(b.dom, "recipe-status", "class"), "rs-soso"));
  CHECK(contains(attr(b.dom, "s3-verdict", "class"), "v-soso"));
  CHECK(attr_int(b.dom, "s3-plot-overlay", "data-series") == 0);
  CHECK(count(element(b.dom, "s3-trials-table", "</table>"), "<tr data-i=") == 0);
  CHECK(attr_int(b.dom, "s2-plot-overlay", "data-series") == 4);
  CHECK_FALSE(contains(b.dom, "id=\"s4-step\""));
}

}  // namespace

namespace {

// The x of the tick label `label` on a plot's x axis (a centred <text>), or NaN.
double tick_x(const std::string& svg, const std::string& label) {
  const size_t at = svg.find("text-anchor=\"middle\">" + label + "</text>");
  if (at == std::string::npos) return NAN;
  const size_t x = svg.rfind("<text x=\"", at);
  return x == std::string::npos ? NAN : std::stod(svg.substr(x + 9));
}

}  // namespace

TEST_CASE("browser recipe draws step 3's lr axis small to large and marks tied trials", "[report][recipe][browser]") {
  if (!have_browser()) return;
  RecipeData r = full_recipe();
  // As the recipe writes step 3: lr a choice of the candidates, largest first.
  hs::Param lr;
  lr.name = "lr";
  lr.kind = ParamKind::kChoice;
  lr.choices = {ParamValue(0.1), ParamValue(0.01), ParamValue(0.001), ParamValue(0.0001)};
  r.steps[2].results->header.space.params = {lr};
  // Step 5 on 240 validation samples: trial 2 is within one standard error of trial 0.
  auto& refine = r.steps[4].results->trials;
  for (TrialRecord& t : refine) t.val_samples = 240;
  const hs::Metric val_acc;
  REQUIRE(hs::ties_best(refine[0], refine[2], val_acc));
  REQUIRE_FALSE(hs::ties_best(refine[0], refine[1], val_acc));
  Scratch sc;
  const fs::path page = sc.write("recipe.html", hs::render_recipe_report(r, full_findings(r)));
  keep(page);
  const Browse b = browse(sc, page, "--dump-dom");
  INFO("chromium stderr:\n" << b.err);
  REQUIRE(b.code == 0);
  CHECK(console_errors(b.err).empty());
  const std::string svg = element(b.dom, "s2-plot-scatter", "</svg>");
  const double small = tick_x(svg, "0.0001"), mid = tick_x(svg, "0.01"), large = tick_x(svg, "0.1");
  INFO(svg);
  CHECK(small < mid);
  CHECK(mid < large);
  // The tie is marked beside trial 2's val_acc, and only there.
  const std::string table = element(b.dom, "s4-trials-table", "</table>");
  CHECK(count(table, "class=\"tie\"") == 1);
  const size_t row = table.find("<tr data-i=\"2\"");
  REQUIRE(row != std::string::npos);
  CHECK(contains(table.substr(row, table.find("</tr>", row) - row), "class=\"tie\""));
}
