#!/usr/bin/env python3
"""Worker mode against one process per trial against Optuna in-process, on one PyTorch script.

The issue-14 benchmark: 16 trials of bench/torch_fashion_script.py (an MLP on Fashion-MNIST,
`import torch` and the data load paid by every process that starts) with 2 workers, run three
ways on the same script, data and search space (lr and weight decay, log-uniform; tpe):
  trial   hypersweep [objective] mode = "trial": one process per trial (mpirun -np 3)
  worker  hypersweep [objective] mode = "worker": one process per worker (mpirun -np 3)
  optuna  Optuna in-process, study.optimize(n_trials=16, n_jobs=2): the script's train()
          called in two threads of this process (data loaded once)
Each run's wall time is measured around the whole sweep; a trial's training time is what the
script reports as train_seconds (inside train(), data already loaded). Two overheads:
  per trial   hypersweep's own measure of the trial (its `seconds`: from handing the trial
              over to its result) minus its training time, median over the trials: what each
              trial costs beyond its training (process start, `import torch`, data load and
              the protocol in trial mode; the protocol alone in worker mode)
  amortized   (workers x wall - sum of training times) / trials: everything, the one-time
              start-up of each worker and idle time at the end included, spread over the trials
Quoted as medians over --repeats rounds, the three modes interleaved within each round.

Needs Debian's python3-torch (scripts/install-deps.sh --bench), python3-optuna and
dataset-fashion-mnist, and a built hypersweep (scripts/build.sh). Run from the repository root:
  /usr/bin/python3 bench/worker_mode.py [--repeats 3] [--epochs 8]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCRIPT = os.path.join(HERE, "torch_fashion_script.py")
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}


def sweep_file(folder, mode, a, name=None, command=None, pruner=""):
    """The sweep of `mode` over the script (or `command`) in folder/<name or mode>.toml; `pruner`:
    [sweep] pruner lines and a [pruner] table (bench/worker_prune.py's)."""
    if command is None:
        command = (f"/usr/bin/python3 {SCRIPT}" if mode == "worker" else
                   f"/usr/bin/python3 {SCRIPT} lr={{lr}} weight_decay={{weight_decay}} epochs={{epochs}}")
    name = name or mode
    path = os.path.join(folder, f"{name}.toml")
    with open(path, "w") as f:
        f.write(f"""# bench/{os.path.basename(sys.argv[0])}: {name}
[objective]
command = "{command}"
mode = "{mode}"
timeout = 600

[sweep]
strategy = "tpe"
trials = {a.trials}
seed = {a.seed}
metric = "val_acc"
{pruner}
[space]
lr = {{ log_uniform = [1e-3, 0.3] }}
weight_decay = {{ log_uniform = [1e-6, 1e-2] }}
epochs = {a.epochs}
""")
    return path


def run_hypersweep(folder, mode, a):
    import h5py  # Debian's python3-h5py
    config = sweep_file(folder, mode, a)
    out = os.path.join(folder, f"{mode}.h5")
    for p in (out, out + ".journal"):
        if os.path.exists(p):
            os.remove(p)
    cmd = ["mpirun", "--oversubscribe", "-np", str(a.workers + 1), a.hypersweep, "run", config,
           "--out", out]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env={**os.environ, **MPI_ENV}, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"worker_mode.py: {' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    with h5py.File(out, "r") as f:
        s = f["summary"][:]
        status = [x.decode() for x in s["status"]]
        if any(x != "completed" for x in status):
            sys.exit(f"worker_mode.py: {mode}: not every trial completed: {status}")
        train = [float(x) for x in s["train_seconds"]]
        per_trial = statistics.median(float(x) - t for x, t in zip(s["seconds"], train))
        best = float(max(s["best_metric"]))
    return wall, train, best, per_trial


def run_optuna(a):
    import optuna
    sys.path.insert(0, HERE)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    os.environ["OMP_NUM_THREADS"] = "1"
    t0 = time.perf_counter()
    import torch_fashion_script as script  # import torch and the data load: paid once, counted

    class Trial:  # what hypersweep_worker hands train(); report() is a no-op here
        def __init__(self, number):
            self.id, self.seed = number, 1000 + number

        def report(self, **_):
            pass

    lock = threading.Lock()
    train = []

    def objective(trial):
        params = {"lr": trial.suggest_float("lr", 1e-3, 0.3, log=True),
                  "weight_decay": trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True),
                  "epochs": a.epochs}
        r = script.train(params, Trial(trial.number))
        with lock:
            train.append(r["train_seconds"])
        return r["val_acc"]

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=a.seed))
    study.optimize(objective, n_trials=a.trials, n_jobs=a.workers)
    return time.perf_counter() - t0, train, study.best_value, float("nan")


def optuna_in_child(a):
    """Optuna in a fresh interpreter, so its imports and data load are counted like the others'."""
    code = (f"import sys, json; sys.argv = {['worker_mode.py', '--child-optuna'] + child_args(a)!r}; "
            f"sys.path.insert(0, {HERE!r}); import worker_mode; worker_mode.main()")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"worker_mode.py: optuna run failed:\n{proc.stdout}\n{proc.stderr}")
    last = proc.stdout.strip().splitlines()[-1].split()
    return wall, [float(x) for x in last[2:]], float(last[1]), float("nan")


def child_args(a):
    return ["--trials", str(a.trials), "--workers", str(a.workers), "--epochs", str(a.epochs),
            "--seed", str(a.seed)]


def add_sweep_args(ap, epochs, repeats):
    """The options of this script and bench/worker_prune.py: the sweep's shape, the rounds, the
    binary, and the flag that makes the script the Optuna run's fresh interpreter."""
    ap.add_argument("--trials", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=epochs)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=repeats)
    ap.add_argument("--hypersweep", default=os.path.join(ROOT, "build", "bin", "hypersweep"))
    ap.add_argument("--child-optuna", action="store_true", help=argparse.SUPPRESS)


def main():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    add_sweep_args(ap, epochs=8, repeats=1)
    a = ap.parse_args()
    if a.child_optuna:
        wall, train, best, _ = run_optuna(a)
        print("optuna", best, " ".join(f"{t:.6f}" for t in train))
        return
    rows = {m: [] for m in ("trial", "worker", "optuna")}
    with tempfile.TemporaryDirectory(prefix="hs-worker-mode-") as folder:
        for r in range(a.repeats):
            for mode in rows:
                wall, train, best, per_trial = (optuna_in_child(a) if mode == "optuna"
                                                else run_hypersweep(folder, mode, a))
                over = (a.workers * wall - sum(train)) / a.trials
                mean_train = sum(train) / len(train)
                rows[mode].append((wall, mean_train, per_trial, over, best))
                print(f"round {r + 1} {mode:>6}: wall {wall:7.1f} s, training {mean_train:5.2f} s/trial, "
                      f"overhead per trial {per_trial:5.2f} s, amortized {over:5.2f} s/trial "
                      f"({100 * over / mean_train:4.1f}%), best val_acc {best:.4f}", flush=True)
    med = lambda xs: statistics.median(xs)  # noqa: E731
    print(f"\n{a.trials} trials, {a.workers} workers, {a.epochs} epochs each; medians of {a.repeats} round(s):")
    print(f"| mode | wall s | training s/trial | overhead per trial s (%) | amortized s/trial (%) | best val_acc |")
    print("|---|---|---|---|---|---|")
    for mode, rs in rows.items():
        wall, tr, per, over, best = (med([x[k] for x in rs]) for k in range(5))
        per_text = "-" if per != per else f"{per:.2f} ({100 * per / tr:.1f}%)"
        print(f"| {mode} | {wall:.1f} | {tr:.2f} | {per_text} | {over:.2f} ({100 * over / tr:.1f}%) | {best:.4f} |")
    w, o = med([x[0] for x in rows["worker"]]), med([x[0] for x in rows["optuna"]])
    print(f"worker mode / Optuna in-process wall time: {w / o:.3f}")


if __name__ == "__main__":
    main()
