// sweep_options.cpp: --set and --trials on a sweep (sweep_options.h).
#include "hypersweep/sweep_options.h"

#include <algorithm>

namespace hs::cli {

namespace {

// The key of a "key=value" assignment, spaces aside.
std::string key_of(const std::string& assignment) {
  std::string k = assignment.substr(0, assignment.find('='));
  k.erase(std::remove_if(k.begin(), k.end(), [](char c) { return c == ' ' || c == '\t'; }),
          k.end());
  return k;
}

// Whether setting `key` sets what parameter `name` sets (hidden and its width and depth alike).
bool sets_same(const std::string& key, const std::string& name) {
  if (key == name) return true;
  const auto a = keys_setting(key), b = keys_setting(name);
  return std::find(a.begin(), a.end(), name) != a.end() ||
         std::find(b.begin(), b.end(), key) != b.end();
}

}  // namespace

void add_set_option(CLI::App* sub, std::vector<std::string>* sets, const std::string& what) {
  sub->add_option("--set,-s", *sets,
                  "Override one [train] key: --set key=value, the value in TOML syntax, a bare "
                  "word as a string (repeatable; later ones win)" + what);
}

Status apply_sets(TrainConfig& cfg, const std::vector<std::string>& sets) {
  for (const std::string& s : sets)
    if (Status st = cfg.set(s); !st) return st;
  return {};
}

Result<SweepConfig> load_sweep_with(const std::string& config, const SweepOverrides& over) {
  auto sweep = load_sweep_or_default(config);
  if (!sweep) return sweep.error();
  SweepConfig& s = *sweep;
  for (const std::string& set : over.sets) {
    const std::string key = key_of(set);
    if (!uses_trainer(s))
      return Error{"--set", 0, key,
                   "--set changes the built-in trainer's [train] keys, and this sweep runs the "
                   "[objective] command of " + s.objective.file + ":" +
                   std::to_string(s.objective.line) + ", which it cannot reach; put the value in "
                   "the command or in [space]"};
    for (const Param& p : s.space.params)
      if (sets_same(key, p.name))
        return Error{"--set", 0, key,
                     "is searched in [space] (" + p.file + ":" + std::to_string(p.line) + ": " +
                         p.name + "): each trial sets its own value, so --set cannot fix it; "
                         "change [space] instead"};
  }
  if (Status st = apply_sets(s.train, over.sets); !st) return st.error();
  if (over.trials > 0) {
    s.strategy.trials = over.trials;
    s.trials_line = -1;  // what is said of trials now names --trials, not the file's line
    if (auto made = make_strategy(s.strategy, s.space, nullptr); !made) {
      Error e = made.error();
      if (e.file.empty()) e.file = "--trials";
      return e;
    }
  }
  return sweep;
}

}  // namespace hs::cli
