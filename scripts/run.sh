#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install the packages, build, and run hypersweep's
# built-in sweep (the lecture's random search over lr and weight decay for the 784-256-256-10 MLP
# on Fashion-MNIST, 8 trials) under mpirun: rank 0 schedules, one worker rank per core trains
# (ranks = cores + 1; see README, "Running under mpirun"). Results: hypersweep_default.h5 here.
# Arguments go to `hypersweep run` (a sweep file, --out, --force, ...). Run again, it continues
# the same results file (and finds nothing left to do once the sweep is complete).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ranks=$(( $(nproc) + 1 ))
if [ "$(id -u)" -eq 0 ]; then
  # Open MPI refuses root unless told twice; CI machines and containers run as root.
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
exec mpirun -np "$ranks" --oversubscribe build/bin/hypersweep run "$@"
