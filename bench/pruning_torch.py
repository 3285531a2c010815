#!/usr/bin/python3
"""The Optuna side of bench/pruning.py: Optuna 3.1's TPE with its SuccessiveHalvingPruner or
HyperbandPruner, driving hypersweep's built-in MLP rewritten in PyTorch, on the same data.

    /usr/bin/python3 bench/pruning_torch.py --pruner sha|hyperband --trials 64 --seed 0 \
        [--epochs 27] [--train-limit 15000] [--val-fraction 0.2] --out run.json
    /usr/bin/python3 bench/pruning_torch.py --configs configs.json --engine-epochs 3 --out t.json

What is the same as hypersweep's built-in trainer (src/train, src/nn, src/optim, src/data), so
that only the engine and the search differ:
  - data: the first --train-limit images of Fashion-MNIST's training file (Debian's
    dataset-fashion-mnist), and exactly hypersweep's validation split of them (split_seed 0:
    core/rng.h's splitmix64 and xoshiro256** ported below, data/load.cpp's split_indices), pixels
    scaled to [0, 1] and then min-max normalised from the training split as `normalize = "auto"`
    does; the whole test file, evaluated once with the best epoch's weights (not for a pruned
    trial: hypersweep does not test those);
  - model: 784 -> width -> width -> 10, ReLU, dropout after each hidden activation, He-normal
    weights (std sqrt(2 / fan_in), the output layer too) and zero biases;
  - training: mean softmax cross-entropy, SGD with momentum (v = mu v + g, w -= lr v: PyTorch's
    SGD without dampening), L2 weight decay on the weights and not the biases, the cosine
    schedule per epoch over --epochs (lr0 (1 + cos(pi (e - 1) / E)) / 2; with --schedule
    constant, lr0 throughout), the last minibatch of an
    epoch smaller, a batch larger than the training set cut to it, a non-finite loss ending the
    trial (diverged); one thread (torch.set_num_threads(1)).
What differs: the random streams (weights, minibatch order, dropout masks), and the search.
Each trial's seconds are measured around the whole objective (building the model, every epoch,
the validation and test passes), as hypersweep's `seconds` is measured around its trial.
The output (--out) is JSON: the study's settings, its wall time, and its trials in the order they
finished, each {id, status (completed, pruned or diverged), epochs, best (the best validation
accuracy it reached), seconds, params}. With --configs it times given configurations instead
(time_configs), so that the two engines are compared on the same work.
"""
import argparse
import gzip
import json
import math
import os
import time

DATA = os.environ.get("FASHION_MNIST", "/usr/share/datasets/fashion-mnist")
EVAL_BATCH = 1000
# The searched space, shared with bench/pruning.py's sweep files: name, kind, low, high.
SPACE = [
    ("lr", "log_uniform", 1e-3, 0.3),
    ("weight_decay", "log_uniform", 1e-6, 1e-2),
    ("momentum", "uniform", 0.5, 0.99),
    ("batch_size", "int_log", 32, 512),
    ("width", "int_log", 32, 512),
    ("dropout", "uniform", 0.0, 0.5),
]
MASK = (1 << 64) - 1
SPLIT_PURPOSE = 4  # core/rng.h: SeedPurpose::kSplit
VAL_SPLIT_ID = 0   # data/load.cpp: kValSplitId


def splitmix64(state):
    """core/rng.h's splitmix64: (the new state, the output)."""
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def derive_seed(seed, ident, purpose):
    _, a = splitmix64(seed)
    _, b = splitmix64(a ^ ((ident * 0xD1342543DE82EF95) & MASK))
    return splitmix64(b ^ ((purpose * 0xA0761D6478BD642F) & MASK))[1]


class Rng:
    """core/rng.h's Rng (xoshiro256**): the draws the validation split takes."""

    def __init__(self, seed):
        self.s = []
        for _ in range(4):
            seed, w = splitmix64(seed)
            self.s.append(w)

    def next_u64(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK  # noqa: E731
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def shuffle(self, items):
        for i in range(len(items), 1, -1):
            j = (self.next_u64() * i) >> 64
            items[i - 1], items[j] = items[j], items[i - 1]


# What core/rng.h gives (a C++ program over that header printed them): derive_seed(0, 0, kSplit),
# and the first five of 0..19999 shuffled by an Rng of that seed. check_port() compares the port.
SPLIT_SEED_0 = 15348784463939962006
SHUFFLED_20000 = [15968, 10774, 9807, 6932, 11979]


def split_indices(n, fraction, seed):
    """data/load.cpp's split_indices: (the training rows, the validation rows), each sorted."""
    order = list(range(n))
    Rng(seed).shuffle(order)
    k = int(math.floor(fraction * n + 0.5))  # llround, for the non-negative values here
    return sorted(order[k:]), sorted(order[:k])


def check_port():
    order = list(range(20000))
    seed = derive_seed(0, VAL_SPLIT_ID, SPLIT_PURPOSE)
    Rng(seed).shuffle(order)
    if seed != SPLIT_SEED_0 or order[:5] != SHUFFLED_20000:
        raise SystemExit("pruning_torch.py: the port of core/rng.h draws other numbers than it: "
                         "the validation split would not be hypersweep's")


def load_idx(name):
    import numpy as np
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(train_limit, val_fraction, split_seed=0):
    """Tensors (x_train, y_train, x_val, y_val, x_test, y_test), as hypersweep's load_data."""
    import numpy as np
    import torch
    x = load_idx("train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    y = load_idx("train-labels-idx1-ubyte.gz").astype(np.int64)
    if train_limit:
        x, y = x[:train_limit], y[:train_limit]
    xt = load_idx("t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    yt = load_idx("t10k-labels-idx1-ubyte.gz").astype(np.int64)
    check_port()
    tr, va = split_indices(len(x), val_fraction, derive_seed(split_seed, VAL_SPLIT_ID, SPLIT_PURPOSE))
    lo, hi = float(x[tr].min()), float(x[tr].max())
    scale = 1.0 / (hi - lo) if hi > lo else 1.0
    norm = lambda a: torch.from_numpy(((a.astype(np.float64) - lo) * scale).astype(np.float32))  # noqa: E731
    return (norm(x[tr]), torch.from_numpy(y[tr]), norm(x[va]), torch.from_numpy(y[va]),
            norm(xt), torch.from_numpy(yt))


def build(width, dropout):
    import torch
    import torch.nn as nn
    layers, fan_in = [], 784
    for _ in range(2):
        layers += [nn.Linear(fan_in, width), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        fan_in = width
    layers.append(nn.Linear(fan_in, 10))
    model = nn.Sequential(*layers)
    with torch.no_grad():
        for m in model:
            if isinstance(m, nn.Linear):
                m.weight.normal_(0.0, math.sqrt(2.0 / m.in_features))
                m.bias.zero_()
    return model


def evaluate(model, x, y):
    """Accuracy as correct / n in double, as hypersweep counts it."""
    import torch
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), EVAL_BATCH):
            correct += int((model(x[i:i + EVAL_BATCH]).argmax(1) == y[i:i + EVAL_BATCH]).sum())
    model.train()
    return correct / len(x)


def train_trial(p, seed, data, epochs, report, schedule="cosine"):
    """One trial; report(epoch, val_acc) returns False to stop it there (pruned).
    Returns (status, epochs run, best validation accuracy, test accuracy at the best epoch)."""
    import torch
    import torch.nn.functional as F
    x, y, xv, yv, xt, yt = data
    torch.manual_seed(seed)
    model = build(int(p["width"]), p["dropout"])
    decayed = [m.weight for m in model if hasattr(m, "weight")]
    biases = [m.bias for m in model if hasattr(m, "bias")]
    opt = torch.optim.SGD([{"params": decayed, "weight_decay": p["weight_decay"]},
                           {"params": biases, "weight_decay": 0.0}], lr=p["lr"], momentum=p["momentum"])
    bs = min(int(p["batch_size"]), len(x))
    g = torch.Generator().manual_seed(seed)
    best, best_state = -1.0, None
    for epoch in range(1, epochs + 1):
        for group in opt.param_groups:
            group["lr"] = (p["lr"] if schedule == "constant" else
                           0.5 * p["lr"] * (1.0 + math.cos(math.pi * (epoch - 1) / epochs)))
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), bs):
            idx = perm[i:i + bs]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            if not math.isfinite(loss.item()):
                return "diverged", epoch, best, _test(model, best_state, xt, yt)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        val_acc = evaluate(model, xv, yv)
        if val_acc > best:
            best, best_state = val_acc, {k: v.clone() for k, v in model.state_dict().items()}
        if not report(epoch, val_acc):
            return "pruned", epoch, best, float("nan")  # not tested, as hypersweep's pruned trials
    return "completed", epochs, best, _test(model, best_state, xt, yt)


def _test(model, state, xt, yt):
    if state is None:
        return float("nan")
    model.load_state_dict(state)
    return evaluate(model, xt, yt)


def suggest(trial):
    p = {}
    for name, kind, lo, hi in SPACE:
        if kind.startswith("int"):
            p[name] = trial.suggest_int(name, lo, hi, log=kind == "int_log")
        else:
            p[name] = trial.suggest_float(name, lo, hi, log=kind == "log_uniform")
    return p


def make_pruner(name, epochs):
    import optuna
    if name == "sha":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3,
                                                      min_early_stopping_rate=0)
    return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=epochs, reduction_factor=3)


def run_study(a):
    import optuna
    import torch
    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    data = load(a.train_limit, a.val_fraction)
    trials = []

    def objective(trial):
        p = suggest(trial)
        t0 = time.perf_counter()

        def report(epoch, val_acc):
            trial.report(val_acc, epoch)
            return not trial.should_prune()

        status, epochs, best, test = train_trial(p, a.seed * 1_000_003 + trial.number, data, a.epochs,
                                                 report, a.schedule)
        trials.append({"id": trial.number, "status": status, "epochs": epochs, "best": best,
                       "test_acc": test, "seconds": time.perf_counter() - t0, "params": p})
        if status == "pruned":
            raise optuna.TrialPruned()
        return best if status == "completed" else float("nan")  # NaN: Optuna records it failed

    # A fixed study name: HyperbandPruner draws a trial's bracket from crc32 of the study's name
    # and the trial's number, and a created study's default name is a fresh random one.
    study = optuna.create_study(study_name=f"pruning-{a.pruner}-{a.seed}", direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=a.seed),
                                pruner=make_pruner(a.pruner, a.epochs))
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=a.trials)
    return {"pruner": a.pruner, "seed": a.seed, "trials_asked": a.trials, "epochs": a.epochs,
            "schedule": a.schedule,
            "train_limit": a.train_limit, "train": len(data[0]), "val": len(data[2]),
            "optuna": optuna.__version__, "torch": torch.__version__,
            "wall": time.perf_counter() - t0, "trials": trials}


def time_configs(a):
    """The engines side by side: each configuration of --configs (a JSON list of
    {"params", "seed"}) trained for its first --engine-epochs epochs of an --epochs schedule;
    the seconds from building the model to the end of that epoch's validation pass, as
    hypersweep's curves time an epoch."""
    import torch
    torch.set_num_threads(1)
    data = load(a.train_limit, a.val_fraction)
    with open(a.configs) as f:
        configs = json.load(f)
    out = []
    for c in configs:
        t0, seconds = time.perf_counter(), []

        def report(epoch, _):
            seconds.append(time.perf_counter() - t0)
            return epoch < a.engine_epochs

        status, _, _, _ = train_trial(c["params"], c["seed"], data, a.epochs, report, a.schedule)
        # A configuration that diverged before the last timed epoch has no figure to compare.
        out.append({"seconds": seconds[-1] if seconds else None, "epochs": len(seconds),
                    "status": status})
    return {"engine_epochs": a.engine_epochs, "torch": torch.__version__, "trials": out}


def main():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--pruner", choices=["sha", "hyperband"])
    ap.add_argument("--configs", help="time these configurations instead of running a study")
    ap.add_argument("--engine-epochs", type=int, default=3)
    ap.add_argument("--trials", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=27)
    ap.add_argument("--train-limit", type=int, default=15000)
    ap.add_argument("--val-fraction", type=float, default=0.2)
    ap.add_argument("--schedule", choices=["cosine", "constant"], default="cosine")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    if not a.pruner and not a.configs:
        ap.error("give --pruner (a study) or --configs (the engine's timing)")
    result = time_configs(a) if a.configs else run_study(a)
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
    os.replace(tmp, a.out)  # a run cut short leaves no file that looks finished


if __name__ == "__main__":
    main()
