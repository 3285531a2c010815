"""hypersweep_worker: one training script for both [objective] modes of hypersweep.

Standard library only (Python 3.8+); copy this file beside your script or put its folder on
PYTHONPATH. Write your training as a function and hand it to serve():

    from hypersweep_worker import serve

    def train(params, trial):        # params: {"lr": 0.01, ...}; trial: id, attempt, seed, ...
        for epoch in range(1, params["epochs"] + 1):
            ...
            trial.report(epoch=epoch, train_loss=tl, val_acc=va)   # one epoch line
        return {"val_acc": best, "test_acc": ta}                    # the result line

    if __name__ == "__main__":
        serve(train)

[objective] mode = "worker", command = "python3 script.py": hypersweep starts the script once
per worker (HYPERSWEEP_MODE=worker) and writes one JSON line per trial to its stdin: {"trial": 3,
"attempt": 1, "seed": ..., "seed64": ..., "epoch_answers": true, "params": {...}}. serve() calls
train() for each, prints the returned dict (or a number, the sweep's metric:
HYPERSWEEP_METRIC) as one JSON line and then `@hypersweep done`; an
exception prints its traceback on stderr and `@hypersweep failed <Type: message>`, and the next
trial runs. When the line says epoch_answers, each epoch line (trial.report(epoch=...)) waits for
hypersweep's answer; when the sweep's pruner stops the trial, report() raises Stopped (a
BaseException: `finally` runs, `except Exception` does not catch it), serve() prints
`@hypersweep stopped`, and the next trial runs in the same process. It returns at the end of
stdin. Imports and data loaded at module level (or cached in a global) are paid once per worker.

mode = "trial" (the default), command = "python3 script.py lr={lr} epochs={epochs}", or by
hand: the parameters come from HYPERSWEEP_PARAMS, the JSON object hypersweep sets for a
per-trial command, typed exactly as in worker mode (1.0 stays a float, the string "007" a
string); name=value arguments add to it or, run by hand without it, are all there is (read as
int, float, true/false, else a string). The id and seed come from HYPERSWEEP_TRIAL_ID and
HYPERSWEEP_SEED (0 when absent); train()
runs once, its result is printed, and the exit status is 0 (an exception: traceback, exit 1).
SIGTERM, which hypersweep sends to a trial it stops, raises Stopped in train() too (its `finally`
blocks run), and the script exits with a SIGTERM's status, 143.

trial.seed is 32-bit (np.random.seed(trial.seed), random.seed), trial.seed64 the full seed;
trial.worker and trial.local_worker say where it runs (local_worker picks a GPU when
[objective] gpus_per_worker is not used). Anything else printed on stdout is kept in the
trial's log; lines that are k=v pairs or flat JSON objects are read, so print other things to
stderr or as plain text.
"""
import json
import math
import os
import signal
import sys
import traceback

__all__ = ["serve", "Trial", "Stopped"]


class Stopped(BaseException):
    """Raised by Trial.report() when the sweep's pruner stops the trial (worker mode), and by
    SIGTERM, which ends a trial hypersweep stops (per-trial mode).

    A BaseException, like KeyboardInterrupt, so that `except Exception` in a training loop does
    not swallow it; `finally` blocks run. serve() catches it and tells hypersweep the trial ended.
    """


class Trial:
    """One trial: its id, attempt, seeds and placement, and report() for its epoch lines."""

    def __init__(self, id=0, attempt=1, seed=0, seed64=0, answers=False):
        self.id, self.attempt, self.seed, self.seed64 = id, attempt, seed, seed64
        self.worker = int(os.environ.get("HYPERSWEEP_WORKER", "0"))
        self.local_worker = int(os.environ.get("HYPERSWEEP_LOCAL_WORKER", "0"))
        self._answers = answers  # worker mode: an epoch line waits for hypersweep's answer
        self._stopped = False    # hypersweep answered `stop` (or sent SIGTERM)
        self._over = False       # its train() has returned: it reports nothing more

    def report(self, **values):
        """Prints one JSON line (an epoch line when it has `epoch`), flushed at once.

        In worker mode an epoch line then waits for hypersweep's answer, and raises Stopped when
        the sweep's pruner stops the trial: the worker goes on with the next trial, its imports
        and data still loaded.
        """
        if self._over:  # kept past its train(): its lines would join the next trial's curve
            raise RuntimeError("report() on trial %d after its train() returned" % self.id)
        if not (self._answers and "epoch" in values):
            _emit(values)
            return
        _emit(values, "@hypersweep epoch ")
        answer = sys.stdin.readline()
        if answer.strip() == "stop":
            self._stopped = True
            raise Stopped()
        if answer.strip() != "continue":  # end of input: the sweep is over or went away
            raise SystemExit("hypersweep_worker: expected continue or stop, got %r" % answer)


def _warn(text):
    sys.stderr.write("hypersweep_worker: warning: %s\n" % text)
    sys.stderr.flush()


def _number(v):
    # A numpy scalar or a one-element tensor (np.float32(0.5), loss.detach()) as the plain
    # number it holds: json writes neither. An array of several values stays what it was.
    if not isinstance(v, (bool, int, float, str)) and hasattr(v, "item"):
        try:
            v = v.item()
        except (ValueError, TypeError, RuntimeError):
            return v
    return float(v) if isinstance(v, float) and not math.isfinite(v) else v


def _emit(values, prefix=""):
    # hypersweep reads a flat JSON object: a list, an array or a dict among the values would
    # make the whole line unread, so such a value is left out, with a warning naming it.
    kept = {}
    for k, v in values.items():
        v = _number(v)
        if v is None or isinstance(v, (bool, int, float, str)):
            kept[k] = v
        else:
            _warn("%r is a %s, not a number: left out of the line (hypersweep records numbers)"
                  % (k, type(v).__name__))
    _line(prefix + json.dumps(kept))  # NaN/Infinity are read too


class _LineEnds:
    """sys.stdout as serve() leaves it: it notes whether what was written last ended its line,
    so that a line of ours never runs on from the script's print(..., end="") (hypersweep would
    not read `loading...@hypersweep done`, and the trial would wait for its timeout)."""

    def __init__(self, stream):
        self._stream = stream
        self.mid_line = False

    def write(self, text):
        if text:
            self.mid_line = not text.endswith(("\n", "\r"))
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _line(text):
    out = sys.stdout
    if getattr(out, "mid_line", False):
        out.write("\n")
    out.write(text + "\n")
    out.flush()


def _is_number(v):
    v = _number(v)
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _result(result):
    # The sweep's metric (HYPERSWEEP_METRIC); "metric" is read as it by any hypersweep.
    metric = os.environ.get("HYPERSWEEP_METRIC", "")
    if _is_number(result):  # the metric alone, as an Optuna objective returns it
        result = {metric or "metric": result}
    if not isinstance(result, dict):  # the type alone: the same mistake reads the same each time
        raise TypeError("train() must return its metric (a number) or a dict such as "
                        "{'val_acc': 0.9}, not a %s" % type(result).__name__)
    if "epoch" in result:  # it would make the result an epoch line
        _warn("train()'s result holds 'epoch', which would make it an epoch line: left out")
        result = {k: v for k, v in result.items() if k != "epoch"}
    if metric and metric not in result and "metric" not in result:
        _warn("train() returned no %r, the sweep's metric: the trial's result is the last "
              "epoch line that held it, and what train() returned is not recorded" % metric)
    _emit(result)


def _value(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text, text)


def _serve_worker(train):
    _line("@hypersweep ready")
    while True:
        line = sys.stdin.readline()  # not `for line in sys.stdin`: report() reads stdin too
        if not line:
            return
        if not line.strip():
            continue
        msg = json.loads(line)
        trial = Trial(msg["trial"], msg.get("attempt", 1), msg.get("seed", 0), msg.get("seed64", 0),
                      answers=msg.get("epoch_answers", False))
        try:
            _result(train(msg["params"], trial))
            _line("@hypersweep done")
        except Stopped:  # the pruner stopped it: no result, the worker goes on
            if trial._stopped or _sigterm:
                _line("@hypersweep stopped")
            else:  # raised by train() itself: `stopped` untold left both sides waiting
                _line("@hypersweep failed " + _OWN_STOP)
        except Exception as e:  # the trial fails, the worker goes on
            traceback.print_exc()
            sys.stderr.flush()
            text = ("%s: %s" % (type(e).__name__, e)).replace("\n", " ")
            _line("@hypersweep failed " + text + _pruned_hint(e))
        finally:
            trial._over = True


def _serve_once(train, argv):
    params = {}
    for arg in argv:
        name, eq, text = arg.partition("=")
        if not eq:
            sys.exit("hypersweep_worker: expected name=value arguments, got %r" % arg)
        params[name] = _value(text)
    # The values as hypersweep has them (a command line cannot say 1.0 from 1, nor "007" from 7).
    params.update(json.loads(os.environ.get("HYPERSWEEP_PARAMS", "{}")))
    seed = int(os.environ.get("HYPERSWEEP_SEED", "0"))
    trial = Trial(int(os.environ.get("HYPERSWEEP_TRIAL_ID", "0")),
                  int(os.environ.get("HYPERSWEEP_ATTEMPT", "1")), seed,
                  int(os.environ.get("HYPERSWEEP_SEED64", str(seed))))
    # hypersweep ends a trial it stops (the pruner, its timeout, a stopped sweep) with SIGTERM to
    # the process group, SIGKILL 2 s later: raised as Stopped, the script's `finally` blocks run,
    # and the exit status is still a SIGTERM's (128 + 15), which hypersweep reads as one.
    signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        _result(train(params, trial))
    except Stopped:
        if _sigterm:
            sys.exit(128 + signal.SIGTERM)
        sys.exit("hypersweep_worker: trial %d: %s" % (trial.id, _OWN_STOP))
    except Exception as e:
        traceback.print_exc()
        if _pruned_hint(e):
            sys.stderr.write(_pruned_hint(e).strip(" ()") + "\n")
        sys.exit(1)


def _pruned_hint(e):
    # optuna.TrialPruned (or another library's) raised by a script ported from Optuna: under
    # hypersweep the sweep's pruner decides, and such a raise is a failure like any other.
    if type(e).__name__ != "TrialPruned":
        return ""
    return (" (Optuna's pruning exception: under hypersweep the sweep's [sweep] pruner decides, "
            "and trial.report(epoch=...) raises Stopped when it stops the trial)")


# Stopped raised by train() itself rather than by a stop from hypersweep.
_OWN_STOP = ("train() raised Stopped itself, which only hypersweep's stop should raise: return "
             "a result to end a trial early, or raise another exception to fail it")
_sigterm = False
_served = False


def _raise_stopped(signum, frame):
    global _sigterm
    _sigterm = True
    raise Stopped()


def serve(train, argv=None):
    """Runs train(params, trial) for each trial hypersweep hands over (see the top of the file).

    Once per process: a second call would train the trial again.
    """
    global _served
    if _served:
        raise RuntimeError("serve() runs once per process; it was called again")
    _served = True
    args = sys.argv[1:] if argv is None else argv
    if os.environ.get("HYPERSWEEP_MODE") != "worker" and args and args[0] in ("-h", "--help"):
        print("This script trains through hypersweep_worker: hypersweep runs it (an [objective] "
              "command, per trial or mode = \"worker\"), or run it by hand with name=value "
              "arguments, e.g. python3 %s lr=0.01 epochs=3" % os.path.basename(sys.argv[0]))
        return
    if not isinstance(sys.stdout, _LineEnds):
        sys.stdout = _LineEnds(sys.stdout)
    if os.environ.get("HYPERSWEEP_MODE") == "worker":
        _serve_worker(train)
    else:
        _serve_once(train, args)
