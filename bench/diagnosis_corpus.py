#!/usr/bin/python3
"""The diagnosis measured (issue 16): a labelled corpus of real runs, and its precision and recall.

    /usr/bin/python3 bench/diagnosis_corpus.py [--out DIR] [--jobs 2] [--write bench/README.md]
    /usr/bin/python3 bench/diagnosis_corpus.py --fixture tests/analysis/corpus_slice.txt

The corpus: real training runs of the built-in trainer (build/bin/hypersweep run), each with a
cause induced on purpose (CAUSES below), on two data sets (DATASETS: Fashion-MNIST, the first
3,000 training images, and the `synthetic` data set), for --seeds seeds (128). One sweep per data set
and seed, strategy "list": trial i is CAUSES[i]'s configuration, seeded by (seed, i). A run's
induced labels are what was done to it (a run may carry two; CAUSES has none that does today).
Every run has one thread, and --jobs sweeps (2) run at a time. DIR (default build/diagnosis_corpus)
keeps each sweep's file, results and log; a sweep with DIR/<dataset>-<seed>.done is reused
(delete that file to rerun it). --misses prints every run labelled wrongly, with its evidence.

Then build/bin/bench_diagnosis labels every run as `hypersweep show` does (analyse_file: the
sweep around a run is its data set and seed's sweep, so `underfitting`'s "below the sweep's best"
compares a run with the healthy runs beside it), and this script counts, for each label, its
precision and recall on the tuning seeds (TUNE_SEEDS: the thresholds of DiagnosisOptions were
chosen looking at these) and on the held-out seeds (the others: the result), and the confusion
between the induced causes and the labels given.

What is scored (SCORED): the curve labels and `initial_loss`. `diverged` and `diverged_at_start`
are one class (`diverged`: when in the first epoch the blow-up comes is the lr's luck, the cause
and the advice are the same). `update_ratio` is not scored: it describes the parameters, and fires beside a
curve label (an lr too low, an init too small); `healthy` is scored as "no curve label".
--write puts the tables into FILE between `<!-- diagnosis:begin -->` and `<!-- diagnosis:end -->`.
--fixture FILE writes the held-out runs of FIXTURE (every cause of one seed per data set) as text for
tests/analysis/corpus_test.cpp, which asserts each one's labels.
Needs: a Release build with the targets hypersweep and bench_diagnosis, Debian's python3-h5py
and the Fashion-MNIST files at the trainer's default data_path (dataset-fashion-mnist).
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import time

import h5py

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK_BEGIN, MARK_END = "<!-- diagnosis:begin -->", "<!-- diagnosis:end -->"
TUNE_SEEDS = tuple(range(1, 97))
SCORED = ("diverged", "plateau", "bad_init", "decay_too_early", "overfitting", "underfitting",
          "initial_loss", "healthy")

# Every run of a data set shares these; a cause changes some of them.
DATASETS = {
    "fashion": {"dataset": "fashion_mnist", "train_limit": 3000, "test_limit": 500,
                "val_fraction": 0.2, "epochs": 20, "lr_ok": 0.02},
    "synthetic": {"dataset": "synthetic", "synthetic_samples": 6000, "synthetic_classes": 10,
                  "synthetic_size": 8, "synthetic_noise": 1.3, "normalize": "minmax",
                  "val_fraction": 0.2, "epochs": 20, "lr_ok": 0.02, "init_scale": 0.7},
}
# (synthetic's init_scale 0.7: at 1.0 its 64 inputs in [0, 1] start the loss 3-33% above ln(10),
# over the initial-loss check's 25% on some seeds; a healthy run should start within it.)
# How strong a cause must be to show on each data set (the same cause, dosed per data set):
# the lr just below divergence (x lr_ok), an init scale small enough for a flat start of a few
# epochs (smaller: it never leaves it in 20 epochs; larger: no flat start), and a weight decay
# strong enough to hold the accuracy 5+ points down without collapsing it to chance.
DOSES = {
    "fashion": {"lr_high_x": 10, "init_tiny": 0.2, "strong_wd": 0.1},
    "synthetic": {"lr_high_x": 7, "init_tiny": 0.4, "strong_wd": 0.05},
}
BASE = {"depth": 1, "width": 64, "optimizer": "momentum", "momentum": 0.9, "batch_size": 64,
        "early_stopping": False, "threads": 1, "milestones": [3], "decay_factor": 1.0,
        "schedule": "step"}

# (name, induced labels, the keys it changes). lr_x multiplies the data set's lr_ok; a string
# value names the data set's dose (DOSES); train_limit_x scales the training-file samples.
# "schedule" step with decay_factor 1 is a constant lr.
CAUSES = [
    ("healthy_short", ["healthy"], {"weight_decay": 1e-3, "epochs_x": 0.5}),
    ("healthy_cosine", ["healthy"], {"schedule": "cosine", "weight_decay": 1e-3}),
    ("lr_far_too_high", ["diverged"], {"lr_x": 100}),
    ("lr_just_below_divergence", ["plateau"], {"lr_x": "lr_high_x"}),
    ("lr_too_low", ["underfitting"], {"lr_x": 0.005}),
    ("init_tiny", ["bad_init"], {"depth": 3, "init_scale": "init_tiny"}),
    ("init_huge", ["initial_loss"], {"init_scale": 8.0}),
    ("decay_too_early", ["decay_too_early"], {"decay_factor": 0.01}),
    ("overfitting", ["overfitting"],
     {"width": 512, "train_limit_x": 1 / 3, "val_fraction": 0.6, "epochs_x": 2, "lr_x": 2.5}),
    ("tiny_network", ["underfitting"], {"width": 3}),
    ("strong_weight_decay", ["underfitting"], {"weight_decay": "strong_wd"}),
]


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"%s"' % v
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return repr(v)


def run_config(dataset, cause):
    """The trainer keys of one run: the data set's, BASE, then the cause's changes."""
    d = dict(DATASETS[dataset])
    cfg = dict(BASE)
    lr_ok = d.pop("lr_ok")
    cfg.update(d)
    changes = {k: DOSES[dataset][v] if isinstance(v, str) and v in DOSES[dataset] else v
               for k, v in cause[2].items()}
    cfg["lr"] = lr_ok * changes.pop("lr_x", 1)
    if "train_limit_x" in changes:
        x = changes.pop("train_limit_x")
        key = "train_limit" if dataset == "fashion" else "synthetic_samples"
        cfg[key] = int(cfg[key] * x)
    cfg["epochs"] = int(cfg["epochs"] * changes.pop("epochs_x", 1))
    cfg.setdefault("weight_decay", 0.0)
    cfg.setdefault("init_scale", 1.0)
    cfg.setdefault("dropout", 0.0)
    cfg.update(changes)
    return cfg


def sweep_text(dataset, seed):
    """A list sweep whose trial i is CAUSES[i]: every key any run changes is in the space."""
    cfgs = [run_config(dataset, c) for c in CAUSES]
    varying = [k for k in cfgs[0] if any(c[k] != cfgs[0][k] for c in cfgs)]
    for k in ("weight_decay", "dropout"):  # the diagnosis reads them from the space
        if k not in varying:
            varying.append(k)
    lines = ["# diagnosis corpus: %s, seed %d (bench/diagnosis_corpus.py)" % (dataset, seed),
             "[train]"]
    lines += ["%s = %s" % (k, toml_value(v)) for k, v in cfgs[0].items() if k not in varying]
    lines += ["split_seed = %d" % seed, "", "[sweep]", 'strategy = "list"', "seed = %d" % seed,
              'metric = "val_acc"', "", "[space]"]
    for k in varying:
        lines.append("%s = { choice = [%s] }" % (k, ", ".join(toml_value(c[k]) for c in cfgs)))
    return "\n".join(lines) + "\n"


def run_sweep(hypersweep, out, dataset, seed):
    """DIR/<dataset>-<seed>.h5, run unless a finished one is there (DIR/<dataset>-<seed>.done)."""
    stem = os.path.join(out, "%s-%d" % (dataset, seed))
    if not os.path.exists(stem + ".done"):
        with open(stem + ".toml", "w") as f:
            f.write(sweep_text(dataset, seed))
        with open(stem + ".log", "w") as log:
            subprocess.run([hypersweep, "run", stem + ".toml", "--out", stem + ".h5", "--force"],
                           stdout=log, stderr=subprocess.STDOUT, check=True)
        open(stem + ".done", "w").close()
    return stem + ".h5"


def scored(labels):
    """The scored classes of a set of diagnosis labels (see the header)."""
    out = set()
    for l in labels:
        l = "diverged" if l == "diverged_at_start" else l
        if l in SCORED:
            out.add(l)
    return out or {"healthy"}


def label_runs(bench, files):
    """{(file, trial id): (labels given, evidence)} from bench_diagnosis."""
    res = subprocess.run([bench] + files, capture_output=True, text=True, check=True).stdout
    runs = {}
    for line in res.splitlines():
        path, tid, labels, evidence = line.split("\t")
        runs[(path, int(tid))] = (labels.split(","), evidence)
    return runs


def score(rows):
    """rows: (induced set, given set). Per class: (tp, fp, fn, precision, recall)."""
    table = {}
    for c in SCORED:
        tp = sum(1 for i, g in rows if c in i and c in g)
        fp = sum(1 for i, g in rows if c not in i and c in g)
        fn = sum(1 for i, g in rows if c in i and c not in g)
        p = tp / (tp + fp) if tp + fp else float("nan")
        r = tp / (tp + fn) if tp + fn else float("nan")
        table[c] = (tp, fp, fn, p, r)
    return table


def fmt(x):
    return "-" if x != x else "%.2f" % x


def tables(runs, seeds):
    """The markdown tables of the runs of `seeds`: per class, then the confusion."""
    rows, by_cause = [], {}
    for (path, tid), (induced, labels) in runs.items():
        if int(path.rsplit("-", 1)[1].split(".")[0]) not in seeds:
            continue
        given = scored(labels)
        rows.append((set(induced), given))
        by_cause.setdefault(CAUSES[tid][0], []).append(given)
    t = score(rows)
    out = ["| label | precision | recall | runs given it (right + wrong) | runs induced |",
           "|---|---|---|---|---|"]
    for c in SCORED:
        tp, fp, fn, p, r = t[c]
        out.append("| `%s` | %s | %s | %d + %d | %d |" % (c, fmt(p), fmt(r), tp, fp, tp + fn))
    out += ["", "| induced cause (labels) | runs | " + " | ".join("`%s`" % c for c in SCORED) + " |",
            "|---|---|" + "---|" * len(SCORED)]
    for name, induced, _ in CAUSES:
        g = by_cause.get(name, [])
        cells = ["**%d**" % sum(c in x for x in g) if c in induced else str(sum(c in x for x in g))
                 for c in SCORED]
        out.append("| %s (%s) | %d | %s |" % (name, ", ".join(induced), len(g), " | ".join(cells)))
    return out, t


def fixture(runs, path, picks):
    """`picks` (file stem, trial id) written as text for tests/analysis/corpus_test.cpp."""
    lines = ["# Real runs of bench/diagnosis_corpus.py's corpus, its held-out seeds: each run's",
             "# induced cause, the context it is diagnosed in and its curves. Regenerate with",
             "#   /usr/bin/python3 bench/diagnosis_corpus.py --fixture " + os.path.relpath(path, ROOT),
             "# run <name> <sweep best val_acc> <initial_loss> <num_classes> <status> "
             "<weight_decay> <dropout> <induced labels, comma-separated>",
             "# epoch lr train_loss train_acc val_loss val_acc update_ratio... (a line per epoch), `end`"]
    for (f, tid), (induced, _) in sorted(runs.items()):
        stem = os.path.basename(f)[:-3]
        if (stem, CAUSES[tid][0]) not in picks:
            continue
        with h5py.File(f, "r") as h:
            summary = h["summary"][()]
            best = max(float(v) for k in h["trials"] for v in h["trials"][k]["curves"]["val_acc"]
                       if v == v)  # as analysis's sweep_context() finds it
            row = summary[list(summary["id"]).index(tid)]
            status = row["status"].decode() if isinstance(row["status"], bytes) else row["status"]
            lines.append("run %s-%s %.6g %.6g %d %s %g %g %s" % (
                stem, CAUSES[tid][0], best, float(row["initial_loss"]), int(row["num_classes"]),
                status, float(row["weight_decay"]), float(row["dropout"]), ",".join(induced)))
            t = h["trials"]["%06d" % tid]
            ratios = t["update_ratio"][()] if "update_ratio" in t else []
            for i, row in enumerate(t["curves"]):
                cols = [row[k] for k in ("epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc")]
                cols += list(ratios[i]) if i < len(ratios) else []
                lines.append(" ".join("%.6g" % float(v) for v in cols))
            lines.append("end")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def report_text(held, held_t, tune_t, score_held, n, wall):
    """The section bench/README.md holds between the markers."""
    missed = [c for c in SCORED if not (score_held[c][3] >= 0.9 and score_held[c][4] >= 0.8)]
    goal = ("Goal (precision >= 0.9 and recall >= 0.8 for every label on the held-out seeds): "
            + ("met." if not missed else "not met for " + ", ".join("`%s`" % c for c in missed)
               + " (see below)."))
    return ["Measured by `/usr/bin/python3 bench/diagnosis_corpus.py --write bench/README.md`: "
            "%d runs (%d causes x %d data sets x %d seeds), %s." % (
                n, len(CAUSES), len(DATASETS), n // (len(CAUSES) * len(DATASETS)),
                "reused from the --out folder" if wall < 5 else
                "run in %.0f s of wall time, 2 sweeps at a time of one thread each" % wall),
            "", "Held-out seeds %s (the result):" % ", ".join(map(str, held)), ""] + held_t + [
            "", goal, "", "Tuning seeds %s (the thresholds were chosen on these):" %
            ", ".join(map(str, TUNE_SEEDS)), ""] + tune_t


def write_section(path, text):
    with open(path) as f:
        doc = f.read()
    a, b = doc.index(MARK_BEGIN) + len(MARK_BEGIN), doc.index(MARK_END)
    with open(path, "w") as f:
        f.write(doc[:a] + "\n" + "\n".join(text) + "\n" + doc[b:])


# A slice of held-out runs for tests/analysis/corpus_test.cpp: (file stem, cause): every cause
# of one held-out seed per data set.
FIXTURE = [("fashion-5", c[0]) for c in CAUSES] + [("synthetic-6", c[0]) for c in CAUSES]


def main():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "diagnosis_corpus"))
    ap.add_argument("--seeds", type=int, default=128)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--hypersweep", default=os.path.join(ROOT, "build", "bin", "hypersweep"))
    ap.add_argument("--bench", default=os.path.join(ROOT, "build", "bin", "bench_diagnosis"))
    ap.add_argument("--write", metavar="FILE")
    ap.add_argument("--fixture", metavar="FILE")
    ap.add_argument("--misses", action="store_true", help="print every run labelled wrongly")
    args = ap.parse_args()
    for b in (args.hypersweep, args.bench):
        if not os.access(b, os.X_OK):
            ap.error(f"{b}: not built (scripts/build.sh)")
    os.makedirs(args.out, exist_ok=True)
    seeds = list(range(1, args.seeds + 1))
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        files = list(pool.map(lambda ds: run_sweep(args.hypersweep, args.out, *ds),
                              [(d, s) for s in seeds for d in DATASETS]))
    wall = time.time() - t0
    runs = {k: ([l for l in CAUSES[k[1]][1]], v[0]) for k, v in label_runs(args.bench, files).items()}
    if args.misses:
        ev = label_runs(args.bench, files)
        for k, (induced, labels) in sorted(runs.items()):
            if set(induced) != scored(labels):
                print("%s %d %s: given %s\n    %s" % (os.path.basename(k[0]), k[1], CAUSES[k[1]][0],
                                                    ",".join(labels), ev[k][1]))
    held = [s for s in seeds if s not in TUNE_SEEDS]
    tune_t, _ = tables(runs, TUNE_SEEDS)
    held_t, score_held = tables(runs, held)
    text = report_text(held, held_t, tune_t, score_held, len(runs), wall)
    print("\n".join(text))
    if args.write:
        write_section(args.write, text)
    if args.fixture:
        fixture(runs, args.fixture, FIXTURE)


if __name__ == "__main__":
    main()
