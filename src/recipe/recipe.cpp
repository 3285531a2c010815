// recipe.cpp: the recipe's driver (recipe.h): the steps in order, each recorded in the recipe
// file as it ends.
#include "recipe/recipe.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "config/canonical.h"
#include "core/file.h"
#include "exec/run_trials.h"
#include "recipe/config_edit.h"
#include "recipe/step_objectives.h"
#include "recipe/step_sweeps.h"
#include "recipe/text.h"
#include "store/open.h"
#include "store/recipe_file.h"
#include "sweep/sweep_header.h"

namespace hs {

namespace {

namespace fs = std::filesystem;
using recipe_text::num;

std::vector<TrialRecord> by_id(std::vector<TrialRecord> v) {
  std::sort(v.begin(), v.end(), [](const TrialRecord& a, const TrialRecord& b) { return a.id < b.id; });
  return v;
}

// Step 4's report: the grid, the trials that go on, and where the best lr sits among every lr
// tried so far (steps 3 and 4).
std::string coarse_report(const LrFindResult& r3, const std::vector<TrialRecord>& coarse,
                          const RefinePicks& refine, const RecipeOptions& o) {
  const std::vector<std::pair<double, double>>& picks = refine.pairs;
  std::string report = "Coarse grid around lr " + num(r3.best_lr) + ": " +
                       std::to_string(coarse.size()) + " trials of lr x weight_decay, " +
                       recipe_text::epochs(o.coarse.epochs) + " each at a constant lr.";
  if (picks.empty())
    return report + " No trial completed: every one diverged or failed. Lower the learning rates "
                    "(coarse_lr_factors) or look at the trials' errors.";
  const auto pair = [](const std::pair<double, double>& p) {
    return "(lr " + num(p.first) + ", weight_decay " + num(p.second) + ")";
  };
  report += picks.size() == 1
                ? std::string(" The best by validation accuracy goes on:")
                : " The best " + std::to_string(picks.size()) + " by validation accuracy go on:";
  for (const auto& p : picks) report += " " + pair(p);
  if (const auto& last = refine.last) {
    report += ", and in place of " + pair(last->replaced) + " one more lr, with weight_decay " +
              num(last->weight_decay) + ", after them: lr " + num(last->lr) +
              " is the lowest of the grid";
    if (last->above_collapsed)
      report += " and lr " + num(last->above) + " above it collapsed, so the next lr below, " +
                num(last->below) + ".";
    else
      report += ", and which way the lr that does best over " +
                recipe_text::epochs(o.refine.epochs) + " lies, " +
                (o.coarse.epochs == 1 ? "one epoch" : recipe_text::epochs(o.coarse.epochs)) +
                " cannot say. Refine " +
                "trial 0's curve decides: if its validation accuracy peaks in the last fifth of " +
                "its epochs (still rising), lr " + num(last->between) + " (halfway to " +
                num(last->above) + "), else the next lr below, " + num(last->below) + ".";
  } else {
    report += ".";
  }
  std::vector<LrTried> tried = lrs_tried(r3.trials);
  for (const LrTried& t : lrs_tried(coarse)) tried.push_back(t);
  const double best_lr = picks.front().first;
  if (const std::string e = lr_edge_text(best_lr, lr_edge(best_lr, tried),
                                         "give coarse_lr_factors reaching further that way");
      !e.empty())
    report += " The best " + e;
  return report;
}

// Step 5's report: each trial, the best and those tied with it (trial/tie.h) marked.
std::string refine_report(const std::vector<TrialRecord>& refine, const RecipeOptions& o) {
  std::string report = "Refined " + std::to_string(refine.size()) + " configurations for " +
                       recipe_text::epochs(o.refine.epochs) + " at a constant lr:";
  const std::vector<const TrialRecord*> tied = tied_with_best(refine);
  for (const TrialRecord& r : refine) {
    const auto at = std::find(tied.begin(), tied.end(), &r);
    report += " trial " + std::to_string(r.id) + " " + status_name(r.status) +
              ", validation accuracy " + num(100 * r.best_metric) + "% at epoch " +
              std::to_string(r.best_epoch) +
              (at == tied.begin() ? " (the best)" : at != tied.end() ? " (tied with the best)" : "") +
              ";";
  }
  report.back() = '.';
  if (tied.size() > 1)
    report += " Tied: within one standard error of the best's validation accuracy, a difference "
              "the validation set cannot tell from noise.";
  return report;
}

// A step's records by id, or nullopt when a signal stopped it.
using StepRecords = std::optional<std::vector<TrialRecord>>;

// One run of the recipe: what is recorded so far, and how each step is run and kept.
class RecipeRun {
 public:
  RecipeRun(const RecipeSetup& setup, const DataBundle& data, Executor& executor,
            const std::function<void(const std::string&)>& say)
      : setup_(setup), o_(setup.options), base_(setup.base), data_(data), executor_(executor),
        say_(say), dir_(setup.out + ".steps") {
    header_.config_text = setup.config_text;
    header_.config_hash = config_hash(setup.config_text);
    header_.version = HYPERSWEEP_VERSION;
    header_.start_time = setup.start_time;
  }

  Result<RecipeOutcome> run();

 private:
  std::string path(int step) const {
    return (fs::path(dir_) / (std::string(kRecipeSteps[step - 1]) + ".h5")).string();
  }
  void say(const std::string& line) const {
    if (say_) say_(line);
  }
  Result<std::optional<RecipeOutcome>> take_existing();
  Status save(const std::string& status) {
    header_.status = status;
    return write_recipe_file(setup_.out, header_, steps_);
  }
  void finish_step(RecipeStepOut s, const std::string& verdict, const std::string& report) {
    s.text["verdict"] = verdict;
    s.text["report"] = report;
    out_.reports.push_back(report);
    steps_.push_back(std::move(s));
  }
  // A check failed at `step`: record why, keep the file, stop.
  Result<RecipeOutcome> stop_at(int step, const std::string& verdict) {
    out_.failed_step = step;
    out_.status = "stopped at step " + std::to_string(step) + ": " + verdict;
    if (Status st = save(out_.status); !st) return st.error();
    return out_;
  }
  // A signal stopped `step`: the file says so (not "running"), and the same command continues.
  Result<RecipeOutcome> interrupted(int step) {
    out_.interrupted = true;
    out_.status = "interrupted";
    if (Status st = save("stopped by a signal during step " + std::to_string(step)); !st)
      return st.error();
    return out_;
  }
  Result<bool> step1();
  Result<bool> step2();
  Result<StepRecords> sweep_step(int step, const std::string& text,
                                 const std::string& file_path = "",
                                 const std::vector<TrialRecord>& carried = {},
                                 int64_t step_total = 0);
  Result<StepRecords> refine_step(const RefinePicks& refine, std::string* why);
  Result<RecipeOutcome> steps_3_to_6();

  const RecipeSetup& setup_;
  const RecipeOptions& o_;
  const TrainOptions& base_;
  const DataBundle& data_;
  Executor& executor_;
  const std::function<void(const std::string&)>& say_;
  const std::string dir_;  // the step files
  RecipeHeader header_;
  std::vector<RecipeStepOut> steps_;
  RecipeOutcome out_;
  int classes_ = 0;  // step 1's count, for step 2's records
};

// The text of the file at `path` ("" when it cannot be read).
std::string file_text(const std::string& path) { return read_file(path).value_or(""); }

// Whether a new file can be made where `path` goes: one is made and removed at once in its folder
// (or, where that is still to be made, in the nearest folder above it that is there), so a
// read-only folder, or a file where a folder should be, is found before any training, not when
// step 6 writes there. Errors name `path`.
Status check_can_create(const std::string& path, const std::string& what) {
  const fs::path p(path);
  fs::path dir = p.parent_path();
  std::error_code ec;
  while (!dir.empty() && !fs::exists(dir, ec) && dir != dir.parent_path()) dir = dir.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec))
    return make_error(path, dir.string() + " is not a folder, so the " + what +
                                " cannot be written there: give another path");
  std::string probe = pending_prefix((dir / p.filename()).string()) + "XXXXXX";
  const int fd = ::mkstemp(probe.data());
  if (fd < 0)
    return make_error(path, "cannot write the " + what + " in " + dir.string() + ": " +
                                errno_text() + " (checked before any training)");
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

// The file the recommended config is made from, tried now: one that cannot be edited a line at
// a time (a [train] of dotted keys) failed at step 6, after all the training.
Status check_editable(const RecipeSetup& setup) {
  if (setup.file_text.empty()) return {};
  auto tried = with_changes(setup.file_text, setup.config_name, {{"lr", "lr = 0.1", ""}});
  return tried ? Status{} : Status(tried.error());
}

// What is at `out` already: nothing (or --force), this recipe unfinished (continue it), this
// recipe complete (its outcome: nothing runs), or something else (an error). The recommended
// config's path is checked here too, before anything runs that will write it: a file there that
// the recipe did not write is never replaced without --force, and one that cannot be written is
// said now, not after the training. A complete recipe writes it only where there is none.
Result<std::optional<RecipeOutcome>> RecipeRun::take_existing() {
  if (Status st = check_output_file(setup_.out, "recipe file"); !st) return st.error();
  if (Status st = check_output_file(setup_.recommended, "recommended config", ".toml"); !st)
    return st.error();
  auto check_config_out = [&]() -> Status {
    if (!setup_.force && fs::exists(setup_.recommended) &&
        !is_recommended_config(file_text(setup_.recommended)))
      return make_error(setup_.recommended,
                        "exists and is not a config hypersweep recipe wrote, so it is not "
                        "replaced: give another --config-out, or --force to replace it (and "
                        "start the recipe over)");
    return check_can_create(setup_.recommended, "recommended config");
  };
  std::error_code ec;
  if (setup_.force) {
    if (Status st = check_config_out(); !st) return st.error();
    fs::remove(setup_.out, ec);
    fs::remove_all(dir_, ec);
    return std::optional<RecipeOutcome>();
  }
  if (!fs::exists(setup_.out)) {
    if (Status st = check_config_out(); !st) return st.error();
    return std::optional<RecipeOutcome>();
  }
  if (!is_recipe_file(setup_.out)) {
    if (ResultsFile::read_header(setup_.out).ok())  // --force would lose a sweep: not offered
      return make_error(setup_.out,
                        "holds a sweep's results, not a recipe, so it is not "
                        "overwritten: give another --out (hypersweep show reads it)");
    return make_error(setup_.out, "exists and is not a hypersweep recipe file, so it is not "
                                  "overwritten: give another --out, or --force to replace it");
  }
  auto old = read_recipe(setup_.out);
  if (!old) return old.error();
  // The same config means the same recipe, as for a sweep: compared in its canonical form, so
  // a comment or the order of keys does not count (config/canonical.h).
  SweepHeader a, b;
  a.config_text = old->header.config_text, a.config_hash = old->header.config_hash;
  b.config_text = header_.config_text, b.config_hash = header_.config_hash;
  b.config_form = canonical_config;
  if (const std::string differs = header_difference(a, b); !differs.empty())
    return make_error(setup_.out, "holds the recipe of another config, so it is neither "
                                  "continued nor overwritten: " + differs +
                                  "; give another --out, or --force to start over");
  header_.start_time = old->header.start_time;  // the recipe started then; this continues it
  if (old->header.status != "complete") {
    if (Status st = check_config_out(); !st) return st.error();
    return std::optional<RecipeOutcome>();
  }
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
  // The recommended config is in the file: write it where asked when nothing is there (another
  // --config-out, maybe in another folder, or a file deleted since). A file there that differs
  // is kept, whoever wrote it: it may be this one edited by hand (its header gone too), which
  // must not be lost; the outcome says so (config_kept).
  if (!done.recommendation.config.empty()) {
    auto text = recommended_config_at(
        {setup_.config_name, setup_.file_text, setup_.recommended, base_},
        done.recommendation.config);
    if (!text) return text.error();
    done.recommendation.config = std::move(*text);
    if (!fs::exists(setup_.recommended)) {
      if (Status st = write_file_atomically(setup_.recommended, done.recommendation.config); !st)
        return st.error();
    } else {
      done.config_kept = file_text(setup_.recommended) != done.recommendation.config;
    }
  }
  return std::optional<RecipeOutcome>(std::move(done));
}

// Step 1: the initial loss. False when its check failed (the outcome says so).
Result<bool> RecipeRun::step1() {
  say("step 1/6: initial loss");
  auto r1 = check_initial_loss(base_, data_, o_.initial);
  if (!r1) return r1.error();
  classes_ = r1->classes;
  RecipeStepOut s;
  s.group = kRecipeSteps[0];
  s.numbers = {{"loss", r1->loss},          {"expected", r1->expected},
               {"rel_error", r1->rel_error}, {"tolerance", r1->tolerance},
               {"classes", r1->classes},     {"batches", r1->batches},
               {"samples", static_cast<double>(r1->samples)}};
  s.series["batch_losses"] = r1->batch_losses;
  finish_step(std::move(s), r1->verdict, r1->report);
  say(r1->report);
  if (r1->ok) return true;
  if (auto st = stop_at(1, "initial loss " + r1->verdict); !st) return st.error();
  return false;
}

// Step 2, on rank 0; its attempts are stored like a sweep's trials, for the report.
Result<bool> RecipeRun::step2() {
  say("step 2/6: overfit a small sample");
  auto r2 = overfit_small_sample(base_, data_, o_.overfit);
  if (!r2) return r2.error();
  auto sweep = load_sweep_text(overfit_sweep_text(base_, o_), "<recipe step 2>");
  if (!sweep) return sweep.error();
  auto f = ResultsFile::create(path(2), sweep_header(*sweep, header_.start_time), true);
  if (!f) return f.error();
  for (size_t i = 0; i < r2->tried.size(); ++i)
    if (Status st = f->append(overfit_record(r2->tried[i], static_cast<int64_t>(i), classes_)); !st)
      return st.error();
  if (Status st = f->close(); !st) return st.error();
  RecipeStepOut s;
  s.group = kRecipeSteps[1];
  s.results_path = path(2);
  s.numbers = {{"lr", r2->lr}, {"samples", static_cast<double>(r2->samples)}};
  finish_step(std::move(s), r2->verdict, r2->report);
  say(r2->report);
  if (r2->ok) return true;
  if (auto st = stop_at(2, r2->verdict); !st) return st.error();
  return false;
}

// Steps 3-5: a sweep of its own step file (`file`, path(step) when empty), its trials through
// the executor. `carried`: trials already run, by the same rule, in another of the step's files,
// recorded first in a new file, so that its queue runs only the rest. `step_total`: the step's
// trials when this sweep is only its first part (0: this sweep's). The progress lines count
// against the step's total, and "best so far" against every trial of the step recorded (carried,
// or kept from a run that was stopped).
Result<StepRecords> RecipeRun::sweep_step(int step, const std::string& text,
                                          const std::string& file_path,
                                          const std::vector<TrialRecord>& carried,
                                          int64_t step_total) {
  auto sweep = step_sweep(step, text);
  if (!sweep) return sweep.error();
  sweep->trial_policy.fail_fast = 0;  // every trial of a step runs: its outcome reads them all
  OpenPolicy policy;
  policy.replace_other = true;  // a step file left by a recipe of other inputs starts anew
  const std::string at = file_path.empty() ? path(step) : file_path;
  auto opened = open_results(at, sweep_header(*sweep, header_.start_time), policy);
  if (!opened) return opened.error();
  ResultsFile& file = opened->file;
  const bool continuing = file.trial_count() > 0;
  if (!continuing)
    for (const TrialRecord& r : carried)
      if (Status st = file.append(r); !st) return st.error();
  auto queue = TrialQueue::make(*sweep, recorded_in(file), Resume{});
  if (!queue) return Error{at, 0, "", queue.error().message};
  if (continuing)
    say(std::string(kRecipeSteps[step - 1]) + ": " + std::to_string(queue->finished()) + " of " +
        std::to_string(queue->total()) + " trials recorded already (continuing " + file.path() + ")");
  ProgressDisplay display(Metric{sweep->metric, sweep->strategy.direction}, sweep->space,
                          queue->finished(), setup_.live_progress);
  display.count_against(step_total);
  if (Status st = consider_recorded(file, display); !st) return st.error();
  auto ran = run_trials(executor_, step_job(step, text), *queue, file, display);
  if (!ran) return ran.error();
  if (!ran->stored) return ran->stored.error();
  auto recorded = file.read_trials();  // a step's sweep is tens of trials
  if (!recorded) return recorded.error();
  std::vector<TrialRecord> records = by_id(std::move(*recorded));
  if (Status st = file.close(); !st) return st.error();
  if (ran->interrupted) return StepRecords();
  return StepRecords(std::move(records));
}

// Step 5: the refine step's trials. With a last place to decide (step_sweeps.h), the others
// first, in a file of their own, then all of them in the step's file, the first ones carried
// over; `why` says where the last place went.
Result<StepRecords> RecipeRun::refine_step(const RefinePicks& refine, std::string* why) {
  if (!refine.last) return sweep_step(5, refine_sweep_text(base_, refine.pairs, o_));
  const std::string first_path =
      (fs::path(dir_) / (std::string(kRecipeSteps[4]) + "_first.h5")).string();
  auto first = sweep_step(5, refine_sweep_text(base_, refine.pairs, o_), first_path, {},
                          static_cast<int64_t>(refine.pairs.size()) + 1);
  if (!first || !*first) return first;
  std::vector<std::pair<double, double>> all = refine.pairs;
  all.push_back(last_place(*refine.last, (**first).front(), why));
  say(*why);
  return sweep_step(5, refine_sweep_text(base_, all, o_), "", **first);
}

Result<RecipeOutcome> RecipeRun::run() {
  if (Status st = check_editable(setup_); !st) return st.error();
  auto existing = take_existing();
  if (!existing) return existing.error();
  if (*existing) return std::move(**existing);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return make_error(dir_, "cannot create the folder for the step files: " + ec.message());
  for (auto step : {&RecipeRun::step1, &RecipeRun::step2}) {
    auto passed = (this->*step)();
    if (!passed) return passed.error();
    if (!*passed) return out_;
  }
  if (Status st = save("running"); !st) return st.error();
  return steps_3_to_6();
}

Result<RecipeOutcome> RecipeRun::steps_3_to_6() {
  say("step 3/6: learning-rate search, " + std::to_string(o_.lr_find.lrs.size()) + " lrs x " +
      std::to_string(o_.lr_find.iterations) + " updates");
  auto t3 = sweep_step(3, lr_find_sweep_text(base_, o_));
  if (!t3) return t3.error();
  if (!*t3) return interrupted(3);
  std::vector<LrTrial> lr_trials;
  for (const TrialRecord& r : **t3) lr_trials.push_back(lr_trial_of(r));
  const LrFindResult r3 = pick_lr(std::move(lr_trials));
  RecipeStepOut s3;
  s3.group = kRecipeSteps[2];
  s3.results_path = path(3);
  s3.numbers = {{"best_lr", r3.best_lr}};
  finish_step(std::move(s3), r3.ok ? "ok" : "no_lr", r3.report);
  say(r3.report);
  if (!r3.ok) return stop_at(3, "no learning rate lowered the loss");
  if (Status st = save("running"); !st) return st.error();

  say("step 4/6: coarse grid, " + recipe_text::epochs(o_.coarse.epochs) + " per trial");
  auto t4 = sweep_step(4, coarse_sweep_text(base_, r3.best_lr, o_));
  if (!t4) return t4.error();
  if (!*t4) return interrupted(4);
  const RefinePicks refine = refine_picks(**t4, o_.refine.top);
  const std::vector<std::pair<double, double>>& picks = refine.pairs;
  std::string report = coarse_report(r3, **t4, refine, o_);
  RecipeStepOut s4;
  s4.group = kRecipeSteps[3];
  s4.results_path = path(4);
  finish_step(std::move(s4), picks.empty() ? "no_trial" : "ok", report);
  say(report);
  if (picks.empty()) return stop_at(4, "no trial completed");
  if (Status st = save("running"); !st) return st.error();

  say("step 5/6: refine " + std::to_string(picks.size() + (refine.last ? 1 : 0)) +
      " configurations, " + recipe_text::epochs(o_.refine.epochs) + " each");
  std::string last_why;
  auto t5 = refine_step(refine, &last_why);
  if (!t5) return t5.error();
  if (!*t5) return interrupted(5);
  report = refine_report(**t5, o_) + (last_why.empty() ? "" : " " + last_why);
  RecipeStepOut s5;
  s5.group = kRecipeSteps[4];
  s5.results_path = path(5);
  finish_step(std::move(s5), "ok", report);
  say(report);

  say("step 6/6: diagnosis and recommendation");
  auto recommended = recommend({setup_.config_name, setup_.file_text, setup_.recommended, base_},
                               **t5, **t4,
                               lrs_tried(r3.trials), o_);
  if (!recommended) return recommended.error();
  out_.recommendation = std::move(*recommended);
  const Recommendation& rec = out_.recommendation;
  RecipeStepOut s6;
  s6.group = kRecipeSteps[5];
  s6.text["config"] = rec.config;
  s6.text["recommended_file"] = setup_.recommended;
  s6.numbers = {{"best_trial", static_cast<double>(rec.best_id)},
                {"best_val_acc", rec.best_val_acc},
                {"lr", rec.lr},
                {"weight_decay", rec.weight_decay}};
  if (rec.tied.size() > 1) {  // text, which the report lists with the step's facts
    std::string& ids = s6.text["tied_trials"];
    for (int64_t id : rec.tied) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
  }
  finish_step(std::move(s6), rec.verdict, rec.report);
  if (!rec.ok) return stop_at(6, rec.verdict);
  // Complete first: the recommendation is in the recipe file, so a config that cannot be written
  // (checked at the start, but a disk can fill) is written by the same command again.
  out_.status = "complete";
  if (Status st = save(out_.status); !st) return st.error();
  std::error_code ec;
  fs::remove_all(dir_, ec);  // every step is in the recipe file now
  if (Status st = write_file_atomically(setup_.recommended, rec.config); !st)
    return make_error(setup_.recommended,
                      st.error().message + "; the recipe is complete in " + setup_.out +
                          ": the same command again writes its recommended config");
  return out_;
}

}  // namespace

Result<RecipeOutcome> run_recipe(const RecipeSetup& setup, const DataBundle& data,
                                 Executor& executor,
                                 const std::function<void(const std::string&)>& say) {
  return RecipeRun(setup, data, executor, say).run();
}

}  // namespace hs
