#!/usr/bin/env bash
# Signals soak: a sweep under `mpirun -np 3` (or alone) stopped by SIGINT, SIGTERM or SIGUSR1,
# once or twice 50 ms apart, early or mid-run, sent to mpirun, to its process group, to rank 0
# or to a worker; each case then checks
#   - the exit code: 3, except SIGINT or SIGTERM to mpirun (or its group): 1, which Open MPI's
#     mpirun returns whatever its ranks do (README, "Stopping and continuing");
#   - that every rank ends (and how long any outlived mpirun: printed, since mpirun leaves at
#     once on a second SIGINT or SIGTERM, before its ranks can);
#   - that no /dev/shm segment of the job (Open MPI's vader_segment.<host>.<jobid>.<rank>) is
#     left; other jobs on the machine are left out by the job id;
#   - that the results file, if any, holds no failed trial and only the two held in flight as
#     interrupted, and that the same command then completes the sweep: every trial once,
#     completed, those completed before the stop unchanged (tests/jobs/results.py).
#
#   tests/soak/signals.sh          six cases, one per path (CTest runs this: soak:signals)
#   tests/soak/signals.sh all      every case: 3 signals x once/twice x early/mid x 5 targets
#   tests/soak/signals.sh SIG N WHEN TARGET ...   the cases named, e.g. TERM 2 mid mpirun
#
# Early: the ranks have their handlers but are still in MPI_Init, held there by the third rank, a
# shell that starts hypersweep only once the signal is sent (alone: once the handlers are in).
# Mid: trials 0-1 are recorded and 2-3 are in flight, held by a file the case creates after the
# signal (the commands print started.<id>, then wait). Every wait is for an event (a file, a
# line, a process state), bounded by HANG seconds, a hang guard, never a speed.
# Environment: BIN (build/bin), SRC (the repository). Needs mpirun; as root, Open MPI's two
# OMPI_ALLOW_RUN_AS_ROOT variables are set here.
set -uo pipefail
: "${BIN:?}" "${SRC:?}"
py=/usr/bin/python3
HANG="${HANG:-120}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
WORK="$(mktemp -d "${TMPDIR:-/tmp}/hs_soak_signals.XXXXXX")"
trap 'touch "$WORK"/*/go "$WORK"/*/gate 2>/dev/null; rm -rf "$WORK"' EXIT
results() { "$py" "$SRC/tests/jobs/results.py" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
failures=0

# Waits until "$@" succeeds; false after HANG seconds.
wait_until() {
  local end=$(( SECONDS + HANG ))
  until "$@"; do [ "$SECONDS" -lt "$end" ] || return 1; sleep 0.02; done
}
# Whether process $1 runs (exists and is no zombie).
alive() { [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) [ZX] ' "/proc/$1/stat" 2>/dev/null; }
# Whether process $1 catches SIGINT, SIGTERM and SIGUSR1 (its SigCgt mask).
has_handlers() {
  local cgt; cgt="$(sed -n 's/^SigCgt:\s*//p' "/proc/$1/status" 2>/dev/null)"
  [ -n "$cgt" ] && [ $(( 0x$cgt & 0x4202 )) -eq $(( 0x4202 )) ]
}
# The pids of the ranks of case folder $1 (processes with an MPI rank whose command names it),
# as "rank:pid" lines; alone: the one hypersweep process.
ranks_of() {
  local p env
  for p in /proc/[0-9]*; do { # processes that end meanwhile are skipped, silently
    tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q -- "$1/" || continue
    tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q '^mpirun ' && continue
    env="$(tr '\0' '\n' < "$p/environ" 2>/dev/null)"
    if grep -q '^OMPI_COMM_WORLD_RANK=' <<<"$env"; then
      echo "$(sed -n 's/^OMPI_COMM_WORLD_RANK=//p' <<<"$env"):${p#/proc/}"
    elif tr '\0' ' ' < "$p/cmdline" | grep -q "bin/hypersweep run"; then
      echo "0:${p#/proc/}"
    fi
  } 2>/dev/null; done
}
pid_of_rank() { sed -n "s/^$2://p" <<<"$1" | head -1; }
count_lines() { [ -n "$1" ] && wc -l <<<"$1" || echo 0; }

# The sweep: 8 command trials; those from id 2 on note started.<id> and wait for the file go.
write_config() {
  cat > "$1/sweep.toml" <<CONF
[objective]
command = '''if [ \$HYPERSWEEP_TRIAL_ID -ge 2 ]; then touch '$1'/started.\$HYPERSWEEP_TRIAL_ID; while [ -d '$1' ] && [ ! -f '$1'/go ]; do sleep 0.02; done; fi; echo metric={lr}'''
[sweep]
strategy = "grid"
trials = 8
[space]
lr = { log_uniform = [1e-3, 1e-1], grid = 8 }
CONF
}

# One case: signal SIG (INT, TERM, USR1) N times, WHEN (early, mid), to TARGET (mpirun, group,
# rank0, worker, alone).
run_case() {
  local sig=$1 n=$2 when=$3 target=$4 name="$1x$2-$3-$4"
  local d="$WORK/$name" bin="$BIN/hypersweep" err=""
  mkdir -p "$d" && write_config "$d"
  local run=("$bin" run "$d/sweep.toml" --out "$d/r.h5")
  if [ "$target" = alone ]; then
    setsid "${run[@]}" > "$d/log" 2>&1 &
  elif [ "$when" = early ]; then
    # Rank 2 is a shell until the gate opens, so ranks 0 and 1 wait in MPI_Init for it.
    setsid mpirun -np 2 "${run[@]}" : -np 1 sh -c "trap '' INT TERM USR1; while [ ! -f '$d/gate' ]; do sleep 0.02; done; exec \"\$@\"" sh "${run[@]}" > "$d/log" 2>&1 &
  else
    setsid mpirun -np 3 "${run[@]}" > "$d/log" 2>&1 &
  fi
  local top=$!   # mpirun (or hypersweep alone), leader of its own process group
  local ranks="" want=3; [ "$target" = alone ] && want=1 || want=3
  two_up() { ranks="$(ranks_of "$d")"; [ "$(count_lines "$ranks")" -ge "$want" ]; }
  if ! wait_until two_up; then err="the ranks did not start"; fi
  local started=$([ -z "$err" ] && echo 1)   # the ranks are there to signal
  if [ -n "$started" ] && [ "$when" = early ]; then
    # (Without them, the signal goes anyway: what it does then is the failure to show.)
    local r0 r1; r0="$(pid_of_rank "$ranks" 0)"; r1="$(pid_of_rank "$ranks" 1)"
    wait_until has_handlers "$r0" && { [ "$target" = alone ] || wait_until has_handlers "$r1"; } ||
      err="no stop handlers in the ranks ${HANG} s after they started ($(grep SigCgt /proc/"$r0"/status))"
  elif [ -n "$started" ]; then
    # Alone, trials run one at a time: 2 is in flight, 3 waits its turn.
    wait_until test -f "$d/started.2" && { [ "$target" = alone ] || wait_until test -f "$d/started.3"; } ||
      err="trials 2 and 3 never got in flight"
  fi
  local dest=$top
  case "$target" in
    group) dest="-$top" ;;
    rank0) dest="$(pid_of_rank "$ranks" 0)" ;;
    worker) dest="$(pid_of_rank "$ranks" 1)" ;;
  esac
  local jobid; jobid="$(tr '\0' '\n' < "/proc/$(pid_of_rank "$ranks" 0)/environ" 2>/dev/null |
                        sed -n 's/^OMPI_MCA_ess_base_jobid=//p')"
  [ -n "$jobid" ] && jobid="$(printf '%x' "$jobid")"
  local t0; t0="$(now_ms)"
  if [ -n "$started" ]; then
    kill -"$sig" -- "$dest"
    [ "$n" = 2 ] && sleep 0.05 && kill -"$sig" -- "$dest" 2>/dev/null
  fi
  touch "$d/gate"
  [ -n "$err" ] && touch "$d/go"   # a failed case lets its sweep end rather than hang
  local rc=0; wait "$top" || rc=$?
  local t1; t1="$(now_ms)"
  # Every rank ends; how long after mpirun.
  local line pid t2="$t1"
  while read -r line; do
    pid="${line#*:}"; [ -n "$pid" ] || continue
    if ! wait_until eval "! alive $pid"; then err="${err:+$err; }rank ${line%%:*} (pid $pid) still runs ${HANG} s after mpirun"; fi
  done <<<"$ranks"
  t2="$(now_ms)"
  local expect=3
  [ "$sig" != USR1 ] && { [ "$target" = mpirun ] || [ "$target" = group ]; } && expect=1
  [ "$rc" != "$expect" ] && err="${err:+$err; }exit code $rc, expected $expect"
  local note=""
  if [ -n "$jobid" ]; then
    local left; left="$(ls /dev/shm | grep -F ".$jobid." || true)"
    if [ -n "$left" ] && [ "$when" = early ] && [ "$n" = 2 ] && [ "$expect" = 1 ]; then
      # mpirun gone while its ranks were still in MPI_Init: Open MPI's MPI_Init fails and ends
      # them, and the segments it made there were mpirun's to remove (README, "Stopping").
      note="  (segments Open MPI left: $(echo $left); removed here)"
      (cd /dev/shm && rm -f $left)
    elif [ -n "$left" ]; then
      err="${err:+$err; }/dev/shm segments left behind: $(echo $left)"
    fi
  fi
  # The stopped sweep's file: only completed trials and those in flight (interrupted).
  if [ -z "$err" ] && [ -f "$d/r.h5" ]; then
    results snapshot "$d/r.h5" "$d/before.json" > "$d/snap.txt" 2>&1 ||
      err="the stopped sweep's file does not read: $(cat "$d/snap.txt")"
    if [ -z "$err" ]; then
      "$py" - "$d/r.h5" "$when" "$want" > "$d/statuses.txt" 2>&1 <<'PY' || err="$(cat "$d/statuses.txt")"
import sys, h5py
# No failed trial; interrupted ones only those in flight: mid-run 2 and 3 (alone: 2) with 0 and
# 1 completed; early, whichever the workers held (at most one each).
with h5py.File(sys.argv[1], "r") as f:
    got = {int(r["id"]): r["status"].decode() for r in f["summary"][:]}
held = [i for i, s in got.items() if s == "interrupted"]
bad = {i: s for i, s in got.items() if s not in ("completed", "interrupted")}
if sys.argv[2] == "mid":
    wrong = any(i not in (2, 3) for i in held) or any(got.get(i) != "completed" for i in (0, 1))
else:
    wrong = len(held) > max(1, int(sys.argv[3]) - 1)
if bad or wrong:
    sys.exit(f"after the stop: {got}")
PY
    fi
  fi
  # The same command continues the sweep to the end.
  touch "$d/go"
  if [ -z "$err" ]; then
    local launcher=(mpirun -np 3); [ "$target" = alone ] && launcher=()
    "${launcher[@]}" "${run[@]}" > "$d/log2" 2>&1 || err="the continued sweep exited $?: $(tail -3 "$d/log2")"
    [ -z "$err" ] && { results complete "$d/r.h5" 8 > "$d/check.txt" 2>&1 || err="$(cat "$d/check.txt")"; }
    [ -z "$err" ] && [ -f "$d/before.json" ] &&
      { results unchanged "$d/r.h5" "$d/before.json" > "$d/check.txt" 2>&1 || err="$(cat "$d/check.txt")"; }
  fi
  printf "%-28s exit %s, ended %5s ms after the signal, its last rank %4s ms after that%s\n" \
    "$name" "$rc" "$(( t1 - t0 ))" "$(( t2 - t1 ))" "$note${err:+  FAILED: $err}"
  if [ -n "$err" ]; then
    failures=$(( failures + 1 ))
    echo "--- log of $name:"; cat "$d/log"
  fi
}

cases=()
if [ "${1:-}" = all ]; then
  for sig in INT TERM USR1; do for n in 1 2; do for when in early mid; do
    for target in mpirun group rank0 worker alone; do cases+=("$sig $n $when $target"); done
  done; done; done
elif [ $# -ge 4 ]; then
  while [ $# -ge 4 ]; do cases+=("$1 $2 $3 $4"); shift 4; done
else
  cases=("USR1 1 early mpirun" "TERM 2 mid mpirun" "INT 1 mid group" "TERM 1 early rank0"
         "USR1 2 mid worker" "INT 1 early alone")
fi
for c in "${cases[@]}"; do
  # shellcheck disable=SC2086
  run_case $c
done
echo "signals soak: ${#cases[@]} cases, $failures failed"
[ "$failures" -eq 0 ]
