// recipe.cpp: `hypersweep recipe`: the lecture's six tuning steps (recipe/recipe.h) into one
// HDF5 file and a recommended config; steps 3-5's trials in this process or on MPI worker ranks.
#include "recipe/recipe.h"

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/file.h"
#include "core/host.h"
#include "core/text.h"
#include "data/load.h"
#include "exec/launch.h"
#include "exec/signals.h"
#include "hypersweep/commands.h"
#include "recipe/options.h"
#include "recipe/step_objectives.h"
#include "sweep/progress.h"
#include "train/trainer.h"

namespace hs::cli {

namespace {

struct RecipeArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string out;          // default: <config stem>_recipe.h5
  std::string recommended;  // default: <config stem>_recommended.toml
  int threads = -1;
  bool force = false;
};

// What every rank reads: the config file (with --set and --threads), its [recipe] table.
struct RecipeInput {
  TrainConfig config;
  TrainOptions base;
  RecipeOptions options;
  std::string file_text;  // the config file as read: what the recommended config is made from
};

// The data every step trains on. The recipe never tests: its steps choose on validation, and the
// config it recommends is tested by the user's own run. So the test set's samples are not read,
// only its labels, checked as that run checks them (a test file it would refuse is refused now).
Result<DataBundle> recipe_data(const TrainOptions& base) {
  return load_data(base.data, Keep::kLabels);
}

Result<RecipeInput> load_recipe_input(const RecipeArgs& a) {
  RecipeInput in;
  if (auto st = in.config.load_file(a.config); !st) return st.error();
  const std::string text = read_file(a.config).value_or("");  // load_file read it just now
  if (auto st = refuse_objective(text, a.config); !st) return st.error();
  for (const auto& s : a.sets)
    if (auto st = in.config.set(s); !st) return st.error();
  if (a.threads >= 0)
    if (auto st = in.config.set_value("threads", int64_t{a.threads}, {"--threads", 0}); !st)
      return st.error();
  auto base = in.config.finish();
  if (!base) return base.error();
  in.base = std::move(*base);
  // Steps 4-6 rank trials by validation accuracy.
  if (in.base.data.val_fraction <= 0)
    return Error{a.config, 0, "val_fraction",
                     "the recipe compares trials on validation accuracy, so it needs a "
                     "validation split: set val_fraction > 0 (e.g. 0.1)"};
  auto options = load_recipe_options(text, a.config);
  if (!options) return options.error();
  in.options = std::move(*options);
  in.file_text = text;
  return in;
}

// A worker rank: load the data while rank 0 runs steps 1-2, then the trials of each step rank 0
// runs, on that step's objective.
int serve_recipe(const RecipeArgs& a, Launch& launch, int node_threads) {
  auto in = load_recipe_input(a);
  std::shared_ptr<const DataBundle> data;
  const auto setup = [&]() -> Status {
    if (!in) return in.error();
    const int t = worker_threads(a.threads, in->base.threads, node_threads);
    in->base.threads = t;
    warn_threads(launch, t);
    auto d = recipe_data(in->base);
    if (!d) return d.error();
    data = std::make_shared<const DataBundle>(std::move(*d));
    return {};
  };
  const ObjectiveFactory make = [&](const Job& job) {
    return step_objective(job, in->base, in->options, data);
  };
  return launch.serve(setup, make, [] { return stop_signal() != 0; });
}

// The command that continues this recipe: its config and every flag that is part of it (--set
// and --threads change the config the recipe file holds, so without them it is another recipe;
// --out and --config-out say where it goes). Not --force, which would start it over.
std::string again_command(const RecipeArgs& a) {
  std::string c = "hypersweep recipe " + shell_word(a.config);
  if (!a.out.empty()) c += " --out " + shell_word(a.out);
  if (!a.recommended.empty()) c += " --config-out " + shell_word(a.recommended);
  for (const std::string& s : a.sets) c += " --set " + shell_word(s);
  if (a.threads >= 0) c += " --threads " + std::to_string(a.threads);
  return c;
}

// How the recipe ended, for the user: 0 done, 3 stopped by a signal, 4 a check failed.
int report_outcome(const RecipeArgs& a, const RecipeSetup& setup, const RecipeOutcome& outcome,
                   double wall) {
  if (outcome.already) {
    fmt::print("{} already holds this recipe, complete (--force runs it again). Its "
               "recommendation:\n{}\n", setup.out, outcome.recommendation.report);
    if (outcome.config_kept)
      fmt::print("recommended config: {} differs from this recommendation (edited since, or "
                 "another file) and is kept as it is; remove it, or give another --config-out, "
                 "to write this one\n", setup.recommended);
    else
      fmt::print("recommended config: {}\n", setup.recommended);
    return 0;
  }
  if (outcome.interrupted) {
    fmt::print("stopped by a signal; finished trials are kept. The same command again "
               "continues: {}\n", again_command(a));
    return kExitInterrupted;
  }
  if (outcome.failed_step > 0) {
    fmt::print("recipe {} (after {}). Fix what the report above says, then run it again: with "
               "--force, or another --out, once the config has changed. The steps so far are in "
               "{}.\n", outcome.status, duration_text(wall), setup.out);
    return kExitNothingToUse;
  }
  fmt::print("recommendation: {}\nrecommended config: {}\nall six steps in {} ({}); the report: "
             "hypersweep report {}\n", outcome.recommendation.report, setup.recommended,
             setup.out, duration_text(wall), shell_word(setup.out));
  return 0;
}

// Rank 0 (or the only process): steps 1-2 here, steps 3-5 through the executor, step 6.
int drive_recipe(const RecipeArgs& a, Launch& launch, int node_threads,
                 std::chrono::steady_clock::time_point t_start) {
  auto in = load_recipe_input(a);
  if (!in) {
    launch.begin(false);  // the workers go home
    return fail(in.error());
  }
  const int workers = launch.workers();
  // Rank 0 runs steps 1-2 alone while the workers wait (sleeping), so it may use their cores.
  if (in->base.threads <= 0 && workers > 0) in->base.threads = std::max(1, node_threads * workers);
  const std::string stem = std::filesystem::path(a.config).stem().string();
  RecipeSetup setup;
  setup.config_name = a.config;
  setup.config_text = in->config.text();
  setup.file_text = in->file_text;
  setup.base = in->base;
  setup.options = in->options;
  setup.out = a.out.empty() ? stem + "_recipe.h5" : a.out;
  setup.recommended = a.recommended.empty() ? stem + "_recommended.toml" : a.recommended;
  // Nor its data: with --force the recommended config replaced a data_path given as
  // --config-out, and the recipe's file a test_path given as -o.
  const std::pair<std::string, std::string> train_data{in->base.data.path, "its data (data_path)"},
      test_data{in->base.data.test_path, "its test data (test_path)"};
  for (Status st : {distinct_output(setup.out, "the recipe's file",
                                    {{a.config, "its config"}, train_data, test_data}),
                    distinct_output(setup.recommended, "the recommended config",
                                    {{a.config, "the config it is made from"},
                                     {setup.out, "the recipe's file (-o)"}, train_data,
                                     test_data})}) {
    if (!st) {
      launch.begin(false);  // the workers go home
      return fail(st.error());
    }
  }
  setup.force = a.force;
  setup.start_time = utc_now();
  setup.live_progress = live_stdout();
  launch.begin(true);
  auto data = recipe_data(in->base);
  if (!data) {
    launch.end();
    return fail(in->config.locate_data_error(data.error()));
  }
  const auto shared = std::make_shared<const DataBundle>(std::move(*data));
  // The network every step trains, checked before --force replaces anything.
  if (auto net = network_for(in->base, *shared); !net) {
    launch.end();
    return fail(in->config.locate(net.error()));
  }
  fmt::print(
      "recipe {}: the lecture's six tuning steps; results in {}; steps 3-5 {}\n", a.config,
      setup.out,
      workers > 0 ? "on " + counted(workers, "worker rank") : std::string("in this process"));
  if (const std::string note = unused_sweep_tables(in->file_text, a.config); !note.empty())
    fmt::print("note: {}\n", note);
  std::fflush(stdout);
  auto executor = launch.executor(
      [&](const Job& job) { return step_objective(job, in->base, in->options, shared); });
  auto outcome = run_recipe(setup, *shared, *executor, [](const std::string& line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  });
  launch.end();
  if (!outcome) return fail(outcome.error());
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  return report_outcome(a, setup, *outcome, wall);
}

int run_recipe_cmd(const RecipeArgs& a, Argv args) {
  const auto t_start = std::chrono::steady_clock::now();
  return run_ranks(
      args, [&](Launch& l, int node_threads) { return serve_recipe(a, l, node_threads); },
      [&](Launch& l, int node_threads) { return drive_recipe(a, l, node_threads, t_start); });
}

}  // namespace

void add_recipe(CLI::App& app, Runner* run, Argv args) {
  auto a = std::make_shared<RecipeArgs>();
  const RecipeOptions d;  // steps 4-5's default budgets, for the help's figures
  auto* recipe = app.add_subcommand(
      "recipe",
      fmt::format(
          "Tune a configuration with the lecture's six steps (11.2.4) and write the config to "
          "use.\n"
          "Every step is recorded in one HDF5 file (a group per step):\n"
          "  1. initial loss ~ ln(C) before training (stops on a bad initialisation)\n"
          "  2. overfit a few minibatches to 100% (stops, naming the lrs tried, if none can)\n"
          "  3. ~100 updates per lr on the whole training set; the largest loss drop wins\n"
          "  4. coarse grid: lrs around it x weight_decay {{1e-4, 1e-5, 0}}, {} each\n"
          "  5. refine the best {} for {} epochs at a constant lr (within one standard error: "
          "tied)\n"
          "  6. diagnose the pick's curves: what to change next, and your config file with the\n"
          "     changed keys marked\n"
          "Under mpirun, steps 3-5 run their trials on the worker ranks in parallel (rank 0 runs\n"
          "steps 1-2 and sleeps while it waits). A [recipe] table in CONFIG sets each step's "
          "budget\n(keys below). The same command again continues a stopped recipe (finished "
          "trials kept);\non a complete one it prints the recommendation.\n"
          "Exit codes: 0 done, 2 bad config / data / output file, 3 stopped by a signal, 4 a "
          "check\nfailed (steps 1-4: the report printed says why and what to fix), 1 other.\n"
          "Examples:\n"
          "  hypersweep recipe configs/mlp_fashion.toml\n"
          "  mpirun -np 3 --oversubscribe hypersweep recipe configs/mlp_fashion.toml\n"
          "  hypersweep report mlp_fashion_recipe.h5",
          counted(d.coarse.epochs, "epoch"), d.refine.top, d.refine.epochs));
  recipe
      ->add_option("config", a->config,
                   "TOML file with a [train] table (and optionally [recipe]); a sweep file's "
                   "[sweep] and [space] are not used (the recommended config comments out the "
                   "[space] entries of the keys it sets); a file with an [objective] table is "
                   "refused: the recipe trains the built-in model")
      ->required()
      ->check(CLI::ExistingFile);
  recipe->add_option("--set,-s", a->sets, "Override one trainer key: --set key=value (repeatable)");
  recipe
      ->add_option("--threads,-j", a->threads,
                   "OpenMP threads per trial (0: OMP_NUM_THREADS, or the cores shared among the "
                   "workers)")
      ->check(whole_in(0, kMaxThreads));
  recipe->add_option("--out,-o", a->out,
                     "The recipe's HDF5 file (default: the config's name with _recipe.h5, here); "
                     "its step files live in FILE.steps/ until it completes")
      ->check(non_empty_path("the recipe's file, or leave --out out for the default"));
  recipe->add_option("--config-out", a->recommended,
                     "Where the recommended config goes (default: the config's name with "
                     "_recommended.toml, here); a file there that the recipe did not write is "
                     "refused before anything runs (--force replaces it)")
      ->check(non_empty_path("the config to write, or leave --config-out out for the default"));
  recipe->add_flag("--force", a->force,
                   "Replace an existing recipe file, and a file at --config-out that the recipe "
                   "did not write, and start over");
  recipe->footer("[recipe] keys (all optional):\n" + recipe_keys_help());

  recipe->callback([run, a, args] { *run = [a, args] { return run_recipe_cmd(*a, args); }; });
}

}  // namespace hs::cli
