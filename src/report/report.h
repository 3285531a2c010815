// report.h: one self-contained HTML page for a sweep, the "command center" of lecture 11.2.4.1
// and 11.3: the sweep's summary, every validation curve overlaid, a chosen trial's curves and
// update/weight ratios, the random-search scatter and parallel coordinates, a sortable table of
// trials with their diagnosis, and best-so-far for bayes/tpe. And one page for a recipe
// (store/recipe_file.h): its status, then each step's verdict and report, with the same views
// for each step that ran trials.
//
// The page loads nothing: its script and style (report.js, report.css, embedded at build time)
// and the sweep's data (one JSON object in a <script type="application/json" id="hs-data">) are
// inline, and it makes no network request. Plots are SVG drawn by that script. The curves'
// numbers (per epoch: drawn, never ranked or shown as text) are rounded to a few significant
// digits (ReportOptions::digits), so 1,000 trials x 100 epochs stay under 10 MB; a trial's own
// numbers (its metric, results, test accuracy, seconds, parameters; the rungs' best values, a
// recipe step's numbers) read back exactly (the shortest round-trip text), so the page ranks
// and shows them as show and export do. NaN is null; +inf and -inf are 1e999 and -1e999 (JSON
// numbers that JSON.parse reads as Infinity), shown as inf and -inf. A larger sweep is sampled
// (ReportOptions::max_trials), and its page says so.
//
// For tests the script records, on each plot container (class "plot"), `data-series`: the series
// or point sets it drew (and `data-points` on the scatter: its points), and on <body>
// `data-render-ms`: the milliseconds from the script's start (JSON.parse included) to the end of
// a forced layout of the drawn page, `data-page-ms`: that moment since navigation start, and
// `data-rendered="1"` when it is done. The script logs nothing to the console.
//
// May depend on: store (the plain records, recipe_file.h's structs), search (parameter values), analysis/finding.h (plain
// data). Thread safety: a pure function of its arguments.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "analysis/finding.h"
#include "store/recipe_file.h"
#include "store/results_file.h"
#include "trial/rungs.h"

namespace hs {

namespace report_large {
class Census;
}

struct ReportOptions {
  std::string title;          // empty: "hypersweep: <strategy> sweep of <metric>"
  int max_table_rows = 0;     // table rows shown (the best first until re-sorted); 0: all
  int digits = 4;             // significant digits of the curves' numbers (1..9)
  // A sweep of more than max_trials trials (0: no limit) is drawn from a sample: the best
  // keep_best trials by the metric and a seeded sample of the others, max_trials in all, in
  // full; a note above the page says so, with every trial's counts by status and the 5/25/50/
  // 75/95% quantiles per epoch of every trial's metric curve (val_acc when the metric is not a
  // curve). The rung chart counts every trial. At the defaults a 10-epoch sweep's page stays
  // under about 5 MB however many trials it has (bench/README.md: a million trials).
  size_t max_trials = 5000;
  size_t keep_best = 200;
};

// The page. findings[i] are trials[i]'s diagnosis findings; findings may be shorter than trials
// (a missing entry is no finding) and may be empty. Trials are shown in the given order, which
// is also the order of best-so-far (the results file's first-recorded order).
std::string render_report(const SweepHeader& header, const std::vector<TrialRecord>& trials,
                          const std::vector<std::vector<Finding>>& findings,
                          const ReportOptions& opt = {});

// render_report's page built a trial at a time, for a sweep too large to hold whole (`hypersweep
// report` reads a results file so: analysis/analysed.h, each_diagnosed): add() every trial with
// its place (its index in the trials render_report would take), then choose(), then draw() each
// trial whose place drawn() names, with its findings, in any order. page() is then
// render_report's page of those trials; render_report is this over its vectors.
class SweepPage {
 public:
  explicit SweepPage(const SweepHeader& header, const ReportOptions& opt = {});
  ~SweepPage();
  void add(const TrialRecord& t, size_t place);
  void choose();
  bool drawn(size_t place) const { return place < chosen_.size() && chosen_[place]; }
  void draw(TrialRecord&& t, std::vector<Finding>&& findings, size_t place);
  size_t trials() const;  // added
  std::string page() const;

 private:
  struct Drawn {
    size_t place;
    TrialRecord t;
    std::vector<Finding> findings;
  };
  SweepHeader header_;
  ReportOptions opt_;
  std::unique_ptr<report_large::Census> census_;
  PruningTally pruning_;
  NamesByPlace names_;  // of the results
  std::vector<char> chosen_;
  std::vector<Drawn> drawn_;
};

// The page of a recipe, by the rules above: the header (status first: "complete", or "stopped at
// step N: ...", shown red), an index of the steps, then each step in order as a section with its
// title (the text attribute `title`, else one derived from the group name: "3_lr_find" ->
// "3. Learning-rate search"), its verdict (green for ok/fit/complete and the like, red for a
// failure), its `report` paragraph, its other numbers and texts, its series (batch_losses
// against the `expected` ln C, its tolerance band and the measured `loss`), a `config` text (the
// recommendation) in a <pre> with a copy button, and for a step with results render_report's
// views of that sweep, its ids prefixed "s<k>-" (k: the step's index in recipe.steps). Curves
// whose validation side is all NaN show train_loss; a step named "<n>_lr_find" records one row
// per update, and its x axes say "update".
// findings[k][i] are step k's trial i's findings, as for render_report; findings may be shorter
// than recipe.steps (a missing entry is no finding). ReportOptions: title (empty: "hypersweep
// recipe"), max_table_rows and digits apply to every step; each step goes by its own metric and
// direction (its header's).
std::string render_recipe_report(const RecipeData& recipe,
                                 const std::vector<std::vector<std::vector<Finding>>>& findings,
                                 const ReportOptions& opt = {});

}  // namespace hs
