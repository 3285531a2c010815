#!/usr/bin/python3
"""Pruning across trials (issue 15): core-seconds to a target accuracy, hypersweep and Optuna.

    /usr/bin/python3 bench/pruning.py [--seeds 5] [--jobs 2] [--out DIR [--reuse]] [--write bench/README.md]
    /usr/bin/python3 bench/pruning.py --quick          # under a minute: checks that it all runs

The sweep's real job: the built-in MLP (784 -> width -> width -> 10, SGD with momentum, cosine
schedule, no early stopping) on Fashion-MNIST, six parameters searched (lr and weight_decay
log-uniform, momentum, batch_size and width log-int, dropout; pruning_torch.SPACE), at most
--epochs epochs (27), for each of --seeds sweep seeds (--first-seed, the next, ...; 0 on). The
runs (METHODS):
  random            hypersweep, random search with full budgets: --trials trials (32) of --epochs
                    epochs each, no pruner. Its best validation accuracy is that seed's target.
  asha-*, hyperband-*  hypersweep with `[sweep] pruner = "asha"` / "hyperband" and strategy
                    random, tpe or bayes, --pruned-trials trials (64); [pruner] min_epochs 1,
                    reduction 3, max_epochs --epochs.
  optuna-sha, optuna-hyperband  Optuna 3.1's TPESampler with SuccessiveHalvingPruner(min_resource
                    1, reduction_factor 3) / HyperbandPruner(1, --epochs, 3), --pruned-trials
                    trials, the same model, space and data in PyTorch (bench/pruning_torch.py).
Every trial has one thread (hypersweep: [train] threads = 1; PyTorch: torch.set_num_threads(1)),
each sweep runs in one process (hypersweep run without mpirun: one worker, so a sweep's decisions
do not depend on timing), and --jobs sweeps (2) run at a time, seeds outermost so that every
method meets the same machine.

Core-seconds (the measure): a run's trials in the order they finished (/summary's row order, the
order hypersweep recorded them; for Optuna the order its objective returned); a trial's
core-seconds are its `seconds` times its threads (1). `seconds` is the wall time of the trial's
training, from building the model to its test pass, every epoch and its pruning answer between:
hypersweep's own (train() in the trial's process), and for Optuna the time around the training
in the objective (after the sampler's suggestions). The core-seconds to reach accuracy A are the
sum over the trials up to and including the first whose best validation accuracy is >= A; "not
reached" if no trial of the run reaches it. What lies between trials (start-up and the data
load, the strategy's proposal, hypersweep's fork of the trial's process and its results file) is
not counted; the table's wall time, the whole sweep's, shows it.
The best accuracy at C core-seconds is the best of the trials finished within C.
Medians are the middle seed's value (of an even count the lower middle), so a "not reached" can
be a median; ranges are the smallest and largest seed's value.

The engines apart from the search (--engine-epochs E, 3): the first seed's random-search
configurations trained for their first E epochs in PyTorch (pruning_torch.time_configs), against
the seconds hypersweep's curves give for the same epochs of the same trials.

Checks before anything is reported: every trial of every run is recorded once, none failed; the
random runs trained every trial to --epochs; each pruned run pruned some trial.
--out DIR keeps each run's trials (DIR/<method>-<seed>.json, with the sweep file, results file and
log beside them); --reuse takes the runs already there instead of running them again. --write
puts the tables into FILE between `<!-- pruning:begin -->` and `<!-- pruning:end -->` (with
--section NAME, between `<!-- NAME:begin -->` and `<!-- NAME:end -->`).
Needs: a Release build (scripts/build.sh; --hypersweep for another binary), Debian's
python3-h5py, python3-torch and python3-optuna (scripts/install-deps.sh --bench).
"""
import argparse
import concurrent.futures
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import pruning_report  # noqa: E402
from pruning_torch import DATA, SPACE  # noqa: E402

THREADS = pruning_report.THREADS  # per trial
# method -> (engine, strategy, pruner), in the tables' order
METHODS = {
    "random": ("hypersweep", "random", "none"),
    "asha-random": ("hypersweep", "random", "asha"),
    "asha-tpe": ("hypersweep", "tpe", "asha"),
    "asha-bayes": ("hypersweep", "bayes", "asha"),
    "hyperband-random": ("hypersweep", "random", "hyperband"),
    "hyperband-tpe": ("hypersweep", "tpe", "hyperband"),
    "hyperband-bayes": ("hypersweep", "bayes", "hyperband"),
    "optuna-sha": ("optuna", "tpe", "sha"),
    "optuna-hyperband": ("optuna", "tpe", "hyperband"),
}


def log(msg):
    print(f"[pruning {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def space_toml():
    lines = []
    for name, kind, lo, hi in SPACE:
        if kind == "int_log":
            lines.append(f"{name} = {{ int = [{lo}, {hi}], log = true }}")
        else:
            lines.append(f"{name} = {{ {kind} = [{lo!r}, {hi!r}] }}")
    return "\n".join(lines)


def sweep_toml(method, seed, a):
    _, strategy, pruner = METHODS[method]
    trials = a.trials if pruner == "none" else a.pruned_trials
    pruner_lines = "" if pruner == "none" else f"""pruner = "{pruner}"

[pruner]
min_epochs = 1
reduction = 3
max_epochs = {a.epochs}
"""
    return f"""# bench/pruning.py: {method}, seed {seed}
[train]
dataset = "fashion_mnist"
data_path = "{DATA}"
train_limit = {a.train_limit}
val_fraction = {a.val_fraction}
arch = "mlp"
depth = 2
activation = "relu"
optimizer = "momentum"
schedule = "{a.schedule}"
epochs = {a.epochs}
early_stopping = false
threads = {THREADS}

[sweep]
strategy = "{strategy}"
trials = {trials}
seed = {seed}
metric = "val_acc"
{pruner_lines}
[space]
{space_toml()}
"""


def run_hypersweep(method, seed, a, stem):
    with open(stem + ".toml", "w") as f:
        f.write(sweep_toml(method, seed, a))
    for p in (stem + ".h5", stem + ".h5.journal"):
        if os.path.exists(p):
            os.remove(p)
    wall = run_logged([a.hypersweep, "run", stem + ".toml", "--out", stem + ".h5"], stem)
    return {"wall": wall, "trials": read_trials(stem + ".h5")}


def torch_side_args(a):
    """The options pruning_torch.py shares with the sweep files: the same data and schedule."""
    return ["--epochs", str(a.epochs), "--train-limit", str(a.train_limit), "--val-fraction",
            str(a.val_fraction), "--schedule", a.schedule]


def run_logged(cmd, stem):
    """Runs cmd with THREADS OpenMP threads, its output into stem.log; its wall seconds. A run
    that fails raises with the log's tail."""
    t0 = time.perf_counter()
    with open(stem + ".log", "w") as out:
        rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
                            env={**os.environ, "OMP_NUM_THREADS": str(THREADS)}).returncode
    wall = time.perf_counter() - t0
    if rc != 0:
        with open(stem + ".log") as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f"{' '.join(cmd)} exited {rc}:\n{tail}")
    return wall


def read_trials(path):
    """A hypersweep run's trials from its results file, in the order they were recorded (the
    finishing order), each with its per-epoch times and validation accuracies."""
    import h5py  # Debian's python3-h5py
    trials = []
    with h5py.File(path, "r") as f:
        for row in f["summary"][:]:
            curves = f[f"trials/{int(row['id']):06d}/curves"][:]
            trials.append({"id": int(row["id"]), "status": row["status"].decode(),
                           "epochs": int(row["epochs_run"]), "best": float(row["best_metric"]),
                           "seconds": float(row["seconds"]),
                           "params": {n: row[n].item() for n, *_ in SPACE},
                           "epoch_seconds": [float(x) for x in curves["seconds"]],
                           "epoch_val_acc": [float(x) for x in curves["val_acc"]]})
    return trials


def run_optuna(method, seed, a, stem):
    _, _, pruner = METHODS[method]
    torch_script = os.path.join(HERE, "pruning_torch.py")
    wall = run_logged(["/usr/bin/python3", torch_script, "--pruner", pruner,
                       "--trials", str(a.pruned_trials), "--seed", str(seed), *torch_side_args(a),
                       "--out", stem + ".optuna.json"], stem)
    with open(stem + ".optuna.json") as f:
        result = json.load(f)
    return {"wall": wall, "trials": result["trials"], "versions": {"optuna": result["optuna"],
                                                                  "torch": result["torch"]}}


def check(method, run, a):
    """What must hold before a run's figures mean anything; the problem, or None."""
    _, _, pruner = METHODS[method]
    trials = run["trials"]
    asked = a.trials if pruner == "none" else a.pruned_trials
    ids = [t["id"] for t in trials]
    if sorted(ids) != list(range(asked)):
        return f"trials recorded {sorted(ids)}, not each of 0..{asked - 1} once"
    statuses = {t["status"] for t in trials}
    if not statuses <= {"completed", "pruned", "diverged"}:
        return f"statuses {sorted(statuses)}: a trial failed or was cut short"
    if pruner == "none" and any(t["status"] == "completed" and t["epochs"] != a.epochs for t in trials):
        return f"a full-budget trial ran other than {a.epochs} epochs"
    if pruner != "none" and "pruned" not in statuses:
        return "no trial was pruned"
    return None


def run_setup(method, a):
    """What a run's figures depend on beside its method and seed: a kept run is reused only
    with the same."""
    pruned = METHODS[method][2] != "none"
    return {"trials": a.pruned_trials if pruned else a.trials, "epochs": a.epochs,
            "train_limit": a.train_limit, "val_fraction": a.val_fraction, "schedule": a.schedule}


def kept_setup(run):
    """A kept run's setup, its schedule as pruning_report.schedule reads it (runs from before
    --schedule recorded none)."""
    setup = run.get("setup", {})
    return {**setup, "schedule": pruning_report.schedule(setup)}


def one_run(method, seed, a):
    stem = os.path.join(a.out, f"{method}-{seed}")
    if a.reuse and os.path.exists(stem + ".json"):
        with open(stem + ".json") as f:
            run = json.load(f)
        if kept_setup(run) != run_setup(method, a):
            raise RuntimeError(f"{stem}.json was run with {kept_setup(run)}, not "
                               f"{run_setup(method, a)}: give another --out, or the same options")
        if METHODS[method][0] == "hypersweep" and "epoch_val_acc" not in run["trials"][0]:
            run["trials"] = read_trials(stem + ".h5")  # kept before the curves were in the JSON
        return run
    log(f"{method} seed {seed}: running")
    engine = METHODS[method][0]
    run = (run_hypersweep if engine == "hypersweep" else run_optuna)(method, seed, a, stem)
    problem = check(method, run, a)
    if problem:
        raise RuntimeError(f"{method} seed {seed}: {problem} (see {stem}.log)")
    run.update(method=method, seed=seed, setup=run_setup(method, a))
    with open(stem + ".json", "w") as f:
        json.dump(run, f, indent=1)
    spent = sum(t["seconds"] for t in run["trials"]) * THREADS
    log(f"{method} seed {seed}: {spent:.0f} core-s in trials, {run['wall']:.0f} s wall, "
        f"best {max(pruning_report.best_values(run), default=float('nan')):.4f}")
    return run


def engine_run(runs, a):
    """The first seed's random-search configurations, their first --engine-epochs epochs timed in
    PyTorch (pruning_torch.time_configs) beside hypersweep's own curves: the engines on the same
    work, apart from the search."""
    stem = os.path.join(a.out, f"engine-{a.first_seed}")
    setup = {**run_setup("random", a), "engine_epochs": a.engine_epochs}
    if a.reuse and os.path.exists(stem + ".json"):
        with open(stem + ".json") as f:
            kept = json.load(f)
        if kept_setup(kept) == setup:
            return kept
    trials = [t for t in runs[("random", a.first_seed)]["trials"]
              if len(t["epoch_seconds"]) >= a.engine_epochs]
    with open(stem + ".configs.json", "w") as f:
        json.dump([{"params": t["params"], "seed": t["id"]} for t in trials], f)
    log(f"engines: {len(trials)} configurations, {a.engine_epochs} epochs each, in PyTorch")
    run_logged(["/usr/bin/python3", os.path.join(HERE, "pruning_torch.py"), "--configs",
                stem + ".configs.json", "--engine-epochs", str(a.engine_epochs),
                *torch_side_args(a), "--out", stem + ".torch.json"], stem)
    with open(stem + ".torch.json") as f:
        torch_side = json.load(f)["trials"]
    both = [(h, t) for h, t in zip(trials, torch_side) if t["epochs"] == a.engine_epochs]
    kept = {"setup": setup, "hypersweep": [h["epoch_seconds"][a.engine_epochs - 1] for h, _ in both],
            "torch": [t["seconds"] for _, t in both], "params": [h["params"] for h, _ in both]}
    with open(stem + ".json", "w") as f:
        json.dump(kept, f, indent=1)
    return kept


def run_all(a):
    """Every run, and the engines' timing (None without --engine-epochs). The timing joins the
    queue after the first seed's runs, so that it shares the machine with a sweep as they did."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        futures = {}
        s0 = a.first_seed
        for s in range(s0, s0 + a.seeds):
            for m in a.methods:
                futures[pool.submit(one_run, m, s, a)] = (m, s)
            if s == s0 and a.engine_epochs:
                first = next(f for f, key in futures.items() if key == ("random", s0))
                timed = lambda: engine_run({("random", s0): first.result()}, a)
                futures[pool.submit(timed)] = "engine"
        runs = {}
        try:
            for fut in concurrent.futures.as_completed(futures):
                runs[futures[fut]] = fut.result()
        except BaseException:  # a failed run ends the benchmark with its error: start no more
            for fut in futures:
                fut.cancel()
            raise
    return runs, runs.pop("engine", None)


def command_line(a):
    if a.quick:
        return ("/usr/bin/python3 bench/pruning.py --quick"
                + (f" --first-seed {a.first_seed}" if a.first_seed else "")
                + (f" --schedule {a.schedule}" if a.schedule != "cosine" else "")
                + ("" if a.jobs == 2 else f" --jobs {a.jobs}"))
    parts = ["bench/pruning.py", f"--seeds {a.seeds}"]
    if a.first_seed:
        parts.append(f"--first-seed {a.first_seed}")
    parts += [f"--trials {a.trials}",
             f"--pruned-trials {a.pruned_trials}", f"--epochs {a.epochs}",
             f"--train-limit {a.train_limit}", f"--val-fraction {a.val_fraction}", f"--jobs {a.jobs}",
             f"--engine-epochs {a.engine_epochs}"]
    if a.methods != list(METHODS):
        parts.append(f"--methods {','.join(a.methods)}")
    if a.schedule != "cosine":
        parts.append(f"--schedule {a.schedule}")
    return "/usr/bin/python3 " + " ".join(parts)


def parse_args():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--seeds", type=int, default=5,
                    help="how many sweep seeds: S .. S+N-1 (default 5)")
    ap.add_argument("--first-seed", type=int, default=0, metavar="S",
                    help="the first sweep seed (default 0), for seeds apart from an earlier run's")
    ap.add_argument("--trials", type=int, default=32, help="random search's trials (default 32)")
    ap.add_argument("--pruned-trials", type=int, default=64,
                    help="trials of each pruned sweep and Optuna study (default 64)")
    ap.add_argument("--epochs", type=int, default=27, help="max epochs, R (default 27)")
    ap.add_argument("--train-limit", type=int, default=15000,
                    help="the first N training-file images (default 15000; 0: all 60000)")
    ap.add_argument("--val-fraction", type=float, default=0.2,
                    help="of those held out for validation (default 0.2)")
    ap.add_argument("--schedule", choices=["cosine", "constant"], default="cosine",
                    help="the learning rate over the epochs, on both sides: cosine over --epochs "
                         "(default), or constant")
    ap.add_argument("--jobs", type=int, default=2, help="sweeps at a time (default 2)")
    ap.add_argument("--engine-epochs", type=int, default=3,
                    help="time seed 0's random configurations for this many epochs in PyTorch "
                         "too (default 3; 0: not)")
    ap.add_argument("--methods", default=",".join(METHODS),
                    help="comma-separated, of: " + ", ".join(METHODS) + " (random is always run)")
    ap.add_argument("--quick", action="store_true",
                    help="1 seed, 6 + 16 trials of at most 9 epochs on 3,000 images: checks it runs")
    ap.add_argument("--out", help="keep every run in this folder (default: a temporary one)")
    ap.add_argument("--reuse", action="store_true", help="take the runs already in --out")
    ap.add_argument("--write", metavar="FILE", help="put the tables into FILE between the markers")
    ap.add_argument("--section", default="pruning",
                    help="with --write: between <!-- SECTION:begin --> and <!-- SECTION:end --> "
                         "(default pruning)")
    ap.add_argument("--hypersweep", default=os.path.join(ROOT, "build", "bin", "hypersweep"))
    a = ap.parse_args()
    if a.quick:
        a.seeds, a.trials, a.pruned_trials, a.epochs, a.train_limit = 1, 6, 16, 9, 3000
    a.methods = [m for m in a.methods.split(",") if m]
    unknown = [m for m in a.methods if m not in METHODS]
    if unknown:
        ap.error(f"--methods: unknown {', '.join(unknown)}; known: {', '.join(METHODS)}")
    a.methods = [m for m in METHODS if m == "random" or m in a.methods]
    if a.reuse and not a.out:
        ap.error("--reuse needs --out DIR")
    if not os.access(a.hypersweep, os.X_OK):
        ap.error(f"{a.hypersweep}: not built (scripts/build.sh)")
    try:  # read_trials needs it after the sweeps: said before any of them runs
        import h5py  # noqa: F401
    except ImportError:
        ap.error("needs h5py (Debian's python3-h5py: scripts/install-deps.sh --bench)")
    return a


def main():
    a = parse_args()
    temp = None
    if not a.out:
        temp = a.out = tempfile.mkdtemp(prefix="hs-pruning-")
    os.makedirs(a.out, exist_ok=True)
    t0 = time.perf_counter()
    try:
        runs, engine = run_all(a)
    except RuntimeError as e:  # a run that failed or did not check out: its own message
        sys.exit(f"pruning.py: {e}")
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    log(f"all runs in {time.perf_counter() - t0:.0f} s")
    setup = {"command": command_line(a), "cpu": pruning_report.cpu_name(), "cores": os.cpu_count(),
             "date": time.strftime("%Y-%m-%d"), "seeds": a.seeds, "first_seed": a.first_seed,
             "trials": a.trials,
             "pruned_trials": a.pruned_trials, "epochs": a.epochs, "train_limit": a.train_limit,
             "val_fraction": a.val_fraction, "schedule": a.schedule, "jobs": a.jobs,
             "methods": a.methods,
             "python": platform.python_version()}
    text = pruning_report.render(runs, setup, engine)
    print(text)
    if a.write:
        pruning_report.write_between_markers(a.write, text, f"<!-- {a.section}:begin -->",
                                             f"<!-- {a.section}:end -->")
        log(f"tables written into {a.write}")


if __name__ == "__main__":
    main()
