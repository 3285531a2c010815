#include "recipe/step_sweeps.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "recipe/text.h"
#include "trial/tie.h"

namespace hs {

namespace {

using recipe_text::num;

// x to 3 significant digits: step 4's lrs read as a person would write them (0.0333, not
// 0.033333333333333333).
double round3(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return std::strtod(buf, nullptr);
}

// `opt` as a step's [train] table: threads 0 (see step_sweeps.h).
TrainOptions step_train(TrainOptions opt) {
  opt.threads = 0;
  return opt;
}

// Steps 4 and 5 train with a constant lr and no early stopping: the lecture's "without lr
// decay", and whole curves for the diagnosis to read. They choose on validation accuracy and
// leave the test set to the config they recommend (lecture 11.1.2), so no test pass: on a small
// training set, such as the CNN's of bench/recipe_bench.py, the 11 trials' passes over 10,000
// test images cost 4 to 8 of the recipe's 104 to 108 core-seconds.
TrainOptions constant_lr(TrainOptions opt, int epochs) {
  opt.schedule.kind = ScheduleKind::kConstant;
  opt.schedule.warmup = 0;
  opt.early.enabled = false;
  opt.evaluate_test = false;
  opt.epochs = epochs;
  return step_train(opt);
}

SweepSpec grid(std::string comment, TrainOptions train, size_t trials, uint64_t seed,
               const char* metric) {
  SweepSpec s;
  s.comment = std::move(comment);
  s.train = step_train(std::move(train));
  s.strategy.kind = StrategyKind::kGrid;
  s.strategy.trials = static_cast<int64_t>(trials);
  s.strategy.seed = seed;
  s.metric = metric;
  return s;
}

}  // namespace

namespace {

// Steps 2 and 3: one trial per lr of `lrs`, with the given weight decay and no dropout.
std::string lr_sweep_text(std::string comment, TrainOptions opt, double weight_decay,
                          const std::vector<double>& lrs, const char* metric) {
  opt.optim.weight_decay = weight_decay;
  opt.model.dropout = 0;
  SweepSpec s = grid(std::move(comment), opt, lrs.size(), opt.seed, metric);
  s.choices = {{"lr", lrs}};
  return sweep_text(s);
}

}  // namespace

std::string overfit_sweep_text(const TrainOptions& base, const RecipeOptions& o) {
  TrainOptions opt = base;
  opt.epochs = o.overfit.max_epochs;
  return lr_sweep_text("hypersweep recipe, step 2: overfit " + std::to_string(o.overfit.batches) +
                           " minibatches, no regularisation, one trial per lr tried "
                           "(lr_too_high when every lr diverges)",
                       opt, 0, o.overfit.lrs, "train_acc");
}

std::string lr_find_sweep_text(const TrainOptions& base, const RecipeOptions& o) {
  return lr_sweep_text("hypersweep recipe, step 3: " + std::to_string(o.lr_find.iterations) +
                           " updates per lr on the whole training set; the largest drop of the "
                           "probe loss wins",
                       base, o.lr_find.weight_decay, o.lr_find.lrs, "val_acc");
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
  SweepSpec s =
      grid("hypersweep recipe, step 4: coarse grid around lr " + num(lr) + ", " +
               recipe_text::epochs(o.coarse.epochs) + " each, constant lr",
           constant_lr(base, o.coarse.epochs), lrs.size() * wds.size(), base.seed, "val_acc");
  s.choices = {{"lr", lrs}, {"weight_decay", wds}};
  return sweep_text(s);
}

std::string refine_sweep_text(const TrainOptions& base,
                              const std::vector<std::pair<double, double>>& lr_wd,
                              const RecipeOptions& o) {
  std::vector<double> lrs, wds;
  for (const auto& [lr, wd] : lr_wd) lrs.push_back(lr), wds.push_back(wd);
  SweepSpec s = grid("hypersweep recipe, step 5: " + std::to_string(lr_wd.size()) +
                         " configurations from the coarse grid, " +
                         recipe_text::epochs(o.refine.epochs) + " each, constant lr (no decay)",
                     constant_lr(base, o.refine.epochs), lr_wd.size(), base.seed, "val_acc");
  s.strategy.kind = StrategyKind::kList;
  s.choices = {{"lr", lrs}, {"weight_decay", wds}};
  return sweep_text(s);
}

Result<SweepConfig> step_sweep(int step, const std::string& text) {
  auto sweep = load_sweep_text(text, std::string("<recipe step ") + std::to_string(step) + ">");
  if (!sweep) return sweep;
  if (step == 3) sweep->metric = "loss_drop";
  return sweep;
}

double param_double(const ParamValue& v) {
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return std::numeric_limits<double>::quiet_NaN();
}

bool ranks(const TrialRecord& r) {
  return (r.status == TrialStatus::kCompleted || r.status == TrialStatus::kEarlyStopped) &&
         std::isfinite(r.best_metric) && r.params.size() >= 2;
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

RefinePicks refine_picks(const std::vector<TrialRecord>& coarse, int top) {
  RefinePicks out{best_few(coarse, top), std::nullopt};
  if (out.pairs.size() < 2) return out;
  const auto [best_lr, best_wd] = out.pairs.front();
  // Every lr of the grid counts, a collapsed one too: it was tried.
  const LrEdge edge = lr_edge(best_lr, lrs_tried(coarse));
  if (edge.side != -1) return out;  // not the lowest, or the grid's only lr
  LastPlace last;
  last.replaced = out.pairs.back();
  last.lr = best_lr;
  last.weight_decay = best_wd;
  last.above = edge.above;
  last.above_collapsed = edge.above_collapsed;
  last.below = round3(best_lr * best_lr / edge.above);
  last.between = round3(std::sqrt(best_lr * edge.above));
  out.pairs.pop_back();
  out.last = last;
  return out;
}

int last_best_epoch(const TrialRecord& r) {
  int last = r.best_epoch;
  for (const EpochRow& e : r.curves)
    if (e.epoch > last && e.val_acc >= r.best_metric) last = e.epoch;
  return last;
}

std::pair<double, double> last_place(const LastPlace& last, const TrialRecord& first,
                                     std::string* why) {
  const int peak_epoch = last_best_epoch(first);
  const bool flat = first.best_epoch < peak_epoch;
  const bool late = ranks(first) && first.epochs > 0 &&
                    peak_epoch >= std::ceil(kLatePeak * first.epochs - 1e-9);
  const std::string peak =
      "refine trial " + std::to_string(first.id) + " (lr " + num(last.lr) + ") " +
      (flat ? "held its best validation accuracy from epoch " + std::to_string(first.best_epoch) +
                  " to epoch " + std::to_string(peak_epoch)
            : "peaked at epoch " + std::to_string(peak_epoch)) +
      " of " + std::to_string(first.epochs);
  const std::string rising = flat ? ", not falling" : ", still improving";
  if (late && !last.above_collapsed) {
    *why = "The last place: " + peak + rising + ", so a larger lr may go further: lr " +
           num(last.between) + ", halfway to the grid's lr " + num(last.above) + ".";
    return {last.between, last.weight_decay};
  }
  if (!ranks(first))
    *why = "The last place: refine trial " + std::to_string(first.id) +
           " did not complete, so the next lr below, " + num(last.below) + ".";
  else if (late)
    *why = "The last place: " + peak + rising + ", but lr " + num(last.above) +
           " collapsed in the coarse grid, so the next lr below, " + num(last.below) + ".";
  else
    *why = "The last place: " + peak + ", before the last fifth of its epochs: the longer the " +
           "run, the lower the lr that does best, so the next lr below, " + num(last.below) + ".";
  return {last.below, last.weight_decay};
}

std::vector<const TrialRecord*> tied_with_best(const std::vector<TrialRecord>& trials) {
  const TrialRecord* best = nullptr;
  for (const TrialRecord& r : trials)
    if (ranks(r) && (!best || r.best_metric > best->best_metric ||
                     (r.best_metric == best->best_metric && r.id < best->id)))
      best = &r;
  if (!best) return {};
  std::vector<const TrialRecord*> out = {best};
  const Metric val_acc;  // steps 4-5 rank by val_acc (step_sweeps.cpp)
  for (const TrialRecord& r : trials)
    if (&r != best && ranks(r) && ties_best(*best, r, val_acc)) out.push_back(&r);
  return out;
}

std::vector<LrTried> lrs_tried(const std::vector<TrialRecord>& trials) {
  double best = NAN;
  for (const TrialRecord& r : trials)
    if (ranks(r) && !(r.best_metric <= best)) best = r.best_metric;
  std::vector<LrTried> out;
  for (const TrialRecord& r : trials)
    if (!r.params.empty())
      out.push_back({param_double(r.params[0]), !ranks(r) || r.best_metric < best / 2});
  return out;
}

}  // namespace hs
