#!/usr/bin/python3
"""Are two hypersweep files the same sweep with the same outcome, trial for trial?

  same_results.py OLD.h5 NEW.h5

Both are results files (hypersweep run) or both recipe files (hypersweep recipe). They match
when every per-trial result and curve of OLD is in NEW bit for bit: each /summary row (by
trial id), each trial group's attributes, its curves and update ratios, and each root and
/space attribute; for a recipe, the same for every step group, and each step's attributes and
series. NEW may have attributes that OLD lacks (the layout may only gain attributes), never
the reverse. What a run measures of the clock is left out: the seconds columns, start_time,
and where each trial ran (rank, host); a trial's log_path is compared within its results
file's .logs folder (each file keeps its trials' logs beside itself).

Exit 0 when they match; 1 with every difference on stderr (at most 40 lines) when not.
"""
import math
import sys

import h5py
import numpy as np

# Wall-clock measurements, and where a trial ran (with several workers, whichever was free):
# they differ from run to run whatever the code.
CLOCK_FIELDS = {"seconds", "rank", "host"}
CLOCK_ATTRS = {"start_time", "host"}


class Diff:
    def __init__(self):
        self.lines = []

    def add(self, where, what):
        self.lines.append(f"{where}: {what}")


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def same_value(a, b):
    """Bit for bit for numbers (NaN equals NaN), exact for strings and arrays of either."""
    a, b = text(a), text(b)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
            return False
        if a.dtype.kind == "f":
            return a.tobytes() == b.tobytes()
        return all(same_value(x, y) for x, y in zip(a.ravel(), b.ravel()))
    if isinstance(a, (float, np.floating)) and isinstance(b, (float, np.floating)):
        return (math.isnan(a) and math.isnan(b)) or np.float64(a).tobytes() == np.float64(b).tobytes()
    return a == b


def compare_attrs(old, new, where, diff, skip=()):
    for name, value in old.attrs.items():
        if name in CLOCK_ATTRS or name in skip:
            continue
        if name not in new.attrs:
            diff.add(where, f"attribute {name} is gone")
        elif not same_value(value, new.attrs[name]):
            diff.add(where, f"attribute {name}: {text(value)!r} -> {text(new.attrs[name])!r}")


def compare_table(old, new, where, diff, key=None):
    """Two compound datasets, row by row (matched by `key` when given), every old column."""
    old_rows, new_rows = old[:], new[:]
    if key is not None:
        new_by = {int(r[key]): r for r in new_rows}
        pairs = [(r, new_by.get(int(r[key]))) for r in old_rows]
        if len(new_rows) != len(old_rows):
            diff.add(where, f"{len(old_rows)} rows -> {len(new_rows)}")
    else:
        if len(new_rows) != len(old_rows):
            diff.add(where, f"{len(old_rows)} rows -> {len(new_rows)}")
        pairs = list(zip(old_rows, new_rows))
    for o, n in pairs:
        row = f"{where}[{key}={int(o[key])}]" if key is not None else where
        if n is None:
            diff.add(row, "missing")
            continue
        for col in old.dtype.names:
            if col in CLOCK_FIELDS:
                continue
            if col not in new.dtype.names:
                diff.add(where, f"column {col} is gone")
                return
            if not same_value(o[col], n[col]):
                diff.add(row, f"{col}: {text(o[col])!r} -> {text(n[col])!r}")


def compare_layout(old, new, where, diff):
    """A results layout: root attributes, /space, /summary, /trials."""
    compare_attrs(old, new, where, diff)
    compare_attrs(old["space"], new["space"], f"{where}/space", diff)
    compare_table(old["summary"], new["summary"], f"{where}/summary", diff, key="id")
    for name, group in old["trials"].items():
        path = f"{where}/trials/{name}"
        if name not in new["trials"]:
            diff.add(path, "missing")
            continue
        other = new["trials"][name]
        compare_attrs(group, other, path, diff, skip={"log_path"})
        # A command trial's logs lie beside its own results file: the same name in its .logs.
        if "log_path" in group.attrs:
            o, n = (text(g.attrs.get("log_path", "")).rpartition(".logs/")[2] for g in (group, other))
            if o != n:
                diff.add(path, f"attribute log_path: {o!r} -> {n!r} in the results' .logs folder")
        compare_table(group["curves"], other["curves"], f"{path}/curves", diff)
        ratio = group["update_ratio"]
        compare_attrs(ratio, other["update_ratio"], f"{path}/update_ratio", diff)
        if not same_value(ratio[()], other["update_ratio"][()]):
            diff.add(f"{path}/update_ratio", "values differ")


def compare_recipe(old, new, diff):
    compare_attrs(old, new, "/", diff)
    for step in text(old.attrs["steps"]).split(","):
        if step not in new:
            diff.add(step, "missing")
            continue
        o, n = old[step], new[step]
        if "summary" in o:
            compare_layout(o, n, step, diff)
        else:
            compare_attrs(o, n, step, diff)
        for name, obj in o.items():
            if isinstance(obj, h5py.Dataset) and name not in ("summary",):
                if name not in n or not same_value(obj[()], n[name][()]):
                    diff.add(f"{step}/{name}", "differs")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    diff = Diff()
    with h5py.File(sys.argv[1], "r") as old, h5py.File(sys.argv[2], "r") as new:
        old_recipe = text(old.attrs.get("kind", "")) == "hypersweep recipe"
        new_recipe = text(new.attrs.get("kind", "")) == "hypersweep recipe"
        if old_recipe != new_recipe:
            diff.add("/", "one is a recipe file, the other is not")
        elif old_recipe:
            compare_recipe(old, new, diff)
        else:
            compare_layout(old, new, "", diff)
    if diff.lines:
        for line in diff.lines[:40]:
            print(line, file=sys.stderr)
        if len(diff.lines) > 40:
            print(f"... and {len(diff.lines) - 40} more", file=sys.stderr)
        sys.exit(1)
    print(f"same: {sys.argv[1]} and {sys.argv[2]}")


if __name__ == "__main__":
    main()
