// exec/run_trials.h: a sweep's records into the results file, each shown once it is recorded.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "exec/run_trials.h"
#include "support/capture.h"
#include "support/sweep_here.h"
#include "sweep/sweep_header.h"
#include "support/records.h"

using namespace hs;

namespace {

// Hands the queue's trials to on_records as completed (groups of one), trial `bad` with no parameters (which the
// results file refuses to append).
class FakeExecutor final : public Executor {
 public:
  explicit FakeExecutor(int64_t bad) : bad_(bad) {}
  int workers() const override { return 0; }
  Result<bool> run(const Job&, TrialQueue& queue, const RunHooks& hooks) override {
    while (auto t = queue.next()) {
      TrialRecord r = record_of(*t, TrialStatus::kCompleted);
      r.best_metric = 0.5;
      if (t->id == bad_) r.params.clear();
      queue.finish(r);
      const Progress p{queue.finished(), 0, queue.total(), 0};
      if (Status st = hooks.on_records({&r, 1}, {&p, 1}); !st) return st.error();
    }
    return false;
  }

 private:
  int64_t bad_;
};

}  // namespace

TEST_CASE("a trial whose record failed to write gets no progress line", "[exec][store]") {
  const SweepConfig sweep = test::sweep_text(
      "[objective]\ncommand = \"echo metric={x}\"\n[sweep]\nstrategy = \"list\"\n"
      "[space]\nx = [1, 2, 3]\n");
  const auto dir = std::filesystem::temp_directory_path() /
                   ("hs_run_trials_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = ResultsFile::create((dir / "r.h5").string(), sweep_header(sweep, "now"), true);
  REQUIRE(file.ok());
  auto queue = TrialQueue::make(sweep);
  REQUIRE(queue.ok());
  ProgressDisplay display(Metric{sweep.metric, sweep.strategy.direction}, sweep.space, 0, false);
  FakeExecutor ex(1);
  Result<Ran> ran = Ran{};
  const std::string out = hs::test::stdout_of([&] {
    ran = run_trials(ex, Job{"sweep", ""}, *queue, *file, display);
  });
  INFO(out);
  REQUIRE(ran.ok());
  CHECK_FALSE(ran->stored.ok());        // trial 1's append failed and stopped the sweep
  CHECK(hs::test::trials_of(*file).size() == 1u);   // trial 0 alone is on disk
  CHECK(out.find("trial    0") != std::string::npos);
  CHECK(out.find("trial    1") == std::string::npos);  // no line claims trial 1 finished
  (void)file->close();
  std::filesystem::remove_all(dir);
}
