#!/usr/bin/env bash
# The body of every hypersweep batch script in jobs/: runs one sweep (or, with HS_COMMAND=recipe,
# the tuning recipe) inside a SLURM allocation and, for the preemptible variant, requeues the job
# when a signal stopped it.
#
#   jobs/run-sweep.sh SWEEP.toml [RESULTS.h5] [--] [hypersweep flags...]   (from an sbatch script)
#
# Everything after the config (and the results file, when the next word does not start with
# '-') goes to `hypersweep run` (or recipe) as it stands, after an optional `--`:
#   sbatch jobs/sweep.sbatch configs/x.toml --force --set epochs=3
#   sbatch jobs/sweep.sbatch configs/x.toml results.h5 -- --set epochs=3 --trials 40
# An --out (or -o) among them replaces RESULTS.h5.
#
# Ranks: SLURM_NTASKS workers (one per task, SLURM_CPUS_PER_TASK OpenMP threads each) plus rank
# 0, the scheduler, which shares a core with a worker (it sleeps while it waits: under 1% of a
# core). Launcher: `srun --mpi=pmix` (default): SLURM itself starts, signals and accounts for
# every rank on every node, and no ssh or hostfile is needed; HS_LAUNCHER=mpirun uses Open MPI's
# mpirun instead, which reads the same allocation from SLURM.
#
# Resume: the results file is continued whenever it already holds this sweep (hypersweep run
# does that by itself), so a requeued or resubmitted job picks up where the last one stopped;
# SLURM_RESTART_COUNT only labels the log. Signals: SIGUSR1 or SIGTERM to this script (SLURM's
# --signal=B:USR1@T before the time limit, or preemption) are passed to the ranks, which stop
# cleanly: no new trial, trials in flight recorded as interrupted. With HS_REQUEUE=1 (the
# preemptible script) the job then requeues itself after SIGUSR1 to finish the sweep later
# (after SIGTERM, SLURM requeues a preempted --requeue job itself).
#
# Environment: HYPERSWEEP_HOME (the repository; default: the folder sbatch was run in,
# SLURM_SUBMIT_DIR), HYPERSWEEP_BIN (default: $HYPERSWEEP_HOME/build/bin/hypersweep), HS_LAUNCHER
# (srun or mpirun), HS_REQUEUE (1: requeue after a signal), HS_COMMAND (run, the default, or
# recipe: then the file defaults to CONFIG_recipe.h5, and the recommended config is written to
# the job's working folder as CONFIG_recommended.toml). Exit code: hypersweep's (0 done, 2 bad config
# or results file, 3 stopped by a signal and not requeued, 4 a recipe check failed).
set -uo pipefail
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'   # this header
  exit 0
fi

config="${1:?usage: run-sweep.sh SWEEP.toml [RESULTS.h5] [--] [hypersweep flags...] (--help says more)}"
shift
out=""
if [ $# -gt 0 ] && [ "$1" != "--" ] && [ "${1#-}" = "$1" ]; then out="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
extra=("$@")   # to hypersweep as they stand
for ((i = 0; i < ${#extra[@]}; i++)); do   # an --out of their own replaces ours
  case "${extra[$i]}" in
    --out|-o) out="${extra[$((i + 1))]:-}"; own_out=1 ;;
    --out=*)  out="${extra[$i]#--out=}"; own_out=1 ;;
    -o?*)     out="${extra[$i]#-o}"; own_out=1 ;;   # -oFILE, as CLI11 reads it
  esac
done
command="${HS_COMMAND:-run}"
# The config's name without its extension, as hypersweep's own default takes it (C++'s
# path::stem: x.cfg -> x, a.b.toml -> a.b, .hidden -> .hidden), so a resubmitted job continues
# the file that `hypersweep run CONFIG` without --out writes.
base="$(basename "$config")"
stem="${base%.*}"
[ -n "$stem" ] || stem="$base"
case "$command" in
  run)    out="${out:-$stem.h5}" ;;
  recipe) out="${out:-${stem}_recipe.h5}" ;;
  *)      echo "run-sweep: HS_COMMAND must be run or recipe, got $command" >&2; exit 2 ;;
esac
[ -n "${own_out:-}" ] || extra=(--out "$out" "${extra[@]}")
bin="${HYPERSWEEP_BIN:-${HYPERSWEEP_HOME:-${SLURM_SUBMIT_DIR:-.}}/build/bin/hypersweep}"
[ -x "$bin" ] || { echo "run-sweep: no hypersweep at $bin (build it, or set HYPERSWEEP_BIN)" >&2; exit 2; }

export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"
ranks=$(( ${SLURM_NTASKS:-1} + 1 ))
echo "job ${SLURM_JOB_ID:-?} run $(( ${SLURM_RESTART_COUNT:-0} + 1 )) on ${SLURM_JOB_NODELIST:-$(hostname)}:" \
     "hypersweep $command, $ranks ranks (1 scheduler + ${SLURM_NTASKS:-1} workers, OMP_NUM_THREADS=$OMP_NUM_THREADS" \
     "unless --threads or the config's threads say otherwise: hypersweep's own line below), $config -> $out" \
     "(hypersweep $command $config ${extra[*]})"

case "${HS_LAUNCHER:-srun}" in
  # Without the job's --ntasks-per-node, which ntasks + 1 ranks cannot honour (srun warned of it
  # in every log). No --kill-on-bad-exit: jobs/README.md, "Launcher", says why.
  srun)   launch=(env -u SLURM_NTASKS_PER_NODE srun --mpi=pmix --overcommit
                  --ntasks="$ranks" --cpus-per-task="$OMP_NUM_THREADS") ;;
  mpirun) launch=(mpirun -np "$ranks" --oversubscribe --bind-to none)
          [ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ;;
  *)      echo "run-sweep: HS_LAUNCHER must be srun or mpirun, got $HS_LAUNCHER" >&2; exit 2 ;;
esac
command -v "${HS_LAUNCHER:-srun}" > /dev/null ||
  { echo "run-sweep: no ${HS_LAUNCHER:-srun} on PATH (run this inside a SLURM job: sbatch jobs/sweep.sbatch ...)" >&2; exit 2; }

# The traps are in place before the launcher starts: a SIGUSR1 in the job's first moments
# killed this shell (the job FAILED, not requeued). One that comes before the launcher does is
# passed on as soon as it runs.
pid=""
got=""
stop() {
  got=$1
  echo "run-sweep: got SIG$1; passing SIGUSR1 to the ranks, which stop cleanly"
  [ -n "$pid" ] && kill -USR1 "$pid" 2>/dev/null
}
trap 'stop USR1' USR1
trap 'stop TERM' TERM

# The launcher runs in the background so that this shell can take SLURM's signal and pass it on
# (a shell waiting in the foreground would only act on it after the sweep ended).
# SIGUSR1 is what the launcher passes on (mpirun ends its ranks on SIGTERM and exits 1). On a
# SIGTERM (preemption, scontrol requeue, scancel) SLURM signals every process of the job itself,
# so the ranks' own "stopped by" line names what reached them first.
"${launch[@]}" "$bin" "$command" "$config" "${extra[@]}" &
pid=$!
[ -n "$got" ] && kill -USR1 "$pid" 2>/dev/null
rc=0
while :; do
  wait "$pid"; rc=$?
  kill -0 "$pid" 2>/dev/null || break   # wait returned for a signal, not because it ended
done

# A SIGUSR1 in the job's first moments can reach a rank before hypersweep runs to catch it (the
# launcher still starting it, the program still loading): the rank dies of it, status 128 + 10,
# and the launcher reports that. Nothing a kill -9 would not leave whole was written (the results
# file survives one), so that is a stop too.
if [ "$rc" -eq 138 ] && [ "$got" = USR1 ]; then
  echo "run-sweep: the ranks died of SIGUSR1 before hypersweep was running to catch it; counted as stopped"
  rc=3
fi
# The job requeues itself after the warning before its time limit (SIGUSR1). After a SIGTERM
# it does not: a preemption or scontrol requeue of a --requeue job is requeued by SLURM, and a
# scancel must stay cancelled.
# A stop whose signal reached the ranks alone (scancel --signal=USR1 without --batch, or
# --signal=USR1@T without B:) is one too: this shell got nothing, and a SIGTERM would have
# reached it as well.
if [ "$rc" -eq 3 ] && { [ "$got" = USR1 ] || [ -z "$got" ]; } && [ "${HS_REQUEUE:-0}" = 1 ] &&
   [ -n "${SLURM_JOB_ID:-}" ]; then
  by="a signal to the ranks"
  [ -n "$got" ] && by="SIG$got"
  echo "run-sweep: stopped by $by; requeueing job $SLURM_JOB_ID to continue $out"
  scontrol requeue "$SLURM_JOB_ID" && exit 0
elif [ "$rc" -eq 3 ] && [ "$got" = TERM ]; then
  echo "run-sweep: stopped by SIGTERM; SLURM requeues the job if it was preempted or requeued (--requeue)"
fi
exit "$rc"
