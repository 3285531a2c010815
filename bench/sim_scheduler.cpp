// sim_scheduler: how many workers one rank 0 keeps busy (issue 17), by simulation with the real
// scheduler: the TrialQueue, its strategy and pruner, and the results file (journal fsync'd,
// HDF5) run for real on this process's one thread, against N virtual workers on a virtual clock
// (bench/sim.h says what is real, what is virtual and how rank 0's time is charged).
//
//   build/bin/sim_scheduler [--workers N] [--trials T] [--median-s S] [--sigma G] [--epochs E]
//       [--strategy random|tpe|bayes|grid] [--pruner none|asha|hyperband|median|sha]
//       [--dims D] [--seed S] [--latency-s L] [--fixed-cost-s C] [--durations FILE]
//       [--out FILE | --no-file] [--json]
// Defaults: 64 workers, 256 trials, log-normal durations of median 600 s and sigma 0.5, 10
// epochs, random, no pruner, 4 uniform parameters, seed 0, no latency, measured costs, results
// in sim_scheduler.h5 (replaced). --durations reads trial i's duration in seconds from line i
// of FILE (bench/sim_calibrate.py: the same durations as a real run's); --no-file appends to
// no results file (to time asks alone, far past what the appends would allow).
// Cases: one sweep per run. It prints worker utilisation (overall, and while trials were still
// to hand out), the queue wait per trial (median, p99), rank 0's busy fraction and peak memory
// (VmHWM: the whole process, the simulator's bookkeeping included), what each rank-0 operation
// cost (append: one per group commit; also per record, and the groups' sizes), the ask and judge
// latency as trials accumulate (bench/sim.h: Report::ask_curve) and utilisation over time. --json prints the same as one JSON object.
// Before it reports, it checks that the results file holds every trial of the sweep.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <optional>
#include <string>

#include "args.h"
#include "out_file.h"
#include "sim.h"
#include "sweep/sweep_header.h"

namespace {

struct Args {
  hs::sim::Options sim;
  int64_t trials = 256;
  int dims = 4;
  std::string strategy = "random", pruner = "none", out = "sim_scheduler.h5";
  bool json = false, no_file = false;
  std::string durations_file;  // --durations: where trial i's seconds came from
};

// The durations drawn, in words: "log-normal median 600 s sigma 0.5", or the file's.
std::string durations_text(const Args& a) {
  if (!a.durations_file.empty())
    return "durations from " + a.durations_file + " (" + std::to_string(a.sim.durations.size()) +
           " values, in turn)";
  char b[96];
  std::snprintf(b, sizeof b, "durations log-normal median %g s sigma %g", a.sim.median_s,
                a.sim.sigma);
  return b;
}

// A share as JSON: null where it is not defined (NaN).
std::string json_share(double x) {
  if (std::isnan(x)) return "null";
  char b[32];
  std::snprintf(b, sizeof b, "%.6f", x);
  return b;
}

const char* const kHelp =
    "sim_scheduler: how many workers one rank 0 keeps busy, by simulation with the real "
    "scheduler\n"
    "(TrialQueue, strategy, pruner and results file) against N virtual workers on a virtual "
    "clock.\n\n"
    "  sim_scheduler [--workers N] [--trials T] [--median-s S] [--sigma G] [--epochs E]\n"
    "      [--strategy random|tpe|bayes|grid] [--pruner none|asha|hyperband|median|sha]\n"
    "      [--dims D] [--seed S] [--latency-s L] [--fixed-cost-s C] [--durations FILE]\n"
    "      [--out FILE | --no-file] [--json]\n\n"
    "Defaults: 64 workers, 256 trials, log-normal durations of median 600 s and sigma 0.5, 10 "
    "epochs,\nrandom, no pruner, 4 uniform parameters, seed 0, no latency, measured costs, "
    "results in\nsim_scheduler.h5 (replaced only if it is a results file). --durations: trial "
    "i's seconds on\nline i of FILE. bench/README.md (\"How many workers one rank 0 keeps busy\") "
    "says what it\nmeasures and how rank 0's time is charged.\n";

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "sim_scheduler: %s (see the header of bench/sim_scheduler.cpp)\n",
               why.c_str());
  std::exit(2);
}

std::vector<double> read_durations(const std::string& path) {
  std::ifstream in(path);
  if (!in) usage("cannot read " + path);
  std::vector<double> d;
  for (double x; in >> x;) {
    if (!(x >= 1e-6 && x <= 1e7))
      usage(path + ": line " + std::to_string(d.size() + 1) + ": not a duration from 1e-06 to "
            "1e7 s");
    d.push_back(x);
  }
  if (d.empty() || !in.eof()) usage(path + ": line " + std::to_string(d.size() + 1) + ": not a number");
  return d;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      std::printf("%s", kHelp);
      std::exit(0);
    }
    if (k == "--json" || k == "--no-file") {
      (k == "--json" ? a.json : a.no_file) = true;
      continue;
    }
    if (i + 1 >= argc) usage(k + " needs a value");
    const char* v = argv[++i];
    const char* p = "sim_scheduler";
    using hs::bench::real_arg, hs::bench::whole_arg;
    if (k == "--workers") a.sim.workers = static_cast<int>(whole_arg(p, k, v, 1, 1 << 20));
    else if (k == "--trials") a.trials = whole_arg(p, k, v, 1, 1'000'000);
    else if (k == "--median-s") a.sim.median_s = real_arg(p, k, v, 1e-6, 1e7);
    else if (k == "--sigma") a.sim.sigma = real_arg(p, k, v, 0, 3);
    else if (k == "--epochs") a.sim.epochs = static_cast<int>(whole_arg(p, k, v, 1, 10'000));
    else if (k == "--strategy") a.strategy = v;
    else if (k == "--pruner") a.pruner = v;
    else if (k == "--dims") a.dims = static_cast<int>(whole_arg(p, k, v, 1, 1'000));
    else if (k == "--seed") a.sim.seed = hs::bench::seed_arg(p, k, v);
    else if (k == "--latency-s") a.sim.latency_s = real_arg(p, k, v, 0, 1e6);
    else if (k == "--fixed-cost-s") a.sim.fixed_cost_s = real_arg(p, k, v, 0, 1e6);
    else if (k == "--out") a.out = v;
    else if (k == "--durations") a.sim.durations = read_durations(a.durations_file = v);
    else usage("unknown option " + k);
  }
  return a;
}

hs::SweepConfig sweep_of(const Args& a) {
  std::string text = "[sweep]\nstrategy = \"" + a.strategy + "\"\ntrials = " +
                     std::to_string(a.trials) + "\nseed = " + std::to_string(a.sim.seed) + "\n";
  if (a.pruner != "none") text += "pruner = \"" + a.pruner + "\"\n";
  // A command's bracketed pruner is told the epochs its trials train (README, Pruning).
  if (a.pruner == "asha" || a.pruner == "hyperband" || a.pruner == "sha")
    text += "[pruner]\nmax_epochs = " + std::to_string(a.sim.epochs) + "\n";
  // The trials are virtual; a command objective lets the space name any parameter.
  text += "[objective]\ncommand = \"true\"\n[space]\n";
  const std::string grid = a.strategy == "grid" ? ", grid = 10" : "";
  for (int d = 0; d < a.dims; ++d)
    text.append("x").append(std::to_string(d)).append(" = { uniform = [0.0, 1.0]" + grid + " }\n");
  auto s = hs::load_sweep_text(text, "<sim_scheduler>");
  if (!s) usage(s.error().str());
  return std::move(*s);
}

long peak_rss_kb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

// A cost curve as JSON pairs [k, seconds].
void print_curve(const char* name, const std::vector<std::pair<int64_t, double>>& c) {
  std::printf("\"%s\": [", name);
  for (size_t i = 0; i < c.size(); ++i)
    std::printf("%s[%lld, %.9g]", i ? ", " : "", static_cast<long long>(c[i].first), c[i].second);
  std::printf("], ");
}

void print_json(const Args& a, const hs::sim::Report& r, long rss_kb) {
  const auto op = [](const char* name, const hs::sim::OpCost& c) {
    std::printf("\"%s_s\": %.9g, \"%s_count\": %lld, ", name, c.seconds, name,
                static_cast<long long>(c.count));
  };
  std::printf("{\"workers\": %d, \"trials\": %lld, \"pruned\": %lld, \"median_s\": %g, "
              "\"sigma\": %g, \"epochs\": %d, \"strategy\": \"%s\", \"pruner\": \"%s\", ",
              a.sim.workers, static_cast<long long>(r.trials), static_cast<long long>(r.pruned),
              a.sim.median_s, a.sim.sigma, a.sim.epochs, a.strategy.c_str(), a.pruner.c_str());
  std::printf("\"durations_file\": %s, ",
              a.durations_file.empty() ? "null" : ("\"" + a.durations_file + "\"").c_str());
  std::printf("\"makespan_s\": %.9g, \"utilisation\": %.6f, \"utilisation_fed\": %s, "
              "\"last_dispatch_s\": %.9g, \"wait_median_s\": %.9g, \"wait_p99_s\": %.9g, "
              "\"answer_wait_s\": %.9g, \"rank0_busy_s\": %.9g, \"rank0_fraction\": %.6f, ",
              r.makespan_s, r.utilisation, json_share(r.utilisation_fed).c_str(), r.last_dispatch_s,
              hs::sim::quantile(r.waits, 0.5), hs::sim::quantile(r.waits, 0.99), r.answer_wait_s,
              r.rank0_busy_s, r.makespan_s > 0 ? r.rank0_busy_s / r.makespan_s : 0.0);
  op("ask", r.ask);
  op("decode", r.decode);
  op("judge", r.judge);
  op("tell", r.tell);
  op("append", r.append);
  std::printf("\"largest_group\": %lld, \"append_per_trial_s\": %.9g, ",
              static_cast<long long>(r.largest_group),
              r.trials ? r.append.seconds / static_cast<double>(r.trials) : 0.0);
  print_curve("ask_curve", r.ask_curve);
  print_curve("judge_curve", r.judge_curve);
  // The waits between a worker's trials: the dispatches after each worker's first.
  const auto first = static_cast<size_t>(a.sim.workers);
  const std::vector<double> next(r.waits.begin() + static_cast<std::ptrdiff_t>(
                                     std::min(first, r.waits.size())), r.waits.end());
  std::printf("\"wait_next_median_s\": %.9g, \"wait_next_p99_s\": %.9g, ",
              hs::sim::quantile(next, 0.5), hs::sim::quantile(next, 0.99));
  std::printf("\"peak_rss_kb\": %ld, \"bin_s\": %g, \"busy_over_time\": [", rss_kb, r.bin_s);
  for (size_t i = 0; i < r.busy_over_time.size(); ++i)
    std::printf("%s%.4f", i ? ", " : "", r.busy_over_time[i]);
  std::printf("]}\n");
}

void print_text(const Args& a, const hs::sim::Report& r, long rss_kb) {
  std::printf("%d workers, %lld trial runs (%lld pruned), %s, pruner %s, %s, %d epochs\n",
              a.sim.workers, static_cast<long long>(r.trials), static_cast<long long>(r.pruned),
              a.strategy.c_str(), a.pruner.c_str(), durations_text(a).c_str(), a.sim.epochs);
  char fed[96];  // none when every trial went out within the first bin: no steady state to read
  if (std::isnan(r.utilisation_fed))
    std::snprintf(fed, sizeof fed, "every trial handed out within the first %.3g s", r.bin_s);
  else
    std::snprintf(fed, sizeof fed, "%.2f%% until the last dispatch at %.1f s",
                  100 * r.utilisation_fed, r.last_dispatch_s);
  std::printf("makespan %.1f s; worker utilisation %.2f%% (%s)\n", r.makespan_s,
              100 * r.utilisation, fed);
  std::printf("queue wait per trial: median %.4g s, p99 %.4g s; waiting for epoch answers: "
              "%.3g worker-s\n", hs::sim::quantile(r.waits, 0.5), hs::sim::quantile(r.waits, 0.99),
              r.answer_wait_s);
  std::printf("rank 0: busy %.3f s of %.1f s (%.3f%%), peak memory %.1f MB\n", r.rank0_busy_s,
              r.makespan_s, r.makespan_s > 0 ? 100 * r.rank0_busy_s / r.makespan_s : 0.0,
              static_cast<double>(rss_kb) / 1024);
  for (const auto& [name, c] : {std::pair{"ask", r.ask}, {"decode", r.decode}, {"judge", r.judge},
                                {"tell", r.tell}, {"append", r.append}})
    std::printf("  %-6s %9lld x %9.2f us = %8.3f s\n", name, static_cast<long long>(c.count),
                c.count ? 1e6 * c.seconds / static_cast<double>(c.count) : 0.0, c.seconds);
  if (r.append.count > 0)
    std::printf("  appends: %lld groups for %lld records (mean %.2f, largest %lld): %.1f us a "
                "record\n", static_cast<long long>(r.append.count), static_cast<long long>(r.trials),
                static_cast<double>(r.trials) / static_cast<double>(r.append.count),
                static_cast<long long>(r.largest_group),
                1e6 * r.append.seconds / static_cast<double>(r.trials));
  for (const auto& [name, curve] : {std::pair{"ask", r.ask_curve}, {"judge", r.judge_curve}}) {
    std::printf("%s latency at k trials asked (median over [0.9k, k)):", name);
    for (const auto& [k, c] : curve) std::printf(" %lld: %.3g us;", static_cast<long long>(k), 1e6 * c);
    std::printf("\n");
  }
  std::printf("utilisation per %.3g s:", r.bin_s);
  for (double u : r.busy_over_time) std::printf(" %.0f", 100 * u);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  const hs::SweepConfig sweep = sweep_of(a);
  std::optional<hs::ResultsFile> file;
  if (!a.no_file) {
    if (const std::string refused = hs::bench::refused_out(a.out); !refused.empty())
      usage(refused);
    auto f = hs::ResultsFile::create(a.out, hs::sweep_header(sweep, "sim_scheduler"), true);
    if (!f) usage(f.error().str());
    file.emplace(std::move(*f));
  }
  auto r = hs::sim::simulate(sweep, a.sim, file ? &*file : nullptr);
  if (!r) usage(r.error().str());
  const long rss_kb = peak_rss_kb();
  if (file && static_cast<int64_t>(file->trial_count()) != a.trials) {
    std::fprintf(stderr, "sim_scheduler: %s holds %zu trials of %lld\n", a.out.c_str(),
                 file->trial_count(), static_cast<long long>(a.trials));
    return 1;
  }
  if (file)
    if (hs::Status st = file->close(); !st) usage(st.error().str());
  a.json ? print_json(a, *r, rss_kb) : print_text(a, *r, rss_kb);
  return 0;
}
