// Runs the real build/bin/hypersweep: plan and run say a learning strategy's start design out
// loud (its size, the trials fixed before any result, the warning for a sweep that never leaves
// it); the recipe refuses an [objective] file; show's diagnosis line never calls failed or short
// trials healthy. The sweeps run a shell command, so no data set is loaded.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "support/cli.h"

namespace fs = std::filesystem;
using namespace hs::test;

namespace {

size_t count(const std::string& s, const std::string& part) {
  size_t n = 0;
  for (size_t at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
  return n;
}

// A sweep of `echo` over x (and `extra` lines of [space]): line 3 is [sweep] trials.
std::string sweep_text(const std::string& strategy, int trials, const std::string& extra = "") {
  return "[sweep]\nstrategy = \"" + strategy + "\"\ntrials = " + std::to_string(trials) +
         "\nseed = 4\nmetric = \"val_acc\"\n[space]\nx = { uniform = [0.0, 1.0] }\n" + extra +
         "[objective]\ncommand = \"echo val_acc={x}\"\n";
}

}  // namespace

TEST_CASE("plan: tpe's 10 random start trials fixed, the trials after them depend on results",
          "[cli][sweep]") {
  Scratch s;
  const auto cfg = s.write("tpe.toml", sweep_text("tpe", 14));
  const Run r = hypersweep("plan '" + cfg.string() + "' --show 20");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "start design: 10 random trials (tpe's default; [sweep] n_init sets it)"));
  CHECK(contains(r.out, "trials 0-9 are fixed; trials 10-13 are not: each depends on results"));
  CHECK(contains(r.out, "trial    9: x="));
  CHECK(contains(r.out, "trial   10: depends on results\n"));
  CHECK(contains(r.out, "trial   13: depends on results\n"));
  CHECK_FALSE(contains(r.out, "trial   10: x="));  // no values made up without results
  CHECK_FALSE(contains(r.out, "trial   14"));
  CHECK_FALSE(contains(r.err, "warning"));
}

TEST_CASE("plan: bayes's start design counts each choice one-hot and is not cut to trials",
          "[cli][sweep]") {
  Scratch s;
  // GP coordinates: x, y and 3 for the choice: d = 5, 2d+2 = 12 > 8 trials.
  const auto cfg = s.write(
      "bayes.toml",
      sweep_text("bayes", 8, "y = { uniform = [0.0, 1.0] }\nact = [\"relu\", \"tanh\", \"gelu\"]\n"));
  const Run r = hypersweep("plan '" + cfg.string() + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "start design: 12 Latin-hypercube trials (automatic: 2d+2 between 5 and "
                        "20, d = 5 GP coordinates"));
  CHECK(contains(r.out, "trials 0-7 are fixed; none depends on results"));
  CHECK(contains(r.out, "trial    7: x="));
  CHECK_FALSE(contains(r.out, ": depends on results"));
  // The warning names the file, the line of trials and both numbers, once.
  CHECK(count(r.err, "warning") == 1);
  CHECK(contains(r.err, "hypersweep: warning: " + cfg.string() +
                            ":3: [sweep] trials = 8 is not more than bayes's start design (12 "
                            "Latin-hypercube trials)"));
  CHECK(contains(r.err, "random search"));
  CHECK(contains(r.err, "raise trials above 12 or set n_init"));

  // n_init sets it; trials equal to the start design still never leave it.
  std::string text = sweep_text("tpe", 4);
  text.insert(text.find("[space]"), "n_init = 4\n");
  const auto n4 = s.write("n4.toml", text);
  const Run n = hypersweep("plan '" + n4.string() + "'");
  INFO(n.out << n.err);
  REQUIRE(n.code == 0);
  CHECK(contains(n.out, "start design: 4 random trials ([sweep] n_init)"));
  CHECK(contains(n.err, ":3: [sweep] trials = 4 is not more than tpe's start design (4 random "
                        "trials)"));
  CHECK(contains(n.err, "or set a smaller n_init"));
  // trials given by --trials: the warning names --trials, not the file's line of another value.
  const Run o = hypersweep("run '" + n4.string() + "' --trials 3 --out '" + s.path("n4.h5") + "'");
  INFO(o.out << o.err);
  REQUIRE(o.code == 0);
  CHECK(contains(o.err, n4.string() + ": --trials 3 is not more than tpe's start design (4 random "
                        "trials)"));
  CHECK_FALSE(contains(o.err, "trials = 3"));
}

TEST_CASE("an error naming a key with a NUL in it is printed whole", "[cli][sweep]") {
  // The message was printed as a C string: it ended at the NUL, "nul.toml:6: a" and no reason.
  Scratch s;
  const auto f = s.write("nul.toml", "[objective]\ncommand = \"echo val_acc=1\"\n[sweep]\n"
                                     "strategy = \"grid\"\n[space]\n\"a\\u0000b\" = [1, 2]\n");
  const Run r = hypersweep("plan '" + f.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "nul.toml:6: a"));
  CHECK(contains(r.err, "b: a parameter of a command objective is named by an identifier"));
}

TEST_CASE("plan: grid, random and list trials are all fixed, with no warning", "[cli][sweep]") {
  Scratch s;
  const auto cfg = s.write("random.toml", sweep_text("random", 3));
  const Run r = hypersweep("plan '" + cfg.string() + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "every trial is fixed before any result"));
  CHECK(contains(r.out, "trial    2: x="));
  CHECK_FALSE(contains(r.out, "depends on results"));
  CHECK_FALSE(contains(r.err, "warning"));
}

TEST_CASE("plan warns of a pruner that can never stop a trial and of an n_init not used",
          "[cli][sweep]") {
  // Each was accepted without a word: a pruner that spends the sweep's time judging nothing.
  Scratch s;
  const std::string base = "[train]\ndataset = \"synthetic\"\nepochs = 9\n[sweep]\ntrials = 8\n";
  const std::string space = "[space]\nlr = [0.1, 0.2]\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"pruner = \"asha\"\n[pruner]\nmin_epochs = 9\n", "its only rung is at max_epochs = 9"},
      // min_epochs is at least 1: the advice is a smaller reduction.
      {"pruner = \"hyperband\"\n[pruner]\nreduction = 10\n",
       "its only rung is at max_epochs = 9, and the last rung decides nothing; set reduction to at "
       "most max_epochs / min_epochs (9)"},
      {"pruner = \"asha\"\n[pruner]\nmin_epochs = 5\nreduction = 2\n",
       "set min_epochs to at most max_epochs / reduction (4)"},
      {"pruner = \"sha\"\n[pruner]\nbracket_trials = 1\n", "with bracket_trials = 1"},
      {"pruner = \"median\"\n[pruner]\nwarmup_epochs = 9\n",
       "leaves no epoch before the last of the trials' 9"},
      // Only the last epoch judged: a stop there changes nothing.
      {"pruner = \"percentile\"\n[pruner]\nwarmup_epochs = 8\n",
       "warmup_epochs = 8 leaves no epoch before the last of the trials' 9"},
      {"pruner = \"median\"\n[pruner]\nstartup_trials = 8\n", "before startup_trials = 8"},
      {"pruner = \"median\"\n[pruner]\nmin_trials = 8\n",
       "once min_trials = 8 other trials have reported it, and the sweep has 8 trials in all"},
      {"n_init = 3\n", "n_init = 3 is ignored"},
  };
  for (const auto& [sweep, said] : cases) {
    const auto cfg = s.write("w.toml", base + sweep + space);
    const Run r = hypersweep("plan '" + cfg.string() + "'");
    INFO(sweep << r.err);
    CHECK(r.code == 0);
    CHECK(contains(r.err, "hypersweep: warning: " + cfg.string() + ":6: [sweep] "));  // its line
    CHECK(contains(r.err, said));
  }
  const auto fine = s.write("f.toml", base + "pruner = \"asha\"\n" + space);
  const Run r = hypersweep("plan '" + fine.string() + "'");
  CHECK(r.code == 0);
  CHECK(r.err.empty());
  // A command's trials: their epochs from [space] (none said so before).
  const auto cmd = s.write("c.toml", "[objective]\ncommand = \"echo val_acc=1 {lr}\"\n"
                                     "[sweep]\ntrials = 8\npruner = \"median\"\n"
                                     "[pruner]\nwarmup_epochs = 9\n"
                                     "[space]\nlr = [0.1, 0.2]\nepochs = { int = [3, 9] }\n");
  const Run c = hypersweep("plan '" + cmd.string() + "'");
  INFO(c.err);
  CHECK(c.code == 0);
  CHECK(contains(c.err, "leaves no epoch before the last of the trials' 9"));
  const auto seven = s.write("s.toml", base + "pruner = \"median\"\n[pruner]\nwarmup_epochs = 7\n" +
                                           space);
  CHECK(hypersweep("plan '" + seven.string() + "'").err.empty());  // epoch 8 judged, before 9
}

TEST_CASE("plan warns of a grid other strategies ignore and of a space smaller than its trials",
          "[cli][sweep]") {
  // `grid = 3` under random was shown by plan and ignored without a word; bayes on a 4-point
  // space stopped after 4 of 5 trials, plan listing 5.
  Scratch s;
  const std::string head = "[objective]\ncommand = \"echo val_acc=1\"\n[sweep]\n";
  const auto grid = s.write("g.toml", head + "strategy = \"random\"\ntrials = 4\n[space]\n"
                                             "x = { uniform = [0, 1], grid = 3 }\n");
  Run r = hypersweep("plan '" + grid.string() + "'");
  CHECK(r.code == 0);
  CHECK(contains(r.err, "hypersweep: warning: " + grid.string() + ":7: [space] x: grid = 3 is "
                        "ignored: only strategy = \"grid\" takes a range's grid points"));
  const std::string small = "trials = 5\nn_init = 2\n[space]\nk = [1, 2]\nj = { int = [1, 2] }\n";
  for (const std::string strategy : {"bayes", "tpe"}) {
    const auto cfg =
        s.write(strategy + ".toml", head + "strategy = \"" + strategy + "\"\n" + small);
    r = hypersweep("plan '" + cfg.string() + "'");
    INFO(r.err);
    CHECK(r.code == 0);
    CHECK(contains(r.err, "hypersweep: warning: " + cfg.string() + ": [space] has 4 points "
                          "(every parameter an int or a choice) for 5 trials: "));
    CHECK(contains(r.err, strategy == "bayes" ? "bayes ends after 4" : "tpe asks points again"));
  }
  // Enough trials for neither warning: no word.
  const auto fine = s.write("f.toml", head + "strategy = \"bayes\"\ntrials = 4\nn_init = 2\n"
                                             "[space]\nk = [1, 2]\nj = { int = [1, 2] }\n");
  r = hypersweep("plan '" + fine.string() + "'");
  CHECK(r.code == 0);
  CHECK(r.err.empty());
}

TEST_CASE("run warns once on rank 0 when a sweep never leaves its start design", "[cli][sweep]") {
  Scratch s;
  const auto cfg = s.write("tpe.toml", sweep_text("tpe", 3));
  const std::string warning = cfg.string() +
                              ":3: [sweep] trials = 3 is not more than tpe's start design (10 "
                              "random trials)";
  for (const std::string& launcher : {std::string(), mpirun(3)}) {
    INFO(launcher);
    const std::string out = s.path(launcher.empty() ? "one.h5" : "mpi.h5");
    const Run r = hypersweep("run '" + cfg.string() + "' --out '" + out + "'", launcher);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(count(r.err, warning) == 1);
    CHECK(contains(r.out, "best "));
  }
  // Enough trials: no warning.
  const auto ok = s.write("ok.toml", sweep_text("tpe", 11));
  const Run r = hypersweep("run '" + ok.string() + "' --out '" + s.path("ok.h5") + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK_FALSE(contains(r.err, "warning"));
}

TEST_CASE("a command's worker whose threads outnumber its cores says so", "[cli][sweep]") {
  // Said for the built-in trainer only: a command told OMP_NUM_THREADS=2 ran on the one core its
  // rank was bound to without a word. taskset binds every rank to one core here.
  Scratch s;
  const auto cfg = s.write("cmd.toml", sweep_text("random", 2));
  const Run r = hypersweep("run '" + cfg.string() + "' --threads 2 --out '" + s.path("t.h5") + "'",
                           "taskset -c 0 " + mpirun(2) + "--bind-to none ");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(count(r.err, "2 OpenMP threads but only 1 core(s) to run on") == 1);  // one worker
  // Bound to no core, with more threads than the node has: the node is said, not the binding.
  const long node = ::sysconf(_SC_NPROCESSORS_ONLN);
  REQUIRE(node > 0);
  const std::string many = std::to_string(node + 1);
  const Run free = hypersweep("run '" + cfg.string() + "' --threads " + many + " --out '" +
                                  s.path("u.h5") + "'",
                              mpirun(2) + "--bind-to none ");
  INFO(free.out << free.err);
  REQUIRE(free.code == 0);
  CHECK(count(free.err, many + " OpenMP threads but this node has only " + std::to_string(node) +
                            " core(s)") == 1);
  CHECK_FALSE(contains(free.err, "the launcher bound this rank"));
  // Two workers sharing one core, each with a thread that fits it alone: srun --overcommit
  // gives every rank the whole allocation, and 2 x --threads 2 ran 4 threads on 2 CPUs with no
  // word. Said once for the node. One thread each on a core of its own says nothing.
  const Run crowded = hypersweep("run '" + cfg.string() + "' --threads 1 --out '" +
                                     s.path("c.h5") + "'",
                                 "taskset -c 0 " + mpirun(3) + "--bind-to none ");
  INFO(crowded.out << crowded.err);
  REQUIRE(crowded.code == 0);
  CHECK(count(crowded.err, "2 workers on this node x 1 OpenMP thread each, but 1 core(s) for "
                           "all of them to run on: start at most 1 worker a node") == 1);
  if (node >= 2) {
    const Run apart = hypersweep("run '" + cfg.string() + "' --threads 1 --out '" +
                                     s.path("a.h5") + "'",
                                 "taskset -c 0,1 " + mpirun(3) + "--bind-to none ");
    INFO(apart.out << apart.err);
    REQUIRE(apart.code == 0);
    CHECK_FALSE(contains(apart.err, "warning"));
  }
}

TEST_CASE("run says when its pruner judged no trial for want of the metric on epoch lines",
          "[cli][sweep]") {
  // The command prints val_acc on its result line alone: nothing for the pruner to judge.
  Scratch s;
  std::string text = sweep_text("random", 3);
  text.insert(text.find("[space]"), "pruner = \"median\"\n");
  const auto cfg = s.write("p.toml", text);
  const Run r = hypersweep("run '" + cfg.string() + "' --out '" + s.path("p.h5") + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(count(r.err, "[sweep] pruner = \"median\" judged no trial: no epoch line of any trial "
                     "recorded held val_acc") == 1);
}

TEST_CASE("recipe refuses a file with an [objective] table before anything runs", "[cli][recipe]") {
  Scratch s;
  const auto cfg = s.write("cmd.toml",
                           "[train]\ndataset = \"synthetic\"\n[objective]\n"
                           "command = \"python3 train.py --lr {lr}\"\n[sweep]\ntrials = 8\n"
                           "[space]\nlr = [0.1, 0.01]\n");
  const Run r = hypersweep("recipe '" + cfg.string() + "' --out '" + s.path("r.h5") +
                           "' --config-out '" + s.path("rec.toml") + "'");
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, cfg.string() + ":4: command: "));
  CHECK(contains(r.err, "trains the built-in model and needs a [train] table"));
  CHECK_FALSE(contains(r.out, "six tuning steps"));  // nothing ran
  CHECK_FALSE(fs::exists(s.path("r.h5")));
  CHECK_FALSE(fs::exists(s.path("rec.toml")));
  // The shipped command sweep too, named at the line of its command.
  const Run e = hypersweep("recipe configs/sweep_command.toml --out '" + s.path("e.h5") + "'");
  CHECK(e.code == 2);
  std::ifstream shipped(std::string(HS_SOURCE_DIR) + "/configs/sweep_command.toml");
  int line = 0, command_line = 0;
  for (std::string text; command_line == 0 && std::getline(shipped, text);)
    if (++line, text.rfind("command = ", 0) == 0) command_line = line;
  REQUIRE(command_line > 0);
  CHECK(contains(e.err, "configs/sweep_command.toml:" + std::to_string(command_line) + ": command: "));
}

TEST_CASE("show's diagnosis line counts failed and short trials as such, never healthy",
          "[cli][analysis]") {
  Scratch s;
  // Trial 1 (x = 2) exits 1: failed. Trial 0 prints its result and no epoch line: too short.
  const auto cfg = s.write("fail.toml",
                           "[sweep]\nstrategy = \"list\"\ntrials = 2\nmetric = \"val_acc\"\n"
                           "[space]\nx = [1, 2]\n[objective]\n"
                           "command = \"test {x} = 1 && echo val_acc=0.5\"\n");
  const std::string out = s.path("fail.h5");
  REQUIRE(hypersweep("run '" + cfg.string() + "' --out '" + out + "'").code == 0);
  const Run r = hypersweep("show '" + out + "'");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "2 trials: 1 completed, 1 failed\n"));
  CHECK(contains(r.out, "diagnosis: 1 failed, 1 too_short\n"));
  CHECK_FALSE(contains(r.out, "healthy"));
  CHECK(contains(r.out, "trial 1 failed: the trial failed after 0 epochs: "));
}

TEST_CASE("plan and train name a key the set-up never reads and refuse searching one",
          "[cli][sweep]") {
  Scratch s;
  const std::string train =
      "[train]\ndataset = \"synthetic\"\nsynthetic_samples = 400\nsynthetic_noise = 3.0\n"
      "hidden = [16]\nepochs = 3\nthreads = 1\noptimizer = \"adam\"\nschedule = \"cosine\"\n"
      "lr = 0.01\n";
  // momentum (line 14) searched under adam: its six trials would differ by seed alone.
  const auto bad = s.write("bad.toml", train + "[sweep]\nstrategy = \"grid\"\n[space]\n"
                                               "momentum = [0.0, 0.5, 0.9]\n"
                                               "decay_factor = [0.1, 0.5]\n");
  Run r = hypersweep("plan '" + bad.string() + "'");
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, bad.string() + ":14: momentum: [space] searches momentum, which no "
                        "trial reads: optimizer is \"adam\" in every trial"));
  // Searching the deciding key too makes some trials read it: no error.
  const auto ok = s.write("ok.toml", train + "[sweep]\nstrategy = \"grid\"\n[space]\n"
                                             "momentum = [0.0, 0.9]\n"
                                             "optimizer = [\"adam\", \"momentum\"]\n");
  r = hypersweep("plan '" + ok.string() + "'");
  CHECK(r.code == 0);
  CHECK_FALSE(contains(r.err, "warning"));
  // A [train] key given but unused is a warning, in train and in plan.
  const auto warn = s.write("warn.toml", train + "momentum = 0.5\nmilestones = [2]\n");
  r = hypersweep("train '" + warn.string() + "' --print-config");
  CHECK(r.code == 0);
  CHECK(contains(r.err, "hypersweep: warning: " + warn.string() +
                            ":11: momentum = 0.5 is not used: optimizer is \"adam\""));
  CHECK(contains(r.err, ":12: milestones = [2] is not used: schedule is \"cosine\""));
  const auto warn_sweep = s.write("warn_sweep.toml", train + "momentum = 0.5\n[sweep]\n"
                                                             "strategy = \"grid\"\n[space]\n"
                                                             "lr = [0.01, 0.1]\n");
  r = hypersweep("plan '" + warn_sweep.string() + "'");
  CHECK(r.code == 0);
  CHECK(contains(r.err, ":11: momentum = 0.5 is not used: optimizer is \"adam\""));
  // A one-step warm-up runs that step at the full lr: no warm-up (the shipped quick config had
  // one). Two steps, or warmup searched, say nothing.
  r = hypersweep("train '" + warn.string() + "' --set warmup=1 --print-config");
  CHECK(contains(r.err, "hypersweep: warning: --set: warmup = 1 is not used: its one step runs "
                        "at the full lr"));
  r = hypersweep("train '" + warn.string() + "' --set warmup=2 --print-config");
  CHECK_FALSE(contains(r.err, "warmup"));
  // A step schedule whose milestones are all at or past the last epoch never changes the lr:
  // the defaults (30, 60, 90) with epochs = 3, or milestones = [3]; [2] decays at epoch 2.
  const auto plain = s.write("plain.toml", train);
  r = hypersweep("train '" + plain.string() + "' --set schedule=step --print-config");
  CHECK(contains(r.err, "--set: schedule = \"step\" is not used: its milestones (30, 60, 90) are "
                        "all at or past epochs = 3 (epochs count from 0"));
  r = hypersweep("train '" + plain.string() + "' --set schedule=step --set milestones=3 "
                 "--print-config");
  CHECK(contains(r.err, "--set: schedule = \"step\" is not used: its milestones (3) are all at "
                        "or past epochs = 3"));
  for (const char* fine : {"--set milestones=2", "--set epochs=31", "--set schedule_unit=iteration"}) {
    r = hypersweep("train '" + plain.string() + "' --set schedule=step " + fine + " --print-config");
    INFO(fine);
    CHECK(r.code == 0);
    CHECK_FALSE(contains(r.err, "schedule = \"step\" is not used"));
  }
  // A [train] seed in a sweep: each trial trains with its own seed, so it changes nothing (two
  // sweeps differing by it alone gave the same trials); `train` reads it. Searched, it is read.
  const auto seeded = s.write("seeded.toml", train + "seed = 3\n[sweep]\nstrategy = \"grid\"\n"
                                                     "[space]\nlr = [0.01, 0.1]\n");
  r = hypersweep("plan '" + seeded.string() + "'");
  CHECK(r.code == 0);
  CHECK(contains(r.err, seeded.string() + ":11: seed = 3 is not used: in a sweep trial i trains "
                        "with the seed (sweep seed, i)"));
  r = hypersweep("train '" + seeded.string() + "' --print-config");
  CHECK_FALSE(contains(r.err, "seed = 3 is not used"));
  const auto seeds = s.write("seeds.toml", train + "seed = 3\n[sweep]\nstrategy = \"grid\"\n"
                                                   "[space]\nseed = [1, 2]\n");
  r = hypersweep("plan '" + seeds.string() + "'");
  CHECK(r.code == 0);
  CHECK_FALSE(contains(r.err, "seed = 3 is not used"));
  // Dropout follows each hidden dense layer: with hidden = [] (a cnn's default) there is none,
  // and dropout 0.5 trained the same bits as 0. Searched there, it is refused.
  r = hypersweep("train '" + plain.string() + "' --set 'hidden=[]' --set dropout=0.5 "
                 "--print-config");
  CHECK(contains(r.err, "--set: dropout = 0.5 is not used: hidden = [] (dropout follows each "
                        "hidden dense layer, and there is none)"));
  std::string no_hidden = train;
  no_hidden.replace(no_hidden.find("hidden = [16]"), 13, "hidden = []");
  const std::string space = "[sweep]\nstrategy = \"grid\"\n[space]\ndropout = [0.0, 0.5]\n";
  const auto drops = s.write("drops.toml", no_hidden + space);
  r = hypersweep("plan '" + drops.string() + "'");
  CHECK(r.code == 2);
  CHECK(contains(r.err, drops.string() + ":14: dropout: [space] searches dropout, which no trial "
                        "reads: hidden = [] (dropout follows"));
  r = hypersweep("plan '" + s.write("drops16.toml", train + space).string() + "'");
  CHECK(r.code == 0);
  // schedule_unit counts a schedule's steps and its warm-up's: a constant lr has neither.
  r = hypersweep("train '" + plain.string() + "' --set schedule=constant "
                 "--set schedule_unit=iteration --print-config");
  CHECK(contains(r.err, "--set: schedule_unit = \"iteration\" is not used: schedule is "
                        "\"constant\" with no warmup"));
  r = hypersweep("train '" + plain.string() + "' --set schedule=constant --set warmup=4 "
                 "--set schedule_unit=iteration --print-config");
  CHECK_FALSE(contains(r.err, "schedule_unit"));
  const auto searched = s.write("warmups.toml", train + "[sweep]\nstrategy = \"grid\"\n"
                                                        "[space]\nwarmup = [1, 2]\n");
  r = hypersweep("plan '" + searched.string() + "'");
  CHECK(r.code == 0);
  CHECK_FALSE(contains(r.err, "warmup"));
}
