#!/usr/bin/python3
"""Data files as users make them, trained by the real hypersweep binary (README, "Data files").

Written here with pandas and h5py (Debian's python3-pandas, python3-h5py) into a temporary
folder, with the configs beside the data and run from another folder, as sbatch would:
  - df.to_csv(index=False) with an integer first column and the label last: 3 classes, learnt;
  - PyTorch-style uint8 images (N, 1, 8, 8) in custom data sets, layout = "nchw": learnt, with
    normalize's default scaling the pixels; read as NHWC, a cnn is refused naming layout;
  - a non-integer label: exit 2 naming the file, the line and the value.
Usage: user_files.py --bin build/bin/hypersweep
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import pandas as pd


def run(binary, args, cwd):
    p = subprocess.run([binary] + args, cwd=cwd, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def test_acc(out):
    m = re.search(r"test acc\s+([0-9.]+)%", out)
    assert m, out
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    binary = os.path.abspath(ap.parse_args().bin)
    failures = []

    def check(cond, what, detail=""):
        if not cond:
            failures.append(what + (": " + detail if detail else ""))

    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as root:
        cfg = os.path.join(root, "cfg")
        os.makedirs(os.path.join(cfg, "data"))
        elsewhere = os.path.join(root, "elsewhere")
        os.makedirs(elsewhere)

        n = 600
        y = rng.integers(0, 3, n)
        df = pd.DataFrame({"id": rng.integers(0, 17, n),
                           "signal": y * 2.0 + rng.normal(0, 0.2, n),
                           "label": y})
        df.to_csv(os.path.join(cfg, "data", "train.csv"), index=False)
        with open(os.path.join(cfg, "csv.toml"), "w") as f:
            f.write('[train]\ndataset = "csv"\ndata_path = "data/train.csv"\n'
                    'normalize = "standard"\nhidden = [16]\nepochs = 10\n')
        code, out, err = run(binary, ["train", "../cfg/csv.toml", "-q", "-j", "1"], elsewhere)
        check(code == 0, "csv: exit 0", err)
        if code == 0:
            check(", 3 classes," in out, "csv: 3 classes from the last column", out)
            check(test_acc(out) > 90, "csv: learns the label", out)

        images = rng.integers(0, 40, (n, 1, 8, 8)).astype(np.uint8)
        for i in range(n):
            images[i, 0, :, 2 * y[i]:2 * y[i] + 2] += 200
        with h5py.File(os.path.join(cfg, "data", "img.h5"), "w") as f:
            f["images"] = images
            f["targets"] = y
        with open(os.path.join(cfg, "cnn.toml"), "w") as f:
            f.write('[train]\ndataset = "hdf5"\ndata_path = "data/img.h5"\n'
                    'h5_inputs = "images"\nh5_labels = "targets"\nlayout = "nchw"\n'
                    'arch = "cnn"\nconv_channels = [4]\nkernel_size = 3\npool = 2\n'
                    'epochs = 8\n')
        code, out, err = run(binary, ["train", "../cfg/cnn.toml", "-q", "-j", "1"], elsewhere)
        check(code == 0, "nchw: exit 0", err)
        if code == 0:
            check("8x8x1" in out and "normalize minmax (auto: integer inputs)" in out,
                  "nchw: 8x8 images of 1 channel, pixels scaled", out)
            check(test_acc(out) > 90, "nchw: learns the stripes", out)
        code, out, err = run(binary, ["train", "../cfg/cnn.toml", "-q", "-j", "1",
                                      "--set", "layout=nhwc"], elsewhere)
        check(code == 2 and 'layout: ' in err and 'set layout = "nchw"' in err,
              "nhwc: exit 2 naming layout", err)

        df.loc[5, "label"] = 0.5
        df.to_csv(os.path.join(cfg, "data", "train.csv"), index=False)
        code, out, err = run(binary, ["train", "../cfg/csv.toml", "-q"], elsewhere)
        check(code == 2 and "train.csv:7: " in err and 'label "0.5"' in err,
              "bad label: exit 2 naming file, line and value", err)

    for f in failures:
        print("FAILED:", f)
    print(f"user_files: 4 scenarios, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
