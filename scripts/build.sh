#!/usr/bin/env bash
# Configures and builds hypersweep in build/ (Release, -march=native). Extra arguments go to the
# CMake configure step, e.g. scripts/build.sh -DHYPERSWEEP_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "$(nproc)"
