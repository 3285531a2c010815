// gpu.h: what every GPU test starts with. Without a usable CUDA device the test
// program ends at once with exit code 77, which tests/cuda/CMakeLists.txt tells
// CTest means "skipped", and says why (no driver, no device).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cuda/device.h"

namespace hs::test {

inline void require_gpu() {
  std::string why;
  if (hs::cuda::device_count(&why) > 0) return;
  std::printf("skipped: no CUDA device (%s)\n", why.c_str());
  std::fflush(stdout);
  std::_Exit(77);
}

}  // namespace hs::test
