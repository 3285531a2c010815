// internal.h: small helpers the data loaders share. Not part of the data API; include only from
// src/data/*.cpp.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

#include "core/error.h"

namespace hs::data_internal {

// The error for a file that fopen/gzopen could not open, from its errno.
inline Error open_error(const std::string& path, int err) {
  if (err == ENOENT) return make_error(path, "missing file (No such file or directory)");
  return make_error(path, std::string("cannot open: ") + std::strerror(err));
}

}  // namespace hs::data_internal
