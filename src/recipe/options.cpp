#include "recipe/options.h"

#include <cmath>
#include <cstdio>

#include "config/table.h"

namespace hs {

namespace {

struct RecipeKey {
  const char* key;
  const char* help;
};

const RecipeKey kRecipeKeys[] = {
    {"initial_batches",
     "step 1: random training batches whose mean loss is compared with ln C (5)"},
    {"initial_tolerance",
     "step 1: the loss passes within a factor 1 + this of ln C either way (1)"},
    {"overfit_batches", "step 2: minibatches in the sample to overfit (8; the lecture's 5-10)"},
    {"overfit_max_epochs", "step 2: passes over the sample before giving up on an lr (200)"},
    {"overfit_lrs", "step 2: lrs tried in this order until one fits ([0.1, 0.01, 0.001, 0.0001])"},
    {"lr_find_lrs",
     "step 3: lr candidates, each ~100 updates on a worker ([0.1, 0.01, 0.001, 0.0001])"},
    {"lr_find_iterations", "step 3: updates per lr (100)"},
    {"lr_find_weight_decay", "step 3: the small weight decay it trains with (1e-4)"},
    {"coarse_lr_factors", "step 4: step 3's lr times each of these ([0.333, 1, 3])"},
    {"coarse_weight_decays", "step 4: weight decays crossed with those lrs ([1e-4, 1e-5, 0])"},
    {"coarse_epochs", "step 4: epochs per trial (2; the lecture's 1-5)"},
    {"refine_top", "step 5: how many of step 4's best trials to refine (2)"},
    {"refine_epochs", "step 5: epochs per trial, constant lr (10; the lecture's 10-20)"},
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
  if (key == "overfit_lrs") return r.list(false, &o->overfit.lrs);
  if (key == "lr_find_lrs") return r.list(false, &o->lr_find.lrs);
  if (key == "lr_find_iterations") return r.integer(1, 1000000, &o->lr_find.iterations);
  if (key == "lr_find_weight_decay") return r.number(true, &o->lr_find.weight_decay);
  if (key == "coarse_lr_factors") return r.list(false, &o->coarse.lr_factors);
  if (key == "coarse_weight_decays") return r.list(true, &o->coarse.weight_decays);
  if (key == "coarse_epochs") return r.integer(1, 1000, &o->coarse.epochs);
  if (key == "refine_top") return r.integer(1, 1000, &o->refine.top);
  if (key == "refine_epochs") return r.integer(1, 10000, &o->refine.epochs);
  std::string keys;
  for (const RecipeKey& rk : kRecipeKeys) keys += (keys.empty() ? "" : ", ") + std::string(rk.key);
  return r.fail("unknown key in [recipe] (" + keys + ")");
}

}  // namespace

std::string recipe_keys_help() {
  std::string s;
  for (const RecipeKey& k : kRecipeKeys) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "  %-21s %s\n", k.key, k.help);
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
               "command with `hypersweep run " + name + "`"};
}

}  // namespace hs
