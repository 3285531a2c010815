#!/usr/bin/env python3
"""sweep_scaling: a real sweep under mpirun in several layouts, side by side (issue 4's goals).

Runs the same 16-trial random sweep of the Fashion-MNIST MLP (lr and weight decay, 4 epochs, no
early stopping, so every trial does the same work) under mpirun in interleaved rounds:
  1 worker x 1 thread     mpirun -np 2, OMP_NUM_THREADS=1
  2 workers x 1 thread    mpirun -np 3, OMP_NUM_THREADS=1  (ranks = cores + 1: the layout we recommend)
  1 worker x 2 threads    mpirun -np 2 --bind-to none, OMP_NUM_THREADS=2
and prints the median wall time of each, the speed-ups, and rank 0's CPU share (from the line
hypersweep prints at the end). Every layout must give the same per-trial results (checked from
the results files' summaries). Then it runs a 2-trial sweep on 1,000 and on all 60,000 training
samples to show that rank 0's peak memory does not follow the data set (the workers' does).

Usage: bench/sweep_scaling.py [--build build] [--rounds 3] [--write bench/README.md]
(Debian's /usr/bin/python3 with python3-h5py; run as root it sets OMPI_ALLOW_RUN_AS_ROOT.)
"""
import argparse
import atexit
import os
import re
import statistics
import shutil
import subprocess
import sys
import tempfile
import time

import h5py

SWEEP = """[train]
dataset = "fashion_mnist"
arch = "mlp"
hidden = [256, 256]
optimizer = "momentum"
epochs = {epochs}
early_stopping = false
{limit}
[sweep]
strategy = "random"
trials = {trials}
seed = 1

[space]
lr = {{ log_uniform = [1e-3, 3e-2] }}
weight_decay = {{ log_uniform = [1e-5, 1e-3] }}
"""

# (name, ranks, threads per worker, extra mpirun flags). With -np 2 on 2 cores Open MPI binds each
# rank to one core, so a 2-thread worker needs --bind-to none (without it both threads share a
# core: 0.90x measured).
LAYOUTS = [("1 worker x 1 thread", 2, 1, []), ("2 workers x 1 thread", 3, 1, []),
           ("1 worker x 2 threads", 2, 2, ["--bind-to", "none"])]


def run(build, cfg, out, np, threads, flags=()):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = ["mpirun", "-np", str(np), "--oversubscribe", *flags, os.path.join(build, "bin", "hypersweep"),
           "run", cfg, "--out", out, "--force"]
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"sweep_scaling: {' '.join(cmd)} failed:\n{p.stdout}\n{p.stderr}")
    m = re.search(r"rank 0 \(scheduler\): ([\d.]+) s CPU in ([\d.]+) s \(([\d.]+)% of a core\), "
                  r"peak memory (\d+) MB", p.stdout)
    with h5py.File(out, "r") as f:
        s = f["summary"][:]
        results = sorted((int(r["id"]), float(r["best_metric"])) for r in s)
    return wall, float(m.group(3)), int(m.group(4)), results


def main():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--trials", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--write", help="replace the scaling table between markers in this file")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="hs_scaling_")
    atexit.register(shutil.rmtree, tmp, True)  # on any exit, an error's too
    cfg = os.path.join(tmp, "sweep.toml")
    with open(cfg, "w") as f:
        f.write(SWEEP.format(epochs=a.epochs, trials=a.trials, limit=""))
    walls = {layout[0]: [] for layout in LAYOUTS}
    cpu = {layout[0]: [] for layout in LAYOUTS}
    reference = None
    for r in range(a.rounds):
        for name, np, threads, flags in LAYOUTS:
            wall, share, _, results = run(a.build, cfg, os.path.join(tmp, "out.h5"), np, threads, flags)
            if reference is None:
                reference = results
            elif results != reference:
                sys.exit(f"sweep_scaling: {name} gave other per-trial results than the first run")
            walls[name].append(wall)
            cpu[name].append(share)
            print(f"round {r + 1}: {name:<22} {wall:6.1f} s, rank 0 at {share:.2f}% of a core",
                  flush=True)
    med = {k: statistics.median(v) for k, v in walls.items()}
    one = med["1 worker x 1 thread"]
    lines = [f"{a.trials} trials of the Fashion-MNIST MLP ({a.epochs} epochs each, 48,000 training "
             f"samples), median of {a.rounds} interleaved rounds of `bench/sweep_scaling.py`:", "",
             "| layout | mpirun | wall | speed-up vs 1 worker | rank 0 CPU |", "|---|---|---:|---:|---:|"]
    for name, np, threads, flags in LAYOUTS:
        lines.append(f"| {name} | `-np {' '.join([str(np), *flags])}`, OMP_NUM_THREADS={threads} | {med[name]:.1f} s | "
                     f"{one / med[name]:.2f}x | {statistics.median(cpu[name]):.2f}% |")
    mem = []
    for label, limit in (("1,000", "train_limit = 1000"), ("60,000", "")):
        small = os.path.join(tmp, "mem.toml")
        with open(small, "w") as f:
            f.write(SWEEP.format(epochs=1, trials=2, limit=limit))
        _, _, rss, _ = run(a.build, small, os.path.join(tmp, "mem.h5"), 3, 1)
        mem.append(f"{rss} MB with {label} training samples")
    lines += ["", "Rank 0's peak memory: " + ", ".join(mem) + " (it loads no data; each worker "
              "holds the data set, about 220 MB for Fashion-MNIST)."]
    table = "\n".join(lines)
    print("\n" + table)
    if a.write:
        text = open(a.write).read()
        begin, end = "<!-- scaling:begin -->\n", "<!-- scaling:end -->"
        i, j = text.index(begin) + len(begin), text.index(end)
        open(a.write, "w").write(text[:i] + table + "\n" + text[j:])


if __name__ == "__main__":
    main()
