// A crashing trial fails alone (README, "A crashing trial fails alone"): a built-in trial that
// runs out of memory under [sweep] memory_limit is recorded as failed with the reason, and the
// sweep goes on, in one process and on an MPI worker, whose rank survives it.
#include <catch2/catch.hpp>

#include "store/read_results.h"
#include "support/cli.h"

using namespace hs;
using namespace hs::test;

namespace {

// Trial 1's network (3 x 12,000 units) needs about 3 GiB; memory_limit allows 1 GiB.
constexpr char kSweep[] = R"([train]
dataset = "synthetic"
synthetic_samples = 400
epochs = 2
depth = 3
batch_size = 32
threads = 1
[sweep]
strategy = "grid"
trials = 3
isolate = true
memory_limit = "1G"
[space]
width = { choice = [16, 12000, 24] }
)";

void check_file(const std::string& path) {
  auto res = read_results(path);
  REQUIRE(res.ok());
  REQUIRE(res->trials.size() == 3u);
  for (const TrialRecord& r : res->trials) {
    INFO("trial " << r.id << ": " << r.error);
    if (r.id == 1) {
      CHECK(r.status == TrialStatus::kFailed);
      CHECK(r.error == "out of memory: the trial needed more than memory_limit (1024 MiB)");
    } else {
      CHECK(r.status == TrialStatus::kCompleted);  // the trials after it ran as usual
    }
  }
}

}  // namespace

TEST_CASE("a trial out of memory fails alone in one process", "[cli][isolate]") {
  Scratch s;
  const auto cfg = s.write("mem.toml", kSweep);
  const Run r = hypersweep("run " + cfg.string() + " --out " + s.path("mem.h5"));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "trial    1 failed"));
  check_file(s.path("mem.h5"));
}

TEST_CASE("a trial out of memory fails alone on an MPI worker", "[cli][isolate][mpi]") {
  Scratch s;
  const auto cfg = s.write("mem.toml", kSweep);
  const Run r = hypersweep("run " + cfg.string() + " --out " + s.path("mem.h5"), mpirun(2));
  INFO(r.out << r.err);
  CHECK(r.code == 0);  // the one worker rank lived through it and ran trial 2
  check_file(s.path("mem.h5"));
}

TEST_CASE("a lost trial runs again under max_retries until it is lost the same way twice",
          "[cli][isolate][retry]") {
  Scratch s;
  // x = 1 runs once; x = 3 crashes once, then runs; x = 2 crashes every time.
  const std::string mark = s.path("mark_");
  const auto cfg = s.write("retry.toml", "[objective]\ncommand = \"if [ {x} = 1 ] || ( [ {x} = 3 ] && [ -e " +
                                             mark + "{x} ] ); then echo val_acc=0.{x}; else touch " +
                                             mark + "{x}; kill -SEGV $$; fi\"\n"
                                             "[sweep]\nstrategy = \"grid\"\ntrials = 3\n"
                                             "max_retries = 3\n[space]\nx = { choice = [1, 2, 3] }\n");
  const Run r = hypersweep("run " + cfg.string() + " --out " + s.path("retry.h5"));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "runs again as attempt 2"));
  auto res = read_results(s.path("retry.h5"));
  REQUIRE(res.ok());
  REQUIRE(res->trials.size() == 3u);
  const TrialRecord &once = res->trials[0], &always = res->trials[1], &twice = res->trials[2];
  CHECK(once.status == TrialStatus::kCompleted);
  CHECK(once.attempt == 1);
  CHECK(always.status == TrialStatus::kFailed);
  CHECK(always.attempt == 2);  // lost the same way twice: not a third time
  CHECK(always.error == "the command was killed by SIGSEGV");
  CHECK(twice.status == TrialStatus::kCompleted);
  CHECK(twice.attempt == 2);
  CHECK(twice.best_metric == 0.3);
}
