#include "config/space_hint.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <utility>

#include "config/toml_text.h"
#include "core/text.h"
#include "search/space_text.h"

namespace hs {

namespace {

constexpr const char* kKinds =
    " (a parameter is one of uniform, log_uniform, int, choice; with log, grid)";

// The first of `keys` that `t` has, or null.
const toml::node* first_of(const toml::table& t, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (const toml::node* n = t.get(k)) return n;
  return nullptr;
}

// Another tool's kind, lower case without '_' or '-': ours ("uniform", "log_uniform", "int",
// "choice"), or "" for one we cannot map (a normal distribution, say).
std::string our_kind(std::string kind, bool log) {
  std::erase_if(kind, [](char c) { return c == '_' || c == '-'; });
  for (char& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto has = [&](const char* part) { return kind.find(part) != std::string::npos; };
  // normal, lognormal, qnormal: a mean and a spread, no range of ours (lognormal's "log" is no
  // log_uniform)
  if (has("normal")) return "";
  if (has("categor") || has("choice")) return "choice";
  if (has("int")) return "int";
  if (has("log")) return "log_uniform";
  if (has("uniform") || has("float") || has("real") || has("continuous") || has("double"))
    return log ? "log_uniform" : "uniform";
  return "";
}

// A list of choices as a sweep file writes it: ["sgd", "adam"], [16, 32]; "" if an element is not
// a value.
std::string choices_text(const toml::array& list) {
  std::string out = "[";
  for (const toml::node& e : list) {
    const std::optional<ParamValue> v = param_value_of(e);
    if (!v) return "";
    out += (out.size() > 1 ? ", " : "") + param_to_string(*v);
  }
  return out + "]";
}

// `t`'s two bounds: an [a, b] under one of `lists`, else its low/high keys; nullopt when absent.
std::optional<std::pair<double, double>> bounds_of(const toml::table& t,
                                                   std::initializer_list<const char*> lists) {
  if (const toml::node* l = first_of(t, lists); l && l->as_array() && l->as_array()->size() == 2) {
    const auto a = toml_number(*l->as_array()->get(0)), b = toml_number(*l->as_array()->get(1));
    if (a && b) return std::pair{*a, *b};
    return std::nullopt;
  }
  const toml::node* low = first_of(t, {"low", "lower", "min"});
  const toml::node* high = first_of(t, {"high", "upper", "max"});
  const auto a = low ? toml_number(*low) : std::nullopt;
  const auto b = high ? toml_number(*high) : std::nullopt;
  if (a && b) return std::pair{*a, *b};
  return std::nullopt;
}

}  // namespace

std::string no_step_hint(const std::string& name, const toml::table& t) {
  const toml::node* q = first_of(t, {"step", "q"});
  if (q == nullptr) return "";
  std::string out = std::string("hypersweep's ranges have no step (") +
                    (t.get("step") ? "step" : "q") + " = " + text_of(*q) + ")";
  const std::optional<double> step = toml_number(*q);
  const auto b = bounds_of(t, {"int", "uniform", "log_uniform", "values", "_value"});
  const auto whole = [](double x) { return x == std::floor(x); };
  if (step && *step == 1 && b && whole(b->first) && whole(b->second))
    return out + ": an int range takes every integer between its bounds, so leave it out";
  if (step && b && *step > 0 && b->second >= b->first && (b->second - b->first) / *step < 32) {
    std::string list;
    for (int k = 0; b->first + k * *step <= b->second + 1e-9 * *step; ++k) {
      char v[32];  // 12 digits: 0.1 * 3 as 0.3, not 0.30000000000000004
      std::snprintf(v, sizeof v, "%.12g", b->first + k * *step);
      list += (list.empty() ? "" : ", ") + std::string(v);
    }
    out += ": its values as choices are " + name + " = [" + list + "] (tpe and bayes read " +
           "choices as unordered), or";
  } else {
    out += ":";
  }
  std::string k = "[lo, hi]";  // the multiplier's range, where the bounds are whole steps
  if (step && b && *step > 0 && whole(b->first / *step) && whole(b->second / *step))
    k = std::string("[").append(shortest(b->first / *step)).append(", ").append(
            shortest(b->second / *step)).append("]");  // (append: GCC 12's -Wrestrict)
  return out + " sweep a whole multiplier (k = { int = " + k + " }) and use " +
         (step ? shortest(*step) : std::string("step")) + " * k in your script";
}

std::optional<ParamValue> param_value_of(const toml::node& n) {
  if (const auto* b = n.as_boolean()) return ParamValue{b->get()};
  if (const auto* i = n.as_integer()) return ParamValue{i->get()};
  if (const auto* d = n.as_floating_point()) return ParamValue{d->get()};
  if (const auto* s = n.as_string()) return ParamValue{s->get()};
  return std::nullopt;
}

std::string foreign_space_hint(const std::string& name, const toml::table& t) {
  const toml::node* type = first_of(t, {"type", "_type"});
  if (type == nullptr) return "";
  const std::string field = t.get("type") ? "type" : "_type";
  const toml::node* log_node = t.get("log");
  const bool log = log_node && log_node->as_boolean() && log_node->as_boolean()->get();
  const std::string written = type->as_string() ? type->as_string()->get() : text_of(*type);
  const std::string kind = our_kind(written, log);
  const std::string head = "unknown field " + field + ": ";
  if (kind.empty())
    return head + "\"" + written + "\" is none of hypersweep's kinds: write a range as " + name +
           " = { uniform = [lo, hi] }" + kKinds;
  const toml::node* list = first_of(t, {"choices", "values", "_value"});
  if (kind == "choice") {
    std::string choices = list && list->as_array() ? choices_text(*list->as_array()) : "";
    return head + "write the choices as " + name + " = " +
           (choices.empty() ? std::string("[a, b, ...]") : choices) + kKinds;
  }
  auto b = bounds_of(t, {"choices", "values", "_value"});
  // NNI's and Ray Tune's randint and lograndint (and hyperopt's) leave out their upper bound;
  // hypersweep's int takes both.
  std::string lower = written;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool exclusive = lower == "randint" || lower == "lograndint";
  if (exclusive && b && b->second == std::floor(b->second)) b->second -= 1;
  std::string range = "[lo, hi]";
  if (b)
    range = std::string("[").append(shortest(b->first)).append(", ").append(shortest(b->second))
                .append("]");
  const bool log_int = kind == "int" && (log || written.find("log") != std::string::npos);
  const std::string step = no_step_hint(name, t);
  return head + "write a range as " + name + " = { " + kind + " = " + range +
         (log_int ? ", log = true" : "") + " }" + kKinds +
         (exclusive ? "; " + written + " leaves out its upper bound, an int range takes both"
                    : std::string()) +
         (step.empty() ? "" : "; " + step);
}

}  // namespace hs
