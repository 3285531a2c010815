#!/usr/bin/env bash
# same_results.py must say "same" for two runs of one sweep, and name the difference when one
# value of one curve differs by one bit (ctest tools:same_results).
set -euo pipefail
: "${BIN:?}" "${SRC:?}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
sed 's/^epochs = .*/epochs = 2/' "$SRC/configs/sweep_quick.toml" > quick.toml
"$BIN/hypersweep" run quick.toml --out a.h5 > /dev/null
"$BIN/hypersweep" run quick.toml --out b.h5 > /dev/null
/usr/bin/python3 "$SRC/tests/tools/same_results.py" a.h5 b.h5
/usr/bin/python3 - <<'PY'
import h5py, numpy as np
with h5py.File("b.h5", "a") as f:
    c = f["trials/000003/curves"]
    rows = c[:]
    rows["val_loss"][1] = np.nextafter(rows["val_loss"][1], np.inf)
    c[...] = rows
PY
if /usr/bin/python3 "$SRC/tests/tools/same_results.py" a.h5 b.h5 2> why.txt; then
  echo "same_results.py missed a one-bit change"; exit 1
fi
cat why.txt
grep -q "trials/000003/curves: val_loss" why.txt
echo "same_results: equal runs match, a one-bit change is named"
