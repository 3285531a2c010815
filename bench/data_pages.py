#!/usr/bin/python3
"""What a trial pays to reach the data set: its first epoch and its test pass, against its later
epochs, isolated (each trial forked from the trial host) and in place (`isolate = false`).

A trial's later epochs read the same rows as its first, so what its first epoch costs beyond
them is the price of the trial's first read of each page of the data set; its test pass is the
first read of the test set's pages, so it pays that price too (compare it in place). Each binary given with --bin runs the same sweep: TRIALS
trials of one small MLP (width 43, batches of 269, 4 epochs, one thread) on Fashion-MNIST's first
TRAIN_LIMIT training images, isolated and in place, alternately, REPEATS times each. Per binary
and mode it prints the medians over every trial of every repeat (the trials are alike, so their
spread is the machine's noise): the first epoch, the mean later epoch, the test pass (the trial's
seconds after its last epoch), the whole trial, and the sweep's wall time.

Usage: bench/data_pages.py --bin build/bin/hypersweep [--bin OTHER] [--train-limit 15000]
       [--trials 6] [--repeats 3]
Needs h5py (scripts/install-deps.sh --bench) and Debian's dataset-fashion-mnist.
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

import h5py

SWEEP = """# bench/data_pages.py
[train]
dataset = "fashion_mnist"
train_limit = {limit}
val_fraction = 0.2
arch = "mlp"
depth = 2
activation = "relu"
optimizer = "momentum"
schedule = "cosine"
epochs = 4
early_stopping = false
threads = 1

[sweep]
strategy = "random"
trials = {trials}
seed = 0
metric = "val_acc"
isolate = {isolate}

[space]
lr = {{ log_uniform = [0.001, 0.3] }}
batch_size = [269]
width = [43]
"""


def one_sweep(binary, work, isolate, limit, trials):
    """(wall seconds, [(first epoch, mean later epoch, test pass, trial), ...]) of one run."""
    path = os.path.join(work, f"s_{isolate}.toml")
    with open(path, "w") as f:
        f.write(SWEEP.format(limit=limit, trials=trials, isolate=isolate))
    out = os.path.join(work, "r.h5")
    t0 = time.perf_counter()
    subprocess.run([binary, "run", path, "--out", out, "--force"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    rows = []
    with h5py.File(out, "r") as f:
        seconds = {int(r["id"]): float(r["seconds"]) for r in f["summary"][()]}
        for name, g in f["trials"].items():
            s = [float(x) for x in g["curves"]["seconds"][()]]
            later = [b - a for a, b in zip(s, s[1:])]
            rows.append((s[0], statistics.mean(later), seconds[int(name)] - s[-1],
                         seconds[int(name)]))
    return wall, rows


def main():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--bin", action="append", required=True,
                    help="a hypersweep binary; give it again to compare builds side by side")
    ap.add_argument("--train-limit", type=int, default=15000)
    ap.add_argument("--trials", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    bins = [os.path.abspath(b) for b in a.bin]
    for b in bins:
        if not os.access(b, os.X_OK):
            ap.error(f"{b}: not built (scripts/build.sh), or give --bin")
    got = {(b, iso): ([], []) for b in bins for iso in ("true", "false")}
    with tempfile.TemporaryDirectory() as work:
        for r in range(a.repeats):
            for b in bins:
                for iso in ("true", "false"):
                    wall, rows = one_sweep(b, work, iso, a.train_limit, a.trials)
                    got[(b, iso)][0].append(wall)
                    got[(b, iso)][1].extend(rows)
            print(f"[data_pages] repeat {r + 1}/{a.repeats} done", flush=True)
    print(f"\n{a.trials} trials x {a.repeats} repeats, train_limit {a.train_limit}; medians, s")
    print("| binary | trial | first epoch | later epoch | test pass | trial's seconds "
          "| sweep wall |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (b, iso), (walls, rows) in got.items():
        med = [statistics.median(col) for col in zip(*rows)]
        mode = "isolated" if iso == "true" else "in place"
        print(f"| {b} | {mode} | {med[0]:.3f} | {med[1]:.3f} | {med[2]:.3f} | {med[3]:.3f} "
              f"| {statistics.median(walls):.2f} |")


if __name__ == "__main__":
    main()
