#!/usr/bin/env bash
# Race soak: two runs on one results file at once, a plain continue (A) and a --force (B) that
# replaces the sweep, round after round. Each round checks that the results file and its
# journal are both there (before the journal lock was held across --force's removal, about 1
# round in 15 ended with both runs failing and both files gone), that at least one run
# succeeded, and that the HDF5 file alone (a copy without its journal, as h5py reads it) holds
# what the journal holds. Which run wins is the race's; a loser is refused, never half-served.
#
#   tests/soak/race.sh        20 rounds (CTest runs this: soak:race)
#   tests/soak/race.sh N      N rounds
# Environment: BIN (build/bin).
set -uo pipefail
: "${BIN:?}"
rounds="${1:-20}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/hs_soak_race.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1
cat > sweep.toml <<'TOML'
[objective]
command = "echo epoch=1 val_acc={x}"
[sweep]
strategy = "random"
seed = 1
[space]
x = { uniform = [0.0, 1.0] }
TOML
failures=0
trials_in() { "$BIN/hypersweep" show "$1" 2>/dev/null | sed -n 2p | awk '{print $1}'; }
for round in $(seq 1 "$rounds"); do
  rm -rf y.h5 y.h5.journal y.h5.logs copy.h5
  "$BIN/hypersweep" run sweep.toml --out y.h5 --trials 2 > /dev/null 2>&1 || { echo "round $round: set-up failed"; exit 1; }
  "$BIN/hypersweep" run sweep.toml --out y.h5 --trials 4 > a.out 2>&1 & a=$!
  "$BIN/hypersweep" run sweep.toml --out y.h5 --trials 3 --force > b.out 2>&1 & b=$!
  wait "$a"; ra=$?; wait "$b"; rb=$?
  fail() { echo "round $round: $1 (A exit $ra, B exit $rb)"; sed 's/^/  A: /' a.out; sed 's/^/  B: /' b.out; failures=$((failures + 1)); }
  if [ ! -e y.h5 ] || [ ! -e y.h5.journal ]; then fail "the results file or its journal is gone"; continue; fi
  if [ "$ra" -ne 0 ] && [ "$rb" -ne 0 ]; then fail "both runs failed"; continue; fi
  cp y.h5 copy.h5
  journal=$(trials_in y.h5); alone=$(trials_in copy.h5)
  if [ -z "$journal" ] || [ "$journal" != "$alone" ]; then fail "the journal holds '$journal' trials, the HDF5 file '$alone'"; fi
done
echo "race soak: $rounds rounds, $failures failed"
[ "$failures" -eq 0 ]
