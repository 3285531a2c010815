// The scheduler simulator's bookkeeping (bench/sim.h): a handful of workers with fixed trial
// durations and rank 0's cost fixed per operation, against the clock worked out by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "sim.h"
#include "support/cli.h"
#include "sweep/sweep_header.h"
#include "support/records.h"

using namespace hs;

namespace {

SweepConfig sweep_of(int trials, const std::string& pruner = "", int epochs = 1) {
  std::string text = "[sweep]\nstrategy = \"random\"\nseed = 5\ntrials = " +
                     std::to_string(trials) + "\n";
  if (!pruner.empty())
    text += "pruner = \"" + pruner + "\"\n[pruner]\nmax_epochs = " + std::to_string(epochs) + "\n";
  text += "[objective]\ncommand = \"true\"\n[space]\nx = { uniform = [0.0, 1.0] }\n";
  auto s = load_sweep_text(text, "sim.toml");
  REQUIRE(s.ok());
  return std::move(*s);
}

}  // namespace

TEST_CASE("free rank 0: workers run back to back and idle only at the end", "[sim]") {
  sim::Options o;
  o.workers = 2;
  o.durations = {10, 20, 30, 40};  // trial i lasts durations[i]
  o.epochs = 1;
  o.fixed_cost_s = 0;
  auto r = sim::simulate(sweep_of(4), o, nullptr);
  REQUIRE(r.ok());
  // worker 1: trial 0 [0, 10), trial 2 [10, 40); worker 2: trial 1 [0, 20), trial 3 [20, 60)
  CHECK(r->trials == 4);
  CHECK(r->makespan_s == 60);
  CHECK(r->busy_s == 100);
  CHECK(r->utilisation == Approx(100.0 / 120));
  CHECK(r->last_dispatch_s == 20);
  CHECK(r->utilisation_fed == Approx(1.0));
  CHECK(r->waits == std::vector<double>{0, 0, 0, 0});
  CHECK(r->rank0_busy_s == 0);
}

TEST_CASE("no rate while fed when every trial goes out at once, and bins stay bounded", "[sim]") {
  // As many workers as trials: "while fed" read 0%, as if rank 0 had kept nobody busy.
  sim::Options o;
  o.workers = 4;
  o.durations = {10, 10};
  o.epochs = 1;
  o.fixed_cost_s = 0;
  auto r = sim::simulate(sweep_of(2), o, nullptr);
  REQUIRE(r.ok());
  CHECK(r->utilisation == Approx(0.5));
  CHECK(std::isnan(r->utilisation_fed));
  // A 1 ms trial beside a 10-minute one made bins of 0.125 ms, 4.8 million of them; at most
  // 65,536 now, wider, with the same busy time in all.
  o.workers = 1;
  o.durations = {1e-3, 600};
  r = sim::simulate(sweep_of(2), o, nullptr);
  REQUIRE(r.ok());
  CHECK(r->busy_over_time.size() <= 65536u);
  double busy = 0;
  for (double u : r->busy_over_time) busy += u * r->bin_s;
  CHECK(busy == Approx(600.001));
  CHECK(r->utilisation == Approx(1.0));
}

TEST_CASE("a rank 0 charged 1 s per operation delays dispatches and answers", "[sim]") {
  sim::Options o;
  o.workers = 2;
  o.durations = {10};
  o.epochs = 1;
  o.fixed_cost_s = 1;  // each ask, decode, judge and tell (no results file: no append)
  auto r = sim::simulate(sweep_of(3), o, nullptr);
  REQUIRE(r.ok());
  // 0: asks trial 0 (to 1), trial 1 (to 2); worker 1 runs [1, 11), worker 2 [2, 12).
  // 11: a pass: worker 1's epoch, decoded and judged until 13 (its result sent at 13), then
  //     worker 2's, arrived at 12, judged 13-15 (result at 15): two messages, one per worker,
  //     end the pass. The next takes both results, read 15-17, and commits them as one group:
  //     told 17-19. Trial 2 is asked 19-20 and runs [20, 30): worker 1 waited 20 - 13 = 7 s;
  //     the next ask (20-21) finds none.
  // 30: worker 1's epoch, judged 30-32; its result read 32-33 and told 33-34, the end; one
  //     more empty ask.
  CHECK(r->trials == 3);
  CHECK(r->makespan_s == 34);
  CHECK(r->busy_s == 30);
  CHECK(r->utilisation == Approx(30.0 / 68));
  CHECK(r->waits == std::vector<double>{1, 2, 7});
  CHECK(r->answer_wait_s == 2 + 3 + 2);
  CHECK(r->last_dispatch_s == 20);
  // the whole bins (of 10 / 8 s, the shortest trial's eighth) before 20: [0, 20)
  CHECK(r->bin_s == 1.25);
  CHECK(r->utilisation_fed == Approx(20.0 / 40));
  CHECK(r->ask.count == 5);
  CHECK(r->decode.count == 6);
  CHECK(r->judge.count == 3);
  CHECK(r->tell.count == 3);
  CHECK(r->rank0_busy_s == 17);
  CHECK(sim::quantile(r->waits, 0.5) == 2);
  CHECK(sim::quantile(r->waits, 0.99) == 7);
}

TEST_CASE("results that reach rank 0 while it is busy are appended as one group", "[sim]") {
  test::Scratch dir;
  const SweepConfig sweep = sweep_of(3);
  auto file = ResultsFile::create(dir.path("group.h5"), sweep_header(sweep, "test"), false);
  REQUIRE(file.ok());
  const uint64_t syncs = file->journal_syncs();
  sim::Options o;
  o.workers = 3;
  o.durations = {10};
  o.epochs = 1;
  o.fixed_cost_s = 1;  // the append too
  auto r = sim::simulate(sweep, o, &*file);
  REQUIRE(r.ok());
  // 0-3: trials 0, 1, 2 asked, run [1, 11), [2, 12), [3, 13). 11: a pass of the three epochs
  // (arrived 11, 12, 13), each decoded and judged in 2 s: answered at 13, 15, 17, when each
  // worker sends its result. 17: a pass of the three results, read 17-20, told 20-23, appended
  // 23-24 as one group; then an ask (24-25) finds none.
  CHECK(r->trials == 3);
  CHECK(r->append.count == 1);
  CHECK(r->largest_group == 3);
  CHECK(file->journal_syncs() == syncs + 1);
  CHECK(hs::test::trials_of(*file).size() == 3);
  CHECK(r->makespan_s == 24);
  CHECK(r->rank0_busy_s == 4 + 6 + 3 + 3 + 1);
  CHECK(r->waits == std::vector<double>{1, 2, 3});
}

TEST_CASE("message latency delays each dispatch, answer and result once", "[sim]") {
  sim::Options o;
  o.workers = 1;
  o.durations = {10};
  o.epochs = 2;
  o.latency_s = 0.5;
  o.fixed_cost_s = 0;
  auto r = sim::simulate(sweep_of(2, "", 2), o, nullptr);
  REQUIRE(r.ok());
  // trial 0: dispatched 0.5, epochs [0.5, 5.5) and, answered at 6.5, [6.5, 11.5); answered at
  // 12.5, its result read at 13. Trial 1 starts at 13.5 (waited 13.5 - 12.5), its result read at 26.
  CHECK(r->makespan_s == 26);
  CHECK(r->busy_s == 20);
  CHECK(r->waits == std::vector<double>{0.5, 1});
  CHECK(r->answer_wait_s == 4 * 1);
}

TEST_CASE("a pruner's stopped trials end early, the results file holds every trial", "[sim]") {
  test::Scratch dir;
  const SweepConfig sweep = sweep_of(60, "asha", 9);
  auto file = ResultsFile::create(dir.path("sim.h5"), sweep_header(sweep, "test"), false);
  REQUIRE(file.ok());
  sim::Options o;
  o.workers = 4;
  o.durations = {9};  // 1 s an epoch
  o.epochs = 9;
  o.fixed_cost_s = 0;
  auto r = sim::simulate(sweep, o, &*file);
  REQUIRE(r.ok());
  REQUIRE(hs::test::trials_of(*file).size() == 60);
  double epochs = 0;
  int64_t pruned = 0;
  for (const TrialRecord& t : hs::test::trials_of(*file)) {
    epochs += t.epochs;
    pruned += t.status == TrialStatus::kPruned;
    CHECK(t.epochs == static_cast<int>(t.curves.size()));
  }
  CHECK(pruned == r->pruned);
  CHECK(r->pruned > 20);  // asha, one in 3 on at each rung, on distinct synthetic curves
  CHECK(r->busy_s == epochs);
  CHECK(r->trials == 60);
  CHECK(r->append.count <= 60);  // results that arrive together are one group
  // A free rank 0 leaves no worker idle while trials remain: 4 workers busy until the last
  // dispatch, each trial started the moment its worker's previous one ended.
  CHECK(r->utilisation_fed == Approx(1.0));
  CHECK(sim::quantile(r->waits, 1.0) == 0);
}

TEST_CASE("sim_scheduler and gen_results read their options strictly and say which is wrong",
          "[sim]") {
  // --trials 1e3 ran 1 trial, --median-s nan crashed, --help was an error, and --out replaced
  // whatever it named.
  hs::test::Scratch s;
  const auto run = [](const std::string& program, const std::string& args) {
    return hs::test::run_shell(std::string("'") + HS_BINARY_DIR + "/bin/" + program + "' " +
                               args);
  };
  auto r = run("sim_scheduler", "--median-s nan --no-file");
  CHECK(r.code == 2);
  CHECK(r.err.find("sim_scheduler: --median-s nan: expected a number from 1e-06 to 1e+07") !=
        std::string::npos);
  r = run("sim_scheduler", "--workers 10x --no-file");
  CHECK(r.code == 2);
  CHECK(r.err.find("--workers 10x: expected a whole number from 1 to") != std::string::npos);
  r = run("sim_scheduler", "--trials 1e1 --workers 2 --median-s 1 --fixed-cost-s 0 --no-file");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out.find("2 workers, 10 trial runs") != std::string::npos);
  r = run("sim_scheduler", "--help");
  CHECK(r.code == 0);
  CHECK(r.out.find("--durations FILE") != std::string::npos);
  const auto mine = s.write("mine.toml", "important = 1\n");
  r = run("sim_scheduler", "--trials 2 --out '" + mine.string() + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find("is there and is no results file: not replaced") != std::string::npos);
  CHECK(hs::test::slurp(mine.string()) == "important = 1\n");
  r = run("gen_results", "--trials 1e6x");
  CHECK(r.code == 2);
  CHECK(r.err.find("gen_results: --trials 1e6x: expected a whole number") != std::string::npos);
  r = run("gen_results", "--help");
  CHECK(r.code == 0);
}

TEST_CASE("a journal beside --out that is no hypersweep journal is not replaced", "[sim]") {
  hs::test::Scratch s;
  const auto journal = s.write("s.h5.journal", "precious\n");
  const hs::test::Run r = hs::test::run_shell(std::string("'") + HS_BINARY_DIR +
                                              "/bin/sim_scheduler' --trials 2 --workers 2 --out '" +
                                              s.path("s.h5") + "'");
  CHECK(r.code == 2);
  CHECK(r.err.find("s.h5.journal is there and is no hypersweep journal: not replaced") !=
        std::string::npos);
  CHECK(hs::test::slurp(journal.string()) == "precious\n");
}
