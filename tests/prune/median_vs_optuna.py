#!/usr/bin/python3
"""hypersweep's median, percentile and asha pruners against Optuna 3.1's MedianPruner,
PercentilePruner and SuccessiveHalvingPruner on the same scripted curves.

Seeded random learning curves (some rising, some falling, some flat, noisy; a few values NaN, and
two trials NaN throughout, as runs that went wrong print them) are the trials of a list sweep of
[objective] commands in one process, so they run in id order, as the trials of a sequential Optuna
study do. Each pruner's keys go to both; Optuna hears every epoch as step epoch - 1 (median,
percentile) or as step epoch (asha: Optuna's rungs at steps 1, 3, 9 are hypersweep's at epochs 1,
3, 9 for r = 1, eta = 3, R = 27) and its should_prune() decides. Both must stop the same trials at
the same epochs, and each case must stop some trial at an epoch whose value is NaN.
Usage: median_vs_optuna.py BIN_DIR (the folder with hypersweep)."""
import math
import os
import random
import subprocess
import sys
import tempfile

import h5py
import optuna

EPOCHS = 10
TRIALS = 40


def curves(seed):
    rng, holes = random.Random(seed), random.Random(seed + 1000)
    out = []
    for i in range(TRIALS):
        start, slope = rng.uniform(0.1, 0.6), rng.uniform(-0.02, 0.06)
        curve = [round(start + slope * e + rng.gauss(0, 0.03), 4) for e in range(EPOCHS)]
        gone = i in (7, 23)  # NaN from its first epoch on
        out.append([math.nan if gone or holes.random() < 0.08 else v for v in curve])
    return out


def result(curve, direction):
    """The trial's result: its best value, NaN left out (NaN when it has none)."""
    values = [v for v in curve if not math.isnan(v)]
    if not values:
        return math.nan
    return max(values) if direction == "maximize" else min(values)


def optuna_decisions(table, pruner, direction, first_step):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction, pruner=pruner,
                                sampler=optuna.samplers.RandomSampler(seed=0))
    pruned_at = {}
    for i, curve in enumerate(table):
        trial = study.ask()
        for e, v in enumerate(curve, 1):
            trial.report(v, step=e - 1 + first_step)
            if trial.should_prune():
                pruned_at[i] = e
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                break
        else:
            # A NaN result fails the trial on both sides: no completed trial's values.
            study.tell(trial, result(curve, direction))
    return pruned_at


def hypersweep_decisions(bin_dir, tmp, table, pruner_toml, metric):
    # Trial i prints its epoch lines and its result: the lines are written beforehand, and the
    # command is cat (a Python process per trial cost most of this test's time).
    direction = "maximize" if metric == "val_acc" else "minimize"
    for i, curve in enumerate(table):
        with open(os.path.join(tmp, f"curve_{i}.txt"), "w") as f:
            for e, v in enumerate(curve, 1):
                f.write(f"epoch={e} {metric}={v!r}\n")  # NaN as Python prints it: nan
            f.write(f"{metric}={result(curve, direction)!r}\n")
    sweep = os.path.join(tmp, "sweep.toml")
    with open(sweep, "w") as f:
        f.write(f'[objective]\ncommand = "cat {tmp}/curve_{{i}}.txt"\n'
                f'[sweep]\nstrategy = "list"\nmetric = "{metric}"\n{pruner_toml}\n'
                f'[space]\ni = {list(range(len(table)))}\n')
    out = os.path.join(tmp, "r.h5")
    subprocess.run([os.path.join(bin_dir, "hypersweep"), "run", sweep, "--out", out, "--force"],
                   check=True, stdout=subprocess.DEVNULL)
    with h5py.File(out, "r") as f:
        s = f["summary"]
        ids, status, epochs = s["id"][:], s["status"][:], s["epochs_run"][:]
    return {int(i): int(e) for i, st, e in zip(ids, status, epochs)
            if (st.decode() if isinstance(st, bytes) else st) == "pruned"}


def main():
    bin_dir = sys.argv[1]
    cases = [
        # (hypersweep [sweep]/[pruner] lines, Optuna pruner, metric, direction, Optuna's step
        # for epoch 1)
        ('pruner = "median"\n[pruner]\nstartup_trials = 5\nwarmup_epochs = 2\ninterval = 2',
         lambda: optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2,
                                             interval_steps=2),
         "val_acc", "maximize", 0),
        ('pruner = "median"', optuna.pruners.MedianPruner, "val_acc", "maximize", 0),
        ('pruner = "percentile"\n[pruner]\npercentile = 30\nstartup_trials = 3\nmin_trials = 4',
         lambda: optuna.pruners.PercentilePruner(30.0, n_startup_trials=3, n_min_trials=4),
         "val_loss", "minimize", 0),
        ('pruner = "asha"\n[pruner]\nmin_epochs = 1\nreduction = 3\nmax_epochs = 27',
         lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
         "val_acc", "maximize", 1),
        ('pruner = "asha"\n[pruner]\nmin_epochs = 1\nreduction = 3\nmax_epochs = 27',
         lambda: optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3),
         "val_loss", "minimize", 1),
    ]
    failures = 0
    for seed in range(3):
        table = curves(seed)
        for toml, pruner, metric, direction, first_step in cases:
            want = optuna_decisions(table, pruner(), direction, first_step)
            with tempfile.TemporaryDirectory() as tmp:
                got = hypersweep_decisions(bin_dir, tmp, table, toml, metric)
            keys = toml.replace("\n", "; ")
            name = f"seed {seed}, {keys} ({direction})"
            if got != want:
                failures += 1
                print(f"FAIL {name}: hypersweep pruned {got}, Optuna {want}")
            elif not want or len(want) == TRIALS:
                failures += 1
                print(f"FAIL {name}: the curves prune {len(want)} trials: no test of the rule")
            elif not any(math.isnan(table[i][e - 1]) for i, e in want.items()):
                failures += 1
                print(f"FAIL {name}: no trial pruned at a NaN: no test of the NaN rule")
            else:
                print(f"ok   {name}: the same {len(want)} trials pruned at the same epochs")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
