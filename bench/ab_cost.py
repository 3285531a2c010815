#!/usr/bin/env python3
"""Two hypersweep builds side by side on one recipe folder: the CPU of `hypersweep recipe` and of
`hypersweep train` of the config it recommends, in interleaved runs, median of N.

The folder is one that `bench/recipe_bench.py --out DIR` leaves, for example DIR/teacher/seed1:
its recipe.toml and the data files that names. Each build writes its recipe file and recommended
config to a temporary folder of its own; the folder itself is only read. CPU is user + system time
of the command and every process it waited for (a recipe before b0759c8 forked its trials from
a trial host), from wait4(). One thread (OMP_NUM_THREADS=1), as recipe_bench.py runs it.

    /usr/bin/python3 bench/ab_cost.py --a OLD/bin/hypersweep --b build/bin/hypersweep \\
        --dir /tmp/rb/teacher/seed1 --rounds 15

Both builds must recommend the same config; the script says so if they do not (a change that
alters results is then not measured by its cost alone).
"""
import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recipe_bench import run_command  # noqa: E402


def cpu_seconds(cmd, cwd, log):
    """Runs cmd as recipe_bench.py runs its commands (one thread); its CPU seconds, children
    included. Exits on failure, naming the command and the end of its output."""
    try:
        rc, _, cpu = run_command(cmd, cwd, log)
    except RuntimeError as e:
        sys.exit(f"ab_cost: {e}")
    if rc != 0:  # 4: a check of the recipe failed, and it recommends nothing
        with open(log) as f:
            sys.exit(f"ab_cost: `{' '.join(cmd)}` exited {rc} in {cwd}:\n{f.read()[-2000:]}")
    return cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a", required=True, help="the first build's hypersweep")
    ap.add_argument("--b", required=True, help="the second build's hypersweep")
    ap.add_argument("--dir", required=True, help="a folder with recipe.toml and its data")
    ap.add_argument("--rounds", type=int, default=15, help="runs of each (default 15)")
    args = ap.parse_args()
    recipe = os.path.join(args.dir, "recipe.toml")
    if not os.path.isfile(recipe):
        sys.exit(f"ab_cost: {recipe}: no such file (give a recipe_bench.py run folder)")
    for b in (args.a, args.b):
        if not os.access(b, os.X_OK):
            sys.exit(f"ab_cost: {b}: not an executable")
    if args.rounds < 1:
        sys.exit(f"ab_cost: --rounds {args.rounds}: must be at least 1")
    builds = {"a": os.path.abspath(args.a), "b": os.path.abspath(args.b)}
    cost = {k: {"recipe": [], "train": []} for k in builds}
    with tempfile.TemporaryDirectory(prefix="ab_cost.") as tmp:
        out = {k: os.path.join(tmp, k) for k in builds}
        for d in out.values():
            os.mkdir(d)
        for r in range(args.rounds):
            order = list(builds) if r % 2 == 0 else list(builds)[::-1]
            for k in order:
                h5, rec = os.path.join(out[k], "recipe.h5"), os.path.join(out[k], "rec.toml")
                log = os.path.join(out[k], "log")
                cost[k]["recipe"].append(cpu_seconds(
                    [builds[k], "recipe", "recipe.toml", "--out", h5, "--config-out", rec,
                     "--force"], args.dir, log))
                cost[k]["train"].append(cpu_seconds([builds[k], "train", rec], args.dir, log))
            print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
        configs = {k: open(os.path.join(out[k], "rec.toml")).read() for k in builds}
    med = {k: {part: statistics.median(v) for part, v in c.items()} for k, c in cost.items()}
    print(f"median of {args.rounds} interleaved runs, CPU seconds (children included):")
    for k in builds:
        m = med[k]
        print(f"  {k} {builds[k]}: recipe {m['recipe']:.4f} + train {m['train']:.4f} = "
              f"{m['recipe'] + m['train']:.4f}")
    total = {k: med[k]["recipe"] + med[k]["train"] for k in builds}
    print(f"b / a: {total['b'] / total['a']:.3f}")
    if configs["a"] != configs["b"]:
        print("note: the two builds recommend different configs")


if __name__ == "__main__":
    main()
