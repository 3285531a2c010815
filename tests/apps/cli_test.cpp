// Runs the real build/bin/hypersweep binary and checks its output and exit codes.
#include "support/cli.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "core/cpu.h"
#include "store/results_file.h"
#include "support/records.h"

namespace fs = std::filesystem;
using namespace hs::test;

namespace {

// A sweep of 2 random trials of a tiny network on generated data, 1 epoch each: seconds.
fs::path tiny_sweep(const Scratch& s) {
  return s.write("sweep.toml",
                 "[train]\ndataset = \"synthetic\"\nhidden = [8]\nepochs = 1\n"
                 "[sweep]\nstrategy = \"random\"\ntrials = 2\n"
                 "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
}

}  // namespace

TEST_CASE("train prints a line per epoch and ends with the best epoch and test accuracy",
          "[cli]") {
  const Run r = hypersweep("train configs/quick_synthetic.toml");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "data: synthetic (generated): "));  // no data_path for generated data
  CHECK(contains(r.out, "epoch   1/8"));
  CHECK(contains(r.out, "update/weight"));
  CHECK(contains(r.out, "stopped: "));
  const auto last = r.out.substr(r.out.rfind("best epoch"));
  CHECK(contains(last, "test acc"));
  CHECK(contains(last, "(best checkpoint, "));

  // Without a test pass it says so instead of a NaN accuracy and loss.
  const Run skipped = hypersweep("train configs/quick_synthetic.toml --set evaluate_test=false");
  INFO(skipped.out << skipped.err);
  REQUIRE(skipped.code == 0);
  const auto end = skipped.out.substr(skipped.out.rfind("best epoch"));
  CHECK(contains(end, "; no test pass (evaluate_test = false, "));
  CHECK_FALSE(contains(end, "test acc"));
  CHECK_FALSE(contains(end, "nan"));
}

TEST_CASE("train's data line says when a CSV's line was taken as a header and skipped", "[cli]") {
  // A first row with one non-numeric field is a header: the data row it may have been goes
  // unnoticed unless the data line says so. A UTF-8 byte order mark alone makes no header.
  Scratch s;
  std::string rows;
  for (int i = 0; i < 40; ++i)
    rows += std::to_string(i % 7) + "," + std::to_string(i % 5) + "," + std::to_string(i % 2) + "\n";
  const auto train = [&](const std::string& name, const std::string& text) {
    const auto csv = s.write(name, text);
    return hypersweep(std::string("train --set dataset=csv --set data_path='") + csv.string() +
                      "' --set epochs=1 --set hidden=[4] -q");
  };
  const Run named = train("named.csv", std::string("a,b,label\n") + rows);
  INFO(named.out << named.err);
  REQUIRE(named.code == 0);
  CHECK(contains(named.out, std::string("data: csv (") + s.path("named.csv") +
                                ", header on line 1): "));
  const Run marked = train("marked.csv", std::string("\xEF\xBB\xBF") + rows);
  INFO(marked.out << marked.err);
  REQUIRE(marked.code == 0);
  CHECK(contains(marked.out, std::string("data: csv (") + s.path("marked.csv") + "): "));
  CHECK_FALSE(contains(marked.out, "header on line"));
}

TEST_CASE("a bad value in a config file exits 2 naming the file, line and key", "[cli]") {
  Scratch s;
  const auto cfg = s.write("bad.toml", "[train]\ndataset = \"synthetic\"\nepochs = 2\nlr = -0.1\n");
  const Run r = hypersweep("train '" + cfg.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, cfg.string() + ":4: lr:"));
  CHECK(contains(r.err, "-0.1"));
}

TEST_CASE("unknown optimiser, zero batch and unknown key each exit 2 with one message",
          "[cli]") {
  Scratch s;
  const auto opt = s.write("opt.toml", "[train]\noptimizer = \"adamx\"\n");
  Run r = hypersweep("train '" + opt.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, ":2: optimizer:"));
  CHECK(contains(r.err, "adamx"));

  const auto batch = s.write("batch.toml", "[train]\n\nbatch_size = 0\n");
  r = hypersweep("train '" + batch.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, ":3: batch_size:"));

  const auto key = s.write("key.toml", "[train]\nlearning_rate = 0.1\n");
  r = hypersweep("train '" + key.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, ":2: learning_rate:"));
  CHECK(contains(r.err, "\"lr\""));  // the suggestion
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("train of a sweep file checks its other tables and says it trains its train table alone",
          "[cli]") {
  // train read [train] and passed over the rest: a command's sweep trained the default MLP on
  // Fashion-MNIST, and a typo in [sweep] or [space] went unseen.
  Scratch s;
  const auto command = s.write("cmd.toml", "[sweep]\ntrials = 2\n\n[objective]\ncommand = "
                                           "\"echo metric={x}\"\n[space]\nx = [1, 2]\n");
  Run r = hypersweep("train '" + command.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, command.string() + ":4: objective: this sweep's trials run a command"));
  CHECK(r.out.empty());

  const std::string base = "[train]\ndataset = \"synthetic\"\nsynthetic_samples = 200\n"
                           "hidden = [4]\nepochs = 1\n";
  const auto typo = s.write("typo.toml", base + "[sweep]\ntrails = 3\n[space]\nlr = [0.1]\n");
  r = hypersweep("train '" + typo.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, typo.string() + ":7: trails:"));

  const auto sweep = s.write("sweep.toml", base + "[sweep]\ntrials = 3\n[space]\nlr = [0.1]\n");
  r = hypersweep("train '" + sweep.string() + "'");
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.err, "is a sweep file: train trains its [train] table alone"));
  CHECK(contains(r.out, "best epoch 1"));

  const auto empty = s.write("empty.toml", "");
  r = hypersweep("train '" + empty.string() + "' --set dataset=synthetic --set epochs=1 "
                 "--set synthetic_samples=200 --set hidden=[4]");
  CHECK(r.code == 0);
  CHECK(contains(r.err, "has no [train] table: the defaults are trained"));
}

TEST_CASE("a diverged train says so in plain numbers", "[cli]") {
  // It printed "train loss -nan", "at lr 1000000.000000", "1 epochs" and "no epoch finished"
  // under the epoch's own line.
  const Run r = hypersweep("train --set dataset=synthetic --set lr=1e6 --set epochs=1");
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "stopped: diverged"));
  CHECK(contains(r.out, "at lr 1e+06 "));
  CHECK(contains(r.out, ", 1 epoch, "));
  CHECK(contains(r.out, "no epoch ended with a validation result"));
  CHECK(!contains(r.out, "-nan"));
  // A training loss still finite, but a validation loss that overflowed to NaN: diverged too
  // (it once completed, its NaN epoch the best), and it prints as nan.
  const Run small = hypersweep("train --set dataset=synthetic --set synthetic_samples=200 "
                               "--set lr=1e6 --set epochs=1");
  INFO(small.out);
  CHECK(contains(small.out, "stopped: diverged (diverged: the validation loss became NaN in "
                            "epoch 1"));
  CHECK(!contains(small.out, "-nan"));
}

TEST_CASE("train says a device it cannot use before it loads the data", "[cli]") {
  // It loaded the data set (minutes for a large one) and only then said "cuda" needs a GPU.
  const Run r = hypersweep("train --set dataset=synthetic --set epochs=1 --set device=cuda");
  INFO(r.out << r.err);
  if (r.code == 0) return;  // a GPU here: nothing to refuse
  CHECK(r.code == 2);
  CHECK(contains(r.err, "device:"));
  CHECK(!contains(r.out, "data:"));
}

TEST_CASE("bad --set flags and missing files exit 2", "[cli]") {
  Run r = hypersweep("train --set lr=-1");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--set: lr:"));
  r = hypersweep("train --set optimizer=adamx");
  CHECK(r.code == 2);
  r = hypersweep("train no/such/config.toml");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "no/such/config.toml"));
  r = hypersweep("train --set dataset=csv --set data_path=no/such/data.csv");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "no/such/data.csv"));
}

TEST_CASE("a corrupt data file exits 2 naming it", "[cli]") {
  Scratch s;
  const auto csv = s.write("d.csv", "a,b,label\n1.0,2.0,0\nabc,3.0,1\n");  // the label last
  const Run r = hypersweep("train --set dataset=csv --set data_path='" + csv.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, csv.string() + ":3"));
  CHECK(contains(r.err, "abc"));
}

TEST_CASE("print-config prints TOML that trains the same configuration", "[cli]") {
  Scratch s;
  Run r = hypersweep("train configs/quick_synthetic.toml --set lr=0.002 --print-config");
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "lr = 0.002"));
  const auto cfg = s.write("resolved.toml", r.out);
  Run a = hypersweep("train '" + cfg.string() + "'");
  Run b = hypersweep("train configs/quick_synthetic.toml --set lr=0.002");
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  // Same options, same seed: the same curves (the wall-time column aside).
  auto strip = [](const std::string& out) {
    std::string kept;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("epoch", 0) == 0)
        kept += std::regex_replace(line, std::regex(" +[0-9]+\\.[0-9]s "), " ") + "\n";
    return kept;
  };
  CHECK(strip(a.out) == strip(b.out));
  CHECK_FALSE(strip(a.out).empty());
}

TEST_CASE("help teaches the subcommand and its keys", "[cli]") {
  const Run r = hypersweep("train --help");
  CHECK(r.code == 0);
  CHECK(contains(r.out, "--set"));
  CHECK(contains(r.out, "weight_decay"));
  CHECK(contains(r.out, "Examples"));
  CHECK(hypersweep("--version").code == 0);
  CHECK(hypersweep("no-such-subcommand").code == 2);
  // A usage error reads as any other error, and names the --help to read.
  const Run missing = hypersweep("run no/such/sweep.toml");
  CHECK(missing.code == 2);
  CHECK(contains(missing.err, "hypersweep: error: config: File does not exist: no/such/sweep.toml"));
  CHECK(contains(missing.err, "hypersweep run --help says more"));
  CHECK(contains(hypersweep("export x.h5").err, "hypersweep export --help says more"));
  // Not "A subcommand is required" for a subcommand misspelt.
  CHECK(contains(hypersweep("trian x.toml").err,
                 "hypersweep: error: \"trian\" is no subcommand of hypersweep: give a subcommand "
                 "(train, plan, run, recipe, show, report, export, logs)"));
}

TEST_CASE("a CPU without the build's instructions is named with what to do instead of SIGILL",
          "[cli]") {
  auto written = [](const hs::CpuFeatures& f, bool* reported) {
    char* buf = nullptr;
    size_t size = 0;
    std::FILE* out = open_memstream(&buf, &size);
    *reported = hs::report_cpu_mismatch(f, out);
    std::fclose(out);
    std::string text(buf, size);
    std::free(buf);
    return text;
  };
  hs::CpuFeatures f;
  f.list[f.count++] = {"avx2", true};
  f.list[f.count++] = {"avx512f", false};
  f.list[f.count++] = {"avx512bw", false};
  bool reported = false;
  const std::string text = written(f, &reported);
  CHECK(reported);
  CHECK(text.rfind("hypersweep: error: this build uses CPU instructions this machine lacks "
                   "(avx512f, avx512bw): it was compiled for another CPU",
                   0) == 0);
  CHECK(contains(text, "scripts/build.sh -DHYPERSWEEP_NATIVE=OFF\n"));
  f.list[1].here = f.list[2].here = true;
  CHECK(written(f, &reported).empty());
  CHECK_FALSE(reported);
  // This machine runs what it built: every extension the build uses is here, and each one the
  // compiler was told to use is among them.
  const hs::CpuFeatures here = hs::compiled_cpu_features();
  for (int i = 0; i < here.count; ++i) CHECK(here.list[i].here);
#if defined(__x86_64__) && defined(__AVX2__)
  bool avx2 = false;
  for (int i = 0; i < here.count; ++i) avx2 = avx2 || std::string(here.list[i].name) == "avx2";
  CHECK(avx2);
#endif
  CHECK(hypersweep("--version").code == 0);
}

TEST_CASE("a count option that is not a whole number in range says so in a line", "[cli]") {
  // CLI11's own checks wrote "Value -1 not in range 0.000000 to 1797...", 300 digits of
  // DBL_MAX, and --threads took a negative count as not given.
  for (const auto& [args, want] : std::vector<std::pair<std::string, std::string>>{
           {"show x.h5 --top -1", "--top: must be a whole number >= 0, got -1"},
           {"show x.h5 --trial 2.5", "--trial: must be a whole number >= 0, got 2.5"},
           {"plan --show x", "--show: must be a whole number >= 0, got x"},
           {"run --trials 0", "--trials: must be a whole number >= 1, got 0"},
           {"run --threads -1", "--threads: must be a whole number from 0 to 1024, got -1"},
           {"train --threads -3", "--threads: must be a whole number from 0 to 1024, got -3"},
           // libgomp fails to make 50,000 threads and crashes making 100,000
           {"train --threads 100000", "--threads: must be a whole number from 0 to 1024, got 100000"},
           {"recipe configs/recipe_quick.toml --threads -1",
            "--threads: must be a whole number from 0 to 1024, got -1"},
           {"logs x.h5 99999999999999999999999",
            "trial: must be a whole number >= 0, got 99999999999999999999999 (too large)"}}) {
    const Run r = hypersweep(args);
    INFO(args << "\n" << r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, want));
    CHECK(r.err.size() < 200u);
  }
}

TEST_CASE("the top-level help lists each subcommand in a line and no arguments print it", "[cli]") {
  const Run h = hypersweep("--help");
  CHECK(h.code == 0);
  // One line each, in the order added: the name and its summary, never its whole --help.
  const size_t from = h.out.find("Subcommands:\n");
  REQUIRE(from != std::string::npos);
  std::istringstream lines(h.out.substr(from + 13));
  std::string line;
  for (const char* sub : {"train", "plan", "run", "recipe", "show", "report", "export", "logs"}) {
    REQUIRE(std::getline(lines, line));
    CHECK(line.rfind(std::string("  ") + sub + " ", 0) == 0);
    // Its summary is the first line of its own --help, a sentence.
    const std::string own = hypersweep(std::string(sub) + " --help").out;
    const std::string first = own.substr(0, own.find('\n'));
    CHECK(first.back() == '.');
    CHECK(contains(line, first));
  }
  REQUIRE(std::getline(lines, line));
  CHECK(line.empty());
  CHECK_FALSE(contains(h.out, "Exit codes"));  // run's and recipe's help, 150 lines before
  CHECK(contains(h.out, "Usage: hypersweep [OPTIONS] SUBCOMMAND"));
  CHECK(contains(h.out, "hypersweep run --help"));
  // The footer is the top level's alone.
  CHECK_FALSE(contains(hypersweep("run --help").out, "A first sweep"));
  // No arguments at all: the same list on stderr, and the usage error's exit code (it printed
  // "A subcommand is required").
  const Run none = hypersweep("");
  CHECK(none.code == 2);
  CHECK(none.out.empty());
  CHECK(contains(none.err, "Subcommands:"));
  CHECK(contains(none.err, "  recipe "));
}

TEST_CASE("plan checks a sweep file and prints the trials it would run", "[cli][sweep]") {
  const Run r = hypersweep("plan configs/sweep_grid.toml --show 3");
  CHECK(r.code == 0);
  CHECK(contains(r.out, "grid: 16 points (4 lr x 4 weight_decay)"));
  CHECK(contains(r.out, "trial    2: lr=1e-04 weight_decay=0.001"));
  CHECK_FALSE(contains(r.out, "trial    3:"));
  CHECK(hypersweep("plan configs/sweep_random.toml").code == 0);
}

TEST_CASE("a bad search space exits 2 naming the file, line and key", "[cli][sweep]") {
  Scratch s;
  const auto cfg = s.write("bad_space.toml", "[sweep]\ntrials = 4\n[space]\nlr = { log_uniform = [0.0, 0.1] }\n");
  const Run r = hypersweep("plan '" + cfg.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, cfg.string() + ":4: lr: log_uniform needs lo > 0"));
  const auto big = s.write("big.toml", "[sweep]\nstrategy = \"grid\"\ntrials = 5\n[space]\ndepth = { int = [1, 2] }\n");
  const Run g = hypersweep("plan '" + big.string() + "'");
  CHECK(g.code == 2);
  CHECK(contains(g.err, "trials: the grid has 2 points, fewer than trials = 5"));
}

TEST_CASE("run trains every trial of a sweep and ends with the best", "[cli][sweep]") {
  Scratch s;
  const auto cfg = s.write("sweep.toml",
                           "[train]\ndataset = \"synthetic\"\nhidden = [16]\nepochs = 2\n"
                           "[sweep]\nstrategy = \"random\"\ntrials = 3\n"
                           "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
  const std::string out = (s.dir() / "results.h5").string();
  const Run r = hypersweep("run '" + cfg.string() + "' -j 1 --out '" + out + "'");
  CHECK(r.code == 0);
  CHECK(std::filesystem::exists(out));
  CHECK(std::filesystem::exists(out + ".journal"));
  // An existing results file is never overwritten without --force. The same sweep again
  // continues it (here: nothing left to run); another file there is refused.
  const Run again = hypersweep("run '" + cfg.string() + "' -j 1 --out '" + out + "'");
  CHECK(again.code == 0);
  CHECK(contains(again.out, "continuing " + out + ": 3 trials recorded, 3 finished"));
  CHECK(!contains(again.out, "] trial "));  // no trial ran again
  const auto other = s.write("other.h5", "not an HDF5 file");
  const Run clash = hypersweep("run '" + cfg.string() + "' -j 1 --out '" + other.string() + "'");
  CHECK(clash.code == 2);
  CHECK(contains(clash.err, other.string()));
  CHECK(contains(clash.err, "--force"));
  CHECK(slurp(other) == "not an HDF5 file");
  CHECK(hypersweep("run '" + cfg.string() + "' -j 1 --force --out '" + other.string() + "'").code == 0);
  CHECK(hypersweep("run '" + cfg.string() + "' -j 1 --resume --out '" + s.path("none.h5") + "'").code == 2);
  CHECK(contains(r.out, "[   3/3] trial    2"));
  CHECK(r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1).rfind("best trial ", 0) == 0);
  const auto bad = s.write("bad.toml", "[space]\nlr = { uniform = [0.5, 0.1] }\n");
  const Run b = hypersweep("run '" + bad.string() + "'");
  CHECK(b.code == 2);
  CHECK(contains(b.err, bad.string() + ":2: lr: uniform needs lo < hi"));
}

TEST_CASE("a sweep in which no trial gave its metric exits 4 and keeps its records",
          "[cli][sweep]") {
  Scratch s;
  const auto cfg = s.write("fails.toml",
                           "[objective]\ncommand = \"sh -c 'exit 3' {lr}\"\n"
                           "[sweep]\nstrategy = \"random\"\ntrials = 2\n"
                           "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
  const std::string out = s.path("fails.h5");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  CHECK(r.code == 4);  // was 0: a job chain (sbatch afterok, &&) went on as if it had a result
  CHECK(contains(r.out, "no trial completed; results in " + out));
  {
    auto f = hs::ResultsFile::open(out);
    REQUIRE(f.ok());
    const auto trials = hs::test::trials_of(*f);
    REQUIRE(trials.size() == 2u);
    for (const auto& t : trials) CHECK(t.status == hs::TrialStatus::kFailed);
  }
  // Continued with nothing left to run, it says the same.
  CHECK(hypersweep("run '" + cfg.string() + "' --out '" + out + "'").code == 4);
}

TEST_CASE("a run whose first trials all fail alike stops after fail_fast of them with exit 4",
          "[cli][sweep]") {
  // A broken set-up (here every trial exits 3 with the same stderr) stops after [sweep]
  // fail_fast trials (default 5), not after all 20; run again, it stops again; fail_fast = 0, a
  // run policy (the same sweep), runs the rest.
  Scratch s;
  const std::string body = "[objective]\ncommand = \"sh -c 'echo no such module >&2; exit 3' {lr}\"\n"
                           "[sweep]\nstrategy = \"random\"\ntrials = 20\n";
  const std::string space = "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n";
  const auto cfg = s.write("fails.toml", body + space);
  const std::string out = s.path("fails.h5");
  const std::string cause = "the command exited with status 3; its stderr ends: no such module";
  auto records = [&] {
    auto f = hs::ResultsFile::open(out);
    REQUIRE(f.ok());
    const auto trials = hs::test::trials_of(*f);
    for (const auto& t : trials) CHECK(t.status == hs::TrialStatus::kFailed);
    return trials.size();
  };
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  CHECK(r.code == 4);
  CHECK(contains(r.out, "stopping: the first 5 trials of this run all failed with: " + cause));
  CHECK(contains(r.out, "stopped: the first 5 trials of this run all failed with: " + cause +
                            ". 5 of 20 trials finished, none left in flight. Mend what they ran "
                            "into; then the same command again continues it: hypersweep run"));
  CHECK(records() == 5u);
  const Run again = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  CHECK(again.code == 4);
  CHECK(contains(again.out, "10 of 20 trials finished"));
  CHECK(records() == 10u);
  const auto all = s.write("all.toml", body + "fail_fast = 0\n" + space);
  const Run rest = hypersweep("run '" + all.string() + "' --out '" + out + "'");
  INFO(rest.out << rest.err);
  CHECK(rest.code == 4);
  CHECK_FALSE(contains(rest.out, "stopping"));
  CHECK(contains(rest.out, "no trial completed"));
  CHECK(records() == 20u);
  // A bad value names its line.
  const auto bad = s.write("bad.toml", body + "fail_fast = -1\n" + space);
  const Run b = hypersweep("run '" + bad.string() + "' --out '" + s.path("b.h5") + "'");
  CHECK(b.code == 2);
  CHECK(contains(b.err, bad.string() + ":6: fail_fast: expected a whole number of trials, 0 or "
                        "more (0: never stop for failures), got -1"));
}

TEST_CASE("a worker program that dies at start-up stops a run after fail_fast trials",
          "[cli][sweep][worker]") {
  // Its first 3 trials died at start-up and the later ones were given up on: two headlines, so
  // the 5 never failed alike and a one-process sweep recorded every trial failed.
  Scratch s;
  const auto cfg = s.write("dies.toml", "[objective]\ncommand = \"sh -c 'echo no module >&2; "
                                        "exit 1'\"\nmode = \"worker\"\n[sweep]\nstrategy = "
                                        "\"random\"\ntrials = 20\n[space]\nlr = { log_uniform = "
                                        "[1e-3, 1e-1] }\n");
  const std::string out = s.path("dies.h5");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  CHECK(r.code == 4);
  CHECK(contains(r.out, "stopping: the first 5 trials of this run all failed with: the command "
                        "died at start-up: it exited with status 1; its stderr ends: no module"));
  CHECK(contains(r.err, "worker 0: the command died at start-up 3 times in a row (the last time "
                        "it exited with status 1): this worker does not start it again"));
  auto f = hs::ResultsFile::open(out);
  REQUIRE(f.ok());
  CHECK(hs::test::trials_of(*f).size() == 5u);
}

TEST_CASE("a SIGHUP to a sweep whose output goes to a file keeps its stop lines there",
          "[cli][sweep]") {
  // `run ... > log &`, then logged out of: every line after the SIGHUP went to /dev/null, the
  // one saying how to continue the sweep among them (a terminal gone, or a reader gone, are why
  // the output is dropped; a file is neither).
  Scratch s;
  const std::string dir = s.dir().string();
  const auto cfg = s.write("sweep.toml",
                           "[objective]\ncommand = '''if [ $HYPERSWEEP_TRIAL_ID -ge 1 ]; then "
                           "while [ -d '" + dir + "' ] && [ ! -f '" + dir + "/go' ]; do sleep "
                           "0.05; done; fi; echo metric={lr}'''\n[sweep]\ntrials = 3\n"
                           "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
  Background bg("run '" + cfg.string() + "' --out '" + s.path("r.h5") + "'", s.path("log"));
  REQUIRE(bg.pid() > 0);
  REQUIRE(bg.wait_for("[   1/3]"));
  REQUIRE(::kill(bg.pid(), SIGHUP) == 0);
  CHECK(bg.wait_exit() == 3);
  s.write("go", "");
  const std::string log = slurp(s.path("log"));
  INFO(log);
  CHECK(contains(log, "stopping on SIGHUP"));
  CHECK(contains(log, "stopped by SIGHUP: 1 of 3 trials finished"));
}

TEST_CASE("an --out that is a folder is refused before anything runs and --force leaves it",
          "[cli][sweep]") {
  Scratch s;
  const auto cfg = tiny_sweep(s);
  const std::string dir = s.path("dir");
  fs::create_directories(dir);
  const auto kept = s.write("dir/kept.txt", "mine");
  for (const char* force : {"", " --force"}) {
    const Run r = hypersweep("run '" + cfg.string() + "' --out '" + dir + "'" + force);
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, dir + ": is a folder, not a results file, and no --force replaces a "
                                "folder: give the file's own path inside it"));
    CHECK_FALSE(contains(r.err, "not an HDF5 file"));  // what it said before
    // The recipe ran steps 1-2, then failed to rename its file over the folder.
    const Run q = hypersweep("recipe '" + std::string(HS_SOURCE_DIR) +
                             "/configs/recipe_quick.toml' --out '" + dir + "'" + force);
    INFO(q.out << q.err);
    CHECK(q.code == 2);
    CHECK(contains(q.err, dir + ": is a folder, not a recipe file"));
    CHECK_FALSE(contains(q.out, "step 1/6"));
    CHECK_FALSE(fs::exists(dir + ".steps"));
  }
  CHECK(slurp(kept) == "mine");
  const Run show = hypersweep("show '" + dir + "'");
  CHECK(show.code == 2);
  CHECK(contains(show.err, dir + ": is a folder, not a results file"));
}

TEST_CASE("an --out that is a FIFO or a device is refused even with --force", "[cli][sweep]") {
  // --force replaced it with an HDF5 file: as root, `--out /dev/null --force` would have
  // replaced the system's own node (and a link to one, its target).
  Scratch s;
  const auto cfg = tiny_sweep(s);
  const std::string fifo = s.path("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string link = s.path("link");
  fs::create_symlink(fifo, link);
  for (const std::string& out : {fifo, link}) {
    for (const char* force : {"", " --force"}) {
      const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'" + force);
      INFO(out << force << ": " << r.out << r.err);
      CHECK(r.code == 2);
      CHECK(contains(r.err, out + ": is a FIFO, not a results file, and no --force replaces a "
                                  "FIFO"));
      CHECK(fs::is_fifo(fifo));
    }
  }
}

TEST_CASE("a results file that cannot be written any more ends the run with exit 1 not a crash",
          "[cli][sweep]") {
  // Made immutable mid-sweep (chattr +i, by trial 2's own command), the HDF5 file's next write
  // failed, the run said so, and then died of SIGSEGV in HDF5's clean-up at exit (exit 139).
  Scratch s;
  const std::string out = s.path("immutable.h5");
  const auto cfg = s.write(
      "c.toml", "[objective]\ncommand = \"if [ $HYPERSWEEP_TRIAL_ID = 2 ]; then chattr +i '" +
                    out + "' || touch '" + out + ".no_chattr'; fi; echo val_acc=0.{x}\"\n"
                    "[sweep]\ntrials = 6\n[space]\nx = { int = [1, 9] }\n");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  (void)std::system(("chattr -i '" + out + "' 2>/dev/null").c_str());
  if (fs::exists(out + ".no_chattr")) {
    WARN("chattr +i does not work here (not root, or a file system without it): not checked");
    return;
  }
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.err, "cannot write trial 2 to the HDF5 file (it is in the journal): cannot "
                        "write to it: Operation not permitted"));
  // Nothing recorded is lost: the same command goes on from the journal.
  const Run again = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK(contains(hypersweep("show '" + out + "'").out, "6 trials: 6 completed"));
}

TEST_CASE("an --out in a folder not yet made gets its folder once every check has passed",
          "[cli][sweep]") {
  Scratch s;
  const auto cfg = tiny_sweep(s);
  // A sweep that fails its checks makes no folder.
  const auto bad = s.write("bad.toml", "[space]\nlr = { uniform = [0.5, 0.1] }\n");
  const Run b = hypersweep("run '" + bad.string() + "' --out '" + s.path("no/x.h5") + "'");
  CHECK(b.code == 2);
  CHECK_FALSE(fs::exists(s.path("no")));
  // Before, run stopped with "runs/lr/x.h5.journal: cannot create journal: No such file or
  // directory" and report with "cannot write", while export and recipe made their folders.
  const std::string out = s.path("runs/lr/x.h5");
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(hs::test::trials_of(*hs::ResultsFile::open(out)).size() == 2u);
  const std::string html = s.path("reports/a/x.html");
  const Run rep = hypersweep("report '" + out + "' -o '" + html + "'");
  INFO(rep.out << rep.err);
  CHECK(rep.code == 0);
  CHECK(fs::file_size(html) > 0u);
  // A file where the folder should be is named in the error.
  s.write("plain", "a file");
  const Run f = hypersweep("run '" + cfg.string() + "' --out '" + s.path("plain/x.h5/y.h5") + "'");
  CHECK(f.code == 2);
  CHECK(contains(f.err, s.path("plain") + ": is a file, not a folder, so " +
                            s.path("plain/x.h5/y.h5") + " cannot go in it"));
}

TEST_CASE("with no file, plan and run take the built-in sweep", "[cli][sweep]") {
  const Run r = hypersweep("plan --show 8");
  CHECK(r.code == 0);
  // The direction as run and show write it (trial/metric.h's direction_name; it said "maximise").
  CHECK(contains(r.out, "sweep: random strategy, 8 trials, seed 0, max val_acc"));
  CHECK(contains(r.out, "lr               log_uniform  [1e-04, 0.1]"));
  CHECK(contains(r.out, "weight_decay     log_uniform  [1e-04, 0.1]"));
  CHECK(contains(r.out, "trial    7: "));
  CHECK(contains(hypersweep("run --help").out, "the built-in sweep"));
}

TEST_CASE("a sweep killed with SIGKILL resumes with every trial exactly once", "[cli][sweep][resume]") {
  Scratch s;
  // Command trials: 0 and 1 end at once; from 2 on, each notes its start (started.<id>) and waits
  // for the file `go`, which the test creates after the kill. So at the kill exactly trials 0 and
  // 1 are on disk and trial 2 is in flight, however loaded the machine. (The wait also ends when
  // the scratch folder is gone, so no trial outlives a failed test by long.)
  const std::string dir = s.dir().string();
  const auto cfg = s.write("sweep.toml",
                           "[objective]\ncommand = '''if [ $HYPERSWEEP_TRIAL_ID -ge 2 ]; then touch '" +
                               dir + "/started.'$HYPERSWEEP_TRIAL_ID; while [ -d '" + dir + "' ] && [ ! -f '" +
                               dir + "/go' ]; do sleep 0.05; done; fi; echo metric={lr}'''\n"
                               "[sweep]\nstrategy = \"bayes\"\ntrials = 6\nseed = 3\n"
                               "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n");
  const std::string out = s.path("r.h5");
  Background bg("run '" + cfg.string() + "' --out '" + out + "'", s.path("log"));
  const pid_t pid = bg.pid();
  REQUIRE(pid > 0);
  REQUIRE(bg.wait_for("[   2/6]"));
  REQUIRE(wait_for_file(s.path("started.2")));
  REQUIRE(::kill(pid, SIGKILL) == 0);
  REQUIRE(bg.wait_exit() != 0);  // it is gone, and the file is free
  s.write("go", "");             // trial 2's orphaned command may end, and no later trial waits
  std::vector<hs::TrialRecord> before;
  {
    auto f = hs::ResultsFile::open(out);
    REQUIRE(f.ok());
    before = hs::test::trials_of(*f);
  }
  REQUIRE(before.size() == 2u);  // trials 0 and 1; kill -9 writes nothing of trial 2
  for (size_t i = 0; i < before.size(); ++i) {
    CHECK(before[i].id == static_cast<int64_t>(i));
    CHECK(before[i].status == hs::TrialStatus::kCompleted);
  }
  // The same command again continues the sweep to its end.
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "continuing "));
  auto f = hs::ResultsFile::open(out);
  REQUIRE(f.ok());
  const std::vector<hs::TrialRecord> held = hs::test::trials_of(*f);
  REQUIRE(held.size() == 6u);
  for (int64_t i = 0; i < 6; ++i) CHECK(held[static_cast<size_t>(i)].id == i);
  for (size_t i = 0; i < before.size(); ++i) {  // completed results were not changed
    CHECK(held[i].best_metric == before[i].best_metric);
    CHECK(held[i].params == before[i].params);
  }
  // While this process holds the file, another run cannot write it.
  const Run busy = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  CHECK(busy.code == 2);
  CHECK(contains(busy.err, "another hypersweep run is writing this results file"));
  REQUIRE(f->close().ok());
  // A changed config refuses to resume, naming the file and the first difference.
  std::string changed = slurp(cfg);
  changed.replace(changed.find("seed = 3"), 8, "seed = 4");
  const auto other = s.write("other.toml", changed);
  const Run m = hypersweep("run '" + other.string() + "' --out '" + out + "'");
  INFO(m.err);
  CHECK(m.code == 2);
  CHECK(contains(m.err, out + ": holds another sweep"));
  CHECK(contains(m.err, "[sweep] seed: 3 in the file, 4 here"));
}

TEST_CASE("show and report read a real sweep: the table, status counts and diagnosis labels",
          "[cli][analysis]") {
  Scratch s;
  // lr 1000 makes trial 1 diverge; trial 0 trains normally.
  const auto cfg = s.write("diag.toml",
                           "[train]\ndataset = \"synthetic\"\nhidden = [16]\nepochs = 6\n"
                           "threads = 1\nearly_stopping = false\n"
                           "[sweep]\nstrategy = \"grid\"\ntrials = 2\n"
                           "[space]\nlr = [0.05, 1000.0]\n");
  const std::string out = s.path("diag.h5");
  REQUIRE(hypersweep("run '" + cfg.string() + "' --out '" + out + "'").code == 0);
  const Run r = hypersweep("show '" + out + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  // Its loss stays finite (about 1e5 in epoch 1), so the trainer calls it completed; the
  // diagnosis sees the explosion in epoch 1 against the loss before training.
  CHECK(contains(r.out, "2 trials: 2 completed"));
  CHECK(contains(r.out, "trial 1 diverged_at_start: train_loss was "));  // the evidence line
  std::smatch m;  // the table's first row is the completed trial, the best
  REQUIRE(std::regex_search(r.out, m, std::regex("\\n +0  completed +[0-9.]+ ")));
  const Run h = hypersweep("report '" + out + "' -o '" + s.path("diag.html") + "'");
  REQUIRE(h.code == 0);
  const std::string html = slurp(s.dir() / "diag.html");
  CHECK(contains(html, "id=\"hs-data\""));
  CHECK(!contains(html, "http://"));
  CHECK(!contains(html, "https://"));
  CHECK(contains(html, "\"diverged_at_start\""));  // the label, in the page's data
  // Not a results file: exit 2 naming it.
  const auto junk = s.write("junk.h5", "not HDF5");
  const Run bad = hypersweep("show '" + junk.string() + "'");
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, junk.string()));
  CHECK(hypersweep("report '" + junk.string() + "'").code == 2);
}

TEST_CASE("run on a terminal redraws its live line, and on TERM=dumb prints no escape code",
          "[cli][sweep]") {
  if (std::system("command -v script > /dev/null 2>&1") != 0) return;  // util-linux's pty runner
  Scratch s;
  const auto cfg = s.write("t.toml", "[objective]\ncommand = \"echo val_acc={x}\"\n[sweep]\n"
                                     "strategy = \"list\"\n[space]\nx = [0.1, 0.2]\n");
  // In one process the live line is drawn before each trial and erased before its line.
  auto on_pty = [&](const std::string& term, const std::string& name) {
    const std::string cmd = std::string("cd '") + HS_SOURCE_DIR + "' && TERM=" + term +
                            " script -qec \"" + binary() + " run '" + cfg.string() + "' --out '" +
                            s.path(name + ".h5") + "'\" /dev/null > '" + s.path(name) + "' 2>&1";
    CHECK(std::system(cmd.c_str()) == 0);
    return slurp(s.path(name));
  };
  const std::string xterm = on_pty("xterm", "xterm"), dumb = on_pty("dumb", "dumb");
  INFO(xterm << "\n---\n" << dumb);
  CHECK(contains(xterm, "\x1b[K"));  // a terminal that takes it: the live line is redrawn
  CHECK(contains(dumb, "[   2/2] trial    1 completed"));
  CHECK_FALSE(contains(dumb, "\x1b"));
}

TEST_CASE("a stop during --force's checks leaves the file it would replace", "[cli][signals]") {
  // Ctrl-C on a mistaken --force, while its data loaded: the old file was replaced all the same
  // (3,000 trials lost). The data comes through a FIFO, so the stop lands inside the checks.
  Scratch s;
  std::string csv = "label,a,b\n";
  for (int i = 0; i < 40; ++i) csv += std::to_string(i % 2) + "," + std::to_string(i) + ",1\n";
  const auto data = s.write("data.csv", csv);
  const std::string fifo = s.path("data.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string body = "dataset = \"csv\"\nlabel_column = \"label\"\nhidden = [4]\n"
                           "epochs = 1\n[sweep]\nstrategy = \"random\"\ntrials = 1\n[space]\n"
                           "lr = { log_uniform = [1e-3, 1e-1] }\n";
  const auto first = s.write("first.toml", "[train]\ndata_path = \"" + data.string() + "\"\n" + body);
  const auto again = s.write("again.toml", "[train]\ndata_path = \"" + fifo + "\"\n" + body);
  const std::string out = s.path("r.h5");
  REQUIRE(hypersweep("run '" + first.string() + "' --out '" + out + "'").code == 0);
  const std::string h5 = slurp(out), journal = slurp(out + ".journal");
  Background bg("run '" + again.string() + "' --out '" + out + "' --force", s.path("log"));
  REQUIRE(bg.pid() > 0);
  {
    std::ofstream feed(fifo);  // opens once the run opened it to read its data
    REQUIRE(::kill(bg.pid(), SIGINT) == 0);
    feed << csv;
  }
  CHECK(bg.wait_exit() == 3);
  INFO(bg.log());
  CHECK(contains(bg.log(), "stopped by SIGINT before the sweep started: " + out +
                               " is left as it was"));
  CHECK(slurp(out) == h5);
  CHECK(slurp(out + ".journal") == journal);
}
