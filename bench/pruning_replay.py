#!/usr/bin/python3
"""Pruner set-ups replayed on random search's measured curves (issue 15), without training.

    /usr/bin/python3 bench/pruning_replay.py --runs DIR [DIR ...] [--write bench/README.md]

bench/pruning.py's first goal asks asha or hyperband to reach random search's best validation
accuracy in at most 1/3 of its core-seconds. Its runs use one set-up (r = 1, eta = 3, R = 27).
Would another have met the goal? Training each set-up anew costs minutes a seed; this asks the
question of the curves random search already measured. Random search trains 32 configurations
to the end, and a pruned sweep with strategy random draws the same configurations in the same
order (a trial's parameters and outcome depend on the sweep seed and its id alone), so a pruned
sweep of those 32 trials sees the same curves, cut where its pruner stops them.

For each random run in the DIRs (random-<seed>.json, from `pruning.py --out DIR`), each set-up
of SETUPS is replayed by build/bin/prune_replay (bench/prune_replay.cpp: the real pruner, one
worker, trials in the order random search ran them). A replayed trial's core-seconds are random
search's for the same trial: its `seconds` if it runs to the end, else the wall time at the end
of the epoch it was stopped at (`epoch_seconds`, which counts from the start of the trial, as a
pruned trial's own `seconds` does). The measure is then pruning.py's (pruning_report.time_to):
core-seconds up to the first trial whose best validation accuracy reaches the target. A
pruner's only cost beyond the epochs, the time of its decisions, is not counted (microseconds).

Before any table, --check: where a DIR also holds pruning.py's asha-random-<seed>.json or
hyperband-random-<seed>.json (r = 1, eta = 3), the replay of that set-up must stop each of
random search's 32 configurations at the epoch the real sweep stopped it; a mismatch is an
error (exit 1).
"""
import argparse
import json
import math
import os
import subprocess
import sys

import pruning_report as report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN, END = "<!-- pruning-replay:begin -->", "<!-- pruning-replay:end -->"
# pruning.py's own set-ups (its [pruner] table), which --check holds the replay to
ASHA = ["--pruner", "asha", "--min-epochs", "1", "--reduction", "3"]
HYPERBAND = ["--pruner", "hyperband", "--min-epochs", "1", "--reduction", "3"]
CHECKED = {"asha-random": ASHA, "hyperband-random": HYPERBAND}
# (label, prune_replay's options); R is the runs' --epochs
SETUPS = [
    ("asha, r = 1, eta = 3 (pruning.py's)", ASHA),
    ("asha, r = 1, eta = 2", ["--pruner", "asha", "--min-epochs", "1", "--reduction", "2"]),
    ("asha, r = 1, eta = 4", ["--pruner", "asha", "--min-epochs", "1", "--reduction", "4"]),
    ("asha, r = 3, eta = 2", ["--pruner", "asha", "--min-epochs", "3", "--reduction", "2"]),
    ("asha, r = 3, eta = 3", ["--pruner", "asha", "--min-epochs", "3", "--reduction", "3"]),
    ("asha, r = 6, eta = 4", ["--pruner", "asha", "--min-epochs", "6", "--reduction", "4"]),
    ("asha, r = 9, eta = 3", ["--pruner", "asha", "--min-epochs", "9", "--reduction", "3"]),
    ("hyperband, r = 1, eta = 3 (pruning.py's)", HYPERBAND),
    ("hyperband, r = 1, eta = 2", ["--pruner", "hyperband", "--min-epochs", "1",
                                   "--reduction", "2"]),
    ("hyperband, r = 1, eta = 4", ["--pruner", "hyperband", "--min-epochs", "1",
                                   "--reduction", "4"]),
    ("median, 5 start-up trials", ["--pruner", "median", "--startup-trials", "5"]),
    ("median, 5 start-up trials, 3 warm-up epochs", ["--pruner", "median", "--startup-trials",
                                                     "5", "--warmup-epochs", "3"]),
    ("median, 2 start-up trials", ["--pruner", "median", "--startup-trials", "2"]),
    ("percentile 25, 5 start-up trials", ["--pruner", "percentile", "--percentile", "25",
                                          "--startup-trials", "5"]),
]


def load_random_runs(dirs):
    """seed -> (random search's run, its folder), from every random-<seed>.json in dirs."""
    runs = {}
    for d in dirs:
        for name in sorted(os.listdir(d)):
            if not (name.startswith("random-") and name.endswith(".json")):
                continue
            with open(os.path.join(d, name)) as f:
                run = json.load(f)
            if run["seed"] in runs:
                raise SystemExit(f"{os.path.join(d, name)}: seed {run['seed']} is also in "
                                 f"{runs[run['seed']][1]}")
            for t in run["trials"]:
                if t["status"] != "completed" or len(t["epoch_val_acc"]) != t["epochs"]:
                    raise SystemExit(f"{os.path.join(d, name)}: trial {t['id']} is not a full "
                                     f"curve ({t['status']}, {t['epochs']} epochs)")
            runs[run["seed"]] = (run, d)
    if not runs:
        raise SystemExit(f"no random-<seed>.json in {', '.join(dirs)} (bench/pruning.py --out DIR)")
    epochs = {r["setup"]["epochs"] for r, _ in runs.values()}
    if len(epochs) != 1:
        raise SystemExit(f"the runs were made with different --epochs: {sorted(epochs)}")
    return runs


def replay(binary, run, options):
    """Random search's run as the pruner of `options` would have cut it: a run of the same
    trials, in the same order, each {id, status, epochs, best, seconds}."""
    trials = run["trials"]
    lines = "".join(f"{t['id']} {e + 1} {v!r}\n" for t in trials
                    for e, v in enumerate(t["epoch_val_acc"]))
    args = [binary, *options, "--seed", str(run["seed"]),
            "--max-epochs", str(run["setup"]["epochs"])]
    done = subprocess.run(args, input=lines, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: {done.stderr.strip()}")
    stopped = {int(line.split()[0]): int(line.split()[1]) for line in done.stdout.splitlines()}
    out = []
    for t in trials:
        e = stopped[t["id"]]
        full = e == len(t["epoch_val_acc"])
        out.append({"id": t["id"], "status": "completed" if full else "pruned", "epochs": e,
                    "best": max(t["epoch_val_acc"][:e]),
                    "seconds": t["seconds"] if full else t["epoch_seconds"][e - 1]})
    return {"trials": out}


def check(binary, runs):
    """The replay against pruning.py's own pruned runs, where a folder holds them."""
    checked = 0
    for seed, (run, d) in sorted(runs.items()):
        for method, options in CHECKED.items():
            path = os.path.join(d, f"{method}-{seed}.json")
            if not os.path.exists(path):
                continue
            with open(path) as f:
                real = {t["id"]: t["epochs"] for t in json.load(f)["trials"]}
            for t in replay(binary, run, options)["trials"]:
                if real.get(t["id"]) != t["epochs"]:
                    raise SystemExit(f"{path}: trial {t['id']} ran {real.get(t['id'])} epochs, "
                                     f"the replay stops it after {t['epochs']}")
                checked += 1
    return checked


def table(binary, runs):
    seeds = sorted(runs)
    rows = []
    base = {s: report.time_to(runs[s][0], max(report.best_values(runs[s][0]))) for s in seeds}
    for label, options in SETUPS:
        ratios, spent, epochs = [], [], []
        for s in seeds:
            run = runs[s][0]
            cut = replay(binary, run, options)
            hit = report.time_to(cut, max(report.best_values(run)))
            ratios.append(None if hit is None else hit / base[s])
            spent.append(report.spent(cut))
            epochs.append(sum(t["epochs"] for t in cut["trials"]))
        reached = [r for r in ratios if r is not None]
        within = sum(1 for r in reached if r <= 1 / 3)
        rows.append(f"| {label} | {report.median(epochs):.0f} | {report.spread(spent)} | "
                    f"{len(reached)}/{len(seeds)} | {within}/{len(seeds)} | "
                    f"{report.spread(ratios, '{:.2f}')} |")
    floors = [report.winner_facts(runs[s][0], max(report.best_values(runs[s][0])))[2] / base[s]
              for s in seeds]
    rows.append(f"| (the floor: one epoch of each trial before random search's winner, the winner "
                f"until it reached the target) | - | - | {len(seeds)}/{len(seeds)} | "
                f"{sum(1 for f in floors if f <= 1 / 3)}/{len(seeds)} | "
                f"{report.spread(floors, '{:.2f}')} |")
    head = [
        f"Replayed on the random runs of seeds {seeds[0]} to {seeds[-1]} ({len(seeds)} seeds): "
        f"each seed's {len(runs[seeds[0]][0]['trials'])} configurations, at most "
        f"{runs[seeds[0]][0]['setup']['epochs']} epochs. The target is random search's best "
        "validation accuracy; a ratio is the core-seconds to it over random search's "
        "(not reached: counted as the worst).",
        "",
        "| pruner set-up | epochs trained (median) | core-s spent | reached the target | "
        "within 1/3 of random's core-s | ratio to random's core-s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    return "\n".join(head + rows)


def main():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--runs", nargs="+", required=True, metavar="DIR",
                    help="folders of bench/pruning.py --out runs (their random-<seed>.json)")
    ap.add_argument("--write", metavar="FILE",
                    help=f"put the table into FILE between {BEGIN} and {END}")
    ap.add_argument("--prune-replay", default=os.path.join(ROOT, "build", "bin", "prune_replay"))
    a = ap.parse_args()
    if not os.access(a.prune_replay, os.X_OK):
        raise SystemExit(f"{a.prune_replay}: not built (scripts/build.sh builds bench/)")
    runs = load_random_runs(a.runs)
    checked = check(a.prune_replay, runs)
    print(f"replay checked against pruning.py's pruned runs: {checked} trials, all alike",
          file=sys.stderr)
    text = table(a.prune_replay, runs)
    print(text)
    if a.write:
        report.write_between_markers(a.write, text, BEGIN, END)


if __name__ == "__main__":
    main()
