// Trials that run an external command: small sh and python3 programs written to a temporary
// folder, run for real.
#include <catch2/catch.hpp>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "core/rng.h"
#include "core/subprocess.h"
#include "objective/command_objective.h"
#include "trial/metric.h"

using namespace hs;

namespace {

using Clock = std::chrono::steady_clock;

// A fresh folder per test case, removed at its end.
struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "hs_command_test_XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  // Writes `text` to the file `name` here and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = path + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path + "/" + name);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

// A sweep whose objective is `command` (a TOML literal string, so no escapes), over `space`;
// `objective` and `sweep` add lines to those tables.
SweepConfig sweep_with(const std::string& command, const std::string& space = "x = 1\n",
                       const std::string& objective = "", const std::string& sweep = "") {
  const std::string text = "[objective]\ncommand = '''" + command + "'''\n" + objective +
                           "\n[sweep]\nseed = 5\n" + sweep + "[space]\n" + space;
  auto s = load_sweep_text(text, "s.toml");
  INFO(text);
  if (!s) FAIL(s.error().str());
  return std::move(*s);
}

Trial trial_of(int64_t id, std::vector<ParamValue> values) { return Trial{id, std::move(values)}; }

// Trial `t` of the command sweep `s`, with `stop` as the sweep's stop.
TrialRecord run_command_trial(const SweepConfig& s, const Trial& t, std::function<bool()> stop) {
  CommandObjective objective(s);
  REQUIRE(objective.prepare().ok());
  return objective.run(t, TrialHooks{{}, std::move(stop), {}});
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// From here on, processes orphaned by a command's shell (its background jobs) become children
// of this test process instead of init's, so that gone() can wait for them.
void adopt_orphans() { REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0); }

// Waits until process `pid`, a background job of a command whose shell has ended, is gone, and
// says whether it is. REQUIRES adopt_orphans() before the command ran. The job is then either
// our child (waitpid returns once it has died: a job left running hangs the test until ctest's
// TIMEOUT) or was reaped by its shell already (waitpid: ECHILD). Either way, after that no process
// has its pid (kill: ESRCH).
bool gone(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return ::kill(pid, 0) == -1 && errno == ESRCH;
}

// A run of a command that only its timeout ends.
struct TimedOutRun {
  TrialRecord run;
  double timeout = 0;  // the [objective] timeout it had, seconds
  double wall_s = 0;   // the wall time of run_command_trial
};

// Runs `command`, which writes the file `marker` and then waits to be killed, with [objective]
// timeout 0.5 s; again with 1, 2, 4 ... s when the timeout fired before the marker was written
// (a loaded machine may not even start the shell within 0.5 s). What is tested is what the
// timeout does to a command that got that far, not how soon the shell starts.
TimedOutRun run_until_timeout(const TempDir& dir, const std::string& command, const std::string& marker) {
  for (double timeout = 0.5; timeout <= 64; timeout *= 2) {
    std::filesystem::remove(dir.path + "/" + marker);
    std::ostringstream t;
    t << "timeout = " << timeout << "\n";
    const SweepConfig s = sweep_with(command, "x = 1\n", t.str());
    const auto t0 = Clock::now();
    TimedOutRun r{run_command_trial(s, trial_of(0, {ParamValue{int64_t{1}}}), {}), timeout, 0};
    r.wall_s = seconds_since(t0);
    if (std::filesystem::exists(dir.path + "/" + marker)) return r;
  }
  FAIL("the command never wrote " << marker << ", even with a timeout of 64 s");
  return {};
}

}  // namespace

TEST_CASE("placeholders take the trial's values, quoted for the shell where needed",
          "[objective][command]") {
  const SweepConfig s = sweep_with(
      "run --lr {lr} --n {n} --flag {flag} --name {name} --path {path} {{literal}} {lr}",
      "lr = { log_uniform = [1e-6, 1.0] }\nn = { int = [1, 100] }\nflag = [true, false]\n"
      "name = [\"adam\", \"a b\", \"it's\", \"\"]\npath = [\"x/y-1.z+=\", \"$HOME\"]\n");
  const auto line = [&](ParamValue lr, ParamValue name, ParamValue path) {
    auto r = expand_command(s, trial_of(0, {lr, ParamValue{int64_t{42}}, ParamValue{false},
                                            name, path}));
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(line(ParamValue{0.001}, ParamValue{std::string("adam")}, ParamValue{std::string("x/y-1.z+=")}) ==
        "run --lr 0.001 --n 42 --flag false --name adam --path x/y-1.z+= {literal} 0.001");
  // Shortest round trip: 1e-05, not 1.0000000000000001e-05 or 0.000010.
  CHECK(line(ParamValue{1e-5}, ParamValue{std::string("a b")}, ParamValue{std::string("$HOME")}) ==
        "run --lr 1e-05 --n 42 --flag false --name 'a b' --path '$HOME' {literal} 1e-05");
  CHECK(line(ParamValue{0.1 + 0.2}, ParamValue{std::string("it's")}, ParamValue{std::string("")}) ==
        "run --lr 0.30000000000000004 --n 42 --flag false --name 'it'\\''s' --path '' {literal} "
        "0.30000000000000004");

  // What the shell hands the program is each value as one argument, unchanged.
  TempDir dir;
  const std::string script = dir.write("args.sh", "printf '%s\\n' \"$@\" > \"$0.out\"\necho metric=1\n");
  const SweepConfig run = sweep_with("sh " + script + " {name} {path} {lr} {{x}}",
                                     "name = [\"it's a b\"]\npath = [\"$HOME;rm -rf /\"]\nlr = 0.5\n");
  const TrialRecord r = run_command_trial(
      run, trial_of(0, {ParamValue{std::string("it's a b")}, ParamValue{std::string("$HOME;rm -rf /")},
                        ParamValue{0.5}}),
      {});
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(dir.read("args.sh.out") == "it's a b\n$HOME;rm -rf /\n0.5\n{x}\n");
}

TEST_CASE("the metric is read from the last line, as k=v pairs or a JSON object", "[objective][command]") {
  TempDir dir;
  struct Case {
    std::string stdout_text, metric;
    double value, test_acc;
  };
  const std::vector<Case> cases = {
      {"starting\nmetric=0.91\n", "val_acc", 0.91, NAN},
      {"metric=0.5\n\n  \n", "val_acc", 0.5, NAN},           // trailing blank lines are skipped
      {"loss=3, val_acc=0.75,test_acc=0.7\n", "val_acc", 0.75, 0.7},  // the sweep's name
      {"metric=0.1 f1=0.625\n", "f1", 0.625, NAN},           // the sweep's name before `metric`
      {"{\"metric\": 0.25}\n", "val_acc", 0.25, NAN},
      {"{\"val_acc\": 0.875, \"test_acc\": 0.9, \"note\": \"a \\\"b\\\"\"}", "val_acc", 0.875, 0.9},
      {"{\"val_loss\": 1.5e-1, \"ok\": true, \"x\": null}\n", "val_loss", 0.15, NAN},
  };
  for (const Case& c : cases) {
    INFO(c.stdout_text);
    const std::string out = dir.write("out.txt", c.stdout_text);
    const SweepConfig s = sweep_with("cat " + out, "x = 1\n", "", "metric = \"" + c.metric + "\"\n");
    const TrialRecord r = run_command_trial(s, trial_of(0, {ParamValue{int64_t{1}}}), {});
    CHECK(r.status == TrialStatus::kCompleted);
    CHECK(r.error.empty());
    CHECK(outcome_of(r).ok);
    CHECK(r.best_metric == c.value);
    CHECK(r.best_metric == c.value);
    if (std::isnan(c.test_acc)) CHECK(std::isnan(r.test_acc));
    else CHECK(r.test_acc == c.test_acc);
  }
}

TEST_CASE("earlier lines with an epoch give the curve, and the best epoch by the metric",
          "[objective][command]") {
  TempDir dir;
  // Between rows 1 and 2 lie at least 0.05 s after the reader has taken row 1: the script waits
  // until the reader has read a line it printed after row 1 (FIONREAD on its stdout pipe: no
  // bytes left in it), which it reads only once it has timed row 1.
  const std::string script = dir.write("train.py", R"PY(import fcntl, json, struct, termios, time
def taken():
    while struct.unpack("i", fcntl.ioctl(1, termios.FIONREAD, b"\0\0\0\0"))[0] > 0:
        time.sleep(0.001)
print("loading data")
print(json.dumps({"epoch": 1, "lr": 0.1, "train_loss": 2.0, "val_acc": 0.5}), flush=True)
taken()
print("working", flush=True)
taken()
time.sleep(0.05)
print("epoch=2 lr=0.05 train_loss=1.5 train_acc=0.6 val_loss=1.2 val_acc=0.8")
print("Epoch 3: val_acc=0.99 (free text, ignored)")
print(json.dumps({"epoch": 3, "val_acc": 0.7, "val_loss": 1.1}))
print(json.dumps({"val_acc": 0.8, "test_acc": 0.77}))
)PY");
  const SweepConfig s = sweep_with("/usr/bin/python3 " + script);
  const auto t0 = Clock::now();
  const TrialRecord r = run_command_trial(s, trial_of(3, {ParamValue{int64_t{1}}}), {});
  const double wall_s = seconds_since(t0);
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.best_metric == 0.8);
  const TrialRecord& t = r;
  REQUIRE(t.curves.size() == 3u);
  CHECK(t.curves[0].epoch == 1);
  CHECK(t.curves[0].lr == 0.1);
  CHECK(t.curves[0].train_loss == 2.0);
  CHECK(std::isnan(t.curves[0].train_acc));
  CHECK(std::isnan(t.curves[0].val_loss));
  CHECK(t.curves[1].epoch == 2);
  CHECK(t.curves[1].train_acc == 0.6);
  CHECK(t.curves[1].val_loss == 1.2);
  CHECK(t.curves[2].epoch == 3);
  CHECK(t.curves[2].val_acc == 0.7);
  CHECK(t.best_epoch == 2);  // val_acc is maximised: 0.8 at the second row
  CHECK(t.curves[t.best_epoch - 1].val_acc == 0.8);
  CHECK(t.test_acc == 0.77);
  CHECK(t.curves[1].seconds - t.curves[0].seconds >= 0.05);  // the 0.05 s sleep lies between rows 1 and 2
  CHECK(t.seconds >= 0.05);
  CHECK(t.seconds <= wall_s);  // the command's own wall time, within the call's

  // Minimised metric: the best row is the one with the lowest val_loss; the last line may itself
  // be a row (it carries the epoch and the metric).
  const std::string out = dir.write("loss.txt",
                                    "epoch=1 val_loss=0.9\nepoch=2 val_loss=0.4\nepoch=3 val_loss=0.6\n"
                                    "epoch=4 val_loss=0.5\n");
  const SweepConfig loss = sweep_with("cat " + out, "x = 1\n", "", "metric = \"val_loss\"\n");
  CHECK(loss.strategy.direction == Direction::kMinimize);
  const TrialRecord l = run_command_trial(loss, trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(l.best_metric == 0.5);
  CHECK(l.curves.size() == 4u);
  CHECK(l.best_epoch == 2);
}

TEST_CASE("a non-zero exit or a signal fails the trial with the end of stderr", "[objective][command]") {
  const SweepConfig s = sweep_with("echo metric=1; echo 'bad things' >&2; exit 3");
  const TrialRecord r = run_command_trial(s, trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(!outcome_of(r).ok);
  CHECK(std::isnan(r.best_metric));
  CHECK(r.error.rfind("the command exited with status 3\n", 0) == 0);
  CHECK(r.error.find("bad things") != std::string::npos);

  // A long stderr keeps its end only, starting at a whole line.
  const SweepConfig noisy = sweep_with(
      "i=0; while [ $i -lt 2000 ]; do echo \"noise line $i\" >&2; i=$((i+1)); done; "
      "echo 'the real reason' >&2; exit 1");
  const TrialRecord n = run_command_trial(noisy, trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(n.status == TrialStatus::kFailed);
  CHECK(n.error.find("the real reason") != std::string::npos);
  CHECK(n.error.find("noise line 1999\n") != std::string::npos);
  CHECK(n.error.find("noise line 10\n") == std::string::npos);
  CHECK(n.error.size() < 4096 + 200);
  const size_t tail = n.error.find('\n') + 1;
  CHECK(n.error.find("noise line", tail) == n.error.find('\n', tail) + 1);  // whole lines

  const TrialRecord k = run_command_trial(sweep_with("echo metric=1; kill -USR1 $$"),
                                       trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(k.status == TrialStatus::kFailed);
  CHECK(k.error.find("killed by SIGUSR1") != std::string::npos);
  CHECK(is_lost(k));  // killed by a signal: [sweep] max_retries may run it again
  CHECK_FALSE(is_lost(n));  // its own failure: it would fail again

  // The shell's child killed (python3 train.py by the OOM killer): the shell exits 128 + 9, and
  // that is the signal too.
  const TrialRecord child = run_command_trial(sweep_with("sh -c 'kill -KILL $$'; exit $?"),
                                              trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(child.status == TrialStatus::kFailed);
  CHECK(child.error.rfind("the command exited with status 137 (a shell's 128 + 9: its program "
                          "was killed by SIGKILL)", 0) == 0);
  CHECK(is_lost(child));
  const TrialRecord high = run_command_trial(sweep_with("exit 200"), trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(high.error.rfind("the command exited with status 200", 0) == 0);
  CHECK(high.error.find("128 +") == std::string::npos);  // 72 is no signal's number
  CHECK_FALSE(is_lost(high));
}

TEST_CASE("a trial past its timeout is killed with its whole process group", "[objective][command]") {
  TempDir dir;
  adopt_orphans();
  // Neither the shell nor its background job would ever end by itself: the timeout must kill
  // both (or the test hangs until ctest's TIMEOUT).
  const TimedOutRun t = run_until_timeout(
      dir, "sleep 100000 & echo $! > " + dir.path + "/bg; touch " + dir.path + "/started; sleep 100000",
      "started");
  const TrialRecord& r = t.run;
  INFO("timeout " << t.timeout << " s");
  CHECK(t.wall_s >= t.timeout);  // not before its time (a lower bound: load only adds to it)
  CHECK(r.status == hs::TrialStatus::kTimedOut);  // its own status, not failed
  std::ostringstream why;
  why << "timed out after " << t.timeout << " s";
  CHECK(r.error.find(why.str()) != std::string::npos);
  CHECK(is_lost(r));  // a timeout: [sweep] max_retries may run it again
  const pid_t bg = std::stoi(dir.read("bg"));  // written before `started`
  CHECK(bg > 0);
  CHECK(gone(bg));

  // One that ignores SIGTERM (and so does its `sleep`, which inherits that) gets SIGKILL 2 s
  // later: only SIGKILL ends it.
  const TimedOutRun st = run_until_timeout(
      dir, "trap '' TERM; touch " + dir.path + "/trapped; sleep 100000", "trapped");
  INFO("timeout " << st.timeout << " s");
  CHECK(st.wall_s >= st.timeout + 2);  // the 2 s grace after SIGTERM (a lower bound)
  CHECK(st.run.status == hs::TrialStatus::kTimedOut);
  CHECK(st.run.error.find("timed out") != std::string::npos);
}

TEST_CASE("a stopped command's program gets SIGTERM's grace after its shell died of it",
          "[objective][command]") {
  // sh -c does not exec a command followed by another (as it does not always exec one alone):
  // the shell, the group's leader, dies of the SIGTERM at once. Its program traps SIGTERM and
  // cleans up (a Python finally block, a checkpoint) before it exits: that must finish, not be
  // cut off by a SIGKILL sent the moment the shell was gone.
  TempDir dir;
  adopt_orphans();
  const std::string program = dir.write(
      "program.sh", "trap 'sleep 0.2; touch " + dir.path + "/cleaned; exit 0' TERM\n"
                    "touch " + dir.path + "/started\nwhile :; do sleep 0.05; done\n");
  const TimedOutRun t = run_until_timeout(dir, "sh " + program + "; true", "started");
  INFO("timeout " << t.timeout << " s");
  CHECK(t.run.status == hs::TrialStatus::kTimedOut);
  CHECK(std::filesystem::exists(dir.path + "/cleaned"));
}

TEST_CASE("a missing, unreadable or non-finite metric fails the trial", "[objective][command]") {
  TempDir dir;
  struct Case {
    std::string stdout_text, reason;
  };
  const std::vector<Case> cases = {
      {"", "printed nothing on stdout"},
      {"done\n", "no line of stdout that parses holds val_acc or metric (the last line: \"done\")"},
      {"loss=0.2\n", "no line of stdout that parses holds val_acc or metric"},
      {"metric=abc\n", "not a number"},
      {"{\"metric\": \"0.9\"}\n", "not a number"},
      {"metric=nan\n", "not finite"},
      {"{\"metric\": Infinity}\n", "not finite"},
      {"{\"metric\": 0.9, \"x\": {\"y\": 1}}\n", "no line of stdout that parses"},
      {"{\"metric\": 0.9,}\n", "no line of stdout that parses"},
      {"{\"metric\": 01}\n", "no line of stdout that parses"},
      {"{\"metric\": 0.9} trailing\n", "no line of stdout that parses"},
  };
  for (const Case& c : cases) {
    INFO(c.stdout_text);
    const std::string out = dir.write("out.txt", c.stdout_text);
    const TrialRecord r =
        run_command_trial(sweep_with("cat " + out), trial_of(0, {ParamValue{int64_t{1}}}), {});
    CHECK(r.status == TrialStatus::kFailed);
    CHECK(!outcome_of(r).ok);
    CHECK(r.error.find(c.reason) != std::string::npos);
    CHECK(r.error.find('\n') == std::string::npos);  // one line: there was no stderr
  }
}

TEST_CASE("the stop flag interrupts a running trial", "[objective][command]") {
  TempDir dir;
  // Another thread raises the flag once the command runs (it has written `started`). The
  // command would never end by itself: only the stop can end it (or the test hangs until
  // ctest's TIMEOUT).
  const std::string started = dir.path + "/started";
  const SweepConfig s = sweep_with("touch " + started + "; sleep 100000; echo metric=1");
  std::atomic<bool> stop{false}, returned{false};
  std::thread stopper([&] {
    while (!std::filesystem::exists(started) && !returned)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stop = true;
  });
  const TrialRecord r = run_command_trial(s, trial_of(0, {ParamValue{int64_t{1}}}), [&] { return stop.load(); });
  returned = true;
  stopper.join();
  CHECK(r.status == hs::TrialStatus::kInterrupted);
  CHECK(!outcome_of(r).ok);
  CHECK(r.error.find("stopped while the command ran") != std::string::npos);
  CHECK(r.status == hs::TrialStatus::kInterrupted);
  // A flag already set: the command does not even start.
  const TrialRecord before = run_command_trial(sweep_with("touch " + dir.path + "/ran; echo metric=1"),
                                               trial_of(0, {ParamValue{int64_t{1}}}), [&] { return stop.load(); });
  CHECK(before.status == TrialStatus::kInterrupted);
  CHECK_FALSE(std::filesystem::exists(dir.path + "/ran"));
  // A flag that stays false changes nothing.
  std::atomic<bool> never{false};
  const TrialRecord ok = run_command_trial(sweep_with("echo metric=2"), trial_of(0, {ParamValue{int64_t{1}}}),
                                           [&] { return never.load(); });
  CHECK(ok.status == TrialStatus::kCompleted);
  CHECK(ok.best_metric == 2);
}

TEST_CASE("a command dead of a stop signal just before the sweep stops is interrupted and not failed",
          "[objective][command]") {
  // SLURM signals every process of a preempted job: the command may die of the signal before
  // the sweep's own stop is seen. Here the stop turns true only after the command's shell is
  // dead and reaped (its pid, which it notes in `pid`, is gone: run_shell has returned), and
  // not at the first look then but at the next: what the grace after such a death is for.
  TempDir dir;
  const std::string pidfile = dir.path + "/pid";
  int looks_after_death = 0;
  const auto stop_once_dead = [&] {
    pid_t pid = 0;
    std::ifstream(pidfile) >> pid;
    return pid > 0 && ::kill(pid, 0) == -1 && errno == ESRCH && ++looks_after_death >= 2;
  };
  const auto run = [&](const std::string& body) {
    std::filesystem::remove(pidfile);
    looks_after_death = 0;
    return run_command_trial(sweep_with("echo $$ > " + pidfile + "; " + body),
                             trial_of(0, {ParamValue{int64_t{1}}}), stop_once_dead);
  };
  for (const char* sig : {"USR1", "TERM", "INT", "HUP"}) {
    INFO(sig);
    const TrialRecord r = run(std::string("kill -") + sig + " $$");
    CHECK(r.status == TrialStatus::kInterrupted);
    CHECK(r.error.find(std::string("killed by SIG") + sig) != std::string::npos);
  }
  // A shell that reports a child's death by the signal as 128 + its number counts the same.
  const TrialRecord child = run("sh -c 'kill -TERM $$'; exit $?");
  CHECK(child.status == TrialStatus::kInterrupted);
  CHECK(child.error.find("exited with status 143") != std::string::npos);
  // A crash is the command's own failure, whatever the sweep does a moment later (no grace).
  const TrialRecord crash = run("kill -SEGV $$");
  CHECK(crash.status == TrialStatus::kFailed);
  CHECK(crash.error.find("killed by SIGSEGV") != std::string::npos);
}

TEST_CASE("each epoch line reaches on_epoch as it is printed, and kStop ends the command",
          "[objective][command]") {
  // The command prints two epochs, then waits for ever: only an answer to a line it printed
  // while running can end it (reading stdout after the end would leave the test hanging until
  // ctest's TIMEOUT).
  const SweepConfig s = sweep_with(
      "echo epoch=1 val_acc=0.5; echo not a row; echo '{{\"epoch\": 2, \"val_acc\": 0.6}}'; "
      "sleep 100000; echo metric=1");
  CommandObjective objective(s);
  std::vector<TrialRecord> seen;
  TrialHooks hooks;
  hooks.on_epoch = [&](const TrialRecord& so_far) {
    seen.push_back(so_far);
    return so_far.curves.back().epoch >= 2 ? EpochAnswer::kStop : EpochAnswer::kContinue;
  };
  const TrialRecord r = objective.run(trial_of(4, {ParamValue{int64_t{1}}}), hooks);
  REQUIRE(seen.size() == 2u);
  CHECK(seen[0].id == 4);
  CHECK(seen[0].curves.size() == 1u);
  CHECK(seen[0].curves[0].val_acc == 0.5);
  CHECK(seen[1].curves.size() == 2u);
  CHECK(seen[1].curves[1].val_acc == 0.6);
  CHECK(r.status == TrialStatus::kInterrupted);
  CHECK(r.curves.size() == 2u);  // the rows it printed are kept
  CHECK(r.best_epoch == 2);
  CHECK(std::isnan(r.best_metric));  // no result line: an interrupted trial has no metric
}

TEST_CASE("the child gets the trial id and seed, no stdin, and a background job cannot hold it",
          "[objective][command]") {
  TempDir dir;
  adopt_orphans();
  // Our stdin, for the time of the trial: a pipe holding a line, so a child that read it would
  // copy that line (and never hang: its other end is closed).
  int in[2];
  REQUIRE(::pipe(in) == 0);
  REQUIRE(::write(in[1], "the test's stdin\n", 17) == 17);
  ::close(in[1]);
  const int saved_stdin = ::dup(0);
  REQUIRE(::dup2(in[0], 0) == 0);
  ::close(in[0]);
  const SweepConfig s = sweep_with("cat > " + dir.path + "/stdin; echo \"$HYPERSWEEP_SEED $HYPERSWEEP_SEED64\" > " +
                                   dir.path + "/seed; echo metric=$HYPERSWEEP_TRIAL_ID");
  ::setenv("HYPERSWEEP_SEED", "stale", 1);  // ours is replaced, not inherited
  const TrialRecord r = run_command_trial(s, trial_of(7, {ParamValue{int64_t{1}}}), {});
  ::unsetenv("HYPERSWEEP_SEED");
  REQUIRE(::dup2(saved_stdin, 0) == 0);
  ::close(saved_stdin);
  CHECK(r.status == hs::TrialStatus::kCompleted);
  CHECK(dir.read("stdin").empty());  // `cat` read /dev/null, not our stdin
  CHECK(r.best_metric == 7);
  // HYPERSWEEP_SEED64 the built-in trainer's seed; HYPERSWEEP_SEED that mod 2^32, which
  // np.random.seed takes (0 .. 2^32 - 1).
  const uint64_t seed = derive_seed(5, 7, SeedPurpose::kTrial) >> 1;
  CHECK(seed >= (uint64_t{1} << 32));  // the test means something: the 64-bit seed is too big
  CHECK(dir.read("seed") == std::to_string(seed % (uint64_t{1} << 32)) + " " + std::to_string(seed) + "\n");

  // The shell is done, but a job it left behind keeps stdout open, and would never end by
  // itself: the trial still ends (or the test hangs until ctest's TIMEOUT), and the job is gone.
  const TrialRecord bg = run_command_trial(sweep_with("sleep 100000 & echo $! > " + dir.path + "/bg; echo metric=3"),
                                        trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(bg.status == hs::TrialStatus::kCompleted);
  CHECK(bg.best_metric == 3);
  const pid_t job = std::stoi(dir.read("bg"));
  CHECK(job > 0);
  CHECK(gone(job));
}

TEST_CASE("a command that cannot be expanded or found fails the trial", "[objective][command]") {
  SweepConfig s = sweep_with("run {x}");
  s.objective.command = "run {y}";  // past the config's check
  auto line = expand_command(s, trial_of(0, {ParamValue{int64_t{1}}}));
  REQUIRE_FALSE(line.ok());
  CHECK(line.error().str() == "s.toml:2: command: {y} is not a parameter of [space]");
  const TrialRecord r = run_command_trial(s, trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(r.seconds == 0);  // it never ran
  CHECK(r.error.find("{y}") != std::string::npos);

  const TrialRecord nf = run_command_trial(sweep_with("/no/such/program --x {x}"),
                                        trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(nf.status == TrialStatus::kFailed);
  CHECK(nf.error.find("status 127") != std::string::npos);
  CHECK(nf.error.find("/no/such/program") != std::string::npos);
}

TEST_CASE("the example sweep file runs its example objective", "[objective][command]") {
  auto s = load_sweep(HS_SOURCE_DIR "/configs/sweep_command.toml");
  REQUIRE(s.ok());
  CHECK_FALSE(uses_trainer(*s));
  s->objective.command = "cd '" HS_SOURCE_DIR "' && " + s->objective.command;  // its paths are relative
  const std::vector<ParamValue> good = {ParamValue{0.03}, ParamValue{1e-4}, ParamValue{int64_t{8}}};
  const TrialRecord a = run_command_trial(*s, trial_of(1, good), {});
  INFO(a.error);
  REQUIRE(a.status == TrialStatus::kCompleted);
  CHECK(a.best_metric > 0.8);
  CHECK(a.best_metric < 1.0);
  CHECK(a.curves.size() == 8u);
  CHECK(a.best_epoch >= 1);
  CHECK(std::isfinite(a.test_acc));
  // Seeded by HYPERSWEEP_SEED: the same trial gives the same value, another id another one.
  CHECK(run_command_trial(*s, trial_of(1, good), {}).best_metric == a.best_metric);
  CHECK(run_command_trial(*s, trial_of(2, good), {}).best_metric != a.best_metric);
  // Far from the optimum it does worse.
  const TrialRecord bad = run_command_trial(
      *s, trial_of(1, {ParamValue{1e-4}, ParamValue{1e-2}, ParamValue{int64_t{8}}}), {});
  CHECK(bad.best_metric < a.best_metric - 0.1);
}

// ---- a command's guardian (core/subprocess.h) -------------------------------------------------

namespace {

// /proc/PID/stat's state letter and parent, or false when there is no such process.
bool proc_stat(pid_t pid, char* state, pid_t* ppid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return false;
  const size_t at = text.rfind(')');  // the command name before it may hold anything
  if (at == std::string::npos) return false;
  std::istringstream rest(text.substr(at + 1));
  return static_cast<bool>(rest >> *state >> *ppid);
}

// The children of process `parent`, zombies included.
std::set<pid_t> children_of(pid_t parent) {
  std::set<pid_t> found;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    char state = 0;
    pid_t ppid = 0;
    if (proc_stat(std::stoi(name), &state, &ppid) && ppid == parent) found.insert(std::stoi(name));
  }
  return found;
}

std::string cmdline_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Whether process `pid` has ended: none has its pid, or it is a zombie (reaped here if it is
// ours: after adopt_orphans(), a killed helper's children are; init may not reap the others).
bool ended(pid_t pid) {
  ::waitpid(pid, nullptr, WNOHANG);
  char state = 0;
  pid_t ppid = 0;
  return !proc_stat(pid, &state, &ppid) || state == 'Z' || state == 'X';
}

// Asks `done` every 20 ms until it is true, for up to 20 s (a hang guard, not a timing: only a
// process never ended takes that long); says whether it came true.
template <typename F>
bool comes_true(F done) {
  const auto until = Clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Forks a stand-in for hypersweep that calls `start_command` (the real run_shell or Coprocess,
// whose command writes "SHELL_PID JOB_PID" to `pids` and waits for its job, `job_line`: a long
// `sleep`, in the command's group or, with `setsid`, a stray outside it), SIGKILLs it once its
// command and the command's guardian are both up, and checks that the command's shell and job,
// and then the guardian, are gone within 20 s. What is left is killed here, so that a failure
// leaves nothing running.
void check_guardian_ends_orphans(const TempDir& dir, void (*start_command)(const std::string& line),
                                 const std::string& job_line = "sleep 100000") {
  adopt_orphans();
  const std::string pids = dir.path + "/pids";
  const std::string line =
      job_line + " & echo $$ $! > " + pids + ".new; mv " + pids + ".new " + pids + "; wait";
  const pid_t helper = ::fork();
  REQUIRE(helper >= 0);
  if (helper == 0) {
    start_command(line);
    ::_exit(0);
  }
  pid_t shell = 0, job = 0, guardian = 0;
  const bool up = comes_true([&] {
    if (!std::filesystem::exists(pids)) return false;
    std::istringstream(dir.read("pids")) >> shell >> job;
    for (pid_t c : children_of(helper))
      if (c != shell && cmdline_of(c).find("hypersweep-guardian") != std::string::npos) guardian = c;
    return guardian > 0;
  });
  ::kill(helper, SIGKILL);
  ::waitpid(helper, nullptr, 0);
  CHECK(up);
  REQUIRE(shell > 0);
  REQUIRE(job > 0);
  const bool command_ended = comes_true([&] { return ended(shell) && ended(job); });
  if (!command_ended) {
    ::kill(-shell, SIGKILL);
    ::kill(job, SIGKILL);
    comes_true([&] { return ended(shell) && ended(job); });
  }
  CHECK(command_ended);
  if (guardian > 0) CHECK(comes_true([&] { return ended(guardian); }));  // its work done, it ends
}

// Calls `run`, which runs a command and calls `seen` while it runs. Checks that the command had
// a guardian then (a new child of this process), and that once `run` returns this process's
// children are as before: no guardian, no zombie.
void check_no_guardian_left(const std::function<void(const std::function<void()>& seen)>& run) {
  const std::set<pid_t> before = children_of(::getpid());
  int guardians = -1;
  run([&] {
    guardians = 0;
    for (pid_t c : children_of(::getpid())) {
      if (before.count(c)) continue;
      // Just spawned, it may show no command line for a moment, while its exec completes.
      std::string line;
      comes_true([&] {
        char state = 0;
        pid_t ppid = 0;
        line = cmdline_of(c);
        return !line.empty() || !proc_stat(c, &state, &ppid) || state == 'Z';
      });
      if (line.find("hypersweep-guardian") != std::string::npos) ++guardians;
    }
  });
  CHECK(guardians == 1);  // what is checked below was there to leave
  CHECK(children_of(::getpid()) == before);
}

const std::vector<std::string> kPathOnly = {"PATH=/usr/bin:/bin"};

}  // namespace

TEST_CASE("a command whose hypersweep is killed with -9 is ended by its guardian",
          "[objective][command]") {
  // Without its guardian, the shell and its job are reparented and go on: a sweep continued
  // would run the same trial again beside them.
  TempDir dir;
  check_guardian_ends_orphans(dir, [](const std::string& line) {
    (void)run_shell(ShellCommand{line, kPathOnly, 0}, {}, {});
  });
}

TEST_CASE("a worker program whose hypersweep is killed with -9 is ended by its guardian",
          "[objective][worker]") {
  TempDir dir;
  check_guardian_ends_orphans(dir, [](const std::string& line) {
    auto program = Coprocess::start(line, kPathOnly);
    while (program.ok() && (*program)->pump({}, {})) {
    }
  });
}

TEST_CASE("a stray of a command whose hypersweep is killed with -9 is ended by its guardian",
          "[objective][command]") {
  // A job in a session of its own escapes the kill of the command's group; the guardian finds it
  // by the command's HYPERSWEEP_PROCESS_TAG.
  TempDir dir;
  check_guardian_ends_orphans(
      dir,
      [](const std::string& line) { (void)run_shell(ShellCommand{line, kPathOnly, 0}, {}, {}); },
      "setsid sleep 100000");
}

TEST_CASE("a stray of a worker program whose hypersweep is killed with -9 is ended by its guardian",
          "[objective][worker]") {
  TempDir dir;
  check_guardian_ends_orphans(
      dir,
      [](const std::string& line) {
        auto program = Coprocess::start(line, kPathOnly);
        while (program.ok() && (*program)->pump({}, {})) {
        }
      },
      "setsid sleep 100000");
}

namespace {

// The pid in file `name` of `dir` (written by a command: `echo $! > name`).
pid_t pid_in(const TempDir& dir, const std::string& name) {
  pid_t pid = 0;
  std::istringstream(dir.read(name)) >> pid;
  return pid;
}

// Shell lines that start `script` in a session of its own (setsid), once it has written its pid
// to `stray` in `dir`, and wait for that. The stray runs builtins alone before `script` (one
// write of its pid, which the wait sees whole): a child of its own, such as an `mv`, could still
// be exiting when the command ends, and would be counted as a second stray.
std::string stray_line(const TempDir& dir, const std::string& script) {
  const std::string f = dir.path + "/stray";
  return "rm -f " + f + "; setsid sh -c 'echo $$ > " + f + "; " + script +
         "' > /dev/null 2>&1 & while [ ! -s " + f + " ]; do sleep 0.01; done; ";
}

// Checks that process `pid` (a stray: adopted here, see adopt_orphans) has ended, and kills it
// if not, so that a failure leaves nothing running.
void check_stray_ended(pid_t pid) {
  REQUIRE(pid > 0);
  const bool is_ended = comes_true([&] { return ended(pid); });
  if (!is_ended) ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0);
  CHECK(is_ended);
}

}  // namespace

TEST_CASE("processes a command starts outside its process group are ended with it",
          "[objective][command]") {
  TempDir dir;
  adopt_orphans();
  // `setsid` puts the job in a session and group of its own: the group's kill misses it, and
  // without the tag's search it would sleep on after the command, the trial and the sweep. The
  // job writes its pid once it has left the group, and the command waits for that (else the
  // group's kill could catch the job before it left).
  const std::string stray = stray_line(dir, "exec sleep 100000");
  SECTION("a command that exits on its own") {
    auto r = run_shell(ShellCommand{stray + "exit 0", kPathOnly, 0}, {}, {});
    REQUIRE(r.ok());
    CHECK(r->why == ChildEnd::Why::kExited);
    CHECK(WEXITSTATUS(r->wait_status) == 0);
    CHECK(r->strays == 1);
    check_stray_ended(pid_in(dir, "stray"));
  }
  SECTION("a command stopped while it runs (a prune, a timeout)") {
    bool up = false;
    auto r = run_shell(ShellCommand{stray + "echo up; exec sleep 100000", kPathOnly, 0},
                       [&](std::string_view) { return up = true; }, [&] { return up; });
    REQUIRE(r.ok());
    CHECK(r->why == ChildEnd::Why::kStopped);
    CHECK(r->strays == 1);
    check_stray_ended(pid_in(dir, "stray"));
  }
  SECTION("a stray deaf to SIGTERM gets SIGKILL") {
    // The ignored SIGTERM survives exec: only SIGKILL ends the sleep.
    auto r = run_shell(
        ShellCommand{stray_line(dir, "trap \"\" TERM; exec sleep 100000") + "exit 0", kPathOnly, 0},
        {}, {});
    REQUIRE(r.ok());
    CHECK(r->strays == 1);
    check_stray_ended(pid_in(dir, "stray"));
  }
  SECTION("a job left in the group is no stray: the group's kill ends it") {
    auto r = run_shell(ShellCommand{"sleep 100000 > /dev/null 2>&1 & echo $! > " + dir.path +
                                        "/stray; exit 0",
                                    kPathOnly, 0},
                       {}, {});
    REQUIRE(r.ok());
    CHECK(r->strays == 0);
    check_stray_ended(pid_in(dir, "stray"));
  }
  SECTION("a worker program's strays, once it has ended") {
    auto program = Coprocess::start(stray + "echo up; exec sleep 100000", kPathOnly);
    REQUIRE(program.ok());
    Coprocess& p = **program;
    bool up = false;
    while (!up && p.pump([&](std::string_view) { return up = true; }, {})) {
    }
    REQUIRE(up);
    p.end(0);
    CHECK(p.ended());
    CHECK(p.strays() == 1);
    check_stray_ended(pid_in(dir, "stray"));
  }
}

TEST_CASE("each command gets a tag of its own, never an inherited one", "[objective][command]") {
  // A hypersweep run by a command inherits that command's tag: its own commands get new ones (the
  // outer search still finds the inner hypersweep itself).
  std::vector<std::string> tags;
  for (int k = 0; k < 2; ++k) {
    std::string out;
    auto r = run_shell(
        ShellCommand{"env | grep '^HYPERSWEEP_PROCESS_TAG='",
                     {"PATH=/usr/bin:/bin", "HYPERSWEEP_PROCESS_TAG=outer.1.2"}, 0},
        [&](std::string_view b) {
          out += b;
          return true;
        },
        {});
    REQUIRE(r.ok());
    INFO(out);
    REQUIRE(std::count(out.begin(), out.end(), '\n') == 1);  // one entry, not two
    const std::string tag = out.substr(0, out.size() - 1);
    CHECK(tag.find("outer") == std::string::npos);
    CHECK(tag.rfind("HYPERSWEEP_PROCESS_TAG=" + std::to_string(::getpid()) + ".", 0) == 0);
    tags.push_back(tag);
  }
  CHECK(tags.at(0) != tags.at(1));
}

TEST_CASE("a command ended here leaves no guardian or zombie behind and ends as before",
          "[objective][command]") {
  ChildEnd end;
  std::string out;
  check_no_guardian_left([&](const std::function<void()>& seen) {
    auto r = run_shell(ShellCommand{"echo out; echo err >&2; exit 3", kPathOnly, 0},
                       [&](std::string_view b) {
                         out += b;
                         seen();
                         return true;
                       },
                       {});
    REQUIRE(r.ok());
    end = *r;
  });
  CHECK(end.why == ChildEnd::Why::kExited);
  CHECK(WIFEXITED(end.wait_status));
  CHECK(WEXITSTATUS(end.wait_status) == 3);
  CHECK(out == "out\n");
  CHECK(end.stderr_tail == "err");

  // Stopped while it runs: the same (its group killed by us, not by the guardian).
  check_no_guardian_left([&](const std::function<void()>& seen) {
    bool up = false;
    auto r = run_shell(ShellCommand{"echo up; exec sleep 100000", kPathOnly, 0},
                       [&](std::string_view) {
                         seen();
                         return up = true;
                       },
                       [&] { return up; });
    REQUIRE(r.ok());
    end = *r;
  });
  CHECK(end.why == ChildEnd::Why::kStopped);
}

TEST_CASE("a worker program ended here leaves no guardian or zombie behind and ends as before",
          "[objective][worker]") {
  int status = 0;
  std::string out;
  check_no_guardian_left([&](const std::function<void()>& seen) {
    auto program = Coprocess::start("read line; echo \"got $line\"; exit 4", kPathOnly);
    REQUIRE(program.ok());
    Coprocess& p = **program;
    CHECK(p.send("hi\n"));
    const OnOutput on_out = [&](std::string_view b) {
      out += b;
      seen();
      return true;
    };
    while (p.pump(on_out, {})) {
    }
    CHECK(p.ended());
    status = p.wait_status();
  });
  CHECK(out == "got hi\n");
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 4);

  // One still running when end() stops it: the same.
  check_no_guardian_left([&](const std::function<void()>& seen) {
    auto program = Coprocess::start("echo up; exec sleep 100000", kPathOnly);
    REQUIRE(program.ok());
    Coprocess& p = **program;
    bool up = false;
    while (!up && p.pump([&](std::string_view) { return up = true; }, {})) {
    }
    seen();
    p.end(0);
    CHECK(p.ended());
    CHECK(WIFSIGNALED(p.wait_status()));
  });
}

TEST_CASE("a child that ends with its parent is killed when the parent is", "[objective]") {
  // P forks C; C calls end_with_parent(P), says so, and stops itself (SIGSTOP), so that only a
  // SIGKILL can end it; then P is killed with -9. A reader of a results file (store/h5_reader.cpp)
  // left behind so read on for minutes at a million trials.
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t p = ::fork();
  REQUIRE(p >= 0);
  if (p == 0) {
    const pid_t parent = ::getpid();
    const pid_t c = ::fork();
    if (c == 0) {
      if (!end_with_parent(parent, SIGKILL)) ::_exit(3);
      const pid_t self = ::getpid();
      if (::write(ready[1], &self, sizeof self) != sizeof self) ::_exit(4);
      ::raise(SIGSTOP);
      ::_exit(5);  // continued: never, as nothing continues it
    }
    for (;;) ::pause();
  }
  ::close(ready[1]);
  pid_t c = 0;
  REQUIRE(::read(ready[0], &c, sizeof c) == sizeof c);
  ::close(ready[0]);
  // Gone, or a zombie nobody reaps yet: its state in /proc/C/stat (after "(comm) ").
  const auto ended = [&] {
    std::ifstream in("/proc/" + std::to_string(c) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) return true;
    const size_t close = stat.rfind(')');
    return close == std::string::npos || stat.compare(close + 2, 1, "Z") == 0 ||
           stat.compare(close + 2, 1, "X") == 0;
  };
  CHECK_FALSE(ended());
  REQUIRE(::kill(p, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(p, &status, 0) == p);
  // A hang guard, not a speed: without the death signal C stays stopped for good.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!ended() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const bool gone = ended();
  if (!gone) ::kill(c, SIGKILL);
  CHECK(gone);
}
