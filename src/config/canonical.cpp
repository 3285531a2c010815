// canonical.cpp: a config text's canonical form (canonical.h).
#include "config/canonical.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text.h"
#include "search/tpe.h"

namespace hs {

namespace {

// A value as TOML writes it, whatever spelling it was given in: numbers in their shortest form
// (1e-3 and 0.001 alike), strings quoted by toml++, arrays in order, tables with sorted keys
// (toml::table iterates in key order). `whole_as_int`: a real that is a whole number written as
// the integer (outside [space] a key that takes a real reads 2 and 2.0 alike, and one that takes
// an integer refuses 2.0; in [space] a choice of 1 and one of 1.0 are other values).
std::string value_text(const toml::node& n, bool whole_as_int = false) {
  if (const auto* v = n.as_integer()) return shortest(v->get());
  if (const auto* v = n.as_floating_point()) {
    const double x = v->get();
    if (whole_as_int && x == std::floor(x) && std::abs(x) < 9007199254740992.0)
      return shortest(static_cast<int64_t>(x));
    return shortest_float(x);
  }
  if (const auto* v = n.as_boolean()) return v->get() ? "true" : "false";
  if (const auto* a = n.as_array()) {
    std::string s = "[";
    for (size_t i = 0; i < a->size(); ++i)
      s += (i ? ", " : "") + value_text(*a->get(i), whole_as_int);
    return s + "]";
  }
  if (const auto* t = n.as_table()) {
    // [space]'s x = { choice = [...] } is x = [...] (README, "Sweep files").
    if (t->size() == 1 && t->contains("choice")) return value_text(*t->get("choice"), whole_as_int);
    std::string s = "{";
    bool first = true;
    for (const auto& [k, v] : *t) {
      // A range's bounds are numbers whatever their spelling: [0, 1] is [0.0, 1.0].
      const bool bounds = k == "uniform" || k == "log_uniform" || k == "int";
      s += std::string(first ? " " : ", ") + std::string(k.str()) + " = " +
           value_text(v, whole_as_int || bounds);
      first = false;
    }
    return s + (first ? "}" : " }");
  }
  std::ostringstream os;  // strings, dates and times: as toml++ writes them
  n.visit([&](const auto& x) { os << x; });
  return os.str();
}

// A [space] value: as value_text, less what changes no trial: `log = false` (the default), and
// `grid = N` under a strategy other than grid (which ignores it, and plan says so).
std::string space_value_text(const toml::node& v, bool grid_used) {
  const auto* t = v.as_table();
  if (!t) return value_text(v);
  toml::table kept = *t;
  if (const auto* log = kept.get("log"); log && log->value<bool>() == false) kept.erase("log");
  if (!grid_used) kept.erase("grid");
  return value_text(kept);
}

// How trials run, not which trials a sweep has nor what they give: changed to get a sweep going
// again (a memory cap for trials the OOM killer took, retries, a process per trial or not, when to
// stop for failures, a longer time limit for trials that timed out, the threads or GPUs a trial
// gets; the built-in trainer's curves are bit-identical whatever its thread count).
bool run_policy(const std::string& table, std::string_view key) {
  if (table == "sweep")
    return key == "trials" || key == "max_retries" || key == "memory_limit" || key == "isolate" ||
           key == "fail_fast";
  if (table == "objective")
    return key == "timeout" || key == "gpus_per_worker" || key == "gpus_per_node";
  if (table == "train")  // and the names keys.cpp reads as these
    return key == "threads" || key == "num_threads" || key == "max_seconds" ||
           key == "time_limit" || key == "timeout";
  return false;
}

// A [sweep] key given its default value: the same sweep as one that leaves it out (seed = 0,
// metric = "val_acc", ...), and the direction, always. `alone`: the config is this one file, so
// its metric is the sweep's.
bool default_sweep_value(const toml::table& sweep, std::string_view key, const toml::node& v,
                         bool alone) {
  const auto text = v.value<std::string>();
  const auto number = v.value<int64_t>();
  if (key == "seed") return v.is_integer() && number == 0;
  // n_init = 0 is the strategy's own start design; tpe's is a fixed size (bayes's depends on
  // the space: only 0 is its default here).
  if (key == "n_init")
    return v.is_integer() && (number == 0 || (sweep["strategy"].value<std::string>() == "tpe" &&
                                              number == TpeOptions{}.n_startup));
  if (key == "strategy") return text == "random";
  if (key == "pruner") return text == "none";
  if (key == "metric") return alone && text == "val_acc";
  // The direction is no part of the form: the header holds the sweep's own (header.h:
  // header_difference compares it), so a file whose metric's default direction has changed
  // since is continued by a config that names its direction, and refused by one that does not.
  if (key == "direction") return true;
  return false;
}

// One file's text: a line per value of each table, "[table] key = value", sorted; [train]
// left out beside [objective], the run policy's keys, and [sweep] keys at their defaults.
std::vector<std::string> file_lines(const std::string& text, bool alone) {
  std::vector<std::string> lines;
  try {
    const toml::table root = toml::parse(text);
    // A command's sweep never used [train] (now refused beside [objective]; a file written
    // before that still holds its table): one without it is the same sweep.
    const bool command = root.contains("objective");
    const bool grid = root["sweep"]["strategy"].value<std::string>() == "grid";
    for (const auto& [k, v] : root) {
      const std::string table(k.str());
      if (command && table == "train") continue;
      if (const auto* t = v.as_table(); t && !t->is_inline()) {
        for (const auto& [key, value] : *t) {
          if (run_policy(table, key.str())) continue;  // trials: a sweep grows
          if (table == "sweep" && default_sweep_value(*t, key.str(), value, alone)) continue;
          // [objective] mode's default: the same sweep as one that leaves it out.
          if (table == "objective" && key.str() == "mode" && value.value<std::string>() == "trial")
            continue;
          lines.push_back("[" + table + "] " + std::string(key.str()) + " = " +
                          (table == "space" ? space_value_text(value, grid)
                                            : value_text(value, true)));
        }
      } else {
        lines.push_back(table + " = " + value_text(v));
      }
    }
  } catch (const toml::parse_error&) {  // not TOML: its lines, comments aside
    lines.clear();
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
      if (!l.starts_with("#") && !l.empty()) lines.push_back(l);
    return lines;
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

// A --set as "--set key = value": the value as TOML reads it, else (a bare word, a path) the
// text as a string; "" for a key of the run policy (--set threads=2 is no other sweep, as
// threads = 2 in the file is not).
std::string set_text(std::string_view assignment) {
  const size_t eq = assignment.find('=');
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
  };
  if (eq == std::string_view::npos) return "--set " + trim(assignment);
  const std::string key = trim(assignment.substr(0, eq));
  if (run_policy("train", key)) return "";
  const std::string raw = trim(assignment.substr(eq + 1));
  std::string value;
  try {
    const toml::table t = toml::parse("v = " + raw);
    value = value_text(*t.get("v"));
  } catch (const toml::parse_error&) {
    value = value_text(toml::value<std::string>(raw));
  }
  return "--set " + key + " = " + value;
}

}  // namespace

std::string canonical_config(const std::string& config_text) {
  // The files (each after its "# file:" line) and the --set lines, in order.
  std::vector<std::string> files, sets;
  std::istringstream in(config_text);
  bool in_file = false;
  for (std::string l; std::getline(in, l);) {
    if (l.starts_with("# file: ")) {
      files.emplace_back();
      in_file = true;
    } else if (l.starts_with("# --set ")) {
      if (std::string set = set_text(std::string_view(l).substr(8)); !set.empty())
        sets.push_back(std::move(set));
    } else {
      if (!in_file) {  // text before any "# file:" line: a file of its own
        files.emplace_back();
        in_file = true;
      }
      files.back() += l + "\n";
    }
  }
  std::string out;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string prefix = files.size() > 1 ? "file " + std::to_string(i + 1) + ": " : "";
    for (const std::string& l : file_lines(files[i], files.size() == 1))
      out += prefix + l + "\n";
  }
  // A key given by several --set flags took the last one's value: the earlier ones are left out.
  const auto key_of = [](const std::string& set) { return set.substr(0, set.find(" = ")); };
  for (auto it = sets.begin(); it != sets.end(); ++it) {
    const auto same_key = [&](const std::string& later) { return key_of(later) == key_of(*it); };
    if (std::none_of(it + 1, sets.end(), same_key)) out += *it + "\n";
  }
  return out;
}

}  // namespace hs
