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
[ "$fails" -eq 0 ]
