#include "recipe/recommend.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "analysis/diagnosis.h"
#include "config/config.h"
#include "config/table.h"
#include "optim/schedule.h"
#include "recipe/config_edit.h"
#include "recipe/step_sweeps.h"
#include "recipe/text.h"
#include "trial/tie.h"

namespace hs {

using recipe_text::num;

namespace {

// The words every recommended config opens with, after "# " (is_recommended_config).
const std::string kRecommendedOpening = "The configuration `hypersweep recipe ";

// to_toml's lines as (key, line), in its order.
std::vector<std::pair<std::string, std::string>> toml_lines(const TrainOptions& opt) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string t = to_toml(opt);
  for (size_t pos = 0; pos < t.size();) {
    size_t end = t.find('\n', pos);
    if (end == std::string::npos) end = t.size();
    const std::string line = t.substr(pos, end - pos);
    if (const size_t eq = line.find(" = "); eq != std::string::npos)
      out.emplace_back(line.substr(0, eq), line);
    pos = end + 1;
  }
  return out;
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

// The recommended options and why each of the recipe's own changes was made.
struct Recommended {
  TrainOptions opt;
  std::map<std::string, std::string> why;  // by key; a key not here came from --set
};

// The path keys the user's file gives relative, when the recommended file is written in another
// folder: a relative path resolves against the folder of the file that gives it, so there they
// must be written absolute (as to_toml writes them).
Result<std::vector<std::string>> relative_paths(const RecipeConfig& c) {
  std::vector<std::string> keys;
  if (config_folder(c.out) == config_folder(c.name)) return keys;
  auto entries = read_table(c.file_text, c.name, "train");
  if (!entries) return entries.error();
  for (const TableEntry& e : *entries) {
    const bool path = std::any_of(train_keys().begin(), train_keys().end(), [&](const KeyInfo& k) {
      return e.key == k.key && std::string_view(k.type) == "path";
    });
    if (path && e.value.kind == TableValue::Kind::kString && !e.value.string.empty() &&
        e.value.string.front() != '/')
      keys.push_back(e.key);
  }
  return keys;
}

// The changes that write `keys` (relative_paths) absolute, as `opt` holds them.
std::vector<KeyChange> absolute_paths(const RecipeConfig& c, const std::vector<std::string>& keys,
                                      const TrainOptions& opt) {
  std::vector<KeyChange> changes;
  for (const auto& [key, line] : toml_lines(opt))
    if (std::find(keys.begin(), keys.end(), key) != keys.end())
      changes.push_back({key, line, "absolute: this file is not in " + c.name + "'s folder"});
  return changes;
}

// The recommended config: the summary on top, then the user's file with every key whose value
// differs from the file's own, each marked with why. Errors: the file's text does not load.
Result<std::string> recommended_config(const RecipeConfig& c, const Recommended& r,
                                       const std::string& report) {
  TrainConfig file;
  if (!c.file_text.empty())
    if (Status st = file.load_text(c.file_text, c.name, config_folder(c.name)); !st)
      return st.error();
  auto own = file.finish();
  if (!own) return own.error();
  TrainOptions opt = r.opt;
  opt.threads = own->threads;  // how many threads is the machine's business, not the recipe's
  auto moved = relative_paths(c);
  if (!moved) return moved.error();
  const auto was = toml_lines(*own);
  std::vector<KeyChange> changes = absolute_paths(c, *moved, opt);
  for (const auto& [key, line] : toml_lines(opt)) {
    auto w = std::find_if(was.begin(), was.end(), [&](const auto& kv) { return kv.first == key; });
    if (std::find(moved->begin(), moved->end(), key) != moved->end()) continue;
    if (w != was.end() && w->second == line) continue;
    auto why = r.why.find(key);
    const std::string before = w == was.end() ? "" : w->second.substr(w->second.find(" = ") + 3);
    changes.push_back({key, line,
                       (why == r.why.end() ? std::string("given to hypersweep recipe with --set")
                                           : why->second) +
                           (before.empty() ? "" : " (was " + before + ")")});
  }
  auto changed = with_changes(c.file_text, c.name, changes);
  if (!changed) return changed.error();
  // The keys the recipe set: lr and weight_decay always (its pick, even where equal to the
  // file's), any other (epochs) only when it changed.
  std::vector<std::string> set = {"lr", "weight_decay"}, left;
  for (const KeyChange& k : changes) set.push_back(k.key);
  auto body = comment_out_swept(*changed, c.name, set, opt.epochs, &left);
  if (!body) return body.error();
  const std::string still =
      left.empty() ? ""
                   : comment_lines("Its [space] still sweeps " + recipe_text::listed(left) +
                                   ", which the recipe set in [train]: hypersweep run would "
                                   "sweep them again; hypersweep train uses [train] alone.");
  return comment_lines(kRecommendedOpening + c.name +
                       "` recommends: " + c.name + " with the keys marked \"# recipe:\" changed.") +
         "# Train it:  hypersweep train <this file>\n" + still + "#\n" + comment_lines(report) +
         "\n" + *body;
}

bool has_label(const std::vector<Finding>& findings, const char* label) {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const Finding& f) { return f.label == label; });
}

// The pick among step 5's best and those tied with it (the best first), and why, when the rule
// kept the best measured against a larger lr. The validation set cannot tell them apart, so the
// rule decides. The refine step keeps the lr constant, and a decaying schedule does best from a
// larger lr than a constant one (cosine's mean lr is half its first): on the recipe benchmark's
// MLP seed 2, refine trials at lr 0.0111 and 0.0333 tied (89.38% and 89.25%), and with cosine
// decay 0.0333 tested 88.65% against 0.0111's 87.70%. So with a schedule that decays, the
// largest lr, equal lrs to the best measured; with a constant one, the best measured. But the
// decay only carries a larger lr if it has set in where the runs peak: the best measured's peak
// epoch, in the user's schedule, must train at under half the first lr (kDecayedBy). Else the
// recommended config peaks (and its early stopping ends it) while the lr is still near its
// start, as the refine trial's was, and the best measured is taken. On the benchmark's teacher
// data (20 epochs, cosine, early stopping), refine trials peak at epochs 4 to 7, where cosine
// still runs at 0.79 to 0.95 of its lr; the tie between lr 0.0111 (74.06%) and 0.0333 (73.06%)
// of seed 0 went to 0.0333 and tested 0.70 points below the random search's best, where 0.0111
// tests 0.21 above it (bench/README.md). A schedule that counts iterations takes the largest:
// the refine step's epochs do not say which iteration its peak would be.
// The schedule is reckoned over the epochs the recommended config would train with the best
// measured (`epochs`, epoch_plan), so the percentage the report gives is the file's own; the peak
// is the last epoch at the best's best validation accuracy (last_best_epoch).
struct Pick {
  const TrialRecord* trial = nullptr;
  std::string why;  // "" unless the best measured was kept against a larger lr
};
constexpr double kDecayedBy = 0.5;
Pick pick_among(const std::vector<const TrialRecord*>& tied, const TrainOptions& user,
                int epochs) {
  const TrialRecord* best = tied.front();
  if (user.schedule.kind == ScheduleKind::kConstant) return {best, ""};
  const TrialRecord* larger = best;
  for (const TrialRecord* t : tied)
    if (param_double(t->params[0]) > param_double(larger->params[0])) larger = t;
  if (larger == best || user.schedule.unit != ScheduleUnit::kEpoch) return {larger, ""};
  epochs = std::max(epochs, 1);
  const int peak = std::clamp(last_best_epoch(*best), 1, epochs);
  const int64_t t = std::max<int64_t>(peak - 1, user.schedule.warmup);  // a warm-up is no decay
  const double left = learning_rate(user.schedule, 1.0, t, epochs);
  if (!(left >= kDecayedBy)) return {larger, ""};
  return {best, "your schedule (" + std::string(schedule_name(user.schedule.kind)) +
                    "), over the recommended config's " + std::to_string(epochs) +
                    " epochs, still trains at " + std::to_string(std::lround(100 * left)) +
                    "% of its lr at epoch " + std::to_string(peak) + ", where trial " +
                    std::to_string(best->id) +
                    " peaked, so its decay comes too late to favour a larger lr"};
}

// Step 5's ranking with its ties, and which of them the recipe takes.
std::string ranking_text(const std::vector<const TrialRecord*>& tied, const Pick& pick) {
  const TrialRecord& best = *tied.front();
  std::string s = "Best of the refine step: trial " + std::to_string(best.id) + ", validation "
                  "accuracy " + num(100 * best.best_metric) + "%.";
  if (tied.size() == 1) return s;
  s += " Within one standard error of it (" +
       num(100 * accuracy_se(best.best_metric, best.val_samples)) + " points on " +
       std::to_string(best.val_samples) + " validation samples), so tied with it:";
  for (size_t k = 1; k < tied.size(); ++k)
    s += " trial " + std::to_string(tied[k]->id) + " (" + num(100 * tied[k]->best_metric) + "%)" +
         (k + 1 < tied.size() ? "," : ".");
  s += " The validation set cannot tell them apart";
  if (pick.trial == &best)
    return s + "; the recipe takes the best measured, trial " + std::to_string(best.id) +
           (pick.why.empty() ? "" : ": " + pick.why) + ".";
  return s + "; the recipe takes the one of largest lr, trial " + std::to_string(pick.trial->id) +
         " (lr " + num(param_double(pick.trial->params[0])) +
         "): your schedule decays the lr, and a decaying "
         "schedule does best from a larger lr than the refine step's constant one.";
}

// The refine step's parameters by name (refine_sweep_text: lr, then weight_decay), so that the
// diagnosis's advice can name the weight decay the pick has, and never lowers a zero one.
SearchSpace refine_space() {
  SearchSpace space;
  space.params.resize(2);
  space.params[0].name = "lr";
  space.params[1].name = "weight_decay";
  return space;
}

// How many epochs the recommended config trains with `best`, and how an overfitting best stops at
// its peak. The peak is where its validation accuracy was last at its best (last_best_epoch): a
// flat top has not fallen. With a constant schedule, epochs is cut to the peak: the refine trial
// measured exactly that run. With a decaying one, cutting epochs would squeeze the whole decay into
// the epochs before the peak (cosine over 3 epochs runs its third at 25% of the lr, where over 30
// it runs at 99%), a run nobody measured and not the one pick_among reckoned with; so the user's
// epochs stay (the peak's, if more) and early stopping ends the run past the peak, keeping the
// best epoch's weights, as it would end the refine trial's run. Any other best trains the user's
// epochs or the refine step's, the more.
struct EpochPlan {
  int epochs = 0;
  int peak = 0;                   // last_best_epoch(best)
  bool overfitting = false;
  bool early_stopping = false;    // an overfitting best, stopped by early stopping, not epochs
};
EpochPlan epoch_plan(const TrialRecord& best, bool overfitting, const TrainOptions& user,
                     int refine_epochs) {
  EpochPlan p;
  p.peak = last_best_epoch(best);
  p.overfitting = overfitting && p.peak > 0;
  if (!p.overfitting) {
    p.epochs = std::max(user.epochs, refine_epochs);
  } else if (user.schedule.kind == ScheduleKind::kConstant) {
    // A warm-up counted in epochs must end before the run (train refused warmup 6, epochs 4):
    // past the peak then, whose checkpoint is the one tested.
    p.epochs = p.peak;
    if (user.schedule.unit == ScheduleUnit::kEpoch && user.schedule.warmup >= p.epochs)
      p.epochs = static_cast<int>(user.schedule.warmup) + 1;
  } else {
    p.epochs = std::max(user.epochs, p.peak);
    p.early_stopping = true;
  }
  return p;
}

// "its validation accuracy peaked at epoch 3 and fell after", as the best's curve has it: a flat
// top names its first and last epochs, and a curve at its best to its last epoch (the overfitting
// was read on its validation loss) is not said to have fallen.
std::string peak_words(const TrialRecord& best, int peak) {
  const std::string at =
      best.best_epoch < peak ? "held its best from epoch " + std::to_string(best.best_epoch) +
                                   " to epoch " + std::to_string(peak)
                             : "peaked at epoch " + std::to_string(peak);
  if (peak < best.epochs) return "its validation accuracy " + at + " and fell after";
  return "its validation accuracy " + at + ", the refine step's last, while the curves above show "
         "it overfitting";
}

// Step 6's "Next:": the plan's epochs and why, into r (the keys it changes and why) and the
// report. An overfitting best is never told to train longer; any other is told to go longer if it
// was still improving at the end and the recommended config does not already train longer than
// the refine trial did.
std::string next_epochs(const TrialRecord& best, const EpochPlan& plan, const TrainOptions& user,
                        int refine_epochs, Recommended* r) {
  std::string s;
  r->opt.epochs = plan.epochs;
  const std::string trial = "refine trial " + std::to_string(best.id);
  const std::string regularise =
      "; to go further, add regularisation (a larger weight_decay, dropout) or data.";
  if (plan.overfitting && !plan.early_stopping) {
    r->why["epochs"] = trial + " was at its best at epoch " + std::to_string(plan.peak) + " of " +
                       std::to_string(best.epochs) + " and overfit after";
    s += " Next: do not train it longer: " + peak_words(best, plan.peak) +
         ", so the recommended config stops at epoch " + std::to_string(plan.epochs) +
         (plan.epochs > plan.peak ? " (its warm-up of " + std::to_string(user.schedule.warmup) +
                                        " epochs must end before the run; the checkpoint tested "
                                        "is epoch " + std::to_string(plan.peak) + "'s)"
                                  : std::string()) +
         regularise;
  } else if (plan.overfitting) {
    if (plan.epochs != user.epochs)  // else the user's own (a --set one says so)
      r->why["epochs"] = trial + " peaked at epoch " + std::to_string(plan.peak) +
                         "; early stopping ends the run past it";
    std::string stopper;
    if (!user.early.enabled) {
      r->opt.early.enabled = true;
      r->why["early_stopping"] = trial + " overfit after epoch " + std::to_string(plan.peak) +
                                 ": this ends the run past its peak with that epoch's weights";
      stopper = "early stopping, which the recommended config turns on (patience " +
                std::to_string(user.early.patience) + ", on " +
                monitor_name(user.early.monitor) + "),";
    } else {
      stopper = "your early stopping (patience " + std::to_string(user.early.patience) + ", on " +
                monitor_name(user.early.monitor) + ")";
    }
    s += " Next: do not train it past its peak: " + peak_words(best, plan.peak) +
         ". The recommended config keeps your schedule (" + schedule_name(user.schedule.kind) +
         ") over " + std::to_string(plan.epochs) + " epochs rather than cutting epochs to " +
         std::to_string(plan.peak) + ", which would squeeze the whole decay into them (a run the "
         "recipe did not measure); " + stopper + " ends the run past the peak and keeps the best "
         "epoch's weights" + regularise;
  } else {
    if (plan.epochs != user.epochs)  // else the user's own (a --set one says so)
      r->why["epochs"] =
          "the refine step trained " + std::to_string(refine_epochs) + " epochs at a constant lr";
    if (user.schedule.kind == ScheduleKind::kConstant)
      s += " Next: the recommended config trains this configuration for " +
           std::to_string(plan.epochs) +
           " epochs at a constant lr, as your schedule and the refine step do; lr decay usually "
           "gains more at the end (below).";
    else
      s += " Next: train this configuration with lr decay (the refine step kept the lr "
           "constant): the recommended config trains it for " +
           std::to_string(plan.epochs) + " epochs with your schedule.";
    // A flat top to the last epoch has not fallen either: at its best, if not rising.
    const std::string how = best.best_epoch == best.epochs ? "still rising" : "still at its best";
    if (plan.peak == best.epochs && plan.epochs > best.epochs)
      s += " Its validation accuracy was " + how + " at the refine step's last epoch (" +
           std::to_string(best.epochs) + "); the recommended config's " +
           std::to_string(plan.epochs) + " epochs go on past it.";
    else if (plan.peak == best.epochs)
      s += " Its validation accuracy was " + how + " at the refine step's last epoch, so, if "
           "you can afford it, train this configuration for longer (raise epochs).";
  }
  return s;
}

}  // namespace

Result<Recommendation> recommend(const RecipeConfig& config, const std::vector<TrialRecord>& refine,
                                 const std::vector<TrialRecord>& coarse,
                                 const std::vector<LrTried>& lr_find, const RecipeOptions& o) {
  Recommendation rec;
  const std::vector<const TrialRecord*> tied = tied_with_best(refine);
  if (tied.empty()) {
    rec.verdict = "no_trial";
    rec.report = "No trial of the refine step completed (every one diverged or failed), so there "
                 "is nothing to recommend: look at the coarse grid's curves, and try lower "
                 "learning rates.";
    return rec;
  }
  // The best measured's epochs decide how the tie rule reckons the schedule (pick_among); the
  // pick is usually that trial, and then its diagnosis serves both.
  const SweepContext ctx = sweep_context(refine, refine_space());
  const std::vector<Finding> front = diagnose(*tied.front(), ctx);
  const Pick pick = pick_among(
      tied, config.base,
      epoch_plan(*tied.front(), has_label(front, "overfitting"), config.base, o.refine.epochs)
          .epochs);
  const TrialRecord& best = *pick.trial;
  rec.ok = true;
  rec.verdict = "ok";
  for (const TrialRecord* t : tied) rec.tied.push_back(t->id);
  rec.best_id = best.id;
  rec.best_val_acc = best.best_metric;
  rec.lr = param_double(best.params[0]);
  rec.weight_decay = param_double(best.params[1]);

  std::string& s = rec.report;
  s = ranking_text(tied, pick) + " Recommended: lr " + num(rec.lr) + ", weight_decay " +
      num(rec.weight_decay) + ", validation accuracy " + num(100 * rec.best_val_acc) +
      "% at epoch " + std::to_string(best.best_epoch) + " of " + std::to_string(best.epochs) +
      " (trial " + std::to_string(best.id) + ").";
  const std::vector<Finding> findings = pick.trial == tied.front() ? front : diagnose(best, ctx);
  for (const Finding& f : findings) {
    s += " Its curves: " + f.label + ": " + f.evidence;
    if (s.back() != '.') s += '.';
    if (!f.advice.empty()) s += " " + f.advice + (f.advice.back() == '.' ? "" : ".");
  }
  std::vector<LrTried> tried = lr_find;
  for (const auto* step : {&coarse, &refine})
    for (const LrTried& t : lrs_tried(*step)) tried.push_back(t);
  const LrEdge edge = lr_edge(rec.lr, tried);
  if (const std::string e = lr_edge_text(
          rec.lr, edge, "run the recipe again with coarse_lr_factors reaching further that way");
      !e.empty())
    s += " " + e;
  double wd_hi = rec.weight_decay;
  for (const TrialRecord& r : coarse)
    if (r.params.size() >= 2) wd_hi = std::max(wd_hi, param_double(r.params[1]));
  const bool overfitting = has_label(findings, "overfitting");
  if (overfitting && rec.weight_decay == wd_hi && wd_hi > 0)
    s += " It overfits with the largest weight decay tried: try larger ones (coarse_weight_decays), "
         "dropout, or more data.";

  Recommended r;
  r.opt = config.base;
  r.opt.lr = rec.lr;
  r.opt.optim.weight_decay = rec.weight_decay;
  r.why["lr"] = "refine trial " + std::to_string(best.id) + "'s lr";
  if (edge.side != 0)  // the line says it too: the file's own lr may lie that way, untried
    r.why["lr"] += std::string(", the ") + (edge.side > 0 ? "largest" : "smallest") +
                   " lr tried: a better one may lie " + (edge.side > 0 ? "above" : "below") +
                   " it";
  r.why["weight_decay"] = "refine trial " + std::to_string(best.id) + "'s weight_decay";
  s += next_epochs(best, epoch_plan(best, overfitting, config.base, o.refine.epochs), config.base,
                   o.refine.epochs, &r);
  s += std::string(" The recommended config is your file with the changed keys marked; it keeps "
                   "your schedule (") + schedule_name(config.base.schedule.kind) + ")" +
       (config.base.schedule.kind == ScheduleKind::kConstant ? ": consider step or cosine decay."
                                                             : ".");
  auto text = recommended_config(config, r, s);
  if (!text) return text.error();
  rec.config = std::move(*text);
  return rec;
}

bool is_recommended_config(const std::string& text) {
  // Without the space after "recipe": comment_lines breaks the line there before a long name.
  return text.rfind("# " + kRecommendedOpening.substr(0, kRecommendedOpening.size() - 1), 0) == 0;
}

Result<std::string> recommended_config_at(const RecipeConfig& config, const std::string& text) {
  // Its paths are as recommend() left them: relative ones relative to config.name's folder (it
  // wrote the others absolute), so the rule for the user's file holds for it too.
  const RecipeConfig written{config.name, text, config.out, config.base};
  auto moved = relative_paths(written);
  if (!moved) return moved.error();
  if (moved->empty()) return text;
  TrainConfig file;
  if (Status st = file.load_text(text, config.name, config_folder(config.name)); !st)
    return st.error();
  auto opt = file.finish();
  if (!opt) return opt.error();
  return with_changes(text, config.name, absolute_paths(written, *moved, *opt));
}

}  // namespace hs
