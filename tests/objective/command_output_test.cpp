// What both command modes share (command_output.h) and worker mode itself (worker_objective.h):
// the result past trailing lines, extra curve columns and results, the unread-metrics warning,
// logs and their bound, seeds and placement variables, and a WorkerObjective run in place.
#include "objective/command_output.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/subprocess.h"
#include "objective/command_objective.h"
#include "objective/worker_objective.h"
#include "support/capture.h"
#include "trial/failure.h"

using namespace hs;
namespace fs = std::filesystem;

namespace {

struct Dir {
  fs::path path;
  Dir() {
    std::string tmpl = (fs::temp_directory_path() / "hs_output_test_XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~Dir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
  std::string read(const std::string& name) const {
    std::ifstream in(path / name);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

SweepConfig sweep_of(const std::string& objective, const std::string& space = "x = 1\n",
                     const std::string& sweep = "") {
  const std::string text = "[objective]\n" + objective + "\n[sweep]\nseed = 5\n" + sweep +
                           "[space]\n" + space;
  auto s = load_sweep_text(text, "s.toml");
  INFO(text);
  if (!s) FAIL(s.error().str());
  return std::move(*s);
}

TrialRecord run_cmd(const std::string& command, Placement where = {}, int64_t id = 0,
                    const std::string& sweep = "") {
  CommandObjective o(sweep_of("command = '''" + command + "'''", "x = 1\n", sweep), where);
  return o.run(Trial{id, {ParamValue{int64_t{1}}}}, {});
}

}  // namespace

TEST_CASE("the result is the last line that holds the metric even with lines after it",
          "[objective][command]") {
  const TrialRecord r = run_cmd(
      "echo 'val_acc=0.5 test_acc=0.4'; echo 'val_acc=0.75 test_acc=0.7 final_val_loss=0.3 "
      "steps=12 note=fine'; echo 'Training finished.'; echo 'wandb: synced run=abc'; echo");
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.best_metric == 0.75);
  CHECK(r.test_acc == 0.7);
  // Every other numeric key of the result line, in printed order (text values are not numbers).
  REQUIRE(r.results.size() == 2u);
  CHECK(r.results[0] == std::pair<std::string, double>{"final_val_loss", 0.3});
  CHECK(r.results[1] == std::pair<std::string, double>{"steps", 12});
}

TEST_CASE("a metric of None or null makes no result and a metric named val/acc is read",
          "[objective][command]") {
  // A script that validates every k epochs prints None between: its last such line failed the
  // trial ("the metric in ... is not a number").
  TrialRecord r = run_cmd("echo 'epoch=1 val_acc=0.4'; echo 'epoch=2 val_acc=None'");
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.best_metric == 0.4);
  r = run_cmd("echo 'val_acc=0.7'; echo '{{\"val_acc\": null, \"test_acc\": 0.3}}'");
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.best_metric == 0.7);
  r = run_cmd("echo 'epoch=1 val_acc=None'");
  CHECK(r.status == TrialStatus::kFailed);  // no value at all: no result
  // Lightning's and W&B's metric names are keys a line can print, and so a sweep's metric.
  r = run_cmd("echo 'epoch=1 val/acc=0.3'; echo 'val/acc=0.6'", {}, 0, "metric = \"val/acc\"\n");
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.best_metric == 0.6);
  REQUIRE(r.curves.size() == 1u);
}

TEST_CASE("numeric keys of epoch lines beyond the fixed ones become extra curve columns",
          "[objective][command]") {
  const TrialRecord r = run_cmd(
      "echo '{{\"epoch\": 1, \"val_acc\": 0.5, \"epoch_time\": 1.5, \"tag\": \"a\"}}'; "
      "echo 'epoch=2 val_acc=0.6 grad_norm=3 epoch_time=1.25'; "
      "echo 'epoch=3 val_acc=0.7 grad_norm=2'; echo val_acc=0.7");
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  REQUIRE(r.curves.size() == 3u);
  CHECK(r.curve_extra_names == std::vector<std::string>{"epoch_time", "grad_norm"});
  REQUIRE(r.curve_extra.size() == 3u);
  CHECK(r.curve_extra[0][0] == 1.5);
  CHECK(std::isnan(r.curve_extra[0][1]));  // row 1 came before grad_norm was first printed
  CHECK(r.curve_extra[1] == std::vector<double>{1.25, 3});
  CHECK(std::isnan(r.curve_extra[2][0]));  // row 3 lacks epoch_time
  CHECK(r.curve_extra[2][1] == 2);
  CHECK(r.results.empty());
}

TEST_CASE("lines that look like metrics but do not parse are counted and named in a warning",
          "[objective][command]") {
  Dir d;
  TrialRecord r;
  const std::string err = hs::test::stderr_of([&] {
    r = run_cmd("echo 'Epoch 1/3: loss=0.5, val_acc=0.3'; echo 'Epoch 2/3: loss=0.4, val_acc=0.4';"
                "echo '{{\"val_acc\": 0.5,}}'; echo 'no numbers here'; echo val_acc=0.5",
                {}, 9);
  });
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(err.find("warning: trial 9: 3 lines of stdout look like metrics but were not read (the "
                 "first: \"Epoch 1/3: loss=0.5, val_acc=0.3\", where \"Epoch\" is no k=v pair)") !=
        std::string::npos);
  CHECK(err.find("k=v pairs") != std::string::npos);  // says what form would be read
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);  // once per trial

  const std::string quiet = hs::test::stderr_of([&] {
    r = run_cmd("echo 'loading...'; echo 'Epoch 1: training...'; echo 'Loading data: 100%'; "
                "echo val_acc=1");
  });
  CHECK(quiet.empty());

  // Python's print(d) of a dict, and `name: number`, were not said: only the trial's failure,
  // that no line holds val_acc. The dict's repr is warned of; `name: number` is named in the
  // failure of a trial without a result, and not warned of where the trial has one (Keras's
  // progress lines and config dumps print it beside the lines printed for hypersweep).
  std::string err2 = hs::test::stderr_of([&] {
    r = run_cmd("echo \"{{'epoch': 1, 'val_acc': 0.5}}\"; echo 'epoch: 2 val_acc: 0.6'", {}, 2);
  });
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(err2.find("warning: trial 2: 1 line of stdout looks like metrics but was not read (the "
                  "first: \"{'epoch': 1, 'val_acc': 0.5}\", where it is a Python dict's repr, not "
                  "JSON: JSON writes strings in double quotes (print json.dumps(d), not d)); "
                  "hypersweep reads a line only when") != std::string::npos);
  CHECK(r.error.find("; a line in another form: \"epoch: 2 val_acc: 0.6\", where \"epoch: 2\" is "
                     "no k=v pair (a colon for =: epoch=2)") != std::string::npos);
  err2 = hs::test::stderr_of([&] {
    r = run_cmd("echo 'epoch = 1, val_acc = 0.5'; echo 'lr: 0.001'; "
                "echo '1875/1875 [====] - 3s 2ms/step - loss: 0.5123 - accuracy: 0.8210'; "
                "echo val_acc=1", {}, 3);
  });
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(err2.empty());
  CHECK(looks_like_metrics("  \"loss\": 0.5 and more"));
  CHECK_FALSE(looks_like_metrics("Epoch 1/3 done at 12:30"));
}

TEST_CASE("a bare CR ends a line as a LF does and CRLF is one line end", "[objective][command]") {
  // Split anywhere, a CR and its LF in two reads included.
  LineBuffer b;
  std::vector<std::string> lines;
  const auto on_line = [&](std::string_view l) { lines.emplace_back(l); };
  b.add("epoch=1 a=1\repoch=2 a=2\r", on_line);
  b.add("\nepoch=3 a=3\r\n\r\nepoch=4", on_line);
  b.add(" a=4  \n", on_line);
  b.finish(on_line);
  CHECK(lines == std::vector<std::string>{"epoch=1 a=1", "epoch=2 a=2", "epoch=3 a=3",
                                          "epoch=4 a=4"});
  // Five epoch lines each printed with end="\r" (a progress bar's way) were one row: epoch 1
  // holding epoch 5's values, with no warning.
  const TrialRecord r = run_cmd(
      "for e in 1 2 3 4 5; do printf 'epoch=%s val_acc=0.%s\\r' $e $e; done");
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  REQUIRE(r.curves.size() == 5u);
  CHECK(r.curves[0].epoch == 1);
  CHECK(r.curves[0].val_acc == 0.1);
  CHECK(r.curves[4].epoch == 5);
  CHECK(r.best_metric == 0.5);
}

TEST_CASE("a warning quotes a printed line whole with its control bytes escaped",
          "[objective][command]") {
  Dir d;
  TrialRecord r;
  // printf's NUL cut the warning at "ab (fprintf's %s), and an ESC reached the terminal raw.
  const std::string err = hs::test::stderr_of([&] {
    r = run_cmd("printf 'ab\\0 val_acc=0.9\\n'; printf '\\033[31mval_acc=0.9\\n'; "
                "printf 'epoch=0 val_acc=0.9\\033[0m\\n'; "
                "echo '{{\"epoch\": 1, \"val_acc\": 0.5, \"\\u001b" + std::string(100, 'n') +
                    "\": 1}}'; echo val_acc=0.5",
                {}, 6);
  });
  INFO(err);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(err.find("2 lines of stdout look like metrics but were not read (the first: "
                 "\"ab\\u0000 val_acc=0.9\", where \"ab\\u0000\" is no k=v pair); "
                 "hypersweep reads") != std::string::npos);
  CHECK(err.find("1 line with an epoch that is not a whole number") != std::string::npos);
  CHECK(err.find("(the first: \"epoch=0 val_acc=0.9\\u001b[0m\", where epoch 0 is not a whole "
                 "number from 1: ") != std::string::npos);
  CHECK(err.find("1 printed value not kept (of \"\\u001bnnn") != std::string::npos);
  CHECK(err.find('\x1b') == std::string::npos);
  CHECK(err.find('\0') == std::string::npos);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
}

TEST_CASE("a warning names the key that made a line unread", "[objective][command]") {
  Dir d;
  TrialRecord r;
  const std::string err = hs::test::stderr_of([&] {
    r = run_cmd("echo 'epoch=1 n\xc3\xb6te=1 val_acc=0.5'; echo 'epoch=2 loss=1 loss=2'; "
                "echo val_acc=0.5", {}, 7);
  });
  INFO(err);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.curves.empty());
  CHECK(err.find("2 lines of stdout look like metrics but were not read (the first: \"epoch=1 "
                 "n\xc3\xb6te=1 val_acc=0.5\", where key \"n\xc3\xb6te\" is no name (ASCII: a "
                 "letter or _, then letters, digits or _ . / -))") != std::string::npos);
}

TEST_CASE("an epoch that cannot be a curve row's is not read and is warned about",
          "[objective][command]") {
  Dir d;
  TrialRecord r;
  // Fractions, 0 and below, past 2^31 (stored as 276447231 before) and going back (a pruner
  // would judge epoch 9's value as epoch 2's): each line is skipped, as a whole.
  const std::string err = hs::test::stderr_of([&] {
    r = run_cmd("echo 'epoch=1 val_acc=0.5'; echo 'epoch=1.5 val_acc=0.9'; "
                "echo 'epoch=0 val_acc=0.9'; echo 'epoch=-1 val_acc=0.9'; "
                "echo 'epoch=99999999999999 val_acc=0.9'; echo 'epoch=1e308 val_acc=0.9'; "
                "echo 'epoch=3 val_acc=0.7'; echo 'epoch=2 val_acc=0.9'; echo 'epoch=3 val_acc=0.6'; "
                "echo 'val_acc=0.7 epoch=nan'; echo 'val_acc=0.7 f1=0.5'",
                {}, 4);
  });
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  REQUIRE(r.curves.size() == 3u);
  CHECK(r.curves[0].epoch == 1);
  CHECK(r.curves[1].epoch == 3);
  CHECK(r.curves[2].epoch == 3);  // the same epoch again is a row (a train line, then a val line)
  CHECK(r.best_metric == 0.7);
  CHECK(r.results == std::vector<std::pair<std::string, double>>{{"f1", 0.5}});
  CHECK(err.find("warning: trial 4: 7 lines with an epoch that is not a whole number from 1 to "
                 "2147483647, or is below the epoch before it, were left out of the curve (the "
                 "first: "
                 "\"epoch=1.5 val_acc=0.9\", where epoch 1.5 is not a whole number from 1)") !=
        std::string::npos);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
}

TEST_CASE("an epoch that is text or 0 or goes back is named with what in it is at fault",
          "[objective][command]") {
  Dir d;
  TrialRecord r;
  // `epoch=1/6` (a script's "epoch i/n") was read as no epoch: its line left the curve in
  // silence, and as the last line holding val_acc it was the result.
  std::string err = hs::test::stderr_of([&] {
    r = run_cmd("echo 'epoch=1/6 train_loss=0.5 val_acc=0.3'; echo val_acc=0.2; "
                "echo '{{\"epoch\": \"2\", \"val_acc\": 0.4}}'; echo 'epoch=3/6 val_acc=0.5'",
                {}, 5);
  });
  INFO(err);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.curves.empty());
  CHECK(r.best_metric == 0.5);  // a text epoch's line is no curve row, but holds the result
  CHECK(err.find("warning: trial 5: 3 lines with an epoch that is not a whole number from 1 to "
                 "2147483647, or is below the epoch before it, were left out of the curve (the "
                 "first: "
                 "\"epoch=1/6 train_loss=0.5 val_acc=0.3\", where epoch \"1/6\" is not a whole "
                 "number from 1)") != std::string::npos);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);

  // An epoch of None or null is none: no row, no warning, and the line may be the result.
  err = hs::test::stderr_of([&] {
    r = run_cmd("echo 'epoch=1 val_acc=0.4'; echo 'epoch=2 val_acc=0.5'; "
                "echo '{{\"epoch\": null, \"val_acc\": 0.9, \"test_acc\": 0.8}}'", {}, 9);
  });
  CHECK(err.empty());
  CHECK(r.curves.size() == 2u);
  CHECK(r.best_metric == 0.9);
  CHECK(r.test_acc == 0.8);
  // So is a word without a digit (a result line labelled epoch=final); text with one was meant
  // as an epoch (epoch=1/6 above, "3").
  err = hs::test::stderr_of([&] {
    r = run_cmd("echo 'epoch=1 val_acc=0.4'; echo 'epoch=final val_acc=0.9'", {}, 10);
  });
  CHECK(err.empty());
  CHECK(r.curves.size() == 1u);
  CHECK(r.best_metric == 0.9);

  // `for epoch in range(n)` prints epoch=0 first: refused, and the warning says how to count.
  err = hs::test::stderr_of([&] {
    r = run_cmd("for e in 0 1 2; do echo \"epoch=$e val_acc=0.$e\"; done", {}, 6);
  });
  INFO(err);
  CHECK(r.status == TrialStatus::kCompleted);
  REQUIRE(r.curves.size() == 2u);
  CHECK(r.curves[0].epoch == 1);
  CHECK(err.find("1 line with an epoch that is not a whole number from 1 to 2147483647, or is "
                 "below the epoch before it, was left out of the curve (the first: \"epoch=0 "
                 "val_acc=0.0\", "
                 "where epoch 0 is not a whole number from 1: epochs count from 1 (print epoch + 1 "
                 "when the loop counts from 0, as range(n) does))") != std::string::npos);

  // An epoch that goes back names the one before it; one past an int says so.
  err = hs::test::stderr_of([&] {
    r = run_cmd("echo 'epoch=3 val_acc=0.3'; echo 'epoch=2 val_acc=0.2'", {}, 7);
  });
  CHECK(err.find("(the first: \"epoch=2 val_acc=0.2\", where epoch 2 is below the epoch before it "
                 "(3))") != std::string::npos);
  err = hs::test::stderr_of([&] { r = run_cmd("echo 'epoch=3e9 val_acc=0.3'; echo val_acc=1", {}, 8); });
  CHECK(err.find("where epoch 3000000000 is past 2147483647)") != std::string::npos);
}

TEST_CASE("an epoch line's metric or fixed column that is not a number is NaN and warned about",
          "[objective][command]") {
  Dir d;
  TrialRecord r;
  // A tensor's repr under val_acc was NaN in silence: the pruner judged nothing, and the
  // diagnosis said healthy. Text under other keys (phase) and None/null ("no value") stay quiet.
  std::string err = hs::test::stderr_of([&] {
    r = run_cmd("echo 'epoch=1 val_acc=tensor(0.1000) train_loss=0.5 phase=train'; "
                "echo 'epoch=2 val_acc=0.3 val_loss=None phase=val'; "
                "echo '{{\"epoch\": 3, \"val_acc\": 0.4, \"val_loss\": null, \"lr\": \"0.1\"}}'; "
                "echo 'epoch=4 val_acc=0.5 note=ok'",
                {}, 3);
  });
  INFO(err);
  CHECK(r.status == TrialStatus::kCompleted);
  REQUIRE(r.curves.size() == 4u);  // the rest of the line is read
  CHECK(std::isnan(r.curves[0].val_acc));
  CHECK(r.curves[0].train_loss == 0.5);
  CHECK(std::isnan(r.curves[2].lr));
  CHECK(r.best_metric == 0.5);
  CHECK(err.find("warning: trial 3: 2 epoch lines with a value that is not a number where one is "
                 "read, NaN in the curve (the first: \"epoch=1 val_acc=tensor(0.1000) "
                 "train_loss=0.5 phase=train\", where val_acc \"tensor(0.1000)\" is not a number "
                 "(a tensor? print .item()))") != std::string::npos);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);

  // The sweep's own metric is one such key; text under an extra column is not.
  err = hs::test::stderr_of([&] {
    r = run_cmd("echo 'epoch=1 f1=abc top5=n/a'; echo 'epoch=2 f1=0.5'", {}, 4, "metric = \"f1\"\n");
  });
  INFO(err);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(err.find("(the first: \"epoch=1 f1=abc top5=n/a\", where f1 \"abc\" is not a number)") !=
        std::string::npos);
  const std::string quiet = hs::test::stderr_of([&] {
    r = run_cmd("echo 'epoch=1 val_acc=0.5 phase=train top5=n/a val_loss=None'");
  });
  CHECK(quiet.empty());

  // A result line's tensor fails the trial, saying so.
  r = run_cmd("echo 'val_acc=tensor(0.9000)'");
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(r.error.find("is not a number (a tensor? print .item())") != std::string::npos);
}

TEST_CASE("a trial without its metric names a printed key a typo away from it",
          "[objective][command]") {
  // The failure said only that no line holds val_acc, with the misspelt key in plain sight.
  TrialRecord r = run_cmd("echo 'epoch=1 val_ac=0.5'; echo 'vall_acc=0.6 lr=0.1'; echo done");
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(r.error.find("no line of stdout that parses holds val_acc or metric (the last line: "
                     "\"done\"; a line printed val_ac: a typo?); ") != std::string::npos);
  // Keys far from it (val_loss is 3 edits away; lr, acc) are no typo.
  r = run_cmd("echo 'epoch=1 val_loss=0.5 acc=0.3 lr=0.1'");
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(r.error.find("typo") == std::string::npos);
  r = run_cmd("echo 'epoch=1 f2=0.5 lr=0.1'", {}, 0, "metric = \"f1\"\n");
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(r.error.find("typo") == std::string::npos);
  // Names apart in their digits alone are siblings: top5 is no typo of top1. val_acc1 may be one.
  r = run_cmd("echo 'epoch=1 top5=0.9 val_f2=0.5'", {}, 0, "metric = \"top1\"\n");
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(r.error.find("typo") == std::string::npos);
  r = run_cmd("echo 'epoch=1 val_acc1=0.9'");
  CHECK(r.error.find("a line printed val_acc1: a typo?") != std::string::npos);
}

TEST_CASE("a command's printed names past what a results file holds are left out and warned about",
          "[objective][command]") {
  Dir d;
  TrialRecord r;
  // 300 extra keys on an epoch line and on the result line, and one name of 101 bytes.
  const std::string long_name(101, 'n');
  const std::string err = hs::test::stderr_of([&] {
    r = run_cmd("keys=''; i=0; while [ $i -lt 300 ]; do keys=\"$keys k$i=$i\"; i=$((i+1)); done; "
                "echo \"epoch=1 val_acc=0.5 $keys\"; echo \"val_acc=0.5 " + long_name + "=1 $keys\"",
                {}, 2);
  });
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  REQUIRE(r.curve_extra_names.size() == kMaxExtraNames);
  CHECK(r.curve_extra_names.front() == "k0");
  CHECK(r.curve_extra_names.back() == "k255");
  REQUIRE(r.results.size() == kMaxExtraNames);
  CHECK(r.results.front().first == "k0");
  CHECK(r.results.back() == std::pair<std::string, double>{"k255", 255});
  // 44 on the epoch line, the long name and 44 more on the result line.
  CHECK(err.find("warning: trial 2: 89 printed values not kept (of k256, k257, k258, ...): a "
                 "trial keeps at most 256 extra curve columns and results, each name at most "
                 "100 bytes") != std::string::npos);
}

TEST_CASE("a line longer than 1 MiB is cut there and none of it is read", "[objective][command]") {
  // Its first MiB, "val_acc=0.99" and blanks, read as the result, where the whole line (a second
  // val_acc, a stray word) is none; a metric after a cut line still is one.
  const std::string print =
      "/usr/bin/python3 -c \"print('val_acc=0.99' + ' ' * (2 << 20) + 'val_acc=0.1 junk')\"";
  TrialRecord r;
  const std::string err = hs::test::stderr_of([&] { r = run_cmd(print, {}, 3); });
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(r.error.find("no line of stdout that parses holds val_acc") != std::string::npos);
  CHECK(err.find("it is longer than 1 MiB, so it was cut there and not read") !=
        std::string::npos);
  r = run_cmd(print + "; echo val_acc=0.5");
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.best_metric == 0.5);
  // One whose first MiB looks like no metric is warned about too: the trial's failure had no
  // word of the cut.
  const std::string words =
      "/usr/bin/python3 -c \"print('x' * (2 << 20) + ' val_acc=0.9')\"";
  const std::string said = hs::test::stderr_of([&] { r = run_cmd(words, {}, 4); });
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(said.find("it is longer than 1 MiB, so it was cut there and not read") !=
        std::string::npos);
}

TEST_CASE("a printed name no results file can hold (empty, a NUL in it) is left out, not fatal",
          "[objective][command]") {
  Dir d;
  TrialRecord r;
  // Two names that a NUL would cut to the same "a", and "": HDF5 cannot name a column so.
  const std::string err = hs::test::stderr_of([&] {
    r = run_cmd("echo '{{\"epoch\": 1, \"val_acc\": 0.5, \"\": 1, \"ok\": 2}}'; "
                "echo '{{\"val_acc\": 0.6, \"a\\u0000x\": 1, \"a\\u0000y\": 2, \"\": 3, \"f1\": 4}}'",
                {}, 3);
  });
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.curve_extra_names == std::vector<std::string>{"ok"});
  CHECK(r.results == std::vector<std::pair<std::string, double>>{{"f1", 4}});
  CHECK(err.find("warning: trial 3: 4 printed values not kept (of \"\", \"a\\u0000x\", "
                 "\"a\\u0000y\", ...)") != std::string::npos);
}

TEST_CASE("a command's best epoch and epochs are epoch numbers, not rows", "[objective][command]") {
  // Every other epoch printed: the best row is epoch 4's.
  TrialRecord r = run_cmd("echo 'epoch=2 val_acc=0.2'; echo 'epoch=4 val_acc=0.9'; "
                          "echo 'epoch=6 val_acc=0.5'; echo 'val_acc=0.9'");
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.curves.size() == 3u);
  CHECK(r.best_epoch == 4);
  CHECK(r.epochs == 6);
  // A train line and a val line per epoch: six rows of three epochs.
  r = run_cmd("for e in 1 2 3; do echo \"epoch=$e train_loss=0.$e\"; "
              "echo \"epoch=$e val_acc=0.$((4 - e))\"; done; echo val_acc=0.3");
  INFO(r.error);
  CHECK(r.curves.size() == 6u);
  CHECK(r.best_epoch == 1);
  CHECK(r.epochs == 3);
}

TEST_CASE("a NUL in a command's stderr does not cut the error stored", "[objective][command]") {
  const TrialRecord r = run_cmd("printf 'before\\0after: the real error\\n' >&2; exit 1");
  CHECK(r.status == TrialStatus::kFailed);
  CHECK(r.error.find("before\xEF\xBF\xBD" "after: the real error") != std::string::npos);
  CHECK(r.error.find('\0') == std::string::npos);
}

TEST_CASE("a per-trial command past its timeout is timed_out and max_retries may run it again",
          "[objective][command]") {
  // `exec sleep`: only the timeout can end it. (command_objective_test holds the process group.)
  CommandObjective o(sweep_of("command = 'exec sleep 100000'\ntimeout = 0.5"));
  const TrialRecord r = o.run(Trial{0, {ParamValue{int64_t{1}}}}, {});
  CHECK(r.status == TrialStatus::kTimedOut);
  CHECK(r.error.rfind("the command timed out after ", 0) == 0);
  CHECK(is_lost(r));
  TrialRecord trainer = r;  // the trainer's own max_seconds: timed_out, but not lost
  trainer.error.clear();
  CHECK_FALSE(is_lost(trainer));
}

TEST_CASE("a command's stdout and stderr are kept in its logs and each log is bounded",
          "[objective][command]") {
  Dir d;
  const std::string logs = (d.path / "r.h5.logs").string();
  const TrialRecord r = run_cmd("echo hello; echo oops >&2; echo metric=1", {0, 0, 0, logs}, 42);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.log_path == logs + "/000042");
  CHECK(d.read("r.h5.logs/000042.out") == "hello\nmetric=1\n");
  CHECK(d.read("r.h5.logs/000042.err") == "oops\n");

  // A retry keeps its own files.
  CommandObjective o(sweep_of("command = 'echo metric=2'"), {0, 0, 0, logs});
  const TrialRecord again = o.run(Trial{42, {ParamValue{int64_t{1}}}, 2}, {});
  CHECK(again.log_path == logs + "/000042.2");
  CHECK(d.read("r.h5.logs/000042.2.out") == "metric=2\n");

  // The same attempt run again (it was interrupted): the logs of the run before are kept aside,
  // .1 then .2, not written over; an empty one is written over.
  for (const char* said : {"metric=3", "metric=4"}) {
    CommandObjective rerun(sweep_of(std::string("command = 'echo ") + said + "'"), {0, 0, 0, logs});
    CHECK(rerun.run(Trial{42, {ParamValue{int64_t{1}}}, 2}, {}).status == TrialStatus::kCompleted);
  }
  CHECK(d.read("r.h5.logs/000042.2.out") == "metric=4\n");
  CHECK(d.read("r.h5.logs/000042.2.out.2") == "metric=3\n");
  CHECK(d.read("r.h5.logs/000042.2.out.1") == "metric=2\n");
  CHECK_FALSE(std::filesystem::exists(d.path / "r.h5.logs/000042.2.err.1"));  // empty: written over

  // 9,000,000 bytes of stdout: the first kMaxLogBytes are kept, then the count of the rest.
  const TrialRecord big = run_cmd("head -c 9000000 /dev/zero | tr '\\0' a; echo; echo metric=1",
                                  {0, 0, 0, logs}, 7);
  CHECK(big.status == TrialStatus::kCompleted);  // the result is read whatever the log keeps
  const std::string out = d.read("r.h5.logs/000007.out");
  CHECK(out.size() < kMaxLogBytes + 200);
  CHECK(out.substr(0, 10) == "aaaaaaaaaa");
  CHECK(out.find("[hypersweep: " + std::to_string(9000000 + 1 + 9 - kMaxLogBytes) +
                 " more bytes dropped") != std::string::npos);

  // A log folder that cannot be made: the trials run without logs, and a warning says why once.
  // (It failed every trial: a read-only log folder failed the rest of a sweep in a second.)
  d.write("file", "x");
  CommandObjective nowhere(sweep_of("command = 'echo metric=1'"),
                           {0, 0, 0, (d.path / "file" / "logs").string()});
  std::vector<TrialRecord> runs;
  const std::string said = hs::test::stderr_of([&] {
    for (int64_t id = 0; id < 2; ++id) runs.push_back(nowhere.run(Trial{id, {ParamValue{int64_t{1}}}}, {}));
  });
  for (const TrialRecord& r : runs) {
    INFO(r.error);
    CHECK(r.status == TrialStatus::kCompleted);
    CHECK(r.best_metric == 1);
    CHECK(r.log_path.empty());
  }
  const std::string warning = "cannot make the folder for the trials' logs";
  CHECK(said.find(warning) != std::string::npos);
  CHECK(said.find(warning, said.find(warning) + 1) == std::string::npos);
  CHECK(said.find("so 000000 and the trials after it run without their logs") != std::string::npos);
}

TEST_CASE("HYPERSWEEP_SEED fits in 32 bits for numpy and random and SEED64 is the full seed",
          "[objective][command]") {
  const SweepConfig s = sweep_of("command = 'x'");
  bool any_big = false;
  for (int64_t id = 0; id < 64; ++id) {
    const Trial t{id, {ParamValue{int64_t{1}}}};
    CHECK(trial_seed32(s, t) == trial_seed(s, t) % (uint64_t{1} << 32));
    any_big = any_big || trial_seed(s, t) >= (uint64_t{1} << 32);
  }
  CHECK(any_big);  // the 64-bit seed alone would not fit
  // Without numpy: the range np.random.seed demands, checked by the command itself.
  const TrialRecord plain = run_cmd(
      "/usr/bin/python3 -c 'import os, random; s = int(os.environ[\"HYPERSWEEP_SEED\"]); "
      "assert 0 <= s < 2**32; assert int(os.environ[\"HYPERSWEEP_SEED64\"]) % 2**32 == s; "
      "random.seed(s); print(\"metric=1\")'",
      {}, 3);
  INFO(plain.error);
  CHECK(plain.status == TrialStatus::kCompleted);
  // With numpy, which raises "Seed must be between 0 and 2**32 - 1" for a 64-bit one.
  const TrialRecord np = run_cmd(
      "/usr/bin/python3 -c 'import os, numpy as np; np.random.seed(int(os.environ[\"HYPERSWEEP_SEED\"])); "
      "print(\"metric=%f\" % np.random.rand())'",
      {}, 3);
  INFO(np.error);
  CHECK(np.status == TrialStatus::kCompleted);
}

TEST_CASE("a command is told its worker and local worker and threads and devices",
          "[objective][command]") {
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  Dir d;
  const std::string probe =
      "echo \"$HYPERSWEEP_WORKER $HYPERSWEEP_LOCAL_WORKER $OMP_NUM_THREADS "
      "${{CUDA_VISIBLE_DEVICES-unset}} $HYPERSWEEP_MODE $HYPERSWEEP_TRIAL_ID $HYPERSWEEP_ATTEMPT\" > " +
      (d.path / "env").string() + "; echo metric=1";
  CommandObjective o(sweep_of("command = '''" + probe + "'''\ngpus_per_worker = 2"), {3, 1, 4, ""});
  CHECK(o.run(Trial{5, {ParamValue{int64_t{1}}}, 2}, {}).status == TrialStatus::kCompleted);
  CHECK(d.read("env") == "3 1 4 2,3 trial 5 2\n");
  CommandObjective none(sweep_of("command = '''" + probe + "'''"), {0, 0, 0, ""});
  CHECK(none.run(Trial{1, {ParamValue{int64_t{1}}}}, {}).status == TrialStatus::kCompleted);
  CHECK(d.read("env") == "0 0  unset trial 1 1\n");  // threads 0 and no GPUs: left unset

  // The node's list: the inherited CUDA_VISIBLE_DEVICES, else gpus_per_node, else 0, 1, ...;
  // taken modulo its length, so workers may share a device.
  CHECK(visible_devices(1, 1, 0, "4,5,6") == "5");
  CHECK(visible_devices(3, 1, 0, "4,5,6") == "4");
  CHECK(visible_devices(1, 2, 0, "GPU-a,GPU-b,GPU-c") == "GPU-c,GPU-a");
  CHECK(visible_devices(2, 1, 2, nullptr) == "0");
  CHECK(visible_devices(2, 1, 2, "") == "0");
  CHECK(visible_devices(5, 1, 0, nullptr) == "5");
}

TEST_CASE("a python script's epoch lines arrive as printed without a flush", "[objective][command]") {
  // Python buffers a pipe's stdout: a script's plain print()s came at its exit, so a pruner's
  // answer came after the whole run and a timeout's SIGTERM lost every epoch. The script here
  // waits, after its unflushed epoch line, for the file the hook makes when the line arrives;
  // buffered, it would wait until its timeout.
  ::unsetenv("PYTHONUNBUFFERED");
  Dir d;
  const std::string got = (d.path / "got").string();
  const std::string script = d.write("t.py",
      "import os, time\n"
      "print('epoch=1 val_acc=0.5')\n"
      "while not os.path.exists('" + got + "'): time.sleep(0.01)\n"
      "print('val_acc=0.5')\n");
  CommandObjective o(sweep_of("command = '/usr/bin/python3 " + script + "'\ntimeout = 120"), {});
  TrialHooks hooks;
  hooks.on_epoch = [&](const TrialRecord&) {
    std::ofstream(got) << "1";
    return EpochAnswer::kContinue;
  };
  const TrialRecord r = o.run(Trial{0, {ParamValue{int64_t{1}}}}, hooks);
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.curves.size() == 1u);
  // Any program gets it; a value the user set is passed on as it is.
  const std::string said = "echo \"[${{PYTHONUNBUFFERED-unset}}]\" > " + (d.path / "env").string() +
                           "; echo metric=1";
  CHECK(run_cmd(said).status == TrialStatus::kCompleted);
  CHECK(d.read("env") == "[1]\n");
  ::setenv("PYTHONUNBUFFERED", "", 1);
  CHECK(run_cmd(said).status == TrialStatus::kCompleted);
  ::unsetenv("PYTHONUNBUFFERED");
  CHECK(d.read("env") == "[]\n");
}

TEST_CASE("a log whose write fails says so once and the trial goes on", "[objective][command]") {
  // A full disk cut a trial's log short without a word (fwrite's failure ignored), the trial
  // recorded completed with an empty or partial .out.
  Dir d;
  const std::string said = hs::test::stderr_of([] {
    LogFile log;
    REQUIRE(log.open("/dev/full").ok());  // every write: No space left on device
    log.write(std::string(100000, 'x'));
    log.write("more\n");
    log.close();
  });
  const std::string warning =
      "/dev/full: the log is cut short after about 0 bytes: No space left on device";
  const size_t first = said.find(warning);
  CHECK(first != std::string::npos);
  CHECK(said.find(warning, first + 1) == std::string::npos);  // once
}

TEST_CASE("the objective table keys of worker mode and GPUs are checked", "[objective][command]") {
  auto err = [](const std::string& objective, const std::string& space = "x = 1\n") {
    auto s = load_sweep_text("[objective]\n" + objective + "\n[space]\n" + space, "s.toml");
    return s ? std::string() : s.error().str();
  };
  CHECK(err("command = 'a'\nmode = \"worker\"").empty());
  CHECK(err("command = 'a'\nmode = \"server\"").find("s.toml:3") != std::string::npos);
  CHECK(err("command = 'a --x {x}'\nmode = \"worker\"").find("takes no {placeholders}") !=
        std::string::npos);
  CHECK(err("command = 'a'\ngpus_per_worker = -1").find("gpus_per_worker") != std::string::npos);
  CHECK(err("command = 'a'\ngpus_per_node = 1.5").find("gpus_per_node") != std::string::npos);
}

TEST_CASE("a worker objective runs trials on one program and starts it again after a crash",
          "[objective][worker]") {
  Dir d;
  const std::string script = d.write("w.py",
      "import os, sys\n"
      "sys.path.insert(0, '" HS_SOURCE_DIR "/python')\n"
      "from hypersweep_worker import serve\n"
      "open('" + (d.path / "starts").string() + "', 'a').write('s\\n')\n"
      "def train(p, t):\n"
      "    print('Training finished.', flush=True)\n"
      "    if t.id == 1: os._exit(3)\n"
      "    if t.id == 2: raise RuntimeError('no good')\n"
      "    t.report(epoch=1, val_acc=p['x'], extra=t.seed)\n"
      "    return {'val_acc': p['x'], 'seed': t.seed, 'n': p['name'] == 'a b\"c'}\n"
      "serve(train)\n");
  const SweepConfig s = sweep_of("mode = \"worker\"\ncommand = '/usr/bin/python3 " + script + "'",
                                 "x = { uniform = [0, 1] }\nname = [\"a b\\\"c\"]\n");
  const std::string logs = (d.path / "logs").string();
  {
    WorkerObjective o(s, {0, 0, 1, logs});
    const TrialRecord a = o.run(Trial{0, {ParamValue{0.5}, ParamValue{std::string("a b\"c")}}}, {});
    INFO(a.error);
    CHECK(a.status == TrialStatus::kCompleted);
    CHECK(a.best_metric == 0.5);
    CHECK(a.curves.size() == 1u);
    REQUIRE(a.results.size() == 1u);  // `n` is a JSON true: text, not a number
    CHECK(a.results[0].first == "seed");
    CHECK(a.results[0].second == static_cast<double>(trial_seed32(s, Trial{0, {}})));
    const TrialRecord b = o.run(Trial{1, {ParamValue{0.25}, ParamValue{std::string("x")}}}, {});
    CHECK(b.status == TrialStatus::kFailed);
    CHECK(b.error.find("the command exited with status 3 (mode = \"worker\"") == 0);
    const TrialRecord c = o.run(Trial{2, {ParamValue{0.25}, ParamValue{std::string("x")}}}, {});
    CHECK(c.status == TrialStatus::kFailed);
    CHECK(c.error.find("the command reported the trial failed: RuntimeError: no good") == 0);
    CHECK(c.error.find("Traceback") != std::string::npos);
    CHECK(o.starts() == 2);  // once, and again after trial 1 died; trial 2 raised only
  }  // stdin closed: the program exits on EOF
  CHECK(d.read("starts") == "s\ns\n");
  CHECK(d.read("logs/000000.out").find("Training finished.") != std::string::npos);
  CHECK(d.read("logs/worker-0.out").find("ready after") != std::string::npos);
  CHECK(
      trial_line(s, Trial{4, {ParamValue{0.5}, ParamValue{std::string("q\"")}}, 2}) ==
      "{\"trial\": 4, \"attempt\": 2, \"seed\": " + std::to_string(trial_seed32(s, Trial{4, {}})) +
          ", \"seed64\": " + std::to_string(trial_seed(s, Trial{4, {}})) +
          ", \"epoch_answers\": true, \"params\": {\"x\": 0.5, \"name\": \"q\\\"\"}}\n");
}

namespace {

// Whether process `pid` is still there (not gone, not a zombie).
bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return false;
  const size_t at = text.rfind(')');
  return at != std::string::npos && text.compare(at, 3, ") Z") != 0;
}

}  // namespace

TEST_CASE("the Python helper fails a trial whose train raises Stopped itself or reports late",
          "[objective][worker]") {
  // Stopped raised by the script (not by a stop answer) printed `@hypersweep stopped` untold,
  // and both sides waited for ever; a Trial kept past its train() wrote into the next trial's
  // curve; a second serve() trained every trial again.
  Dir d;
  const std::string script = d.write("w.py",
      "import sys\n"
      "sys.path.insert(0, '" HS_SOURCE_DIR "/python')\n"
      "from hypersweep_worker import serve, Stopped\n"
      "kept = []\n"
      "def train(p, t):\n"
      "    if p['case'] == 'stop': raise Stopped()\n"
      "    if p['case'] == 'late': kept[0].report(epoch=2, val_acc=0.99)\n"
      "    kept.append(t)\n"
      "    t.report(epoch=1, val_acc=0.5)\n"
      "    return {'val_acc': 0.5}\n"
      "serve(train)\n"
      "serve(train)\n");
  const SweepConfig s = sweep_of("mode = \"worker\"\ncommand = '/usr/bin/python3 " + script +
                                     "'\ntimeout = 60",
                                 "case = [\"ok\", \"stop\", \"late\"]\n");
  {
    WorkerObjective o(s, {});
    const auto run = [&](int64_t id, const char* c) {
      return o.run(Trial{id, {ParamValue{std::string(c)}}}, {});
    };
    const TrialRecord ok = run(0, "ok");
    CHECK(ok.status == TrialStatus::kCompleted);
    const TrialRecord stop = run(1, "stop");
    INFO(stop.error);
    CHECK(stop.status == TrialStatus::kFailed);
    CHECK(stop.error.find("train() raised Stopped itself") != std::string::npos);
    const TrialRecord late = run(2, "late");
    INFO(late.error);
    CHECK(late.status == TrialStatus::kFailed);
    CHECK(late.error.find("report() on trial 0 after its train() returned") != std::string::npos);
    CHECK(late.curves.empty());
  }
  // Per trial: the second serve() refuses (the trial was trained once, its result printed).
  const SweepConfig once = sweep_of("command = '/usr/bin/python3 " + script + " case=ok'",
                                    "case = [\"ok\"]\n");
  const TrialRecord r =
      CommandObjective(once, {}).run(Trial{0, {ParamValue{std::string("ok")}}}, {});
  CHECK(r.curves.size() == 1u);
  CHECK(r.error.find("serve() runs once per process") != std::string::npos);
}

TEST_CASE("a worker trial's line over 1 MiB is cut in its log with a note", "[objective][worker]") {
  // The log kept the line's first MiB and said nothing of the rest (per-trial logs say what
  // they drop).
  Dir d;
  const std::string script = d.write(
      "w.sh", "echo '@hypersweep ready'\nwhile read line; do head -c 2100000 /dev/zero | "
              "tr '\\0' q; echo; echo val_acc=0.5; echo '@hypersweep done'; done\n");
  {
    WorkerObjective o(sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'"),
                      {0, 0, 1, (d.path / "logs").string()});
    CHECK(o.run(Trial{0, {ParamValue{int64_t{1}}}}, {}).status == TrialStatus::kCompleted);
  }
  const std::string log = d.read("logs/000000.out");
  CHECK(log.find(std::string(1 << 20, 'q') + "\n[hypersweep: the rest of this line, past 1 MiB, "
                 "was not kept]\nval_acc=0.5\n") != std::string::npos);
}

TEST_CASE("a worker program's strays are ended when it ends, and its log counts them",
          "[objective][worker]") {
  Dir d;
  // Each trial starts a `sleep` in a session of its own, as start_new_session=True does: the
  // program's process group does not hold it. The program may keep such a helper across its
  // trials, so it is ended with the program, not with the trial.
  const std::string pids = (d.path / "pids").string();
  const std::string script = d.write("w.py",
      "import subprocess, sys\n"
      "sys.path.insert(0, '" HS_SOURCE_DIR "/python')\n"
      "from hypersweep_worker import serve\n"
      "def train(p, t):\n"
      "    s = subprocess.Popen(['sleep', '100000'], start_new_session=True)\n"
      "    open('" + pids + "', 'a').write(str(s.pid) + '\\n')\n"
      "    return {'val_acc': p['x']}\n"
      "serve(train)\n");
  const std::string logs = (d.path / "logs").string();
  std::vector<pid_t> strays;
  {
    WorkerObjective o(sweep_of("mode = \"worker\"\ncommand = '/usr/bin/python3 " + script + "'",
                               "x = { uniform = [0, 1] }\n"),
                      {0, 0, 1, logs});
    for (int64_t id = 0; id < 2; ++id)
      CHECK(o.run(Trial{id, {ParamValue{0.5}}}, {}).status == TrialStatus::kCompleted);
    std::istringstream in(d.read("pids"));
    for (pid_t p; in >> p;) strays.push_back(p);
    REQUIRE(strays.size() == 2u);
    for (pid_t p : strays) CHECK(alive(p));  // the program is still up
  }  // the program ends: stdin closed, it exits on EOF
  bool any = false;
  for (pid_t p : strays) {
    any = any || alive(p);
    if (alive(p)) ::kill(p, SIGKILL);  // a failure leaves nothing running
  }
  CHECK_FALSE(any);
  CHECK(d.read("logs/worker-0.out").find("left 2 processes outside its process group") !=
        std::string::npos);
}

TEST_CASE("the Python helper gets a trial's values typed alike per trial and in worker mode",
          "[objective][worker]") {
  Dir d;
  // Each trial writes repr() of what train() got; a real 1.0 and the strings "007", "true" and
  // "1e5" read from name=value arguments alone came out as 1, 7, True and 100000.0.
  const std::string script = d.write("w.py",
      "import os, sys\n"
      "sys.path.insert(0, '" HS_SOURCE_DIR "/python')\n"
      "from hypersweep_worker import serve\n"
      "def train(p, t):\n"
      "    open('" + (d.path / "got").string() + "', 'a').write(repr(sorted(p.items())) + '\\n')\n"
      "    return {'val_acc': 0.5}\n"
      "serve(train)\n");
  const std::string space = "x = [1.0]\ns = [\"007\", \"true\", \"1e5\"]\nk = [3]\n";
  const Trial t{0, {ParamValue{1.0}, ParamValue{std::string("007")}, ParamValue{int64_t{3}}}};
  const Trial u{1, {ParamValue{1.0}, ParamValue{std::string("1e5")}, ParamValue{int64_t{3}}}};
  CommandObjective per_trial(
      sweep_of("command = '/usr/bin/python3 " + script + " x={x} s={s} k={k}'", space), {});
  CHECK(per_trial.run(t, {}).status == TrialStatus::kCompleted);
  CHECK(per_trial.run(u, {}).status == TrialStatus::kCompleted);
  {
    WorkerObjective worker(sweep_of("mode = \"worker\"\ncommand = '/usr/bin/python3 " + script + "'",
                                    space), {});
    CHECK(worker.run(t, {}).status == TrialStatus::kCompleted);
    CHECK(worker.run(u, {}).status == TrialStatus::kCompleted);
  }
  const std::string a = "[('k', 3), ('s', '007'), ('x', 1.0)]\n";
  const std::string b = "[('k', 3), ('s', '1e5'), ('x', 1.0)]\n";
  CHECK(d.read("got") == a + b + a + b);
}

TEST_CASE("the Python helper writes numpy scalars and one-element tensors as numbers",
          "[objective][worker]") {
  // np.float32(0.5) in report() or the returned dict was a TypeError: a failed trial.
  Dir d;
  const std::string script = d.write("w.py",
      "import sys\n"
      "sys.path.insert(0, '" HS_SOURCE_DIR "/python')\n"
      "from hypersweep_worker import serve\n"
      "class Scalar:  # what numpy scalars and one-element tensors have: item()\n"
      "    def __init__(self, v): self.v = v\n"
      "    def item(self): return self.v\n"
      "def train(p, t):\n"
      "    t.report(epoch=1, val_acc=Scalar(0.25), n=Scalar(3))\n"
      "    try:\n"
      "        import numpy as np\n"
      "        t.report(epoch=2, val_acc=np.float32(0.5), n=np.int64(4))\n"
      "    except ImportError:\n"
      "        t.report(epoch=2, val_acc=Scalar(0.5), n=Scalar(4))\n"
      "    return {'val_acc': Scalar(0.5), 'n': Scalar(7)}\n"
      "serve(train)\n");
  const SweepConfig s =
      sweep_of("mode = \"worker\"\ncommand = '/usr/bin/python3 " + script + "'");
  WorkerObjective o(s, {});
  const TrialRecord r = o.run(Trial{0, {ParamValue{int64_t{1}}}}, {});
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.best_metric == 0.5);
  REQUIRE(r.curves.size() == 2u);
  CHECK(r.curves[0].val_acc == 0.25);
  CHECK(r.curves[1].val_acc == 0.5);
  REQUIRE(r.results.size() == 1u);
  CHECK(r.results[0] == std::pair<std::string, double>{"n", 7.0});
}

TEST_CASE("the Python helper takes a number as the metric and warns of a result it cannot keep",
          "[objective][worker]") {
  // Returning a float, as an Optuna objective does, failed every trial after its training, each
  // with its value in the message (so fail_fast never saw one cause); a list among the values
  // failed the trial, 'epoch' in the result or no metric in it lost the result without a word.
  Dir d;
  const std::string script = d.write("w.py",
      "import sys\n"
      "sys.path.insert(0, '" HS_SOURCE_DIR "/python')\n"
      "from hypersweep_worker import serve\n"
      "class TrialPruned(Exception): pass\n"
      "def train(p, t):\n"
      "    c = p['case']\n"
      "    if c == 'midline': print('loading...', end='', flush=True)\n"
      "    t.report(epoch=1, score=0.25)\n"
      "    if c == 'midline': print('x', end=''); return 0.6\n"
      "    if c == 'number': return 0.75\n"
      "    if c == 'list': return {'score': 0.5, 'arr': [1, 2], 'n': 3}\n"
      "    if c == 'epoch': return {'score': 0.9, 'epoch': 1, 'n': 4}\n"
      "    if c == 'none': return {'n': 5}\n"
      "    if c == 'pruned': raise TrialPruned()\n"
      "    return 'done'\n"
      "serve(train)\n");
  const SweepConfig s = sweep_of("mode = \"worker\"\ntimeout = 60\ncommand = '/usr/bin/python3 " +
                                     script + "'",
                                 "case = [\"number\", \"list\", \"epoch\", \"none\", \"pruned\", "
                                 "\"text\", \"midline\"]\n", "metric = \"score\"\n");
  const std::string logs = (d.path / "logs").string();
  std::vector<TrialRecord> r;
  {
    WorkerObjective o(s, {0, 0, 1, logs});
    for (const char* c : {"number", "list", "epoch", "none", "pruned", "text", "midline"})
      r.push_back(o.run(Trial{static_cast<int64_t>(r.size()), {ParamValue{std::string(c)}}}, {}));
  }
  for (size_t i = 0; i < 4; ++i) {
    INFO(i << ": " << r[i].error);
    CHECK(r[i].status == TrialStatus::kCompleted);
  }
  CHECK(r[0].best_metric == 0.75);
  CHECK(r[1].best_metric == 0.5);
  CHECK(r[1].results == std::vector<std::pair<std::string, double>>{{"n", 3.0}});
  CHECK(d.read("logs/000001.err").find("'arr' is a list, not a number: left out") !=
        std::string::npos);
  CHECK(r[2].best_metric == 0.9);
  CHECK(r[2].results == std::vector<std::pair<std::string, double>>{{"n", 4.0}});
  CHECK(d.read("logs/000002.err").find("holds 'epoch'") != std::string::npos);
  CHECK(r[3].best_metric == 0.25);  // the epoch line's: said so
  CHECK(d.read("logs/000003.err").find("train() returned no 'score', the sweep's metric") !=
        std::string::npos);
  CHECK(r[4].status == TrialStatus::kFailed);
  CHECK(r[4].error.find("TrialPruned:  (Optuna's pruning exception: under hypersweep the "
                        "sweep's [sweep] pruner decides") != std::string::npos);
  CHECK(r[5].status == TrialStatus::kFailed);
  CHECK(error_headline(r[5].error).find("TypeError: train() must return its metric (a number) or "
                                        "a dict such as {'val_acc': 0.9}, not a str") !=
        std::string::npos);
  // The script's print(..., end="") before a line of the helper's: `loading...@hypersweep epoch`
  // was no directive, and the trial waited for its timeout.
  INFO(r[6].error);
  CHECK(r[6].status == TrialStatus::kCompleted);
  CHECK(r[6].best_metric == 0.6);
  CHECK(r[6].curves.size() == 1u);
}

TEST_CASE("a worker program that dies at start-up fails its trials quickly and is given up",
          "[objective][worker]") {
  const SweepConfig s = sweep_of("mode = \"worker\"\ncommand = 'echo broken >&2; exit 2'");
  WorkerObjective o(s, {});
  std::vector<std::string> headlines;
  for (int i = 0; i < WorkerObjective::kStartupDeaths; ++i) {
    const TrialRecord r = o.run(Trial{i, {ParamValue{int64_t{1}}}}, {});
    CHECK(r.status == TrialStatus::kFailed);
    headlines.push_back(error_headline(r.error));
  }
  // The same failure reads the same in every trial (show and fail_fast group them), with its
  // cause; that it is started again is said below the first line.
  CHECK(headlines[0] == headlines[2]);
  CHECK(headlines[0] == "the command died at start-up: it exited with status 2; its stderr ends: "
                        "broken");
  const TrialRecord last = o.run(Trial{9, {ParamValue{int64_t{1}}}}, {});
  CHECK(last.status == TrialStatus::kFailed);
  // Given up: the same headline (a sweep's fail_fast counts the trials after it with the
  // deaths), and the error says this worker does not start it again.
  CHECK(error_headline(last.error) == headlines[0]);
  CHECK(last.error.find("3 times in a row: this worker does not start it again") !=
        std::string::npos);
  CHECK(o.starts() == WorkerObjective::kStartupDeaths);
}

TEST_CASE("a worker program known to start is not given up when trials kill it",
          "[objective][worker]") {
  // It prints no ready line, ended trial 0, then dies of trials 1 to 4's values: those were
  // taken for start-up deaths, the worker gave it up, and trials 5 and 6 failed with trial 4's
  // error.
  Dir d;
  const std::string script = d.write(
      "w.sh", "while read line; do\n"
              "  case \"$line\" in\n"
              "    *'\"k\": 0'*|*'\"k\": 5'*|*'\"k\": 6'*)\n"
              "      echo val_acc=0.5; echo '@hypersweep done';;\n"
              "    *) echo crash >&2; exit 1;;\n"
              "  esac\n"
              "done\n");
  const SweepConfig s =
      sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'", "k = { int = [0, 6] }\n");
  WorkerObjective o(s, {});
  std::vector<TrialRecord> r;
  for (int64_t k = 0; k <= 6; ++k) r.push_back(o.run(Trial{k, {ParamValue{k}}}, {}));
  CHECK(r[0].status == TrialStatus::kCompleted);
  for (size_t k = 1; k <= 4; ++k) {
    INFO(k << ": " << r[k].error);
    CHECK(r[k].status == TrialStatus::kFailed);
    CHECK(r[k].error.find("the command exited with status 1 (mode = \"worker\"") == 0);
  }
  CHECK(r[5].status == TrialStatus::kCompleted);
  CHECK(r[6].status == TrialStatus::kCompleted);
}

TEST_CASE("a stop interrupts a worker trial and kills the program", "[objective][worker]") {
  Dir d;
  const SweepConfig s = sweep_of("mode = \"worker\"\ncommand = '''read line; touch " +
                                 (d.path / "got").string() + "; exec sleep 100000'''");
  WorkerObjective o(s, {});
  const TrialRecord r = o.run(Trial{0, {ParamValue{int64_t{1}}}},
                              TrialHooks{{}, [&] { return fs::exists(d.path / "got"); }, {}});
  CHECK(r.status == TrialStatus::kInterrupted);
}

TEST_CASE("a worker program that exits cleanly after a trial is started again for the next",
          "[objective][worker]") {
  // One trial per program (some exit after N trials, against leaks): every other trial was
  // failed as "the command exited (status 0)", sent to the program as it exited.
  const SweepConfig s = sweep_of(
      "mode = \"worker\"\ncommand = '''echo '@hypersweep ready'; read line; echo val_acc=0.5; "
      "echo '@hypersweep done'; exit 0'''");
  WorkerObjective o(s, {});
  for (int64_t id = 0; id < 3; ++id) {
    const TrialRecord r = o.run(Trial{id, {ParamValue{int64_t{1}}}}, {});
    INFO(id << ": " << r.error);
    CHECK(r.status == TrialStatus::kCompleted);
    CHECK(r.best_metric == 0.5);
  }
  CHECK(o.starts() == 3);
  // One that exits without a word about its trial still fails it, after one fresh start.
  const SweepConfig quiet =
      sweep_of("mode = \"worker\"\ncommand = '''echo '@hypersweep ready'; read line; exit 0'''");
  WorkerObjective q(quiet, {});
  const TrialRecord first = q.run(Trial{0, {ParamValue{int64_t{1}}}}, {});
  CHECK(first.status == TrialStatus::kFailed);
  const TrialRecord second = q.run(Trial{1, {ParamValue{int64_t{1}}}}, {});
  CHECK(second.status == TrialStatus::kFailed);
  CHECK(second.error.find("the command exited (status 0)") == 0);
  CHECK(q.starts() == 2);  // each trial its own start: a fresh program that ends is not retried
}

TEST_CASE("a stopped worker program gets SIGTERM's grace after its shell died of it",
          "[objective][worker]") {
  // `sh program.sh; true`: the shell does not exec, and dies of the SIGTERM at once; the
  // program traps it and cleans up first, which a SIGKILL 1 s after the shell was gone cut off.
  Dir d;
  const std::string program = d.write(
      "program.sh", "trap 'sleep 1.2; touch " + (d.path / "cleaned").string() + "; exit 0' TERM\n"
                    "read line; touch " + (d.path / "got").string() +
                    "\nwhile :; do sleep 0.05; done\n");
  const SweepConfig s = sweep_of("mode = \"worker\"\ncommand = 'sh " + program + "; true'");
  {
    WorkerObjective o(s, {});
    const TrialRecord r = o.run(Trial{0, {ParamValue{int64_t{1}}}},
                                TrialHooks{{}, [&] { return fs::exists(d.path / "got"); }, {}});
    CHECK(r.status == TrialStatus::kInterrupted);
  }
  CHECK(fs::exists(d.path / "cleaned"));
}

TEST_CASE("an @hypersweep epoch line gets continue or stop and a stopped trial ends in the program",
          "[objective][worker]") {
  Dir d;
  // The protocol by hand: each epoch line waits for its answer (kept in `answers`); on `stop`
  // the program ends the trial and reads the next. Trial 0 is stopped at epoch 2, trial 1 runs.
  const std::string script = d.write(
      "w.sh", "echo s >> '" + (d.path / "starts").string() +
                  "'\n"
                  "while read line; do\n"
                  "  for e in 1 2 3; do\n"
                  "    echo \"@hypersweep epoch epoch=$e val_acc=0.$e\"\n"
                  "    read answer\n"
                  "    echo \"$answer\" >> '" +
                  (d.path / "answers").string() +
                  "'\n"
                  "    if [ \"$answer\" = stop ]; then echo '@hypersweep stopped'; continue 2; fi\n"
                  "  done\n"
                  "  echo val_acc=0.3\n"
                  "  echo '@hypersweep done'\n"
                  "done\n");
  WorkerObjective o(sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'"),
                    {0, 0, 1, (d.path / "logs").string()});
  const TrialHooks stop_at_2{[](const TrialRecord& so_far) {
                               return so_far.curves.size() == 2 ? EpochAnswer::kStop
                                                                : EpochAnswer::kContinue;
                             },
                             {}, {}};
  const TrialRecord a = o.run(Trial{0, {ParamValue{int64_t{1}}}}, stop_at_2);
  INFO(a.error);
  CHECK(a.status == TrialStatus::kInterrupted);
  CHECK(a.curves.size() == 2u);
  const TrialRecord b = o.run(Trial{1, {ParamValue{int64_t{1}}}}, {});
  INFO(b.error);
  CHECK(b.status == TrialStatus::kCompleted);
  CHECK(b.curves.size() == 3u);
  CHECK(b.best_metric == 0.3);
  CHECK(o.starts() == 1);  // the stopped trial did not cost the program its life
  CHECK(d.read("answers") == "continue\nstop\ncontinue\ncontinue\ncontinue\n");
  CHECK(d.read("logs/worker-0.out")
            .find("trial 0 stopped after epoch 2; the program ended it and goes on") !=
        std::string::npos);
}

TEST_CASE("a worker program that does not end a stopped trial is killed and its log says so",
          "[objective][worker]") {
  // Its worker log said "interrupted: the sweep was stopped while the command ran": the sweep
  // had not been stopped, the pruner had.
  Dir d;
  const std::string script = d.write(
      "w.sh", "while read line; do\n"
              "  echo '@hypersweep epoch epoch=1 val_acc=0.1'\n"
              "  read answer\n"
              "  exec sleep 100000\n"
              "done\n");
  WorkerObjective o(sweep_of("mode = \"worker\"\ntimeout = 1\ncommand = 'sh " + script + "'"),
                    {0, 0, 1, (d.path / "logs").string()});
  const TrialHooks stop{[](const TrialRecord&) { return EpochAnswer::kStop; }, {}, {}};
  const TrialRecord a = o.run(Trial{0, {ParamValue{int64_t{1}}}}, stop);
  INFO(a.error);
  CHECK(a.error.find("stopped by the pruner, and the program had not ended the trial ") == 0);
  CHECK(a.error.find("s after its `stop` (at most 10 s, within its timeout): it was killed") !=
        std::string::npos);
  CHECK(d.read("logs/worker-0.out").find("trial 0: stopped by the pruner") != std::string::npos);
}

TEST_CASE("a worker program stopped at a plain epoch line is started again and its log says why",
          "[objective][worker]") {
  // Epoch lines printed plainly (print(), not trial.report) cannot be answered: a stop ends the
  // program, which starts again for the next trial, and its worker log said nothing of why.
  Dir d;
  const std::string script = d.write(
      "w.sh", "while read line; do\n"
              "  for e in 1 2 3; do echo \"epoch=$e val_acc=0.$e\"; done\n"
              "  echo val_acc=0.3; echo '@hypersweep done'\n"
              "done\n");
  WorkerObjective o(sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'"),
                    {0, 0, 1, (d.path / "logs").string()});
  const TrialHooks stop_at_2{[](const TrialRecord& so_far) {
                               return so_far.curves.size() == 2 ? EpochAnswer::kStop
                                                                : EpochAnswer::kContinue;
                             },
                             {}, {}};
  const TrialRecord a = o.run(Trial{0, {ParamValue{int64_t{1}}}}, stop_at_2);
  INFO(a.error);
  CHECK(a.status == TrialStatus::kInterrupted);  // stopped by the sweep: the queue says pruned
  const TrialRecord b = o.run(Trial{1, {ParamValue{int64_t{1}}}}, {});
  CHECK(b.status == TrialStatus::kCompleted);
  CHECK(o.starts() == 2);
  CHECK(d.read("logs/worker-0.out").find("trial 0 pruned after epoch 2: the program is ended and "
                                         "started again for the next trial") != std::string::npos);
}

TEST_CASE("a worker program's start-up before @hypersweep ready is not its first trial's time",
          "[objective][worker]") {
  Dir d;
  // A start-up (2 s) and a trial (2 s) that fit in the timeout (3.5 s) each but not together:
  // counted from `ready`, the first trial has its whole timeout, and its seconds leave the
  // start-up out. Counted from the trial's line, as before, it was timed_out.
  const std::string script =
      d.write("w.sh",
              "sleep 2\n"
              "echo '@hypersweep ready'\n"
              "while read line; do sleep 2; echo 'epoch=1 val_acc=0.4'; echo val_acc=0.4; "
              "echo '@hypersweep done'; done\n");
  WorkerObjective o(sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'\ntimeout = 3.5"),
                    {});
  const TrialRecord a = o.run(Trial{0, {ParamValue{int64_t{1}}}}, {});
  INFO(a.error);
  CHECK(a.status == TrialStatus::kCompleted);
  CHECK(a.best_metric == 0.4);
  CHECK(a.seconds < 3.5);
  REQUIRE(a.curves.size() == 1u);  // its curve's seconds count from `ready` too, not from the start
  CHECK(a.curves[0].seconds <= a.seconds);
  const TrialRecord b = o.run(Trial{1, {ParamValue{int64_t{1}}}}, {});
  CHECK(b.status == TrialStatus::kCompleted);
  CHECK(o.starts() == 1);
}

TEST_CASE("a worker program's start-up stderr is its worker log's whole", "[objective][worker]") {
  {  // A whole line just before `ready`, read in the same round: it was in the trial's log alone.
    Dir d;
    const std::string script = d.write(
        "w.sh", "sleep 0.2; echo 'startup' >&2; echo '@hypersweep ready'\n"
                "while read line; do echo val_acc=0.5; echo '@hypersweep done'; done\n");
    {
      WorkerObjective o(sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'"),
                        {0, 0, 1, (d.path / "logs").string()});
      CHECK(o.run(Trial{0, {ParamValue{int64_t{1}}}}, {}).status == TrialStatus::kCompleted);
    }
    CHECK(d.read("logs/worker-0.err") == "startup\n");
  }
  // The end of a stderr line written just before `@hypersweep ready` and read in the same round
  // as it went to the first trial's log alone, leaving the worker log's line cut short.
  Dir d;
  const std::string script =
      d.write("w.sh",
              "printf 'loading data: ' >&2; sleep 0.2; echo '60000 images loaded' >&2\n"
              "echo '@hypersweep ready'\n"
              "while read line; do echo 'trial says hi' >&2; echo val_acc=0.5; "
              "echo '@hypersweep done'; done\n");
  {
    WorkerObjective o(sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'"),
                      {0, 0, 1, (d.path / "logs").string()});
    const TrialRecord a = o.run(Trial{0, {ParamValue{int64_t{1}}}}, {});
    INFO(a.error);
    CHECK(a.status == TrialStatus::kCompleted);
  }
  // (The trial's own first line may come in the same read as `ready`, and join it there.)
  CHECK(d.read("logs/worker-0.err").rfind("loading data: 60000 images loaded\n", 0) == 0);
  // The trial's log holds the start-up's stderr too, as the program started for it.
  CHECK(d.read("logs/000000.err") == "loading data: 60000 images loaded\ntrial says hi\n");
}

TEST_CASE("a worker program's lines before @hypersweep ready are not its first trial's epochs",
          "[objective][worker]") {
  // A start-up that evaluates a baseline (an epoch line and a metric) was read as the first
  // trial's epoch 1 and, when the trial printed no result of its own, as its result.
  Dir d;
  const std::string script =
      d.write("w.sh",
              "echo 'epoch=1 val_acc=0.99'\n"
              "echo 'baseline val_acc=0.99'\n"
              "echo '@hypersweep ready'\n"
              "while read line; do echo 'epoch=1 val_acc=0.3'; echo 'epoch=2 val_acc=0.4'; "
              "echo '@hypersweep done'; done\n");
  WorkerObjective o(sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'"), {});
  int epochs_told = 0;
  TrialHooks hooks;
  hooks.on_epoch = [&](const TrialRecord&) {
    ++epochs_told;
    return EpochAnswer::kContinue;
  };
  const TrialRecord a = o.run(Trial{0, {ParamValue{int64_t{1}}}}, hooks);
  INFO(a.error);
  CHECK(a.status == TrialStatus::kCompleted);
  REQUIRE(a.curves.size() == 2u);
  CHECK(a.curves[0].val_acc == 0.3);
  CHECK(a.curves[1].val_acc == 0.4);
  CHECK(a.best_metric == 0.4);
  CHECK(a.epochs == 2);
  CHECK(epochs_told == 3);  // the start-up's epoch line was told as it came (nothing undoes it)
  // A pruner that stopped the trial at such a line: the record keeps the row it stopped at.
  WorkerObjective p(sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'"), {});
  hooks.on_epoch = [](const TrialRecord&) { return EpochAnswer::kStop; };
  const TrialRecord b = p.run(Trial{0, {ParamValue{int64_t{1}}}}, hooks);
  REQUIRE(b.curves.size() == 1u);
  CHECK(b.curves[0].val_acc == 0.99);
  CHECK(b.epochs == 1);
}

TEST_CASE("a worker program whose start-up outlasts the timeout is told apart from a slow trial",
          "[objective][worker]") {
  Dir d;
  // Its every trial was "timed out after 1 s", with no word that the program never got going.
  const std::string script = d.write(
      "w.sh", "sleep 30\necho '@hypersweep ready'\nwhile read line; do echo val_acc=0.4; "
              "echo '@hypersweep done'; done\n");
  WorkerObjective o(sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'\ntimeout = 1"), {});
  const TrialRecord a = o.run(Trial{0, {ParamValue{int64_t{1}}}}, {});
  CHECK(a.status == TrialStatus::kTimedOut);
  CHECK(a.error.find("before its program said `@hypersweep ready` or ended a trial") !=
        std::string::npos);
  // One that is up and then takes too long is a plain timeout.
  const std::string quick = d.write(
      "q.sh", "echo '@hypersweep ready'\nwhile read line; do sleep 30; done\n");
  {
    WorkerObjective up(sweep_of("mode = \"worker\"\ncommand = 'sh " + quick + "'\ntimeout = 1"),
                       {0, 0, 1, (d.path / "logs").string()});
    const TrialRecord b = up.run(Trial{0, {ParamValue{int64_t{1}}}}, {});
    CHECK(b.status == TrialStatus::kTimedOut);
    CHECK(b.error.find("@hypersweep ready") == std::string::npos);
  }
  // The worker's log says why its program was ended (it said nothing).
  CHECK(d.read("logs/worker-0.out").find("trial 0: the command timed out after 1 s ([objective] "
                                          "timeout) and was killed; it is started again for the "
                                          "next trial") != std::string::npos);
}

TEST_CASE("a worker program's line of no protocol kind is read as output and warned about once",
          "[objective][worker]") {
  Dir d;
  // A misspelt directive and an untold `stopped`, every trial: the trials complete (the lines are
  // plain output) and the warning comes once.
  const std::string script = d.write("w.sh",
                                     "while read line; do\n"
                                     "  echo '@hypersweep finished'\n"
                                     "  echo '@hypersweep stopped'\n"
                                     "  echo val_acc=0.5\n"
                                     "  echo '@hypersweep done'\n"
                                     "done\n");
  WorkerObjective o(sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'"), {2, 0, 1, ""});
  TrialRecord a, b;
  const std::string err = hs::test::stderr_of([&] {
    a = o.run(Trial{0, {ParamValue{int64_t{1}}}}, {});
    b = o.run(Trial{1, {ParamValue{int64_t{1}}}}, {});
  });
  INFO(a.error << "\n" << err);
  CHECK(a.status == TrialStatus::kCompleted);
  CHECK(b.status == TrialStatus::kCompleted);
  CHECK(err == "hypersweep: warning: worker 2: \"@hypersweep finished\" is no line of the worker "
               "protocol here, read as plain output (the protocol: @hypersweep ready, done, "
               "failed [message], epoch <line>, and stopped after a `stop` answer)\n");
}

TEST_CASE("a worker program that does not read its answers cannot block the sweep",
          "[objective][worker]") {
  // 5,000 epoch lines and their answers unread: the socket to its stdin holds a few hundred
  // short lines. A blocking write of an answer stopped reading the program's output, the
  // program then blocked on its full stdout, and the two waited on each other for ever.
  Dir d;
  const std::string script = d.write("w.sh",
                                     "read line\n"
                                     "i=1\n"
                                     "while [ $i -le 5000 ]; do\n"
                                     "  echo \"@hypersweep epoch epoch=$i val_acc=0.5\"\n"
                                     "  i=$((i+1))\n"
                                     "done\n"
                                     "echo val_acc=0.5\n"
                                     "echo '@hypersweep done'\n"
                                     "exec cat > /dev/null\n");  // the answers, then EOF
  WorkerObjective o(sweep_of("mode = \"worker\"\ncommand = 'sh " + script + "'"), {});
  const TrialHooks go_on{[](const TrialRecord&) { return EpochAnswer::kContinue; }, {}, {}};
  const TrialRecord r = o.run(Trial{0, {ParamValue{int64_t{1}}}}, go_on);
  INFO(r.error);
  CHECK(r.status == TrialStatus::kCompleted);
  CHECK(r.curves.size() == 5000u);
  CHECK(r.best_metric == 0.5);
}

TEST_CASE("bytes sent to a coprocess faster than it reads arrive whole and in order",
          "[objective][worker]") {
  Dir d;
  const std::string file = (d.path / "got").string();
  // It reads slowly at first (the sleep), so most of the megabyte waits in send's queue.
  auto p = Coprocess::start("sleep 0.5; head -c 1000000 > '" + file + "'; wc -c < '" + file +
                                "'; tail -c 14 '" + file + "'",
                            {});
  REQUIRE(p.ok());
  std::string payload;
  for (int i = 0; payload.size() < 1000000; ++i) {
    char line[16];
    std::snprintf(line, sizeof line, "%06d\n", i);
    payload += line;
  }
  payload.resize(1000000);
  bool taken = true;
  for (size_t at = 0; at < payload.size(); at += 1000)  // as many sends as lines of a sweep
    taken = (*p)->send(std::string_view(payload).substr(at, 1000)) && taken;
  CHECK(taken);
  std::string out;
  while ((*p)->pump([&](std::string_view b) { out += b; return true; }, {})) {
  }
  CHECK(out == "1000000\n" + payload.substr(payload.size() - 14));
  CHECK(WIFEXITED((*p)->wait_status()));
}

TEST_CASE("the example worker sweep runs its example script on one program", "[objective][worker]") {
  auto s = load_sweep(HS_SOURCE_DIR "/configs/sweep_worker.toml");
  REQUIRE(s.ok());
  CHECK(s->objective.worker_mode);
  s->objective.command = "cd '" HS_SOURCE_DIR "' && " + s->objective.command;  // relative paths
  const std::vector<ParamValue> good = {ParamValue{0.03}, ParamValue{1e-4}, ParamValue{int64_t{8}}};
  WorkerObjective o(*s, {});
  const TrialRecord a = o.run(Trial{1, good}, {});
  INFO(a.error);
  REQUIRE(a.status == TrialStatus::kCompleted);
  CHECK(a.best_metric > 0.8);
  CHECK(a.curves.size() == 8u);
  CHECK(a.curve_extra_names == std::vector<std::string>{"epoch_time"});
  REQUIRE(a.results.size() == 1u);
  CHECK(a.results[0].first == "final_val_loss");
  // Seeded by the trial's seed: the same trial again gives the same value, on the same program.
  CHECK(o.run(Trial{1, good}, {}).best_metric == a.best_metric);
  const TrialRecord bad = o.run(Trial{2, {ParamValue{-1.0}, ParamValue{1e-4}, ParamValue{int64_t{8}}}}, {});
  CHECK(bad.status == TrialStatus::kFailed);
  CHECK(bad.error.find("ValueError: need lr > 0") != std::string::npos);
  CHECK(o.starts() == 1);
}
