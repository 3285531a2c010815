#!/usr/bin/env python3
"""Pruning a PyTorch script in worker mode: a stopped trial ended in the program, or by killing it.

bench/torch_fashion_script.py (bench/worker_mode.py's script: an MLP on Fashion-MNIST, `import
torch` and the data load at module level) swept by tpe with the asha pruner (r = 1, eta = 3,
R = --epochs), 2 workers under mpirun, three ways:
  stopped  hypersweep, [objective] mode = "worker" with python/hypersweep_worker.py as it is: each
           epoch line waits for the sweep's answer, and a trial the pruner stops raises Stopped
           in the script, which goes on with the next trial (one start per worker)
  killed   the same sweep with the script's epoch lines plain (the helper told the sweep does not
           answer them, as before 2026-12-03): a stopped trial is ended by killing the program,
           which starts again, `import torch` and the data, for the next trial
  optuna   Optuna 3.1 in-process, TPESampler and SuccessiveHalvingPruner(min_resource=1,
           reduction_factor=3), study.optimize(n_jobs=2): the script's train() in two threads of
           a fresh interpreter (its imports and data load counted), report() calling
           trial.report() and raising TrialPruned when should_prune()
Each run's wall time is measured around the whole sweep (mpirun included); the program starts
are counted from the workers' logs. Medians over --repeats rounds, the three interleaved in each.

Needs python3-torch, python3-optuna, python3-h5py (scripts/install-deps.sh --bench),
dataset-fashion-mnist and a built hypersweep (scripts/build.sh). From the repository root:
  /usr/bin/python3 bench/worker_prune.py [--repeats 3] [--trials 16] [--epochs 9]
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

import worker_mode  # this folder's: the same sweep file and options
from worker_mode import add_sweep_args, child_args

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "torch_fashion_script.py")
MPI_ENV = {"OMP_NUM_THREADS": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1",
           "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}

# The "killed" arm's program: the same script, its trials told that no answers come, so their
# epoch lines are plain ones and a stop kills the program.
KILLED = """import sys
sys.path.insert(0, {here!r})
import torch_fashion_script as script
from hypersweep_worker import serve

def train(params, trial):
    trial._answers = False  # plain epoch lines: hypersweep ends a stopped trial by a kill
    return script.train(params, trial)

serve(train)
"""


def sweep_file(folder, arm, a):
    command = f"/usr/bin/python3 {SCRIPT}" if arm == "stopped" else \
        f"/usr/bin/python3 {os.path.join(folder, 'killed.py')}"
    pruner = f'pruner = "asha"\n\n[pruner]\nmin_epochs = 1\nreduction = 3\nmax_epochs = {a.epochs}\n'
    return worker_mode.sweep_file(folder, "worker", a, name=arm, command=command, pruner=pruner)


def run_hypersweep(folder, arm, a):
    import h5py  # Debian's python3-h5py
    out = os.path.join(folder, f"{arm}.h5")
    subprocess.run(["rm", "-rf", out, out + ".journal", out + ".logs"], check=True)
    cmd = ["mpirun", "--oversubscribe", "-np", str(a.workers + 1), a.hypersweep, "run",
           sweep_file(folder, arm, a), "--out", out]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env={**os.environ, **MPI_ENV}, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"worker_prune.py: {' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n"
                 f"{proc.stderr}")
    with h5py.File(out, "r") as f:
        status = [x.decode() for x in f["summary"]["status"]]
        best = max(float(v) for v, s in zip(f["summary"]["best_metric"], status)
                   if s == "completed")
    if any(s not in ("completed", "pruned") for s in status):
        sys.exit(f"worker_prune.py: {arm}: a trial neither completed nor pruned: {status}")
    starts = sum(open(p).read().count("ready after")
                 for p in glob.glob(os.path.join(out + ".logs", "worker-*.out")))
    return wall, starts, status.count("pruned"), best


def run_optuna(a):
    import optuna
    sys.path.insert(0, HERE)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    import torch_fashion_script as script  # import torch and the data load: paid once, counted

    class Trial:  # what hypersweep_worker hands train(), its report() Optuna's pruning
        def __init__(self, t):
            self.t, self.id, self.seed = t, t.number, 1000 + t.number

        def report(self, **v):
            self.t.report(v["val_acc"], v["epoch"])
            if self.t.should_prune():
                raise optuna.TrialPruned()

    def objective(t):
        params = {"lr": t.suggest_float("lr", 1e-3, 0.3, log=True),
                  "weight_decay": t.suggest_float("weight_decay", 1e-6, 1e-2, log=True),
                  "epochs": a.epochs}
        return script.train(params, Trial(t))["val_acc"]

    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=a.seed),
        pruner=optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3))
    study.optimize(objective, n_trials=a.trials, n_jobs=a.workers)
    pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)
    return pruned, study.best_value


def optuna_in_child(a):
    """Optuna in a fresh interpreter, so its imports and data load are counted like the others'."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), *child_args(a),
                           "--child-optuna"],
                          env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True,
                          text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"worker_prune.py: the Optuna run failed:\n{proc.stdout}\n{proc.stderr}")
    pruned, best = proc.stdout.split()[-2:]
    return wall, 1, int(pruned), float(best)


def main():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    add_sweep_args(ap, epochs=9, repeats=3)
    a = ap.parse_args()
    if a.child_optuna:
        print(*run_optuna(a))
        return
    rows = {arm: [] for arm in ("stopped", "killed", "optuna")}
    with tempfile.TemporaryDirectory(prefix="hs-worker-prune-") as folder:
        with open(os.path.join(folder, "killed.py"), "w") as f:
            f.write(KILLED.format(here=HERE))
        for r in range(a.repeats):
            for arm in rows:
                got = optuna_in_child(a) if arm == "optuna" else run_hypersweep(folder, arm, a)
                rows[arm].append(got)
                print(f"round {r + 1} {arm:>7}: wall {got[0]:6.1f} s, {got[1]} program starts, "
                      f"{got[2]} of {a.trials} pruned, best val_acc {got[3]:.4f}", flush=True)
    med = statistics.median
    print(f"\n{a.trials} trials, {a.workers} workers, asha r = 1, eta = 3, R = {a.epochs}; "
          f"medians of {a.repeats} round(s):")
    print("| arm | wall s | program starts | pruned | best val_acc |")
    print("|---|---:|---:|---:|---:|")
    for arm, rs in rows.items():
        cols = [med([x[k] for x in rs]) for k in range(4)]
        print(f"| {arm} | {cols[0]:.1f} | {cols[1]:g} | {cols[2]:g} | {cols[3]:.4f} |")
    s, k, o = (med([x[0] for x in rows[arm]]) for arm in ("stopped", "killed", "optuna"))
    print(f"wall time, killed / stopped: {k / s:.2f}; stopped / Optuna in-process: {s / o:.2f}")


if __name__ == "__main__":
    main()
