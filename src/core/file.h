// file.h: making a file's new contents durable and visible all at once. A whole file is written
// to <path>.tmp, fsync'd and renamed over <path> (rename is atomic), and the folder is fsync'd so
// the rename itself survives a power cut: a crash or a full disk leaves the old file (or none),
// never a truncated one. For the HTML report, the recipe's recommended config and recipe file,
// and the results file rebuilt from its journal.
//
// May depend on: the standard library, POSIX. Thread safety: one writer per path.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/error.h"

namespace hs {

inline std::string errno_text() { return std::strerror(errno); }

// fsync of what `path` names: a file, or with `flags` = O_DIRECTORY a folder (`what` says which
// in the errors, which name `path`).
inline Status fsync_opened(const std::string& path, int flags, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) return make_error(path, "cannot open " + what + " to fsync it: " + errno_text());
  const int rc = ::fsync(fd);
  const std::string err = errno_text();
  ::close(fd);
  if (rc != 0) return make_error(path, "fsync of " + what + " failed: " + err);
  return {};
}

// fsync of the file at `path`, so that its contents are on disk before it is renamed into place.
inline Status fsync_path(const std::string& path) { return fsync_opened(path, 0, "the file"); }

// fsync of the folder holding `path`, so that a create or rename in it is durable.
inline Status sync_parent_dir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  return fsync_opened(dir, O_DIRECTORY, "the folder");
}

// Makes the complete file `tmp` the file `path`: fsync, rename over `path`, fsync the folder.
// Errors name `path`; `tmp` is left for the caller to remove.
inline Status replace_durably(const std::string& tmp, const std::string& path) {
  if (Status st = fsync_path(tmp); !st) return st;
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(path, "cannot rename " + tmp + " over it: " + errno_text());
  return sync_parent_dir(path);
}

// Writes `text` as the whole of <path>, via <path>.tmp. Errors name `path`: it cannot be created,
// or the disk is full (the .tmp is removed).
inline Status write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return make_error(path, "cannot write: " + errno_text());
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    return make_error(path, "cannot write (disk full?)");
  }
  if (Status st = replace_durably(tmp, path); !st) {
    std::remove(tmp.c_str());
    return make_error(path, "cannot write: " + st.error().message);
  }
  return {};
}

}  // namespace hs
