// hypersweep: the command line. Subcommands:
//   train   train one configuration (a TOML file and/or --set flags), a line per epoch.
//   plan    check a sweep file ([train], [sweep], [space]) and print the trials it would run.
//   run     run a sweep in this process, a line per finished trial, the best at the end.
// Exit codes: 0 done (whatever the training outcome: completed, early stop, diverged),
//             2 bad configuration or data (one message naming file, line and key), 1 other.
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/sweep_config.h"
#include "sweep/runner.h"
#include "data/load.h"
#include "train/trainer.h"

namespace {

constexpr int kExitConfig = 2;

int fail(const hs::Error& e) {
  std::fprintf(stderr, "hypersweep: error: %s\n", e.str().c_str());
  return kExitConfig;
}

std::string keys_help() {
  std::string s = "Trainer keys (in the [train] table of a config file, or --set key=value):\n";
  for (const auto& k : hs::train_keys()) s += fmt::format("  {:<18} {:<9} {}\n", k.key, k.type, k.help);
  return s;
}

std::string percent(double v) { return std::isnan(v) ? "   n/a" : fmt::format("{:6.2f}%", 100 * v); }

struct TrainArgs {
  std::string config;
  std::vector<std::string> sets;
  int threads = -1;
  bool print_config = false;
  bool list_keys = false;
  bool quiet = false;
};

int run_train(const TrainArgs& a) {
  if (a.list_keys) {
    std::fputs(keys_help().c_str(), stdout);
    return 0;
  }
  hs::TrainConfig cfg;
  if (!a.config.empty())
    if (auto st = cfg.load_file(a.config); !st) return fail(st.error());
  for (const auto& s : a.sets)
    if (auto st = cfg.set(s); !st) return fail(st.error());
  if (a.threads >= 0)
    if (auto st = cfg.set_value("threads", int64_t{a.threads}, {"--threads", 0}); !st)
      return fail(st.error());
  auto opt = cfg.finish();
  if (!opt) return fail(opt.error());
  if (a.print_config) {
    std::fputs(hs::to_toml(*opt).c_str(), stdout);
    return 0;
  }

  const auto t0 = std::chrono::steady_clock::now();
  auto data = hs::load_data(opt->data);
  if (!data) return fail(data.error());
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const hs::Dataset& f = *data->train.data;
  fmt::print("data: {} ({}): {} train, {} validation, {} test samples, {}x{}x{}, {} classes "
             "(loaded in {:.1f} s)\n",
             hs::data_source_name(opt->data.source), opt->data.path, data->train.size(),
             data->val.size(), data->test.size(), f.height, f.width, f.channels, f.num_classes,
             load_s);
  auto net = hs::build_network(opt->model, f.height, f.width, f.channels, f.is_image,
                               std::max(f.num_classes, data->test.data->num_classes));
  if (!net) return fail(net.error());
  fmt::print("model: {}\n{}", hs::arch_name(opt->model.arch), hs::describe(*net));
  fmt::print("optimizer: {}, lr {:g}, schedule {}, weight decay {:g}, batch {}, {} epochs, "
             "seed {}{}\n",
             hs::optimizer_name(opt->optim.kind), opt->lr, hs::schedule_name(opt->schedule.kind),
             opt->optim.weight_decay, opt->batch_size, opt->epochs, opt->seed,
             opt->early.enabled ? fmt::format(", early stopping on {} (patience {})",
                                              hs::monitor_name(opt->early.monitor),
                                              opt->early.patience)
                                : "");
  std::fflush(stdout);

  auto on_epoch = [&](const hs::EpochRecord& r) {
    if (a.quiet) return true;
    std::string ratios;
    for (double v : r.update_ratio) ratios += fmt::format(" {:.1e}", v);
    fmt::print("epoch {:3}/{}  lr {:.3e}  train loss {:.4f} acc {}  val loss {:.4f} acc {}  "
               "{:5.1f}s  update/weight{}\n",
               r.epoch, opt->epochs, r.lr, r.train_loss, percent(r.train_acc), r.val_loss,
               percent(r.val_acc), r.seconds, ratios);
    std::fflush(stdout);
    return true;
  };
  auto res = hs::train(*opt, *data, on_epoch);
  if (!res) return fail(res.error());
  fmt::print("stopped: {} ({})\n", hs::train_status_name(res->status), res->reason);
  if (res->best_epoch > 0) {
    fmt::print("best epoch {}: val acc {} val loss {:.4f}; test acc {} test loss {:.4f} "
               "(best checkpoint, {:.1f} s in all)\n",
               res->best_epoch, percent(res->best_val_acc), res->best_val_loss,
               percent(res->test_acc), res->test_loss, res->seconds);
  } else {
    fmt::print("no epoch finished, so there is no checkpoint to test ({:.1f} s)\n",
               res->seconds);
  }
  return 0;
}

// `hypersweep run` (and `plan`) with no file: the lecture's random search (11.2.2) over the learning rate and
// the weight decay, both log-uniform on [1e-4, 1e-1], for the MLP on Fashion-MNIST.
constexpr const char* kDefaultSweep = R"(# hypersweep's built-in sweep
[train]
dataset = "fashion_mnist"
arch = "mlp"
hidden = [256, 256]
optimizer = "momentum"
epochs = 10
early_stopping = true
patience = 3

[sweep]
strategy = "random"
trials = 8
seed = 0
metric = "val_acc"

[space]
lr = { log_uniform = [1e-4, 1e-1] }
weight_decay = { log_uniform = [1e-4, 1e-1] }
)";

// The sweep in `config`, or the built-in one when it is empty.
hs::Result<hs::SweepConfig> load_sweep_or_default(const std::string& config) {
  return config.empty() ? hs::load_sweep_text(kDefaultSweep, "<built-in default sweep>")
                        : hs::load_sweep(config);
}

struct PlanArgs {
  std::string config;
  int64_t show = 10;
};

// Checks the whole sweep file, then asks the strategy for its first trials (without telling it
// anything: a learning strategy's later trials depend on outcomes, so only its start is shown).
int run_plan(const PlanArgs& a) {
  auto sweep = load_sweep_or_default(a.config);
  if (!sweep) return fail(sweep.error());
  std::vector<std::string> notes;
  auto strategy = hs::make_strategy(sweep->strategy, sweep->space, &notes);
  if (!strategy) {
    hs::Error e = strategy.error();
    if (e.file.empty()) e.file = a.config;  // the [sweep] table is where it is set
    return fail(e);
  }
  const auto& o = sweep->strategy;
  fmt::print("sweep: {} strategy, {} trials, seed {}, {} {}\n", hs::strategy_name(o.kind),
             o.trials, o.seed, o.direction == hs::Direction::kMaximize ? "maximise" : "minimise",
             sweep->metric);
  for (const auto& n : notes) fmt::print("{}\n", n);
  fmt::print("space ({} searched):\n", hs::cube_dims(sweep->space));
  for (const auto& p : sweep->space.params)
    fmt::print("  {:<16} {:<12} {}\n", p.name, hs::param_kind_name(p.kind), hs::describe_values(p));
  for (int64_t i = 0; i < a.show; ++i) {
    auto t = (*strategy)->ask();
    if (!t) break;
    auto trial_opt = hs::trial_options(*sweep, *t);  // every trial must make a valid trainer
    if (!trial_opt) return fail(trial_opt.error());
    fmt::print("trial {:>4}: {}\n", t->id, hs::describe(sweep->space, t->values));
  }
  return 0;
}

struct RunArgs {
  std::string config;
  std::string out;  // default: the config's name with .h5, in the current folder
  bool force = false;
  bool resume = false;
  int threads = -1;
};

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  return ::gethostname(buf, sizeof buf - 1) == 0 ? std::string(buf) : std::string("unknown");
}

int run_sweep_cmd(const RunArgs& a) {
  const std::string name = a.config.empty() ? "<built-in default sweep>" : a.config;
  auto sweep = load_sweep_or_default(a.config);
  if (!sweep) return fail(sweep.error());
  if (a.threads >= 0)
    if (auto st = sweep->train.set_value("threads", int64_t{a.threads}, {"--threads", 0}); !st)
      return fail(st.error());
  const std::string stem =
      a.config.empty() ? "hypersweep_default" : std::filesystem::path(a.config).stem().string();
  const std::string out = a.out.empty() ? stem + ".h5" : a.out;
  const hs::SweepHeader header = hs::sweep_header(*sweep, utc_now());
  std::vector<hs::TrialRecord> done;
  auto file = [&]() -> hs::Result<hs::ResultsFile> {
    if (!a.resume || a.force) return hs::ResultsFile::create(out, header, a.force);
    if (!std::filesystem::exists(out))
      return hs::make_error(out, "nothing to resume: the results file does not exist");
    auto f = hs::ResultsFile::open(out);
    if (!f) return f;
    if (f->header().config_hash != header.config_hash)
      return hs::make_error(out, "was written by another configuration (config hash " +
                                     f->header().config_hash + ", this one " +
                                     header.config_hash +
                                     "); give another --out, or --force to start over");
    done = f->trials();
    return f;
  }();
  if (!file) {
    hs::Error e = file.error();
    if (!a.resume && std::filesystem::exists(out)) e.message += " (or --resume to continue it)";
    return fail(e);
  }
  if (!done.empty()) fmt::print("resuming {}: {} trials recorded\n", out, done.size());
  const std::string host = host_name();
  const auto& o = sweep->strategy;
  const char* dir = o.direction == hs::Direction::kMaximize ? "max" : "min";
  fmt::print("sweep {}: {} strategy, {} trials, seed {}, {} {} (in this process), results in {}\n",
             name, hs::strategy_name(o.kind), o.trials, o.seed, dir, sweep->metric, out);
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  double best = NAN;
  std::string best_line;
  // Keeps the best outcome so far (new trials and resumed ones alike); true when `oc` is it.
  auto consider = [&](int64_t id, const hs::Outcome& oc, const std::vector<hs::ParamValue>& values) {
    if (!hs::improves(o.direction, oc, best)) return false;
    best = oc.value;
    best_line = fmt::format("trial {}: {} {:.4f} ({})", id, sweep->metric, best,
                            hs::describe(sweep->space, values, 4));
    return true;
  };
  hs::Status write_status;
  auto on_done = [&](const hs::TrialRun& r, int64_t done) {
    if (write_status) write_status = file->append(hs::trial_record(r, 0, host));
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const bool ok = r.outcome.status == hs::TrialStatus::kOk;
    const bool better = consider(r.trial.id, r.outcome, r.trial.values);
    const double eta = s / static_cast<double>(done) * static_cast<double>(o.trials - done);
    fmt::print("[{:>4}/{}] trial {:>4} {:<13} {:<16} {}{}  ({:.0f} s, ETA {:.0f} s)\n", done,
               o.trials, r.trial.id, r.status,
               ok ? fmt::format("{} {:.4f}", sweep->metric, r.outcome.value) : std::string("-"),
               r.error.empty() ? hs::describe(sweep->space, r.trial.values, 4) : r.error,
               better ? "  * best so far" : "", s, eta);
    std::fflush(stdout);
  };
  // Resumed trials count towards the progress line and the best.
  for (const auto& r : done) consider(r.id, hs::recorded_outcome(r), r.params);
  auto runs = hs::run_sweep(*sweep, on_done, done);
  if (!runs) return fail(runs.error());
  if (write_status) write_status = file->close();
  if (!write_status) {
    std::fprintf(stderr, "hypersweep: error: %s\n", write_status.error().str().c_str());
    return 1;
  }
  if (best_line.empty()) {
    fmt::print("no trial completed; results in {}\n", out);
  } else {
    fmt::print("best {}; results in {}\n", best_line, out);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hypersweep: hyperparameter sweeps of neural-network training on HPC machines.\n"
               "Trains OpenMP-parallel CPU networks (Eigen) with learning-rate schedules and "
               "early stopping."};
  app.set_version_flag("--version", std::string("hypersweep ") + HYPERSWEEP_VERSION);
  app.require_subcommand(1);

  TrainArgs ta;
  auto* train = app.add_subcommand(
      "train",
      "Train one configuration and print a line per epoch.\n"
      "With no CONFIG it trains the built-in default: a 784-256-256-10 MLP on Fashion-MNIST\n"
      "(SGD momentum 0.9, lr 0.05, batch 128, 10 epochs, early stopping on val_acc).\n"
      "Examples:\n"
      "  hypersweep train configs/mlp_fashion.toml\n"
      "  hypersweep train configs/cnn_fashion.toml --set lr=0.02 --set epochs=3\n"
      "  hypersweep train --set optimizer=adam --set lr=1e-3 --set schedule=cosine\n"
      "  hypersweep train --list-keys");
  train->add_option("config", ta.config, "TOML file with a [train] table")->check(CLI::ExistingFile);
  train->add_option("--set,-s", ta.sets, "Override one key: --set key=value (repeatable)");
  train->add_option("--threads,-j", ta.threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)");
  train->add_flag("--print-config", ta.print_config, "Print the resolved configuration and exit");
  train->add_flag("--list-keys", ta.list_keys, "List every trainer key with its meaning and exit");
  train->add_flag("--quiet,-q", ta.quiet, "No per-epoch lines");
  train->footer(keys_help());

  PlanArgs pa;
  auto* plan = app.add_subcommand(
      "plan",
      "Check a sweep file and print its strategy, its space and the first trials it would run.\n"
      "Errors (an unknown key, lo >= hi, log_uniform with lo <= 0, an empty choice, a value the\n"
      "trainer refuses) name the file, line and key, and exit with code 2.\n"
      "Examples:\n"
      "  hypersweep plan configs/sweep_grid.toml\n"
      "  hypersweep plan configs/sweep_random.toml --show 5");
  plan->add_option("config", pa.config,
                   "TOML file with [train], [sweep] and [space] tables (none: the built-in sweep)")
      ->check(CLI::ExistingFile);
  plan->add_option("--show,-n", pa.show, "How many trials to print (default 10)")
      ->check(CLI::NonNegativeNumber);

  RunArgs ra;
  auto* run = app.add_subcommand(
      "run",
      "Run a sweep in this process: ask the strategy, train each trial, print a line per trial\n"
      "and the best at the end; every trial goes into an HDF5 results file as it finishes.\n"
      "(The MPI scheduler and resume come next.)\n"
      "Examples:\n"
      "  hypersweep run                      (the built-in sweep)\n"
      "  hypersweep run configs/sweep_random.toml\n"
      "  hypersweep run configs/sweep_grid.toml -j 2");
  run->add_option("config", ra.config,
                  "TOML file with [train], [sweep] and [space] tables (none: the built-in sweep, "
                  "8 random trials of lr and weight_decay for the MLP on Fashion-MNIST, into "
                  "hypersweep_default.h5)")
      ->check(CLI::ExistingFile);
  run->add_option("--threads,-j", ra.threads, "OpenMP threads per trial (0: all cores)");
  run->add_option("--out,-o", ra.out,
                  "Results file (HDF5; default: the config's name with .h5, here), with its "
                  "journal FILE.journal beside it");
  run->add_flag("--force", ra.force, "Replace an existing results file");
  run->add_flag("--resume", ra.resume,
                "Continue the sweep recorded in the results file: its trials are kept (and fed to "
                "the strategy), the rest run; refused if the config changed");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitConfig;
  }
  try {
    if (*train) return run_train(ta);
    if (*plan) return run_plan(pa);
    if (*run) return run_sweep_cmd(ra);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hypersweep: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
