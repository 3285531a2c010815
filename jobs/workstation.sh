#!/usr/bin/env bash
# hypersweep on a workstation: mpirun with one worker rank per core plus rank 0, the scheduler.
#   jobs/workstation.sh configs/sweep_random.toml [--out results.h5] [other `hypersweep run` flags]
#
# Why cores + 1 ranks, one thread each: rank 0 only schedules and sleeps while it waits (under 1%
# of a core), so it can share a core; whole trials side by side use the cores better than threads
# inside one trial (measured here, README "Running under mpirun": 2 workers x 1 thread were 1.90x
# faster than 1 worker, 1 worker x 2 threads 1.52x). More ranks than cores needs --oversubscribe,
# and then Open MPI binds no rank to a core. OMP_NUM_THREADS=T gives each worker T threads and
# makes the workers cores / T; WORKERS=N sets them outright (keep N x T = cores); HYPERSWEEP_BIN
# picks the binary (default: build/bin/hypersweep beside this folder). Running it again
# continues the results file. Exit code: hypersweep's (0 done, 2 bad config or results file,
# 3 stopped by a signal).
set -euo pipefail
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ] || [ $# -eq 0 ]; then
  # This header, not `hypersweep run --help` once per rank.
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  echo "(hypersweep run --help lists the flags passed on.)"
  [ $# -eq 0 ] && exit 2 || exit 0
fi
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="${HYPERSWEEP_BIN:-$here/build/bin/hypersweep}"
[ -x "$bin" ] || { echo "workstation.sh: no hypersweep at $bin (scripts/build.sh builds it)" >&2; exit 2; }
# The cores this shell may run on. GNU nproc answers OMP_NUM_THREADS (or OMP_THREAD_LIMIT)
# instead when one is set, as it often is on HPC nodes: without them here, it counts the cores.
cores="$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
threads="${OMP_NUM_THREADS%%,*}"   # a nested list (4,2): its outer level
case "$threads" in ''|*[!0-9]*|0) threads=1 ;; esac
workers="${WORKERS:-$(( cores / threads > 0 ? cores / threads : 1 ))}"
case "$workers" in
  ''|*[!0-9]*) echo "workstation.sh: WORKERS must be a whole number of worker ranks, got '$workers'" >&2; exit 2 ;;
esac
command -v mpirun > /dev/null ||
  { echo "workstation.sh: no mpirun on PATH (scripts/install-deps.sh installs Open MPI; or run hypersweep run alone)" >&2; exit 2; }
if [ "$(id -u)" -eq 0 ]; then
  # Open MPI refuses root unless told twice; containers and CI machines run as root.
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# Ctrl-C, SIGTERM and SIGHUP reach mpirun as SIGUSR1, which it passes on to every rank: the
# sweep stops cleanly and this script exits 3, like hypersweep alone. (Sent SIGINT or SIGTERM
# itself, mpirun ends its ranks and exits 1: README, "Stopping and continuing".) So mpirun runs
# in a session of its own (setsid: Ctrl-C at the terminal reaches this script only), its stdin
# from /dev/null (it would forward the terminal's to rank 0).
setsid mpirun -np "$(( workers + 1 ))" --oversubscribe --bind-to none "$bin" run "$@" < /dev/null &
pid=$!
trap 'kill -USR1 "$pid" 2>/dev/null' INT TERM HUP
rc=0
while :; do
  wait "$pid" && rc=0 || rc=$?
  kill -0 "$pid" 2>/dev/null || break   # wait returned for a signal, not because mpirun ended
done
exit "$rc"
