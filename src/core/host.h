// host.h: this machine's name, for the results file's rank/host columns and messages.
#pragma once

#include <unistd.h>

#include <string>

namespace hs {

inline std::string host_name() {
  char buf[256] = {};
  return ::gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string("unknown");
}

}  // namespace hs
