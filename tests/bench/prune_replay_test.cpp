// bench/prune_replay: the real pruners replayed on given curves, one trial after another as one
// worker runs them. The pruners' own rules are tested in tests/prune; here, that the replay
// feeds them as a sweep does (a trial's epochs in order, ended() before the next trial starts)
// and refuses input it cannot replay.
#include <catch2/catch.hpp>
#include <string>

#include "support/cli.h"

namespace {

using hs::test::Run;
using hs::test::Scratch;

// prune_replay <args> < <curves>, its exit code and what it printed.
Run replay(const std::string& args, const std::string& curves) {
  Scratch s;
  return hs::test::run_shell(std::string("'") + HS_BINARY_DIR + "/bin/prune_replay' " + args +
                             " < '" + s.write("in", curves).string() + "'");
}

// Trial `id`'s curve: `first` at epoch 1, `third` at epochs 2 and 3, then 0.5 to epoch 9.
std::string curve(int id, double first, double third) {
  std::string s;
  for (int e = 1; e <= 9; ++e) {
    const double v = e == 1 ? first : e <= 3 ? third : 0.5;
    s += std::to_string(id) + " " + std::to_string(e) + " " + std::to_string(v) + "\n";
  }
  return s;
}

}  // namespace

TEST_CASE("prune_replay: asha's decisions on scripted curves as a hand-computed table") {
  // r = 1, eta = 3, R = 9: rungs at epochs 1 and 3, the last at 9. A trial goes on at a rung
  // while it is in the top max(1, n / 3) of the n values recorded there, itself included.
  const std::string curves = curve(0, 0.50, 0.50)    // alone at both rungs: on to the end
                             + curve(1, 0.60, 0.40)  // best at epoch 1; 0.40 < 0.50 at epoch 3
                             + curve(2, 0.30, 0.90)  // 0.30, top 1 of 3 is 0.60: stopped at 1
                             + curve(3, 0.55, 0.90)  // top 1 of 4 is 0.60: stopped at 1
                             + curve(4, 0.70, 0.45)  // best at 1; top 1 of 3 at 3 is 0.50
                             + curve(5, 0.58, 0.90)  // top 2 of 6 at 1: 0.70, 0.60
                             + curve(6, 0.60, 0.95);  // ties the 2nd of 7 at 1; best at 3
  const Run r = replay("--pruner asha --min-epochs 1 --reduction 3 --max-epochs 9", curves);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out ==
        "0 9 completed\n1 3 pruned\n2 1 pruned\n3 1 pruned\n4 3 pruned\n5 1 pruned\n"
        "6 9 completed\n");
}

TEST_CASE("prune_replay: the median rule sees completed trials only") {
  // startup_trials 1: trial 0 completes first; trial 1 is below its value at epoch 1 (0.40 <
  // 0.50) and stops there. Trial 2's 0.46 is judged against trial 0's 0.50 alone and stops too;
  // had pruned trial 1 counted, the median at epoch 1 would be 0.45 and trial 2 would go on.
  const std::string curves = curve(0, 0.50, 0.50) + curve(1, 0.40, 0.90) + curve(2, 0.46, 0.90);
  const Run r = replay("--pruner median --startup-trials 1 --max-epochs 9", curves);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out == "0 9 completed\n1 1 pruned\n2 1 pruned\n");
}

TEST_CASE("prune_replay: input it cannot replay is refused by its line") {
  const struct {
    const char* what;
    const char* args;
    const char* curves;
    const char* says;
  } cases[] = {
      {"an epoch out of order", "--pruner asha", "0 1 0.5\n0 3 0.6\n",
       "stdin line 2: trial 0 epoch 3 after epoch 1"},
      {"a trial's epochs apart", "--pruner asha", "0 1 0.5\n1 1 0.6\n0 2 0.6\n",
       "stdin line 3: trial 0's epochs are not together"},
      {"a line that is not three numbers", "--pruner asha", "0 1 0.5 extra\n",
       "stdin line 1: not '<trial id> <epoch> <value>'"},
      {"sha, which pauses trials and runs them again", "--pruner sha", "0 1 0.5\n",
       "--pruner: sha is not one of"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const Run r = replay(c.args, c.curves);
    CHECK(r.code == 2);
    CHECK(hs::test::contains(r.err, c.says));
    CHECK(r.out.empty());
  }
}
