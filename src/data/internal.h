// internal.h: small helpers the data loaders share. Not part of the data API; include only from
// src/data/*.cpp.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"

namespace hs::data_internal {

// The one rule for a feature value, whatever file it comes from (a CSV field, an HDF5 X
// element, after conversion to float32): finite. A NaN or inf would poison every sum the trainer
// makes. kNotFiniteFeature is what a message says of one that breaks it.
inline bool finite_feature(float v) { return std::isfinite(v); }
inline constexpr char kNotFiniteFeature[] = "is not a finite float";

// The error for a file that fopen/gzopen could not open, from its errno.
inline Error open_error(const std::string& path, int err) {
  if (err == ENOENT) return make_error(path, "missing file (No such file or directory)");
  return make_error(path, std::string("cannot open: ") + std::strerror(err));
}

// The one rule for a label column (CSV) or label data set (HDF5), given its values (each an
// integer >= 0): labels are numbered 0..K-1 with at most kMaxClasses (load.h) classes, most of
// them present. "" when `y` looks like labels, else why it looks like a feature instead
// ("holds 1234 distinct values ..."), for the caller to name the column and the key.
inline std::string label_problem(const std::vector<int32_t>& y, int max_classes) {
  if (y.empty()) return {};
  const int64_t classes = int64_t{*std::max_element(y.begin(), y.end())} + 1;
  std::vector<int32_t> sorted = y;
  std::sort(sorted.begin(), sorted.end());
  const auto distinct =
      static_cast<int64_t>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
  const std::string range = " (values 0.." + std::to_string(classes - 1) + ")";
  if (distinct > max_classes) {
    return "holds " + std::to_string(distinct) + " distinct values" + range + ", more than the " +
           std::to_string(max_classes) + " classes a label may have";
  }
  if (classes > max_classes) {
    return "has values up to " + std::to_string(classes - 1) + ", more than the " +
           std::to_string(max_classes) + " classes a label may have";
  }
  if (classes > 10 && 2 * distinct < classes) {
    return "holds only " + std::to_string(distinct) + " distinct values among 0.." +
           std::to_string(classes - 1) + ", where labels number their classes 0..K-1";
  }
  return {};
}

}  // namespace hs::data_internal
