#include "recipe/options.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "config/table.h"
#include "core/fpu.h"
#include "core/text.h"
#include "recipe/text.h"

namespace hs {

namespace {

// A default as the help shows it: 3 significant digits, lists in brackets.
std::string shown(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}
std::string shown(const std::vector<double>& v) {
  std::string s = "[";
  for (double x : v) s += (s.size() > 1 ? ", " : "") + shown(x);
  return s + "]";
}

// Each key, what it sets, and its default read from RecipeOptions{} (written once, in options.h).
struct RecipeKey {
  const char* key;
  const char* help;
  std::string (*default_of)(const RecipeOptions&);
};

const RecipeKey kRecipeKeys[] = {
    {"initial_batches", "step 1: random training batches whose mean loss is compared with ln C",
     [](const RecipeOptions& o) { return shown(o.initial.batches); }},
    {"initial_tolerance", "step 1: the loss passes within a factor 1 + this of ln C either way",
     [](const RecipeOptions& o) { return shown(o.initial.rel_tolerance); }},
    {"overfit_batches", "step 2: minibatches in the sample to overfit (the lecture's 5-10)",
     [](const RecipeOptions& o) { return shown(o.overfit.batches); }},
    {"overfit_max_epochs", "step 2: passes over the sample before giving up on an lr",
     [](const RecipeOptions& o) { return shown(o.overfit.max_epochs); }},
    {"overfit_lrs", "step 2: lrs tried in this order until one fits",
     [](const RecipeOptions& o) { return shown(o.overfit.lrs); }},
    {"lr_find_lrs", "step 3: lr candidates, each lr_find_iterations updates on a worker",
     [](const RecipeOptions& o) { return shown(o.lr_find.lrs); }},
    {"lr_find_iterations", "step 3: updates per lr",
     [](const RecipeOptions& o) { return shown(o.lr_find.iterations); }},
    {"lr_find_weight_decay", "step 3: the small weight decay it trains with",
     [](const RecipeOptions& o) { return shown(o.lr_find.weight_decay); }},
    {"coarse_lr_factors", "step 4: step 3's lr times each of these",
     [](const RecipeOptions& o) { return shown(o.coarse.lr_factors); }},
    {"coarse_weight_decays", "step 4: weight decays crossed with those lrs",
     [](const RecipeOptions& o) { return shown(o.coarse.weight_decays); }},
    {"coarse_epochs", "step 4: epochs per trial (the lecture's 1-5)",
     [](const RecipeOptions& o) { return shown(o.coarse.epochs); }},
    {"refine_top",
     "step 5: how many of step 4's best to refine (if the best lr is the grid's lowest, its "
     "refine curve sends the last place halfway up to the next lr or one grid step lower)",
     [](const RecipeOptions& o) { return shown(o.refine.top); }},
    {"refine_epochs", "step 5: epochs per trial, constant lr (the lecture's 10-20)",
     [](const RecipeOptions& o) { return shown(o.refine.epochs); }},
};

// Readers of one [recipe] value, each checking its range; errors name the file, line and key.
class ValueReader {
 public:
  ValueReader(const std::string& file, const TableEntry& e) : file_(file), e_(e) {}

  Error fail(const std::string& msg) const { return Error{file_, e_.value.line, e_.key, msg}; }

  Status integer(int lo, int hi, int* out) const {
    const TableValue& v = e_.value;
    if (v.kind != TableValue::Kind::kInt) return fail("expected a whole number, got " + v.text);
    if (v.integer < lo || v.integer > hi)
      return fail("must be " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                  std::to_string(v.integer));
    *out = static_cast<int>(v.integer);
    return {};
  }
  // A number > 0 (>= 0 when zero_ok).
  Status number(bool zero_ok, double* out) const {
    const TableValue& v = e_.value;
    if (!finite_number(v) || v.number < 0 || (v.number == 0 && !zero_ok))
      return fail(std::string("expected a number ") + (zero_ok ? ">= 0" : "> 0") + ", got " + v.text);
    *out = v.number;
    return {};
  }
  // A list of numbers, each > 0 (or >= 0 when zero_ok), at least one.
  Status list(bool zero_ok, std::vector<double>* out) const {
    const TableValue& v = e_.value;
    if (v.kind != TableValue::Kind::kArray || v.items.empty())
      return fail("expected a non-empty list of numbers, got " + v.text);
    out->clear();
    for (const TableValue& x : v.items) {
      if (!finite_number(x) || x.number < 0 || (x.number == 0 && !zero_ok))
        return fail(std::string("expected numbers ") + (zero_ok ? ">= 0" : "> 0") + ", got " + x.text);
      out->push_back(x.number);
    }
    return {};
  }
  // Values the trainer computes with in float32 (lrs, weight decays: core/fpu.h), checked here
  // and not first when the step that trains them starts.
  Status float32s(const std::vector<double>& xs) const {
    const TableValue& v = e_.value;
    for (size_t i = 0; i < xs.size(); ++i)
      if (std::string m = float32_problem(xs[i], v.items.empty() ? v.text : v.items[i].text);
          !m.empty())
        return fail(m);
    return {};
  }
  // A weight decay, or a list of them: numbers >= 0 the trainer can hold.
  Status decay(double* out) const {
    if (Status st = number(true, out); !st) return st;
    return float32s({*out});
  }
  Status decays(std::vector<double>* out) const {
    if (Status st = list(true, out); !st) return st;
    return float32s(*out);
  }
  // A list of lrs, one trial of `step` each, so none repeated: the step's sweep is a grid over
  // them, which refuses a repeat, and that only when the step starts.
  Status lrs(const char* step, std::vector<double>* out) const {
    if (Status st = list(false, out); !st) return st;
    if (Status st = float32s(*out); !st) return st;
    for (size_t i = 0; i < out->size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if ((*out)[j] == (*out)[i])
          return fail("lists lr " + e_.value.items[i].text + " twice: each lr is one trial of " +
                      step + ", so give each once");
    return {};
  }

 private:
  static bool finite_number(const TableValue& v) { return v.is_number() && std::isfinite(v.number); }
  const std::string& file_;
  const TableEntry& e_;
};

Status set_option(const ValueReader& r, const std::string& key, RecipeOptions* o) {
  if (key == "initial_batches") return r.integer(1, 1000, &o->initial.batches);
  if (key == "initial_tolerance") return r.number(false, &o->initial.rel_tolerance);
  if (key == "overfit_batches") return r.integer(1, 1000, &o->overfit.batches);
  if (key == "overfit_max_epochs") return r.integer(1, 100000, &o->overfit.max_epochs);
  if (key == "overfit_lrs") return r.lrs("step 2", &o->overfit.lrs);
  if (key == "lr_find_lrs") return r.lrs("step 3", &o->lr_find.lrs);
  if (key == "lr_find_iterations") return r.integer(1, 1000000, &o->lr_find.iterations);
  if (key == "lr_find_weight_decay") return r.decay(&o->lr_find.weight_decay);
  if (key == "coarse_lr_factors") return r.list(false, &o->coarse.lr_factors);
  if (key == "coarse_weight_decays") return r.decays(&o->coarse.weight_decays);
  if (key == "coarse_epochs") return r.integer(1, 1000, &o->coarse.epochs);
  if (key == "refine_top") return r.integer(1, 1000, &o->refine.top);
  if (key == "refine_epochs") return r.integer(1, 10000, &o->refine.epochs);
  std::string keys;
  for (const RecipeKey& rk : kRecipeKeys) keys += (keys.empty() ? "" : ", ") + std::string(rk.key);
  return r.fail("unknown key in [recipe] (" + keys + ")");
}

}  // namespace

std::string recipe_keys_help() {
  const RecipeOptions defaults;
  std::string s;
  for (const RecipeKey& k : kRecipeKeys) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %-21s %s; default %s\n", k.key, k.help,
                  k.default_of(defaults).c_str());
    s += buf;
  }
  return s;
}

Result<RecipeOptions> load_recipe_options(std::string_view text, const std::string& name) {
  auto entries = read_table(text, name, "recipe");
  if (!entries) return entries.error();
  RecipeOptions o;
  for (const TableEntry& e : *entries)
    if (Status st = set_option(ValueReader(name, e), e.key, &o); !st) return st.error();
  // Step 4 trains step 3's lr (one of lr_find_lrs) times each factor: each product too must be
  // an lr the trainer can hold. Said at the factors' line, else the lrs', else the table's.
  int line = 0;
  std::string key = "coarse_lr_factors";
  for (const char* k : {"lr_find_lrs", "coarse_lr_factors"})
    for (const TableEntry& e : *entries)
      if (e.key == k) line = e.value.line, key = k;
  for (const double lr : o.lr_find.lrs)
    for (const double f : o.coarse.lr_factors)
      if (std::string m = float32_problem(lr * f, shortest(lr) + " x " + shortest(f)); !m.empty())
        return Error{name, line, key, "step 4 trains step 3's lr times each of coarse_lr_factors, "
                                      "and " + m};
  return o;
}

Status refuse_objective(std::string_view text, const std::string& name) {
  auto table = read_table(text, name, "objective");
  if (!table) return table.error();
  if (table->empty()) return {};
  const TableEntry* at = &table->front();
  for (const TableEntry& e : *table)
    if (e.key == "command") at = &e;
  return Error{name, at->value.line, at->key,
               "hypersweep recipe trains the built-in model and needs a [train] table; it "
               "cannot run this [objective] command (nor use [sweep] and [space]). Sweep the "
               "command with `hypersweep run " + shell_word(name) + "`"};
}

std::string unused_sweep_tables(std::string_view text, const std::string& name) {
  std::vector<std::string> found;
  for (const char* table : {"sweep", "space", "pruner"})
    if (auto entries = read_table(text, name, table); entries && !entries->empty())
      found.push_back(std::string(1, '[').append(table).append(1, ']'));
  if (found.empty()) return "";
  return name + "'s " + recipe_text::listed(found) + (found.size() == 1 ? " is" : " are") +
         " not used: the recipe tunes [train]'s lr and weight_decay itself (steps 3-5), and its "
         "recommended config comments out the [space] entries of the keys it sets";
}

}  // namespace hs
