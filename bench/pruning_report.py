"""The figures and tables of bench/pruning.py, from its runs (each {method, seed, wall, trials:
[{id, status, epochs, best, seconds}, ...] in finishing order}); pruning.py's docstring defines
core-seconds. Plain functions over plain data, so the measure can be checked by hand."""
import math
import platform

THREADS = 1  # per trial, so core-seconds = seconds
LABEL = {
    "random": "random, full budgets",
    "asha-random": "asha + random",
    "asha-tpe": "asha + tpe",
    "asha-bayes": "asha + bayes",
    "hyperband-random": "hyperband + random",
    "hyperband-tpe": "hyperband + tpe",
    "hyperband-bayes": "hyperband + bayes",
    "optuna-sha": "Optuna TPE + SuccessiveHalvingPruner (PyTorch)",
    "optuna-hyperband": "Optuna TPE + HyperbandPruner (PyTorch)",
}
# hypersweep against Optuna: the same pruner's kind and TPE on both sides
PAIRS = [("asha-tpe", "optuna-sha"), ("hyperband-tpe", "optuna-hyperband")]
BEGIN, END = "<!-- pruning:begin -->", "<!-- pruning:end -->"


def best_values(run):
    return [t["best"] for t in run["trials"] if math.isfinite(t["best"])]


def timeline(run):
    """(core-seconds so far, best validation accuracy so far) after each trial, finishing order."""
    out, spent, best = [], 0.0, -math.inf
    for t in run["trials"]:
        spent += t["seconds"] * THREADS
        if math.isfinite(t["best"]):
            best = max(best, t["best"])
        out.append((spent, best))
    return out


def spent(run):
    return sum(t["seconds"] for t in run["trials"]) * THREADS


def time_to(run, target):
    """Core-seconds up to and including the first trial that reached target; None: not reached."""
    for c, best in timeline(run):
        if best >= target:
            return c
    return None


def best_at(run, budget):
    """The best accuracy of the trials finished within budget core-seconds; None: none had."""
    best = None
    for c, b in timeline(run):
        if c > budget:
            break
        best = b if math.isfinite(b) else best
    return best


def seconds_per_epoch(run):
    return spent(run) / max(1, sum(t["epochs"] for t in run["trials"]))


def median(values, missing=math.inf):
    """The middle value (the lower middle of an even count); None counts as `missing`."""
    xs = sorted(missing if v is None else v for v in values)
    return xs[(len(xs) - 1) // 2] if xs else missing


def fmt(x, form=None, none="not reached"):
    """x as text; core-seconds (form None) with fewer decimals the larger they are."""
    if x is None or not math.isfinite(x):
        return none
    if form is None:
        form = "{:.0f}" if abs(x) >= 100 else "{:.1f}" if abs(x) >= 10 else "{:.2f}"
    return form.format(x)


def spread(values, form=None, missing=math.inf, none="not reached"):
    """'median (min - max)' over the seeds."""
    xs = [missing if v is None else v for v in values]
    return (f"{fmt(median(xs), form, none)} ({fmt(min(xs), form, none)} - "
            f"{fmt(max(xs), form, none)})")


def seeds_of(setup):
    """The run's sweep seeds: --seeds of them from --first-seed (0 for runs from before it)."""
    first = setup.get("first_seed", 0)
    return range(first, first + setup["seeds"])


def per_seed(runs, setup):
    """seed -> {target, random's core-s to it, method -> (run, core-s to the target)}."""
    out = {}
    for s in seeds_of(setup):
        target = max(best_values(runs[("random", s)]))
        row = {"target": target}
        for m in setup["methods"]:
            row[m] = (runs[(m, s)], time_to(runs[(m, s)], target))
        out[s] = row
    return out


def summary_table(seeds, setup):
    lines = ["| method | epochs trained | s/epoch | core-s spent | wall s | best val_acc "
             "| reached the target | core-s to the target | of random's core-s to it |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    goal = []
    for m in setup["methods"]:
        rows = [seeds[s] for s in seeds]
        ratios = [None if r[m][1] is None else r[m][1] / r["random"][1] for r in rows]
        reached = sum(r[m][1] is not None for r in rows)
        lines.append(
            f"| {LABEL[m]} | {median([sum(t['epochs'] for t in r[m][0]['trials']) for r in rows]):.0f} "
            f"| {median([seconds_per_epoch(r[m][0]) for r in rows]):.3f} "
            f"| {spread([spent(r[m][0]) for r in rows])} | {fmt(median([r[m][0]['wall'] for r in rows]))} "
            f"| {spread([max(best_values(r[m][0]), default=None) for r in rows], '{:.4f}', -math.inf, '-')} "
            f"| {reached}/{len(rows)} | {spread([r[m][1] for r in rows])} "
            f"| {spread(ratios, '{:.2f}')} |")
        if m.startswith(("asha", "hyperband")):
            goal.append((median(ratios), m))
    met = [f"{LABEL[m]} ({r:.2f})" for r, m in sorted(goal) if r <= 1 / 3]
    best_r, best_m = min(goal) if goal else (math.inf, None)
    verdict = ("met by " + ", ".join(met)) if met else (
        f"not met; the closest is {LABEL[best_m]} at a median {fmt(best_r, '{:.2f}')}" if best_m
        else "not measured")
    lines.append("")
    lines.append(f"Goal: asha or hyperband reaches random search's best in at most 1/3 of its "
                 f"core-seconds (median ratio <= 0.33): {verdict}.")
    return lines


def seed_table(seeds, setup):
    head = "| seed | target | " + " | ".join(LABEL[m] for m in setup["methods"]) + " |"
    lines = [head, "|---|---:|" + "---:|" * len(setup["methods"])]
    for s, row in seeds.items():
        cells = [fmt(row[m][1], none="-") for m in setup["methods"]]
        lines.append(f"| {s} | {row['target']:.4f} | " + " | ".join(cells) + " |")
    return lines


def equal_budget_table(seeds, setup):
    """The best accuracy each method had at three budgets, set per seed."""
    marks = [("the cheapest run's end", lambda r: min(spent(r[m][0]) for m in setup["methods"])),
             ("1/3 of random's core-s to its best", lambda r: r["random"][1] / 3),
             ("random's core-s to its best", lambda r: r["random"][1])]
    lines = ["| method | " + " | ".join(name for name, _ in marks) + " |",
             "|---|" + "---:|" * len(marks)]
    budgets = {name: [f(seeds[s]) for s in seeds] for name, f in marks}
    for m in setup["methods"]:
        cells = []
        for name, _ in marks:
            values = [best_at(seeds[s][m][0], b) for s, b in zip(seeds, budgets[name])]
            cells.append(spread(values, "{:.4f}", -math.inf, "-"))
        lines.append(f"| {LABEL[m]} | " + " | ".join(cells) + " |")
    lines.append("| (the budget, core-s) | " + " | ".join(
        spread(budgets[name]) for name, _ in marks) + " |")
    return lines


def ratio(hs, op):
    """Optuna's core-s to the target over hypersweep's, as text: '>' / '<' when one side did not
    reach it (its whole run is then the bound), '-' when neither did; and its value."""
    (hs_run, hs_t), (op_run, op_t) = hs, op
    if hs_t is not None and op_t is not None:
        return f"{op_t / hs_t:.2f}", op_t / hs_t
    if hs_t is not None:
        return f">{spent(op_run) / hs_t:.2f}", spent(op_run) / hs_t
    if op_t is not None:
        return f"<{op_t / spent(hs_run):.2f}", op_t / spent(hs_run)
    return "-", None


def optuna_table(seeds, setup):
    pairs = [(h, o) for h, o in PAIRS if h in setup["methods"] and o in setup["methods"]]
    if not pairs:
        return []
    lines = ["| hypersweep | Optuna 3.1 | core-s to the target, hypersweep | Optuna | Optuna / "
             "hypersweep, per seed | median |",
             "|---|---|---:|---:|---|---:|"]
    for h, o in pairs:
        per = [ratio(seeds[s][h], seeds[s][o]) for s in seeds]
        order = sorted(range(len(per)), key=lambda i: -math.inf if per[i][1] is None else per[i][1])
        mid = per[order[(len(order) - 1) // 2]][0]
        lines.append(f"| {LABEL[h]} | {LABEL[o]} | {spread([seeds[s][h][1] for s in seeds])} "
                     f"| {spread([seeds[s][o][1] for s in seeds])} "
                     f"| {', '.join(p[0] for p in per)} | {mid} |")
    lines.append("")
    lines.append("Goal: hypersweep at least 3x faster to the target (median ratio >= 3). "
                 "'>': Optuna did not reach it, its whole run is the bound; '<': hypersweep did not.")
    return lines


def expected_time_to(run, target):
    """Random search's core-seconds to the target averaged over every order of its trials (its
    order is arbitrary: any is as likely): with m of them reaching it, a trial that does not comes
    before all m with chance 1/(m + 1), and each of the m is the first with chance 1/m."""
    hits = [t["seconds"] for t in run["trials"] if t["best"] >= target]
    misses = [t["seconds"] for t in run["trials"] if not t["best"] >= target]
    return (sum(hits) / len(hits) + sum(misses) / (len(hits) + 1)) * THREADS


def winner_facts(run, target):
    """For random search's run: the position of its first trial to reach the target (1-based),
    the first epoch at which any of its trials reached it, and the least core-seconds a pruner
    could spend on the same trials in the same order to reach it: one epoch of every trial before
    the winner, and the winner's epochs up to the first that reached the target."""
    trials = run["trials"]
    k = next(i for i, t in enumerate(trials) if t["best"] >= target)
    first_epoch = min(next(e + 1 for e, v in enumerate(t["epoch_val_acc"]) if v >= target)
                      for t in trials if t["best"] >= target)
    w = trials[k]
    w_epoch = next(e for e, v in enumerate(w["epoch_val_acc"]) if v >= target)
    floor = sum(t["epoch_seconds"][0] for t in trials[:k]) + w["epoch_seconds"][w_epoch]
    return k + 1, first_epoch, floor * THREADS


def why_lines(seeds, setup):
    """Why the first goal is hard on this set-up: where random search met its best, how late in
    training any configuration reached it, and the least a pruner on the same order could spend."""
    if "epoch_val_acc" not in seeds[min(seeds)]["random"][0]["trials"][0]:
        return []
    n = setup["trials"]
    lines = ["Where random search met its target, per seed (its order is the one its trials "
             "happened to run in; any order was as likely):", "",
             "| seed | winner's position | first epoch any trial reached the target | random's core-s "
             "to it | averaged over orders | the floor for a pruner on its order, of random's | "
             "asha + random, of random's | asha + random, of the average |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    early, floors, avg_ratios, epochs = 0, [], {m: [] for m in setup["methods"]}, []
    for s, row in seeds.items():
        run, t_random = row["random"]
        pos, first_epoch, floor = winner_facts(run, row["target"])
        avg = expected_time_to(run, row["target"])
        early += pos <= n // 2
        floors.append(floor / t_random)
        epochs.append(first_epoch)
        for m in setup["methods"]:
            avg_ratios[m].append(None if row[m][1] is None else row[m][1] / avg)
        asha = row.get("asha-random", (None, None))[1]
        lines.append(f"| {s} | {pos} of {n} | {first_epoch} | {fmt(t_random)} | {fmt(avg)} "
                     f"| {floor / t_random:.2f} | {fmt(None if asha is None else asha / t_random, '{:.2f}', '-')} "
                     f"| {fmt(None if asha is None else asha / avg, '{:.2f}', '-')} |")
    k = len(seeds)
    pruned = [(median(v), m) for m, v in avg_ratios.items() if m.startswith(("asha", "hyperband"))]
    closest = ""
    if pruned:  # --methods may leave out every pruned method
        best = min(pruned)
        closest = (" Against its core-seconds averaged over the orders of its trials instead, the "
                   f"closest pruned method, {LABEL[best[1]]}, takes a median "
                   f"{fmt(best[0], '{:.2f}')} of them.")
    late = ("(the cosine schedule anneals late)" if schedule(setup) == "cosine" else
            "(with a constant learning rate)")
    last_rung = setup["epochs"] // 3
    consequence = (f", so a pruner reaches it only by training a configuration past the rung at "
                   f"epoch {last_rung}, to the end" if min(epochs) > last_rung else "")
    lines += ["", f"No trial reached its seed's target before epoch {min(epochs)} of {setup['epochs']} "
              f"{late}{consequence}. In "
              f"{early} of {k} seeds random search met its best in the first half of its trials "
              f"(a chance of {sum(math.comb(k, j) for j in range(early, k + 1)) / 2 ** k:.2f} for "
              f"{early} or more of {k})"
              f"{', which makes its core-seconds to it small' if 2 * early > k else ''}.{closest} A "
              "pruner that kept only the winner past epoch 1, on random search's own order, would take a "
              f"median {median(floors):.2f} of random's own. The goal's measure stays the one "
              "above."]
    return lines


def engine_lines(engine, setup):
    """The engines on the same configurations, apart from the search."""
    hs, pt = engine["hypersweep"], engine["torch"]
    per = [p / h for p, h in zip(pt, hs)]
    return [f"The engines on the same work: seed {seeds_of(setup)[0]}'s {len(hs)} random-search "
            f"configurations, each "
            f"trained for its first {engine['setup']['engine_epochs']} epochs (of the "
            f"{setup['epochs']}-epoch schedule) on one thread, timed from building the model to "
            f"the end of that epoch's validation pass, "
            f"{'beside another sweep, as in the runs' if setup['jobs'] > 1 else 'alone, as the runs'}: "
            f"hypersweep {sum(hs):.1f} s in all, PyTorch {sum(pt):.1f} s ({sum(pt) / sum(hs):.2f}x); "
            f"per configuration PyTorch / hypersweep {spread(per, '{:.2f}')}."]


def schedule(setup):
    """The learning rate's schedule; runs from before pruning.py's --schedule were cosine."""
    return setup.get("schedule", "cosine")


def render(runs, setup, engine=None):
    seeds = per_seed(runs, setup)
    n = setup["train_limit"] or 60000
    n_val = math.floor(setup["val_fraction"] * n + 0.5)  # data/load.cpp's split_indices
    n_train = n - n_val
    text = [
        f"Measured {setup['date']} on {setup['cpu']} ({setup['cores']} cores), `{setup['command']}`.",
        f"Fashion-MNIST, the first {n:,} training-file images "
        f"({n_train:,} training, {n_val:,} validation; the 10,000 test images), the MLP "
        f"784-width-width-10, six parameters, at most {setup['epochs']} epochs, "
        f"{'a constant learning rate' if schedule(setup) == 'constant' else 'the cosine schedule'}"
        ", seeds "
        f"{seeds_of(setup)[0]} to {seeds_of(setup)[-1]}; "
        f"random search {setup['trials']} trials x {setup['epochs']} epochs, "
        f"each pruned sweep and Optuna study {setup['pruned_trials']} trials, r = 1, eta = 3, "
        f"R = {setup['epochs']}; one thread per trial, "
        f"{'one sweep' if setup['jobs'] == 1 else str(setup['jobs']) + ' sweeps'} at a time. "
        "Each seed's target is random search's best validation accuracy; figures are "
        "'median (min - max)' over the seeds.",
        "",
    ]
    text += summary_table(seeds, setup)
    text += ["", "s/epoch: core-seconds per epoch trained, which depends on the configurations a "
             "search chooses (batch size and width) as much as on the engine."]
    text += ["", "Core-seconds to the target, per seed ('-': not reached within the run):", ""]
    text += seed_table(seeds, setup)
    text += ["", "The best validation accuracy at equal core-seconds (each budget set per seed):", ""]
    text += equal_budget_table(seeds, setup)
    opt = optuna_table(seeds, setup)
    if opt:
        text += ["", "hypersweep against Optuna, the same pruner and TPE on both sides:", ""] + opt
    why = why_lines(seeds, setup)
    if why:
        text += [""] + why
    if engine:
        text += [""] + engine_lines(engine, setup)
    return "\n".join(text)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def write_between_markers(path, table, begin=BEGIN, end=END):
    """Replaces what lies between the markers begin and end in the file at path with table."""
    with open(path) as f:
        text = f.read()
    if begin not in text or end not in text:
        raise SystemExit(f"{path}: the markers {begin} and {end} are missing")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w") as f:
        f.write(f"{head}{begin}\n{table}\n{end}{tail}")
