// The checks `hypersweep run` makes before its first trial (apps/hypersweep/preflight.h), run on
// the real binary: a sweep that cannot start leaves an existing results file as it was (even
// with --force) and creates none; plan refuses what run refuses; errors name the config's file,
// line and key; sizes are bounded before anything is allocated.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "support/cli.h"
#include "train/device.h"

namespace fs = std::filesystem;
using namespace hs::test;

namespace {

// A sweep of three quick trials, by default on generated data; `data` starts the [train] table
// (its lines 2 on).
const char kSynthetic[] = "dataset = \"synthetic\"\nhidden = [8]\n";
const char kTypo[] = "dataset = \"csv\"\ndata_path = \"no/such.csv\"\n";  // data_path: line 3
std::string quick_sweep(const std::string& data = kSynthetic) {
  return "[train]\n" + data + "epochs = 1\nthreads = 1\n[sweep]\nstrategy = \"random\"\ntrials = 3\n"
         "[space]\nlr = { log_uniform = [1e-3, 1e-1] }\n";
}

// `run CFG --out OUT` plus `flags`.
Run run(const fs::path& cfg, const std::string& out, const std::string& flags = "") {
  return hypersweep("run '" + cfg.string() + "' --out '" + out + "' " + flags);
}

}  // namespace

TEST_CASE("run --force with a bad config leaves the results file it would replace untouched",
          "[cli][preflight]") {
  Scratch s;
  const std::string out = s.path("prev.h5");
  REQUIRE(run(s.write("good.toml", quick_sweep()), out).code == 0);
  const std::string h5 = slurp(out), journal = slurp(out + ".journal");
  REQUIRE(!journal.empty());
  // A typo in data_path (line 3), then a grid larger than the sweep may run: each refused
  // before the file is touched.
  const auto typo = s.write("typo.toml", quick_sweep(kTypo));
  Run r = run(typo, out, "--force");
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, typo.string() + ":3: data_path: no/such.csv: missing file"));
  const auto grid = s.write("grid.toml", "[sweep]\nstrategy = \"grid\"\n[space]\n"
                                         "lr = { uniform = [0.01, 0.1], grid = 9223372036854775807 }\n");
  r = run(grid, out, "--force");
  CHECK(r.code == 2);
  CHECK(contains(r.err, grid.string() + ":4: lr: grid = 9223372036854775807 is more points"));
  CHECK(slurp(out) == h5);
  CHECK(slurp(out + ".journal") == journal);
}

TEST_CASE("a sweep that cannot start creates no results file, so the corrected one runs",
          "[cli][preflight]") {
  Scratch s;
  const std::string out = s.path("r.h5");
  const auto bad = s.write("bad.toml", quick_sweep(kTypo));
  const Run r = run(bad, out);
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, bad.string() + ":3: data_path: no/such.csv: missing file"));
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(out + ".journal"));
  const Run fixed = run(s.write("fixed.toml", quick_sweep()), out);
  CHECK(fixed.code == 0);
  CHECK(contains(fixed.out, "[   3/3] trial "));
}

TEST_CASE("plan refuses what run refuses, naming the config's file, line and key",
          "[cli][preflight]") {
  Scratch s;
  struct Case {
    std::string name, text, where;
  };
  const std::string kCommand = "[objective]\ncommand = \"echo metric=1 {x}\"\n";
  const Case cases[] = {
      {"data", quick_sweep(kTypo),
       ":3: data_path: no/such.csv: missing file"},
      // A parameter named like a /summary column: the results file cannot hold it.
      {"reserved", "[objective]\ncommand = \"echo metric=1 {status}\"\n[space]\nstatus = [1, 2]\n",
       ":4: status: parameter \"status\" has the name of a /summary column"},
      // Or like an attribute of a trial's group: run wrote trial 0's group and died there.
      {"attribute", "[objective]\ncommand = \"echo metric=1 {log_path}\"\n[space]\nlog_path = [1, 2]\n",
       ":4: log_path: parameter \"log_path\" has the name of an attribute of each trial's group"},
      {"grid", "[sweep]\nstrategy = \"grid\"\ntrials = 5\n[space]\nepochs = { int = [1, 2] }\n",
       ":3: trials: the grid has 2 points, fewer than trials = 5"},
      {"list", kCommand + "[sweep]\nstrategy = \"list\"\n[space]\nx = [1, 2]\ny = [1, 2, 3]\n",
       ":7: y: list needs lists of one length"},
      // hypersweep quotes values itself: a quoted placeholder would let a value run $(...).
      {"quoted", "[objective]\ncommand = 'echo metric=1 \"{x}\"'\n[space]\nx = [\"a\"]\n",
       ":2: command: {x} at character 16 is inside the \" quote opened at character 15"},
      {"single", "[objective]\ncommand = \"echo metric=1 '{x}'\"\n[space]\nx = [\"a\"]\n",
       ":2: command: {x} at character 16 is inside the ' quote opened at character 15"},
      {"hidden", quick_sweep("dataset = \"synthetic\"\nhidden = [1000000000, 1000000000]\n"),
       ":3: hidden: hidden layer 1 (width 1000000000) takes the network past"},
      {"width", "[train]\ndataset = \"synthetic\"\n[space]\nwidth = { int = [8, 2000000000] }\n"
                "depth = { int = [1, 100] }\n",
       ":4: width: the space reaches a network that cannot train"},
      // An mlp fits 8x8 images, the cnn's default 5x5 kernels past two pools do not.
      {"arch", "[train]\ndataset = \"synthetic\"\nsynthetic_size = 8\n[space]\n"
               "arch = [\"mlp\", \"cnn\"]\nlr = [0.01, 0.1]\n",
       ":5: arch: the space reaches a network that cannot train (arch=\"cnn\" lr=0.1): kernel_size is "
       "its default here: conv layer 2"},
      {"batch", "[sweep]\nstrategy = \"grid\"\n[space]\nbatch_size = { int = [1, 1000000000] }\n",
       ":4: batch_size: takes 1e+09 grid values"},
      // An end of a range that fails whatever the rest draws: every trial drawing it would fail.
      {"warmup", "[train]\ndataset = \"synthetic\"\nepochs = 3\n[space]\n"
                 "warmup = { int = [0, 3] }\nlr = [0.01, 0.1]\n",
       ":5: warmup: the space reaches warmup=3, which fails with the rest of the space at "
       "either end"},
      {"samples", "[train]\ndataset = \"synthetic\"\n[space]\n"
                  "synthetic_samples = { int = [16, 2147483647] }\n",
       ":4: synthetic_samples: the space reaches synthetic_samples=2147483647, which fails "
       "with the rest"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const auto cfg = s.write(c.name + ".toml", c.text);
    const Run p = hypersweep("plan '" + cfg.string() + "'");
    INFO(p.out << p.err);
    CHECK(p.code == 2);
    CHECK(contains(p.err, cfg.string() + c.where));
    const std::string out = s.path(c.name + ".h5");
    const Run r = run(cfg, out);
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, cfg.string() + c.where));
    CHECK_FALSE(contains(r.err, out));
    CHECK_FALSE(fs::exists(out));
  }
}

TEST_CASE("a default the space replaces is not held against the sweep", "[cli][preflight]") {
  // The cnn's default 5x5 kernel does not fit 4x4 images; the space's 1 and 3 do, and no trial
  // trains the default: plan and run (in the rank's process and in isolated trials) go ahead.
  Scratch s;
  const std::string text =
      "[train]\ndataset = \"synthetic\"\nsynthetic_samples = 64\nsynthetic_classes = 2\n"
      "synthetic_size = 4\narch = \"cnn\"\nconv_channels = [2]\nepochs = 1\nthreads = 1\n"
      "[sweep]\nstrategy = \"grid\"\n";
  const std::string space = "[space]\nkernel_size = [1, 3]\n";
  for (const std::string isolate : {"true", "false"}) {
    INFO("isolate = " << isolate);
    const auto cfg = s.write("ks_" + isolate + ".toml", text + "isolate = " + isolate + "\n" + space);
    const Run p = hypersweep("plan '" + cfg.string() + "'");
    INFO(p.out << p.err);
    CHECK(p.code == 0);
    const Run r = run(cfg, s.path("ks_" + isolate + ".h5"));
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(contains(r.out, "trial    1 completed"));
  }
  // A value of the space that does not fit is still refused, at the space's line.
  const auto bad = s.write("ks_bad.toml", text + "[space]\nkernel_size = [3, 5]\n");
  const Run p = hypersweep("plan '" + bad.string() + "'");
  CHECK(p.code == 2);
  CHECK(contains(p.err, bad.string() + ":13: kernel_size: the space reaches a network that cannot "
                        "train (kernel_size=5)"));
}

TEST_CASE("a list sweep runs its whole list unless trials says fewer", "[cli][preflight]") {
  Scratch s;
  const auto cfg = s.write("list.toml",
                           "[objective]\ncommand = \"echo metric={x}\"\n"
                           "[sweep]\nstrategy = \"list\"\n[space]\nx = [3, 1, 2]\n");
  const Run p = hypersweep("plan '" + cfg.string() + "'");
  CHECK(p.code == 0);
  CHECK(contains(p.out, "list strategy, 3 trials"));
  const Run r = run(cfg, s.path("list.h5"));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "[   3/3] trial    2"));
}

TEST_CASE("train refuses a network past the limits, naming the key, before allocating it",
          "[cli][preflight]") {
  // width x depth: 8 x 10^9 parameters would overflow nothing now, but is far past the limit.
  const Run r = hypersweep("train --set dataset=synthetic --set width=2000000000 --set depth=3");
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--set: width: hidden layer 1 (width 2000000000) takes the network past"));
  CHECK_FALSE(contains(r.out, "parameters"));
}

TEST_CASE("a 200000-character key is echoed clipped", "[cli][preflight]") {
  Scratch s;
  const auto cfg = s.write("long.toml", "[train]\n" + std::string(200000, 'k') + " = 1\n");
  const Run r = hypersweep("train '" + cfg.string() + "'");
  CHECK(r.code == 2);
  CHECK(r.err.size() < 500);
  CHECK(contains(r.err, "... (200000 characters)"));
}

TEST_CASE("device = cuda where no GPU can train is refused naming the file line and key",
          "[cli][preflight]") {
  const std::string why = hs::device_problem(hs::Device::kCuda);
  if (why.empty()) {
    WARN("a GPU can train here: the refusal is not shown (tests/cuda train on it)");
    return;
  }
  Scratch s;
  const std::string out = s.path("r.h5");
  // device on line 4: [train], dataset, hidden, device.
  const auto cfg =
      s.write("gpu.toml", quick_sweep(std::string(kSynthetic) + "device = \"cuda\"\n"));
  const Run r = run(cfg, out);
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, cfg.string() + ":4: device: \"cuda\" needs "));
  CHECK(contains(r.err, why));
  CHECK(!fs::exists(out));
  CHECK(!fs::exists(out + ".journal"));
  // plan refuses it too, and the same sweep on the CPU runs.
  CHECK(hypersweep("plan '" + cfg.string() + "'").code == 2);
  CHECK(run(s.write("cpu.toml", quick_sweep(std::string(kSynthetic) + "device = \"cpu\"\n")), out)
            .code == 0);
}

TEST_CASE("a hypersweep copied without its CUDA module refuses device = cuda saying so",
          "[cli][preflight]") {
  const fs::path bin = fs::path(HS_BINARY_DIR) / "bin";
  if (!fs::exists(bin / "libhypersweep_cuda.so")) {
    WARN("a build without the CUDA backend: there is no module to leave behind");
    return;
  }
  Scratch s;
  fs::copy_file(bin / "hypersweep", s.dir() / "hypersweep");
  const auto cfg = s.write("gpu.toml", "[train]\n" + std::string(kSynthetic) +
                                           "device = \"cuda\"\nepochs = 1\n");  // device: line 4
  const std::string cmd = "'" + (s.dir() / "hypersweep").string() + "' train '" + cfg.string() +
                          "' > '" + s.path("out") + "' 2> '" + s.path("err") + "'";
  const int status = std::system(cmd.c_str());
  const std::string err = slurp(s.dir() / "err");
  INFO(err);
  CHECK((WIFEXITED(status) ? WEXITSTATUS(status) : -1) == 2);
  CHECK(contains(err, cfg.string() +
                          ":4: device: \"cuda\" needs the CUDA backend, and there is "
                          "no " +
                          (s.dir() / "libhypersweep_cuda.so").string()));
  CHECK(contains(err, "keep the two together"));
  // A file of that name that is no module: the loader's words, and what it needs.
  s.write("libhypersweep_cuda.so", "not a shared object\n");
  CHECK(std::system(cmd.c_str()) != 0);
  const std::string bad = slurp(s.dir() / "err");
  INFO(bad);
  CHECK(
      contains(bad, ":4: device: \"cuda\" needs the CUDA backend, and its module does not load ("));
  CHECK(contains(bad, "libhypersweep_cuda.so"));
  CHECK(contains(bad, "LD_LIBRARY_PATH"));
  // The same copy trains on the CPU: only the GPU needs the module.
  const auto cpu = s.write("cpu.toml", "[train]\n" + std::string(kSynthetic) + "epochs = 1\n");
  CHECK(std::system(("'" + (s.dir() / "hypersweep").string() + "' train '" + cpu.string() +
                     "' -q > /dev/null 2>&1")
                        .c_str()) == 0);
}
