// columns.h: what /summary calls the results a command printed (and `curves` its extra epoch
// columns), for everything that prints them
// beside the parameters (`show`, the report, the CSV export), so that a printed `lr` or `error`
// reads the same everywhere. The rule itself lives with the row layout (layout.cpp), which
// names /summary's columns by it.
//
// May depend on: search (the space). Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "search/space.h"

namespace hs::store {

// The column names of `results` (result names as printed, in first-recorded order: result_names,
// trial/record.h), one each, in the same order: a result is named as printed unless that name is
// taken by a fixed /summary column (id, status, best_epoch, ..., or error), a parameter or an
// earlier result's column; then "result_" is put in front (until it is free): a printed `lr`
// beside a parameter lr is "result_lr", a printed `error` "result_error".
std::vector<std::string> result_columns(const SearchSpace& space,
                                        const std::vector<std::string>& results);

// The extra curve columns of a trial (TrialRecord::curve_extra_names) as HDF5 member names, and
// so as `show --trial` heads them: the name itself unless a fixed curve column (epoch ...
// seconds) or an earlier extra has it, then with "extra_" in front. The `curves` dataset keeps
// the names as printed in its attribute extra_columns. `also_taken`: more names to avoid (the
// CSV export's id).
std::vector<std::string> curve_extra_columns(const std::vector<std::string>& names,
                                             const std::vector<std::string>& also_taken = {});

}  // namespace hs::store
