// run.cpp: `hypersweep run`: a sweep into its results file, its trials in this process or on
// MPI worker ranks (exec/launch.h), a line per finished trial and the best at the end.
#include <fmt/core.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "config/sweep_config.h"
#include "core/host.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "exec/launch.h"
#include "exec/run_trials.h"
#include "exec/signals.h"
#include "hypersweep/commands.h"
#include "hypersweep/preflight.h"
#include "hypersweep/sweep_options.h"
#include "objective/command_output.h"
#include "store/open.h"
#include "sweep/progress.h"
#include "sweep/queue.h"
#include "sweep/sweep_header.h"

namespace hs::cli {

namespace {

struct RunArgs {
  std::string config;
  std::string out;  // default: the config's name with .h5, in the current folder
  bool force = false;
  bool resume = false;
  bool retry_failed = false;
  int threads = -1;
  SweepOverrides over;  // --set, --trials
};

// The command that continues this sweep: its config and its --out, --set and --trials flags
// (--set is part of the sweep: without it the file holds another one).
std::string again_command(const RunArgs& a) {
  std::string c = "hypersweep run";
  if (!a.config.empty()) c += " " + shell_word(a.config);
  if (!a.out.empty()) c += " --out " + shell_word(a.out);
  for (const std::string& s : a.over.sets) c += " --set " + shell_word(s);
  if (a.over.trials > 0) c += " --trials " + std::to_string(a.over.trials);
  return c;
}

// The results file: --out, else the config's name with .h5 in the current folder.
std::string results_path(const RunArgs& a) {
  const std::string stem =
      a.config.empty() ? kDefaultSweepStem : std::filesystem::path(a.config).stem().string();
  return a.out.empty() ? stem + ".h5" : a.out;
}

// Where command trials keep their logs (objective.h: Placement): beside the results file, the
// link's target when --out is a link.
std::string log_dir(const RunArgs& a) { return trial_log_dir(results_target(results_path(a))); }

// This process as worker 0 (no MPI workers).
Placement placement_here(const RunArgs& a, const SweepConfig& sweep) {
  const auto opt = sweep.train.finish();
  return Placement{0, 0, worker_threads(a.threads, opt ? opt->threads : 0, 0), log_dir(a)};
}

// A worker rank: the same sweep file, the trials rank 0 sends, each on this rank's objective.
int serve_sweep(const RunArgs& a, Launch& launch, int node_threads) {
  const auto sweep = load_sweep_with(a.config, a.over);
  const ObjectiveFactory make = [&](const Job&) -> Result<std::unique_ptr<Objective>> {
    if (!sweep) return sweep.error();
    const auto opt = sweep->train.finish();
    const int t = worker_threads(a.threads, opt ? opt->threads : 0, node_threads);
    warn_threads(launch, t);  // a command's OMP_NUM_THREADS too
    return make_objective(*sweep, t, nullptr,
                          Placement{launch.rank() - 1, launch.local_worker(), t, log_dir(a)});
  };
  return launch.serve({}, make, [] { return stop_signal() != 0; });
}

// What the scheduler cost: it must leave the cores to the workers (README, "Running under
// mpirun").
void print_scheduler_cost(std::chrono::steady_clock::time_point t_start) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  fmt::print("rank 0 (scheduler): {:.2f} s CPU in {:.1f} s ({:.1f}% of a core), peak memory {:.0f} MB\n",
             cpu, wall, 100 * cpu / wall, static_cast<double>(ru.ru_maxrss) / 1024);
}

// The sweep line: what runs, how and where. `total`: the trials of the whole sweep
// (TrialQueue::total: a file continued with fewer trials than it holds keeps them all).
void print_start(const RunArgs& a, const SweepConfig& sweep, int64_t total, int workers,
                 int threads_each, const std::string& out) {
  warn_sweep(sweep);
  const auto& o = sweep.strategy;
  fmt::print("sweep {}: {} strategy{}, {}, seed {}, {} {}, {}; results in {}\n",
             a.config.empty() ? kDefaultSweepName : a.config, strategy_name(o.kind),
             sweep.pruner.kind == PrunerKind::kNone
                 ? std::string()
                 : fmt::format(" with the {} pruner", pruner_name(sweep.pruner.kind)),
             total == o.trials
                 ? counted(o.trials, "trial")
                 : fmt::format("{} (trials = {}; the file holds {})", counted(total, "trial"),
                               o.trials, total),
             o.seed, direction_name(o.direction), sweep.metric,
             workers > 0 ? fmt::format("{} x {} each", counted(workers, "worker rank"),
                                       counted(threads_each, "OpenMP thread"))
                         : std::string("in this process"),
             out);
  std::fflush(stdout);
}

// What a continued sweep will do: grow ("extending": more trials than the file's own config
// asked for, [sweep] trials in the text it holds), go on, or keep more records than `trials`
// asks for and run nothing new.
void print_continuing(const std::string& out, const SweepConfig& sweep, const TrialQueue& queue,
                      const ResultsFile& file) {
  const int64_t trials = sweep.strategy.trials, again = queue.again();
  int64_t more = queue.more();
  // bayes ends once each point of a space of ints and choices was asked: "4 more to run" of a
  // 4-point space already run said more than would.
  if (const double points = distinct_trials(sweep.strategy.kind, sweep.space);
      points < static_cast<double>(trials))
    more = std::min(more, std::max<int64_t>(0, static_cast<int64_t>(points) -
                                                   static_cast<int64_t>(queue.recorded())));
  const size_t records = file.trial_count();
  const auto theirs = load_sweep_text(file.header().config_text, out);
  const int64_t before = theirs ? theirs->strategy.trials : 0;
  const std::string rerun =
      again > 0 ? fmt::format(", {} to run again first", again) : std::string();
  if (queue.recorded() > trials) {
    // Interrupted or lost trials past `trials` (grown with --trials, continued without it).
    const TrialQueue::Left& left = queue.left();
    std::string unrun;
    if (left.count > 0) {
      std::string ids = trials_text(left.first);
      if (left.count > static_cast<int64_t>(left.first.size()))
        ids += fmt::format(", ... ({} in all)", left.count);
      unrun = fmt::format("; {} would run again but {} past trials = {}: --trials {} runs {}",
                          ids, left.count == 1 ? "is" : "are", trials, left.trials_for_all,
                          left.count == 1 ? "it" : "them");
    }
    fmt::print("continuing {}: {} recorded, more than trials = {}: the records are kept "
               "and no new trial runs{}{}\n",
               out, counted(queue.recorded(), "trial"), trials, rerun, unrun);
  } else if (before > 0 && trials > before && more > 0) {
    fmt::print("extending {}: {} recorded, {} more to run{}\n", out,
               counted(static_cast<int64_t>(records), "trial"), more, rerun);
  } else {
    fmt::print("continuing {}: {} recorded, {} finished{}{}{}\n", out,
               counted(static_cast<int64_t>(records), "trial"), queue.finished(),
               queue.paused() > 0 ? fmt::format(" ({} of them paused at a sha rung not yet "
                                                "decided)", queue.paused())
                                  : "",
               more > 0 ? fmt::format(", {} more to run", more) : "", rerun);
  }
}

// The sweep stopped before its end: by a signal, or as its first `fail_fast` trials all failed
// alike (Ran::failed_fast). `under_mpi`: it ran under mpirun or srun, which the command printed
// leaves out.
int report_stop(const RunArgs& a, const TrialQueue& queue, const Ran& ran, bool under_mpi) {
  const int sig = stop_signal();
  const size_t cut = ran.cut.size();
  const std::string in_flight =
      cut > 0 ? fmt::format("; {} in flight recorded as interrupted (to run again)",
                            counted(static_cast<int64_t>(cut), "trial"))
              : std::string(", none left in flight");
  const std::string again =
      (under_mpi ? " (under mpirun or srun again, with any number of ranks)" : "") +
      std::string(": ") + again_command(a);
  if (!ran.failed_fast.empty() && !sig) {
    fmt::print("stopped: {}. {} of {} trials finished{}. Mend what they ran into; then the same "
               "command again continues it{} (--retry-failed runs the failed ones again; [sweep] "
               "fail_fast = 0 runs every trial whatever fails)\n",
               ran.failed_fast, queue.finished(), queue.total(), in_flight, again);
    std::fflush(stdout);
    return kExitNothingToUse;
  }
  fmt::print("stopped{}: {} of {} trials finished{}. The same command again continues it{}\n",
             sig ? " by " + signal_name(sig) : "", queue.finished(), queue.total(), in_flight,
             again);
  std::fflush(stdout);
  return kExitInterrupted;
}

// A replaced sweep's trial logs go with it (on this node's file system: a worker elsewhere
// writes its own), so `logs` never shows an old trial's output for a new one.
void drop_logs(const RunArgs& a) {
  std::error_code ec;
  std::filesystem::remove_all(log_dir(a), ec);
}

// Whether `path` or its journal exists (lstat: a dangling link counts).
bool on_disk(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::symlink_status(path, ec)) ||
         std::filesystem::exists(std::filesystem::symlink_status(path + ".journal", ec));
}

// A finished sweep's last lines: that its strategy ran out of points, its failures' most common
// cause, and its best trial or that it has none (then exit kExitNothingToUse: a job chain should
// not go on as if it had a result).
int print_outcome(const ProgressDisplay& display, const TrialQueue& queue, const SweepConfig& sweep,
                  const std::string& out) {
  if (sweep.pruner.kind != PrunerKind::kNone && !display.epoch_metric_seen() &&
      display.trial_without_epoch_metric())
    std::fprintf(stderr, "hypersweep: warning: [sweep] pruner = \"%s\" judged no trial: no epoch "
                 "line of any trial recorded held %s, and a pruner judges a trial by that value "
                 "on its epoch lines (print it on each, e.g. `epoch=3 %s=0.81`; a line whose "
                 "epoch is no whole number from 1, or goes back, is not recorded)\n",
                 pruner_name(sweep.pruner.kind), sweep.metric.c_str(), sweep.metric.c_str());
  // bayes ends an all-int/choice space so (the trials left past `trials` are not its doing)
  if (queue.finished() + queue.left().not_ended < queue.total())
    fmt::print("the strategy had no more trials after {} of {}: each point of the space was "
               "asked once (a space of ints and choices has a point per combination)\n",
               queue.finished(), queue.total());
  if (const std::string failed = display.failures_line(); !failed.empty())
    fmt::print("{}\n", failed);
  if (display.best_line().empty()) {
    fmt::print("no trial completed; results in {} (hypersweep show {} says why)\n", out,
               shell_word(out));
    return kExitNothingToUse;
  }
  fmt::print("best {}; results in {}\n", display.best_line(), out);
  return 0;
}

// Whether the results file and its journal, where they are written (through a link at --out:
// results_target), would replace a file the sweep reads: its config, or (`sweep` given) its
// data files. Even --force never writes over those.
Status overwrites_no_input(const RunArgs& a, const std::string& out, const SweepConfig* sweep) {
  std::vector<std::pair<std::string, std::string>> inputs{{a.config, "the sweep's config"}};
  if (sweep != nullptr)
    if (auto opt = sweep->train.finish(); opt.ok())
      inputs.insert(inputs.end(), {{opt->data.path, "the sweep's data (data_path)"},
                                   {opt->data.test_path, "the sweep's test data (test_path)"}});
  for (const std::string& o : {results_target(out), results_journal(out)}) {
    if (Status st = distinct_output(o, "the results file", inputs); !st) {
      Error e = st.error();
      if (o != out && o != out + ".journal") e.message += " (--out " + out + " is a link to it)";
      return e;
    }
  }
  return {};
}

// Whether a stop signal came during --force's checks (a Ctrl-C on a mistaken --force): then the
// file it would replace is left as it was, and said so. (Any other run stops before its first
// trial, as it would at any moment.)
bool stopped_in_checks(const std::string& out) {
  const int sig = stop_signal();
  if (sig == 0) return false;
  fmt::print("stopped by {} before the sweep started: {} is left as it was\n", signal_name(sig),
             out);
  std::fflush(stdout);
  return true;
}

// Rank 0 (or the only process): every check (preflight.h), the results file, then the sweep.
// A sweep that cannot start leaves an existing file as it was, and none where there was none.
int drive_sweep(const RunArgs& a, Launch& launch, int node_threads,
                std::chrono::steady_clock::time_point t_start) {
  auto dismiss = [&](int code) {  // the workers go home when the sweep cannot start
    launch.begin(false);
    return code;
  };
  const std::string out = results_path(a);
  if (Status st = overwrites_no_input(a, out, nullptr); !st) return dismiss(fail(st.error()));
  const bool existed = on_disk(out);
  // Under mpirun rank 0 loads no data (the workers do, README "Running under mpirun"), unless
  // --force is to replace a file: then the data is checked here first.
  const bool here = launch.workers() == 0;
  auto pre = preflight(a.config, a.threads, here || (a.force && existed), a.over,
                       !existed || a.force);
  if (!pre) return dismiss(fail(pre.error()));
  const SweepConfig& sweep = pre->sweep;
  if (Status st = overwrites_no_input(a, out, &sweep); !st) return dismiss(fail(st.error()));
  // Isolated trials run where a trial host loads its own copy (forked_objective.h): the one the
  // preflight checked would only double the memory.
  if (!here || (uses_trainer(sweep) && sweep.trial_policy.isolate)) pre->data.reset();
  if (a.force && existed && stopped_in_checks(out)) return dismiss(kExitInterrupted);
  OpenPolicy policy;
  policy.force = a.force;
  policy.must_exist = a.resume;
  auto opened = open_results(out, sweep_header(sweep, utc_now()), policy);
  if (!opened) return dismiss(fail(opened.error()));
  ResultsFile& file = opened->file;
  if (a.force && existed) drop_logs(a);
  // Before the first record: closed, and removed when this run created it.
  auto abandon = [&] {
    const bool empty = file.trial_count() == 0;
    (void)file.close();
    std::error_code ec;
    if (empty && !existed) {
      std::filesystem::remove(out, ec);
      std::filesystem::remove(out + ".journal", ec);
    }
  };
  auto queue = TrialQueue::make(sweep, recorded_in(file), Resume{a.retry_failed});
  if (!queue) {  // the records do not fit this sweep's strategy
    abandon();
    return dismiss(fail(Error{out, 0, "", queue.error().message}));
  }

  const int workers = launch.workers();
  int threads_each = 0;
  if (workers > 0) {
    const auto opt = sweep.train.finish();
    threads_each = worker_threads(a.threads, opt ? opt->threads : 0, node_threads);
  }
  if (opened->continued) print_continuing(out, sweep, *queue, file);
  print_start(a, sweep, queue->total(), workers, threads_each, out);

  ProgressDisplay display(Metric{sweep.metric, sweep.strategy.direction}, sweep.space,
                          queue->finished(), live_stdout());
  if (Status shown = consider_recorded(file, display); !shown) {
    abandon();
    return dismiss(fail(shown.error()));
  }
  launch.begin(true);
  auto executor = launch.executor([&](const Job&) -> Result<std::unique_ptr<Objective>> {
    // The data the preflight loaded, if any; in one process this is worker 0.
    return make_objective(sweep, 0, pre->data, placement_here(a, sweep));
  });
  auto ran = run_trials(*executor, Job{"sweep", ""}, *queue, file, display);
  launch.end();
  if (!ran) {  // a worker could not start: bad data or config there
    abandon();
    return fail(ran.error());
  }
  Status written = ran->stored;
  if (written) written = file.close();
  if (!written) {
    print_error(written.error());
    return kExitOther;
  }
  if (ran->interrupted) return report_stop(a, *queue, *ran, workers > 0);
  if (workers > 0) print_scheduler_cost(t_start);
  return print_outcome(display, *queue, sweep, out);
}

int run_sweep(const RunArgs& a, Argv args) {
  const auto t_start = std::chrono::steady_clock::now();
  return run_ranks(
      args, [&](Launch& l, int node_threads) { return serve_sweep(a, l, node_threads); },
      [&](Launch& l, int node_threads) { return drive_sweep(a, l, node_threads, t_start); });
}

}  // namespace

void add_run(CLI::App& app, Runner* run, Argv args) {
  auto a = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand(
      "run",
      "Run a sweep and record every trial in an HDF5 results file as it finishes.\n"
      "Alone it runs the trials in this process. Under mpirun (or srun --mpi=pmix) rank 0\n"
      "schedules and the other ranks train, each with OMP_NUM_THREADS threads (unset: the\n"
      "node's cores shared among its workers). Ranks = cores + 1 is the layout to use: rank 0\n"
      "sleeps while it waits (under 1% of a core).\n"
      "Every check (config, space, data, model size) comes before the results file is opened:\n"
      "a sweep that cannot start leaves an existing file untouched, even with --force, and\n"
      "creates none.\n"
      "The same command again on its results file continues the sweep (recorded trials kept,\n"
      "interrupted and lost ones run again); a file from another sweep is refused, naming what\n"
      "differs. A config that means the same is the same sweep: comments, key order, spacing,\n"
      "number spelling and [sweep] trials do not count, so raising trials (or --trials) grows\n"
      "a finished sweep with the strategy's next trials, the recorded ones unchanged.\n"
      "SIGINT, SIGTERM, SIGUSR1 or SIGHUP stop it cleanly (so does stdout's reader ending,\n"
      "as in `run | head`): nothing new starts, trials\n"
      "in flight are recorded as interrupted (under mpirun send SIGUSR1: mpirun itself exits 1\n"
      "on SIGINT and SIGTERM). Each built-in trial runs in a process of its own: a crash fails\n"
      "that trial alone ([sweep] isolate, memory_limit, max_retries).\n"
      "Exit codes: 0 done, 2 bad config / data / results file, 3 stopped by a signal, 4 no\n"
      "trial gave its metric (each failed, timed out or diverged) or the run's first trials all\n"
      "failed alike and it stopped ([sweep] fail_fast = 5 of them; 0: never), 1 other.\n"
      "Examples:\n"
      "  hypersweep run                      (the built-in sweep)\n"
      "  hypersweep run configs/sweep_random.toml\n"
      "  mpirun -np 3 --oversubscribe hypersweep run configs/sweep_grid.toml\n"
      "  hypersweep run configs/sweep_grid.toml --out grid.h5 --force\n"
      "  hypersweep run configs/sweep_random.toml --trials 40     (grow a finished sweep)\n"
      "  hypersweep run configs/sweep_random.toml --retry-failed\n"
      "  hypersweep run configs/sweep_random.toml --set epochs=3 --out short.h5");
  sub->add_option("config", a->config,
                  "TOML file with [train], [sweep] and [space] tables (none: the built-in sweep, "
                  "8 random trials of lr and weight_decay for the MLP on Fashion-MNIST, into "
                  "hypersweep_default.h5)")
      ->check(CLI::ExistingFile);
  sub->add_option("--threads,-j", a->threads,
                  "OpenMP threads per trial (0: OMP_NUM_THREADS, or the cores shared among the "
                  "workers); overrides the config's threads")
      ->check(whole_in(0, kMaxThreads));
  sub->add_option("--out,-o", a->out,
                  "Results file (HDF5; default: the config's name with .h5, here), with its "
                  "journal FILE.journal beside it; its folder is made if missing")
      ->check(non_empty_path("the results file, or leave --out out for the default"));
  add_set_option(sub, &a->over.sets,
                 ", on the sweep's [train] table (not a key [space] searches; not with an "
                 "[objective] command). The --set lines are part of the sweep: continue it with "
                 "the same ones");
  sub->add_option("--trials,-n", a->over.trials,
                  "Trials in the whole sweep, instead of [sweep] trials: more than the results "
                  "file holds grows it with the strategy's next trials (grid and list: at most "
                  "their size); fewer keeps the records and runs nothing new")
      ->check(whole_at_least(1));
  CLI::Option* retry = sub->add_flag("--retry-failed", a->retry_failed,
                "Run the results file's failed and timed_out trials again first, same id and "
                "values, as their next attempt (the new record replaces the old)");
  CLI::Option* force = sub->add_flag(
      "--force", a->force,
      "Replace an existing results file and start over, once every check has passed");
  CLI::Option* resume = sub->add_flag("--resume", a->resume,
                "Continue the sweep in the results file, which must exist (without --resume an "
                "existing file of this sweep is continued too): recorded trials are kept and fed "
                "to the strategy, the rest run; refused if the config means another sweep");
  // Each keeps the recorded trials, which --force would throw away: together they contradict.
  force->excludes(resume)->excludes(retry);

  sub->callback([run_cmd = run, a, args] { *run_cmd = [a, args] { return run_sweep(*a, args); }; });
}

}  // namespace hs::cli
