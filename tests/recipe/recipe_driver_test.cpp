// The whole recipe (src/recipe/recipe.h): the [recipe] table, the step sweeps, steps 4-6 and the
// driver run in this process on a small synthetic problem (threads = 1), its HDF5 file, stops at
// failed checks, and continuing after a stop.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <unistd.h>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "data/load.h"
#include "exec/in_process.h"
#include "objective/trainer_objective.h"
#include "recipe/lr_edge.h"
#include "recipe/recipe.h"
#include "recipe/step_objectives.h"
#include "recipe/step_sweeps.h"
#include "store/recipe_file.h"

using namespace hs;
namespace fs = std::filesystem;

namespace {

// configs/recipe_quick.toml: a synthetic problem the recipe gets through in a second, with one
// thread (bit-identical results) and a [recipe] table last, so lines appended land in it.
const std::string kConfig = [] {
  std::ifstream f(std::string(HS_SOURCE_DIR) + "/configs/recipe_quick.toml");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}();

class Dir {
 public:
  Dir() : path_(fs::temp_directory_path() / ("hs_recipe_" + std::to_string(::getpid()) + "_" +
                                              std::to_string(n_++))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~Dir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
  static inline int n_ = 0;
};

struct Setup {
  RecipeSetup setup;
  std::shared_ptr<const DataBundle> data;
};

Setup make_setup(const Dir& dir, const std::string& text, const std::vector<std::string>& sets = {}) {
  Setup s;
  TrainConfig cfg;
  REQUIRE(cfg.load_text(text, "recipe.toml").ok());
  for (const auto& kv : sets) REQUIRE(cfg.set(kv).ok());
  auto base = cfg.finish();
  REQUIRE(base.ok());
  auto opts = load_recipe_options(text, "recipe.toml");
  REQUIRE(opts.ok());
  s.setup.config_name = "recipe.toml";
  s.setup.config_text = cfg.text();
  s.setup.file_text = text;
  s.setup.base = *base;
  s.setup.options = *opts;
  s.setup.out = dir / "recipe.h5";
  s.setup.recommended = dir / "recommended.toml";
  s.setup.start_time = "2026-01-01T00:00:00Z";
  auto d = load_data(base->data);
  REQUIRE(d.ok());
  s.data = std::make_shared<const DataBundle>(std::move(*d));
  return s;
}

// Runs the step's trials in this process, as the CLI does without mpirun (InProcessExecutor on
// the steps' objectives); `budget` trials in all (over every step) before it reports a stop, as a
// signal would.
class LocalRunner final : public Executor {
 public:
  int budget = 1 << 30;
  std::map<int, int> ran;  // trials run per step

  void use(const Setup& s) {
    inner_ = std::make_unique<InProcessExecutor>(
        [&s](const Job& job) { return step_objective(job, s.setup.base, s.setup.options, s.data); },
        "here");
  }
  int workers() const override { return 0; }
  Result<bool> run(const Job& job, TrialQueue& queue, const RunHooks& hooks) override {
    const int step = job.name.back() - '0';  // "recipe step N"
    RunHooks h = hooks;
    h.on_records = [&, step](std::span<const TrialRecord> group,
                             std::span<const Progress> progress) {
      budget -= static_cast<int>(group.size());
      ran[step] += static_cast<int>(group.size());
      return hooks.on_records(group, progress);
    };
    h.stop = [&] { return budget <= 0 || (hooks.stop && hooks.stop()); };
    return inner_->run(job, queue, h);
  }

 private:
  std::unique_ptr<InProcessExecutor> inner_;
};

Result<RecipeOutcome> run(Setup& s, LocalRunner& local) {
  local.use(s);
  return run_recipe(s.setup, *s.data, local, {});
}

double param(const TrialRecord& r, size_t i) { return std::get<double>(r.params.at(i)); }

// A step-4 trial: its (lr, weight_decay), validation accuracy and status.
TrialRecord rec(int64_t id, double acc, double lr, double wd, const char* status = "completed") {
  TrialRecord r;
  r.id = id;
  r.status = *hs::parse_status(status);
  r.best_metric = acc;
  r.params = {lr, wd};
  return r;
}

}  // namespace

TEST_CASE("the recipe table gives each step's budget and names the line of a bad key", "[recipe]") {
  auto d = load_recipe_options("[train]\nlr = 0.1\n", "a.toml");
  REQUIRE(d.ok());
  CHECK(d->coarse.weight_decays == std::vector<double>{1e-4, 1e-5, 0.0});  // the lecture's
  CHECK(d->lr_find.iterations == 100);
  CHECK(d->refine.epochs >= 10);
  CHECK(d->refine.epochs <= 20);
  CHECK(d->coarse.epochs >= 1);
  CHECK(d->coarse.epochs <= 5);

  auto o = load_recipe_options(
      "[recipe]\nlr_find_lrs = [1, 0.5]\nrefine_top = 4\n"
      "coarse_weight_decays = [0, 1e-3]\ninitial_tolerance = 0.1\n",
      "a.toml");
  REQUIRE(o.ok());
  CHECK(o->lr_find.lrs == std::vector<double>{1.0, 0.5});
  CHECK(o->refine.top == 4);  // not the default (2): read from the file
  CHECK(o->coarse.weight_decays == std::vector<double>{0.0, 1e-3});
  CHECK(o->initial.rel_tolerance == 0.1);

  auto bad = load_recipe_options("[recipe]\nrefine_top = 2\nrefine_epoch = 3\n", "b.toml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().file == "b.toml");
  CHECK(bad.error().line == 3);
  CHECK(bad.error().key == "refine_epoch");
  CHECK(bad.error().message.find("refine_epochs") != std::string::npos);  // lists the keys

  auto neg = load_recipe_options("[recipe]\nlr_find_lrs = [0.1, -1]\n", "c.toml");
  REQUIRE_FALSE(neg.ok());
  CHECK(neg.error().key == "lr_find_lrs");
  // A repeated lr is refused here, naming the file, line, key and value, not when step 3's grid
  // takes it (then an error in "<recipe step 3>", the recipe file left "running").
  for (const char* key : {"lr_find_lrs", "overfit_lrs"}) {
    auto twice = load_recipe_options(std::string("[recipe]\nrefine_top = 2\n") + key +
                                         " = [0.1, 0.01, 1e-2]\n",
                                     "d.toml");
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().file == "d.toml");
    CHECK(twice.error().line == 3);
    CHECK(twice.error().key == key);
    CHECK(twice.error().message.find("lists lr 0.01 twice: each lr is one trial of ") != std::string::npos);
  }
  // A value is said as written in its shortest form: 0.1, not 0.10000000000000001.
  auto tenth = load_recipe_options("[recipe]\noverfit_lrs = [0.1, 0.1]\n", "t.toml");
  REQUIRE_FALSE(tenth.ok());
  CHECK(tenth.error().message.rfind("lists lr 0.1 twice", 0) == 0);
  auto bare = load_recipe_options("[recipe]\noverfit_lrs = 0.1\n", "t.toml");
  REQUIRE_FALSE(bare.ok());
  CHECK(bare.error().message == "expected a non-empty list of numbers, got 0.1");
  auto zero = load_recipe_options("[recipe]\ncoarse_epochs = 0\n", "c.toml");
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.error().key == "coarse_epochs");
  // --help shows each key's default as RecipeOptions has it, not a copy that can drift.
  const std::string help = recipe_keys_help();
  CHECK(help.find("refine_epochs         step 5: epochs per trial, constant lr (the lecture's "
                  "10-20); default " +
                  std::to_string(d->refine.epochs) + "\n") != std::string::npos);
  CHECK(help.find("default " + std::to_string(d->coarse.epochs) + "\n") != std::string::npos);
  CHECK(help.find("coarse_lr_factors     step 4: step 3's lr times each of these; default "
                  "[0.333, 1, 3]\n") != std::string::npos);
  // The trainer's config reader accepts the table (and so `hypersweep train` the same file).
  TrainConfig cfg;
  CHECK(cfg.load_text(kConfig, "recipe.toml").ok());
}

TEST_CASE("recipe lrs and weight decays a float32 cannot hold are refused at their line",
          "[recipe]") {
  struct Case {
    const char* text;
    int line;
    const char* key;
  };
  const Case cases[] = {
      {"overfit_lrs = [1e308]", 2, "overfit_lrs"},
      {"lr_find_lrs = [0.1, 1e-45]", 2, "lr_find_lrs"},
      {"lr_find_weight_decay = 1e300", 2, "lr_find_weight_decay"},
      {"coarse_weight_decays = [0, 1e300]", 2, "coarse_weight_decays"},
      // Each factor fits, but step 3's lr times it does not: step 4 would fail, not start.
      {"coarse_lr_factors = [1e300]", 2, "coarse_lr_factors"},
      {"lr_find_lrs = [1e30]\ncoarse_lr_factors = [1, 1e10]", 3, "coarse_lr_factors"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    auto o = load_recipe_options(std::string("[recipe]\n") + c.text + "\n", "f.toml");
    REQUIRE_FALSE(o.ok());
    CHECK(o.error().file == "f.toml");
    CHECK(o.error().line == c.line);
    CHECK(o.error().key == c.key);
    CHECK(o.error().message.find("the trainer computes in float32") != std::string::npos);
  }
  // Zero is a weight decay the trainer holds, and 1e-30 x 0.5 a normal float32.
  CHECK(load_recipe_options("[recipe]\nlr_find_weight_decay = 0\n", "f.toml").ok());
  CHECK(load_recipe_options("[recipe]\nlr_find_lrs = [1e-30]\ncoarse_lr_factors = [0.5]\n",
                            "f.toml").ok());
}

TEST_CASE("the coarse grid crosses lrs around the pick with the weight decays", "[recipe][step4]") {
  TrainOptions base;
  RecipeOptions o;
  auto sweep = step_sweep(4, coarse_sweep_text(base, 0.01, o));
  REQUIRE(sweep.ok());
  auto q = TrialQueue::make(*sweep);
  REQUIRE(q.ok());
  std::set<double> lrs, wds;
  int n = 0;
  while (auto t = q->next()) {
    lrs.insert(std::get<double>(t->values[0]));
    wds.insert(std::get<double>(t->values[1]));
    ++n;
  }
  CHECK(n == 9);
  CHECK(lrs == std::set<double>{0.00333, 0.01, 0.03});  // 3 significant digits
  CHECK(wds == std::set<double>{0.0, 1e-5, 1e-4});
  auto opt = trial_train_options(*sweep, Trial{0, {0.01, 1e-4}});
  REQUIRE(opt.ok());
  CHECK(opt->schedule.kind == ScheduleKind::kConstant);  // no decay in steps 4-5
  CHECK_FALSE(opt->early.enabled);                       // whole curves for the diagnosis
  CHECK_FALSE(opt->evaluate_test);  // it chooses on validation; the test set is the pick's
  CHECK(opt->epochs == o.coarse.epochs);
}

TEST_CASE("the refine step runs exactly the chosen pairs, a shared lr included", "[recipe][step5]") {
  TrainOptions base;
  RecipeOptions o;
  const std::vector<std::pair<double, double>> picks = {{0.01, 0.0}, {0.01, 1e-4}, {0.03, 0.0}};
  auto sweep = step_sweep(5, refine_sweep_text(base, picks, o));
  REQUIRE(sweep.ok());
  auto q = TrialQueue::make(*sweep);
  REQUIRE(q.ok());
  std::vector<std::pair<double, double>> got;
  while (auto t = q->next()) got.emplace_back(std::get<double>(t->values[0]), std::get<double>(t->values[1]));
  CHECK(got == picks);
  auto opt = trial_train_options(*sweep, Trial{0, {0.01, 0.0}});
  REQUIRE(opt.ok());
  CHECK(opt->epochs == o.refine.epochs);
  CHECK_FALSE(opt->evaluate_test);
}

TEST_CASE("steps 4 and 5 train in this process on the data they are given",
          "[recipe][step4][step5]") {
  Dir dir;
  const Setup s = make_setup(dir, kConfig);
  // Half the validation samples of the data the config loads: a trial that loaded the data again
  // (in a process of its own, objective/forked_objective.h) would validate on all of them.
  auto fewer = std::make_shared<DataBundle>();
  fewer->train_file = std::make_unique<Dataset>(*s.data->train_file);
  fewer->train = {fewer->train_file.get(), s.data->train.index};
  const std::vector<int32_t>& val = s.data->val.index;
  fewer->val = {fewer->train_file.get(), {val.begin(), val.begin() + val.size() / 2}};
  fewer->test_kept = Keep::kLabels;
  REQUIRE(fewer->val.size() > 0);
  const TrainOptions& base = s.setup.base;
  const RecipeOptions& o = s.setup.options;
  for (const auto& [step, text] : {std::pair{4, coarse_sweep_text(base, 0.01, o)},
                                   std::pair{5, refine_sweep_text(base, {{0.01, 0.0}}, o)}}) {
    INFO("step " << step);
    auto objective = step_objective(step_job(step, text), base, o, fewer);
    REQUIRE(objective.ok());
    REQUIRE((*objective)->prepare().ok());
    const TrialRecord r = (*objective)->run(Trial{0, {ParamValue{0.01}, ParamValue{0.0}}}, {});
    INFO(r.error);
    CHECK(r.status == TrialStatus::kCompleted);
    CHECK(r.val_samples == fewer->val.size());
    CHECK(r.val_samples < s.data->val.size());
  }
}

TEST_CASE("the best few skip diverged trials and rank by validation accuracy", "[recipe][step4]") {
  const std::vector<TrialRecord> coarse = {
      rec(0, 0.80, 0.1, 0.0), rec(1, NAN, 1.0, 0.0, "diverged"), rec(2, 0.85, 0.03, 1e-4),
      rec(3, 0.99, 0.3, 0.0, "failed"), rec(4, 0.85, 0.01, 0.0)};
  const auto few = best_few(coarse, 2);
  REQUIRE(few.size() == 2);
  CHECK(few[0] == std::pair<double, double>{0.03, 1e-4});  // tie at 0.85: the lower id first
  CHECK(few[1] == std::pair<double, double>{0.01, 0.0});
  CHECK(best_few(coarse, 10).size() == 3);
}

TEST_CASE("with the best at the grid's lowest lr the refine step's last place waits for its curve",
          "[recipe][step4]") {
  using Pair = std::pair<double, double>;
  // teacher seed 2 of bench/recipe_bench.py: the best two share lr 0.0333, the grid's lowest.
  const std::vector<TrialRecord> low = {
      rec(0, 0.706, 0.0333, 1e-4), rec(1, 0.725, 0.0333, 1e-5), rec(2, 0.711, 0.0333, 0.0),
      rec(3, 0.702, 0.1, 1e-4),    rec(4, 0.691, 0.1, 1e-5),    rec(5, 0.681, 0.1, 0.0),
      rec(6, 0.621, 0.3, 1e-4),    rec(7, 0.662, 0.3, 1e-5),    rec(8, 0.617, 0.3, 0.0)};
  const RefinePicks p = refine_picks(low, 2);
  CHECK(p.pairs == std::vector<Pair>{{0.0333, 1e-5}});  // trained first
  REQUIRE(p.last);
  CHECK(p.last->replaced == Pair{0.0333, 0.0});  // best_few's second
  CHECK(best_few(low, 2) == std::vector<Pair>{{0.0333, 1e-5}, {0.0333, 0.0}});
  CHECK(p.last->below == 0.0111);
  CHECK(p.last->between == 0.0577);  // sqrt(0.0333 x 0.1), 3 significant digits
  CHECK(p.last->above == 0.1);
  CHECK_FALSE(p.last->above_collapsed);

  // The best's refine trial decides, with the best's weight decay. Peaked at epoch 4 of 10
  // (teacher seed 0): the lr below. At epoch 8 of 10 (the CNN's seed 0): halfway up.
  TrialRecord first = rec(0, 0.73, 0.0333, 1e-5);
  first.epochs = 10;
  first.best_epoch = 4;
  std::string why;
  CHECK(last_place(*p.last, first, &why) == Pair{0.0111, 1e-5});
  CHECK(why ==
        "The last place: refine trial 0 (lr 0.0333) peaked at epoch 4 of 10, before the "
        "last fifth of its epochs: the longer the run, the lower the lr that does best, "
        "so the next lr below, 0.0111.");
  first.best_epoch = 7;
  CHECK(last_place(*p.last, first, &why) == Pair{0.0111, 1e-5});
  first.best_epoch = 8;
  CHECK(last_place(*p.last, first, &why) == Pair{0.0577, 1e-5});
  CHECK(why ==
        "The last place: refine trial 0 (lr 0.0333) peaked at epoch 8 of 10, still "
        "improving, so a larger lr may go further: lr 0.0577, halfway to the grid's lr 0.1.");
  first.best_epoch = 10;
  CHECK(last_place(*p.last, first, &why).first == 0.0577);
  // A refine trial that did not complete: below.
  first.status = TrialStatus::kDiverged;
  CHECK(last_place(*p.last, first, &why).first == 0.0111);
  CHECK(why.find("did not complete") != std::string::npos);
  // Every trial at the lr above collapsed in step 4: below, however late the peak.
  std::vector<TrialRecord> closed = low;
  for (int i : {3, 4, 5}) closed[i].best_metric = 0.2;
  const RefinePicks c = refine_picks(closed, 2);
  REQUIRE(c.last);
  CHECK(c.last->above_collapsed);
  first.status = TrialStatus::kCompleted;
  first.best_epoch = 10;
  CHECK(last_place(*c.last, first, &why).first == 0.0111);
  CHECK(why.find("collapsed") != std::string::npos);

  // Three places: the best two first, the third waits.
  CHECK(refine_picks(low, 3).pairs == std::vector<Pair>{{0.0333, 1e-5}, {0.0333, 0.0}});
  CHECK(refine_picks(low, 3).last->replaced == Pair{0.0333, 1e-4});
  // One place: nothing waits, the best goes on alone.
  CHECK_FALSE(refine_picks(low, 1).last);
  CHECK(refine_picks(low, 1).pairs == best_few(low, 1));

  // The grid's own ratio: factors 1/2, 1, 2 around 0.1 reach 0.025 below 0.05, 0.0707 between.
  const std::vector<TrialRecord> halves = {rec(0, 0.9, 0.05, 0.0), rec(1, 0.8, 0.1, 0.0),
                                           rec(2, 0.7, 0.2, 0.0)};
  CHECK(refine_picks(halves, 2).last->below == 0.025);
  CHECK(refine_picks(halves, 2).last->between == 0.0707);

  // The best lr inside the grid (MLP seed 0: 0.1 between 0.0333 and 0.3): best_few as it is.
  std::vector<TrialRecord> inside = low;
  inside[4].best_metric = 0.80;
  CHECK_FALSE(refine_picks(inside, 2).last);
  CHECK(refine_picks(inside, 2).pairs == best_few(inside, 2));
  // The grid's lowest lr diverged: it was tried, so the best (0.1) is not the lowest.
  std::vector<TrialRecord> collapsed = {rec(0, NAN, 0.0333, 0.0, "diverged"), rec(1, 0.8, 0.1, 0.0),
                                        rec(2, 0.7, 0.3, 0.0)};
  CHECK_FALSE(refine_picks(collapsed, 2).last);
  // One lr in the grid (coarse_lr_factors = [1]): no ratio, nothing waits.
  CHECK_FALSE(refine_picks({rec(0, 0.8, 0.1, 0.0), rec(1, 0.7, 0.1, 1e-4)}, 2).last);
  // Only one trial ranks: it goes on alone.
  CHECK(refine_picks({rec(0, 0.8, 0.03, 0.0), rec(1, NAN, 0.1, 0.0, "diverged")}, 2).pairs ==
        std::vector<Pair>{{0.03, 0.0}});
}

TEST_CASE("step 3's record carries what pick_lr needs", "[recipe][step3]") {
  LrTrial a;
  a.lr = 0.1;
  a.loss_start = 1.4;
  a.loss_end = 0.4;
  a.drop = 1.0;
  a.iterations = 3;
  a.losses = {1.4, 1.0, 0.7};
  LrTrial b = a;
  b.lr = 1.0;
  b.diverged = true;
  b.loss_end = b.drop = NAN;
  b.iterations = 1;
  b.losses = {1.4, NAN};
  LrTrial c = a;
  c.lr = 0.01;
  c.loss_end = 0.9;
  c.drop = 0.5;
  const TrialRecord rb = lr_trial_record(b, 1);
  CHECK(rb.status == TrialStatus::kDiverged);
  CHECK(rb.curves.size() == 2);
  CHECK(std::isnan(rb.curves[1].train_loss));
  const LrFindResult direct = pick_lr({a, b, c});
  const LrFindResult via = pick_lr({lr_trial_of(lr_trial_record(a, 0)), lr_trial_of(rb),
                                    lr_trial_of(lr_trial_record(c, 2))});
  CHECK(direct.best_lr == 0.1);
  CHECK(via.best_lr == direct.best_lr);
  CHECK(via.trials[0].loss_end == Approx(0.4));
  CHECK(via.trials[1].diverged);
  CHECK(via.trials[0].losses == a.losses);
}

TEST_CASE("the recipe runs six steps into one file and writes a config that trains", "[recipe][driver]") {
  Dir dir;
  Setup s = make_setup(dir, kConfig);
  LocalRunner local;
  auto out = run(s, local);
  REQUIRE(out.ok());
  CHECK(out->status == "complete");
  CHECK(out->failed_step == 0);
  CHECK(out->reports.size() == 6);
  CHECK(local.ran[3] == 4);  // the default four lrs
  CHECK(local.ran[4] == 9);  // 3 lrs x 3 weight decays
  CHECK(local.ran[5] == 2);  // refine_top
  CHECK_FALSE(fs::exists(s.setup.out + ".steps"));  // every step is in the recipe file now

  auto rd = read_recipe(s.setup.out);
  REQUIRE(rd.ok());
  CHECK(rd->header.status == "complete");
  REQUIRE(rd->steps.size() == 6);
  for (int i = 0; i < 6; ++i) {
    CHECK(rd->steps[i].group == kRecipeSteps[i]);
    CHECK_FALSE(rd->steps[i].text["report"].empty());
  }
  CHECK(rd->steps[0].series["batch_losses"].size() == 5);
  CHECK(rd->steps[0].numbers["expected"] == Approx(std::log(4.0)));
  REQUIRE(rd->steps[1].results);
  CHECK(rd->steps[1].results->trials.front().status == TrialStatus::kFit);
  REQUIRE(rd->steps[2].results);
  CHECK(rd->steps[2].results->trials.size() == 4);
  CHECK(rd->steps[2].results->header.metric.name == "loss_drop");
  CHECK(rd->steps[2].results->trials[0].curves.size() == 100);  // one row per update
  REQUIRE(rd->steps[3].results);
  CHECK(rd->steps[3].results->trials.size() == 9);
  REQUIRE(rd->steps[4].results);
  const auto& refine = rd->steps[4].results->trials;
  REQUIRE(refine.size() == 2);
  CHECK(refine[0].curves.size() == 4);  // refine_epochs, no early stop
  // Step 5 trains what refine_picks takes from step 4, and a last place as its first trial's
  // curve decides.
  const RefinePicks picks = refine_picks(rd->steps[3].results->trials, s.setup.options.refine.top);
  std::vector<std::pair<double, double>> trained = picks.pairs;
  std::string why;
  if (picks.last) trained.push_back(last_place(*picks.last, refine.front(), &why));
  REQUIRE(trained.size() == refine.size());
  for (size_t i = 0; i < refine.size(); ++i)
    CHECK(std::pair<double, double>{param(refine[i], 0), param(refine[i], 1)} == trained[i]);
  CHECK((rd->steps[3].text["report"].find("in place of") != std::string::npos) ==
        picks.last.has_value());
  // Steps 4 and 6 say where their lr sits among every lr tried so far by the one rule (lr_edge.h,
  // as step 3 does), each once: no step's own wording of "the bottom of the grid".
  std::vector<LrTried> tried;
  for (const auto& t : rd->steps[2].results->trials)  // step 3's, as steps.h's lrs_tried has them
    tried.push_back({param(t, 0), t.status != TrialStatus::kCompleted || !(t.best_metric > 0)});
  for (const LrTried& t : lrs_tried(rd->steps[3].results->trials)) tried.push_back(t);
  const std::string& r4 = rd->steps[3].text["report"];
  const double best4 = picks.pairs.front().first;
  const std::string edge4 = lr_edge_text(best4, lr_edge(best4, tried),
                                         "give coarse_lr_factors reaching further that way");
  REQUIRE_FALSE(edge4.empty());
  CHECK(r4.find("The best " + edge4) != std::string::npos);
  CHECK(r4.find(" lrs tried") == r4.rfind(" lrs tried"));
  CHECK(r4.find("bottom") == std::string::npos);
  // recipe_quick's grid puts the best at its lowest lr: the text counts its 2 coarse epochs (it
  // said "one epoch" whatever coarse_epochs was).
  if (picks.last && !picks.last->above_collapsed)
    CHECK(r4.find("over 4 epochs lies, 2 epochs cannot say.") != std::string::npos);
  CHECK(r4.find("one epoch") == std::string::npos);
  CHECK((rd->steps[4].text["report"].find(why) != std::string::npos));
  // Steps 4-5 choose on validation accuracy and never look at the test set.
  for (int step : {3, 4})
    for (const auto& t : rd->steps[step].results->trials) {
      CHECK(t.status == TrialStatus::kCompleted);
      CHECK(std::isnan(t.test_acc));
    }

  // Step 3's pick is the lr with the largest drop; step 4's lrs are around it.
  const double best_lr = rd->steps[2].numbers["best_lr"];
  double best_drop = -1;
  for (const auto& t : rd->steps[2].results->trials)
    if (t.status == TrialStatus::kCompleted && t.best_metric > best_drop) best_drop = t.best_metric;
  for (const auto& t : rd->steps[2].results->trials)
    if (t.best_metric == best_drop) CHECK(param(t, 0) == best_lr);
  for (const auto& t : rd->steps[3].results->trials) {
    CHECK(param(t, 0) >= best_lr / 3.1);
    CHECK(param(t, 0) <= best_lr * 3.1);
  }

  // Step 6 recommends step 5's best or one tied with it, and its config file trains that.
  const Recommendation& rec = out->recommendation;
  REQUIRE(rec.ok);
  for (const auto& t : refine) CHECK(t.val_samples == 240);  // 1200 samples, val_fraction 0.2
  const auto best = std::max_element(refine.begin(), refine.end(), [](const auto& a, const auto& b) {
    return a.best_metric < b.best_metric;
  });
  REQUIRE_FALSE(rec.tied.empty());
  CHECK(rec.tied.front() == best->id);
  CHECK(std::find(rec.tied.begin(), rec.tied.end(), rec.best_id) != rec.tied.end());
  const TrialRecord& chosen = refine.at(static_cast<size_t>(rec.best_id));
  CHECK(rec.best_val_acc == chosen.best_metric);
  CHECK(rec.lr == param(chosen, 0));
  // Step 5's report marks the best and each trial tied with it, as step 6 names them.
  const std::string& r5 = rd->steps[4].text["report"];
  for (const TrialRecord& t : refine) {
    const bool is_tied = std::find(rec.tied.begin(), rec.tied.end(), t.id) != rec.tied.end();
    const size_t at = r5.find("trial " + std::to_string(t.id) + " completed");
    REQUIRE(at != std::string::npos);
    const std::string own = r5.substr(at, r5.find(';', at) - at);
    CHECK((own.find("(the best)") != std::string::npos) == (t.id == rec.tied.front()));
    CHECK((own.find("(tied with the best)") != std::string::npos) ==
          (is_tied && t.id != rec.tied.front()));
  }
  CHECK((r5.find("Tied: within one standard error") != std::string::npos) == (rec.tied.size() > 1));
  for (const LrTried& t : lrs_tried(refine)) tried.push_back(t);
  const std::string& r6 = rd->steps[5].text["report"];
  CHECK(r6.find(lr_edge_text(
            rec.lr, lr_edge(rec.lr, tried),
            "run the recipe again with coarse_lr_factors reaching further that way")) !=
        std::string::npos);
  CHECK(r6.find(" lrs tried") == r6.rfind(" lrs tried"));
  CHECK(rd->steps[5].text["config"] == rec.config);
  // The user's file, its comments kept, with the changed keys marked; nothing of the resolved
  // config it did not say (the Fashion-MNIST data_path of a synthetic run).
  CHECK(rec.config.find(kConfig.substr(0, kConfig.find("[train]"))) != std::string::npos);
  CHECK(rec.config.find("lr = " + [&] {
    std::ostringstream o;
    o << rec.lr;
    return o.str();
  }() + "  # recipe: refine trial " + std::to_string(rec.best_id) + "'s lr (was 0.003)\n") != std::string::npos);
  CHECK(rec.config.find("data_path") == std::string::npos);
  CHECK(rec.config.find("conv_channels") == std::string::npos);
  TrainConfig back;
  REQUIRE(back.load_file(s.setup.recommended).ok());
  auto opt = back.finish();
  REQUIRE(opt.ok());
  TrainOptions want = s.setup.base;  // `hypersweep train` on it trains the recommendation
  want.lr = rec.lr;
  want.optim.weight_decay = rec.weight_decay;
  // An overfitting pick stops at its peak; any other trains at least as long as the refine step.
  want.epochs = rec.report.find("overfit") != std::string::npos
                    ? chosen.best_epoch
                    : std::max(s.setup.base.epochs, s.setup.options.refine.epochs);
  CHECK(to_toml(*opt) == to_toml(want));

  // The same setup again: the file is complete, nothing runs.
  LocalRunner again;
  auto second = run(s, again);
  REQUIRE(second.ok());
  CHECK(second->already);
  CHECK(again.ran.empty());
  CHECK(second->recommendation.config == rec.config);
}

namespace {

// kConfig's recipe run whole, without a stop, in `dir`: what a stopped and continued one must
// end as. `ran`: its trials per step.
RecipeData whole_recipe(const Dir& dir, std::map<int, int>* ran = nullptr) {
  Setup whole = make_setup(dir, kConfig);
  LocalRunner ref;
  REQUIRE(run(whole, ref).ok());
  if (ran) *ran = ref.ran;
  auto r = read_recipe(whole.setup.out);
  REQUIRE(r.ok());
  return std::move(*r);
}

// Steps 2-5 of `got` hold every trial of `expected` once, with the same parameters and the same
// metric bit for bit.
void check_same_trials(const RecipeData& expected, const RecipeData& got) {
  for (int i = 1; i < 5; ++i) {
    INFO(kRecipeSteps[i]);
    const auto& x = expected.steps[i].results->trials;
    const auto& y = got.steps[i].results->trials;
    REQUIRE(x.size() == y.size());
    std::set<int64_t> ids;
    for (size_t k = 0; k < y.size(); ++k) ids.insert(y[k].id);
    CHECK(ids.size() == y.size());  // every trial once
    for (const auto& t : x) {
      const auto it = std::find_if(y.begin(), y.end(), [&](const auto& u) { return u.id == t.id; });
      REQUIRE(it != y.end());
      CHECK(it->params == t.params);
      CHECK(it->best_metric == t.best_metric);  // bit for bit
    }
  }
}

}  // namespace

TEST_CASE("a stopped recipe continues with every trial once and the same results",
          "[recipe][driver]") {
  Dir a, b;
  const RecipeData expected = whole_recipe(a);

  Setup s = make_setup(b, kConfig);
  LocalRunner first;
  first.budget = 4 + 5;  // step 3, then 5 of step 4's 9 trials
  auto stopped = run(s, first);
  REQUIRE(stopped.ok());
  CHECK(stopped->interrupted);
  auto mid = read_recipe(s.setup.out);
  REQUIRE(mid.ok());
  // Not "running: stopped by a signal ..." (main): a reader tells it from a running recipe.
  CHECK(mid->header.status == "stopped by a signal during step 4");
  CHECK(mid->steps.size() == 3);  // steps 1-3 done
  LocalRunner second;
  auto done = run(s, second);
  REQUIRE(done.ok());
  CHECK(done->status == "complete");
  CHECK(second.ran[3] == 0);  // kept from the first run
  CHECK(second.ran[4] == 4);  // the rest of the grid
  auto got = read_recipe(s.setup.out);
  REQUIRE(got.ok());
  check_same_trials(expected, *got);
  CHECK(done->recommendation.config == expected.steps[5].text.at("config"));
}

TEST_CASE("a recipe stopped between the refine step's two parts continues with the same last place",
          "[recipe][driver]") {
  Dir a, b;
  std::map<int, int> ran;
  const RecipeData expected = whole_recipe(a, &ran);
  // The quick config's best coarse lr is its grid's lowest: the last place waits for trial 0.
  REQUIRE(expected.steps[3].text.at("report").find("Refine trial 0's curve decides") !=
          std::string::npos);
  CHECK(ran[5] == 2);

  Setup s = make_setup(b, kConfig);
  LocalRunner first;
  first.budget = 4 + 9 + 1;  // steps 3 and 4, then the refine step's first trial
  auto stopped = run(s, first);
  REQUIRE(stopped.ok());
  CHECK(stopped->interrupted);
  CHECK(first.ran[5] == 1);
  LocalRunner second;
  auto done = run(s, second);
  REQUIRE(done.ok());
  CHECK(done->status == "complete");
  CHECK(second.ran[4] == 0);
  CHECK(second.ran[5] == 1);  // the last place only: trial 0 kept, carried into the step's file
  auto got = read_recipe(s.setup.out);
  REQUIRE(got.ok());
  REQUIRE(got->steps[4].results->trials.size() == 2);
  check_same_trials(expected, *got);
  CHECK(got->steps[4].text.at("report") == expected.steps[4].text.at("report"));
  CHECK(done->recommendation.config == expected.steps[5].text.at("config"));
}

TEST_CASE("another config's recipe file is refused and kept", "[recipe][driver]") {
  Dir dir;
  Setup s = make_setup(dir, kConfig);
  LocalRunner local;
  local.budget = 0;  // stop as soon as step 3 starts
  REQUIRE(run(s, local).ok());
  const auto before = fs::file_size(s.setup.out);
  Setup other = make_setup(dir, kConfig + "coarse_lr_factors = [1.0]\n");
  LocalRunner l2;
  auto r = run(other, l2);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().file == s.setup.out);
  CHECK(r.error().message.find("another config") != std::string::npos);
  CHECK(r.error().message.find("coarse_lr_factors") != std::string::npos);  // what differs
  CHECK(fs::file_size(s.setup.out) == before);
  other.setup.force = true;
  auto forced = run(other, l2);
  REQUIRE(forced.ok());
  CHECK(forced->status == "complete");
  CHECK(l2.ran[4] == 3);  // one lr factor x 3 weight decays
}

TEST_CASE("a broken initialisation stops the recipe at step 1", "[recipe][step1][driver]") {
  Dir dir;
  Setup s = make_setup(dir, kConfig, {"init_scale=100"});
  LocalRunner local;
  auto out = run(s, local);
  REQUIRE(out.ok());
  CHECK(out->failed_step == 1);
  CHECK(out->status.find("stopped at step 1") == 0);
  CHECK(local.ran.empty());  // nothing trained
  auto rd = read_recipe(s.setup.out);
  REQUIRE(rd.ok());
  CHECK(rd->header.status == out->status);
  REQUIRE(rd->steps.size() == 1);
  CHECK(rd->steps[0].text["verdict"] == "too_high");
  CHECK(rd->steps[0].numbers["loss"] > 10 * std::log(4.0));
  CHECK(rd->steps[0].text["report"].find("init_scale") != std::string::npos);
  CHECK_FALSE(fs::exists(s.setup.recommended));
}

TEST_CASE("lrs that all diverge stop the recipe at step 2 with lr too high", "[recipe][step2][driver]") {
  Dir dir;
  Setup s = make_setup(dir, kConfig + "overfit_lrs = [1e3, 1e4]\n");
  LocalRunner local;
  auto out = run(s, local);
  REQUIRE(out.ok());
  CHECK(out->failed_step == 2);
  CHECK(out->status == "stopped at step 2: lr_too_high");
  auto rd = read_recipe(s.setup.out);
  REQUIRE(rd.ok());
  REQUIRE(rd->steps.size() == 2);
  CHECK(rd->steps[1].text["verdict"] == "lr_too_high");
  REQUIRE(rd->steps[1].results);
  REQUIRE(rd->steps[1].results->trials.size() == 2);  // both lrs tried, both recorded
  for (const auto& t : rd->steps[1].results->trials) CHECK(t.status == TrialStatus::kTooHigh);
  CHECK(rd->steps[1].text["report"].find("Every lr was too high") != std::string::npos);
}
