// analysed.h: a results file or a recipe file read back with every trial's diagnosis: what
// `hypersweep show` and `report` start from, read in one place, whole (analyse_file) or a trial
// at a time (each_diagnosed: a sweep's results file of any size).
//
// May depend on: analysis (diagnosis), store (the readers: read_results.h, recipe_file.h; never
// HDF5 calls of its own). Thread safety: as the readers.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "analysis/finding.h"
#include "core/error.h"
#include "store/read_results.h"
#include "store/recipe_file.h"

namespace hs {

struct AnalysedFile {
  // A recipe file (store/recipe_file.h): its steps, each with its results when it ran trials;
  // steps[k]'s trial i has step_findings[k][i] (steps 4 and 5 only: their curves are epochs with
  // validation; steps 2-3 record a sample's or single updates' losses, which the epoch-based
  // labels would misread).
  std::optional<RecipeData> recipe;
  std::vector<std::vector<std::vector<Finding>>> step_findings;
  // Otherwise a sweep's results file: trial i has findings[i].
  ResultsData results;
  std::vector<std::vector<Finding>> findings;
};

// Reads `path`, whichever of the two it is (a sweep's through load_results). Errors: those of
// load_results and read_recipe.
Result<AnalysedFile> analyse_file(const std::string& path);

// A sweep's trials with their diagnosis, a trial at a time and never all held (store/
// read_results.h: each_result_twice): what `show` and `report` read a million-trial file with.
// Two passes over the trials. The first sums the sweep context every diagnosis reads
// (add_to_context) and hands each trial to `count` (may be empty); the second hands each trial,
// with the findings it has in analyse_file, to `use`: each trial, or those `wants` (when set)
// says yes to, the others neither diagnosed nor handed over. on_start(header, pass) comes first in
// each pass (0, then 1), and again should that pass start over: a reader starts that pass's sums
// over then. Trials come with their places (their index in load_results' trials). Errors:
// load_results'.
struct DiagnosedVisitor {
  std::function<void(const SweepHeader& header, int pass)> on_start;
  std::function<void(const TrialRecord& t, size_t place)> count;
  std::function<void(TrialRecord&& t, std::vector<Finding>&& findings, size_t place)> use;
  std::function<bool(size_t place)> wants;
};
Status each_diagnosed(const std::string& path, const DiagnosedVisitor& visit);

// "overfitting,update_ratio": a trial's labels, for a table column.
std::string labels_of(const std::vector<Finding>& findings);

}  // namespace hs
