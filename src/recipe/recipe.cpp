#include "recipe/recipe.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <utility>

#include "analysis/diagnosis.h"
#include "config/config.h"
#include "config/toml_text.h"
#include "core/file.h"
#include "core/host.h"
#include "core/text.h"
#include "recipe/text.h"

namespace hs {

const char* const kRecipeSteps[6] = {"1_initial_loss", "2_overfit",       "3_lr_find",
                                     "4_coarse_grid",  "5_refine",        "6_recommendation"};

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using recipe_text::num;

// x to 3 significant digits: step 4's lrs read as a person would write them (0.0333, not
// 0.033333333333333333).
double round3(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return std::strtod(buf, nullptr);
}

std::string toml_list(const std::vector<double>& xs) {
  std::string s = "[";
  for (size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + shortest_float(xs[i]);
  return s + "]";
}

// ---------------------------------------------------------------------------------------------
// [recipe]

struct RecipeKey {
  const char* key;
  const char* help;
};

const RecipeKey kRecipeKeys[] = {
    {"initial_batches", "step 1: random training batches whose mean loss is compared with ln C (5)"},
    {"initial_tolerance", "step 1: largest |loss - ln C| / ln C that passes (0.25)"},
    {"overfit_batches", "step 2: minibatches in the sample to overfit (8; the lecture's 5-10)"},
    {"overfit_max_epochs", "step 2: passes over the sample before giving up on an lr (200)"},
    {"overfit_lrs", "step 2: lrs tried in this order until one fits ([0.1, 0.01, 0.001, 0.0001])"},
    {"lr_find_lrs", "step 3: lr candidates, each ~100 updates on a worker ([0.1, 0.01, 0.001, 0.0001])"},
    {"lr_find_iterations", "step 3: updates per lr (100)"},
    {"lr_find_weight_decay", "step 3: the small weight decay it trains with (1e-4)"},
    {"coarse_lr_factors", "step 4: step 3's lr times each of these ([0.333, 1, 3])"},
    {"coarse_weight_decays", "step 4: weight decays crossed with those lrs ([1e-4, 1e-5, 0])"},
    {"coarse_epochs", "step 4: epochs per trial (3; the lecture's 1-5)"},
    {"refine_top", "step 5: how many of step 4's best trials to refine (3)"},
    {"refine_epochs", "step 5: epochs per trial, constant lr (15; the lecture's 10-20)"},
};

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
  RecipeOptions o;
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error& e) {
    return Error{name, static_cast<int>(e.source().begin.line), "", std::string(e.description())};
  }
  const toml::node* node = root.get("recipe");
  if (!node) return o;
  const toml::table* t = node->as_table();
  if (!t) return Error{name, line_of(*node), "recipe", "expected a table ([recipe])"};
  for (const auto& [k, v] : *t) {
    const std::string key(k.str());
    const int line = line_of(v);
    auto fail = [&](const std::string& msg) { return Error{name, line, key, msg}; };
    // Readers of one value, each checking its range.
    auto integer = [&](int lo, int hi, int* out) -> Status {
      const auto* i = v.as_integer();
      if (!i) return fail("expected a whole number, got " + text_of(v));
      if (i->get() < lo || i->get() > hi)
        return fail("must be " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                    std::to_string(i->get()));
      *out = static_cast<int>(i->get());
      return {};
    };
    auto number = [&](const toml::node& n, double* out) -> bool {
      if (const auto* i = n.as_integer()) *out = static_cast<double>(i->get());
      else if (const auto* d = n.as_floating_point()) *out = d->get();
      else return false;
      return std::isfinite(*out);
    };
    // A list of numbers, each > 0 (or >= 0 when zero_ok), at least one.
    auto list = [&](bool zero_ok, std::vector<double>* out) -> Status {
      const auto* a = v.as_array();
      if (!a || a->empty()) return fail("expected a non-empty list of numbers, got " + text_of(v));
      out->clear();
      for (const auto& e : *a) {
        double x = 0;
        if (!number(e, &x) || x < 0 || (x == 0 && !zero_ok))
          return fail(std::string("expected numbers ") + (zero_ok ? ">= 0" : "> 0") + ", got " +
                      text_of(e));
        out->push_back(x);
      }
      return {};
    };
    Status st;
    double x = 0;
    if (key == "initial_batches") st = integer(1, 1000, &o.initial.batches);
    else if (key == "initial_tolerance") {
      if (!number(v, &x) || x <= 0) return fail("expected a number > 0, got " + text_of(v));
      o.initial.rel_tolerance = x;
    } else if (key == "overfit_batches") st = integer(1, 1000, &o.overfit.batches);
    else if (key == "overfit_max_epochs") st = integer(1, 100000, &o.overfit.max_epochs);
    else if (key == "overfit_lrs") st = list(false, &o.overfit.lrs);
    else if (key == "lr_find_lrs") st = list(false, &o.lr_find.lrs);
    else if (key == "lr_find_iterations") st = integer(1, 1000000, &o.lr_find.iterations);
    else if (key == "lr_find_weight_decay") {
      if (!number(v, &x) || x < 0) return fail("expected a number >= 0, got " + text_of(v));
      o.lr_find.weight_decay = x;
    } else if (key == "coarse_lr_factors") st = list(false, &o.coarse.lr_factors);
    else if (key == "coarse_weight_decays") st = list(true, &o.coarse.weight_decays);
    else if (key == "coarse_epochs") st = integer(1, 1000, &o.coarse.epochs);
    else if (key == "refine_top") st = integer(1, 1000, &o.refine.top);
    else if (key == "refine_epochs") st = integer(1, 10000, &o.refine.epochs);
    else {
      std::string keys;
      for (const RecipeKey& rk : kRecipeKeys) keys += (keys.empty() ? "" : ", ") + std::string(rk.key);
      return fail("unknown key in [recipe] (" + keys + ")");
    }
    if (!st) return st.error();
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// The step sweeps.

namespace {

// `base` as a step's [train] table: threads 0 (each worker sets its own, so the text, and with
// it the step file's header, is the same whichever layout runs it).
std::string train_table(TrainOptions opt) {
  opt.threads = 0;
  return to_toml(opt);
}

// Steps 4 and 5 train with a constant lr and no early stopping: the lecture's "without lr
// decay", and whole curves for the diagnosis to read.
TrainOptions constant_lr(TrainOptions opt, int epochs) {
  opt.schedule.kind = ScheduleKind::kConstant;
  opt.schedule.warmup = 0;
  opt.early.enabled = false;
  opt.epochs = epochs;
  return opt;
}

std::string sweep_table(const char* strategy, size_t trials, uint64_t seed, const char* metric) {
  return "\n[sweep]\nstrategy = \"" + std::string(strategy) + "\"\ntrials = " +
         std::to_string(trials) + "\nseed = " + std::to_string(seed) + "\nmetric = \"" + metric +
         "\"\n\n[space]\n";
}

}  // namespace

std::string overfit_sweep_text(const TrainOptions& base, const RecipeOptions& o) {
  TrainOptions opt = base;
  opt.optim.weight_decay = 0;
  opt.model.dropout = 0;
  opt.epochs = o.overfit.max_epochs;
  return "# hypersweep recipe, step 2: overfit " + std::to_string(o.overfit.batches) +
         " minibatches, no regularisation, one trial per lr tried (lr_too_high when every lr "
         "diverges)\n" + train_table(opt) +
         sweep_table("grid", o.overfit.lrs.size(), base.seed, "train_acc") +
         "lr = " + toml_list(o.overfit.lrs) + "\n";
}

std::string lr_find_sweep_text(const TrainOptions& base, const RecipeOptions& o) {
  TrainOptions opt = base;
  opt.optim.weight_decay = o.lr_find.weight_decay;
  opt.model.dropout = 0;
  return "# hypersweep recipe, step 3: " + std::to_string(o.lr_find.iterations) +
         " updates per lr on the whole training set; the largest drop of the probe loss wins\n" +
         train_table(opt) + sweep_table("grid", o.lr_find.lrs.size(), base.seed, "val_acc") +
         "lr = " + toml_list(o.lr_find.lrs) + "\n";
}

std::string coarse_sweep_text(const TrainOptions& base, double lr, const RecipeOptions& o) {
  std::vector<double> lrs;
  for (double f : o.coarse.lr_factors) {
    const double x = round3(lr * f);
    if (std::find(lrs.begin(), lrs.end(), x) == lrs.end()) lrs.push_back(x);
  }
  std::vector<double> wds;
  for (double w : o.coarse.weight_decays)
    if (std::find(wds.begin(), wds.end(), w) == wds.end()) wds.push_back(w);
  return "# hypersweep recipe, step 4: coarse grid around lr " + num(lr) + ", " +
         std::to_string(o.coarse.epochs) + " epochs each, constant lr\n" +
         train_table(constant_lr(base, o.coarse.epochs)) +
         sweep_table("grid", lrs.size() * wds.size(), base.seed, "val_acc") +
         "lr = " + toml_list(lrs) + "\nweight_decay = " + toml_list(wds) + "\n";
}

std::string refine_sweep_text(const TrainOptions& base,
                              const std::vector<std::pair<double, double>>& lr_wd,
                              const RecipeOptions& o) {
  std::vector<double> lrs, wds;
  for (const auto& [lr, wd] : lr_wd) lrs.push_back(lr), wds.push_back(wd);
  return "# hypersweep recipe, step 5: the best " + std::to_string(lr_wd.size()) +
         " of the coarse grid, " + std::to_string(o.refine.epochs) +
         " epochs each, constant lr (no decay)\n" +
         train_table(constant_lr(base, o.refine.epochs)) +
         sweep_table("list", lr_wd.size(), base.seed, "val_acc") + "lr = " + toml_list(lrs) +
         "\nweight_decay = " + toml_list(wds) + "\n";
}

Result<SweepConfig> step_sweep(int step, const std::string& text) {
  auto sweep = load_sweep_text(text, std::string("<recipe step ") + std::to_string(step) + ">");
  if (!sweep) return sweep;
  if (step == 3) sweep->metric = "loss_drop";  // not a trainer metric: what pick_lr compares
  return sweep;
}

// ---------------------------------------------------------------------------------------------
// Records.

namespace {

TrialRecord blank_record(int64_t id, double lr) {
  TrialRecord r;
  r.id = id;
  r.params = {ParamValue{lr}};
  r.best_metric = r.test_acc = kNaN;
  return r;
}

EpochRow train_row(int epoch, double lr, double loss, double acc) {
  EpochRow e;
  e.epoch = epoch;
  e.lr = lr;
  e.train_loss = loss;
  e.train_acc = acc;
  e.val_loss = e.val_acc = kNaN;
  e.seconds = kNaN;
  return e;
}

// Whether a trial of step 4 or 5 takes part in the ranking: it trained to the end (or stopped
// early) with a metric, and has its (lr, weight_decay).
bool ranks(const TrialRecord& r) {
  return (r.status == TrialStatus::kCompleted || r.status == TrialStatus::kEarlyStopped) &&
         std::isfinite(r.best_metric) &&
         r.params.size() >= 2;
}

double param_double(const ParamValue& v) {
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return kNaN;
}

}  // namespace

TrialRecord overfit_record(const OverfitAttempt& a, int64_t id, int classes) {
  TrialRecord r = blank_record(id, a.lr);
  r.status = a.outcome;
  r.best_metric = a.final_acc;
  r.best_epoch = a.epochs;
  r.initial_loss = a.start_loss;
  r.num_classes = classes;
  r.epochs = a.epochs;
  for (size_t e = 0; e < a.losses.size(); ++e)
    r.curves.push_back(train_row(static_cast<int>(e + 1), a.lr, a.losses[e], a.accs[e]));
  return r;
}

TrialRecord lr_trial_record(const LrTrial& t, int64_t id) {
  TrialRecord r = blank_record(id, t.lr);
  r.status = t.diverged ? TrialStatus::kDiverged : TrialStatus::kCompleted;
  r.best_metric = t.drop;
  r.best_epoch = t.iterations;
  r.initial_loss = t.loss_start;
  r.epochs = t.iterations;
  for (size_t i = 0; i < t.losses.size(); ++i)
    r.curves.push_back(train_row(static_cast<int>(i + 1), t.lr, t.losses[i], kNaN));
  return r;
}

LrTrial lr_trial_of(const TrialRecord& r) {
  LrTrial t;
  t.lr = r.params.empty() ? kNaN : param_double(r.params[0]);
  t.loss_start = r.initial_loss;
  t.drop = r.best_metric;
  t.loss_end = std::isfinite(t.drop) ? t.loss_start - t.drop : kNaN;
  t.diverged = r.status != TrialStatus::kCompleted;
  t.iterations = r.epochs;
  for (const EpochRow& e : r.curves) t.losses.push_back(e.train_loss);
  return t;
}

Result<StepTrialRunner> step_trial_runner(int step, const SweepConfig& sweep,
                                          const TrainOptions& base, const RecipeOptions& o,
                                          std::shared_ptr<const DataBundle> data) {
  if (step == 3) {
    return StepTrialRunner([base, o, data](const Trial& t, const StopCheck&) {
      const double lr = t.values.empty() ? kNaN : param_double(t.values[0]);
      auto r = lr_trial(base, *data, lr, o.lr_find);
      if (!r) {
        TrialRecord f = blank_record(t.id, lr);
        f.status = TrialStatus::kFailed;
        f.error = r.error().str();
        return f;
      }
      return lr_trial_record(*r, t.id);
    });
  }
  // Steps 4 and 5: the sweep's own trials with this rank's thread count.
  auto own = std::make_shared<SweepConfig>(sweep);
  if (Status st = own->train.set_value("threads", int64_t{base.threads}, {"<recipe>", 0}); !st)
    return st.error();
  auto runner = std::make_shared<TrialRunner>(*own);
  if (Status st = runner->prepare(std::move(data)); !st) return st.error();
  return StepTrialRunner([own, runner](const Trial& t, const StopCheck& stop) {
    return trial_record(runner->run(t, stop), 0, "");
  });
}

Result<bool> run_step_here(int step, const SweepConfig& sweep, const TrainOptions& base,
                           const RecipeOptions& o, std::shared_ptr<const DataBundle> data,
                           TrialQueue& queue,
                           const std::function<Status(const TrialRecord&)>& on_record,
                           const StopCheck& stop) {
  auto runner = step_trial_runner(step, sweep, base, o, std::move(data));
  if (!runner) return runner.error();
  const std::string host = host_name();
  while (!(stop && stop())) {
    const std::optional<Trial> t = queue.next();
    if (!t) break;
    TrialRecord r = (*runner)(*t, stop);
    r.host = host;
    queue.finish(r);
    if (Status st = on_record(r); !st) return st.error();
  }
  return stop && stop();
}

std::vector<std::pair<double, double>> best_few(const std::vector<TrialRecord>& coarse, int top) {
  std::vector<const TrialRecord*> ok;
  for (const TrialRecord& r : coarse)
    if (ranks(r)) ok.push_back(&r);
  std::sort(ok.begin(), ok.end(), [](const TrialRecord* a, const TrialRecord* b) {
    return a->best_metric != b->best_metric ? a->best_metric > b->best_metric : a->id < b->id;
  });
  std::vector<std::pair<double, double>> out;
  // The coarse space is [lr, weight_decay] in that order (coarse_sweep_text).
  for (size_t i = 0; i < ok.size() && static_cast<int>(i) < top; ++i)
    out.emplace_back(param_double(ok[i]->params[0]), param_double(ok[i]->params[1]));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Step 6.

Recommendation recommend(const TrainOptions& base, const std::string& config_name,
                         const std::vector<TrialRecord>& refine,
                         const std::vector<TrialRecord>& coarse, const RecipeOptions& o) {
  Recommendation rec;
  const TrialRecord* best = nullptr;
  for (const TrialRecord& r : refine)
    if (ranks(r) && (!best || r.best_metric > best->best_metric)) best = &r;
  if (!best) {
    rec.verdict = "no_trial";
    rec.report = "No trial of the refine step completed (every one diverged or failed), so there "
                 "is nothing to recommend: look at the coarse grid's curves, and try lower "
                 "learning rates.";
    return rec;
  }
  rec.ok = true;
  rec.verdict = "ok";
  rec.best_id = best->id;
  rec.best_val_acc = best->best_metric;
  rec.lr = param_double(best->params[0]);
  rec.weight_decay = param_double(best->params[1]);

  std::string& s = rec.report;
  s = "Best of the refine step: lr " + num(rec.lr) + ", weight_decay " + num(rec.weight_decay) +
      ", validation accuracy " + num(100 * rec.best_val_acc) + "% at epoch " +
      std::to_string(best->best_epoch) + " of " + std::to_string(best->epochs) + " (trial " +
      std::to_string(best->id) + ").";
  const std::vector<Finding> findings = diagnose(*best, sweep_context(refine));
  bool overfitting = false;
  for (const Finding& f : findings) {
    overfitting = overfitting || f.label == "overfitting";
    s += " Its curves: " + f.label + ": " + f.evidence;
    if (!s.empty() && s.back() != '.') s += '.';
    if (!f.advice.empty()) s += " " + f.advice + (f.advice.back() == '.' ? "" : ".");
  }
  // Where the winner sits in the coarse grid: at an edge, the best value may lie beyond it.
  double lr_lo = rec.lr, lr_hi = rec.lr, wd_hi = rec.weight_decay;
  for (const TrialRecord& r : coarse) {
    if (r.params.size() < 2) continue;
    lr_lo = std::min(lr_lo, param_double(r.params[0]));
    lr_hi = std::max(lr_hi, param_double(r.params[0]));
    wd_hi = std::max(wd_hi, param_double(r.params[1]));
  }
  if (lr_lo < lr_hi && (rec.lr == lr_lo || rec.lr == lr_hi))
    s += " Its lr is at the " + std::string(rec.lr == lr_hi ? "top" : "bottom") +
         " of the coarse grid, so a better one may lie beyond: run the recipe again with "
         "coarse_lr_factors reaching further that way.";
  if (overfitting && rec.weight_decay == wd_hi && wd_hi > 0)
    s += " It overfits with the largest weight decay tried: try larger ones (coarse_weight_decays), "
         "dropout, or more data.";
  s += " Next: train this configuration for longer with lr decay (the refine step kept the lr "
       "constant). The recommended config is your config with the recipe's lr and weight_decay; "
       "it keeps your schedule (" + std::string(schedule_name(base.schedule.kind)) + ")" +
       (base.schedule.kind == ScheduleKind::kConstant ? ": consider step or cosine decay." : ".");

  TrainOptions opt = base;
  opt.lr = rec.lr;
  opt.optim.weight_decay = rec.weight_decay;
  opt.epochs = std::max(base.epochs, o.refine.epochs);
  opt.threads = 0;
  std::string& c = rec.config;
  c = "# The configuration `hypersweep recipe " + config_name +
      "` recommends: your config with the recipe's lr and weight_decay\n"
      "# (refine step trial " + std::to_string(rec.best_id) + ", validation accuracy " +
      num(100 * rec.best_val_acc) + "% after " + std::to_string(o.refine.epochs) +
      " epochs at a constant lr).\n"
      "# Train it:  hypersweep train <this file>\n#\n";
  // The recommendation as comment lines of at most ~95 characters.
  std::string line;
  for (size_t pos = 0; pos < s.size();) {
    size_t end = s.find(' ', pos);
    if (end == std::string::npos) end = s.size();
    const std::string word = s.substr(pos, end - pos);
    if (!line.empty() && line.size() + 1 + word.size() > 95) {
      c += "# " + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    pos = end + 1;
  }
  if (!line.empty()) c += "# " + line + "\n";
  c += to_toml(opt);
  return rec;
}

// ---------------------------------------------------------------------------------------------
// The driver.

namespace {

namespace fs = std::filesystem;

// The step sweeps' shared work: open (or continue) the step file, run its queue, keep it.
struct StepFiles {
  std::string dir;
  const RecipeSetup& setup;

  std::string path(int step) const { return (fs::path(dir) / (std::string(kRecipeSteps[step - 1]) + ".h5")).string(); }

  // The step's results file: continued when it holds this very step (a recipe killed during
  // it), started anew when it holds another (left by a recipe of other inputs). One that cannot
  // be opened (another recipe is writing it, or it is damaged beyond its journal) is an error,
  // never overwritten.
  Result<ResultsFile> open(int step, const SweepHeader& h) const {
    const std::string p = path(step);
    if (fs::exists(p) && fs::exists(p + ".journal")) {
      auto f = ResultsFile::open(p);
      if (!f) return f.error();
      if (header_difference(f->header(), h).empty()) return f;
    }
    return ResultsFile::create(p, h, true);
  }
};

std::vector<TrialRecord> by_id(std::vector<TrialRecord> v) {
  std::sort(v.begin(), v.end(), [](const TrialRecord& a, const TrialRecord& b) { return a.id < b.id; });
  return v;
}

}  // namespace

Result<RecipeOutcome> run_recipe(const RecipeSetup& setup, const DataBundle& data,
                                 const RecipeHooks& hooks) {
  const RecipeOptions& o = setup.options;
  const TrainOptions& base = setup.base;
  auto say = [&](const std::string& line) {
    if (hooks.say) hooks.say(line);
  };
  RecipeHeader header;
  header.config_text = setup.config_text;
  header.config_hash = config_hash(setup.config_text);
  header.version = HYPERSWEEP_VERSION;
  header.start_time = setup.start_time;
  const StepFiles files{setup.out + ".steps", setup};

  // What is at `out` already.
  std::error_code ec;
  if (setup.force) {
    fs::remove(setup.out, ec);
    fs::remove_all(files.dir, ec);
  } else if (fs::exists(setup.out)) {
    if (!is_recipe_file(setup.out))
      return make_error(setup.out, "exists and is not a hypersweep recipe file, so it is not "
                                   "overwritten: give another --out, or --force to replace it");
    auto old = read_recipe(setup.out);
    if (!old) return old.error();
    if (old->header.config_hash != header.config_hash) {
      SweepHeader a, b;
      a.config_text = old->header.config_text, a.config_hash = old->header.config_hash;
      b.config_text = header.config_text, b.config_hash = header.config_hash;
      return make_error(setup.out, "holds the recipe of another config, so it is neither "
                                   "continued nor overwritten: " + header_difference(a, b) +
                                   "; give another --out, or --force to start over");
    }
    if (old->header.status == "complete") {
      RecipeOutcome done;
      done.already = true;
      done.status = "complete";
      for (const RecipeStep& s : old->steps) {
        auto it = s.text.find("report");
        done.reports.push_back(it == s.text.end() ? "" : it->second);
        if (s.group == kRecipeSteps[5]) {
          done.recommendation.ok = true;
          done.recommendation.report = done.reports.back();
          if (auto c = s.text.find("config"); c != s.text.end()) done.recommendation.config = c->second;
        }
      }
      // The recommended config is in the file: write it where asked if it is not there (another
      // --config-out, or a file deleted since).
      if (!done.recommendation.config.empty() && !fs::exists(setup.recommended))
        if (Status st = write_file_atomically(setup.recommended, done.recommendation.config); !st)
          return st.error();
      return done;
    }
    header.start_time = old->header.start_time;  // the recipe started then; this continues it
  }
  fs::create_directories(files.dir, ec);
  if (ec) return make_error(files.dir, "cannot create the folder for the step files: " + ec.message());

  RecipeOutcome out;
  std::vector<RecipeStepOut> steps;
  auto save = [&](const std::string& status) {
    header.status = status;
    return write_recipe_file(setup.out, header, steps);
  };
  // A check failed at `step`: record why, keep the file, stop.
  auto stop_at = [&](int step, const std::string& verdict) -> Result<RecipeOutcome> {
    out.failed_step = step;
    out.status = "stopped at step " + std::to_string(step) + ": " + verdict;
    if (Status st = save(out.status); !st) return st.error();
    return out;
  };
  auto finish_step = [&](RecipeStepOut s, const std::string& verdict, const std::string& report) {
    s.text["verdict"] = verdict;
    s.text["report"] = report;
    out.reports.push_back(report);
    steps.push_back(std::move(s));
  };

  // Step 1.
  say("step 1/6: initial loss");
  auto r1 = check_initial_loss(base, data, o.initial);
  if (!r1) return r1.error();
  {
    RecipeStepOut s;
    s.group = kRecipeSteps[0];
    s.numbers = {{"loss", r1->loss},          {"expected", r1->expected},
                 {"rel_error", r1->rel_error}, {"tolerance", r1->tolerance},
                 {"classes", r1->classes},     {"batches", r1->batches},
                 {"samples", static_cast<double>(r1->samples)}};
    s.series["batch_losses"] = r1->batch_losses;
    finish_step(std::move(s), r1->verdict, r1->report);
    say(r1->report);
    if (!r1->ok) return stop_at(1, "initial loss " + r1->verdict);
  }

  // Step 2 (rank 0; its attempts are stored like a sweep's trials, for the report).
  say("step 2/6: overfit a small sample");
  auto r2 = overfit_small_sample(base, data, o.overfit);
  if (!r2) return r2.error();
  {
    const std::string text = overfit_sweep_text(base, o);
    auto sweep = load_sweep_text(text, "<recipe step 2>");
    if (!sweep) return sweep.error();
    auto f = ResultsFile::create(files.path(2), sweep_header(*sweep, header.start_time), true);
    if (!f) return f.error();
    for (size_t i = 0; i < r2->tried.size(); ++i)
      if (Status st = f->append(overfit_record(r2->tried[i], static_cast<int64_t>(i), r1->classes)); !st)
        return st.error();
    if (Status st = f->close(); !st) return st.error();
    RecipeStepOut s;
    s.group = kRecipeSteps[1];
    s.results_path = files.path(2);
    s.numbers = {{"lr", r2->lr}, {"samples", static_cast<double>(r2->samples)}};
    finish_step(std::move(s), r2->verdict, r2->report);
    say(r2->report);
    if (!r2->ok) return stop_at(2, r2->verdict);
  }
  if (Status st = save("running"); !st) return st.error();

  // Steps 3-5: sweeps on the workers. Returns the step's records by id, or nullopt when stopped.
  auto sweep_step = [&](int step, const std::string& text) -> Result<std::optional<std::vector<TrialRecord>>> {
    auto sweep = step_sweep(step, text);
    if (!sweep) return sweep.error();
    auto f = files.open(step, sweep_header(*sweep, header.start_time));
    if (!f) return f.error();
    auto queue = TrialQueue::make(*sweep, f->trials());
    if (!queue) return Error{files.path(step), 0, "", queue.error().message};
    if (!f->trials().empty())
      say(std::string(kRecipeSteps[step - 1]) + ": " + std::to_string(queue->finished()) + " of " +
          std::to_string(queue->total()) + " trials recorded already (continuing " + f->path() + ")");
    ResultsFile& file = *f;
    auto stopped = hooks.run_step(step, *sweep, text, *queue,
                                  [&](const TrialRecord& r) { return file.append(r); });
    if (!stopped) return stopped.error();
    std::vector<TrialRecord> records = by_id(file.trials());
    if (Status st = file.close(); !st) return st.error();
    if (*stopped) return std::optional<std::vector<TrialRecord>>();
    return std::optional<std::vector<TrialRecord>>(std::move(records));
  };
  auto interrupted = [&](int step) -> Result<RecipeOutcome> {
    out.interrupted = true;
    out.status = "interrupted";
    if (Status st = save("running: stopped by a signal during step " + std::to_string(step)); !st)
      return st.error();
    return out;
  };

  // Step 3.
  say("step 3/6: learning-rate search, " + std::to_string(o.lr_find.lrs.size()) + " lrs x " +
      std::to_string(o.lr_find.iterations) + " updates");
  auto t3 = sweep_step(3, lr_find_sweep_text(base, o));
  if (!t3) return t3.error();
  if (!*t3) return interrupted(3);
  std::vector<LrTrial> lr_trials;
  for (const TrialRecord& r : **t3) lr_trials.push_back(lr_trial_of(r));
  const LrFindResult r3 = pick_lr(std::move(lr_trials));
  {
    RecipeStepOut s;
    s.group = kRecipeSteps[2];
    s.results_path = files.path(3);
    s.numbers = {{"best_lr", r3.best_lr}};
    finish_step(std::move(s), r3.ok ? "ok" : "no_lr", r3.report);
    say(r3.report);
    if (!r3.ok) return stop_at(3, "no learning rate lowered the loss");
  }
  if (Status st = save("running"); !st) return st.error();

  // Step 4.
  const std::string text4 = coarse_sweep_text(base, r3.best_lr, o);
  say("step 4/6: coarse grid, " + std::to_string(o.coarse.epochs) + " epochs per trial");
  auto t4 = sweep_step(4, text4);
  if (!t4) return t4.error();
  if (!*t4) return interrupted(4);
  const auto picks = best_few(**t4, o.refine.top);
  {
    std::string report = "Coarse grid around lr " + num(r3.best_lr) + ": " +
                         std::to_string((*t4)->size()) + " trials of lr x weight_decay, " +
                         std::to_string(o.coarse.epochs) + " epochs each at a constant lr.";
    if (picks.empty()) {
      report += " No trial completed: every one diverged or failed. Lower the learning rates "
                "(coarse_lr_factors) or look at the trials' errors.";
    } else {
      report += " The best " + std::to_string(picks.size()) + " by validation accuracy go on:";
      for (const auto& [lr, wd] : picks) report += " (lr " + num(lr) + ", weight_decay " + num(wd) + ")";
      report += ".";
    }
    RecipeStepOut s;
    s.group = kRecipeSteps[3];
    s.results_path = files.path(4);
    finish_step(std::move(s), picks.empty() ? "no_trial" : "ok", report);
    say(report);
    if (picks.empty()) return stop_at(4, "no trial completed");
  }
  if (Status st = save("running"); !st) return st.error();

  // Step 5.
  say("step 5/6: refine the best " + std::to_string(picks.size()) + ", " +
      std::to_string(o.refine.epochs) + " epochs each");
  auto t5 = sweep_step(5, refine_sweep_text(base, picks, o));
  if (!t5) return t5.error();
  if (!*t5) return interrupted(5);
  {
    std::string report = "Refined " + std::to_string((*t5)->size()) + " configurations for " +
                         std::to_string(o.refine.epochs) + " epochs at a constant lr:";
    for (const TrialRecord& r : **t5)
      report += " trial " + std::to_string(r.id) + " " + status_name(r.status) + ", validation accuracy " +
                num(100 * r.best_metric) + "% at epoch " + std::to_string(r.best_epoch) + ";";
    report.back() = '.';
    RecipeStepOut s;
    s.group = kRecipeSteps[4];
    s.results_path = files.path(5);
    finish_step(std::move(s), "ok", report);
    say(report);
  }

  // Step 6.
  say("step 6/6: diagnosis and recommendation");
  out.recommendation = recommend(base, setup.config_name, **t5, **t4, o);
  const Recommendation& rec = out.recommendation;
  {
    RecipeStepOut s;
    s.group = kRecipeSteps[5];
    s.text["config"] = rec.config;
    s.text["recommended_file"] = setup.recommended;
    s.numbers = {{"best_trial", static_cast<double>(rec.best_id)},
                 {"best_val_acc", rec.best_val_acc},
                 {"lr", rec.lr},
                 {"weight_decay", rec.weight_decay}};
    finish_step(std::move(s), rec.verdict, rec.report);
    if (!rec.ok) return stop_at(6, rec.verdict);
  }
  if (Status st = write_file_atomically(setup.recommended, rec.config); !st) return st.error();
  out.status = "complete";
  if (Status st = save(out.status); !st) return st.error();
  fs::remove_all(files.dir, ec);  // every step is in the recipe file now
  return out;
}

}  // namespace hs
