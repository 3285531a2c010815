// recipe_file.h: the results file of `hypersweep recipe`, one HDF5 file holding every step of
// the lecture's small-budget tuning procedure (issue 7), one group per step, so h5py, pandas and
// `hypersweep report` see them all.
//
// The layout of <path> (HDF5):
//   /                  root attributes: kind = "hypersweep recipe", config (the user's config
//                      text as given), config_hash, hypersweep_version, start_time, status
//                      ("complete", "stopped at step N: <verdict>", "stopped by a signal
//                      during step N", or "running"), steps (the step groups present, in
//                      order, one string: "1_initial_loss,...")
//   /1_initial_loss    attributes only (RecipeStep::text and ::numbers), and a 1-D double
//                      dataset `batch_losses`
//   /2_overfit         a whole results layout (results_file.h: the root attributes, /space,
//   /3_lr_find         /summary, /trials/NNNNNN), copied from the step's own results file
//   /4_coarse_grid     with H5Ocopy, plus the step's text and numeric attributes (verdict,
//   /5_refine          report, ...) on the group
//   /6_recommendation  attributes only: verdict, report, config (the recommended TOML), ...
// Group names are "<n>_<name>": the step number first so h5ls lists them in order.
// h5py: f["4_coarse_grid/summary"][:] is a sweep's summary like any results file's.
//
// Writing: rank 0 alone. write_recipe_file() builds the whole file anew as <path>.tmp and
// renames it over <path> (atomic), so a crash leaves the previous complete version, never a
// damaged one; the recipe calls it after every step (the files are small: the copies of a few
// step files). The step files themselves are ordinary results files with journals (resumable),
// kept by the caller.
// Reading: read_recipe() reads the HDF5 file alone (no journal, no lock), like read_results().
//
// May depend on: core, store (results_file.h), h5. Thread safety: as for ResultsFile.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/read_results.h"

namespace hs {

// The steps' group names, index = step - 1.
inline constexpr const char* kRecipeSteps[6] = {"1_initial_loss", "2_overfit", "3_lr_find",
                                                "4_coarse_grid", "5_refine", "6_recommendation"};

// What the recipe file's root says.
struct RecipeHeader {
  std::string config_text;   // the user's config as given
  std::string config_hash;
  std::string version;
  std::string start_time;
  std::string status;        // "complete", "stopped at step N: ..." (a failed check), "stopped
                             // by a signal during step N" (continues), "running"
};

// One step as written: its group name, its attributes, and (steps 2-5) the results file whose
// root layout is copied into the group.
struct RecipeStepOut {
  std::string group;                          // e.g. "3_lr_find"
  std::map<std::string, std::string> text;    // string attributes: verdict, report, config, ...
  std::map<std::string, double> numbers;      // double attributes: loss, expected, best_lr, ...
  std::map<std::string, std::vector<double>> series;  // 1-D double datasets (batch_losses)
  std::string results_path;                   // a results file to copy in; "" for none
};

// Writes <path> (via <path>.tmp and rename): the root attributes, then one group per step in
// the order given. An existing <path> is replaced. A step's text or number attribute replaces
// an attribute of the same name that its copied results root has (config, say; read_results()
// of that group then sees the step's). Errors name the path (or the step's results_path, which
// must exist and be a results file) and the HDF5 call that failed; <path> is then untouched and
// no <path>.tmp is left.
// REQUIRES (checked, an error otherwise): group names distinct, each a plain HDF5 link name
// without '/' or ',' (the root's `steps` joins them with ','); no name both in text and in
// numbers; no series named summary, trials or space (the results layout's objects).
Status write_recipe_file(const std::string& path, const RecipeHeader& header,
                         const std::vector<RecipeStepOut>& steps);

// One step as read back.
struct RecipeStep {
  std::string group;
  std::map<std::string, std::string> text;
  std::map<std::string, double> numbers;
  std::map<std::string, std::vector<double>> series;
  std::optional<ResultsData> results;  // when the group holds a results layout (a /summary)
};

struct RecipeData {
  RecipeHeader header;
  std::vector<RecipeStep> steps;  // in the order of the root's `steps` attribute
};

// Whether <path> is a recipe file (its root attribute kind is "hypersweep recipe"); false for
// a sweep's results file, and for anything unreadable.
bool is_recipe_file(const std::string& path);

// Reads a recipe file. A step's text is every scalar string attribute of its group, numbers
// every scalar float one, series every 1-D float dataset in it (other attributes, such as a
// copied results root's uint64 seed and its list `parameters`, are left out); a group with a
// `summary` is read with read_results(path, group). Errors name the path and what is wrong (no
// such file, not HDF5, not a recipe file, a step group missing or unreadable).
Result<RecipeData> read_recipe(const std::string& path);

}  // namespace hs
