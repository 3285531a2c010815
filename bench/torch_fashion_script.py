#!/usr/bin/env python3
"""A user's PyTorch training script, as hypersweep sweeps it (bench/worker_mode.py).

An MLP (784-256-10, ReLU) on Fashion-MNIST (Debian's dataset-fashion-mnist), SGD with momentum,
trained for `epochs` epochs at batch 128 with one PyTorch thread per worker (OMP_NUM_THREADS, as
hypersweep sets it). One file, three ways in:
  - per-trial mode:  python3 torch_fashion_script.py lr=0.01 weight_decay=1e-4 epochs=2
  - worker mode:     python3 torch_fashion_script.py   ([objective] mode = "worker")
  - in-process:      import it and call train(params, trial) (Optuna, in bench/worker_mode.py)
python/hypersweep_worker.py's serve() tells the first two apart. Each epoch prints one line
(epoch, train_loss, val_loss, val_acc, epoch_time); the result line adds test_acc and
train_seconds, the time spent inside train() once the data is loaded: what the benchmark
counts as a trial's training time.
"""
import gzip
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from hypersweep_worker import serve  # noqa: E402

DATA = os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist")


def load_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load():
    """Fashion-MNIST as float tensors: 50,000 training, 10,000 validation, 10,000 test images."""
    x = torch.from_numpy(load_idx("train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255)
    y = torch.from_numpy(load_idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    xt = torch.from_numpy(load_idx("t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255)
    yt = torch.from_numpy(load_idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    mean, std = x[:50000].mean(), x[:50000].std()
    norm = lambda a: (a - mean) / std  # noqa: E731
    return norm(x[:50000]), y[:50000], norm(x[50000:]), y[50000:], norm(xt), yt


torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
X, Y, XV, YV, XT, YT = load()


def evaluate(model, x, y):
    with torch.no_grad():
        out = model(x)
        return nn.functional.cross_entropy(out, y).item(), (out.argmax(1) == y).float().mean().item()


def train(params, trial):
    start = time.perf_counter()
    torch.manual_seed(trial.seed)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=params["lr"], momentum=0.9,
                          weight_decay=params["weight_decay"])
    g = torch.Generator().manual_seed(trial.seed)
    best = (float("-inf"), None)
    for epoch in range(1, int(params["epochs"]) + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(len(X), generator=g)
        total = 0.0
        for i in range(0, len(X), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(X[idx]), Y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        val_loss, val_acc = evaluate(model, XV, YV)
        trial.report(epoch=epoch, train_loss=total / len(X), val_loss=val_loss, val_acc=val_acc,
                     epoch_time=time.perf_counter() - t0)
        if val_acc > best[0]:
            best = (val_acc, evaluate(model, XT, YT)[1])
    return {"val_acc": best[0], "test_acc": best[1], "train_seconds": time.perf_counter() - start}


if __name__ == "__main__":
    serve(train)
