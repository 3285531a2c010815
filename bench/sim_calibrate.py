#!/usr/bin/python3
"""The scheduler simulator against a real run (issue 17): the same trials, slept for real under
mpirun and simulated by sim_scheduler, and how far apart their figures are.

  bench/sim_calibrate.py [--ranks 33] [--trials-per-worker 6] [--median-s 3] [--sigma 0.5]
                         [--epochs 3] [--seed 0] [--bin build/bin] [--json FILE]

Run from the repository root. It draws the trials' durations (log-normal, the median and sigma
given, numpy seeded by --seed) and runs them twice:
  - for real: `mpirun --oversubscribe -np RANKS hypersweep run` of a sweep whose trial i runs
    `sh bench/sim_sleep.sh <duration i> EPOCHS` (strategy list: trial i takes the i-th
    duration); each trial prints its epochs (rank 0 answers every one) and its own start and end,
    which /summary keeps as the result columns t0 and t1;
  - simulated: sim_scheduler --workers RANKS-1 --durations <the same> --epochs EPOCHS.
The real run's utilisation is the trials' slept worker-time (sum of t1 - t0) over RANKS-1 times
its span (first t0 to last t1); utilisation while fed, the same up to the last trial's start; the
wait between a worker's trials, a trial's t0 minus the t1 of the trial before it on that rank.
The simulator's figures are the same quantities on its virtual clock.
"""
import argparse
import atexit
import json
import os
import shutil
import subprocess
import tempfile

import h5py
import numpy as np


def real_figures(path, workers):
    with h5py.File(path, "r") as f:
        s = f["summary"][:]
    t0, t1, rank = s["t0"], s["t1"], s["rank"]
    start, end = t0.min(), t1.max()
    busy = float(np.sum(t1 - t0))
    last_start = t0.max()
    fed = float(np.sum(np.clip(np.minimum(t1, last_start) - t0, 0, None)))
    waits = []
    for r in np.unique(rank):
        order = np.argsort(t0[rank == r])
        a, b = t0[rank == r][order], t1[rank == r][order]
        waits += list(a[1:] - b[:-1])
    return {
        "trials": int(len(s)), "makespan_s": float(end - start),
        "utilisation": busy / (workers * (end - start)),
        "utilisation_fed": fed / (workers * (last_start - start)),
        "wait_next_median_s": float(np.median(waits)),
        "wait_next_p99_s": float(np.quantile(waits, 0.99, method="inverted_cdf")),
        "overhead_per_trial_s": float(np.mean((t1 - t0) - s["d"])),
    }


def main():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--ranks", type=int, default=33)
    ap.add_argument("--trials-per-worker", type=int, default=6)
    ap.add_argument("--median-s", type=float, default=3.0)
    ap.add_argument("--sigma", type=float, default=0.5)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--json")
    a = ap.parse_args()
    workers = a.ranks - 1
    n = workers * a.trials_per_worker
    d = np.random.default_rng(a.seed).lognormal(np.log(a.median_s), a.sigma, n).round(3)
    tmp = tempfile.mkdtemp(prefix="sim_calibrate_")
    atexit.register(shutil.rmtree, tmp, True)  # on any exit, an error's too
    with open(os.path.join(tmp, "durations.txt"), "w") as f:
        f.write("".join(f"{x}\n" for x in d))
    sweep = os.path.join(tmp, "sweep.toml")
    with open(sweep, "w") as f:
        f.write(f'[objective]\ncommand = "sh bench/sim_sleep.sh {{d}} {a.epochs}"\n'
                f'[sweep]\nstrategy = "list"\ntrials = {n}\nseed = {a.seed}\n'
                f'[space]\nd = {{ choice = [{", ".join(repr(float(x)) for x in d)}] }}\n')
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    out = os.path.join(tmp, "real.h5")
    subprocess.run(["mpirun", "--oversubscribe", "-np", str(a.ranks), f"{a.bin}/hypersweep", "run",
                    sweep, "--out", out, "--force"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    real = real_figures(out, workers)
    sim = json.loads(subprocess.run(
        [f"{a.bin}/sim_scheduler", "--workers", str(workers), "--trials", str(n), "--epochs",
         str(a.epochs), "--durations", os.path.join(tmp, "durations.txt"), "--out",
         os.path.join(tmp, "sim.h5"), "--json"], check=True, capture_output=True,
        text=True).stdout)
    keys = ["makespan_s", "utilisation", "utilisation_fed", "wait_next_median_s", "wait_next_p99_s"]
    result = {"ranks": a.ranks, "trials": n, "median_s": a.median_s, "sigma": a.sigma,
              "epochs": a.epochs, "real": real, "sim": {k: sim[k] for k in keys}}
    print(json.dumps(result, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
