// plan.cpp: `hypersweep plan`: a sweep file checked, its strategy, space and first trials shown.
#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "core/text.h"
#include "hypersweep/commands.h"
#include "hypersweep/preflight.h"
#include "prune/pruner.h"
#include "search/space_text.h"

namespace hs::cli {

namespace {

struct PlanArgs {
  std::string config;
  int64_t show = 10;
};

// The start design of a learning strategy (search/strategy.h), and what it leaves to results.
void print_start_design(const SweepConfig& sweep, int64_t design) {
  const auto& o = sweep.strategy;
  if (design == 0) {
    fmt::print("every trial is fixed before any result ({} gives each trial from its id)\n",
               strategy_name(o.kind));
    return;
  }
  const std::string why =
      o.n_init > 0 ? "[sweep] n_init"
      : o.kind == StrategyKind::kBayes
          ? fmt::format("automatic: 2d+2 between 5 and 20, d = {} GP coordinates, each choice "
                        "one per value; [sweep] n_init sets it", gp_dims(sweep.space))
          : "tpe's default; [sweep] n_init sets it";
  fmt::print("start design: {} {} trials ({}), fixed before any result\n", design,
             start_design_kind(o.kind), why);
  const auto range = [](int64_t a, int64_t b) {
    return a == b ? fmt::format("trial {} is", a) : fmt::format("trials {}-{} are", a, b);
  };
  fmt::print("{} fixed; {}\n", range(0, std::min(o.trials, design) - 1),
             o.trials > design ? fmt::format("{} not: each depends on results (the model "
                                             "proposes it from the outcomes before it)",
                                             range(design, o.trials - 1))
                               : std::string("none depends on results"));
}

// The pruner ([sweep] pruner, prune/pruner.h) and, for the bracketed ones, its rungs.
void print_pruner(const SweepConfig& sweep) {
  const PrunerOptions& o = sweep.pruner;
  const std::string name = pruner_name(o.kind);
  const std::string metric = sweep.metric;
  if (o.kind == PrunerKind::kNone) {
    fmt::print("pruner: none (every trial runs to its own end; [sweep] pruner = \"asha\", ...)\n");
    return;
  }
  if (!is_bracketed(o.kind)) {
    const std::string bar = o.kind == PrunerKind::kMedian
                                ? std::string("the median")
                                : fmt::format("percentile {:g} (counted from the best)",
                                              o.percentile);
    fmt::print("pruner: {}: once {} trials have completed, from epoch {} on and every {} "
               "epoch(s), a trial whose best {} so far is worse than {} of the completed "
               "trials' values at that epoch (at least {}) stops\n",
               name, o.startup_trials, o.warmup_epochs + 1, o.interval, metric, bar,
               o.min_trials);
    return;
  }
  fmt::print("pruner: {}, reduction {} (one in {} goes on at each rung), epochs {} to {}{}\n",
             name, o.reduction, o.reduction, o.min_epochs, o.max_epochs,
             o.kind == PrunerKind::kSha
                 ? fmt::format(", brackets of {}: the same decisions with any number of "
                               "workers", counted(sha_bracket_trials(o), "trial"))
                 : std::string(": decisions depend on which trials reported first"));
  const std::vector<Rung> rungs = rung_schedule(o, sweep.strategy.trials);
  for (size_t i = 0; i < rungs.size();) {
    const int bracket = rungs[i].bracket;
    std::string line = bracket < 0 ? "  rungs:" : fmt::format("  bracket {}:", bracket);
    for (; i < rungs.size() && rungs[i].bracket == bracket; ++i)
      line += rungs[i].trials > 0
                  ? fmt::format(" {} at epoch {},", rungs[i].trials, rungs[i].epoch)
                  : fmt::format(" epoch {},", rungs[i].epoch);
    line.pop_back();
    fmt::print("{}\n", line);
  }
  if (o.kind == PrunerKind::kHyperband)
    fmt::print("  (Li et al.'s brackets: a trial's bracket is drawn from its id and the sweep "
               "seed, weighted by the brackets' first counts)\n");
}

// Checks the sweep as `run` does before its first trial (preflight.h: the file, the data, the
// model sizes), then prints the first trials: those fixed before any result with their values
// (the strategy asked without being told anything), those after a learning strategy's start
// design as depending on results.
int run_plan(const PlanArgs& a) {
  auto pre = preflight(a.config, -1, true);
  if (!pre) return fail(pre.error());
  const SweepConfig* sweep = &pre->sweep;
  std::vector<std::string> notes;
  auto strategy = make_strategy(sweep->strategy, sweep->space, &notes);
  if (!strategy) return fail(strategy.error());  // preflight made it once: not expected
  const auto& o = sweep->strategy;
  fmt::print("sweep: {} strategy, {} trials, seed {}, {} {}\n", strategy_name(o.kind), o.trials,
             o.seed, direction_name(o.direction), sweep->metric);
  for (const auto& n : notes) fmt::print("{}\n", n);
  const int64_t design = start_design_size(o, sweep->space);
  print_start_design(*sweep, design);
  warn_sweep(*sweep);
  print_pruner(*sweep);
  fmt::print("space ({} searched):\n", cube_dims(sweep->space));
  for (const auto& p : sweep->space.params)
    fmt::print("  {:<16} {:<12} {}\n", p.name, param_kind_name(p.kind), describe_values(p));
  for (int64_t i = 0; i < std::min(a.show, o.trials); ++i) {
    if (design > 0 && i >= design) {
      fmt::print("trial {:>4}: depends on results\n", i);
      continue;
    }
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
      "Trials fixed before any result (grid, random, list, and the start design of bayes and\n"
      "tpe) are printed with their values; a learning strategy's later trials as 'depends on\n"
      "results'. tpe starts with 10 random trials, bayes with a Latin hypercube of 2d+2 (5 to\n"
      "20; d counts each choice once per value); [sweep] n_init sets either. A sweep whose\n"
      "trials do not exceed its start design is a random search, and plan and run warn.\n"
      "It shows the pruner ([sweep] pruner) and, for asha, hyperband and sha, the rungs:\n"
      "the epochs trials are judged at and, for hyperband and sha, how many reach each.\n"
      "Examples:\n"
      "  hypersweep plan configs/sweep_grid.toml\n"
      "  hypersweep plan configs/sweep_random.toml --show 5");
  plan->add_option("config", a->config,
                   "TOML file with [train], [sweep] and [space] tables (none: the built-in sweep)")
      ->check(CLI::ExistingFile);
  plan->add_option("--show,-n", a->show, "How many trials to print (default 10)")
      ->check(whole_at_least(0));

  plan->callback([run, a] { *run = [a] { return run_plan(*a); }; });
}

}  // namespace hs::cli
