#include "config/sweep_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <functional>
#include <optional>

#include "config/keys.h"
#include "config/pruner_table.h"
#include "config/space_hint.h"
#include "config/toml_text.h"
#include "core/file.h"
#include "core/text.h"
#include "search/space_text.h"
#include "trial/metric.h"

namespace hs {

namespace {

ConfigValue to_config(const ParamValue& v) {
  return std::visit([](const auto& x) { return ConfigValue{x}; }, v);
}

// Whether a bound is an integer past 2^53: already another number as a double (space.h), so
// refused as written rather than as read.
bool past_exact(const toml::array& bounds) {
  return std::any_of(bounds.begin(), bounds.end(), [](const toml::node& n) {
    const auto* i = n.as_integer();
    return i && (i->get() > kMaxIntExact || i->get() < -kMaxIntExact);
  });
}

// One [space] entry -> a Param (kind, bounds, choices); values are checked against the trainer
// key afterwards.
Result<Param> parse_param(const std::string& name, const toml::node& node, const std::string& file) {
  Param p;
  p.name = name;
  p.file = file;
  p.line = line_of(node);
  auto fail = [&](const std::string& msg) { return Error{file, p.line, name, msg}; };
  auto choices_from = [&](const toml::array& arr) -> Status {
    for (const auto& e : arr) {
      auto v = param_value_of(e);
      if (!v) return fail("choice values are numbers, strings or booleans, got " + text_of(e));
      p.choices.push_back(*v);
    }
    return {};
  };
  if (const auto* arr = node.as_array()) {  // the shorthand for a choice
    p.kind = ParamKind::kChoice;
    if (Status st = choices_from(*arr); !st) return st.error();
    return p;
  }
  if (auto v = param_value_of(node)) {
    p.kind = ParamKind::kFixed;
    p.choices = {*v};
    return p;
  }
  const auto* table = node.as_table();
  if (!table) return fail("expected a value, a list of choices or a table, got " + text_of(node));
  // Other tools' spelling ({ type = "loguniform", low = 1e-4, high = 0.1 }): say ours.
  if (std::string hint = foreign_space_hint(name, *table); !hint.empty()) return fail(hint);
  int kinds = 0;
  for (const auto& [k, v] : *table) {
    const std::string key(k.str());
    if (key == "uniform" || key == "log_uniform" || key == "int") {
      ++kinds;
      p.kind = key == "uniform" ? ParamKind::kUniform
               : key == "int"   ? ParamKind::kInt
                                : ParamKind::kLogUniform;
      const auto* arr = v.as_array();
      std::optional<double> lo, hi;
      if (arr && arr->size() == 2) lo = toml_number(*arr->get(0)), hi = toml_number(*arr->get(1));
      if (!lo || !hi) return fail(key + " expects [lo, hi], got " + text_of(v));
      if (past_exact(*arr))
        return fail(key + " bounds are within +-2^53 (9007199254740992), where every integer "
                          "is exact, got " + text_of(v));
      p.lo = *lo, p.hi = *hi;
    } else if (key == "choice") {
      ++kinds;
      p.kind = ParamKind::kChoice;
      const auto* arr = v.as_array();
      if (!arr) return fail("choice expects a list, got " + text_of(v));
      if (Status st = choices_from(*arr); !st) return st.error();
    } else if (key == "log") {
      const auto* b = v.as_boolean();
      if (!b) return fail("log expects true or false, got " + text_of(v));
      p.log = b->get();
    } else if (key == "grid") {
      const auto* g = v.as_integer();
      // (0 would read as no grid given, and be told to "add grid = N")
      if (!g || g->get() < 1)
        return fail("grid expects a whole number of points, 2 or more, got " + text_of(v));
      p.grid = g->get();
    } else if (const std::string step = no_step_hint(name, *table); !step.empty()) {
      return fail("unknown field " + key + ": " + step);
    } else {
      return fail("unknown field " + key +
                  " (a parameter is one of uniform, log_uniform, int, choice; with log, grid)");
    }
  }
  if (kinds != 1)
    return fail(kinds == 0 ? "give one of uniform, log_uniform, int or choice"
                           : "give only one of uniform, log_uniform, int or choice");
  if (p.log && p.kind != ParamKind::kInt)
    return fail("log = true goes with int ranges (use log_uniform for reals)");
  return p;
}

// Every value the parameter can take must be valid for its trainer key.
Status check_values(const SweepConfig& sweep, const Param& p) {
  const auto& keys = train_keys();
  if (std::none_of(keys.begin(), keys.end(), [&](const KeyInfo& k) { return p.name == k.key; })) {
    std::vector<std::string_view> names;
    for (const KeyInfo& k : keys) names.push_back(k.key);
    return Error{p.file, p.line, p.name,
                 "not a trainer key, so it cannot be searched" +
                     config_internal::suggestion(p.name, names, true) +
                     " (hypersweep train --list-keys)"};
  }
  std::vector<ParamValue> values = p.choices;
  if (p.kind == ParamKind::kInt) {
    values = {ParamValue{static_cast<int64_t>(p.lo)}, ParamValue{static_cast<int64_t>(p.hi)}};
  } else if (p.kind == ParamKind::kUniform || p.kind == ParamKind::kLogUniform) {
    values = {ParamValue{p.lo}, ParamValue{p.hi}};
  }
  for (const ParamValue& v : values) {
    TrainConfig scratch = sweep.train;
    Status st = scratch.set_value(p.name, to_config(v), ConfigWhere{p.file, p.line, sweep.dir});
    if (!st) {
      Error e = st.error();
      e.message = "the space reaches " + clipped(param_to_string(v)) + ", which the trainer refuses: " +
                  e.message;
      return e;
    }
  }
  return {};
}

Status parse_objective_table(SweepConfig& sweep, const toml::table& t, const std::string& file) {
  ObjectiveOptions& o = sweep.objective;
  int timeout_line = line_of(t);
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    const int line = line_of(v);
    auto fail = [&](const std::string& msg) { return Error{file, line, key, msg}; };
    if (key == "command") {
      const auto* s = v.as_string();
      if (!s || s->get().empty()) return fail("expected a non-empty string, got " + text_of(v));
      o.command = s->get();
      o.file = file;
      o.line = line;
    } else if (key == "timeout") {
      const std::optional<double> x = toml_number(v);
      if (!x || !std::isfinite(*x) || *x < 0)
        return fail("expected a number of seconds >= 0 (0: none), got " + text_of(v));
      o.timeout = *x;
      timeout_line = line;
    } else if (key == "mode") {
      const auto* s = v.as_string();
      if (!s || (s->get() != "trial" && s->get() != "worker"))
        return fail("expected \"trial\" (a process per trial) or \"worker\" (one process per "
                    "worker, handed one trial after another), got " + text_of(v));
      o.worker_mode = s->get() == "worker";
    } else if (key == "gpus_per_worker" || key == "gpus_per_node") {
      const auto* i = v.as_integer();
      constexpr int64_t kMaxGpus = 1024;
      if (!i || i->get() < 0 || i->get() > kMaxGpus)
        return fail("expected a whole number of GPUs from 0 to " + std::to_string(kMaxGpus) +
                    ", got " + text_of(v));
      (key == "gpus_per_worker" ? o.gpus_per_worker : o.gpus_per_node) = static_cast<int>(i->get());
    } else {
      return fail("unknown key in [objective]" +
                  config_internal::suggestion(key, {"command", "timeout", "mode",
                                                    "gpus_per_worker", "gpus_per_node"},
                                              false) +
                  "; [objective] takes command, timeout, mode, gpus_per_worker, gpus_per_node");
    }
  }
  if (o.command.empty())  // a timeout without a command is half a thought: say so
    return Error{file, timeout_line, "command",
                 "[objective] needs a command (or leave the table out for the built-in trainer)"};
  return {};
}

// Every placeholder of the command names a parameter of the space.
Status check_placeholders(const SweepConfig& sweep) {
  const ObjectiveOptions& o = sweep.objective;
  Result<std::vector<CommandPart>> parts = split_command(o);
  if (!parts) return parts.error();
  for (const CommandPart& part : *parts) {
    if (!part.is_param) continue;
    if (o.worker_mode)
      return Error{o.file, o.line, "command",
                   "{" + part.text + "}: in mode = \"worker\" the command starts once per worker "
                   "and reads each trial's parameters from stdin (README, [objective]), so it "
                   "takes no {placeholders}"};
    const auto& ps = sweep.space.params;
    if (std::any_of(ps.begin(), ps.end(), [&](const Param& p) { return p.name == part.text; }))
      continue;
    std::string names;
    for (const Param& p : ps) names += (names.empty() ? "" : ", ") + p.name;
    return Error{o.file, o.line, "command",
                 "{" + part.text + "} is not a parameter of [space] (" + names +
                     "); write {{ and }} for literal braces"};
  }
  return {};
}

// Grid and list run all their points unless `trials` says fewer; then the strategy must be
// able to run the space: an error names the parameter at fault, or where trials was set.
Status fit_strategy(SweepConfig& sweep) {
  const StrategyKind kind = sweep.strategy.kind;
  if (sweep.trials_line == 0 && (kind == StrategyKind::kGrid || kind == StrategyKind::kList)) {
    const Result<int64_t> size =
        kind == StrategyKind::kGrid ? grid_size(sweep.space) : list_size(sweep.space);
    if (size) sweep.strategy.trials = *size;  // else make_strategy says what is wrong
  }
  const auto made = make_strategy(sweep.strategy, sweep.space, nullptr);
  if (made) return {};
  Error e = made.error();
  if (e.file.empty()) {
    e.file = sweep.file;
    e.line = e.key == "trials" ? sweep.trials_line : e.key == "strategy" ? sweep.strategy_line : 0;
  }
  return e;
}

constexpr int kMaxRetries = 10;  // more is a loop, not a retry

// A size as SLURM's --mem writes it ("8G", "1.5T", "2048K": powers of 1024) or whole MiB; else 0.
uint64_t parse_memory(const toml::node& v) {
  constexpr double kMiB = 1024.0 * 1024.0;
  double bytes = 0;
  if (const auto* i = v.as_integer()) {
    bytes = static_cast<double>(i->get()) * kMiB;
  } else if (const auto* s = v.as_string()) {
    std::string_view text = s->get();  // " 8G" and "+8G" read as 8G, as strtod reads them
    text.remove_prefix(std::min(text.size(), text.find_first_not_of(" \t")));
    if (text.starts_with('+')) text.remove_prefix(1);
    double x = 0;
    const auto [used, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    const std::string_view unit(used, static_cast<size_t>(text.data() + text.size() - used));
    const size_t u = ec == std::errc() && unit.size() == 1
                         ? std::string_view("KMGT").find(static_cast<char>(
                               std::toupper(static_cast<unsigned char>(unit[0]))))
                         : std::string::npos;
    if (u == std::string::npos || !std::isfinite(x)) return 0;
    bytes = x * std::pow(1024.0, static_cast<double>(u + 1));
  }
  if (!(bytes >= 64 * kMiB && bytes <= 0x1p62)) return 0;
  return static_cast<uint64_t>(bytes);
}

// [sweep] isolate, memory_limit, max_retries and fail_fast; false when `key` is none of them.
bool parse_trial_policy_key(TrialPolicy& p, const std::string& key, const toml::node& v,
                            Status* st, const std::function<Error(const std::string&)>& fail) {
  if (key == "isolate") {
    const auto* b = v.as_boolean();
    if (!b) *st = fail("expected true or false, got " + text_of(v));
    else p.isolate = b->get();
    return true;
  }
  if (key == "max_retries" || key == "fail_fast") {
    const bool retries = key == "max_retries";
    const auto* i = v.as_integer();
    if (!i || i->get() < 0 || i->get() > (retries ? kMaxRetries : INT_MAX))
      *st = fail((retries ? "expected a whole number from 0 to " + std::to_string(kMaxRetries)
                          : std::string("expected a whole number of trials, 0 or more (0: never "
                                        "stop for failures)")) + ", got " + text_of(v));
    else (retries ? p.max_retries : p.fail_fast) = static_cast<int>(i->get());
    return true;
  }
  if (key == "memory_limit") {
    p.memory_limit = parse_memory(v);
    if (p.memory_limit == 0)
      *st = fail("expected a size such as \"8G\" or \"512M\" (K, M, G, T: powers of 1024) "
                 "or a whole number of MiB without quotes (memory_limit = 512), at least 64 MiB; "
                 "got " + text_of(v));
    return true;
  }
  return false;
}

// The table a key of another table belongs in ("objective", "train", "pruner"), or null: for a
// key put in [sweep] by mistake (gpus_per_worker, epochs, reduction).
const char* table_of_key(std::string_view key) {
  for (const char* k : {"command", "timeout", "mode", "gpus_per_worker", "gpus_per_node"})
    if (key == k) return "objective";
  if (config_internal::find_spec(key)) return "train";
  for (const char* k : {"percentile", "startup_trials", "warmup_epochs", "interval", "min_trials",
                        "min_epochs", "reduction", "max_epochs", "bracket_trials"})
    if (key == k) return "pruner";
  return nullptr;
}

Status parse_sweep_table(SweepConfig& sweep, const toml::table& t, const std::string& file) {
  bool direction_given = false;
  int memory_line = 0;  // where memory_limit was given
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    const int line = line_of(v);
    auto fail = [&](const std::string& msg) { return Error{file, line, key, msg}; };
    if (key == "strategy") {
      const auto* s = v.as_string();
      if (!s || !parse_strategy(s->get(), &sweep.strategy.kind))
        return fail("expected grid, random, bayes, tpe or list, got " + text_of(v));
      sweep.strategy_line = line;
    } else if (key == "trials" || key == "seed" || key == "n_init") {
      const auto* i = v.as_integer();
      if (!i) return fail("expected a whole number, got " + text_of(v));
      const int64_t x = i->get();
      if (key == "trials") {
        if (x < 1 || x > kMaxTrials)
          return fail("must be 1 to " + std::to_string(kMaxTrials) + ", got " + std::to_string(x));
        sweep.strategy.trials = x;
        sweep.trials_line = line;
      } else if (key == "seed") {
        if (x < 0) return fail("must be >= 0, got " + std::to_string(x));
        sweep.strategy.seed = static_cast<uint64_t>(x);
      } else {
        if (x < 0 || x > 100000) return fail("must be 0 to 100000, got " + std::to_string(x));
        sweep.strategy.n_init = static_cast<int>(x);
        sweep.n_init_line = line;
      }
    } else if (key == "metric") {
      const auto* s = v.as_string();
      const std::string m = s ? s->get() : "";
      if (!uses_trainer(sweep)) {  // the command reports whatever metrics it likes
        if (!is_printed_name(m))
          return fail("expected the name of a metric the command prints (ASCII: a letter or _, "
                      "then letters, digits or _ . / -), got " + text_of(v));
      } else if (!is_epoch_metric(m)) {
        return fail("expected val_acc, val_loss, train_acc or train_loss, got " + text_of(v));
      }
      sweep.metric = m;
    } else if (key == "direction") {
      const auto* s = v.as_string();
      const std::optional<Direction> d = s ? parse_direction(s->get()) : std::nullopt;
      if (!d) return fail("expected max or min, got " + text_of(v));
      sweep.strategy.direction = *d;
      direction_given = true;
    } else if (key == "pruner") {
      const auto* s = v.as_string();
      if (!s || !parse_pruner(s->get(), &sweep.pruner.kind))
        return fail("expected none, median, percentile, asha, hyperband or sha, got " + text_of(v));
      sweep.pruner_line = line;
    } else if (Status st; parse_trial_policy_key(sweep.trial_policy, key, v, &st, fail)) {
      if (!st) return st;
      if (key == "memory_limit" && !uses_trainer(sweep))
        return fail("applies to the built-in trainer's trials; an [objective] command sets its "
                    "own limits (for example `ulimit -v` at the start of its command)");
      if (key == "memory_limit") memory_line = line;
    } else {
      if (const char* home = table_of_key(key))
        return fail(std::string("belongs in [") + home + "], not [sweep]");
      return fail("unknown key in [sweep]" +
                  config_internal::suggestion(key, {"strategy", "trials", "seed", "metric",
                                                    "direction", "n_init", "isolate",
                                                    "memory_limit", "max_retries", "fail_fast",
                                                    "pruner"}, false) +
                  "; [sweep] takes strategy, trials, seed, metric, direction, n_init, isolate, "
                  "memory_limit, max_retries, fail_fast, pruner");
    }
  }
  // The cap is set on each trial's own process; with isolate = false there is none, and capping
  // the worker's would take the whole rank down with one trial.
  if (memory_line > 0 && !sweep.trial_policy.isolate)
    return Error{file, memory_line, "memory_limit",
                 "caps each trial's own process, and isolate = false runs the trials in the "
                 "worker's: set isolate = true (the default) or leave memory_limit out"};
  if (!direction_given)
    sweep.strategy.direction = default_direction(sweep.metric);
  return {};
}

}  // namespace

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

Result<SweepConfig> load_sweep_text(std::string_view text, const std::string& name,
                                    const std::string& dir) {
  SweepConfig sweep;
  sweep.file = name;
  sweep.dir = dir;
  if (Status st = sweep.train.load_text(text, name, dir); !st) return st.error();
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {  // load_text has reported syntax errors already
    return Error{name, static_cast<int>(e.source().begin.line), "", std::string(e.description())};
  }
  // [objective] first: whether there is a command decides what [sweep] and [space] may hold.
  if (const auto* t = root["objective"].as_table()) {
    if (Status st = parse_objective_table(sweep, *t, name); !st) return st.error();
  }
  // [train] sets the built-in trainer, which a command replaces: its keys would reach no trial
  // (as --set's would not, which is refused too).
  if (const auto* t = root["train"].as_table(); t && !uses_trainer(sweep)) {
    for (const auto& [key, node] : *t)
      return Error{name, line_of(node), std::string(key.str()),
                   "[train] sets the built-in trainer's options, and an [objective] command "
                   "replaces that trainer: no trial would use them. Remove the [train] table "
                   "(your command takes its settings as [space] parameters or its own arguments)"};
  }
  if (const auto* t = root["sweep"].as_table()) {
    if (Status st = parse_sweep_table(sweep, *t, name); !st) return st.error();
  }
  const auto* space = root["space"].as_table();
  if (!space || space->empty())
    return Error{name, 0, "space", "a sweep needs a [space] table with at least one parameter"};
  // Document order, so the first fault reported is the first in the file.
  std::vector<std::pair<std::string, const toml::node*>> entries;
  for (const auto& [k, v] : *space) entries.emplace_back(std::string(k.str()), &v);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return line_of(*a.second) < line_of(*b.second);
  });
  for (const auto& [key, node] : entries) {
    Result<Param> p = parse_param(key, *node, name);
    if (!p) return p.error();
    if (!uses_trainer(sweep) && !is_identifier(key))
      return Error{name, p->line, key,
                   "a parameter of a command objective is named by an identifier "
                   "([A-Za-z_][A-Za-z0-9_]*)"};
    if (Status st = validate(*p, sweep.strategy.kind == StrategyKind::kList); !st) return st.error();
    if (uses_trainer(sweep)) {
      if (Status st = check_values(sweep, *p); !st) return st.error();
    }
    sweep.space.params.push_back(std::move(*p));
  }
  if (Status st = validate(sweep.space, sweep.strategy.kind == StrategyKind::kList); !st)
    return st.error();
  if (!uses_trainer(sweep)) {
    if (Status st = check_placeholders(sweep); !st) return st.error();
  }
  if (Status st = parse_pruner_table(sweep, root, name); !st) return st.error();
  if (Status st = fit_strategy(sweep); !st) return st.error();
  return sweep;
}

Result<SweepConfig> load_sweep(const std::string& path) {
  const std::optional<std::string> text = read_file(path);
  if (!text) return Error{path, 0, "", "cannot open the sweep file"};
  return load_sweep_text(*text, path, config_folder(path));
}

bool uses_trainer(const SweepConfig& sweep) { return sweep.objective.command.empty(); }

std::string sweep_text(const SweepSpec& spec) {
  std::string s = "# " + spec.comment + "\n" + to_toml(spec.train) + "\n[sweep]\nstrategy = \"" +
                  strategy_name(spec.strategy.kind) + "\"\ntrials = " +
                  std::to_string(spec.strategy.trials) + "\nseed = " +
                  std::to_string(spec.strategy.seed) + "\nmetric = \"" + spec.metric +
                  "\"\n\n[space]\n";
  for (const auto& [name, values] : spec.choices) {
    s += name + " = [";
    for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + shortest_float(values[i]);
    s += "]\n";
  }
  return s;
}

namespace {
// The [space] parameter that sets `key` (itself; width or depth for hidden), or null.
const Param* setting_in_space(const SweepConfig& sweep, std::string_view key) {
  for (const std::string& k : keys_setting(key))
    for (const Param& p : sweep.space.params)
      if (p.name == k) return &p;
  return nullptr;
}
// The [space] parameter that brings `key`'s default into play (arch for a conv layer's), or null.
const Param* bringing_in_space(const SweepConfig& sweep, std::string_view key) {
  const std::string_view by = brought_in_by(key);
  for (const Param& p : sweep.space.params)
    if (!by.empty() && p.name == by) return &p;
  return nullptr;
}
}  // namespace

Error locate(const SweepConfig& sweep, Error e) {
  if (!e.file.empty() || e.key.empty()) return e;
  if (const Param* p = setting_in_space(sweep, e.key)) return Error{p->file, p->line, p->name, e.message};
  if (const Param* p = bringing_in_space(sweep, e.key);
      p && sweep.train.where(e.key).file == "<default>")
    return at_bringer(p->file, p->line, e);
  return sweep.train.locate(std::move(e));
}

bool space_sets(const SweepConfig& sweep, std::string_view key) {
  return !key.empty() && (setting_in_space(sweep, key) || bringing_in_space(sweep, key));
}

Result<TrainOptions> trial_options(const SweepConfig& sweep, const Trial& trial) {
  TrainConfig config = sweep.train;
  for (size_t i = 0; i < sweep.space.params.size(); ++i) {
    const Param& p = sweep.space.params[i];
    Status st = config.set_value(p.name, to_config(trial.values[i]),
                                 ConfigWhere{p.file, p.line, sweep.dir});
    if (!st) return st.error();
  }
  return config.finish();
}

}  // namespace hs
