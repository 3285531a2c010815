#!/usr/bin/env bash
# jobs/run-sweep.sh passes the arguments after the config (and the results file) to hypersweep
# as they stand, with or without `--`, and an --out of their own replaces its default. No SLURM:
# HS_LAUNCHER=mpirun starts a stand-in for hypersweep (HYPERSWEEP_BIN) that writes its
# arguments, one per line, to a file per rank; the test reads rank 0's.
set -euo pipefail
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/fake" <<'FAKE'
#!/usr/bin/env bash
printf '%s\n' "$@" > "$ARGS_FILE.${OMPI_COMM_WORLD_RANK:-0}"
FAKE
chmod +x "$work/fake"
export HYPERSWEEP_BIN="$work/fake" HS_LAUNCHER=mpirun SLURM_NTASKS=1
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fails=0
# check NAME EXPECTED(one line per argument) -- run-sweep.sh arguments
check() {
  local name="$1" want="$2"; shift 3
  export ARGS_FILE="$work/$name"
  (cd "$work" && "$SRC/jobs/run-sweep.sh" "$@" > "$work/$name.log" 2>&1) || {
    echo "FAIL $name: run-sweep.sh exited $?"; cat "$work/$name.log"; fails=$((fails + 1)); return; }
  if [ "$(cat "$ARGS_FILE.0")" != "$(printf '%s\n' $want)" ]; then
    echo "FAIL $name: hypersweep got:"; cat "$ARGS_FILE.0"; echo "expected:"; printf '%s\n' $want
    fails=$((fails + 1))
  else
    echo "ok   $name"
  fi
}
check plain    "run x.toml --out x.h5"                                   -- x.toml
check results  "run x.toml --out r.h5"                                   -- x.toml r.h5
check flags    "run x.toml --out x.h5 --threads 2 --force"               -- x.toml --threads 2 --force
check dashdash "run x.toml --out r.h5 --set epochs=3 --trials 40"        -- x.toml r.h5 -- --set epochs=3 --trials 40
check own_out  "run x.toml --out mine.h5 --retry-failed"                 -- x.toml --out mine.h5 --retry-failed
check attached "run x.toml -omine.h5"                                    -- x.toml -omine.h5
# The default results file is hypersweep's own: the config's name less any extension.
check cfg_ext  "run x.cfg --out x.h5"                                    -- x.cfg
check two_dots "run a.b.toml --out a.b.h5"                               -- a.b.toml
check no_ext   "run sweep --out sweep.h5"                                -- sweep
HS_COMMAND=recipe check recipe "recipe x.cfg --out x_recipe.h5"          -- x.cfg

# A SIGUSR1 that kills the ranks before hypersweep runs (its default action: the stand-in here
# does not catch it) is a stop: the preemptible job requeues itself (a stand-in scontrol notes it).
mkdir -p "$work/bin"
printf '#!/bin/sh\necho "$@" > "%s/requeued"\n' "$work" > "$work/bin/scontrol"
chmod +x "$work/bin/scontrol"
cat > "$work/slow" <<'SLOW'
#!/usr/bin/env bash
[ "${OMPI_COMM_WORLD_RANK:-0}" = 0 ] && touch "$STARTED"
sleep 60
SLOW
chmod +x "$work/slow"
export STARTED="$work/started"
(cd "$work" && PATH="$work/bin:$PATH" HYPERSWEEP_BIN="$work/slow" HS_REQUEUE=1 SLURM_JOB_ID=42 \
   exec "$SRC/jobs/run-sweep.sh" x.toml > "$work/usr1.log" 2>&1) &
job=$!
for _ in $(seq 600); do [ -e "$STARTED" ] && break; sleep 0.1; done
kill -USR1 "$job"
rc=0; wait "$job" || rc=$?
if [ "$rc" -eq 0 ] && [ "$(cat "$work/requeued" 2>/dev/null)" = "requeue 42" ] &&
   grep -q "died of SIGUSR1 before hypersweep" "$work/usr1.log"; then
  echo "ok   usr1_at_start"
else
  echo "FAIL usr1_at_start: exit $rc, requeued: $(cat "$work/requeued" 2>/dev/null)"; cat "$work/usr1.log"
  fails=$((fails + 1))
fi
[ "$fails" -eq 0 ]
