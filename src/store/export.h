// export.h: a results file's data as two CSV files, for spreadsheets, R and pandas without HDF5
// (`hypersweep export RESULTS.h5 --csv DIR`).
//
//   summary.csv  one row per trial, in /summary order: id, status, every parameter by name (in
//                space order), best_epoch, best_metric, test_acc, initial_loss, num_classes,
//                epochs_run, seconds, rank, host, attempt, pruned_epoch (0 unless pruned), rung
//                and bracket (-1: none; pruning, trial/record.h), the results a command printed
//                (TrialRecord::results: the union of every trial's, first-seen order, blank
//                where a trial has none; named as /summary names them, columns.h:
//                result_columns), error
//   curves.csv   long format, one row per trial and epoch: id, epoch, lr, train_loss, train_acc,
//                val_loss, val_acc, seconds, then the extra columns a command printed (the union
//                of every trial's curve_extra_names, first-seen order; named as the curves
//                dataset names them, and never id: layout.h, curve_extra_columns), then
//                update_ratio/<layer>
//                for the union of every trial's layers (in first-seen order); blank where a trial
//                has no such column or layer
//
// RFC 4180 quoting: a field holding a comma, a double quote, CR or LF is put in double quotes,
// its quotes doubled. Lines end in "\n". A text cell (a string parameter, status, host, error,
// a column name) that starts with =, +, -, @, tab or CR and is not a plain number would be run
// as a formula by a spreadsheet: following OWASP's advice on CSV injection it gets a leading
// single quote and is quoted ("'=1+2"). Numbers are written by csv_number and never start a
// formula, and text that parses whole as a number ("-0.5") is left as it is. Doubles are written with %.17g, so they read back to the
// same bits; NaN is an empty field; booleans are true/false.
//
// May depend on: core, store. Thread safety: plain functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"
#include "store/read_results.h"

namespace hs {

// One CSV text field, quoted when it must be, a formula defused (above).
std::string csv_field(std::string_view s);
// A double as a CSV field: %.17g, "" for NaN.
std::string csv_number(double v);

std::string summary_csv(const ResultsData& d);
std::string curves_csv(const ResultsData& d);

// Writes <dir>/summary.csv and <dir>/curves.csv (each replaced whole, never written through a
// link: core/file.h), creating <dir> and its parents when missing. Errors name the folder or
// file.
Status export_csv(const ResultsData& d, const std::string& dir);

// What export_results_csv wrote: trials (summary.csv's rows) and epochs (curves.csv's).
struct ExportCounts {
  size_t trials = 0, epochs = 0;
};

// export_csv of load_results(path), never holding every trial: the trials are read twice a
// trial at a time (read_results.h: each_result), first for the columns, then for the rows,
// which go to the two files in pieces of a few MiB. A sweep still writing the file is exported
// as it was at the first read; should a trial be recorded again with other columns between the
// two reads, the export starts over (three times at most, then an error). Errors: load_results'
// and export_csv's.
Status export_results_csv(const std::string& path, const std::string& dir, ExportCounts* counts);

}  // namespace hs
