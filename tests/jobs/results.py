#!/usr/bin/env python3
"""Checks on hypersweep results files for the SLURM tests (tests/jobs/slurm_test.sh).

  results.py complete FILE N         every trial id 0..N-1 exactly once, each completed
  results.py snapshot FILE OUT.json  the finished trials' records, to compare with later
  results.py unchanged FILE SNAP     those trials are still in FILE, exactly as they were
  results.py same FILE1 FILE2        the same trials with bit-identical metrics and curves
  results.py status FILE ID:STATUS.. exactly these trials recorded, with these statuses
  results.py hosts FILE HOST..       the host column holds exactly these names
Exits 1 with the reason on stderr when a check fails.
"""
import json
import sys

import h5py


def records(path):
    with h5py.File(path, "r") as f:
        rows = f["summary"][:]
        out = {}
        for r in rows:
            tid = int(r["id"])
            curves = f[f"trials/{tid:06d}/curves"][:]
            out[tid] = {
                "status": r["status"].decode(),
                "best_metric": float(r["best_metric"]),
                "host": r["host"].decode(),
                "rank": int(r["rank"]),
                "seconds": float(r["seconds"]),
                "curves": [[float(x) for x in (c["train_loss"], c["val_loss"], c["val_acc"])] for c in curves],
            }
        return [int(r["id"]) for r in rows], out


def fail(msg):
    sys.exit(f"results.py: {msg}")


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    ids, recs = records(path)
    if cmd == "complete":
        n = int(sys.argv[3])
        if sorted(ids) != list(range(n)):
            fail(f"{path}: trial ids {sorted(ids)}, expected 0..{n - 1} once each")
        bad = {i: r["status"] for i, r in recs.items() if r["status"] != "completed"}
        if bad:
            fail(f"{path}: trials not completed: {bad}")
    elif cmd == "snapshot":
        done = {i: r for i, r in recs.items() if r["status"] == "completed"}
        json.dump({"done": done, "all": len(ids)}, open(sys.argv[3], "w"))
        print(f"{len(done)} completed of {len(ids)} recorded; "
              f"{sum(r['status'] == 'interrupted' for r in recs.values())} interrupted")
    elif cmd == "unchanged":
        snap = json.load(open(sys.argv[3]))["done"]
        for i, r in snap.items():
            if recs.get(int(i)) != r:
                fail(f"{path}: trial {i} changed after the requeue: {r} -> {recs.get(int(i))}")
    elif cmd == "same":
        _, other = records(sys.argv[3])
        if sorted(recs) != sorted(other):
            fail(f"different trials: {sorted(recs)} vs {sorted(other)}")
        for i in recs:
            a, b = recs[i], other[i]
            if (a["status"], a["best_metric"], a["curves"]) != (b["status"], b["best_metric"], b["curves"]):
                fail(f"trial {i} differs: {a['best_metric']} vs {b['best_metric']}")
    elif cmd == "status":
        want = {int(i): st for i, st in (a.split(":") for a in sys.argv[3:])}
        got = {i: r["status"] for i, r in recs.items()}
        if got != want or len(ids) != len(want):
            fail(f"{path}: trials {dict(sorted(got.items()))} ({len(ids)} rows), expected {want}")
    elif cmd == "hosts":
        got = sorted({r["host"] for r in recs.values()})
        if got != sorted(sys.argv[3:]):
            fail(f"{path}: the trials ran on {got}, expected {sorted(sys.argv[3:])}")
    else:
        fail(f"unknown check {cmd}")


if __name__ == "__main__":
    main()
