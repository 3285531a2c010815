#include "recipe/step_objectives.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "objective/objective.h"
#include "objective/trainer_objective.h"
#include "recipe/step_sweeps.h"

namespace hs {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr char kStepJob[] = "recipe step ";

// A record of trial `id` at learning rate `lr` (steps 2 and 3 search lr alone).
TrialRecord lr_record(int64_t id, double lr, TrialStatus status) {
  return record_of(Trial{id, {ParamValue{lr}}}, status);
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

// Step 3's trial: lr_trial at the trial's lr, from the user's config's initialisation.
class LrFindObjective final : public Objective {
 public:
  LrFindObjective(const TrainOptions& base, const LrFindOptions& o,
                  std::shared_ptr<const DataBundle> data)
      : base_(base), options_(o), data_(std::move(data)) {}
  Status prepare() override { return {}; }
  TrialRecord run(const Trial& t, const TrialHooks&) override {
    const double lr = t.values.empty() ? kNaN : param_double(t.values[0]);
    auto r = lr_trial(base_, *data_, lr, options_);
    if (!r) {
      TrialRecord f = lr_record(t.id, lr, TrialStatus::kFailed);
      f.error = r.error().str();
      return f;
    }
    return lr_trial_record(*r, t.id);
  }

 private:
  TrainOptions base_;
  LrFindOptions options_;
  std::shared_ptr<const DataBundle> data_;
};

}  // namespace

Job step_job(int step, const std::string& sweep_text) {
  return Job{kStepJob + std::to_string(step), sweep_text};
}

Result<std::unique_ptr<Objective>> step_objective(const Job& job, const TrainOptions& base,
                                                  const RecipeOptions& o,
                                                  std::shared_ptr<const DataBundle> data) {
  const int step = job.name.starts_with(kStepJob) ? std::atoi(job.name.c_str() + sizeof kStepJob - 1) : 0;
  if (step < 3 || step > 5) return make_error("", "not a job of the recipe: \"" + job.name + "\"");
  auto sweep = step_sweep(step, job.text);
  if (!sweep) return sweep.error();
  if (step == 3)
    return std::unique_ptr<Objective>(
        std::make_unique<LrFindObjective>(base, o.lr_find, std::move(data)));
  // Steps 4 and 5 train in this process, on `data`, as steps 1-3 do: their trials are the
  // user's config with another lr and weight decay, which change neither the memory a trial
  // needs nor the code it runs, and steps 1-3 have trained that config here already. A process
  // per trial (forked_objective.h) would contain nothing they have not, and on a small data set
  // it cost a third of the recipe's CPU time (bench/README.md, "The recipe measured").
  sweep->trial_policy.isolate = false;
  return make_objective(*sweep, base.threads, std::move(data));
}

TrialRecord overfit_record(const OverfitAttempt& a, int64_t id, int classes) {
  TrialRecord r = lr_record(id, a.lr, a.outcome);
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
  TrialRecord r = lr_record(id, t.lr, t.diverged ? TrialStatus::kDiverged : TrialStatus::kCompleted);
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

}  // namespace hs
