// show.cpp: `hypersweep show`: a results file's sweep in a terminal: what ran, how it ended,
// the best trials and what their curves say; or a recipe file's steps.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/analysed.h"
#include "hypersweep/commands.h"
#include "search/space_text.h"

namespace hs::cli {

namespace {

struct ShowArgs {
  std::string results;
  int top = 10;
  bool all_evidence = false;
};

// `show` of a recipe file: its status, then each step's verdict and report.
int show_recipe(const std::string& path, const RecipeData& recipe) {
  const RecipeData* r = &recipe;
  fmt::print("{}: hypersweep recipe ({}), started {}: {}\n", path, r->header.version,
             r->header.start_time, r->header.status);
  for (const auto& step : r->steps) {
    auto text = [&](const char* k) {
      auto it = step.text.find(k);
      return it == step.text.end() ? std::string() : it->second;
    };
    fmt::print("\n{} [{}]{}\n{}\n", step.group, text("verdict"),
               step.results ? fmt::format(" {} trials", step.results->trials.size()) : "",
               text("report"));
    if (step.group == kRecipeSteps[5]) fmt::print("\n{}", text("config"));
  }
  return 0;
}

int run_show(const ShowArgs& a) {
  auto an = analyse_file(a.results);
  if (!an) return fail(an.error());
  if (an->recipe) return show_recipe(a.results, *an->recipe);
  const auto& h = an->results.header;
  const auto& trials = an->results.trials;
  const bool maximise = h.metric.direction == Direction::kMaximize;
  fmt::print("{}: {} sweep, seed {}, {} {} ({}), started {}\n", a.results, h.strategy, h.seed,
             maximise ? "max" : "min", h.metric.name, h.version, h.start_time);
  std::map<std::string, int> statuses, labels;
  for (size_t i = 0; i < trials.size(); ++i) {
    ++statuses[status_name(trials[i].status)];
    for (const auto& f : an->findings[i]) ++labels[f.label];
  }
  std::string counts, label_counts;
  for (const auto& [k, n] : statuses) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, k);
  for (const auto& [k, n] : labels) label_counts += fmt::format("{}{} {}", label_counts.empty() ? "" : ", ", n, k);
  fmt::print("{} trials: {}\ndiagnosis: {}\n", trials.size(), counts.empty() ? "none" : counts,
             label_counts.empty() ? "none" : label_counts);
  // The best first; trials without a metric last, in id order.
  std::vector<size_t> order(trials.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const double u = trials[x].best_metric, v = trials[y].best_metric;
    if (std::isfinite(u) != std::isfinite(v)) return std::isfinite(u);
    if (!std::isfinite(u)) return trials[x].id < trials[y].id;
    return maximise ? u > v : u < v;
  });
  const size_t shown = a.top > 0 ? std::min(order.size(), static_cast<size_t>(a.top)) : order.size();
  fmt::print("\n{:>6}  {:<13} {:>10} {:>8} {:>6} {:>7}  {:<40} {}\n", "trial", "status", h.metric.name,
             "test_acc", "epochs", "seconds", "parameters", "diagnosis");
  for (size_t k = 0; k < shown; ++k) {
    const auto& t = trials[order[k]];
    fmt::print("{:>6}  {:<13} {:>10} {:>8} {:>6} {:>7.1f}  {:<40} {}\n", t.id, status_name(t.status),
               std::isfinite(t.best_metric) ? fmt::format("{:.4f}", t.best_metric) : "-",
               std::isfinite(t.test_acc) ? fmt::format("{:.4f}", t.test_acc) : "-", t.epochs,
               t.seconds, describe(h.space, t.params, 4), labels_of(an->findings[order[k]]));
  }
  if (shown < order.size()) fmt::print("({} more; --top 0 shows all)\n", order.size() - shown);
  // The evidence behind each shown trial's labels (healthy ones only with --evidence).
  fmt::print("\n");
  for (size_t k = 0; k < shown; ++k) {
    for (const auto& f : an->findings[order[k]]) {
      if (f.label == "healthy" && !a.all_evidence) continue;
      fmt::print("trial {} {}: {}{}\n", trials[order[k]].id, f.label, f.evidence,
                 f.advice.empty() ? "" : " -> " + f.advice);
    }
  }
  return 0;
}

}  // namespace

void add_show(CLI::App& app, Runner* run) {
  auto a = std::make_shared<ShowArgs>();
  auto* show = app.add_subcommand(
      "show",
      std::string("Print a results file's sweep: trials by status, the top trials with their\n"
      "parameters, and what their curves say, each label with its evidence and what to try.\n"
      "Diagnosis labels:\n  ") + kFindingLabels + "\n"
      "Reads the HDF5 file alone (a copy, or a running sweep).\n"
      "Examples:\n"
      "  hypersweep show hypersweep_default.h5\n"
      "  hypersweep show sweep_random.h5 --top 0");
  show->add_option("results", a->results,
                   "Results file (HDF5) written by hypersweep run, or a recipe's file (its steps' "
                   "verdicts and reports)")->required();
  show->add_option("--top,-n", a->top, "How many of the best trials to list (0: all; default 10)")
      ->check(CLI::NonNegativeNumber);
  show->add_flag("--evidence", a->all_evidence, "Also print the evidence of healthy trials");

  show->callback([run, a] { *run = [a] { return run_show(*a); }; });
}

}  // namespace hs::cli
