#!/usr/bin/env python3
"""Plot a hypersweep results file: every trial's validation accuracy against epoch with the best
trial highlighted, and the best trial's training and validation loss.

    python3 docs/plot_curves.py RESULTS.h5 [-o curves.png]

Needs Debian's python3-h5py, python3-pandas and python3-matplotlib (scripts/install-deps.sh).
It reads the HDF5 file alone, so it works on a copy taken off a cluster (no journal needed) and
on a sweep still running. "Best" is the trial with the best best_metric in the sweep's direction
(the file's `direction` attribute; in a file from before it, [sweep] direction, or min for a
metric ending in _loss, else max). tests/apps/export_test.cpp runs it on a real results file.
"""
import argparse
import math
import sys

import h5py
import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402  (after use())
import pandas as pd  # noqa: E402


def text(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def minimise(f):
    """Whether the sweep minimises its metric, as hypersweep decides it: the direction the file
    holds, or in a file from before that attribute, as hypersweep reads such a file."""
    if text(f.attrs.get("direction", "")) in ("min", "max"):
        return text(f.attrs["direction"]) == "min"
    metric = text(f.attrs.get("metric", "val_acc"))
    try:  # only files from before the attribute need it; tomllib is Python 3.11's
        import tomllib
        direction = tomllib.loads(text(f.attrs.get("config", ""))).get("sweep", {}).get("direction")
    except (ImportError, ValueError):  # tomllib.TOMLDecodeError is a ValueError
        direction = None
    if direction in ("min", "max"):
        return direction == "min"
    return metric.endswith("_loss")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", help="results file (HDF5) written by hypersweep run")
    ap.add_argument("-o", "--out", default="curves.png", help="PNG to write (default curves.png)")
    args = ap.parse_args()
    try:
        f = h5py.File(args.results, "r", locking=False)
    except (OSError, TypeError):
        try:  # h5py before 3.5 has no locking argument
            f = h5py.File(args.results, "r")
        except OSError as e:
            sys.exit(f"plot_curves.py: error: {args.results}: not a readable HDF5 file ({e})")
    with f:
        if "summary" not in f or "trials" not in f:
            if "1_initial_loss" in f or text(f.attrs.get("kind", "")) == "recipe":
                sys.exit(f"plot_curves.py: error: {args.results}: a recipe file; its steps' trials "
                         "are in its step files (hypersweep export --csv writes them), or plot "
                         "a sweep's results file")
            sys.exit(f"plot_curves.py: error: {args.results}: no /summary, not a hypersweep results file")
        summary = pd.DataFrame(f["summary"][:])
        summary["status"] = summary["status"].str.decode("utf-8")
        metric = text(f.attrs.get("metric", "val_acc"))
        curves = {}
        for trial_id in summary["id"]:
            c = pd.DataFrame(f[f"trials/{int(trial_id):06d}/curves"][:])
            if len(c):
                curves[int(trial_id)] = c
        low = minimise(f)
    if not curves:
        sys.exit(f"plot_curves.py: error: {args.results}: no trial has finished an epoch yet")

    # The best as `show` picks it: a trial with a final result (not pruned or diverged).
    # A best trial without curve rows (a command that printed its result line alone) is still
    # the best: said, not passed over for one that has curves.
    ranked = summary[summary["best_metric"].notna()
                     & ~summary["status"].isin(["pruned", "diverged"])]
    best = None
    if len(ranked):
        row = ranked.loc[ranked["best_metric"].idxmin() if low else ranked["best_metric"].idxmax()]
        best = int(row["id"])

    # The sweep's metric where the curves hold it (a command's own `loss`), else val_acc.
    shown = metric if any(metric in c.columns for c in curves.values()) else "val_acc"
    fig, (acc_ax, loss_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    for trial_id, c in curves.items():
        if trial_id != best and shown in c.columns:
            acc_ax.plot(c["epoch"], c[shown], color="0.6", alpha=0.6, linewidth=1)
    acc_ax.plot([], [], color="0.6", label=f"other trials ({len(curves) - (best in curves)})")
    if best is not None and best not in curves:
        acc_ax.plot([], [], color="tab:red", linewidth=2.5,
                    label=f"best: trial {best} ({metric} {row['best_metric']:.4g}; no curve)")
        loss_ax.set_title(f"trial {best}: no epoch rows to draw")
    elif best is not None:
        c = curves[best]
        acc_ax.plot(c["epoch"], c[shown] if shown in c.columns else c["val_acc"],
                    color="tab:red", linewidth=2.5, marker="o",
                    label=f"best: trial {best} ({metric} {row['best_metric']:.4g})")
        loss_ax.plot(c["epoch"], c["train_loss"], marker="o", label="train loss")
        loss_ax.plot(c["epoch"], c["val_loss"], marker="o", label="val loss")
        if "initial_loss" in row and math.isfinite(row["initial_loss"]):  # first minibatch, epoch 0
            loss_ax.plot([0], [row["initial_loss"]], marker="s", linestyle="none", color="0.3",
                         label=f"initial loss {row['initial_loss']:.3f}")
        classes = int(row["num_classes"]) if "num_classes" in row else 0
        if classes > 1:  # the loss a network that knows nothing yet should start from
            loss_ax.axhline(math.log(classes), color="0.5", linestyle="--", linewidth=1,
                            label=f"ln({classes}) = {math.log(classes):.3f}")
        printed = c[["train_loss", "val_loss"]].notna().any().any()
        loss_ax.set_title(f"trial {best}: loss" if printed
                          else f"trial {best}: no train_loss or val_loss printed")
    else:
        loss_ax.set_title("no trial has a best metric yet")
    acc_ax.set_title(f"{shown}, {len(curves)} trials")
    acc_ax.set_xlabel("epoch")
    acc_ax.set_ylabel(shown)
    acc_ax.legend(loc="lower right")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("cross-entropy")
    if loss_ax.get_legend_handles_labels()[0]:  # none when no trial has a best metric
        loss_ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}: {shown} of {len(curves)} trials" +
          (f", best trial {best}" if best is not None else ""))


if __name__ == "__main__":
    main()
