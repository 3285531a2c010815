#!/usr/bin/env bash
# jobs/sweep-multinode.sbatch on a real three-node SLURM on this machine (jobs/local-slurm/
# cluster.sh: slurmctld, and three slurmd in network namespaces of their own on a bridge, each
# with its own host name; Open MPI between them over TCP). CTest runs
#   multinode_test.sh setup     start the cluster in WORK/cluster (a fixture)
#   multinode_test.sh sweep     sbatch -N 3: the job COMPLETED, every trial in the file once, the
#                               host column naming node1, node2 and node3, and the per-trial
#                               results bit for bit those of the same sweep in one process
#   multinode_test.sh nodefail  node3 dies mid-sweep (its link down, every process on it killed):
#                               SLURM finds it silent, the job (--requeue) is requeued, node3
#                               comes back, and the same job completes the sweep: every trial
#                               once, those recorded before the failure unchanged, all of them
#                               bit for bit the one-process run's
#   multinode_test.sh cleanup   stop it all: jobs, daemons, namespaces, bridge
#   multinode_test.sh all       the four in turn, the cluster stopped on any exit (by hand)
# Environment: WORK (a scratch folder), SRC (the repository), BIN (build/bin).
# Without root, the packages or network namespaces each step exits 77 (CTest: skipped) saying
# why, unless HS_REQUIRE_SLURM=1, which makes that a failure. Beside tests/jobs/slurm_test.sh's
# one-node SLURM it shares nothing (its own munged, ports and names), but CTest runs the two
# one test at a time (RESOURCE_LOCK slurm), and by hand: flock /tmp/hs-slurm.lock.
set -euo pipefail
step="${1:?usage: multinode_test.sh setup|sweep|nodefail|cleanup|all}"
: "${WORK:?}" "${SRC:?}" "${BIN:?}"
py=/usr/bin/python3
check() { "$py" "$SRC/tests/jobs/results.py" "$@"; }
log() { echo "multinode_test $step: $*"; }
cluster() { "$SRC/jobs/local-slurm/cluster.sh" "$1" "$WORK/cluster" "${@:2}"; }

skip_reason=""
if [ "$(id -u)" -ne 0 ]; then
  skip_reason="not root (network namespaces, and slurmd runs jobs as their users)"
elif ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  skip_reason="slurm-wlm or munge is not installed (scripts/install-deps.sh installs them)"
elif ! command -v ip >/dev/null || ! command -v nsenter >/dev/null || ! command -v unshare >/dev/null; then
  skip_reason="iproute2 or util-linux is not installed (scripts/install-deps.sh installs them)"
elif [ "$step" = setup ] && ! ip netns add hsmn-probe 2>/dev/null; then
  skip_reason="no network namespaces here (ip netns add failed)"
fi
ip netns del hsmn-probe 2>/dev/null || true
if [ -n "$skip_reason" ]; then
  echo "SKIPPED: the multi-node SLURM test cannot run here: $skip_reason" >&2
  [ "${HS_REQUIRE_SLURM:-0}" = 1 ] && { echo "HS_REQUIRE_SLURM=1: failing instead" >&2; exit 1; }
  exit 77
fi

export SLURM_CONF="$WORK/cluster/slurm.conf" HYPERSWEEP_HOME="$SRC" HYPERSWEEP_BIN="$BIN/hypersweep"
. "$SRC/tests/jobs/job_waits.sh"  # HANG, job_state, final_state, wait_state, wait_until
# The layout shrunk to this machine: one worker per node, one thread each (the nodes share its
# cores), plus rank 0 on node1.
submit() {
  sbatch --parsable --nodes=3 --ntasks-per-node=1 --cpus-per-task=1 "$@"
}
# Whether job output $1 shows a rank that died of SIGSEGV. Open MPI 4.1.4 now and then crashes a
# rank inside MPI_Init over TCP (jobs/README.md); the job then waits for that rank until its time
# limit, so the tests cancel it and submit it once more, which continues the file. A crash of
# hypersweep's own at start would come back and fail them.
rank_crashed() { grep -q "^srun: error: node[1-3]: task [0-9]*: Segmentation fault" "$1"; }
# Cancels job $1 and waits until it has ended.
cancel_job() {
  scancel "$1"
  local end=$(( SECONDS + HANG ))
  until final_state "$(job_state "$1")" || [ -z "$(job_state "$1")" ]; do
    [ "$SECONDS" -lt "$end" ] || { log "job $1 did not end after scancel"; exit 1; }
    sleep 0.2
  done
}
# The output file of job $1 submitted with "${@:2}" (--output=FILE among them, %j the job id).
output_of() {
  local a file=""
  for a in "${@:2}"; do [[ "$a" == --output=* ]] && file="${a#--output=}"; done
  echo "${file/\%j/$1}"
}
# After a rank's crash at start (rank_crashed): cancels job $job and submits "$@" again; sets
# job and out (its output file).
resubmit() {
  cat "$out"
  log "job $job: a rank died of SIGSEGV at start; cancelling it, the same submission again"
  cancel_job "$job"
  job="$(submit "$@")"
  out="$(output_of "$job" "$@")"
}
# Waits for job $1 to complete, submitted with "${@:2}"; after a rank's crash at start, once,
# cancels it and submits the same again. Sets job, out (the job's output file) and state (its
# final state, or the last one seen at the hang guard).
complete_job() {
  job="$1"
  out="$(output_of "$@")"
  state="$(wait_state "$job" COMPLETED rank_crashed "$out")"
  if [ "$state" = "gave up" ]; then
    resubmit "${@:2}"
    state="$(wait_state "$job" COMPLETED)"
  fi
}
# The same sweep in one process, for the per-trial results the cluster's must equal.
reference() { "$BIN/hypersweep" run "$1" --out "$2" --force >"$2.log" 2>&1 || { cat "$2.log"; exit 1; }; }

run_step() {
  case "$1" in
    setup)
      rm -rf "$WORK" && mkdir -p "$WORK"
      # Whatever fails from here on stops what was started.
      trap 'rc=$?; [ "$rc" -eq 0 ] || cluster stop; exit "$rc"' EXIT
      cluster start >/dev/null
      trap - EXIT
      sinfo -N
      ;;
    sweep)
      cd "$WORK"
      sed "s/^epochs = .*/epochs = 4/" "$SRC/configs/sweep_quick.toml" > multi.toml   # 8 trials
      rm -f multi.h5 multi.h5.journal
      local args=(--output="$WORK/multi-%j.out" "$SRC/jobs/sweep-multinode.sbatch" multi.toml multi.h5)
      complete_job "$(submit "${args[@]}")" "${args[@]}"
      cat "$out"
      [ "$state" = COMPLETED ] || { log "job $job ended $state"; exit 1; }
      grep -q "on node\[1-3\]: .*(1 scheduler + 3 workers" "$out" ||
        { log "job $job did not run 3 workers on node[1-3]"; exit 1; }
      check complete multi.h5 8
      check hosts multi.h5 node1 node2 node3
      reference multi.toml ref.h5
      "$py" "$SRC/tests/tools/same_results.py" ref.h5 multi.h5
      log "job $job COMPLETED all 8 trials on node1, node2 and node3, as in one process"
      ;;
    nodefail) node_failure ;;
    cleanup) cluster stop ;;
    *) log "unknown step"; exit 2 ;;
  esac
}

# Command trials that the test holds in flight: trials 3 and up note their start in started.<id>,
# then wait for the file go. With 3 workers, once started.3 to started.5 exist, trials 0-2 are
# recorded (ids go out in order; a worker gets a trial only once its last is recorded) and each
# worker, node3's among them, holds one. They ignore SLURM's SIGTERM as slurm_test.sh's preempt
# trials do, so that their worker ends them and records them as interrupted. The wait also ends
# when WORK is gone.
node_failure() {
  cd "$WORK"
  cat > fail.toml <<CONF
[objective]
command = '''id=\$HYPERSWEEP_TRIAL_ID; if [ \$id -ge 3 ]; then trap '' USR1 TERM; touch '$WORK'/started.\$id; while [ -d '$WORK' ] && [ ! -f '$WORK'/go ]; do sleep 0.05; done; fi; echo epoch=1 train_loss={momentum} val_loss={momentum} val_acc={lr}'''
[sweep]
strategy = "grid"
trials = 12
[space]
lr = { log_uniform = [1e-2, 1e-1], grid = 4 }
momentum = [0.5, 0.7, 0.9]
CONF
  rm -f fail.h5 fail.h5.journal started.* go
  local submit_args=(--requeue --open-mode=append --output="$WORK/fail-%j.out"
                     "$SRC/jobs/sweep-multinode.sbatch" fail.toml fail.h5)
  job="$(submit "${submit_args[@]}")"
  local out="$WORK/fail-$job.out" tries=1 end=$(( SECONDS + HANG ))
  until [ -f started.3 ] && [ -f started.4 ] && [ -f started.5 ]; do
    if [ "$tries" -eq 1 ] && rank_crashed "$out"; then
      resubmit "${submit_args[@]}"
      tries=2
      continue
    fi
    if final_state "$(job_state "$job")" || [ "$SECONDS" -ge "$end" ]; then
      cat "$out"; log "trials 3-5 were not all held in flight (job $job: $(job_state "$job"))"; exit 1
    fi
    sleep 0.2
  done
  cluster fail node3
  log "node3 failed while trials 3-5 were in flight"
  # SLURM finds node3 silent (SlurmdTimeout) and requeues the job; should the job end instead
  # (its step failed first), the same submission again continues it.
  state="$(wait_state "$job" PENDING)"
  sinfo -N
  if [ "$state" != PENDING ]; then
    log "job $job ended $state instead of requeueing: submitting it again"
    cat "$out"
  fi
  sinfo -h -n node3 -o %t | grep -q down || { log "node3 is not down"; exit 1; }
  check snapshot fail.h5 "$WORK/failed.json"
  cluster revive node3
  touch go
  if [ "$state" = PENDING ]; then
    # A requeued job waits for a begin time; start it now, but not within the second in which
    # it was requeued (slurm_test.sh's start_now says why).
    local t; t="$(date +%s)"
    while [ "$(date +%s)" -le "$t" ]; do sleep 0.05; done
    scontrol update jobid="$job" StartTime=now
  else
    job="$(submit "${submit_args[@]}")"
  fi
  complete_job "$job" "${submit_args[@]}"
  cat "$out"
  [ "$state" = COMPLETED ] || { log "job $job ended $state after node3 came back"; exit 1; }
  grep -q "^continuing fail.h5: [0-9]* trials recorded" "$out" || { log "the job did not continue the file"; exit 1; }
  check complete fail.h5 12
  check unchanged fail.h5 "$WORK/failed.json"
  reference fail.toml ref-fail.h5
  "$py" "$SRC/tests/tools/same_results.py" ref-fail.h5 fail.h5
  log "node3 failed mid-sweep; job $job then completed all 12 trials, the recorded ones unchanged"
}

if [ "$step" = all ]; then
  trap 'cluster stop' EXIT
  for s in setup sweep nodefail; do (step=$s; run_step "$s"); done
else
  run_step "$step"
fi
