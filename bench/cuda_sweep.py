#!/usr/bin/python3
"""Trials per hour of a sweep whose workers share one GPU (issue 18).

  /usr/bin/python3 bench/cuda_sweep.py [--workers 1,2,4] [--trials 24] [--epochs 3]
                                       [--hypersweep build/bin/hypersweep] [--out DIR] [--cpu]

For each W in --workers: `mpirun -np W+1 hypersweep run` (rank 0 schedules, W worker ranks train)
of a random search over lr and weight decay, device = "cuda", every worker on GPU 0 (set
CUDA_VISIBLE_DEVICES to one GPU: a worker takes GPU local_worker mod the GPUs it sees). The
model is configs/mlp_fashion.toml's MLP on generated 28x28 images of 10 classes (20,000 samples:
only the shapes matter to the time, and no data set needs to be installed). The figure is trials
finished per hour of the sweep's wall time, start-up and data generation included. --cpu runs the
same sweeps with device = "cpu" (one thread a worker) beside them. Prints a markdown table;
exits 77 when the build or the machine has no GPU (the sweep is then refused before it starts).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

SWEEP = """[train]
dataset = "synthetic"
synthetic_samples = 20000
synthetic_size = 28
synthetic_classes = 10
hidden = [256, 256]
batch_size = 128
epochs = {epochs}
threads = 1
device = "{device}"
early_stopping = false

[sweep]
strategy = "random"
trials = {trials}
seed = 1

[space]
lr = {{ log_uniform = [1e-3, 0.3] }}
weight_decay = {{ log_uniform = [1e-6, 1e-2] }}
"""


def run_sweep(args, out, workers, device):
    cfg = os.path.join(out, f"{device}-w{workers}.toml")
    with open(cfg, "w") as f:
        f.write(SWEEP.format(epochs=args.epochs, trials=args.trials, device=device))
    h5 = os.path.join(out, f"{device}-w{workers}.h5")
    for p in (h5, h5 + ".journal"):
        if os.path.exists(p):
            os.remove(p)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = ["mpirun", "--oversubscribe", "-np", str(workers + 1), args.hypersweep, "run", cfg,
           "--out", h5]
    t0 = time.monotonic()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        return None, r.returncode
    return wall, 0


def main():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--trials", type=int, default=24)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--hypersweep", default="build/bin/hypersweep")
    ap.add_argument("--out", default=None)
    ap.add_argument("--cpu", action="store_true")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="cuda_sweep_")
    os.makedirs(out, exist_ok=True)
    devices = ["cuda"] + (["cpu"] if args.cpu else [])
    print(f"{args.trials} trials of {args.epochs} epochs, the MLP 784-256-256-10 on 20,000 "
          f"generated 28x28 images; runs kept in {out}\n")
    print("| device | workers | wall s | trials/hour |")
    print("|---|---:|---:|---:|")
    for w in (int(x) for x in args.workers.split(",")):
        for device in devices:
            wall, rc = run_sweep(args, out, w, device)
            if wall is None:
                if device == "cuda" and rc == 2:
                    print(f"cuda_sweep: the sweep was refused (no GPU or no CUDA build); see above")
                    return 77
                return 1
            print(f"| {device} | {w} | {wall:.1f} | {args.trials / wall * 3600:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
