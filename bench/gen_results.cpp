// gen_results: a results file of N trials (journal + HDF5) written through the real ResultsFile
// code, without training anything, for the million-trial benchmark (issue 17, bench/README.md:
// "A million trials in one file"); and the timing of opening such a file to continue it.
//
//   build/bin/gen_results --trials N [--epochs E] [--seed S] [--group G] [--out FILE]
//       [--journal-first 1]
//   build/bin/gen_results --open FILE [--strategy tpe|bayes|none] [--pruner none|median|...]
// Defaults: 10-epoch curves, seed 0, groups of 1 (one append per trial; --group G appends G
// trials at a time, the batched append), gen_results.h5 (replaced). The sweep is bench/gen.h's.
// --journal-first 1 writes the journal first and lets ResultsFile::open build the HDF5 file from
// it (gen.h: gen_write_journal_first): the same file, in minutes instead of hours at 1M trials.
// Progress on stderr every 5% of a long run. --open reopens FILE as a sweep's continue does
// (ResultsFile::open: journal replayed, HDF5 checked or rebuilt), takes its trials back into a
// TrialQueue and a progress display as `hypersweep run` does (the file's sweep with --strategy,
// tpe by default, whose take-back costs most; random, the file's own, takes the generated values
// back as `hypersweep run` on the file's config does; none: no queue; --pruner replaces the
// file's median pruner), appends one trial and closes, and prints
// the time and the memory (RSS, bytes a trial) of each step.
// Cases: one file per run; the commands of bench/README.md's table run it at 10k, 100k and 1M.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "config/sweep_config.h"
#include "exec/run_trials.h"
#include "args.h"
#include "out_file.h"
#include "gen.h"
#include "search/space.h"
#include "sweep/progress.h"
#include "sweep/queue.h"

namespace {

struct Args {
  hs::gen::GenOptions gen{-1, 10, 0, 1};
  std::string out = "gen_results.h5", open;
  std::string strategy = "tpe";  // --open: the strategy that takes the trials back; "none"
  std::string pruner;            // --open: another pruner than the file's (median)
  bool journal_first = false;
};

const char* const kHelp =
    "gen_results: a results file of N trials written through the real ResultsFile code without\n"
    "training anything (the million-trial benchmark), and the time to open such a file to\n"
    "continue it.\n\n"
    "  gen_results --trials N [--epochs E] [--seed S] [--group G] [--out FILE] "
    "[--journal-first 1]\n"
    "  gen_results --open FILE [--strategy tpe|bayes|random|none] [--pruner none|median|...]\n\n"
    "Defaults: 10-epoch curves (at least 5), seed 0, one append per trial, gen_results.h5\n"
    "(replaced only if it is a results file). The header of bench/gen_results.cpp and\n"
    "bench/README.md (\"A million trials in one file\") say more.\n";

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr, "gen_results: %s (see the header of bench/gen_results.cpp)\n", why.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  const char* p = "gen_results";
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      std::printf("%s", kHelp);
      std::exit(0);
    }
    if (i + 1 >= argc) usage(k + " needs a value");
    const char* v = argv[++i];
    if (k == "--trials")
      a.gen.trials = hs::bench::whole_arg(p, k, v, 1, 100'000'000);
    else if (k == "--epochs")
      a.gen.epochs = static_cast<int>(hs::bench::whole_arg(p, k, v, 5, 10'000));
    else if (k == "--seed")
      a.gen.seed = hs::bench::seed_arg(p, k, v);
    else if (k == "--group")
      a.gen.group = static_cast<int>(hs::bench::whole_arg(p, k, v, 1, 1'000'000));
    else if (k == "--out")
      a.out = v;
    else if (k == "--journal-first")
      a.journal_first = hs::bench::whole_arg(p, k, v, 0, 1) != 0;
    else if (k == "--open")
      a.open = v;
    else if (k == "--strategy")
      a.strategy = std::string(v) == "none" ? "" : v;
    else if (k == "--pruner")
      a.pruner = v;
    else
      usage("unknown option " + k);
  }
  if (a.open.empty() && a.gen.trials < 1) usage("--trials N (N >= 1) or --open FILE is needed");
  if (!a.open.empty() && a.gen.trials >= 1)
    usage("--trials writes a file and --open reads one: give one of them");
  return a;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

[[noreturn]] void die(const hs::Error& e) {
  std::fprintf(stderr, "gen_results: %s\n", e.str().c_str());
  std::exit(1);
}

int generate(const Args& a) {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t n = a.gen.trials, step = std::max<int64_t>(n / 20, 1);
  const auto write = a.journal_first ? hs::gen::gen_write_journal_first : hs::gen::gen_write;
  if (const std::string refused = hs::bench::refused_out(a.out); !refused.empty()) usage(refused);
  int64_t shown = 0;  // 5% steps printed
  const hs::Status st = write(a.out, a.gen, [&](int64_t done) {
    if (n < 10000 || done / step <= shown) return;
    shown = done / step;
    std::fprintf(stderr, "gen_results: %lld of %lld trials, %.0f s\n", static_cast<long long>(done),
                 static_cast<long long>(n), since(t0));
  });
  if (!st) die(st.error());
  std::printf("gen_results: %lld trials in %s, %.2f s, max RSS %ld KiB\n",
              static_cast<long long>(n), a.out.c_str(), since(t0), max_rss_kib());
  return 0;
}

// VmRSS of this process now, KiB (what it holds; max RSS is the peak).
long rss_kib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::atol(line + 6);
  std::fclose(f);
  return kib;
}

// What `hypersweep run` builds on rank 0 after opening the file it continues (apps/hypersweep/
// run.cpp): the TrialQueue (the strategy and the pruner take every record back) and the
// progress display, from the sweep the file holds with its strategy replaced by `strategy`.
// Exits on an error.
void take_back(const hs::ResultsFile& file, const std::string& strategy,
               const std::string& pruner) {
  auto sweep = hs::load_sweep_text(file.header().config_text, file.path());
  if (!sweep) die(sweep.error());
  if (!hs::parse_strategy(strategy, &sweep->strategy.kind)) usage("unknown strategy " + strategy);
  if (!pruner.empty() && !hs::parse_pruner(pruner, &sweep->pruner.kind))
    usage("unknown pruner " + pruner);
  // A strategy takes at most kMaxTrials (search/space.h): a million-trial file that --open has
  // appended to holds one or two more, which are left out here.
  hs::Recorded recorded = hs::recorded_in(file);
  recorded.last_id = std::min(recorded.last_id, hs::kMaxTrials - 1);
  recorded.each = [&file](const std::function<hs::Status(const hs::TrialRecord&)>& fn) {
    return file.for_each_trial(hs::TrialOrder::kById, [&](const hs::TrialRecord& r) {
      return r.id < hs::kMaxTrials ? fn(r) : hs::Status::Ok();
    });
  };
  auto t0 = std::chrono::steady_clock::now();
  auto queue = hs::TrialQueue::make(*sweep, recorded, hs::Resume{});
  if (!queue) die(queue.error());
  const double queue_s = since(t0);
  const long queue_rss = rss_kib();
  t0 = std::chrono::steady_clock::now();
  hs::ProgressDisplay display(hs::Metric{sweep->metric, sweep->strategy.direction}, sweep->space,
                              queue->finished(), false);
  if (hs::Status st = hs::consider_recorded(file, display); !st) die(st.error());
  std::printf(
      "gen_results: %s strategy and %s pruner took %lld trials back in %.2f s (RSS %ld "
      "KiB), the display in %.2f s (RSS %ld KiB)\n",
      strategy.c_str(), hs::pruner_name(sweep->pruner.kind),
      static_cast<long long>(queue->finished()), queue_s, queue_rss, since(t0), rss_kib());
}

int open_and_continue(const Args& a) {
  const long rss0 = rss_kib();
  auto t0 = std::chrono::steady_clock::now();
  auto file = hs::ResultsFile::open(a.open);
  if (!file) die(file.error());
  const double open_s = since(t0);
  const long open_rss = rss_kib(), open_max = max_rss_kib();
  const auto n = static_cast<int64_t>(file->trial_count());
  std::printf(
      "gen_results: opened %s (%lld trials) in %.2f s: RSS %ld KiB before, %ld after "
      "(%.0f bytes a trial), max RSS %ld KiB\n",
      a.open.c_str(), static_cast<long long>(n), open_s, rss0, open_rss,
      1024.0 * static_cast<double>(open_rss - rss0) / static_cast<double>(std::max<int64_t>(n, 1)),
      open_max);
  if (!a.strategy.empty()) take_back(*file, a.strategy, a.pruner);
  const hs::gen::GenOptions next{n + 1, 10, file->header().seed, 1};
  t0 = std::chrono::steady_clock::now();
  if (hs::Status st = file->append(hs::gen::gen_trial(next, n)); !st) die(st.error());
  const double append_s = since(t0);
  t0 = std::chrono::steady_clock::now();
  if (hs::Status st = file->close(); !st) die(st.error());
  const long end_rss = rss_kib();
  std::printf(
      "gen_results: opened %s (%lld trials) in %.2f s, appended trial %lld in %.3f s, "
      "closed in %.2f s, RSS %ld KiB (%.0f bytes a trial), max RSS %ld KiB\n",
      a.open.c_str(), static_cast<long long>(n), open_s, static_cast<long long>(n), append_s,
      since(t0), end_rss,
      1024.0 * static_cast<double>(end_rss - rss0) / static_cast<double>(std::max<int64_t>(n, 1)),
      max_rss_kib());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  return a.open.empty() ? generate(a) : open_and_continue(a);
}
