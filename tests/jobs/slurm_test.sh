#!/usr/bin/env bash
# The jobs/ scripts against a real SLURM on this machine (jobs/local-slurm): CTest runs
#   slurm_test.sh setup        start munged, slurmctld and slurmd in WORK (a fixture)
#   slurm_test.sh single       sbatch jobs/sweep.sbatch: the job COMPLETED, the file complete
#   slurm_test.sh preempt      jobs/sweep-preemptible.sbatch: SIGUSR1 to the batch shell (the
#                              job requeues itself), then scontrol requeue (as preemption does);
#                              each later run continues the file
#   slurm_test.sh multinode    jobs/sweep-multinode.sbatch, its layout shrunk to this one node
#   slurm_test.sh workstation  mpirun on the same config gives the SLURM run's per-trial results
#   slurm_test.sh recipe       sbatch jobs/recipe.sbatch: hypersweep recipe COMPLETED, its file
#                              complete with six steps, steps 3-5 on both worker ranks
#   slurm_test.sh placement    [objective] commands' HYPERSWEEP_WORKER, HYPERSWEEP_LOCAL_WORKER,
#                              OMP_NUM_THREADS and CUDA_VISIBLE_DEVICES (gpus_per_worker) under srun
#   slurm_test.sh cleanup      stop the daemons (and munged if setup started it)
# Environment: WORK (a scratch folder), SRC (the repository), BIN (build/bin). Without root or
# the slurm-wlm/munge packages each step exits 77 (CTest: skipped) saying why, unless
# HS_REQUIRE_SLURM=1 (scripts/test.sh sets it when run as root), which makes that a failure.
set -euo pipefail
step="${1:?usage: slurm_test.sh setup|single|multinode|preempt|workstation|recipe|placement|cleanup}"
: "${WORK:?}" "${SRC:?}" "${BIN:?}"
py=/usr/bin/python3
check() { "$py" "$SRC/tests/jobs/results.py" "$@"; }
log() { echo "slurm_test $step: $*"; }

skip_reason=""
if [ "$(id -u)" -ne 0 ]; then
  skip_reason="not root (a local slurmd must run as root)"
elif ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  skip_reason="slurm-wlm or munge is not installed (scripts/install-deps.sh installs them)"
fi
if [ -n "$skip_reason" ]; then
  echo "SKIPPED: the SLURM tests cannot run here: $skip_reason" >&2
  [ "${HS_REQUIRE_SLURM:-0}" = 1 ] && { echo "HS_REQUIRE_SLURM=1: failing instead" >&2; exit 1; }
  exit 77
fi

export SLURM_CONF="$WORK/slurm/slurm.conf" HYPERSWEEP_HOME="$SRC" HYPERSWEEP_BIN="$BIN/hypersweep"
. "$SRC/tests/jobs/job_waits.sh"  # HANG, job_state, final_state, wait_state, wait_until
# A small sweep on generated data: 8 grid trials, `epochs` each.
sweep_config() {
  sed "s/^epochs = .*/epochs = $2/" "$SRC/configs/sweep_quick.toml" > "$1"
}

case "$step" in
  setup)
    # A SLURM left running here by an interrupted run goes first (its pid files are in WORK).
    [ -d "$WORK/slurm" ] && "$SRC/jobs/local-slurm/stop.sh" "$WORK/slurm"
    rm -rf "$WORK" && mkdir -p "$WORK"
    # Ports of their own, so a SLURM already on this machine is left alone.
    HS_SLURMCTLD_PORT=16817 HS_SLURMD_PORT=16818 "$SRC/jobs/local-slurm/start.sh" "$WORK/slurm" >/dev/null
    sinfo
    ;;
  single)
    cd "$WORK" && sweep_config single.toml 8
    job="$(sbatch --parsable --output="$WORK/single-%j.out" "$SRC/jobs/sweep.sbatch" single.toml single.h5)"
    state="$(wait_state "$job" COMPLETED)"
    cat "$WORK/single-$job.out"
    [ "$state" = COMPLETED ] || { log "job $job ended $state"; exit 1; }
    scontrol show job "$job" | grep -q "ExitCode=0:0" || { log "job $job exit code is not 0"; exit 1; }
    check complete single.h5 8
    grep -q "2 worker ranks" "$WORK/single-$job.out"
    # srun without an MPI plugin would start N independent sweeps: refused, exit 2.
    rc=0; srun -n 2 "$BIN/hypersweep" run single.toml --out wrong.h5 > wrong.log 2>&1 || rc=$?
    cat wrong.log
    [ "$rc" -eq 2 ] && grep -q "without an MPI plugin" wrong.log && [ ! -f wrong.h5 ] ||
      { log "srun without --mpi=pmix was not refused (exit $rc)"; exit 1; }
    log "job $job COMPLETED with all 8 trials"
    ;;
  preempt)
    # Command trials that the test holds in flight: trials 2 and 3 wait for the file go1 (created
    # after run 1's signal), trials 4 and up for go2 (after run 2's requeue), each noting its
    # start in started.<id> first. So whatever the load, run 1 stops with trials 0-1 completed
    # and 2-3 in flight, and run 2 with 0-3 completed and 4-5 in flight. SLURM signals every
    # process of the job step (proctrack/linuxproc), the held commands too, which die of it
    # (SIGUSR1, then SIGTERM) as a user's program would, often before their worker sees the
    # stop: they must be recorded as interrupted, not failed, and run again (issue 13, defect
    # 14). The wait also ends when WORK is gone.
    cd "$WORK"
    cat > preempt.toml <<CONF
[objective]
command = '''id=\$HYPERSWEEP_TRIAL_ID; gate=; [ \$id -ge 2 ] && gate=go1; [ \$id -ge 4 ] && gate=go2; if [ -n "\$gate" ]; then touch '$WORK'/started.\$id; while [ -d '$WORK' ] && [ ! -f '$WORK'/\$gate ]; do sleep 0.05; done; fi; echo epoch=1 train_loss={momentum} val_loss={momentum} val_acc={lr}'''
[sweep]
strategy = "grid"
trials = 8
[space]
lr = { log_uniform = [1e-2, 1e-1], grid = 4 }
momentum = [0.5, 0.9]
CONF
    rm -f preempt.h5 preempt.h5.journal started.* go1 go2
    job="$(sbatch --parsable --output="$WORK/preempt-%j.out" "$SRC/jobs/sweep-preemptible.sbatch" preempt.toml preempt.h5)"
    out="$WORK/preempt-$job.out"
    has_line() { grep -q "^\[   $1/8\]" "$out" 2>/dev/null; }
    # Waits for the log line "[   $1/8]" (a trial finished) and for trials $2 and $3 to be held
    # in flight.
    wait_held() {
      wait_until has_line "$1" && wait_until test -f "started.$2" && wait_until test -f "started.$3" || {
        cat "$out"; log "no line [   $1/8] with trials $2 and $3 held (job $job ended $state)"; exit 1
      }
    }
    # Waits for the job to be requeued (PENDING again, through whatever states lie between).
    requeued() {
      state="$(wait_state "$job" PENDING)"
      [ "$state" = PENDING ] || { cat "$out"; log "job $job did not requeue $1 (state $state)"; exit 1; }
    }
    # Requeued jobs wait for a begin time; this starts the job now, though not within the second
    # in which it was requeued: slurmd refuses a credential made in the second (or before) it
    # revoked the last run's ("Killing non-startable batch job: Job credential revoked", and the
    # job FAILED). Called once the job is PENDING again, so after the revoke: it waits for the
    # clock to leave the current second.
    start_now() {
      local t; t="$(date +%s)"
      while [ "$(date +%s)" -le "$t" ]; do sleep 0.05; done
      scontrol update jobid="$job" StartTime=now
    }
    # Run 1: what SLURM does before a time limit (--signal=B:USR1@120): signal the batch shell;
    # the sweep stops cleanly and the script requeues the job itself.
    wait_held 2 2 3
    scancel --signal=USR1 --batch "$job"
    requeued "itself after SIGUSR1"
    grep -q "stopped by SIGUSR1" "$out" || { cat "$out"; log "the sweep did not stop cleanly"; exit 1; }
    check status preempt.h5 0:completed 1:completed 2:interrupted 3:interrupted
    check snapshot preempt.h5 "$WORK/run1.json"
    touch go1
    start_now
    # Run 2: what SLURM does on preemption of a --requeue job: SIGTERM to the whole job, requeue.
    wait_held 4 4 5
    scontrol requeue "$job"
    requeued "on scontrol requeue"
    check status preempt.h5 0:completed 1:completed 2:completed 3:completed 4:interrupted 5:interrupted
    check snapshot preempt.h5 "$WORK/run2.json"
    check unchanged preempt.h5 "$WORK/run1.json"
    touch go2
    start_now
    # Run 3 finishes the sweep.
    state="$(wait_state "$job" COMPLETED)"
    cat "$out"
    [ "$state" = COMPLETED ] || { log "job $job ended $state after the requeues"; exit 1; }
    scontrol show job "$job" | grep -q "Restarts=2" || { log "job $job was not restarted twice"; exit 1; }
    for run in 2 3; do
      grep -q "^job $job run $run " "$out" || { log "no run $run in the log"; exit 1; }
    done
    [ "$(grep -c "^continuing preempt.h5: [0-9]* trials recorded" "$out")" = 2 ] ||
      { log "runs 2 and 3 did not both continue the file"; exit 1; }
    check complete preempt.h5 8
    check unchanged preempt.h5 "$WORK/run1.json"
    check unchanged preempt.h5 "$WORK/run2.json"
    log "job $job stopped cleanly twice (USR1, then SLURM's requeue), and runs 2 and 3 continued the file"
    ;;
  multinode)
    cd "$WORK" && sweep_config multi.toml 8
    job="$(sbatch --parsable --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 \
             --output="$WORK/multi-%j.out" "$SRC/jobs/sweep-multinode.sbatch" multi.toml multi.h5)"
    state="$(wait_state "$job" COMPLETED)"
    cat "$WORK/multi-$job.out"
    [ "$state" = COMPLETED ] || { log "job $job ended $state"; exit 1; }
    check complete multi.h5 8
    if [ -f single.h5 ]; then check same multi.h5 single.h5; fi   # the same sweep, the same results
    log "job $job COMPLETED with all 8 trials"
    ;;
  workstation)
    cd "$WORK"
    [ -f single.h5 ] || { log "needs the single-node test's single.h5"; exit 1; }
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
      "$SRC/jobs/workstation.sh" single.toml --out workstation.h5 --force
    check same single.h5 workstation.h5
    log "mpirun on this machine gave the SLURM job's per-trial results, bit for bit"
    ;;
  recipe)
    cd "$WORK"
    cp "$SRC/configs/recipe_quick.toml" tune.toml   # the recipe on generated data, in seconds
    rm -rf tune_recipe.h5 tune_recipe.h5.steps tune_recommended.toml
    job="$(sbatch --parsable --output="$WORK/recipe-%j.out" "$SRC/jobs/recipe.sbatch" tune.toml)"
    state="$(wait_state "$job" COMPLETED)"
    cat "$WORK/recipe-$job.out"
    [ "$state" = COMPLETED ] || { log "job $job ended $state"; exit 1; }
    scontrol show job "$job" | grep -q "ExitCode=0:0" || { log "job $job exit code is not 0"; exit 1; }
    grep -q "hypersweep recipe, 3 ranks" "$WORK/recipe-$job.out"
    grep -q "steps 3-5 on 2 worker ranks" "$WORK/recipe-$job.out"
    [ -f tune_recommended.toml ] || { log "no recommended config"; exit 1; }
    "$py" - <<'PY'
import h5py, sys
s = lambda v: v.decode() if isinstance(v, bytes) else v
with h5py.File("tune_recipe.h5", "r") as f:
    status, steps = s(f.attrs["status"]), s(f.attrs["steps"]).split(",")
    ranks = sorted({int(r) for r in f["4_coarse_grid/summary"]["rank"]})
if status != "complete" or len(steps) != 6 or ranks != [1, 2]:
    sys.exit(f"recipe file: status {status}, steps {steps}, step 4 ranks {ranks}")
PY
    log "job $job COMPLETED the recipe: six steps, steps 3-5 on both workers"
    ;;
  placement)
    # [objective] commands under srun learn their place: the worker index, the local index among
    # the node's worker ranks (MPI's own count, not SLURM_LOCALID, which counts rank 0 too), the
    # threads, and with gpus_per_worker = 1 their own device of the CUDA_VISIBLE_DEVICES the job
    # got (as --gres sets it; jobs/sweep-gpu.sbatch). Each trial waits until both workers hold
    # one, so the two trials run on different workers.
    cd "$WORK" && rm -f env.* started.*
    cat > placement.toml <<TOML
[objective]
gpus_per_worker = 1
timeout = 300
command = '''touch $WORK/started.\$HYPERSWEEP_WORKER; while :; do [ -f $WORK/started.0 ] && [ -f $WORK/started.1 ] && break; sleep 0.05; done; echo "\$HYPERSWEEP_WORKER \$HYPERSWEEP_LOCAL_WORKER \$OMP_NUM_THREADS \$CUDA_VISIBLE_DEVICES" > $WORK/env.\$HYPERSWEEP_TRIAL_ID; echo metric={x}'''
[sweep]
strategy = "grid"
metric = "metric"
[space]
x = { int = [0, 1], grid = 2 }
TOML
    job="$(CUDA_VISIBLE_DEVICES=5,7 sbatch --parsable --output="$WORK/placement-%j.out" "$SRC/jobs/sweep.sbatch" placement.toml placement.h5)"
    state="$(wait_state "$job" COMPLETED)"
    cat "$WORK/placement-$job.out"
    [ "$state" = COMPLETED ] || { log "job $job ended $state"; exit 1; }
    got="$(cat env.0 env.1 | sort)"
    want="$(printf '0 0 1 5\n1 1 1 7')"
    [ "$got" = "$want" ] || { log "the commands were told: $got; expected: $want"; exit 1; }
    log "job $job: workers 0 and 1, local workers 0 and 1, 1 thread, devices 5 and 7"
    ;;
  cleanup)
    "$SRC/jobs/local-slurm/stop.sh" "$WORK/slurm"
    ;;
  *) log "unknown step"; exit 2 ;;
esac
