#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install the packages, build, and run hypersweep on
# its built-in default (the lecture's 784-256-256-10 MLP on Fashion-MNIST).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/bin/hypersweep train "$@"
