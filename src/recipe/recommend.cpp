#include "recipe/recommend.h"

#include <algorithm>

#include "analysis/diagnosis.h"
#include "config/config.h"
#include "recipe/step_sweeps.h"
#include "recipe/text.h"

namespace hs {

using recipe_text::num;

namespace {

// What the winner's curves say, and where it sits in the coarse grid: at an edge, the best value
// may lie beyond it.
std::string advice(const TrialRecord& best, const Recommendation& rec,
                   const std::vector<TrialRecord>& refine, const std::vector<TrialRecord>& coarse) {
  std::string s;
  bool overfitting = false;
  for (const Finding& f : diagnose(best, sweep_context(refine))) {
    overfitting = overfitting || f.label == "overfitting";
    s += " Its curves: " + f.label + ": " + f.evidence;
    if (!s.empty() && s.back() != '.') s += '.';
    if (!f.advice.empty()) s += " " + f.advice + (f.advice.back() == '.' ? "" : ".");
  }
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
  return s;
}

// `text` as comment lines of at most ~95 characters.
std::string comment_lines(const std::string& text) {
  std::string out, line;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    if (!line.empty() && line.size() + 1 + word.size() > 95) {
      out += "# " + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    pos = end + 1;
  }
  if (!line.empty()) out += "# " + line + "\n";
  return out;
}

// The recommended config: the user's with the recipe's lr and weight_decay, the report on top.
std::string recommended_config(const TrainOptions& base, const std::string& config_name,
                               const Recommendation& rec, const RecipeOptions& o) {
  TrainOptions opt = base;
  opt.lr = rec.lr;
  opt.optim.weight_decay = rec.weight_decay;
  opt.epochs = std::max(base.epochs, o.refine.epochs);
  opt.threads = 0;
  return "# The configuration `hypersweep recipe " + config_name +
         "` recommends: your config with the recipe's lr and weight_decay\n"
         "# (refine step trial " + std::to_string(rec.best_id) + ", validation accuracy " +
         num(100 * rec.best_val_acc) + "% after " + std::to_string(o.refine.epochs) +
         " epochs at a constant lr).\n"
         "# Train it:  hypersweep train <this file>\n#\n" +
         comment_lines(rec.report) + to_toml(opt);
}

}  // namespace

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
  rec.report = "Best of the refine step: lr " + num(rec.lr) + ", weight_decay " +
               num(rec.weight_decay) + ", validation accuracy " + num(100 * rec.best_val_acc) +
               "% at epoch " + std::to_string(best->best_epoch) + " of " +
               std::to_string(best->epochs) + " (trial " + std::to_string(best->id) + ")." +
               advice(*best, rec, refine, coarse) +
               " Next: train this configuration for longer with lr decay (the refine step kept "
               "the lr constant). The recommended config is your config with the recipe's lr and "
               "weight_decay; it keeps your schedule (" +
               std::string(schedule_name(base.schedule.kind)) + ")" +
               (base.schedule.kind == ScheduleKind::kConstant ? ": consider step or cosine decay."
                                                              : ".");
  rec.config = recommended_config(base, config_name, rec, o);
  return rec;
}

}  // namespace hs
