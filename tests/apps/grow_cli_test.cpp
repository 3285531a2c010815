// Growing a sweep with the real build/bin/hypersweep (README "Continuing and growing a sweep"):
// more trials in the file or --trials, --retry-failed, a config that means the same, run --set.
// The trials are `echo` commands (milliseconds each), or the built-in trainer on tiny generated
// data where --set must reach it.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "store/results_file.h"
#include "sweep/sweep_header.h"
#include "support/cli.h"
#include "trial/codec.h"
#include "support/records.h"

namespace fs = std::filesystem;
using namespace hs::test;

namespace {

// A command sweep over three parameters whose metric is a function of them, so that tpe and
// bayes learn from it; `trials` and the lines after [sweep]'s `strategy` are the test's.
std::string command_sweep(const std::string& strategy, int trials, const std::string& extra = "") {
  return "[objective]\ncommand = 'echo metric={x}'\n"
         "[sweep]\nstrategy = \"" + strategy + "\"\ntrials = " + std::to_string(trials) +
         "\nseed = 5\n" + extra +
         "[space]\nx = { uniform = [0.0, 1.0] }\ny = { log_uniform = [1e-3, 1.0] }\n"
         "z = { int = [1, 9] }\n";
}

std::vector<hs::TrialRecord> records(const std::string& path) {
  auto f = hs::ResultsFile::open(path);
  REQUIRE(f.ok());
  return hs::test::trials_of(*f);
}

std::string run_cmd(const std::string& cfg, const std::string& out, const std::string& more = "") {
  return "run '" + cfg + "' --out '" + out + "'" + more;
}

}  // namespace

TEST_CASE("a finished sweep grows from 6 to 8 trials: the first 6 records unchanged",
          "[cli][sweep][grow]") {
  for (const auto& [strategy, extra] : std::vector<std::pair<std::string, std::string>>{
           {"random", ""}, {"tpe", "n_init = 3\n"}, {"bayes", ""}}) {
    INFO(strategy);
    Scratch s;
    const auto six = s.write("six.toml", command_sweep(strategy, 6, extra));
    const auto eight = s.write("eight.toml", command_sweep(strategy, 8, extra));
    const std::string whole = s.path("whole.h5"), by_file = s.path("file.h5"),
                      by_flag = s.path("flag.h5");
    REQUIRE(hypersweep(run_cmd(eight.string(), whole)).code == 0);
    REQUIRE(hypersweep(run_cmd(six.string(), by_file)).code == 0);
    REQUIRE(hypersweep(run_cmd(six.string(), by_flag)).code == 0);
    const std::vector<hs::TrialRecord> before_file = records(by_file), before_flag = records(by_flag);
    REQUIRE(before_file.size() == 6u);
    // Raising trials in the file, and --trials on the command line.
    const Run grown = hypersweep(run_cmd(eight.string(), by_file));
    INFO(grown.out << grown.err);
    REQUIRE(grown.code == 0);
    CHECK(contains(grown.out, "extending " + by_file + ": 6 trials recorded, 2 more to run"));
    const Run flagged = hypersweep(run_cmd(six.string(), by_flag, " --trials 8"));
    INFO(flagged.out << flagged.err);
    REQUIRE(flagged.code == 0);
    CHECK(contains(flagged.out, "extending " + by_flag + ": 6 trials recorded, 2 more to run"));
    const auto reference = records(whole);
    REQUIRE(reference.size() == 8u);
    for (const auto& [path, before] : {std::pair{by_file, before_file}, std::pair{by_flag, before_flag}}) {
      const auto after = records(path);
      REQUIRE(after.size() == 8u);
      for (size_t i = 0; i < 6; ++i)  // bit for bit
        CHECK(hs::encode_record(after[i]) == hs::encode_record(before[i]));
      for (size_t i = 0; i < 8; ++i) {  // as if the sweep had been 8 trials from the start
        CHECK(after[i].id == static_cast<int64_t>(i));
        CHECK(after[i].params == reference[i].params);
      }
    }
  }
}

TEST_CASE("fewer trials than recorded keeps the records and a grid grows no further than its size",
          "[cli][sweep][grow]") {
  Scratch s;
  const auto cfg = s.write("six.toml", command_sweep("random", 6));
  const std::string out = s.path("r.h5");
  REQUIRE(hypersweep(run_cmd(cfg.string(), out)).code == 0);
  const Run fewer = hypersweep(run_cmd(cfg.string(), out, " --trials 4"));
  CHECK(fewer.code == 0);
  CHECK(contains(fewer.out, "6 trials recorded, more than trials = 4: the records are kept and "
                            "no new trial runs"));
  // The sweep line counts the trials the sweep has, as the progress lines' [k/6] do.
  CHECK(contains(fewer.out, "random strategy, 6 trials (trials = 4; the file holds 6), seed"));
  CHECK(!contains(fewer.out, "] trial "));
  CHECK(records(out).size() == 6u);
  const auto grid = s.write("grid.toml", "[objective]\ncommand = 'echo metric={x}'\n"
                                         "[sweep]\nstrategy = \"grid\"\n"
                                         "[space]\nx = { uniform = [0.0, 1.0], grid = 4 }\n");
  REQUIRE(hypersweep(run_cmd(grid.string(), s.path("g.h5"))).code == 0);
  const Run past = hypersweep(run_cmd(grid.string(), s.path("g.h5"), " --trials 6"));
  CHECK(past.code == 2);
  CHECK(contains(past.err, "--trials"));
  CHECK(contains(past.err, "the grid has 4 points, fewer than trials = 6"));
  CHECK(records(s.path("g.h5")).size() == 4u);
}

TEST_CASE("run --retry-failed runs a failed trial again under attempt 2", "[cli][sweep][retry]") {
  Scratch s;
  const std::string marker = s.path("broken");
  s.write("broken", "");
  // Trial 1 fails while the marker exists, then succeeds.
  const auto cfg = s.write(
      "sweep.toml",
      "[objective]\ncommand = '''if [ $HYPERSWEEP_TRIAL_ID = 1 ] && [ -f '" + marker +
          "' ]; then echo broken >&2; exit 1; fi; echo metric={x}'''\n"
          "[sweep]\nstrategy = \"random\"\ntrials = 3\n[space]\nx = { uniform = [0.0, 1.0] }\n");
  const std::string out = s.path("r.h5");
  REQUIRE(hypersweep(run_cmd(cfg.string(), out)).code == 0);
  const auto before = records(out);
  REQUIRE(before.size() == 3u);
  REQUIRE(before[1].status == hs::TrialStatus::kFailed);
  CHECK(before[1].attempt == 1);
  fs::remove(marker);
  // Continued without it, a failed trial stays failed.
  const Run plain = hypersweep(run_cmd(cfg.string(), out));
  CHECK(plain.code == 0);
  CHECK(records(out)[1].status == hs::TrialStatus::kFailed);
  const Run again = hypersweep(run_cmd(cfg.string(), out, " --retry-failed"));
  INFO(again.out << again.err);
  REQUIRE(again.code == 0);
  CHECK(contains(again.out, "1 to run again first"));
  const auto after = records(out);
  REQUIRE(after.size() == 3u);
  CHECK(after[1].id == 1);
  CHECK(after[1].status == hs::TrialStatus::kCompleted);
  CHECK(after[1].attempt == 2);
  CHECK(after[1].params == before[1].params);
  CHECK(after[1].best_metric == std::get<double>(before[1].params[0]));
  for (const size_t i : {size_t{0}, size_t{2}})
    CHECK(hs::encode_record(after[i]) == hs::encode_record(before[i]));
}

TEST_CASE("a config that means the same continues the sweep and a changed value is refused by name",
          "[cli][sweep][grow]") {
  Scratch s;
  const auto cfg = s.write("sweep.toml", command_sweep("tpe", 3, "n_init = 2\n"));
  const std::string out = s.path("r.h5");
  REQUIRE(hypersweep(run_cmd(cfg.string(), out)).code == 0);
  // A comment, the [sweep] keys in another order, other spacing and spelling: the same sweep.
  const auto same = s.write(
      "same.toml",
      "# tried again with a comment\n[sweep]\nn_init = 2\nseed = 5  # the seed\n"
      "strategy = 'tpe'\ntrials = 3\n\n[objective]\ncommand = \"echo metric={x}\"\n"
      "[space]\nx = {uniform=[0.0, 1.0]}\ny = { log_uniform = [0.001, 1e0] }\nz = { int = [1, 9] }\n");
  const Run r = hypersweep(run_cmd(same.string(), out));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "continuing " + out + ": 3 trials recorded, 3 finished"));
  // How trials run is no part of it: a time limit added (to let timed-out trials finish with
  // --retry-failed), and [objective] mode at its default.
  std::string with_timeout = command_sweep("tpe", 3, "n_init = 2\n");
  with_timeout.replace(with_timeout.find("\n[sweep]"), 0, "\ntimeout = 60\nmode = \"trial\"");
  const auto timeout = s.write("timeout.toml", with_timeout);
  const Run t = hypersweep(run_cmd(timeout.string(), out));
  INFO(t.out << t.err);
  CHECK(t.code == 0);
  CHECK(contains(t.out, "3 trials recorded, 3 finished"));
  // A changed value is another sweep: refused, naming it, and the file is left as it was.
  std::string echoed = command_sweep("tpe", 3, "n_init = 2\n");
  echoed.replace(echoed.find("metric={x}"), 10, "metric={y}");
  const auto other = s.write("other.toml", echoed);
  const Run o = hypersweep(run_cmd(other.string(), out));
  CHECK(o.code == 2);
  CHECK(contains(o.err, out + ": holds another sweep"));
  CHECK(contains(o.err, "[objective] command: 'echo metric={x}' in the file, 'echo metric={y}' here"));
  std::string seed6 = command_sweep("tpe", 3, "n_init = 2\n");
  seed6.replace(seed6.find("seed = 5"), 8, "seed = 6");
  const auto seed = s.write("seed.toml", seed6);
  CHECK(hypersweep(run_cmd(seed.string(), out)).code == 2);
  CHECK(records(out).size() == 3u);
}

TEST_CASE("run --set reaches the trials and is part of the sweep", "[cli][sweep][set]") {
  Scratch s;
  const auto cfg = s.write("sweep.toml",
                           "[train]\ndataset = \"synthetic\"\nsynthetic_samples = 300\nhidden = [8]\n"
                           "epochs = 3\nearly_stopping = false\n"
                           "[sweep]\nstrategy = \"random\"\ntrials = 2\n"
                           "[space]\nlr = { log_uniform = [1e-2, 1e-1] }\n");
  const std::string out = s.path("r.h5");
  const Run r = hypersweep(run_cmd(cfg.string(), out, " -j 1 --set epochs=1"));
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  for (const auto& rec : records(out)) CHECK(rec.curves.size() == 1u);  // not the file's 3
  // Under mpirun the worker ranks build their trials with the same --set.
  const std::string mpi_out = s.path("mpi.h5");
  const Run m = hypersweep(run_cmd(cfg.string(), mpi_out, " -j 1 --set epochs=1"), mpirun(3));
  INFO(m.out << m.err);
  REQUIRE(m.code == 0);
  REQUIRE(records(mpi_out).size() == 2u);
  for (const auto& rec : records(mpi_out)) CHECK(rec.curves.size() == 1u);
  // The same --set continues it; another is another sweep, named.
  CHECK(hypersweep(run_cmd(cfg.string(), out, " -j 1 --set epochs=1")).code == 0);
  const Run other = hypersweep(run_cmd(cfg.string(), out, " -j 1 --set epochs=2"));
  CHECK(other.code == 2);
  CHECK(contains(other.err, "--set epochs: 1 in the file, 2 here"));
  const Run none = hypersweep(run_cmd(cfg.string(), out, " -j 1"));
  CHECK(none.code == 2);
  CHECK(contains(none.err, "--set epochs: 1 in the file, not given here"));
  // What --set cannot reach is refused before anything is written.
  const Run searched = hypersweep(run_cmd(cfg.string(), s.path("x.h5"), " --set lr=0.1"));
  CHECK(searched.code == 2);
  CHECK(contains(searched.err, "--set: lr: is searched in [space]"));
  const auto command = s.write("command.toml", command_sweep("random", 2));
  const Run cmd = hypersweep(run_cmd(command.string(), s.path("y.h5"), " --set epochs=1"));
  CHECK(cmd.code == 2);
  CHECK(contains(cmd.err, "[objective] command"));
  CHECK(!fs::exists(s.path("x.h5")));
  CHECK(!fs::exists(s.path("y.h5")));
}

TEST_CASE("the command a stopped sweep prints continues it when pasted into a shell, spaces and all",
          "[cli][sweep][set]") {
  Scratch s;
  fs::create_directories(s.dir() / "a b");
  // Trial 0 trains one epoch, trial 1 more than the test waits for: SIGINT stops it in flight.
  const auto cfg = s.write("a b/my sweep.toml",
                           "[train]\ndataset = \"synthetic\"\nsynthetic_samples = 300\nhidden = [8]\n"
                           "early_stopping = false\nthreads = 1\n"
                           "[sweep]\nstrategy = \"list\"\ntrials = 2\n"
                           "[space]\nepochs = [1, 100000000]\n");
  const std::string out = s.path("a b/it's here.h5");
  const std::string set = "hidden=[8, 4]";  // a --set whose value has a space
  const Stopped first =
      stop_when("run \"" + cfg.string() + "\" --out \"" + out + "\" --set '" + set + "'",
                s.path("first.log"), "trial    0 completed");
  INFO(first.log);
  REQUIRE(first.code == 3);
  const std::string again =
      rest_of_line(first.log, "The same command again continues it: hypersweep ");
  REQUIRE(!again.empty());
  // The words as printed, read by /bin/sh: the same config, results file and --set, so it continues.
  const Stopped second = stop_when(again, s.path("second.log"), "continuing ");
  INFO(second.log);
  CHECK(second.code == 3);
  CHECK(contains(second.log, "continuing " + out + ": 2 trials recorded, 1 finished"));
  const auto recs = records(out);
  REQUIRE(recs.size() == 2u);
  CHECK(recs[0].status == hs::TrialStatus::kCompleted);
}

TEST_CASE("run asked to force a start over and to keep the records (resume, retry-failed) is refused", "[cli][sweep]") {
  Scratch s;
  const auto cfg = s.write("s.toml", command_sweep("random", 3));
  const std::string out = s.path("r.h5");
  REQUIRE(hypersweep(run_cmd(cfg.string(), out)).code == 0);
  const auto before = records(out);
  REQUIRE(before.size() == 3u);
  // Each asks to keep the recorded trials, which --force would throw away (it started over).
  for (const std::string flags : {" --resume --force", " --force --retry-failed"}) {
    const Run r = hypersweep(run_cmd(cfg.string(), out, flags));
    INFO(flags << "\n" << r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "excludes"));
    const auto after = records(out);
    REQUIRE(after.size() == before.size());
    for (size_t i = 0; i < after.size(); ++i) CHECK(after[i].seconds == before[i].seconds);
  }
}

TEST_CASE("run --force takes the replaced sweep's trial logs away with it", "[cli][sweep]") {
  // They stayed, so `logs` of a trial not yet run again showed the old sweep's output.
  Scratch s;
  const auto cfg = s.write("s.toml", command_sweep("random", 2));
  const std::string out = s.path("r.h5");
  REQUIRE(hypersweep(run_cmd(cfg.string(), out)).code == 0);
  const fs::path stale = s.dir() / "r.h5.logs" / "000007.out";  // a trial the new sweep lacks
  REQUIRE(fs::exists(s.dir() / "r.h5.logs"));
  std::ofstream(stale) << "the old sweep's\n";
  const Run again = hypersweep(run_cmd(cfg.string(), out, " --force"));
  INFO(again.out << again.err);
  CHECK(again.code == 0);
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(s.dir() / "r.h5.logs" / "000000.out"));  // the new sweep's own
  // Continuing keeps them.
  std::ofstream(stale) << "kept\n";
  CHECK(hypersweep(run_cmd(cfg.string(), out)).code == 0);
  CHECK(fs::exists(stale));
}

TEST_CASE("a sweep whose space runs out of points before its trials says so", "[cli][sweep]") {
  Scratch s;
  // Two points, five trials: bayes asks each once and ends (it said nothing, as if all ran).
  const auto cfg = s.write("s.toml", "[objective]\ncommand = 'echo metric={k}'\n[sweep]\n"
                                     "strategy = \"bayes\"\ntrials = 5\n[space]\nk = { int = [1, 2] }\n");
  const Run r = hypersweep(run_cmd(cfg.string(), s.path("r.h5")));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(records(s.path("r.h5")).size() == 2u);
  CHECK(contains(r.out, "the strategy had no more trials after 2 of 5: each point of the space "
                        "was asked once"));
  // Run again: nothing more to run, and not "3 more to run".
  const Run again = hypersweep(run_cmd(cfg.string(), s.path("r.h5")));
  INFO(again.out << again.err);
  CHECK(contains(again.out, "2 trials recorded, 2 finished\n"));
  CHECK_FALSE(contains(again.out, "more to run"));
}

TEST_CASE("a sweep file named with a newline is the same sweep as its copy of another name",
          "[cli][sweep][grow]") {
  Scratch s;
  // Its name went into the config attribute's '# file:' line as it was, so the lines after the
  // newline read as config: continuing from a plain copy was refused ("[train]: in the file").
  const auto odd = s.write("we\"ird\n[train]\nepochs = 99\n\xFE.toml", command_sweep("random", 2));
  const auto plain = s.write("plain.toml", command_sweep("random", 3));
  const std::string out = s.path("r.h5");
  const Run first = hypersweep(run_cmd(odd.string(), out));
  INFO(first.out << first.err);
  REQUIRE(first.code == 0);
  const Run more = hypersweep(run_cmd(plain.string(), out));
  INFO(more.out << more.err);
  CHECK(more.code == 0);
  CHECK(contains(more.out, "2 trials recorded, 1 more to run"));
  const auto f = hs::ResultsFile::open(out);
  REQUIRE(f.ok());
  const std::string& text = f->header().config_text;
  CHECK(contains(text, "# file: "));
  CHECK(contains(text, "\\n[train]\\nepochs = 99\\n\xEF\xBF\xBD.toml"));  // one line, valid UTF-8
}

TEST_CASE("a built-in sweep continues with another thread count, its records unchanged",
          "[cli][sweep][grow]") {
  Scratch s;
  auto sweep = [](int threads, int trials) {
    return "[train]\ndataset = \"synthetic\"\nsynthetic_samples = 300\nhidden = [8]\nepochs = 2\n"
           "early_stopping = false\nthreads = " + std::to_string(threads) +
           "\n[sweep]\nstrategy = \"random\"\ntrials = " + std::to_string(trials) +
           "\n[space]\nlr = { log_uniform = [1e-2, 1e-1] }\n";
  };
  const std::string out = s.path("r.h5"), whole = s.path("whole.h5");
  REQUIRE(hypersweep(run_cmd(s.write("one.toml", sweep(1, 2)).string(), out)).code == 0);
  const auto before = records(out);
  // threads says how a trial runs, not what it gives (bit-identical curves, README): the same
  // sweep, grown here by one trial.
  const Run r = hypersweep(run_cmd(s.write("two.toml", sweep(2, 3)).string(), out));
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "2 trials recorded, 1 more to run"));
  const auto after = records(out);
  REQUIRE(after.size() == 3u);
  for (size_t i = 0; i < before.size(); ++i)
    CHECK(hs::encode_record(after[i]) == hs::encode_record(before[i]));
  // Nor does --set threads (or max_seconds) make it another sweep.
  const Run set = hypersweep(run_cmd(s.path("two.toml"), out, " --set threads=1 --set max_seconds=600"));
  INFO(set.out << set.err);
  CHECK(set.code == 0);
  CHECK(contains(set.out, "3 trials recorded, 3 finished"));
}

TEST_CASE("a file holding a parameter named like a trial group's attribute continues",
          "[cli][sweep][grow]") {
  // Such a name is refused for a new sweep, but a file made before the rule continues: here
  // through the store, as a run made it. log_path clashes at every command trial (its logs'
  // path): the sweep stopped at trial 1, "unable to create attribute", and the file could not
  // be rebuilt after. Now the parameter is in /summary only.
  Scratch s;
  const auto cfg = s.write("d.toml", "[objective]\ncommand = \"echo val_acc={log_path}\"\n"
                                     "[sweep]\nstrategy = \"list\"\n[space]\nlog_path = [0.25, 0.5]\n");
  const std::string out = s.path("d.h5");
  {
    auto sweep = hs::load_sweep(cfg.string());
    REQUIRE(sweep.ok());
    auto f = hs::ResultsFile::create(out, hs::sweep_header(*sweep, "2026-12-05T00:00:00Z"), false);
    REQUIRE(f.ok());
    hs::TrialRecord r;
    r.id = 0;
    r.status = hs::TrialStatus::kCompleted;
    r.params = {hs::ParamValue{0.25}};
    r.best_metric = 0.25;
    REQUIRE(f->append(r).ok());
    REQUIRE(f->close().ok());
  }
  const Run plan = hypersweep("plan '" + cfg.string() + "'");
  CHECK(plan.code == 2);
  CHECK(contains(plan.err, ":6: log_path: parameter \"log_path\" has the name of an attribute"));
  const Run r = hypersweep(run_cmd(cfg.string(), out));
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "1 trial recorded"));
  const auto recs = records(out);
  REQUIRE(recs.size() == 2u);
  CHECK(recs[1].best_metric == 0.5);
  CHECK(recs[1].params == std::vector<hs::ParamValue>{hs::ParamValue{0.5}});
  CHECK_FALSE(recs[1].log_path.empty());  // the group's own attribute, written
  // A new file of it is refused, naming the line.
  const Run fresh = hypersweep(run_cmd(cfg.string(), s.path("new.h5")));
  CHECK(fresh.code == 2);
  CHECK(contains(fresh.err, ":6: log_path: parameter \"log_path\""));
}
