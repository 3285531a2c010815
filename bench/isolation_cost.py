#!/usr/bin/python3
"""What running each trial in a process of its own costs (README, "A crashing trial fails alone").

Runs the built-in default sweep (8 MLP trials on Fashion-MNIST, `hypersweep run` with no file)
alternately as it is (isolated: each trial forked) and with `[sweep] isolate = false` (every trial
in the one process), REPEATS times each, side by side in one run, and prints the median wall time
of each and their ratio. The second arm's config is the first run's own `config` attribute (the
built-in sweep's text) with `isolate = false` added, so both run the same sweep.

Usage: bench/isolation_cost.py [--repeats 3] [--bin build/bin/hypersweep]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import h5py


def run(binary, args, cwd):
    t0 = time.perf_counter()
    subprocess.run([binary, "run", *args, "--force"], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    ap.add_argument("--repeats", type=int, default=3)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--bin", default=os.path.join(here, "..", "build", "bin", "hypersweep"))
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        ap.error(f"{binary}: not built (scripts/build.sh), or give --bin")
    with tempfile.TemporaryDirectory() as work:
        run(binary, ["--out", "warm.h5"], work)  # the data set into the page cache
        with h5py.File(os.path.join(work, "warm.h5"), "r") as f:
            text = f.attrs["config"]
            text = text.decode() if isinstance(text, bytes) else str(text)
        assert "[sweep]\n" in text, "the built-in sweep has a [sweep] table"
        together = os.path.join(work, "together.toml")
        with open(together, "w") as f:
            f.write(text.replace("[sweep]\n", "[sweep]\nisolate = false\n", 1))
        isolated, shared = [], []
        for i in range(a.repeats):
            isolated.append(run(binary, ["--out", "iso.h5"], work))
            shared.append(run(binary, [together, "--out", "one.h5"], work))
            print(f"round {i + 1}: isolated {isolated[-1]:.2f} s, in one process "
                  f"{shared[-1]:.2f} s", flush=True)
        mi, ms = statistics.median(isolated), statistics.median(shared)
        print(f"median of {a.repeats}: isolated {mi:.2f} s, in one process {ms:.2f} s, "
              f"ratio {mi / ms:.3f} ({100 * (mi / ms - 1):+.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
