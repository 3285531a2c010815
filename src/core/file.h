// file.h: writing a whole text file so that a reader never sees half of it: the text goes to
// <path>.tmp, which is renamed over <path> once it is complete (rename is atomic), so a crash or
// a full disk leaves the old file (or none), never a truncated one. For the HTML report and the
// recipe's recommended config.
//
// May depend on: the standard library. Thread safety: one writer per path.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/error.h"

namespace hs {

// Errors name `path`: it cannot be created, or the disk is full (the .tmp is removed).
inline Status write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return make_error(path, std::string("cannot write: ") + std::strerror(errno));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    return make_error(path, "cannot write (disk full?)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(path, std::string("cannot write: ") + std::strerror(errno));
  return {};
}

}  // namespace hs
