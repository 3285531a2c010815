// layout.h (internal to hs_store): the results file's tables as HDF5 types, shared by its writer
// (h5_writer.cpp) and its reader (h5_reader.cpp): the /summary row (one column per field and per
// space parameter, packed) and the `curves` row, and a trial's group name. results_file.h
// documents the layout itself.
//
// Every HDF5 call goes through H5_TRY / H5_OPEN (h5/h5.h). Thread safety: as for ResultsFile.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "h5/h5.h"
#include "search/space.h"
#include "store/columns.h"
#include "trial/record.h"

namespace hs::store {

enum class Col { kI8, kI32, kI64, kF64, kStr };

struct Column {
  std::string name;
  Col kind;
  size_t size;  // bytes; strings: the fixed length
  size_t offset = 0;
};

inline constexpr size_t kStatusLen = 16;
inline constexpr size_t kHostLen = 64;

// The /summary row for a space: id, status, one column per parameter (double for uniform,
// log_uniform and numeric choices, int64 for int and all-integer choices, a fixed-length string
// for string choices, int8 for bool choices), then best_epoch ... attempt, pruned_epoch, rung and
// bracket (pruning, trial/record.h), then one double
// column per result a command printed (TrialRecord::results; NaN where a trial has none), for
// the first kMaxExtraNames names recorded that fit within kRowTypeBudget (trial/record.h); a
// later name is in its trial's group only (result_names).
struct Layout {
  std::vector<Column> cols;  // id, status, params..., the rest, the results
  size_t row_bytes = 0;
  std::vector<std::string> results;  // the results' names, as printed, in column order
  size_t type_cost = 0;  // the columns' column_cost, summed
};

// HDF5 keeps a type's description within 64 KiB, and a dataset of a wider one cannot be made
// (the 1.8 formats): the most the /summary row's columns may cost in it, with a margin.
inline constexpr size_t kRowTypeBudget = 60000;
// What a column named `name` costs in that description (HDF5 1.8's compound encoding): its
// name, NUL-ended and padded to 8 bytes, a member's fixed fields and its type's.
inline size_t column_cost(const std::string& name) { return (name.size() + 8) / 8 * 8 + 56; }
// The first parameter of `space` whose column takes the row past kRowTypeBudget (with the fixed
// columns), or -1: a space too wide for any results file, refused before one is made.
int too_wide_from(const SearchSpace& space);

// Errors: a parameter named like a fixed column (id, status, best_epoch, ..., or error); a space
// too wide (too_wide_from).
// `results`: the names of the result columns (result_names, trial/record.h), in order, each
// column named by result_columns (columns.h).
Result<Layout> make_layout(const std::string& path, const SearchSpace& space,
                           const std::vector<std::string>& results = {});

// Why parameter `name` cannot be stored in a trial's group: it is named like one of the group's
// own attributes (log_path, decision, ...); "" when it can. Checked before a new results file
// is made only (open.h: check_space_names): a file that holds such a parameter already (one
// never written with that attribute) still reads and continues.
std::string group_attribute_clash(const std::string& name);

// Whether layout `l` has a column for every result of `r` that could have one (kMaxExtraNames,
// kRowTypeBudget).
bool has_results_of(const Layout& l, const TrialRecord& r);

// The packed compound type of a /summary row (same in memory and in the file); the caller closes
// it. With `only_in` (a compound type read from a file), the columns that type lacks are left out
// (at the same offsets), so an older file reads with its columns only.
Result<hid_t> make_row_type(const std::string& path, const Layout& l, hid_t only_in = -1);

// A record's /summary row (its status and host cut to the column widths).
std::vector<char> pack_row(const Layout& l, const TrialRecord& r);

// A /summary row back as a record's summary fields (id, params typed per their /space kind,
// best_epoch ... host), and its status text in *status (the trial's group has it whole).
// present[k]: whether column k is in the file (initial_loss, num_classes, attempt, rung and
// bracket may be missing: NaN, 0, 1, -1 and -1 then).
TrialRecord unpack_row(const Layout& l, const SearchSpace& space, const std::vector<bool>& present,
                       const char* row, std::string* status);

// One row of a trial's `curves` dataset, and its HDF5 compound type (for writing and reading).
struct CurveRow {
  int32_t epoch;
  double lr, train_loss, train_acc, val_loss, val_acc, seconds;
};
Status make_curve_type(const std::string& path, H5Id* out);

// curve_extra_columns (columns.h): the extra curve columns' HDF5 member names.
// A compound type of doubles, one member per name, packed at 8-byte steps from offset 0: how the
// extra curve columns are written and read, apart from the fixed ones.
Status make_doubles_type(const std::string& path, const std::vector<std::string>& members,
                         H5Id* out);

// A trial's group under /trials: its id zero-padded to 6 digits ("000042").
std::string trial_name(int64_t id);

}  // namespace hs::store
