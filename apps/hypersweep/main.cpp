// hypersweep: the command line. Subcommands:
//   train   train one configuration (a TOML file and/or --set flags), a line per epoch.
//   plan    check a sweep file ([train], [sweep], [space]) and print the trials it would run.
//   run     run a sweep in this process, a line per finished trial, the best at the end.
//   recipe  the lecture's six tuning steps, one HDF5 file, and the recommended config.
//   show    the top trials of a results file, status counts and each trial's diagnosis.
//   report  one self-contained HTML page for a results file (curves, scatter, table).
//   export  write a results file's trials and curves as CSV files.
// Exit codes: 0 done (whatever the training outcome: completed, early stop, diverged),
//             2 bad configuration or data (one message naming file, line and key), 3 stopped by
//             a signal (run, recipe), 4 a recipe check failed, 1 other.
#include <fmt/core.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/file.h"
#include "core/host.h"
#include "mpi/scheduler.h"
#include "config/sweep_config.h"
#include "store/export.h"
#include "analysis/diagnosis.h"
#include "report/report.h"
#include "store/read_results.h"
#include "store/results_file.h"
#include "search/space_text.h"
#include "sweep/runner.h"
#include "data/load.h"
#include "train/trainer.h"
#include "recipe/recipe.h"
#include "store/recipe_file.h"

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

  double before = 0;  // seconds at the end of the previous epoch
  auto on_epoch = [&](const hs::TrialRecord& so_far) {
    const hs::EpochRow& r = so_far.curves.back();
    const double seconds = r.seconds - before;
    before = r.seconds;
    if (a.quiet) return true;
    std::string ratios;
    for (double v : so_far.update_ratio.back()) ratios += fmt::format(" {:.1e}", v);
    fmt::print("epoch {:3}/{}  lr {:.3e}  train loss {:.4f} acc {}  val loss {:.4f} acc {}  "
               "{:5.1f}s  update/weight{}\n",
               r.epoch, opt->epochs, r.lr, r.train_loss, percent(r.train_acc), r.val_loss,
               percent(r.val_acc), seconds, ratios);
    std::fflush(stdout);
    return true;
  };
  auto res = hs::train(*opt, *data, on_epoch);
  if (!res) return fail(res.error());
  const hs::TrialRecord& rec = res->record;
  fmt::print("stopped: {} ({})\n", hs::status_name(rec.status), res->reason);
  if (rec.best_epoch > 0) {
    const hs::EpochRow& best = rec.curves[static_cast<size_t>(rec.best_epoch - 1)];
    fmt::print("best epoch {}: val acc {} val loss {:.4f}; test acc {} test loss {:.4f} "
               "(best checkpoint, {:.1f} s in all)\n",
               rec.best_epoch, percent(best.val_acc), best.val_loss, percent(rec.test_acc),
               res->test_loss, rec.seconds);
  } else {
    fmt::print("no epoch finished, so there is no checkpoint to test ({:.1f} s)\n", rec.seconds);
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
    if (hs::uses_trainer(*sweep)) {
      auto trial_opt = hs::trial_options(*sweep, *t);  // every trial must make a valid trainer
      if (!trial_opt) return fail(trial_opt.error());
    }
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

constexpr int kExitInterrupted = 3;

// The signal that asked the sweep to stop (SIGINT, SIGTERM, SIGUSR1), or 0.
std::atomic<int> g_signal{0};
extern "C" void on_stop_signal(int sig) { g_signal.store(sig); }

void install_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGINT, SIGTERM, SIGUSR1}) sigaction(sig, &sa, nullptr);
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  const auto t = static_cast<long>(s + 0.5);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, t % 3600 / 60);
}

// Rank 0's account of the sweep: a line per finished trial, the best so far, and (on a
// terminal) a live progress line redrawn in place.
class Reporter {
 public:
  Reporter(const hs::SweepConfig& sweep, int64_t resumed_done)
      // Under mpirun stdout is a pseudo-terminal whatever mpirun's own output is (a file, a
      // pipe): redraws there would litter logs, so only a plain terminal run redraws.
      : sweep_(sweep), tty_(::isatty(STDOUT_FILENO) == 1 && !hs::mpi::launched_by_mpi()),
        resumed_(resumed_done) {}

  // Keeps the best outcome so far (new trials and resumed ones alike); true when `r` is it.
  bool consider(const hs::TrialRecord& r) {
    const hs::Outcome oc = hs::outcome_of(r);
    if (!oc.ok || !hs::improves(sweep_.strategy.direction, oc.value, best_)) return false;
    best_ = oc.value;
    best_id_ = r.id;
    best_line_ = fmt::format("trial {}: {} {:.4f} ({})", r.id, sweep_.metric, best_,
                             hs::describe(sweep_.space, r.params, 4));
    return true;
  }

  void trial(const hs::TrialRecord& r, const hs::mpi::Progress& p) {
    // A trial in flight at a stop is recorded twice (at once by rank 0, then with its worker's
    // partial curves): one line says it.
    if (r.status == hs::TrialStatus::kInterrupted && !interrupted_.insert(r.id).second) return;
    const bool better = consider(r);
    const bool ok = std::isfinite(r.best_metric);
    const std::string what = r.error.empty() ? hs::describe(sweep_.space, r.params, 4)
                                             : r.error.substr(0, r.error.find('\n'));
    clear();
    fmt::print("[{:>4}/{}] trial {:>4} {:<13} {:<16} {}{}  | {} running, {} elapsed, ETA {}{}\n",
               p.done, p.total, r.id, hs::status_name(r.status),
               ok ? fmt::format("{} {:.4f}", sweep_.metric, r.best_metric) : std::string("-"),
               what, better ? "  * best so far" : "", p.running, duration(elapsed()), eta(p),
               best_id_ >= 0 && !better ? fmt::format(", best trial {} {:.4f}", best_id_, best_) : "");
    tick(p);
  }

  // The live line (terminals only).
  void tick(const hs::mpi::Progress& p) {
    if (!tty_) {
      std::fflush(stdout);
      return;
    }
    clear();
    fmt::print("  {}/{} done, {} running | best {} | {} elapsed, ETA {}", p.done, p.total,
               p.running, best_line_.empty() ? "none yet" : best_line_, duration(elapsed()), eta(p));
    std::fflush(stdout);
    drawn_ = true;
  }

  void clear() {
    if (drawn_) fmt::print("\r\033[K");
    drawn_ = false;
  }

  const std::string& best_line() const { return best_line_; }

 private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }
  // From this run's pace: trials finished per second since it started, times what is left.
  std::string eta(const hs::mpi::Progress& p) const {
    const int64_t here = p.done - resumed_;
    if (here <= 0) return "?";
    return duration(elapsed() / static_cast<double>(here) * static_cast<double>(p.total - p.done));
  }

  const hs::SweepConfig& sweep_;
  const bool tty_;
  const int64_t resumed_;
  const std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
  double best_ = NAN;
  int64_t best_id_ = -1;
  std::set<int64_t> interrupted_;
  std::string best_line_;
  bool drawn_ = false;
};

// The results file for `sweep`. A new one; or, when `out` exists (or --resume), the existing one
// after checking that it holds this same sweep, so the same command run again continues it
// (a requeued SLURM job does just that). --force starts over. `done` receives the recorded trials.
hs::Result<hs::ResultsFile> open_results(const RunArgs& a, const std::string& out,
                                         const hs::SweepHeader& header,
                                         std::vector<hs::TrialRecord>* done, bool* continued) {
  const bool exists = std::filesystem::exists(out);
  if (a.force || (!exists && !a.resume)) return hs::ResultsFile::create(out, header, a.force);
  if (!exists) return hs::make_error(out, "nothing to resume: the results file does not exist");
  auto f = hs::ResultsFile::open(out);
  if (!f) {
    hs::Error e = f.error();
    e.message += " (the file exists, so it is not overwritten: give another --out, or --force "
                 "to replace it)";
    return e;
  }
  const std::string diff = hs::header_difference(f->header(), header);
  if (!diff.empty())
    return hs::make_error(out, "holds another sweep, so it is neither continued nor "
                               "overwritten: " + diff + "; give another --out, or --force to "
                               "start over");
  *done = f->trials();
  *continued = true;
  return f;
}

// The OpenMP threads of each worker: --threads (`flag`), else the config's `threads`, else
// OMP_NUM_THREADS, else this node's cores shared among its workers (`node_share`).
int worker_threads(int flag, int config_threads, int node_share) {
  if (flag > 0) return flag;
  if (config_threads > 0) return config_threads;
  if (const char* env = std::getenv("OMP_NUM_THREADS"); env && std::atoi(env) > 0) return std::atoi(env);
  return node_share;
}

int worker_threads(const RunArgs& a, const hs::SweepConfig& sweep, int node_share) {
  auto opt = sweep.train.finish();
  return worker_threads(a.threads, opt ? opt->threads : 0, node_share);
}

// A worker rank: load the sweep and the data, then train the trials rank 0 sends.
int run_worker(const RunArgs& a, int threads, int rank) {
  auto sweep = load_sweep_or_default(a.config);
  if (!hs::mpi::agree_to_start(MPI_COMM_WORLD, true)) return kExitConfig;
  std::optional<hs::TrialRunner> runner;
  auto prepare = [&]() -> hs::Status {
    if (!sweep) return sweep.error();
    const int t = worker_threads(a, *sweep, threads);
    if (auto st = sweep->train.set_value("threads", int64_t{t}, {"--threads", 0}); !st) return st;
    if (const std::string w = hs::mpi::binding_warning(t); !w.empty() && hs::uses_trainer(*sweep))
      std::fprintf(stderr, "hypersweep: warning: worker rank %d on %s: %s\n", rank,
                   hs::host_name().c_str(), w.c_str());
    runner.emplace(*sweep);
    return runner->prepare();
  };
  const std::string host = hs::host_name();
  auto run = [&](const hs::Trial& t, const hs::StopCheck& stop) {
    return hs::trial_record(runner->run(t, stop), rank, host);
  };
  hs::Status st = hs::mpi::work(MPI_COMM_WORLD, prepare, run, [] { return g_signal.load() != 0; });
  return st ? 0 : kExitConfig;
}

int run_sweep_cmd(const RunArgs& a, const hs::mpi::Session& mpi) {
  const auto t_start = std::chrono::steady_clock::now();
  install_stop_signals();
  const int workers = mpi.size() - 1;
  const int node_threads = workers > 0 ? hs::mpi::worker_threads(MPI_COMM_WORLD) : 0;
  if (mpi.rank() > 0) return run_worker(a, node_threads, mpi.rank());
  // Rank 0 (or the only process): the config, the results file, then the sweep.
  auto dismiss = [&](int code) {  // the workers go home when the sweep cannot start
    if (workers > 0) hs::mpi::agree_to_start(MPI_COMM_WORLD, false);
    return code;
  };
  const std::string name = a.config.empty() ? "<built-in default sweep>" : a.config;
  auto sweep = load_sweep_or_default(a.config);
  if (!sweep) return dismiss(fail(sweep.error()));
  if (a.threads >= 0)
    if (auto st = sweep->train.set_value("threads", int64_t{a.threads}, {"--threads", 0}); !st)
      return dismiss(fail(st.error()));
  const std::string stem =
      a.config.empty() ? "hypersweep_default" : std::filesystem::path(a.config).stem().string();
  const std::string out = a.out.empty() ? stem + ".h5" : a.out;
  std::vector<hs::TrialRecord> done;
  bool continued = false;
  auto file = open_results(a, out, hs::sweep_header(*sweep, utc_now()), &done, &continued);
  if (!file) return dismiss(fail(file.error()));
  auto queue = hs::TrialQueue::make(*sweep, done);
  if (!queue) return dismiss(fail(hs::Error{out, 0, "", queue.error().message}));

  const auto& o = sweep->strategy;
  const int threads_each = workers > 0 ? worker_threads(a, *sweep, node_threads) : 0;
  if (continued)
    fmt::print("continuing {}: {} trials recorded, {} finished\n", out, done.size(), queue->finished());
  fmt::print("sweep {}: {} strategy, {} trials, seed {}, {} {}, {}; results in {}\n", name,
             hs::strategy_name(o.kind), o.trials, o.seed,
             o.direction == hs::Direction::kMaximize ? "max" : "min", sweep->metric,
             workers > 0 ? fmt::format("{} worker rank{} x {} OpenMP thread{} each", workers,
                                       workers == 1 ? "" : "s", threads_each,
                                       threads_each == 1 ? "" : "s")
                         : std::string("in this process"),
             out);
  std::fflush(stdout);

  Reporter report(*sweep, queue->finished());
  for (const auto& r : done) report.consider(r);
  const std::string host = hs::host_name();
  hs::Status write_status;
  auto record = [&](const hs::TrialRecord& r, const hs::mpi::Progress& p) -> hs::Status {
    if (write_status) write_status = file->append(r);
    report.trial(r, p);
    return write_status;
  };
  const hs::StopCheck stop = [] { return g_signal.load() != 0; };
  bool interrupted = false;
  if (workers > 0) {
    hs::mpi::agree_to_start(MPI_COMM_WORLD, true);
    hs::mpi::ServeHooks hooks;
    hooks.on_record = record;
    hooks.stop = stop;
    hooks.on_tick = [&](const hs::mpi::Progress& p) { report.tick(p); };
    auto served = hs::mpi::serve(MPI_COMM_WORLD, *queue, hooks);
    report.clear();
    if (!served && write_status) {  // a worker could not start: bad data or config there
      (void)file->close();
      return fail(served.error());
    }
    interrupted = served.ok() && served->interrupted;
  } else {
    auto runs = hs::run_sweep(
        *sweep, *queue,
        [&](const hs::TrialRun& r, int64_t done) {
          record(hs::trial_record(r, 0, host), {done, 0, queue->total(), 0});
        },
        [&] {  // before each trial and after every epoch
          report.tick({queue->finished(), 1, queue->total(), 0});
          return stop() || !write_status;
        });
    report.clear();
    if (!runs) return fail(runs.error());
    interrupted = stop() || (!runs->empty() && runs->back().status == hs::TrialStatus::kInterrupted);
  }
  if (write_status) write_status = file->close();
  if (!write_status) {
    std::fprintf(stderr, "hypersweep: error: %s\n", write_status.error().str().c_str());
    return 1;
  }
  if (interrupted) {
    const int sig = g_signal.load();
    fmt::print("stopped{}: {} of {} trials finished; trials in flight are recorded as interrupted. "
               "The same command again continues it: hypersweep run{}{}\n",
               sig ? fmt::format(" by {}", sigabbrev_np(sig) ? std::string("SIG") + sigabbrev_np(sig) : std::to_string(sig)) : "",
               queue->finished(), queue->total(), a.config.empty() ? "" : " " + a.config,
               a.out.empty() ? "" : " --out " + a.out);
    std::fflush(stdout);
    return kExitInterrupted;
  }
  // What the scheduler cost: it must leave the cores to the workers (README, "Running under
  // mpirun").
  if (workers > 0) {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    fmt::print("rank 0 (scheduler): {:.2f} s CPU in {:.1f} s ({:.1f}% of a core), peak memory {:.0f} MB\n",
               cpu, wall, 100 * cpu / wall, static_cast<double>(ru.ru_maxrss) / 1024);
  }
  if (report.best_line().empty()) {
    fmt::print("no trial completed; results in {}\n", out);
  } else {
    fmt::print("best {}; results in {}\n", report.best_line(), out);
  }
  return 0;
}

struct RecipeArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string out;          // default: <config stem>_recipe.h5
  std::string recommended;  // default: <config stem>_recommended.toml
  int threads = -1;
  bool force = false;
};

constexpr int kExitCheckFailed = 4;

// What every rank reads: the config file (with --set and --threads), its [recipe] table.
struct RecipeInput {
  hs::TrainConfig config;
  hs::TrainOptions base;
  hs::RecipeOptions options;
};

hs::Result<RecipeInput> load_recipe_input(const RecipeArgs& a) {
  RecipeInput in;
  if (auto st = in.config.load_file(a.config); !st) return st.error();
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
    return hs::Error{a.config, 0, "val_fraction",
                     "the recipe compares trials on validation accuracy, so it needs a "
                     "validation split: set val_fraction > 0 (e.g. 0.1)"};
  std::ifstream f(a.config, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto options = hs::load_recipe_options(text, a.config);
  if (!options) return options.error();
  in.options = std::move(*options);
  return in;
}

// A worker rank of the recipe: load the data while rank 0 runs steps 1-2, then run the trials of
// each step rank 0 announces (its number and sweep text), until it announces none.
int recipe_worker(const RecipeArgs& a, int node_threads, int rank) {
  auto in = load_recipe_input(a);
  if (!hs::mpi::agree_to_start(MPI_COMM_WORLD, true)) return kExitConfig;
  std::shared_ptr<const hs::DataBundle> data;
  hs::Status loaded;
  if (!in) {
    loaded = in.error();
  } else {
    const int t = worker_threads(a.threads, in->base.threads, node_threads);
    in->base.threads = t;
    if (const std::string w = hs::mpi::binding_warning(t); !w.empty())
      std::fprintf(stderr, "hypersweep: warning: worker rank %d on %s: %s\n", rank,
                   hs::host_name().c_str(), w.c_str());
    auto d = hs::load_data(in->base.data);
    if (d) data = std::make_shared<const hs::DataBundle>(std::move(*d));
    else loaded = d.error();
  }
  for (;;) {
    const std::string step_msg = hs::mpi::share_from_root(MPI_COMM_WORLD, "");
    if (step_msg.empty()) return 0;
    const int step = std::atoi(step_msg.c_str());
    const std::string text = step_msg.substr(step_msg.find('\n') + 1);
    const hs::Result<hs::StepTrialRunner> runner = [&]() -> hs::Result<hs::StepTrialRunner> {
      if (!loaded) return loaded.error();
      auto sweep = hs::step_sweep(step, text);
      if (!sweep) return sweep.error();
      return hs::step_trial_runner(step, *sweep, in->base, in->options, data);
    }();
    // work() reports a runner that could not be built to rank 0, which ends the recipe.
    auto prepare = [&]() -> hs::Status { return runner ? hs::Status{} : hs::Status(runner.error()); };
    auto run = [&](const hs::Trial& t, const hs::StopCheck& stop) { return (*runner)(t, stop); };
    (void)hs::mpi::work(MPI_COMM_WORLD, prepare, run, [] { return g_signal.load() != 0; });
  }
}

int run_recipe_cmd(const RecipeArgs& a, const hs::mpi::Session& mpi) {
  const auto t_start = std::chrono::steady_clock::now();
  install_stop_signals();
  const int workers = mpi.size() - 1;
  const int node_threads = workers > 0 ? hs::mpi::worker_threads(MPI_COMM_WORLD) : 0;
  if (mpi.rank() > 0) return recipe_worker(a, node_threads, mpi.rank());
  auto dismiss = [&](int code) {
    if (workers > 0) hs::mpi::agree_to_start(MPI_COMM_WORLD, false);
    return code;
  };
  auto in = load_recipe_input(a);
  if (!in) return dismiss(fail(in.error()));
  // Rank 0 runs steps 1-2 alone while the workers wait (sleeping), so it may use their cores.
  if (in->base.threads <= 0 && workers > 0) in->base.threads = std::max(1, node_threads * workers);
  const std::string stem = std::filesystem::path(a.config).stem().string();
  hs::RecipeSetup setup;
  setup.config_name = a.config;
  setup.config_text = in->config.text();
  setup.base = in->base;
  setup.options = in->options;
  setup.out = a.out.empty() ? stem + "_recipe.h5" : a.out;
  setup.recommended = a.recommended.empty() ? stem + "_recommended.toml" : a.recommended;
  setup.force = a.force;
  setup.start_time = utc_now();
  if (workers > 0) hs::mpi::agree_to_start(MPI_COMM_WORLD, true);
  auto data = hs::load_data(in->base.data);
  if (!data) {
    if (workers > 0) hs::mpi::share_from_root(MPI_COMM_WORLD, "");
    return fail(data.error());
  }
  const auto shared = std::make_shared<const hs::DataBundle>(std::move(*data));
  fmt::print("recipe {}: the lecture's six tuning steps; results in {}; steps 3-5 {}\n", a.config,
             setup.out,
             workers > 0 ? fmt::format("on {} worker rank{}", workers, workers == 1 ? "" : "s")
                         : std::string("in this process"));
  std::fflush(stdout);

  const hs::StopCheck stop = [] { return g_signal.load() != 0; };
  hs::RecipeHooks hooks;
  hooks.say = [](const std::string& line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  };
  hooks.run_step = [&](int step, const hs::SweepConfig& sweep, const std::string& text,
                       hs::TrialQueue& queue,
                       const std::function<hs::Status(const hs::TrialRecord&)>& on_record)
      -> hs::Result<bool> {
    Reporter report(sweep, queue.finished());
    hs::Status write_status;
    auto record = [&](const hs::TrialRecord& r, const hs::mpi::Progress& p) -> hs::Status {
      if (write_status) write_status = on_record(r);
      report.trial(r, p);
      return write_status;
    };
    if (workers > 0) {
      hs::mpi::share_from_root(MPI_COMM_WORLD, std::to_string(step) + "\n" + text);
      hs::mpi::ServeHooks sh;
      sh.on_record = record;
      sh.stop = stop;
      sh.on_tick = [&](const hs::mpi::Progress& p) { report.tick(p); };
      auto served = hs::mpi::serve(MPI_COMM_WORLD, queue, sh);
      report.clear();
      if (!served) return served.error();
      return served->interrupted;
    }
    auto stopped = hs::run_step_here(
        step, sweep, in->base, in->options, shared, queue,
        [&](const hs::TrialRecord& r) { return record(r, {queue.finished(), 0, queue.total(), 0}); },
        [&] {  // before each trial and after every epoch
          report.tick({queue.finished(), 1, queue.total(), 0});
          return stop();
        });
    report.clear();
    return stopped;
  };
  auto outcome = hs::run_recipe(setup, *shared, hooks);
  if (workers > 0) hs::mpi::share_from_root(MPI_COMM_WORLD, "");  // the workers go home
  if (!outcome) return fail(outcome.error());
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  if (outcome->already) {
    fmt::print("{} already holds this recipe, complete (--force runs it again). Its "
               "recommendation:\n{}\nrecommended config: {}\n", setup.out,
               outcome->recommendation.report, setup.recommended);
    return 0;
  }
  if (outcome->interrupted) {
    fmt::print("stopped by a signal; finished trials are kept. The same command again "
               "continues: hypersweep recipe {}{}\n", a.config,
               a.out.empty() ? "" : " --out " + a.out);
    return kExitInterrupted;
  }
  if (outcome->failed_step > 0) {
    fmt::print("recipe {} (after {}). Fix what the report above says, then run it again: with "
               "--force, or another --out, once the config has changed. The steps so far are in "
               "{}.\n", outcome->status, duration(wall), setup.out);
    return kExitCheckFailed;
  }
  fmt::print("recommendation: {}\nrecommended config: {}\nall six steps in {} ({}); the report: "
             "hypersweep report {}\n", outcome->recommendation.report, setup.recommended,
             setup.out, duration(wall), setup.out);
  return 0;
}

// A results file with what analysis adds: the sweep's direction (from its config text, which
// the file keeps) and every trial's diagnosis.
struct Analysed {
  hs::ResultsData data;
  hs::Direction direction = hs::Direction::kMaximize;
  std::vector<std::vector<hs::Finding>> findings;
};

hs::Result<Analysed> analyse(const std::string& path) {
  auto data = hs::read_results(path);
  if (!data) return data.error();
  Analysed a;
  a.data = std::move(*data);
  a.direction = a.data.header.metric.direction;
  const hs::SweepContext ctx = hs::sweep_context(a.data.trials);
  for (const auto& t : a.data.trials) a.findings.push_back(hs::diagnose(t, ctx));
  return a;
}

std::string labels_of(const std::vector<hs::Finding>& fs) {
  std::string s;
  for (const auto& f : fs) s += (s.empty() ? "" : ",") + f.label;
  return s;
}

struct ShowArgs {
  std::string results;
  int top = 10;
  bool all_evidence = false;
};

// The sweep in a terminal: what ran, how it ended, the best trials and what their curves say.
// A recipe file's diagnosis: per step, its trials' findings (steps 4 and 5, whose curves are
// epochs with validation; steps 2-3 record a sample's or single updates' losses, which the
// epoch-based labels would misread).
std::vector<std::vector<std::vector<hs::Finding>>> recipe_findings(const hs::RecipeData& r) {
  std::vector<std::vector<std::vector<hs::Finding>>> out(r.steps.size());
  for (size_t k = 0; k < r.steps.size(); ++k) {
    const auto& res = r.steps[k].results;
    if (!res || (r.steps[k].group != hs::kRecipeSteps[3] && r.steps[k].group != hs::kRecipeSteps[4]))
      continue;
    const hs::SweepContext ctx = hs::sweep_context(res->trials);
    for (const auto& t : res->trials) out[k].push_back(hs::diagnose(t, ctx));
  }
  return out;
}

// `show` of a recipe file: its status, then each step's verdict and report.
int show_recipe(const std::string& path) {
  auto r = hs::read_recipe(path);
  if (!r) return fail(r.error());
  fmt::print("{}: hypersweep recipe ({}), started {}: {}\n", path, r->header.version,
             r->header.start_time, r->header.status);
  for (const auto& step : r->steps) {
    auto text = [&](const char* k) {
      auto it = step.text.find(k);
      return it == step.text.end() ? std::string() : it->second;
    };
    fmt::print("\n{} [{}]{}\n{}\n", step.group, text("verdict"),
               step.results ? fmt::format(" {} trials", step.results->trials.size()) : "",
               text("report"));
    if (step.group == hs::kRecipeSteps[5]) fmt::print("\n{}", text("config"));
  }
  return 0;
}

int run_show(const ShowArgs& a) {
  if (hs::is_recipe_file(a.results)) return show_recipe(a.results);
  auto an = analyse(a.results);
  if (!an) return fail(an.error());
  const auto& h = an->data.header;
  const auto& trials = an->data.trials;
  const bool maximise = an->direction == hs::Direction::kMaximize;
  fmt::print("{}: {} sweep, seed {}, {} {} ({}), started {}\n", a.results, h.strategy, h.seed,
             maximise ? "max" : "min", h.metric.name, h.version, h.start_time);
  std::map<std::string, int> statuses, labels;
  for (size_t i = 0; i < trials.size(); ++i) {
    ++statuses[hs::status_name(trials[i].status)];
    for (const auto& f : an->findings[i]) ++labels[f.label];
  }
  std::string counts, label_counts;
  for (const auto& [k, n] : statuses) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, k);
  for (const auto& [k, n] : labels) label_counts += fmt::format("{}{} {}", label_counts.empty() ? "" : ", ", n, k);
  fmt::print("{} trials: {}\ndiagnosis: {}\n", trials.size(), counts.empty() ? "none" : counts,
             label_counts.empty() ? "none" : label_counts);
  // The best first; trials without a metric last, in id order.
  std::vector<size_t> order(trials.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const double u = trials[x].best_metric, v = trials[y].best_metric;
    if (std::isfinite(u) != std::isfinite(v)) return std::isfinite(u);
    if (!std::isfinite(u)) return trials[x].id < trials[y].id;
    return maximise ? u > v : u < v;
  });
  const size_t shown = a.top > 0 ? std::min(order.size(), static_cast<size_t>(a.top)) : order.size();
  fmt::print("\n{:>6}  {:<13} {:>10} {:>8} {:>6} {:>7}  {:<40} {}\n", "trial", "status", h.metric.name,
             "test_acc", "epochs", "seconds", "parameters", "diagnosis");
  for (size_t k = 0; k < shown; ++k) {
    const auto& t = trials[order[k]];
    fmt::print("{:>6}  {:<13} {:>10} {:>8} {:>6} {:>7.1f}  {:<40} {}\n", t.id, hs::status_name(t.status),
               std::isfinite(t.best_metric) ? fmt::format("{:.4f}", t.best_metric) : "-",
               std::isfinite(t.test_acc) ? fmt::format("{:.4f}", t.test_acc) : "-", t.epochs,
               t.seconds, hs::describe(h.space, t.params, 4), labels_of(an->findings[order[k]]));
  }
  if (shown < order.size()) fmt::print("({} more; --top 0 shows all)\n", order.size() - shown);
  // The evidence behind each shown trial's labels (healthy ones only with --evidence).
  fmt::print("\n");
  for (size_t k = 0; k < shown; ++k) {
    for (const auto& f : an->findings[order[k]]) {
      if (f.label == "healthy" && !a.all_evidence) continue;
      fmt::print("trial {} {}: {}{}\n", trials[order[k]].id, f.label, f.evidence,
                 f.advice.empty() ? "" : " -> " + f.advice);
    }
  }
  return 0;
}

struct ReportArgs {
  std::string results;
  std::string out;
};

int run_report(const ReportArgs& a) {
  std::string html;
  size_t trials = 0;
  if (hs::is_recipe_file(a.results)) {
    auto r = hs::read_recipe(a.results);
    if (!r) return fail(r.error());
    html = hs::render_recipe_report(*r, recipe_findings(*r));
    for (const auto& step : r->steps) trials += step.results ? step.results->trials.size() : 0;
  } else {
    auto an = analyse(a.results);
    if (!an) return fail(an.error());
    html = hs::render_report(an->data.header, an->data.trials, an->findings);
    trials = an->data.trials.size();
  }
  const std::string out =
      a.out.empty() ? std::filesystem::path(a.results).stem().string() + ".html" : a.out;
  if (hs::Status st = hs::write_file_atomically(out, html); !st) return fail(st.error());
  fmt::print("{} trials -> {} ({:.0f} kB, self-contained: open it in any browser)\n", trials, out,
             static_cast<double>(html.size()) / 1e3);
  return 0;
}

struct ExportArgs {
  std::string results;
  std::string csv;
};

// Reads the HDF5 file alone (no journal, no lock: a copy off a cluster, or a sweep still
// running) and writes DIR/summary.csv and DIR/curves.csv.
int run_export(const ExportArgs& a) {
  if (hs::is_recipe_file(a.results)) {  // each step's trials into a folder of its own
    auto r = hs::read_recipe(a.results);
    if (!r) return fail(r.error());
    for (const auto& step : r->steps) {
      if (!step.results) continue;
      const std::string dir = (std::filesystem::path(a.csv) / step.group).string();
      if (hs::Status st = hs::export_csv(*step.results, dir); !st.ok()) return fail(st.error());
      fmt::print("{}: {} trials -> {}\n", step.group, step.results->trials.size(),
                 (std::filesystem::path(dir) / "summary.csv").string());
    }
    return 0;
  }
  auto data = hs::read_results(a.results);
  if (!data) return fail(data.error());
  if (hs::Status s = hs::export_csv(*data, a.csv); !s.ok()) return fail(s.error());
  size_t epochs = 0;
  for (const auto& t : data->trials) epochs += t.curves.size();
  const std::filesystem::path dir(a.csv);
  fmt::print("{} trials -> {}\n{} epochs -> {}\n", data->trials.size(),
             (dir / "summary.csv").string(), epochs, (dir / "curves.csv").string());
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
      "Run a sweep and record every trial in an HDF5 results file as it finishes.\n"
      "Alone it runs the trials in this process. Under mpirun (or srun --mpi=pmix) rank 0\n"
      "schedules and the other ranks train, each with OMP_NUM_THREADS threads (unset: the\n"
      "node's cores shared among its workers). Ranks = cores + 1 is the layout to use: rank 0\n"
      "sleeps while it waits (under 1% of a core).\n"
      "The same command again on its results file continues the sweep (recorded trials kept,\n"
      "interrupted and lost ones run again); a file from another sweep is refused, naming what\n"
      "differs. SIGINT, SIGTERM or SIGUSR1 stop it cleanly: nothing new starts, trials in\n"
      "flight are recorded as interrupted.\n"
      "Exit codes: 0 done, 2 bad config / data / results file, 3 stopped by a signal, 1 other.\n"
      "Examples:\n"
      "  hypersweep run                      (the built-in sweep)\n"
      "  hypersweep run configs/sweep_random.toml\n"
      "  mpirun -np 3 --oversubscribe hypersweep run configs/sweep_grid.toml\n"
      "  hypersweep run configs/sweep_grid.toml --out grid.h5 --force");
  run->add_option("config", ra.config,
                  "TOML file with [train], [sweep] and [space] tables (none: the built-in sweep, "
                  "8 random trials of lr and weight_decay for the MLP on Fashion-MNIST, into "
                  "hypersweep_default.h5)")
      ->check(CLI::ExistingFile);
  run->add_option("--threads,-j", ra.threads,
                  "OpenMP threads per trial (0: OMP_NUM_THREADS, or the cores shared among the "
                  "workers); overrides the config's threads");
  run->add_option("--out,-o", ra.out,
                  "Results file (HDF5; default: the config's name with .h5, here), with its "
                  "journal FILE.journal beside it");
  run->add_flag("--force", ra.force, "Replace an existing results file (and start over)");
  run->add_flag("--resume", ra.resume,
                "Continue the sweep in the results file, which must exist (without --resume an "
                "existing file of this sweep is continued too): recorded trials are kept and fed "
                "to the strategy, the rest run; refused if the config changed");

  RecipeArgs rca;
  auto* recipe = app.add_subcommand(
      "recipe",
      "Tune a configuration with the lecture's six steps (11.2.4), recording every step in one\n"
      "HDF5 file (a group per step) and writing the recommended config:\n"
      "  1. initial loss ~ ln(C) before training (stops on a bad initialisation)\n"
      "  2. overfit a few minibatches to 100% (stops, naming the lrs tried, if none can)\n"
      "  3. ~100 updates per lr on the whole training set; the largest loss drop wins\n"
      "  4. coarse grid: lrs around it x weight_decay {1e-4, 1e-5, 0}, 3 epochs each\n"
      "  5. refine the best 3 for 15 epochs at a constant lr\n"
      "  6. diagnose their curves: what to change next, and the best config as a file\n"
      "Under mpirun, steps 3-5 run their trials on the worker ranks in parallel (rank 0 runs\n"
      "steps 1-2 and sleeps while it waits). A [recipe] table in CONFIG sets each step's budget\n"
      "(keys below). The same command again continues a stopped recipe (finished trials kept);\n"
      "on a complete one it prints the recommendation.\n"
      "Exit codes: 0 done, 2 bad config / data / output file, 3 stopped by a signal, 4 a check\n"
      "failed (steps 1-4: the report printed says why and what to fix), 1 other.\n"
      "Examples:\n"
      "  hypersweep recipe configs/mlp_fashion.toml\n"
      "  mpirun -np 3 --oversubscribe hypersweep recipe configs/mlp_fashion.toml\n"
      "  hypersweep report mlp_fashion_recipe.h5");
  recipe->add_option("config", rca.config, "TOML file with a [train] table (and optionally [recipe])")
      ->required()
      ->check(CLI::ExistingFile);
  recipe->add_option("--set,-s", rca.sets, "Override one trainer key: --set key=value (repeatable)");
  recipe->add_option("--threads,-j", rca.threads,
                     "OpenMP threads per trial (0: OMP_NUM_THREADS, or the cores shared among the "
                     "workers)");
  recipe->add_option("--out,-o", rca.out,
                     "The recipe's HDF5 file (default: the config's name with _recipe.h5, here); "
                     "its step files live in FILE.steps/ until it completes");
  recipe->add_option("--config-out", rca.recommended,
                     "Where the recommended config goes (default: the config's name with "
                     "_recommended.toml, here)");
  recipe->add_flag("--force", rca.force, "Replace an existing recipe file and start over");
  recipe->footer("[recipe] keys (all optional):\n" + hs::recipe_keys_help());

  ShowArgs sa;
  auto* show = app.add_subcommand(
      "show",
      "Print a results file's sweep: trials by status, the top trials with their parameters,\n"
      "and what their curves say (diagnosis labels: diverged, bad_init, plateau,\n"
      "decay_too_early, overfitting, underfitting, update_ratio, initial_loss, healthy), each\n"
      "with its evidence and what to try. Reads the HDF5 file alone (a copy, or a running sweep).\n"
      "Examples:\n"
      "  hypersweep show hypersweep_default.h5\n"
      "  hypersweep show sweep_random.h5 --top 0");
  show->add_option("results", sa.results,
                   "Results file (HDF5) written by hypersweep run, or a recipe's file (its steps' "
                   "verdicts and reports)")->required();
  show->add_option("--top,-n", sa.top, "How many of the best trials to list (0: all; default 10)")
      ->check(CLI::NonNegativeNumber);
  show->add_flag("--evidence", sa.all_evidence, "Also print the evidence of healthy trials");

  ReportArgs rpa;
  auto* report = app.add_subcommand(
      "report",
      "Write one self-contained HTML page for a results file: the sweep's summary, every\n"
      "validation curve overlaid, a chosen trial's curves, lr and update/weight ratios, the\n"
      "random-search scatter and parallel coordinates, a sortable table with diagnosis labels,\n"
      "and best-so-far for bayes/tpe. Nothing is loaded from the network: copy the file off the\n"
      "cluster and open it on a laptop.\n"
      "Examples:\n"
      "  hypersweep report hypersweep_default.h5            (writes hypersweep_default.html)\n"
      "  hypersweep report sweep_random.h5 -o random.html");
  report->add_option("results", rpa.results,
                     "Results file (HDF5) written by hypersweep run, or a recipe's file (one "
                     "section per step)")->required();
  report->add_option("--out,-o", rpa.out, "The HTML file (default: the results file's name with .html, here)");

  ExportArgs ea;
  auto* exp = app.add_subcommand(
      "export",
      "Write a results file's trials and curves as CSV, for spreadsheets, R or pandas.\n"
      "Reads the HDF5 file alone: a copy without its journal, or a sweep still running.\n"
      "  DIR/summary.csv  one row per trial: id, status, every parameter, best_epoch,\n"
      "                   best_metric, test_acc, initial_loss, num_classes, epochs_run,\n"
      "                   seconds, rank, host, error\n"
      "  DIR/curves.csv   one row per trial and epoch: id, epoch, lr, train_loss, train_acc,\n"
      "                   val_loss, val_acc, seconds, update_ratio/<layer>...\n"
      "RFC 4180 quoting; doubles with 17 digits (they read back exactly); NaN is empty.\n"
      "Exit codes: 0 done, 2 not a results file or DIR not writable.\n"
      "Examples:\n"
      "  hypersweep export sweep_random.h5 --csv sweep_random_csv");
  exp->add_option("results", ea.results,
                  "Results file (HDF5) written by hypersweep run, or a recipe's file (a folder "
                  "DIR/<step> per step with trials)")->required();
  exp->add_option("--csv", ea.csv, "Folder for summary.csv and curves.csv (made if missing)")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitConfig;
  }
  try {
    if (*train) return run_train(ta);
    if (*plan) return run_plan(pa);
    if (*exp) return run_export(ea);
    if (*show) return run_show(sa);
    if (*report) return run_report(rpa);
    if (*run || *recipe) {
      if (const std::string why = hs::mpi::launch_problem(); !why.empty()) {
        std::fprintf(stderr, "hypersweep: error: %s\n", why.c_str());
        return kExitConfig;
      }
      hs::mpi::Session mpi(&argc, &argv);
      return *run ? run_sweep_cmd(ra, mpi) : run_recipe_cmd(rca, mpi);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hypersweep: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
