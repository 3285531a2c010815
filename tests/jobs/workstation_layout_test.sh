#!/usr/bin/env bash
# jobs/workstation.sh's layout: one worker rank per core plus rank 0, each worker OMP_NUM_THREADS
# threads (cores / threads workers), or WORKERS of them. GNU nproc answers OMP_NUM_THREADS when it
# is set, which once made an exported OMP_NUM_THREADS=1 a single worker on any machine. A
# stand-in for hypersweep (HYPERSWEEP_BIN) writes each rank's thread count to a file of its own.
set -euo pipefail
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/fake" <<'FAKE'
#!/usr/bin/env bash
echo "$OMP_NUM_THREADS" > "$RANKS_DIR/${OMPI_COMM_WORLD_RANK:-0}"
FAKE
chmod +x "$work/fake"
export HYPERSWEEP_BIN="$work/fake"
[ "$(id -u)" -eq 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cores="$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)"
fails=0
# check NAME RANKS THREADS -- environment assignments for workstation.sh
check() {
  local name="$1" ranks="$2" threads="$3"; shift 4
  export RANKS_DIR="$work/$name"
  mkdir -p "$RANKS_DIR"
  env -u OMP_NUM_THREADS -u WORKERS "$@" "$SRC/jobs/workstation.sh" x.toml > "$work/$name.log" 2>&1 || {
    echo "FAIL $name: workstation.sh exited $?"; cat "$work/$name.log"; fails=$((fails + 1)); return; }
  local got; got="$(ls "$RANKS_DIR" | wc -l)"
  local each; each="$(sort -u "$RANKS_DIR"/* | tr '\n' ' ')"
  if [ "$got" != "$ranks" ] || [ "$each" != "$threads " ]; then
    echo "FAIL $name: $got ranks with threads '$each', expected $ranks ranks with $threads"
    fails=$((fails + 1))
  else
    echo "ok   $name: $got ranks, $threads thread(s) each"
  fi
}
check unset     "$((cores + 1))" 1 --
check omp_one   "$((cores + 1))" 1 -- OMP_NUM_THREADS=1
half=$((cores / 2 > 0 ? cores / 2 : 1))
check omp_two   "$((half + 1))"  2 -- OMP_NUM_THREADS=2
check workers   4                1 -- WORKERS=3
check nested    "$((half + 1))"  "2,1" -- OMP_NUM_THREADS=2,1
[ "$fails" -eq 0 ] || exit 1
