// Trials that run an external command: small sh and python3 programs written to a temporary
// folder, run for real.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/rng.h"
#include "sweep/command.h"

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

// Whether process `pid` runs (a zombie does not: init may be slow to reap, or not reap at all).
bool running(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z' &&
         stat[paren + 2] != 'X';
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

TEST_CASE("placeholders take the trial's values, quoted for the shell where needed",
          "[sweep][command]") {
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
  const TrialRun r = run_command_trial(
      run, trial_of(0, {ParamValue{std::string("it's a b")}, ParamValue{std::string("$HOME;rm -rf /")},
                        ParamValue{0.5}}),
      {});
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(dir.read("args.sh.out") == "it's a b\n$HOME;rm -rf /\n0.5\n{x}\n");
}

TEST_CASE("the metric is read from the last line, as k=v pairs or a JSON object", "[sweep][command]") {
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
    const TrialRun r = run_command_trial(s, trial_of(0, {ParamValue{int64_t{1}}}), {});
    CHECK(r.status == TrialStatus::kCompleted);
    CHECK(r.error.empty());
    CHECK(r.outcome.ok);
    CHECK(r.outcome.value == c.value);
    REQUIRE(r.result.has_value());
    CHECK(r.result->record.best_metric == c.value);
    if (std::isnan(c.test_acc)) CHECK(std::isnan(r.result->record.test_acc));
    else CHECK(r.result->record.test_acc == c.test_acc);
  }
}

TEST_CASE("earlier lines with an epoch give the curve, and the best epoch by the metric",
          "[sweep][command]") {
  TempDir dir;
  const std::string script = dir.write("train.py", R"PY(import json, time
print("loading data")
print(json.dumps({"epoch": 1, "lr": 0.1, "train_loss": 2.0, "val_acc": 0.5}), flush=True)
time.sleep(0.05)
print("epoch=2 lr=0.05 train_loss=1.5 train_acc=0.6 val_loss=1.2 val_acc=0.8")
print("Epoch 3: val_acc=0.99 (free text, ignored)")
print(json.dumps({"epoch": 3, "val_acc": 0.7, "val_loss": 1.1}))
print(json.dumps({"val_acc": 0.8, "test_acc": 0.77}))
)PY");
  const SweepConfig s = sweep_with("/usr/bin/python3 " + script);
  const TrialRun r = run_command_trial(s, trial_of(3, {ParamValue{int64_t{1}}}), {});
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.outcome.value == 0.8);
  REQUIRE(r.result.has_value());
  const TrialRecord& t = r.result->record;
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
  CHECK(t.curves[1].seconds >= 0.02);  // the 0.05 s sleep lies between rows 1 and 2
  CHECK(t.seconds >= 0.05);
  CHECK(t.seconds < 10);

  // Minimised metric: the best row is the one with the lowest val_loss; the last line may itself
  // be a row (it carries the epoch and the metric).
  const std::string out = dir.write("loss.txt",
                                    "epoch=1 val_loss=0.9\nepoch=2 val_loss=0.4\nepoch=3 val_loss=0.6\n"
                                    "epoch=4 val_loss=0.5\n");
  const SweepConfig loss = sweep_with("cat " + out, "x = 1\n", "", "metric = \"val_loss\"\n");
  CHECK(loss.strategy.direction == Direction::kMinimize);
  const TrialRun l = run_command_trial(loss, trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(l.outcome.value == 0.5);
  REQUIRE(l.result.has_value());
  CHECK(l.result->record.curves.size() == 4u);
  CHECK(l.result->record.best_epoch == 2);
}

TEST_CASE("a non-zero exit or a signal fails the trial with the end of stderr", "[sweep][command]") {
  const SweepConfig s = sweep_with("echo metric=1; echo 'bad things' >&2; exit 3");
  const TrialRun r = run_command_trial(s, trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(!r.outcome.ok);
  CHECK(std::isnan(r.outcome.value));
  CHECK(r.error.rfind("the command exited with status 3\n", 0) == 0);
  CHECK(r.error.find("bad things") != std::string::npos);

  // A long stderr keeps its end only, starting at a whole line.
  const SweepConfig noisy = sweep_with(
      "i=0; while [ $i -lt 2000 ]; do echo \"noise line $i\" >&2; i=$((i+1)); done; "
      "echo 'the real reason' >&2; exit 1");
  const TrialRun n = run_command_trial(noisy, trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(n.status == TrialStatus::kFailed);
  CHECK(n.error.find("the real reason") != std::string::npos);
  CHECK(n.error.find("noise line 1999\n") != std::string::npos);
  CHECK(n.error.find("noise line 10\n") == std::string::npos);
  CHECK(n.error.size() < 4096 + 200);
  const size_t tail = n.error.find('\n') + 1;
  CHECK(n.error.find("noise line", tail) == n.error.find('\n', tail) + 1);  // whole lines

  const TrialRun k = run_command_trial(sweep_with("echo metric=1; kill -USR1 $$"),
                                       trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(k.status == TrialStatus::kFailed);
  CHECK(k.error.find("killed by SIGUSR1") != std::string::npos);
}

TEST_CASE("a trial past its timeout is killed with its whole process group", "[sweep][command]") {
  TempDir dir;
  // A background job in the same group must die with it.
  const SweepConfig s = sweep_with("sleep 30 & echo $! > " + dir.path + "/bg; sleep 30", "x = 1\n",
                                   "timeout = 0.5\n");
  const auto t0 = Clock::now();
  const TrialRun r = run_command_trial(s, trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(seconds_since(t0) < 5);
  CHECK(seconds_since(t0) >= 0.5);
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(r.error.find("timed out after 0.5 s") != std::string::npos);
  REQUIRE(r.result.has_value());
  CHECK(r.result->record.status == TrialStatus::kTimedOut);
  const pid_t bg = std::stoi(dir.read("bg"));
  CHECK(bg > 0);
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {  // reaped by init shortly after the kill
    gone = !running(bg);
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(gone);

  // One that ignores SIGTERM gets SIGKILL 2 s later.
  const SweepConfig stubborn = sweep_with("trap '' TERM; sleep 30", "x = 1\n", "timeout = 0.5\n");
  const auto t1 = Clock::now();
  const TrialRun st = run_command_trial(stubborn, trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(seconds_since(t1) >= 2.4);
  CHECK(seconds_since(t1) < 5);
  CHECK(st.status == TrialStatus::kFailed);
}

TEST_CASE("a missing, unreadable or non-finite metric fails the trial", "[sweep][command]") {
  TempDir dir;
  struct Case {
    std::string stdout_text, reason;
  };
  const std::vector<Case> cases = {
      {"", "printed nothing on stdout"},
      {"metric=0.9\ndone\n", "neither k=v pairs nor a flat JSON object"},
      {"metric=0.9\nresult: 0.9\n", "neither k=v pairs nor a flat JSON object"},
      {"loss=0.2\n", "has neither val_acc nor metric"},
      {"metric=abc\n", "not a number"},
      {"{\"metric\": \"0.9\"}\n", "not a number"},
      {"metric=nan\n", "not finite"},
      {"{\"metric\": Infinity}\n", "not finite"},
      {"{\"metric\": 0.9, \"x\": {\"y\": 1}}\n", "neither k=v pairs"},
      {"{\"metric\": 0.9,}\n", "neither k=v pairs"},
      {"{\"metric\": 01}\n", "neither k=v pairs"},
      {"{\"metric\": 0.9} trailing\n", "neither k=v pairs"},
  };
  for (const Case& c : cases) {
    INFO(c.stdout_text);
    const std::string out = dir.write("out.txt", c.stdout_text);
    const TrialRun r =
        run_command_trial(sweep_with("cat " + out), trial_of(0, {ParamValue{int64_t{1}}}), {});
    CHECK(r.status == TrialStatus::kFailed);
    CHECK(!r.outcome.ok);
    CHECK(r.error.find(c.reason) != std::string::npos);
    CHECK(r.error.find('\n') == std::string::npos);  // one line: there was no stderr
  }
}

TEST_CASE("output lines parse strictly as k=v pairs or a flat JSON object", "[sweep][command]") {
  auto f = parse_output_line("  epoch=3,lr=1e-3  name=adam,\tval_acc=+0.5 ");
  REQUIRE(f.has_value());
  CHECK(f->size() == 4u);
  CHECK(f->at("epoch").number == 3);
  CHECK(f->at("lr").number == 1e-3);
  CHECK_FALSE(f->at("name").is_number);
  CHECK(f->at("name").text == "adam");
  CHECK(f->at("val_acc").number == 0.5);
  auto j = parse_output_line(R"({"a": -1.5E2, "s": "x\u00e9\n", "t": false})");
  REQUIRE(j.has_value());
  CHECK(j->at("a").number == -150);
  CHECK(j->at("s").text == "x\xc3\xa9\n");
  CHECK(j->at("t").text == "false");
  CHECK(parse_output_line("{}").has_value());
  for (const char* bad : {"", "hello", "a=1 b", "a=", "=1", "1a=2", "{", "{\"a\" 1}", "{\"a\": [1]}",
                          "{a: 1}", "{\"a\": .5}", "{\"a\": 1.}", "{\"a\": \"x}", "{\"a\": tru}"}) {
    INFO(bad);
    CHECK_FALSE(parse_output_line(bad).has_value());
  }
}

TEST_CASE("the stop flag interrupts a running trial", "[sweep][command]") {
  const SweepConfig s = sweep_with("sleep 30; echo metric=1");
  std::atomic<bool> stop{false};
  const auto t0 = Clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  const TrialRun r = run_command_trial(s, trial_of(0, {ParamValue{int64_t{1}}}), [&] { return stop.load(); });
  stopper.join();
  CHECK(seconds_since(t0) >= 0.3);
  CHECK(seconds_since(t0) < 5);
  CHECK(r.status == TrialStatus::kInterrupted);
  CHECK(!r.outcome.ok);
  CHECK_FALSE(r.error.empty());
  // A flag already set: the command does not even start.
  TempDir dir;
  const TrialRun before = run_command_trial(sweep_with("touch " + dir.path + "/ran; echo metric=1"),
                                            trial_of(0, {ParamValue{int64_t{1}}}), [&] { return stop.load(); });
  CHECK(before.status == TrialStatus::kInterrupted);
  CHECK_FALSE(std::filesystem::exists(dir.path + "/ran"));
  // A flag that stays false changes nothing.
  std::atomic<bool> never{false};
  const TrialRun ok = run_command_trial(sweep_with("echo metric=2"), trial_of(0, {ParamValue{int64_t{1}}}),
                                        [&] { return never.load(); });
  CHECK(ok.status == TrialStatus::kCompleted);
  CHECK(ok.outcome.value == 2);
}

TEST_CASE("the child gets the trial id and seed, no stdin, and a background job cannot hold it",
          "[sweep][command]") {
  TempDir dir;
  const SweepConfig s = sweep_with("cat; echo \"$HYPERSWEEP_SEED\" > " + dir.path +
                                   "/seed; echo metric=$HYPERSWEEP_TRIAL_ID");
  ::setenv("HYPERSWEEP_SEED", "stale", 1);  // ours is replaced, not inherited
  const auto t0 = Clock::now();
  const TrialRun r = run_command_trial(s, trial_of(7, {ParamValue{int64_t{1}}}), {});
  ::unsetenv("HYPERSWEEP_SEED");
  CHECK(seconds_since(t0) < 5);  // `cat` read /dev/null, not our stdin
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.outcome.value == 7);
  const uint64_t seed = derive_seed(5, 7, SeedPurpose::kTrial) >> 1;
  CHECK(dir.read("seed") == std::to_string(seed) + "\n");

  // The shell is done, but a job it left behind keeps stdout open: the trial ends a second later.
  const auto t1 = Clock::now();
  const TrialRun bg = run_command_trial(sweep_with("sleep 30 & echo metric=3"),
                                        trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(seconds_since(t1) < 5);
  CHECK(bg.status == TrialStatus::kCompleted);
  CHECK(bg.outcome.value == 3);
}

TEST_CASE("a command that cannot be expanded or found fails the trial", "[sweep][command]") {
  SweepConfig s = sweep_with("run {x}");
  s.objective.command = "run {y}";  // past the config's check
  auto line = expand_command(s, trial_of(0, {ParamValue{int64_t{1}}}));
  REQUIRE_FALSE(line.ok());
  CHECK(line.error().str() == "s.toml:2: command: {y} is not a parameter of [space]");
  const TrialRun r = run_command_trial(s, trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(r.status == TrialStatus::kFailed);
  CHECK_FALSE(r.result.has_value());
  CHECK(r.error.find("{y}") != std::string::npos);

  const TrialRun nf = run_command_trial(sweep_with("/no/such/program --x {x}"),
                                        trial_of(0, {ParamValue{int64_t{1}}}), {});
  CHECK(nf.status == TrialStatus::kFailed);
  CHECK(nf.error.find("status 127") != std::string::npos);
  CHECK(nf.error.find("/no/such/program") != std::string::npos);
}

TEST_CASE("the example sweep file runs its example objective", "[sweep][command]") {
  auto s = load_sweep(HS_SOURCE_DIR "/configs/sweep_command.toml");
  REQUIRE(s.ok());
  CHECK_FALSE(uses_trainer(*s));
  s->objective.command = "cd '" HS_SOURCE_DIR "' && " + s->objective.command;  // its paths are relative
  const std::vector<ParamValue> good = {ParamValue{0.03}, ParamValue{1e-4}, ParamValue{int64_t{8}}};
  const TrialRun a = run_command_trial(*s, trial_of(1, good), {});
  INFO(a.error);
  REQUIRE(a.status == TrialStatus::kCompleted);
  CHECK(a.outcome.value > 0.8);
  CHECK(a.outcome.value < 1.0);
  REQUIRE(a.result.has_value());
  CHECK(a.result->record.curves.size() == 8u);
  CHECK(a.result->record.best_epoch >= 1);
  CHECK(std::isfinite(a.result->record.test_acc));
  // Seeded by HYPERSWEEP_SEED: the same trial gives the same value, another id another one.
  CHECK(run_command_trial(*s, trial_of(1, good), {}).outcome.value == a.outcome.value);
  CHECK(run_command_trial(*s, trial_of(2, good), {}).outcome.value != a.outcome.value);
  // Far from the optimum it does worse.
  const TrialRun bad = run_command_trial(
      *s, trial_of(1, {ParamValue{1e-4}, ParamValue{1e-2}, ParamValue{int64_t{8}}}), {});
  CHECK(bad.outcome.value < a.outcome.value - 0.1);
}
