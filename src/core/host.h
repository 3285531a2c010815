// host.h: this machine's name, for the results file's rank/host columns and messages; its
// memory, for the trainer's check that a model fits; the cores this process may run on.
#pragma once

#include <sched.h>
#include <unistd.h>

#include <string>

namespace hs {

inline std::string host_name() {
  char buf[256] = {};
  return ::gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string("unknown");
}

// This machine's physical memory in bytes (0 when unknown).
inline double physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), size = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? static_cast<double>(pages) * static_cast<double>(size) : 0;
}

// The cores this process may run on (a launcher or SLURM that binds a process narrows them: the
// OpenMP threads' check, how many children read a results file); a large number when that cannot
// be read, so it limits nothing.
inline int bound_cores() {
  cpu_set_t set;
  return ::sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1 << 20;
}

}  // namespace hs
