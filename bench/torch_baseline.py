#!/usr/bin/python3
"""PyTorch baseline for bench/compare.py: trains the same models as bench_train on Fashion-MNIST
on the CPU and prints one JSON line per case with its median samples/s.

Cases (the same as bench/bench_train.cpp):
  mlp_b128  784-256-256-10 ReLU MLP, SGD momentum 0.9, lr 0.05, batch 128
  mlp_b32   the same, batch 32
  cnn_b128  conv5x5x16-ReLU-pool2-conv5x5x32-ReLU-pool2-fc10 (no padding), same optimiser

Each case trains `--iters` minibatches after a warm-up, `--reps` times; the median is reported.
Needs python3-torch and python3-numpy (scripts/install-deps.sh --bench).
"""
import argparse
import ctypes
import gzip
import json
import os
import statistics
import time

import numpy as np
import torch
import torch.nn as nn


def load_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def blas_core():
    """The OpenBLAS kernel set in use (OPENBLAS_CORETYPE, or what OpenBLAS detected)."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")  # the copy torch's libblas.so.3 already loaded
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return "unknown"


def models():
    mlp = lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256),
                                nn.ReLU(), nn.Linear(256, 10))
    cnn = lambda: nn.Sequential(nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                                nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                nn.Linear(512, 10))
    return {"mlp_b128": (mlp, 128), "mlp_b32": (mlp, 32), "cnn_b128": (cnn, 128)}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--cases", default="mlp_b128,mlp_b32,cnn_b128")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = load_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz"))
    y = load_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1)  # N,1,28,28
    y = torch.from_numpy(y.astype(np.int64))
    n = x.shape[0]
    for name in args.cases.split(","):
        make, batch = models()[name]
        model = make()
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()
        perm = torch.randperm(n)

        def run(iters, start):
            for i in range(iters):
                j = ((start + i) * batch) % (n - batch)
                idx = perm[j:j + batch]
                xb, yb = x[idx], y[idx]  # gather, as a DataLoader with shuffling does
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
            return loss.item()

        if not np.isfinite(run(20, 0)):  # check before timing
            raise SystemExit(f"torch_baseline: {name}: the loss is not finite")
        rates = []
        for r in range(args.reps):
            t0 = time.perf_counter()
            run(args.iters, 20 + r * args.iters)
            rates.append(args.iters * batch / (time.perf_counter() - t0))
        print(json.dumps({"framework": f"pytorch {torch.__version__}", "case": name,
                          "threads": args.threads, "blas_core": blas_core(),
                          "samples_per_s": statistics.median(rates),
                          "reps": [round(v) for v in rates]}), flush=True)


if __name__ == "__main__":
    main()
