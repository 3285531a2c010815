#!/usr/bin/env bash
# Every test on a fresh Debian 12 machine: install the packages, build, run CTest (Catch2 unit
# tests, the CLI tests against the real binary, Fashion-MNIST accuracy checks), then the
# crafted-input tests again in an AddressSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
# install-deps.sh installed Chromium, and as root it also made SLURM runnable: the tests that
# need them must run, so a skip is a failure.
export HS_REQUIRE_BROWSER=1
if [ "$(id -u)" -eq 0 ]; then export HS_REQUIRE_SLURM=1; fi
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
# Then the crafted-input tests once more under AddressSanitizer (build-asan/); with arguments
# (a ctest filter), only what they select runs.
if [ $# -eq 0 ]; then scripts/sanitize-check.sh; fi
