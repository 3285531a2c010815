// analysed.h: a results file or a recipe file read back with every trial's diagnosis: what
// `hypersweep show`, `report` and `export` start from, read in one place.
//
// May depend on: analysis (diagnosis), store (the readers: read_results.h, recipe_file.h; never
// HDF5 calls of its own). Thread safety: as the readers.
#pragma once

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

// "overfitting,update_ratio": a trial's labels, for a table column.
std::string labels_of(const std::vector<Finding>& findings);

}  // namespace hs
