#include "recipe/steps.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <optional>
#include <utility>

#include "analysis/initial_loss.h"
#include "core/rng.h"
#include "recipe/text.h"
#include "train/probe.h"

namespace hs {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using recipe_text::num;

// The model train() would build and initialise for `opt` on `data`, after the checks every step
// needs (the ones train() makes, and two classes at least: ln C needs C >= 2).
Result<Probe> probe_for(const TrainOptions& opt, const DataBundle& data) {
  if (!data.train.data || data.train.size() == 0) return make_error({}, "no training samples");
  auto probe = Probe::make(opt, data);
  if (!probe) return probe.error();
  if (probe->classes() < 2) return make_error(data.train.data->name, "needs at least 2 classes");
  return probe;
}

// `opt` with regularisation off (lecture, steps 1 and 2).
TrainOptions unregularised(const TrainOptions& base) {
  TrainOptions opt = base;
  opt.optim.weight_decay = 0.0;
  opt.model.dropout = 0.0;
  return opt;
}

// The training set's dataset rows in a random order from `seed`.
std::vector<int32_t> shuffled_train(const DataBundle& data, uint64_t seed) {
  std::vector<int32_t> idx = data.train.index;
  Rng rng(seed);
  rng.shuffle(idx.data(), idx.size());
  return idx;
}

Subset head(const DataBundle& data, const std::vector<int32_t>& rows, int64_t n) {
  Subset s;
  s.data = data.train.data;
  s.index.assign(rows.begin(), rows.begin() + std::min<int64_t>(n, rows.size()));
  return s;
}

// The seed of pass `pass` over a step's samples: one stream per step, one draw per pass.
uint64_t pass_seed(uint64_t seed, uint64_t stream, int64_t pass) {
  return derive_seed(derive_seed(seed, stream, SeedPurpose::kShuffle), static_cast<uint64_t>(pass),
                     SeedPurpose::kShuffle);
}

}  // namespace

// --------------------------------------------------------------------------------------------

Result<InitialLossResult> check_initial_loss(const TrainOptions& base, const DataBundle& data,
                                             const InitialLossOptions& options) {
  const TrainOptions opt = unregularised(base);
  auto probe = probe_for(opt, data);  // initialised as train() would
  if (!probe) return probe.error();
  const int64_t B = opt.batch_size;
  const std::vector<int32_t> rows =
      shuffled_train(data, derive_seed(opt.seed, kRecipeInitialLossStream, SeedPurpose::kShuffle));

  InitialLossResult r;
  r.classes = probe->classes();
  r.tolerance = options.rel_tolerance;
  double sum = 0;
  for (int k = 0; k < options.batches && k * B < static_cast<int64_t>(rows.size()); ++k) {
    Subset batch;
    batch.data = data.train.data;
    const int64_t first = k * B, n = std::min<int64_t>(B, rows.size() - first);
    batch.index.assign(rows.begin() + first, rows.begin() + first + n);
    const double loss = probe->evaluate(batch).loss;  // inference mode: no dropout, no update
    r.batch_losses.push_back(loss);
    sum += loss * static_cast<double>(n);
    r.samples += n;
    ++r.batches;
  }
  r.loss = sum / static_cast<double>(r.samples);
  const bool finite = std::isfinite(r.loss);
  const InitialLossJudgement j = judge_initial_loss(r.loss, r.classes, r.tolerance);
  r.expected = j.expected;
  r.rel_error = j.rel_error;
  r.ok = j.ok;
  r.verdict = j.verdict;

  std::string& s = r.report;
  s = "Initial loss: " + num(r.loss) + " measured on " + std::to_string(r.batches) +
      (r.batches == 1 ? " random training batch (" : " random training batches (") +
      std::to_string(r.samples) +
      " samples, no weight decay or dropout, before any update); expected ln(" +
      std::to_string(r.classes) + ") = " + num(r.expected) +
      ", the loss of uniform predictions over " + std::to_string(r.classes) + " classes. ";
  if (!finite) {
    s += "The loss is not finite before any update: the initialisation or the input is broken "
         "(weights or inputs with inf/NaN, or logits so large the softmax overflows). Stop here "
         "and fix it before tuning anything.";
  } else if (r.ok) {
    s += "It is within " + num(100 * r.rel_error) + "% of ln(C) (" +
         initial_loss_bound_text(r.tolerance) +
         "): the initialisation gives near-uniform predictions, as it "
         "should. Go on to overfitting a small sample.";
  } else if (r.verdict == "too_high") {
    s += "It is " +
         (r.rel_error > 10 ? num(r.loss / r.expected) + " times ln(C)"
                           : num(100 * r.rel_error) + "% above ln(C)") +
         " (" + initial_loss_bound_text(r.tolerance) +
         "): the initial logits are far from zero, so the model is "
         "confidently wrong before it has learnt anything. Likely a bad initialisation (weights "
         "too large: check init and init_scale, currently " +
         num(opt.model.init_scale) +
         ") or unnormalised inputs. Stop here and fix it before tuning anything.";
  } else {
    s += "It is " + num(100 * r.rel_error) + "% below ln(C) (" +
         initial_loss_bound_text(r.tolerance) +
         "): an untrained model should not beat uniform guessing. "
         "Suspect a bug: labels leaking into the inputs, a loss not averaged per sample, or "
         "fewer classes than the network has outputs. Stop here and find out why.";
  }
  return r;
}

// --------------------------------------------------------------------------------------------

namespace {

// One lr's attempt at overfitting `sample` (step 2), from the initialisation `tr` holds.
OverfitAttempt overfit_at(Probe tr, const TrainOptions& opt, const Subset& sample, double lr,
                          const OverfitOptions& options) {
  const int64_t B = opt.batch_size, n = sample.size();
  OverfitAttempt a;
  a.lr = lr;
  EvalResult e = tr.evaluate(sample);
  a.start_loss = e.loss;
  std::vector<int32_t> order = sample.index;
  std::optional<TrialStatus> outcome;  // set once this lr's attempt is decided
  for (int epoch = 1; epoch <= options.max_epochs && !outcome; ++epoch) {
    a.epochs = epoch;
    Rng(pass_seed(opt.seed, kRecipeOverfitStream, epoch)).shuffle(order.data(), order.size());
    for (int64_t first = 0; first < n; first += B) {
      const int64_t bs = std::min(B, n - first);
      const double loss = tr.step(sample, order.data() + first, bs, lr);
      if (!std::isfinite(loss)) {
        e.loss = loss;
        e.acc = kNaN;
        outcome = TrialStatus::kTooHigh;
        break;
      }
    }
    if (outcome) {
      a.losses.push_back(e.loss);
      a.accs.push_back(e.acc);
      break;
    }
    e = tr.evaluate(sample);
    a.losses.push_back(e.loss);
    a.accs.push_back(e.acc);
    if (!std::isfinite(e.loss) || e.loss > options.explode_factor * a.start_loss)
      outcome = TrialStatus::kTooHigh;
    else if (e.acc >= options.target_acc)
      outcome = TrialStatus::kFit;
  }
  a.final_loss = e.loss;
  a.final_acc = e.acc;
  if (!outcome) {
    if (e.loss > a.start_loss)
      outcome = TrialStatus::kTooHigh;  // bounced up, not down: too large a step, short of inf/NaN
    else if (e.loss > (1.0 - options.min_rel_drop) * a.start_loss)
      outcome = TrialStatus::kTooLow;
    else
      outcome = TrialStatus::kNoFit;
  }
  a.outcome = *outcome;
  return a;
}

}  // namespace

Result<OverfitResult> overfit_small_sample(const TrainOptions& base, const DataBundle& data,
                                           const OverfitOptions& options) {
  const TrainOptions opt = unregularised(base);
  if (auto checked = probe_for(opt, data); !checked) return checked.error();
  const int64_t B = opt.batch_size;
  const std::vector<int32_t> rows =
      shuffled_train(data, derive_seed(opt.seed, kRecipeOverfitStream, SeedPurpose::kShuffle));
  const Subset sample = head(data, rows, options.batches * B);
  const int64_t n = sample.size();

  OverfitResult r;
  r.samples = n;
  for (double lr : options.lrs) {
    // Every attempt starts from the same initialisation.
    r.tried.push_back(overfit_at(probe_for(opt, data).value(), opt, sample, lr, options));
    if (r.tried.back().outcome == TrialStatus::kFit) {
      r.ok = true;
      r.lr = lr;
      break;
    }
  }

  auto all = [&](TrialStatus o) {
    return std::all_of(r.tried.begin(), r.tried.end(),
                       [&](const OverfitAttempt& a) { return a.outcome == o; });
  };
  r.verdict = r.ok                              ? "fit"
              : all(TrialStatus::kTooHigh) ? "lr_too_high"
              : all(TrialStatus::kTooLow)  ? "lr_too_low"
                                           : "no_fit";
  std::string& s = r.report;
  // The batches the sample holds: fewer than asked when the training set is smaller (14
  // samples are one batch of 32, not "5 batches of 32").
  const int64_t batches = std::max<int64_t>(1, (n + B - 1) / B);
  s = "Overfitting a sample of " + counted(n, "training sample") + " (" +
      counted(batches, "batch") + " of up to " + std::to_string(B) +
      ", no regularisation, up to " + std::to_string(options.max_epochs) +
      " epochs per lr). Tried:";
  for (const auto& a : r.tried)
    s += " lr " + num(a.lr) + " " + status_name(a.outcome) + " (loss " + num(a.start_loss) + " -> " +
         num(a.final_loss) + ", accuracy " + num(100 * a.final_acc) + "% after " +
         std::to_string(a.epochs) + " epochs);";
  s.back() = '.';
  if (r.ok) {
    s += " lr " + num(r.lr) + " reaches " + num(100 * options.target_acc) +
         "% training accuracy: the model and optimiser can learn, go on to finding a learning "
         "rate on the whole training set.";
  } else if (r.verdict == "lr_too_high") {
    s += " Every lr was too high: the loss became inf/NaN or exploded. Try smaller learning rates "
         "(below " + num(*std::min_element(options.lrs.begin(), options.lrs.end())) +
         "); if even tiny ones blow up, suspect the initialisation or the inputs.";
  } else if (r.verdict == "lr_too_low") {
    s += " Every lr was too low: the loss barely fell. Try larger learning rates (above " +
         num(*std::max_element(options.lrs.begin(), options.lrs.end())) +
         "); if none moves the loss, suspect a bug in the gradient or the update.";
  } else {
    s += " No lr reached " + num(100 * options.target_acc) +
         "% training accuracy. An lr whose loss fell without fitting needs more epochs or a "
         "larger model; a sample this small should be memorised easily, so if none comes close "
         "suspect a bug (labels shuffled apart from their inputs, a frozen layer).";
  }
  return r;
}

// --------------------------------------------------------------------------------------------

Result<LrTrial> lr_trial(const TrainOptions& base, const DataBundle& data, double lr,
                         const LrFindOptions& options) {
  TrainOptions opt = base;
  opt.optim.weight_decay = options.weight_decay;
  opt.model.dropout = 0.0;
  auto made = probe_for(opt, data);
  if (!made) return made.error();
  Probe& tr = *made;
  const int64_t n = data.train.size();
  const int64_t B = std::min<int64_t>(opt.batch_size, n);
  // The probe and the first pass's order share one draw; later passes reshuffle.
  std::vector<int32_t> order =
      shuffled_train(data, derive_seed(opt.seed, kRecipeLrFindStream, SeedPurpose::kShuffle));
  const Subset probe = head(data, order, options.probe_samples > 0 ? options.probe_samples : n);

  LrTrial t;
  t.lr = lr;
  t.loss_start = tr.evaluate(probe).loss;
  int64_t pos = 0, pass = 0;
  for (int it = 0; it < options.iterations; ++it) {
    if (pos + B > n) {  // a new pass: whole batches only, so every update sees B samples
      Rng(pass_seed(opt.seed, kRecipeLrFindStream, ++pass)).shuffle(order.data(), order.size());
      pos = 0;
    }
    const double loss = tr.step(data.train, order.data() + pos, B, lr);
    pos += B;
    t.losses.push_back(loss);
    if (!std::isfinite(loss)) {
      t.diverged = true;
      break;
    }
    ++t.iterations;
  }
  t.loss_end = t.diverged ? kNaN : tr.evaluate(probe).loss;
  if (!std::isfinite(t.loss_end) || t.loss_end > options.explode_factor * t.loss_start)
    t.diverged = true;
  t.drop = std::isfinite(t.loss_end) ? t.loss_start - t.loss_end : kNaN;
  return t;
}

std::vector<LrTried> lrs_tried(const std::vector<LrTrial>& trials) {
  std::vector<LrTried> out;
  for (const LrTrial& t : trials) out.push_back({t.lr, t.diverged || !(t.drop > 0)});
  return out;
}

LrFindResult pick_lr(std::vector<LrTrial> trials) {
  LrFindResult r;
  r.trials = std::move(trials);
  int best = -1;
  for (size_t i = 0; i < r.trials.size(); ++i) {
    const LrTrial& t = r.trials[i];
    if (t.diverged || !std::isfinite(t.drop) || t.drop <= 0) continue;
    if (best < 0 || t.drop > r.trials[best].drop) best = static_cast<int>(i);
  }
  std::string& s = r.report;
  s = "Learning-rate search, the probe loss before -> after each lr's updates:";
  for (const auto& t : r.trials) {
    s += " lr " + num(t.lr) + ": ";
    if (t.diverged && !std::isfinite(t.loss_end))
      s += "diverged (inf/NaN after " + std::to_string(t.iterations) + " updates);";
    else
      s += num(t.loss_start) + " -> " + num(t.loss_end) + (t.diverged ? " (diverged: exploded, " : " (drop " + num(t.drop) + ", ") +
           std::to_string(t.iterations) + " updates);";
  }
  if (r.trials.empty()) s += " none;";
  s.back() = '.';
  if (best < 0) {
    const bool all_diverged =
        !r.trials.empty() &&
        std::all_of(r.trials.begin(), r.trials.end(), [](const LrTrial& t) { return t.diverged; });
    s += all_diverged
             ? " No learning rate lowered the loss: every one diverged, so the range is too high: "
               "give lr_find_lrs smaller lrs (below the smallest tried, " +
                   num(std::min_element(r.trials.begin(), r.trials.end(),
                                        [](const LrTrial& a, const LrTrial& b) {
                                          return a.lr < b.lr;
                                        })->lr) +
                   ")."
             : " No learning rate lowered the loss: if the largest diverged and the smallest did "
               "not move, the range is too coarse (try a finer one in between); otherwise go back "
               "to overfitting a small sample.";
    return r;
  }
  r.ok = true;
  r.best_lr = r.trials[best].lr;
  s += " Picked lr " + num(r.best_lr) + ", the largest loss drop.";
  const LrEdge edge = lr_edge(r.best_lr, lrs_tried(r.trials));
  if (edge.side != 0)
    s += " " + lr_edge_text(r.best_lr, edge, "extend lr_find_lrs that way before the coarse search");
  else
    s += " Use a range around it (e.g. a factor of 10 either side) for the coarse search.";
  return r;
}

Result<LrFindResult> find_lr(const TrainOptions& base, const DataBundle& data,
                             const LrFindOptions& options) {
  std::vector<LrTrial> trials;
  for (double lr : options.lrs) {
    auto t = lr_trial(base, data, lr, options);
    if (!t) return t.error();
    trials.push_back(std::move(*t));
  }
  return pick_lr(std::move(trials));
}

}  // namespace hs
