// internal.h: small helpers the data loaders share. Not part of the data API; include only from
// src/data/*.cpp.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

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

}  // namespace hs::data_internal
