#!/usr/bin/python3
"""The scheduler simulator's table (issue 17): how far one rank 0 keeps N workers busy.

  bench/sim_table.py [--bin build/bin] [--write bench/README.md] [--json FILE]
  bench/sim_table.py --from-json FILE [--write bench/README.md]   # tabulate saved runs again

Run from the repository root. For N = 64, 512 and 4,096 workers, trials of median 10 min and
30 s (log-normal, sigma 0.5, 10 epochs each), it runs build/bin/sim_scheduler with random, tpe,
bayes, and asha under random and tpe, each sweep's results file in a temporary folder on this
machine's disk (its appends fsync'd as a real sweep's are), and tabulates utilisation, queue
waits, rank 0's busy fraction and peak memory. Trials: max(1,024, 2.5 N) (10,240 at N = 4,096,
so the asks reach 10k), for every strategy (bayes's model is capped, search/bayes.h). A second
table gives the cost per ask and per judged epoch as trials accumulate, at 4,096 workers with
30 s trials: measured where the runs reach (random's, tpe's asks and asha's judges also in
102,400-trial runs without a results file), else extrapolated by a power law fitted to the
run's last doublings (marked ~); bayes's from a 10,240-trial run with 64 workers without a
results file (at 4,096 workers its first 4,096 asks come before any result and cost nothing).
--write replaces the text between <!-- sim:begin --> and <!-- sim:end --> in the file given.
About 30 minutes on 2 cores.
"""
import argparse
import atexit
import datetime
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

NS = [64, 512, 4096]
MEDIANS = [600, 30]
CONFIGS = [("random", "none"), ("tpe", "none"), ("bayes", "none"), ("random", "asha"),
           ("tpe", "asha")]


def name(strategy, pruner):
    return strategy if pruner == "none" else f"asha + {strategy}"


def trials_for(n):
    return max(1024, math.ceil(2.5 * n))


def sim(binary, tmp, args):
    out = os.path.join(tmp, "sim.h5")
    cmd = [f"{binary}/sim_scheduler", "--json", "--seed", "1"] + [str(a) for a in args]
    if "--no-file" not in args:
        cmd += ["--out", out]
    sys.stderr.write(" ".join(cmd[1:]) + "\n")
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    for f in (out, out + ".journal"):
        if os.path.exists(f):
            os.remove(f)
    return r


def fit(curve, k):
    """The cost at k from the curve's points, measured if there, else a power law (~)."""
    pts = {int(a): b for a, b in curve}
    if k in pts:
        return pts[k], False
    tail = sorted((a, b) for a, b in pts.items() if a & (a - 1) == 0 and a >= 128)[-4:]
    if len(tail) < 3:
        return None, False
    xs = [math.log(a) for a, _ in tail]
    ys = [math.log(b) for _, b in tail]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    p = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return math.exp(my + p * (math.log(k) - mx)), True


def seconds(s, approx=False):
    if s is None:
        return "-"
    t = f"{s * 1e6:.0f} us" if s < 1e-3 else f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.1f} s"
    return ("~" if approx else "") + t


def wait(s):
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.1f} s"


def share(x):
    """A fraction as a percentage; '-' where sim_scheduler gives none (null: every trial handed
    out within its first bin)."""
    return "-" if x is None else f"{100 * x:.1f}%"


def grid_rows(runs):
    rows = ["| N | trial median | strategy | trials | utilisation | while fed | wait median "
            "| wait p99 | rank 0 busy | peak memory | ask (mean per trial) |",
            "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (n, median, strategy, pruner), r in runs.items():
        label = f"{median // 60} min" if median >= 60 else f"{median} s"
        # ask_count also counts the empty asks of workers left idle at the end (about N of them,
        # nearly free), so the mean is over the trials asked
        ask = r["ask_s"] / max(1, r["trials"])
        rows.append(
            f"| {n:,} | {label} | {name(strategy, pruner)} | {r['trials']:,} "
            f"| {100 * r['utilisation']:.1f}% | {share(r['utilisation_fed'])} "
            f"| {wait(r['wait_median_s'])} | {wait(r['wait_p99_s'])} "
            f"| {100 * r['rank0_fraction']:.2f}% | {r['peak_rss_kb'] / 1024:.0f} MB "
            f"| {seconds(ask)} |")
    return rows


def cost_rows(runs, big, asha):
    rows = ["| strategy | ask at 1k | ask at 10k | ask at 100k | judge at 10k | judge at 100k |",
            "|---|---:|---:|---:|---:|---:|"]
    for strategy, pruner in CONFIGS:
        ask_curve = big.get(strategy, runs.get((4096, 30, strategy, pruner)))["ask_curve"]
        cells = [seconds(*fit(ask_curve, k)) for k in (1000, 10000, 100000)]
        judge = [seconds(*fit(asha["judge_curve"], k)) if pruner != "none" else "-"
                 for k in (10000, 100000)]
        rows.append(f"| {name(strategy, pruner)} | " + " | ".join(cells + judge) + " |")
    return rows


def run_all(binary):
    """Every run of the tables: the grid, then the long runs the cost table reads."""
    tmp = tempfile.mkdtemp(prefix="sim_table_")
    atexit.register(shutil.rmtree, tmp, True)  # on any exit, an error's too
    runs = {}
    for n in NS:
        for median in MEDIANS:
            for strategy, pruner in CONFIGS:
                runs[(n, median, strategy, pruner)] = sim(
                    binary, tmp, ["--workers", n, "--trials", trials_for(n), "--median-s", median,
                                 "--strategy", strategy, "--pruner", pruner])
    big = {s: sim(binary, tmp, ["--workers", 4096, "--trials", 102400, "--median-s", 30,
                               "--strategy", s, "--no-file"]) for s in ("random", "tpe")}
    # at 4,096 workers bayes's first 4,096 asks come before any result (uniform, free): 64
    # workers, so that its asks from the 1,000th on fit its capped model
    big["bayes"] = sim(binary, tmp, ["--workers", 64, "--trials", 10240, "--median-s", 30,
                                    "--strategy", "bayes", "--no-file"])
    asha = sim(binary, tmp, ["--workers", 4096, "--trials", 102400, "--median-s", 30, "--pruner",
                            "asha", "--no-file"])
    os.rmdir(tmp)
    return runs, big, asha


def main():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--write")
    ap.add_argument("--json")
    ap.add_argument("--from-json", help="tabulate the runs a previous --json saved, run nothing")
    a = ap.parse_args()
    if not a.from_json and not os.access(os.path.join(a.bin, "sim_scheduler"), os.X_OK):
        ap.error(f"{os.path.join(a.bin, 'sim_scheduler')}: not built (scripts/build.sh), or give "
                 "--bin")
    if a.from_json:
        saved = json.load(open(a.from_json))
        runs = {(r["n"], r["median"], r["strategy"], r["pruner"]): r["result"]
                for r in saved["runs"]}
        big, asha = saved["big"], saved["asha"]
    else:
        runs, big, asha = run_all(a.bin)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    text = "\n".join(
        [f"Measured {datetime.date.today()} on {cpu} ({os.cpu_count()} cores, shared), "
         "`bench/sim_table.py`; log-normal trial durations (sigma 0.5), 10 epochs each, "
         "4 uniform parameters, each sweep's results file on the local disk.", ""]
        + grid_rows(runs)
        + ["", "Cost per ask and per judged epoch as trials accumulate (4,096 workers, 30 s trials; "
           "median over the asks of trials [0.9k, k); ~: extrapolated by a power law through the "
           "run's last doublings; random's and tpe's asks, and asha's judges (under random), "
           "from 102,400-trial runs without a results file; bayes's from a 10,240-trial run "
           "with 64 workers without one; asha + random's and asha + tpe's asks are random's and "
           "tpe's):", ""]
        + cost_rows(runs, big, asha))
    print(text)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"runs": [dict(zip(("n", "median", "strategy", "pruner"), k), result=v)
                                for k, v in runs.items()], "big": big, "asha": asha},
                      f)
    if a.write:
        doc = open(a.write).read()
        begin, end = "<!-- sim:begin -->", "<!-- sim:end -->"
        i, j = doc.index(begin) + len(begin), doc.index(end)
        with open(a.write, "w") as f:
            f.write(doc[:i] + "\n" + text + "\n" + doc[j:])


if __name__ == "__main__":
    main()
