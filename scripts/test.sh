#!/usr/bin/env bash
# Every test on a fresh Debian 12 machine: install the packages, build, run CTest (Catch2 unit
# tests, the CLI tests against the real binary, Fashion-MNIST accuracy checks).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
# As root the SLURM tests can always run (install-deps.sh installed SLURM): a skip is a failure.
if [ "$(id -u)" -eq 0 ]; then export HS_REQUIRE_SLURM=1; fi
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
