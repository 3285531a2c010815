// plan.cpp: `hypersweep plan`: a sweep file checked, its strategy, space and first trials shown.
#include <fmt/core.h>

#include <memory>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "hypersweep/commands.h"
#include "hypersweep/preflight.h"
#include "search/space_text.h"

namespace hs::cli {

namespace {

struct PlanArgs {
  std::string config;
  int64_t show = 10;
};

// Checks the sweep as `run` does before its first trial (preflight.h: the file, the data, the
// model sizes), then asks the strategy for its first trials (without telling it anything: a
// learning strategy's later trials depend on outcomes, so only its start is shown).
int run_plan(const PlanArgs& a) {
  auto pre = preflight(a.config, -1, true);
  if (!pre) return fail(pre.error());
  const SweepConfig* sweep = &pre->sweep;
  std::vector<std::string> notes;
  auto strategy = make_strategy(sweep->strategy, sweep->space, &notes);
  if (!strategy) return fail(strategy.error());  // preflight made it once: not expected
  const auto& o = sweep->strategy;
  fmt::print("sweep: {} strategy, {} trials, seed {}, {} {}\n", strategy_name(o.kind),
             o.trials, o.seed, o.direction == Direction::kMaximize ? "maximise" : "minimise",
             sweep->metric);
  for (const auto& n : notes) fmt::print("{}\n", n);
  fmt::print("space ({} searched):\n", cube_dims(sweep->space));
  for (const auto& p : sweep->space.params)
    fmt::print("  {:<16} {:<12} {}\n", p.name, param_kind_name(p.kind), describe_values(p));
  for (int64_t i = 0; i < a.show; ++i) {
    auto t = (*strategy)->ask();
    if (!t) break;
    if (uses_trainer(*sweep)) {
      auto trial_opt = trial_options(*sweep, *t);  // every trial must make a valid trainer
      if (!trial_opt) return fail(trial_opt.error());
    }
    fmt::print("trial {:>4}: {}\n", t->id, describe(sweep->space, t->values));
  }
  return 0;
}

}  // namespace

void add_plan(CLI::App& app, Runner* run) {
  auto a = std::make_shared<PlanArgs>();
  auto* plan = app.add_subcommand(
      "plan",
      "Check a sweep file and print its strategy, its space and the first trials it would run.\n"
      "It makes every check `run` makes before its first trial, so it refuses what run refuses:\n"
      "an unknown key, lo >= hi, log_uniform with lo <= 0, an empty choice, a value the trainer\n"
      "refuses, a grid or list the strategy cannot run, a sweep or network over the limits, a\n"
      "quoted {placeholder}, data that cannot be loaded (it loads the data set). Errors name the\n"
      "file, line and key, and exit with code 2.\n"
      "Examples:\n"
      "  hypersweep plan configs/sweep_grid.toml\n"
      "  hypersweep plan configs/sweep_random.toml --show 5");
  plan->add_option("config", a->config,
                   "TOML file with [train], [sweep] and [space] tables (none: the built-in sweep)")
      ->check(CLI::ExistingFile);
  plan->add_option("--show,-n", a->show, "How many trials to print (default 10)")
      ->check(CLI::NonNegativeNumber);

  plan->callback([run, a] { *run = [a] { return run_plan(*a); }; });
}

}  // namespace hs::cli
