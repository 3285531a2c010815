// preflight.cpp: every check of a sweep before its first trial (preflight.h).
#include "hypersweep/preflight.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "core/text.h"
#include "data/load.h"
#include "search/discrete.h"
#include "search/space_text.h"
#include "store/open.h"
#include "train/trainer.h"

namespace hs::cli {

namespace {

// "FILE:LINE", or "FILE" where the line is not known (a key left at its default).
std::string at_line(const std::string& file, int line) {
  return line > 0 ? file + ":" + std::to_string(line) : file;
}

double as_number(const ParamValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return 0;
}

bool numeric(const Param& p) { return std::all_of(p.choices.begin(), p.choices.end(), is_number); }

// Every parameter at its largest value (`largest`) or its smallest: a range's end, a numeric
// choice's extreme; other choices keep their first value.
Trial corner(const SearchSpace& space, bool largest) {
  Trial t;
  for (const Param& p : space.params) {
    switch (p.kind) {
      case ParamKind::kUniform:
      case ParamKind::kLogUniform:
        t.values.emplace_back(largest ? p.hi : p.lo);
        break;
      case ParamKind::kInt:
        t.values.emplace_back(static_cast<int64_t>(largest ? p.hi : p.lo));
        break;
      case ParamKind::kChoice:
      case ParamKind::kFixed: {
        const bool numbers = numeric(p);
        const auto less = [](const ParamValue& a, const ParamValue& b) {
          return as_number(a) < as_number(b);
        };
        t.values.push_back(!numbers ? p.choices[0]
                           : largest ? *std::max_element(p.choices.begin(), p.choices.end(), less)
                                     : *std::min_element(p.choices.begin(), p.choices.end(), less));
        break;
      }
    }
  }
  return t;
}

// The corner, and the corner with each other value of each choice of strings or booleans
// (arch = ["mlp", "cnn"]: a cnn may not fit the data where an mlp does).
std::vector<Trial> corners(const SearchSpace& space, bool largest) {
  std::vector<Trial> out = {corner(space, largest)};
  for (size_t i = 0; i < space.params.size(); ++i) {
    const Param& p = space.params[i];
    if (p.kind != ParamKind::kChoice || numeric(p)) continue;
    for (size_t k = 1; k < p.choices.size(); ++k) {
      out.push_back(out[0]);
      out.back().values[i] = p.choices[k];
    }
  }
  return out;
}

// Whether the trainer and the data set take trial `t`'s values: trial_options' error, or the
// data's (a synthetic set past its size), placed where the sweep file chose that key.
Status takes_values(const SweepConfig& sweep, const Trial& t) {
  const Result<TrainOptions> opt = trial_options(sweep, t);
  if (!opt) return opt.error();
  if (Status st = check_data_options(opt->data); !st) return locate(sweep, st.error());
  return {};
}

// Each searched parameter's ends (a range's lo and hi, a numeric choice's least and largest)
// with the rest of the space at its own corner and at the other: refused when the trainer or
// the data refuses that end with both (warmup = 3 where every trial trains 3 epochs, a
// synthetic set too large to make), as every trial that draws it would fail. An end refused
// with one corner alone (min_lr's largest with lr's smallest) is a combination inside the
// space: it fails only its own trials.
Status check_space_ends(const SweepConfig& sweep) {
  const SearchSpace& space = sweep.space;
  for (size_t i = 0; i < space.params.size(); ++i) {
    for (const bool largest : {true, false}) {
      const ParamValue end = corner(space, largest).values[i];
      Error first;
      int refused = 0;
      for (const bool rest : {largest, !largest}) {
        Trial t = corner(space, rest);
        t.values[i] = end;
        const Status st = takes_values(sweep, t);
        if (st.ok()) break;
        if (refused++ > 0) continue;
        first = st.error();
        first.message = "the space reaches " + describe(SearchSpace{{space.params[i]}}, {end}) +
                        ", which fails with the rest of the space at either end (as " +
                        describe(space, t.values) + "): " + first.message;
      }
      if (refused == 2) return first;
    }
  }
  return {};
}

// The networks the trials will build: the base configuration's, unless its fault is a key the
// space sets (kernel_size = [1, 3] on 4x4 images: the default 5 never trains), and each corner's
// that makes valid trainer options (a combination the trainer refuses fails only its own trials).
Status check_networks(const SweepConfig& sweep, const TrainOptions& base, const DataBundle& data) {
  if (auto net = network_for(base, data); !net && !space_sets(sweep, net.error().key))
    return locate(sweep, net.error());
  for (const bool largest : {true, false}) {
    for (const Trial& t : corners(sweep.space, largest)) {
      const Result<TrainOptions> opt = trial_options(sweep, t);
      if (!opt) continue;
      if (auto net = network_for(*opt, data); !net) {
        Error e = locate(sweep, net.error());
        e.message = "the space reaches a network that cannot train (" +
                    describe(sweep.space, t.values) + "): " + e.message;
        return e;
      }
    }
  }
  return {};
}

// A searched key that every trial's fixed settings leave unused (momentum with optimizer
// "adam"): its trials differ by seed alone, and the sweep would name a "best" value of noise.
Status check_space_used(const SweepConfig& sweep, const TrainOptions& base) {
  for (const Param& p : sweep.space.params) {
    if (p.kind == ParamKind::kFixed) continue;
    const std::vector<std::string> by = deciders(p.name);
    if (std::any_of(by.begin(), by.end(),
                    [&](const std::string& k) { return space_sets(sweep, k); }))
      continue;
    const std::string why = unused_reason(p.name, base);
    if (why.empty()) continue;
    std::string msg = "[space] searches " + p.name + ", which no trial reads: " + why;
    msg += " in every trial, so its trials differ by seed alone and its \"best\" value would ";
    msg += "be noise; drop it from [space], or set or search " + by.front();
    return Error{p.file, p.line, p.name, std::move(msg)};
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> unused_key_warnings(const SweepConfig& sweep) {
  if (!uses_trainer(sweep)) return {};
  const auto base = sweep.train.finish();
  if (!base) return {};
  std::vector<std::string> out = sweep.train.unused_warnings(
      *base, [&](std::string_view k) { return space_sets(sweep, k); });
  // In a sweep each trial trains with its own seed (objective.h: trial_seed) unless [space] sets
  // seed: a [train] seed (or --set seed) is read by `train` alone, and two sweeps differing only
  // by it give the same trials.
  if (const ConfigWhere w = sweep.train.where("seed");
      w.file != "<default>" && !space_sets(sweep, "seed")) {
    out.push_back(at_line(w.file, w.line) + ": seed = " +
                  std::to_string(base->seed) + " is not used: in a sweep trial i trains with the " +
                  "seed (sweep seed, i); [sweep] seed changes every trial's (hypersweep train " +
                  "reads this one)");
  }
  return out;
}

std::string start_design_warning(const SweepConfig& sweep) {
  const StrategyOptions& o = sweep.strategy;
  const int64_t design = start_design_size(o, sweep.space);
  if (design == 0 || o.trials > design) return "";
  const std::string trials =
      sweep.trials_line < 0 ? sweep.file + ": --trials " + std::to_string(o.trials)
                            : at_line(sweep.file, sweep.trials_line) + ": [sweep] trials = " +
                                  std::to_string(o.trials) +
                                  (sweep.trials_line > 0 ? "" : " (the default)");
  return trials + " is not more than " +
         strategy_name(o.kind) + "'s start design (" + std::to_string(design) + " " +
         start_design_kind(o.kind) + " trials): every trial is fixed before any result, so this "
         "sweep is a random search; raise trials above " + std::to_string(design) +
         (o.n_init > 0 ? " or set a smaller n_init" : " or set n_init");
}

std::string pruner_warning(const SweepConfig& sweep) {
  const PrunerOptions& p = sweep.pruner;
  const std::string head = at_line(sweep.file, sweep.pruner_line) + ": [sweep] pruner = \"" +
                           pruner_name(p.kind) + "\" ";
  if (is_bracketed(p.kind) && max_bracket(p) == 0)
    return head + "never stops a trial: its only rung is at max_epochs = " +
           std::to_string(p.max_epochs) + ", and the last rung decides nothing; " +
           (p.max_epochs / p.reduction >= 1
                ? "set min_epochs to at most max_epochs / reduction (" +
                      std::to_string(p.max_epochs / p.reduction) + ")"
                : "set reduction to at most max_epochs / min_epochs (" +
                      std::to_string(p.max_epochs / std::max(1, p.min_epochs)) + ")");
  if (p.kind == PrunerKind::kSha && p.bracket_trials == 1)
    return head + "never stops a trial: with bracket_trials = 1 each rung keeps its one trial";
  const bool percentile = p.kind == PrunerKind::kMedian || p.kind == PrunerKind::kPercentile;
  if (percentile && p.startup_trials >= sweep.strategy.trials)
    return head + "never stops a trial: it decides nothing before startup_trials = " +
           std::to_string(p.startup_trials) + " trials have completed, and the sweep has " +
           std::to_string(sweep.strategy.trials);
  // A trial is judged against the others' values at its epoch: at most trials - 1 of them.
  if (percentile && p.min_trials >= sweep.strategy.trials)
    return head + "never stops a trial: it judges an epoch once min_trials = " +
           std::to_string(p.min_trials) + " other trials have reported it, and the sweep has " +
           std::to_string(sweep.strategy.trials) + " trials in all";
  // The most epochs a trial trains: [space]'s epochs, else the built-in trainer's.
  int most = space_epochs(sweep.space);
  if (const auto opt = sweep.train.finish();
      most == 0 && uses_trainer(sweep) && opt && !space_sets(sweep, "epochs"))
    most = opt->epochs;
  // A stop at a trial's last epoch changes nothing: it is judged before it, or never.
  if (percentile && most > 0 && p.warmup_epochs >= most - 1)
    return head + "never stops a trial: warmup_epochs = " + std::to_string(p.warmup_epochs) +
           " leaves no epoch before the last of the trials' " + std::to_string(most) +
           " to judge (the first judged is epoch warmup_epochs + 1)";
  return "";
}

std::string n_init_warning(const SweepConfig& sweep) {
  const StrategyOptions& o = sweep.strategy;
  if (o.n_init == 0 || o.kind == StrategyKind::kBayes || o.kind == StrategyKind::kTpe) return "";
  return at_line(sweep.file, sweep.n_init_line) + ": [sweep] n_init = " +
         std::to_string(o.n_init) + " is ignored: only " +
         "bayes and tpe have a start design, and the strategy is " + strategy_name(o.kind);
}

// A range's `grid` points are the grid strategy's; the others draw anywhere in the range.
std::string grid_warning(const SweepConfig& sweep) {
  if (sweep.strategy.kind == StrategyKind::kGrid) return "";
  for (const Param& p : sweep.space.params)
    if (p.grid != 0)
      return p.file + ":" + std::to_string(p.line) + ": [space] " + p.name + ": grid = " +
             std::to_string(p.grid) + " is ignored: only strategy = \"grid\" takes a range's " +
             "grid points, and " + strategy_name(sweep.strategy.kind) +
             " draws from the whole range";
  return "";
}

// A space of ints and choices with fewer points than trials: bayes ends once each was asked, tpe
// asks points again once each was asked. (random draws with replacement, as it always does.)
std::string small_space_warning(const SweepConfig& sweep) {
  const StrategyOptions& o = sweep.strategy;
  if (o.kind != StrategyKind::kBayes && o.kind != StrategyKind::kTpe) return "";
  const double points = discrete_points(sweep.space);
  if (!(points < static_cast<double>(o.trials))) return "";
  const std::string n = shortest(static_cast<int64_t>(points));
  return sweep.file + ": [space] has " + n + (points == 1 ? " point" : " points") +
         " (every parameter an int or a choice) for " + std::to_string(o.trials) + " trials: " +
         (o.kind == StrategyKind::kBayes ? "bayes ends after " + n + ", as it never asks a "
                                           "point twice"
                                         : "tpe asks points again once each was asked") +
         "; strategy = \"grid\" runs each point once";
}

void warn_sweep(const SweepConfig& sweep) {
  std::vector<std::string> all = unused_key_warnings(sweep);
  for (const std::string& w :
       {start_design_warning(sweep), pruner_warning(sweep), n_init_warning(sweep),
        grid_warning(sweep), small_space_warning(sweep)})
    all.push_back(w);
  for (const std::string& w : all) {
    if (w.empty()) continue;
    std::fflush(stdout);  // after what was printed before it, on a terminal or a shared log
    std::fprintf(stderr, "hypersweep: warning: %s\n", w.c_str());
  }
}

Result<Preflight> preflight(const std::string& config, int threads, bool load_data,
                            const SweepOverrides& over, bool new_file) {
  auto sweep = load_sweep_with(config, over);
  if (!sweep) return sweep.error();
  Preflight out{std::move(*sweep), nullptr};
  SweepConfig& s = out.sweep;
  if (threads >= 0)
    if (auto st = s.train.set_value("threads", int64_t{threads}, {"--threads", 0}); !st)
      return st.error();
  if (Status st = check_space_names(s.space, new_file); !st) return st.error();
  if (!uses_trainer(s)) return out;
  const Result<TrainOptions> base = s.train.finish();
  if (!base) return base.error();
  if (Status st = check_space_used(s, *base); !st) return st.error();
  if (Status st = check_space_ends(s); !st) return st.error();
  if (!load_data) return out;
  auto data = hs::load_data(base->data);
  if (!data) return s.train.locate_data_error(data.error());
  out.data = std::make_shared<const DataBundle>(std::move(*data));
  if (Status st = check_networks(s, *base, *out.data); !st) return st.error();
  return out;
}

}  // namespace hs::cli
