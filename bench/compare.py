#!/usr/bin/python3
"""compare.py: hypersweep's CPU engine beside PyTorch on Fashion-MNIST, side by side in one run.

    bench/compare.py [--rounds 3] [--build build] [--write bench/README.md]

What it measures (issue 2's speed goals), all on this machine in this one run:
  1. Training steps, one thread: bench_train's BM_TrainStep (MLP 784-256-256-10 at batch 128
     and 32, the small CNN at batch 128) and bench/torch_baseline.py on the same models, in
     interleaved rounds so that both see the same machine load. PyTorch runs once with the
     OpenBLAS kernels it picks by itself and once per --coretypes entry (OPENBLAS_CORETYPE);
     the goal is judged against the default and, more strictly, against the fastest.
  2. GFLOP/s per model and its fraction of Eigen's own 1024^3 SGEMM rate (BM_Gemm).
  3. OpenMP scaling: one whole epoch (BM_Epoch) with 1 and 2 threads.
  4. Peak memory (max RSS, /usr/bin/time -v) of `hypersweep train` for one Fashion-MNIST epoch,
     against the data set's size in float32.
Every figure is the median over the rounds. --write puts the table into the file between the
markers `<!-- compare:begin -->` and `<!-- compare:end -->`.
Needs: a Release build (scripts/build.sh), scripts/install-deps.sh --bench.
"""
import argparse
import gzip
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/datasets/fashion-mnist"  # Debian package dataset-fashion-mnist
CASES = {  # case -> (bench_train name, goal: hypersweep / PyTorch samples/s)
    "mlp_b128": ("BM_TrainStep/mlp/batch:128/min_time:1.000", 1.25),
    "mlp_b32": ("BM_TrainStep/mlp/batch:32/min_time:1.000", 2.0),
    "cnn_b128": ("BM_TrainStep/cnn/batch:128/min_time:2.000", 1.0),
}
LABEL = {"mlp_b128": "MLP, batch 128", "mlp_b32": "MLP, batch 32", "cnn_b128": "CNN, batch 128"}


def log(msg):
    print(f"[compare {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None):
    full = dict(os.environ, **(env or {}))
    p = subprocess.run(cmd, capture_output=True, text=True, env=full, cwd=ROOT)
    if p.returncode != 0:
        sys.exit(f"compare: `{' '.join(cmd)}` failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return p


def bench_train(binary, regex):
    out = run([binary, f"--benchmark_filter={regex}", "--benchmark_format=json"]).stdout
    res = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("error_occurred"):
            sys.exit(f"compare: {b['name']}: {b.get('error_message')}")
        res[b["name"]] = b
    return res


def torch_rates(coretype):
    env = {"OMP_NUM_THREADS": "1"}
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    out = run(["/usr/bin/python3", "bench/torch_baseline.py", "--threads", "1"], env).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {r["case"]: r for r in rows}


def peak_rss_mb(hypersweep, arch):
    cmd = ["/usr/bin/time", "-v", hypersweep, "train", "--quiet", "--set", "epochs=1",
           "--set", f"arch={arch}", "--set", "threads=1"]
    err = run(cmd).stderr
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))
    return kb * 1024 / 1e6


def dataset_mb():
    """Fashion-MNIST train + test images as float32, from the IDX headers."""
    total = 0
    for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        with gzip.open(os.path.join(DATA, name), "rb") as f:
            head = f.read(16)
        n, h, w = (int.from_bytes(head[4 * i:4 * i + 4], "big") for i in (1, 2, 3))
        total += n * h * w * 4
    return total / 1e6


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--build", default="build", help="CMake build folder (default build)")
    ap.add_argument("--coretypes", default="SkylakeX,Cooperlake",
                    help="OPENBLAS_CORETYPE values PyTorch is also run with ('' for none)")
    ap.add_argument("--write", metavar="FILE", help="put the table into FILE between the markers")
    args = ap.parse_args()

    binary = os.path.join(ROOT, args.build, "bin", "bench_train")
    hypersweep = os.path.join(ROOT, args.build, "bin", "hypersweep")
    for f in (binary, hypersweep):
        if not os.access(f, os.X_OK):
            sys.exit(f"compare: {f} not found; build first (scripts/build.sh)")
    coretypes = [""] + [c for c in args.coretypes.split(",") if c]

    ours = {c: [] for c in CASES}
    gflops = {c: [] for c in CASES}
    gemm, epochs = [], {}
    torch = {ct: {c: [] for c in CASES} for ct in coretypes}
    cores = {}
    for r in range(args.rounds):
        log(f"round {r + 1}/{args.rounds}: bench_train (GEMM, training steps, epochs)")
        res = bench_train(binary, "BM_Gemm|BM_TrainStep|BM_Epoch")
        gemm.append(res["BM_Gemm/1024"]["GFLOPs"] / 1e9)
        for c, (name, _) in CASES.items():
            ours[c].append(res[name]["items_per_second"])
            gflops[c].append(res[name]["GFLOPs"] / 1e9)
        for name, b in res.items():
            if name.startswith("BM_Epoch"):
                epochs.setdefault(name, []).append(b["real_time"])  # seconds (kSecond unit)
        for ct in coretypes:
            log(f"round {r + 1}/{args.rounds}: PyTorch, OPENBLAS_CORETYPE={ct or '(default)'}")
            for c, row in torch_rates(ct).items():
                torch[ct][c].append(row["samples_per_s"])
                cores[ct] = row["blas_core"]
    log("peak memory: hypersweep train, one epoch, MLP and CNN")
    rss = {arch: peak_rss_mb(hypersweep, arch) for arch in ("mlp", "cnn")}

    med = statistics.median
    gemm_rate = med(gemm)
    best_ct = {c: max(coretypes, key=lambda ct: med(torch[ct][c])) for c in CASES}
    lines = []
    lines.append(f"Measured {time.strftime('%Y-%m-%d')} on {cpu_name()} ({os.cpu_count()} cores), "
                 f"one thread unless stated, median of {args.rounds} interleaved rounds, "
                 f"`bench/compare.py --rounds {args.rounds}`.")
    lines.append(f"PyTorch's OpenBLAS picked the `{cores['']}` kernels by itself; the fastest "
                 "forced `OPENBLAS_CORETYPE` is shown beside it.")
    lines.append("")
    lines.append("| model | hypersweep samples/s | PyTorch (default) | ratio | PyTorch (fastest core type) "
                 "| ratio | goal | met | GFLOP/s | of GEMM rate |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for c, (_, goal) in CASES.items():
        o, d, b = med(ours[c]), med(torch[""][c]), med(torch[best_ct[c]][c])
        rd, rb = o / d, o / b
        met = "yes" if rb >= goal else ("default only" if rd >= goal else "no")
        lines.append(f"| {LABEL[c]} | {o:,.0f} | {d:,.0f} | {rd:.2f}x | {b:,.0f} "
                     f"({cores[best_ct[c]]}) | {rb:.2f}x | {goal:g}x | {met} "
                     f"| {med(gflops[c]):.1f} | {med(gflops[c]) / gemm_rate:.0%} |")
    lines.append("")
    lines.append(f"Eigen SGEMM 1024^3, one thread: {gemm_rate:.1f} GFLOP/s.")
    lines.append("")
    lines.append("| one epoch through train() (54,000 training, 6,000 validation and 10,000 test samples) | 1 thread | 2 threads | speed-up | goal | met |")
    lines.append("|---|---:|---:|---:|---:|---|")
    for arch in ("mlp", "cnn"):
        t1 = med(epochs[f"BM_Epoch/{arch}/threads:1/iterations:1/real_time"])
        t2 = med(epochs[f"BM_Epoch/{arch}/threads:2/iterations:1/real_time"])
        lines.append(f"| {arch.upper()}, batch 128 | {t1:.2f} s | {t2:.2f} s | {t1 / t2:.2f}x | 1.6x "
                     f"| {'yes' if t1 / t2 >= 1.6 else 'no'} |")
    data = dataset_mb()
    lines.append("")
    lines.append(f"Peak memory of `hypersweep train --set epochs=1` (max RSS), against 2x the data "
                 f"set in float32 ({data:.1f} MB, so {2 * data:.1f} MB):")
    lines.append("")
    for arch in ("mlp", "cnn"):
        lines.append(f"- {arch.upper()}: {rss[arch]:.1f} MB ({rss[arch] / data:.2f}x the data; "
                     f"{'met' if rss[arch] < 2 * data else 'not met'})")
    table = "\n".join(lines)
    print(table)
    if args.write:
        path = os.path.join(ROOT, args.write) if not os.path.isabs(args.write) else args.write
        with open(path) as f:
            text = f.read()
        begin, end = "<!-- compare:begin -->", "<!-- compare:end -->"
        if begin not in text or end not in text:
            sys.exit(f"compare: {args.write}: the markers {begin} and {end} are missing")
        head, rest = text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        with open(path, "w") as f:
            f.write(f"{head}{begin}\n{table}\n{end}{tail}")
        log(f"wrote the table into {args.write}")


if __name__ == "__main__":
    main()
