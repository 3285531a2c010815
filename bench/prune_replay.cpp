// prune_replay: the real pruners (prune/pruner.h) on curves already measured, without training.
// bench/pruning_replay.py drives it with random search's full curves from bench/pruning.py's runs,
// to ask what another pruner set-up would have decided on the same configurations (issue 15).
//
//   prune_replay --pruner asha|hyperband|median|percentile [--min-epochs 1] [--reduction 3]
//                [--max-epochs 27] [--startup-trials 5] [--warmup-epochs 0] [--percentile 50]
//                [--seed 0] < curves
//
// stdin: one line per epoch, "<trial id> <epoch> <value>", the sweep's metric (maximised, as
// val_acc); a trial's epochs from 1 in order and together, the trials in the order they ran.
// Each trial is replayed as one worker runs it in one process: its epochs reported one by one
// until the pruner stops it or its curve ends, then ended() with its record, before the next
// trial starts. So the decisions are those `hypersweep run` without mpirun makes on trials with
// these curves (a trial's outcome depends on the sweep seed and its id alone, not on the pruner).
// stdout: one line per trial, "<trial id> <epochs run> pruned|completed".
// Errors (a malformed line, epochs out of order, a bad option): a message naming the line and
// exit status 2; sha is not replayed (its paused trials run again when a rung fills).
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "prune/pruner.h"
#include "trial/record.h"

namespace {

using namespace hs;

struct Curve {
  int64_t id = -1;
  std::vector<double> values;  // epoch 1, 2, ...
};

[[noreturn]] void fail(const std::string& msg) {
  std::fprintf(stderr, "prune_replay: %s\n", msg.c_str());
  std::exit(2);
}

int to_int(const char* flag, const char* text) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v < INT_MIN || v > INT_MAX)
    fail(std::string(flag) + ": not an integer: " + text);
  return static_cast<int>(v);
}

double to_double(const char* flag, const char* text) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (*text == '\0' || *end != '\0' || !std::isfinite(v))
    fail(std::string(flag) + ": not a number: " + text);
  return v;
}

// The integer options, each a field of PrunerOptions.
constexpr struct {
  const char* flag;
  int PrunerOptions::*field;
} kIntOptions[] = {
    {"--min-epochs", &PrunerOptions::min_epochs},
    {"--reduction", &PrunerOptions::reduction},
    {"--max-epochs", &PrunerOptions::max_epochs},
    {"--startup-trials", &PrunerOptions::startup_trials},
    {"--warmup-epochs", &PrunerOptions::warmup_epochs},
};

PrunerOptions parse_options(int argc, char** argv, uint64_t* seed) {
  PrunerOptions o;
  o.max_epochs = 27;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::puts("prune_replay --pruner asha|hyperband|median|percentile [--min-epochs N] "
                "[--reduction N] [--max-epochs N] [--startup-trials N] [--warmup-epochs N] "
                "[--percentile P] [--seed S] < curves  (see bench/prune_replay.cpp)");
      std::exit(0);
    }
    if (i + 1 >= argc) fail(flag + ": needs a value");
    const char* v = argv[++i];
    const auto int_option = std::find_if(std::begin(kIntOptions), std::end(kIntOptions),
                                         [&](const auto& opt) { return flag == opt.flag; });
    if (int_option != std::end(kIntOptions)) {
      o.*(int_option->field) = to_int(int_option->flag, v);
    } else if (flag == "--pruner") {
      if (!parse_pruner(v, &o.kind) || o.kind == PrunerKind::kNone || o.kind == PrunerKind::kSha)
        fail(std::string("--pruner: ") + v + " is not one of asha, hyperband, median, percentile");
    } else if (flag == "--percentile") {
      o.percentile = to_double("--percentile", v);
    } else if (flag == "--seed") {
      const int s = to_int("--seed", v);
      if (s < 0) fail(std::string("--seed: not a sweep seed (0 or more): ") + v);
      *seed = static_cast<uint64_t>(s);
    } else {
      fail("unknown option " + flag + " (--help lists them)");
    }
  }
  if (o.kind == PrunerKind::kNone) fail("--pruner is required (--help)");
  if (o.kind == PrunerKind::kMedian) o.percentile = 50;
  if (const std::string why = check_pruner(o); !why.empty()) fail(why);
  return o;
}

std::vector<Curve> read_curves(std::istream& in) {
  std::vector<Curve> trials;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    std::istringstream row(line);
    int64_t id = 0;
    int epoch = 0;
    double value = NAN;
    std::string extra;
    if (!(row >> id >> epoch >> value) || (row >> extra))
      fail("stdin line " + std::to_string(n) + ": not '<trial id> <epoch> <value>': " + line);
    if (trials.empty() || trials.back().id != id) {
      for (const Curve& t : trials)
        if (t.id == id) fail("stdin line " + std::to_string(n) + ": trial " + std::to_string(id) +
                             "'s epochs are not together");
      trials.push_back(Curve{id, {}});
    }
    Curve& t = trials.back();
    if (epoch != static_cast<int>(t.values.size()) + 1)
      fail("stdin line " + std::to_string(n) + ": trial " + std::to_string(id) + " epoch " +
           std::to_string(epoch) + " after epoch " + std::to_string(t.values.size()));
    t.values.push_back(value);
  }
  return trials;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t seed = 0;
  const PrunerOptions o = parse_options(argc, argv, &seed);
  const std::vector<Curve> trials = read_curves(std::cin);
  const Metric metric{"val_acc", Direction::kMaximize};
  const std::unique_ptr<Pruner> pruner =
      make_pruner(o, metric, seed, static_cast<int64_t>(trials.size()));
  for (const Curve& t : trials) {
    TrialRecord r;
    r.id = t.id;
    r.status = TrialStatus::kCompleted;
    for (size_t e = 0; e < t.values.size(); ++e) {
      EpochRow row;
      row.epoch = static_cast<int>(e) + 1;
      row.val_acc = t.values[e];
      r.curves.push_back(row);
      const Verdict v = pruner->report(t.id, row.epoch, row.val_acc);
      if (v.kind != Verdict::Kind::kContinue) {
        r.status = TrialStatus::kPruned;
        break;
      }
    }
    r.epochs = static_cast<int>(r.curves.size());
    // What the pruners read of an ended trial: its id, status and curves (the checks in
    // bench/pruning_replay.py hold the replay to real sweeps).
    pruner->ended(r);
    pruner->take_settled();
    std::printf("%lld %d %s\n", static_cast<long long>(t.id), r.epochs,
                r.status == TrialStatus::kPruned ? "pruned" : "completed");
  }
  return 0;
}
