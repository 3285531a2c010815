#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install the packages, build, and run hypersweep's
# built-in sweep (the lecture's random search over lr and weight decay for the 784-256-256-10 MLP
# on Fashion-MNIST, 8 trials) under mpirun: rank 0 schedules, one worker rank per core trains
# (ranks = cores + 1: jobs/workstation.sh says why). Results: hypersweep_default.h5 here.
# Arguments go to `hypersweep run` (a sweep file, --out, --force, ...); relative paths among them
# are read from the repository's root, where it runs. Run again, it continues
# the same results file (and finds nothing left to do once the sweep is complete).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec jobs/workstation.sh "$@"
