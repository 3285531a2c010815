#!/usr/bin/env bash
# Installs every Debian 12 package hypersweep needs to build, test and run.
# Idempotent: apt-get skips what is already installed. Needs root (or sudo).
# Usage: scripts/install-deps.sh [--bench]   (--bench adds PyTorch and Optuna, for bench/)
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

pkgs=(
  build-essential cmake pkg-config
  openmpi-bin libopenmpi-dev          # MPI: rank-0 scheduler and workers
  libomp-dev                          # OpenMP runtime headers (g++ uses libgomp)
  libeigen3-dev                       # GEMMs and linear algebra
  libhdf5-dev hdf5-tools              # results file; h5dump for tests
  catch2                              # unit tests (v2.13)
  libbenchmark-dev                    # bench/
  libtomlplusplus-dev                 # config files
  libcli11-dev                        # command line
  libfmt-dev                          # formatting
  libnlopt-cxx-dev                    # GP hyperparameter fitting
  zlib1g-dev                          # gzipped IDX files
  dataset-fashion-mnist               # the real data set
  python3-h5py python3-pandas         # the README's example reader, run in a test
  python3-matplotlib                  # docs/plot_curves.py (Agg backend), run in a test
  python3-numpy                       # a command test seeds numpy with HYPERSWEEP_SEED (tests/objective)
  python3-optuna                      # the median pruner checked against Optuna's (tests/prune)
  slurm-wlm munge                     # a real local SLURM for the jobs/ tests (jobs/local-slurm)
  iproute2                            # network namespaces for the three-node SLURM test
  chromium fonts-dejavu-core          # headless browser for the HTML report tests (tests/report)
)
if [ "${1:-}" = "--bench" ]; then
  pkgs+=(python3-torch libopenblas0-openmp time)
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "install-deps: ${#pkgs[@]} packages present"
