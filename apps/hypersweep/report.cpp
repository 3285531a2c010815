// report.cpp: `hypersweep report`: one self-contained HTML page for a results file or a recipe
// file (report/report.h).
#include "report/report.h"

#include <fmt/core.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "analysis/analysed.h"
#include "core/file.h"
#include "core/text.h"
#include "hypersweep/commands.h"

namespace hs::cli {

namespace {

struct ReportArgs {
  std::string results;
  std::string out;
};

int run_report(const ReportArgs& a) {
  const std::string out =
      a.out.empty() ? std::filesystem::path(a.results).stem().string() + ".html" : a.out;
  if (Status st = distinct_output(out, "the report", {{a.results, "the file it is made from"},
                                                      {a.results + ".journal", "its journal"}});
      !st)
    return fail(st.error());
  std::string html;
  size_t trials = 0;
  if (is_recipe_file(a.results)) {
    auto an = analyse_file(a.results);
    if (!an) return fail(an.error());
    html = render_recipe_report(*an->recipe, an->step_findings);
    for (const auto& step : an->recipe->steps) trials += step.results ? step.results->trials.size() : 0;
  } else {
    // A trial at a time: a million-trial file's page is made from its census and a sample
    // (report.h: SweepPage), never from every trial held at once.
    std::optional<SweepPage> page;
    DiagnosedVisitor visit;
    visit.on_start = [&](const SweepHeader& h, int pass) {
      if (pass == 0) page.emplace(h);
      else page->choose();
    };
    visit.count = [&](const TrialRecord& t, size_t place) { page->add(t, place); };
    visit.wants = [&](size_t place) { return page->drawn(place); };  // diagnosed: those drawn
    visit.use = [&](TrialRecord&& t, std::vector<Finding>&& findings, size_t place) {
      page->draw(std::move(t), std::move(findings), place);
    };
    if (Status st = each_diagnosed(a.results, visit); !st) return fail(st.error());
    html = page->page();
    trials = page->trials();
  }
  if (Status st = write_file_atomically(out, html); !st) return fail(st.error());
  fmt::print("{} -> {} ({:.0f} kB, self-contained: open it in any browser)\n",
             counted(static_cast<int64_t>(trials), "trial"), out,
             static_cast<double>(html.size()) / 1e3);
  return 0;
}

}  // namespace

void add_report(CLI::App& app, Runner* run) {
  auto a = std::make_shared<ReportArgs>();
  auto* report = app.add_subcommand(
      "report",
      "Write one self-contained HTML page for a results file.\n"
      "It holds the sweep's summary, every validation curve overlaid, a chosen trial's curves,\n"
      "lr and update/weight ratios, the random-search scatter and parallel coordinates, a\n"
      "sortable table with diagnosis labels, and best-so-far for bayes/tpe. Nothing is loaded\n"
      "from the network: copy the file off the cluster and open it on a laptop.\n"
      "Examples:\n"
      "  hypersweep report hypersweep_default.h5            (writes hypersweep_default.html)\n"
      "  hypersweep report sweep_random.h5 -o random.html");
  report->add_option("results", a->results,
                     "Results file (HDF5) written by hypersweep run, or a recipe's file (one "
                     "section per step)")->required();
  report->add_option("--out,-o", a->out,
                     "The HTML file (default: the results file's name with .html, here; its folder "
                     "is made if missing)")
      ->check(non_empty_path("the HTML file to write, or leave -o out for the default"));

  report->callback([run, a] { *run = [a] { return run_report(*a); }; });
}

}  // namespace hs::cli
