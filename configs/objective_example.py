#!/usr/bin/env python3
"""A stand-in for a user's training script, for configs/sweep_command.toml.

It "trains" for --epochs epochs: validation accuracy climbs towards a ceiling that is a noisy
analytic function of the learning rate and weight decay (best near lr = 3e-2, wd = 1e-4), so a
sweep has something to find without a data set. It speaks hypersweep's output protocol: one
JSON line per epoch (the curves), then a final JSON line with the metric (and test_acc).
The noise is seeded by HYPERSWEEP_SEED, so a trial gives the same numbers every time.
Pure standard library.
"""
import argparse
import json
import math
import os
import random
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=10)
    args = p.parse_args()
    if args.lr <= 0 or args.weight_decay < 0 or args.epochs < 1:
        sys.exit("objective_example: need lr > 0, weight decay >= 0, epochs >= 1")

    rng = random.Random(int(os.environ.get("HYPERSWEEP_SEED", "0")))
    x = math.log10(args.lr) + 1.5                       # 0 at lr = 10^-1.5 ~ 3e-2
    y = math.log10(max(args.weight_decay, 1e-8)) + 4.0  # 0 at wd = 1e-4
    ceiling = 0.93 - 0.06 * x * x - 0.015 * y * y + rng.gauss(0, 0.004)
    ceiling = min(max(ceiling, 0.10), 0.99)
    speed = 0.35 + 2.0 * min(args.lr, 0.3)                # larger steps learn faster

    best = None
    for epoch in range(1, args.epochs + 1):
        progress = 1 - math.exp(-speed * epoch)
        val_acc = 0.10 + (ceiling - 0.10) * progress + rng.gauss(0, 0.003)
        train_acc = min(val_acc + 0.01 * epoch / args.epochs + 0.005, 1.0)
        row = {
            "epoch": epoch,
            "lr": args.lr,
            "train_loss": -math.log(max(train_acc, 1e-6)),
            "train_acc": train_acc,
            "val_loss": -math.log(max(val_acc, 1e-6)),
            "val_acc": val_acc,
        }
        print(json.dumps(row), flush=True)
        if best is None or val_acc > best["val_acc"]:
            best = row

    test_acc = best["val_acc"] - 0.004 + rng.gauss(0, 0.002)
    print(json.dumps({"val_acc": best["val_acc"], "test_acc": test_acc}))


if __name__ == "__main__":
    main()
