#!/usr/bin/env python3
"""A stand-in for a user's training script in [objective] mode = "worker" (configs/sweep_worker.toml).

The same analytic "training" as configs/objective_example.py (validation accuracy climbs towards
a noisy function of lr and weight decay, best near lr = 3e-2, wd = 1e-4), written as a train()
function handed to python/hypersweep_worker.py's serve(): in worker mode hypersweep starts it
once per worker and sends it trial after trial; run by hand or in per-trial mode it takes
name=value arguments (python3 configs/worker_example.py lr=0.03 weight_decay=1e-4 epochs=8).
It also reports an extra curve column (epoch_time) and an extra result (final_val_loss).
Pure standard library.
"""
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from hypersweep_worker import serve  # noqa: E402

# What a real script pays once per worker here (imports, the data set) happens at module level.


def train(params, trial):
    lr, wd, epochs = params["lr"], params.get("weight_decay", 0.0), params.get("epochs", 10)
    if lr <= 0 or wd < 0 or epochs < 1:
        raise ValueError("need lr > 0, weight_decay >= 0, epochs >= 1")
    rng = random.Random(trial.seed)
    x = math.log10(lr) + 1.5
    y = math.log10(max(wd, 1e-8)) + 4.0
    ceiling = min(max(0.93 - 0.06 * x * x - 0.015 * y * y + rng.gauss(0, 0.004), 0.10), 0.99)
    speed = 0.35 + 2.0 * min(lr, 0.3)
    best, val_loss = None, None
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        val_acc = 0.10 + (ceiling - 0.10) * (1 - math.exp(-speed * epoch)) + rng.gauss(0, 0.003)
        train_acc = min(val_acc + 0.01 * epoch / epochs + 0.005, 1.0)
        val_loss = -math.log(max(val_acc, 1e-6))
        trial.report(epoch=epoch, lr=lr, train_loss=-math.log(max(train_acc, 1e-6)),
                     train_acc=train_acc, val_loss=val_loss, val_acc=val_acc,
                     epoch_time=time.perf_counter() - t0)
        best = val_acc if best is None else max(best, val_acc)
    return {"val_acc": best, "test_acc": best - 0.004 + rng.gauss(0, 0.002),
            "final_val_loss": val_loss}


if __name__ == "__main__":
    serve(train)
