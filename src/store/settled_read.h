// settled_read.h: a read of a results file that a running sweep may be writing. Rank 0 flushes
// each group of records to the HDF5 file in several writes; a reader that opens the file between
// two of them finds its metadata half new ("unable to open file", "can't read data") although
// the file is sound a moment later. Such a read is tried again while the file changes under it.
//
// May depend on: core. Thread safety: plain functions.
#pragma once

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "core/error.h"
#include "store/results_file.h"

namespace hs::store {

// What tells a file being written from one at rest: the HDF5 file's size and modification time,
// and its journal's size (-1: no journal).
struct FileStamp {
  off_t size = -1;
  int64_t mtime_ns = -1;
  off_t journal = -1;
  bool operator==(const FileStamp&) const = default;
};

inline FileStamp stamp_of(const std::string& path) {
  FileStamp s;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    s.size = st.st_size;
    s.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  }
  if (::stat(results_journal(path).c_str(), &st) == 0) s.journal = st.st_size;
  return s;
}

// Whether some process holds a lock on the file at `path` (a running sweep holds its journal's
// flock), read from /proc/locks: asked without taking a lock, which a run starting at that
// moment would find held. False where /proc/locks cannot be read.
inline bool locked_now(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  char id[64];  // as /proc/locks writes a file: MAJ:MIN:INODE, the device's numbers in hex
  std::snprintf(id, sizeof id, " %02x:%02x:%llu ", ::major(st.st_dev), ::minor(st.st_dev),
                static_cast<unsigned long long>(st.st_ino));
  std::ifstream in("/proc/locks");
  for (std::string line; std::getline(in, line);)
    if (line.find(id) != std::string::npos) return true;
  return false;
}

// once() (a Result), tried again, up to `tries` times with a growing pause (0.9 s in all), while
// it fails and the file changed during the try or a sweep holds its journal (a writer paused in
// the middle of a flush leaves the file torn and still for a while). A file with a journal is
// tried a second time even when neither held: its modification time may not move within a
// clock tick. A failure on a file at rest is the answer at once (a damaged file costs one try,
// or two).
template <typename Once>
auto settled_read(const std::string& path, Once once, int tries = 10) -> decltype(once()) {
  for (int attempt = 1;; ++attempt) {
    const FileStamp before = stamp_of(path);
    auto r = once();
    if (r.ok() || attempt >= tries) return r;
    const bool moved = !(stamp_of(path) == before);
    const bool written = before.journal >= 0 && locked_now(results_journal(path));
    if (!moved && !written && !(attempt == 1 && before.journal >= 0)) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
  }
}

}  // namespace hs::store
