// export.cpp: `hypersweep export`: a results file's trials and curves as CSV files
// (store/export.h); a recipe file's, a folder per step.
#include "store/export.h"

#include <fmt/core.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/text.h"
#include "hypersweep/commands.h"
#include "store/read_results.h"
#include "store/recipe_file.h"

namespace hs::cli {

namespace {

struct ExportArgs {
  std::string results;
  std::string csv;
};

// Reads the results a trial at a time (export_results_csv: the journal when it says what the
// HDF5 file says, else the HDF5 file; no lock: a copy off a cluster, or a sweep still running)
// and writes DIR/summary.csv and DIR/curves.csv.
int run_export(const ExportArgs& a) {
  // Read, not analysed: the CSV files hold no diagnosis (a million trials' would take minutes).
  if (is_recipe_file(a.results)) {  // each step's trials into a folder of its own
    auto recipe = read_recipe(a.results);
    if (!recipe) return fail(recipe.error());
    for (const auto& step : recipe->steps) {
      if (!step.results) continue;
      const std::string dir = (std::filesystem::path(a.csv) / step.group).string();
      if (Status st = export_csv(*step.results, dir); !st.ok()) return fail(st.error());
      fmt::print("{}: {} -> {}\n", step.group,
                 counted(static_cast<int64_t>(step.results->trials.size()), "trial"),
                 (std::filesystem::path(dir) / "summary.csv").string());
    }
    return 0;
  }
  ExportCounts n;
  if (Status s = export_results_csv(a.results, a.csv, &n); !s.ok()) return fail(s.error());
  const std::filesystem::path dir(a.csv);
  fmt::print("{} -> {}\n{} -> {}\n", counted(static_cast<int64_t>(n.trials), "trial"),
             (dir / "summary.csv").string(), counted(static_cast<int64_t>(n.epochs), "epoch"),
             (dir / "curves.csv").string());
  return 0;
}

}  // namespace

void add_export(CLI::App& app, Runner* run) {
  auto a = std::make_shared<ExportArgs>();
  auto* exp = app.add_subcommand(
      "export",
      "Write a results file's trials and curves as CSV, for spreadsheets, R or pandas.\n"
      "Works on a sweep still running and on a copy with or without its journal\n"
      "(FILE.journal, read instead of the HDF5 file when beside it and intact: faster).\n"
      "  DIR/summary.csv  one row per trial: id, status, every parameter, best_epoch,\n"
      "                   best_metric, test_acc, initial_loss, num_classes, epochs_run,\n"
      "                   seconds, rank, host, attempt, pruned_epoch, rung, bracket, the\n"
      "                   results a command printed (one column each), error\n"
      "  DIR/curves.csv   one row per trial and epoch: id, epoch, lr, train_loss, train_acc,\n"
      "                   val_loss, val_acc, seconds, the columns a command printed on its\n"
      "                   epoch lines, update_ratio/<layer>...\n"
      "RFC 4180 quoting; doubles with 17 digits (they read back exactly); NaN is empty.\n"
      "Exit codes: 0 done, 2 not a results file, DIR empty or not writable.\n"
      "Examples:\n"
      "  hypersweep export sweep_random.h5 --csv sweep_random_csv");
  exp->add_option("results", a->results,
                  "Results file (HDF5) written by hypersweep run, or a recipe's file (a folder "
                  "DIR/<step> per step with trials)")->required();
  exp->add_option("--csv", a->csv, "Folder for summary.csv and curves.csv (made if missing)")
      ->required()
      ->check(non_empty_path("the folder for summary.csv and curves.csv"));

  exp->callback([run, a] { *run = [a] { return run_export(*a); }; });
}

}  // namespace hs::cli
