# job_waits.sh: waiting for SLURM jobs, shared by the tests of jobs/ (slurm_test.sh and
# multinode_test.sh source it, with SLURM_CONF exported). Every wait is for an event (a job
# state, a file, a log line), bounded by HANG seconds: a hang guard that only a hang reaches
# (CTest's TIMEOUT is the last one), never a measure of speed.
HANG=300
# Job $1's state (JobState), or "" when scontrol did not answer.
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
# Whether state $1 is final: the job will not run again by itself. Every other state (PENDING,
# CONFIGURING, RUNNING, COMPLETING, REQUEUED, REQUEUE_FED, RESIZING, SUSPENDED, ...) is a step on
# the way, which a wait waits through; a requeued job passes through several of them.
final_state() {
  case "$1" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE) return 0 ;; esac
  return 1
}
# Waits for job $1 to reach state $2, through any other state that is not final; prints the
# state it ended in. With a command "${@:3}", it also stops waiting as soon as that command
# succeeds, and prints "gave up".
wait_state() {
  local state="" end=$(( SECONDS + HANG ))
  while :; do
    state="$(job_state "$1")"
    [ "$state" = "$2" ] && break
    final_state "$state" && break
    [ $# -gt 2 ] && "${@:3}" && { state="gave up"; break; }
    [ "$SECONDS" -lt "$end" ] || break
    sleep 0.2
  done
  echo "$state"
}
# Waits until the command "$@" succeeds, while job $job may still get there: it gives up only
# when the job is in a final state (after one last try of the command) or after HANG seconds.
# Sets $state to the job's last state.
wait_until() {
  local end=$(( SECONDS + HANG ))
  while :; do
    "$@" && return 0
    state="$(job_state "$job")"
    if final_state "$state"; then "$@"; return; fi
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.2
  done
}
