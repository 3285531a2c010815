#include "config/pruner_table.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "config/keys.h"
#include "config/toml_text.h"

namespace hs {

namespace {

struct KeyRule {
  const char* key;
  const char* applies;  // the pruners it belongs to, for messages
  bool (*of)(PrunerKind);
};

bool is_percentile_kind(PrunerKind k) {
  return k == PrunerKind::kMedian || k == PrunerKind::kPercentile;
}
bool is_percentile_only(PrunerKind k) { return k == PrunerKind::kPercentile; }
bool is_sha(PrunerKind k) { return k == PrunerKind::kSha; }

constexpr KeyRule kKeys[] = {
    {"startup_trials", "median and percentile", is_percentile_kind},
    {"warmup_epochs", "median and percentile", is_percentile_kind},
    {"interval", "median and percentile", is_percentile_kind},
    {"min_trials", "median and percentile", is_percentile_kind},
    {"percentile", "percentile", is_percentile_only},
    {"min_epochs", "asha, hyperband and sha", is_bracketed},
    {"reduction", "asha, hyperband and sha", is_bracketed},
    {"max_epochs", "asha, hyperband and sha", is_bracketed},
    {"bracket_trials", "sha", is_sha},
};

// The keys `kind` takes, for messages: "min_epochs, reduction, max_epochs".
std::string keys_of(PrunerKind kind) {
  std::string out;
  for (const KeyRule& k : kKeys)
    if (k.of(kind)) out += (out.empty() ? "" : ", ") + std::string(k.key);
  return out;
}

// One key's value into `o`; an error message, or "".
std::string set_key(PrunerOptions& o, const std::string& key, const toml::node& v) {
  if (key == "percentile") {
    const std::optional<double> x = v.is_number() ? std::optional<double>(v.value<double>().value())
                                                   : std::nullopt;
    if (!x || !(*x > 0 && *x < 100))
      return "expected a number above 0 and below 100, got " + text_of(v);
    o.percentile = *x;
    return "";
  }
  const auto* i = v.as_integer();
  struct Range {
    const char* key;
    int64_t lo, hi;
  };
  constexpr Range kRanges[] = {{"startup_trials", 0, 1000000}, {"warmup_epochs", 0, 100000},
                               {"interval", 1, 100000},        {"min_trials", 1, 1000000},
                               {"min_epochs", 1, 100000},      {"reduction", 2, 100},
                               {"max_epochs", 1, 100000},      {"bracket_trials", 1, 1000000}};
  for (const Range& r : kRanges) {
    if (key != r.key) continue;
    if (!i || i->get() < r.lo || i->get() > r.hi)
      return "expected a whole number from " + std::to_string(r.lo) + " to " +
             std::to_string(r.hi) + ", got " + text_of(v);
    const int64_t x = i->get();
    if (key == "startup_trials") o.startup_trials = static_cast<int>(x);
    if (key == "warmup_epochs") o.warmup_epochs = static_cast<int>(x);
    if (key == "interval") o.interval = static_cast<int>(x);
    if (key == "min_trials") o.min_trials = static_cast<int>(x);
    if (key == "min_epochs") o.min_epochs = static_cast<int>(x);
    if (key == "reduction") o.reduction = static_cast<int>(x);
    if (key == "max_epochs") o.max_epochs = static_cast<int>(x);
    if (key == "bracket_trials") o.bracket_trials = x;
  }
  return "";
}

// max_epochs when not given: the most epochs [space] gives `epochs`, else the trials' [train]
// epochs (the built-in trainer). Errors at the [sweep] pruner line.
Status default_max_epochs(SweepConfig& sweep, const std::string& file, int pruner_line) {
  const auto fail = [&](const std::string& msg) {
    return Error{file, pruner_line, "pruner", msg};
  };
  if (const int most = space_epochs(sweep.space); most > 0) {
    sweep.pruner.max_epochs = most;
    return {};
  }
  if (!uses_trainer(sweep))
    return fail(std::string(pruner_name(sweep.pruner.kind)) +
                " needs [pruner] max_epochs with an [objective] command: the epochs your "
                "command trains a trial for (its last rung), unless [space] gives epochs");
  for (const Param& p : sweep.space.params)
    if (p.name == "epochs")
      return fail("[space] searches epochs: set [pruner] max_epochs, the last rung");
  Result<TrainOptions> base = sweep.train.finish();
  if (!base) return base.error();
  sweep.pruner.max_epochs = base->epochs;
  return {};
}

}  // namespace

int space_epochs(const SearchSpace& space) {
  for (const Param& p : space.params) {
    if (p.name != "epochs") continue;
    if (p.kind == ParamKind::kInt) return p.hi >= 1 && p.hi <= 100000 ? static_cast<int>(p.hi) : 0;
    if (p.kind != ParamKind::kChoice && p.kind != ParamKind::kFixed) return 0;
    int64_t most = 0;
    for (const ParamValue& v : p.choices) {
      const auto* i = std::get_if<int64_t>(&v);
      if (i == nullptr) return 0;
      most = std::max(most, *i);
    }
    return most >= 1 && most <= 100000 ? static_cast<int>(most) : 0;
  }
  return 0;
}

Status parse_pruner_table(SweepConfig& sweep, const toml::table& root, const std::string& file) {
  PrunerOptions& o = sweep.pruner;
  const toml::node* named = root["sweep"]["pruner"].node();
  const int pruner_line = named ? line_of(*named) : 0;
  const auto* t = root["pruner"].as_table();
  int max_line = 0, min_line = 0;
  if (t && t->empty() && o.kind == PrunerKind::kNone)  // an empty one: as one with keys
    return Error{file, line_of(*t), "pruner",
                 "a [pruner] table needs [sweep] pruner = \"median\", \"percentile\", "
                 "\"asha\", \"hyperband\" or \"sha\""};
  if (t) {
    for (const auto& [k, v] : *t) {
      const std::string key(k.str());
      const auto fail = [&](const std::string& msg) { return Error{file, line_of(v), key, msg}; };
      if (o.kind == PrunerKind::kNone)
        return fail("a [pruner] table needs [sweep] pruner = \"median\", \"percentile\", "
                    "\"asha\", \"hyperband\" or \"sha\"");
      const auto rule = std::find_if(std::begin(kKeys), std::end(kKeys),
                                     [&](const KeyRule& r) { return key == r.key; });
      if (rule == std::end(kKeys)) {
        std::vector<std::string_view> names;
        for (const KeyRule& r : kKeys)
          if (r.of(o.kind)) names.push_back(r.key);  // this pruner's keys alone
        return fail("unknown key in [pruner]" + config_internal::suggestion(key, names, false) +
                    "; " + std::string(pruner_name(o.kind)) + " takes " + keys_of(o.kind));
      }
      if (!rule->of(o.kind))
        return fail(key + " applies to " + rule->applies + ", not " + pruner_name(o.kind) + " (" +
                    pruner_name(o.kind) + " takes " + keys_of(o.kind) + ")");
      if (const std::string msg = set_key(o, key, v); !msg.empty()) return fail(msg);
      if (key == "max_epochs") max_line = line_of(v);
      if (key == "min_epochs") min_line = line_of(v);
    }
  }
  if (!is_bracketed(o.kind)) return {};
  if (max_line == 0) {
    if (Status st = default_max_epochs(sweep, file, pruner_line); !st) return st;
  } else if (const int most = space_epochs(sweep.space); most > 0 && o.max_epochs > most) {
    return Error{file, max_line, "max_epochs",
                 std::to_string(o.max_epochs) + " is more than the " + std::to_string(most) +
                     " epochs a trial trains at most ([space] epochs): no trial would reach it"};
  } else if (uses_trainer(sweep)) {
    Result<TrainOptions> base = sweep.train.finish();
    const bool searched = std::any_of(sweep.space.params.begin(), sweep.space.params.end(),
                                      [](const Param& p) { return p.name == "epochs"; });
    if (base && !searched && o.max_epochs > base->epochs)
      return Error{file, max_line, "max_epochs",
                   std::to_string(o.max_epochs) + " is more than the " +
                       std::to_string(base->epochs) +
                       " epochs each trial trains ([train] epochs): no trial would reach it"};
  }
  const std::string msg = check_pruner(o);
  if (msg.empty()) return {};
  if (max_line) return Error{file, max_line, "max_epochs", msg};
  // max_epochs came from [train] or [space] epochs: the key the user wrote is min_epochs.
  const std::string from = msg + " (max_epochs not given in [pruner]: " +
                           (space_epochs(sweep.space) > 0 ? "[space]" : "[train]") + " epochs)";
  if (min_line) return Error{file, min_line, "min_epochs", from};
  return Error{file, pruner_line, "pruner", from};
}

}  // namespace hs
