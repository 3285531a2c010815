#!/usr/bin/python3
"""SIGKILL soak: a sweep killed again and again, and continued each time by the same command.

  kill.py --bin BUILD/bin/hypersweep --work DIR --mode mpirun|single --rounds N --seed S

Each round starts `hypersweep run sweep.toml --out sweep.h5` (under mpirun with --ranks ranks,
or in one process) and kills one of its processes with SIGKILL at a moment drawn from a
generator seeded with S: the victim (under mpirun rank 0 or a worker, drawn; in one process the
process), how many trials this run must record first (0 to half the sweep, from its progress
lines; 0 kills it while it starts, opens or repairs the file) and a further delay (0 to 0.3 s). Every wait is for an event (the victim exists, a progress line, the
run ends); the bounds on them are hang guards. After each kill:
  - no process of the run is left (mpirun takes the whole job down with a rank),
  - no /dev/shm file that the run's processes had mapped or open is left.
A run that ends before its kill must have completed the sweep. Each completed sweep must equal,
trial for trial and bit for bit, a reference run without kills in one process
(tests/tools/same_results.py: every trial once, every recorded value unchanged); the next round
then starts a new sweep. After the N rounds the same command runs once more without a kill and
must complete the sweep. Prints the figures: kills of rank 0 and of workers, runs that finished
before their kill, trials run again (at least: those recorded in a later run below an id an
earlier run had recorded; ids go out in order), /dev/shm files checked, how often a process of
the run was still there when the run (mpirun) had ended, time.

Exits 0 when every check held; 1 naming the round and the check otherwise.
"""
import argparse
import os
import random
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SAME = os.path.join(HERE, "..", "tools", "same_results.py")
PROGRESS = re.compile(r"^\[\s*(\d+)/(\d+)\] trial\s+(\d+) ", re.M)
HANG = 300  # seconds: a bound on each wait, which only a hang reaches


def sweep_config(trials, seed):
    """A sweep of built-in trials on generated data, a few tenths of a second each: long enough
    for kills to land within trials, at startup and between trials alike."""
    return ("[train]\ndataset = \"synthetic\"\nsynthetic_samples = 4000\nsynthetic_noise = 2.0\n"
            "hidden = [64, 64]\nepochs = 30\nbatch_size = 32\nearly_stopping = false\nthreads = 1\n"
            f"[sweep]\nstrategy = \"random\"\ntrials = {trials}\nseed = {seed}\n"
            "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\nmomentum = { uniform = [0.5, 0.95] }\n")


class Failure(Exception):
    pass


def wait_for(what, cond, guard=HANG):
    end = time.monotonic() + guard
    while not cond():
        if time.monotonic() > end:
            raise Failure(f"waited {guard} s for {what}")
        time.sleep(0.02)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return ""


class Soak:
    def __init__(self, args):
        self.a = args
        self.rng = random.Random(args.seed)
        os.makedirs(args.work, exist_ok=True)
        self.work = os.path.abspath(args.work)
        self.cfg = os.path.join(self.work, "sweep.toml")
        self.out = os.path.join(self.work, "sweep.h5")
        self.ref = os.path.join(self.work, "reference.h5")
        with open(self.cfg, "w") as f:
            f.write(sweep_config(args.trials, args.seed))
        self.env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
                        OMP_NUM_THREADS="1")
        self.figures = {"rank 0": 0, "worker": 0, "process": 0, "ended first": 0,
                        "sweeps": 0, "rerun": 0, "runs": 0, "outlived": 0, "shm": 0}
        self.recorded_max = -1  # the largest trial id recorded by an earlier run of this sweep

    def command(self):
        run = [self.a.bin, "run", self.cfg, "--out", self.out]
        if self.a.mode == "single":
            return run
        return ["mpirun", "-np", str(self.a.ranks), "--oversubscribe", "--bind-to", "none"] + run

    def ours(self):
        """{pid: rank} of the processes running this sweep (not mpirun): their command line
        names our results file; the rank from OMPI_COMM_WORLD_RANK (-1 in one process)."""
        found = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            cmd = read(f"/proc/{name}/cmdline").split("\0")
            if self.out not in cmd or self.a.bin not in cmd or "mpirun" in cmd[0]:
                continue
            env = read(f"/proc/{name}/environ").split("\0")
            rank = [e.split("=", 1)[1] for e in env if e.startswith("OMPI_COMM_WORLD_RANK=")]
            found[int(name)] = int(rank[0]) if rank else -1
        return found

    @staticmethod
    def shm_of(pids):
        """The /dev/shm files these processes have mapped or open."""
        files = set()
        for pid in pids:
            for line in read(f"/proc/{pid}/maps").splitlines():
                path = line.split(None, 5)[5] if len(line.split(None, 5)) == 6 else ""
                if path.startswith("/dev/shm/"):
                    files.add(path.replace(" (deleted)", ""))
            try:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if target.startswith("/dev/shm/"):
                        files.add(target.replace(" (deleted)", ""))
            except OSError:
                pass
        return files

    def recorded_ids(self, log):
        return [int(m.group(3)) for m in PROGRESS.finditer(read(log))]

    def reference(self):
        r = subprocess.run([self.a.bin, "run", self.cfg, "--out", self.ref, "--force"],
                           env=self.env, capture_output=True, text=True)
        if r.returncode != 0:
            raise Failure(f"the reference run failed ({r.returncode}): {r.stdout}{r.stderr}")

    def sweep_done(self, log):
        """A run ended by itself: it must have completed the sweep, as the reference did."""
        r = subprocess.run([sys.executable, SAME, self.ref, self.out], capture_output=True, text=True)
        if r.returncode != 0:
            raise Failure(f"the continued sweep differs from the reference:\n{r.stderr}\n{read(log)}")
        self.figures["sweeps"] += 1
        self.recorded_max = -1
        for p in (self.out, self.out + ".journal"):
            if os.path.exists(p):
                os.remove(p)

    def start(self, n):
        log = os.path.join(self.work, f"run{n:03d}.log")
        f = open(log, "w")
        proc = subprocess.Popen(self.command(), stdout=f, stderr=subprocess.STDOUT, env=self.env,
                                start_new_session=True)
        f.close()
        self.figures["runs"] += 1
        return proc, log

    def count_reruns(self, log):
        ids = self.recorded_ids(log)
        self.figures["rerun"] += sum(1 for i in ids if i < self.recorded_max)
        self.recorded_max = max([self.recorded_max] + ids)

    def finish(self, proc, log, n):
        """Waits for the run to end and for every process of it to be gone."""
        try:
            proc.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise Failure(f"round {n}: the run did not end after the kill\n{read(log)}")
        if self.ours():
            self.figures["outlived"] += 1  # gone by the wait below, or a failure there
        wait_for(f"round {n}: the run's processes to go", lambda: not self.ours(), guard=60)
        self.count_reruns(log)
        return proc.returncode

    def round(self, n):
        proc, log = self.start(n)
        if self.a.mode == "single":
            victim, rank = "process", -1
        elif self.rng.random() < 0.5:
            victim, rank = "rank 0", 0
        else:
            victim, rank = "worker", self.rng.randint(1, self.a.ranks - 1)
        k, delay = self.rng.randint(0, self.a.trials // 2), self.rng.uniform(0.0, 0.3)

        def ready():
            return proc.poll() is not None or (
                rank in self.ours().values() and len(self.recorded_ids(log)) >= k)
        wait_for(f"round {n}: rank {rank} and {k} trials recorded", ready)
        time.sleep(delay)
        pids = self.ours()
        target = [p for p, r in pids.items() if r == rank]
        shm = self.shm_of(pids)
        killed = False
        if proc.poll() is None and target:
            try:
                os.kill(target[0], signal.SIGKILL)
                killed = True
            except ProcessLookupError:
                pass
        rc = self.finish(proc, log, n)
        self.figures["shm"] += len(shm)
        left = sorted(p for p in shm if os.path.exists(p))
        if left:
            raise Failure(f"round {n}: /dev/shm files of the run left behind: {left}")
        if killed:
            self.figures[victim] += 1
            who = victim if victim != "worker" else f"worker (rank {rank})"
            print(f"round {n}: SIGKILL to {who} after {k} trials + {delay:.2f} s: "
                  f"exit {rc}, {len(self.recorded_ids(log))} trials recorded in this run", flush=True)
        else:
            self.figures["ended first"] += 1
            print(f"round {n}: the run ended (exit {rc}) before its kill", flush=True)
            if rc != 0:
                raise Failure(f"round {n}: the run ended with exit {rc} before it was killed\n{read(log)}")
            self.sweep_done(log)

    def main(self):
        t0 = time.monotonic()
        self.reference()
        if self.ours():
            raise Failure("processes of an earlier soak in this folder are still running")
        for p in (self.out, self.out + ".journal"):
            if os.path.exists(p):
                os.remove(p)
        for n in range(1, self.a.rounds + 1):
            self.round(n)
        proc, log = self.start(self.a.rounds + 1)
        rc = self.finish(proc, log, self.a.rounds + 1)
        if rc != 0:
            raise Failure(f"the last run, without a kill, exited {rc}\n{read(log)}")
        self.sweep_done(log)
        f = self.figures
        print(f"soak {self.a.mode}: {self.a.rounds} rounds, seed {self.a.seed}: "
              f"SIGKILL to rank 0 {f['rank 0']}x, to a worker {f['worker']}x, "
              f"to the one process {f['process']}x; {f['ended first']} runs ended before their "
              f"kill; {f['runs']} runs, {f['sweeps']} sweeps of {self.a.trials} trials completed, "
              f"each equal to the reference; trials run again: at least {f['rerun']}, at most "
              f"{1 if self.a.mode == 'single' else self.a.ranks - 1} per kill; {f['shm']} /dev/shm files of killed runs "
              f"checked gone; {f['outlived']}x a process outlived the run's end (then went); "
              f"{time.monotonic() - t0:.1f} s")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True, help="the hypersweep binary")
    p.add_argument("--work", required=True, help="a scratch folder (its sweep files are replaced)")
    p.add_argument("--mode", choices=["mpirun", "single"], required=True)
    p.add_argument("--rounds", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--ranks", type=int, default=3, help="under mpirun: rank 0 and ranks-1 workers")
    p.add_argument("--trials", type=int, default=12, help="trials in the sweep")
    a = p.parse_args()
    a.bin = os.path.abspath(a.bin)
    try:
        Soak(a).main()
    except Failure as e:
        sys.exit(f"soak {a.mode}: FAILED: {e}")


if __name__ == "__main__":
    main()
