// The learning strategies: bayes (a GP with Expected Improvement, lecture 11.2.3) and tpe. Both
// keep the history of what was asked and told, hand it to their engine (bayes.h, tpe.h) on the
// unit cube, and map the engine's point back to parameter values.
//
// Outcomes become values to minimise: the metric as it is (direction min) or negated (max).
// A failed or diverged trial is not dropped: it counts as the worst completed value so far, so
// the model learns to avoid its region without a made-up value stretching the output scale.
// Trials asked but not told are passed as pending, so several asks in a row spread out. bayes
// never asks the same values twice (bayes.h's ProposalSpace; discrete.h once a space of ints and
// choices is exhausted).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>

#include "core/rng.h"
#include "search/bayes.h"
#include "search/discrete.h"
#include "search/strategies.h"
#include "search/tpe.h"
#include "search/tpe_history.h"

namespace hs {

namespace {

class ModelStrategy : public Strategy {
 public:
  ModelStrategy(SearchSpace space, const StrategyOptions& o) : space_(std::move(space)), o_(o) {}

  int64_t restored_ = 0;  // trials taken back by restore()

  std::optional<Trial> ask() override {
    if (next_ >= o_.trials) return std::nullopt;
    Trial t;
    t.id = next_++;
    std::vector<double> u = propose(t.id);
    t.values = decode(space_, u);
    // Keep the point as decode() rounds it (ints, choices), so the model sees what ran.
    asked_.push_back({encode(space_, t.values), false, 0.0, false});
    return t;
  }

  Status restore(const Trial& t) override {
    if (t.id != next_ || t.id >= o_.trials || t.values.size() != space_.params.size())
      return Error{{}, 0, "", "recorded trial " + std::to_string(t.id) +
                                  " does not fit this sweep (expected trial " +
                                  std::to_string(next_) + " of " + std::to_string(o_.trials) + ")"};
    ++next_;
    ++restored_;
    asked_.push_back({encode(space_, t.values), false, 0.0, false});
    return {};
  }

  void tell(int64_t id, const Outcome& outcome) override {
    Record& r = asked_.at(static_cast<size_t>(id));
    r.told = true;
    r.ok = outcome.ok && std::isfinite(outcome.value);
    r.value = o_.direction == Direction::kMaximize ? -outcome.value : outcome.value;
  }

 protected:
  struct Record {
    std::vector<double> u;  // the trial's point on the unit cube (space encoding)
    bool told;
    double value;  // to minimise
    bool ok;
  };
  // The point for trial `id` on the unit cube (cube_dims coordinates).
  virtual std::vector<double> propose(int64_t id) = 0;

  // Completed trials as (points, values to minimise), failures at the worst completed value
  // (left out while nothing has completed); and the pending points. Of the first `upto` trials.
  void history(std::vector<std::vector<double>>* X, std::vector<double>* y,
               std::vector<std::vector<double>>* pending, size_t upto = SIZE_MAX) const {
    const auto end = asked_.begin() + static_cast<std::ptrdiff_t>(std::min(upto, asked_.size()));
    double worst = -INFINITY;
    for (auto it = asked_.begin(); it != end; ++it)
      if (it->told && it->ok) worst = std::max(worst, it->value);
    for (auto it = asked_.begin(); it != end; ++it) {
      const Record& r = *it;
      if (!r.told) {
        pending->push_back(r.u);
      } else if (r.ok || std::isfinite(worst)) {
        X->push_back(r.u);
        y->push_back(r.ok ? r.value : worst);
      }
    }
  }

  uint64_t seed_for(int64_t id) const {
    return derive_seed(o_.seed, static_cast<uint64_t>(id), SeedPurpose::kSearch);
  }

  SearchSpace space_;
  StrategyOptions o_;
  std::vector<Record> asked_;  // by trial id
  int64_t next_ = 0;
};

// ---- bayes -------------------------------------------------------------------------------------
// The GP sees each choice one-hot (k coordinates), everything else as its one space coordinate.
class BayesStrategy final : public ModelStrategy {
 public:
  BayesStrategy(SearchSpace space, const StrategyOptions& o) : ModelStrategy(std::move(space), o) {
    for (const Param& p : space_.params) {
      if (p.kind == ParamKind::kFixed) continue;
      width_.push_back(p.kind == ParamKind::kChoice ? static_cast<int>(p.choices.size()) : 1);
      gp_dims_ += width_.back();
      held_.insert(held_.end(), width_.back(),
                   p.kind == ParamKind::kChoice || p.kind == ParamKind::kInt);
    }
    n_init_ = static_cast<int>(start_design_size(o, space_));
    init_ = latin_hypercube(n_init_, gp_dims_, derive_seed(o.seed, 0, SeedPurpose::kSearch),
                            n_init_ > 1000 ? 1 : 20);  // maximin's O(n^2) tries: small designs
    ps_.project = [this](const Eigen::VectorXd& v) {
      return to_gp({encode(space_, decode(space_, from_gp(v)))}).row(0).transpose().eval();
    };
    ps_.discrete = held_;
    ps_.taken = [this](const Eigen::VectorXd& v) {
      return taken_.count(decode(space_, from_gp(v))) > 0;
    };
  }
  StrategyKind kind() const override { return StrategyKind::kBayes; }

  // A space of ints and choices alone has finitely many points: once each was asked, none is
  // left that is not a repeat, and the sweep ends there (as a grid does).
  std::optional<Trial> ask() override {
    sync_taken(next_);
    if (distinct_trials(kind(), space_) <= static_cast<double>(taken_.size())) return std::nullopt;
    return ModelStrategy::ask();
  }

 private:
  std::vector<double> propose(int64_t id) override {
    std::vector<double> u = propose_any(id);
    std::vector<ParamValue> values = decode(space_, u);
    if (taken_.count(values)) {  // a start-design point, or every candidate taken
      u = untaken_point(id);
      values = decode(space_, u);
    }
    taken_.insert(std::move(values));
    return u;
  }

  std::vector<double> propose_any(int64_t id) {
    if (id < n_init_) return from_gp(init_.row(id).transpose());
    rewarm();
    std::vector<std::vector<double>> X, pending;
    std::vector<double> y;
    history(&X, &y, &pending);
    if (X.size() < 2) {  // nothing to model yet (failures so far): keep exploring
      Rng rng(seed_for(id));
      Eigen::VectorXd v(gp_dims_);
      for (int j = 0; j < gp_dims_; ++j) v[j] = rng.uniform();
      return from_gp(v);
    }
    BayesOptions o = opt_;
    o.refit = fits(id, X.size());
    const Eigen::VectorXd next =
        bayes_propose(to_gp(X), Eigen::Map<const Eigen::VectorXd>(y.data(), y.size()),
                      to_gp(pending), seed_for(id), o, &hyper_, &ps_);
    return from_gp(next);
  }

  // A point not asked before: seeded uniform draws, then (a space of ints and choices) the
  // first unasked point in enumeration order. A real range so narrow that it holds a few
  // doubles can run out of them too: then the last draw, a repeat.
  std::vector<double> untaken_point(int64_t id) const {
    Rng rng(derive_seed(seed_for(id), 0x756e, SeedPurpose::kSearch));
    std::vector<double> u(width_.size());
    for (int t = 0; t < 256; ++t) {
      for (double& x : u) x = rng.uniform();
      if (!taken_.count(decode(space_, u))) return u;
    }
    std::vector<double> free;
    return first_unasked(space_, taken_, &free) ? free : u;
  }

  // Trials restored from a results file enter taken_ here (asked ones as proposed).
  void sync_taken(int64_t upto) {
    for (; synced_ < std::min<int64_t>(upto, restored_); ++synced_)
      taken_.insert(decode(space_, asked_[static_cast<size_t>(synced_)].u));
    synced_ = std::max(synced_, upto);
  }

  // Each fit starts from the last one's hyperparameters (hyper_), which a resume does not have:
  // the fits of the restored trials past the start design are made again, in id order, each on
  // the trials before it (as a sweep that ran one trial at a time saw them; bayes_propose's fit,
  // with its seed), so the sweep goes on as it would have without the stop, and grows so.
  void rewarm() {
    if (rewarmed_ || restored_ <= n_init_) return;
    rewarmed_ = true;
    for (int64_t k = n_init_; k < restored_; ++k) {
      std::vector<std::vector<double>> X, pending;
      std::vector<double> y;
      history(&X, &y, &pending, static_cast<size_t>(k));
      if (X.size() < 2 || !fits(k, X.size())) continue;
      hyper_ = bayes_fit(to_gp(X), Eigen::Map<const Eigen::VectorXd>(y.data(), y.size()),
                         seed_for(k), opt_, &hyper_);
    }
  }
  bool rewarmed_ = false;

  // Whether trial id's ask fits the hyperparameters, with n completed trials: always while the
  // model holds every trial; beyond that (its cost bounded by the cap, and a few hundred points
  // pinning d + 2 numbers well) every kRefitEvery-th trial, the others reusing the last fit.
  static constexpr int64_t kRefitEvery = 16;
  bool fits(int64_t id, size_t n) const {
    return n <= static_cast<size_t>(opt_.max_model_points) || id % kRefitEvery == 0 ||
           hyper_.dim() != gp_dims_;
  }

  // Space coordinates -> GP coordinates (choices one-hot).
  Eigen::MatrixXd to_gp(const std::vector<std::vector<double>>& pts) const {
    Eigen::MatrixXd M = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(pts.size()), gp_dims_);
    for (size_t i = 0; i < pts.size(); ++i) {
      int col = 0;
      for (size_t j = 0; j < width_.size(); ++j) {
        if (width_[j] == 1) {
          M(i, col) = pts[i][j];
        } else {
          const int k = width_[j];
          M(i, col + std::min(k - 1, static_cast<int>(pts[i][j] * k))) = 1.0;
        }
        col += width_[j];
      }
    }
    return M;
  }
  // GP coordinates -> space coordinates: a one-hot block becomes its largest entry's index.
  std::vector<double> from_gp(const Eigen::VectorXd& v) const {
    std::vector<double> u;
    int col = 0;
    for (int w : width_) {
      if (w == 1) {
        u.push_back(std::clamp(v[col], 0.0, 1.0));
      } else {
        Eigen::Index best;
        v.segment(col, w).maxCoeff(&best);
        u.push_back((static_cast<double>(best) + 0.5) / w);
      }
      col += w;
    }
    return u;
  }

  std::vector<int> width_;  // GP coordinates of each searched parameter
  std::vector<bool> held_;  // per GP coordinate: an int's or a choice's (rounded by decode)
  int gp_dims_ = 0;
  ProposalSpace ps_;                         // the rounding and the points asked, for bayes.h
  std::set<std::vector<ParamValue>> taken_;  // the values of every trial asked
  int64_t synced_ = 0;                       // trials before this one are in taken_
  int n_init_ = 0;
  Eigen::MatrixXd init_;  // the Latin hypercube of the first n_init_ trials
  BayesOptions opt_;
  GpHyper hyper_;  // the last fit, to warm-start the next
};

// ---- tpe ---------------------------------------------------------------------------------------
constexpr double kMaxTpeLevels = 1 << 24;

// TPE sees each choice as a category index and everything else as its space coordinate. Its
// history (tpe_history.h) is indexed so that an ask stays bounded at any number of trials.
class TpeStrategy final : public ModelStrategy {
 public:
  TpeStrategy(SearchSpace space, const StrategyOptions& o) : ModelStrategy(std::move(space), o) {
    discrete_ = true;
    for (const Param& p : space_.params) {
      if (p.kind == ParamKind::kFixed) continue;
      TpeDim d;
      if (p.kind == ParamKind::kChoice) d.choices = static_cast<int>(p.choices.size());
      // A linear int range is TPE's integer dimension: its values sit at k / (L - 1). One of
      // more than kMaxTpeLevels values is continuous to TPE (its kernels are far wider than a
      // step), and decode() rounds it: L must fit an int.
      if (p.kind == ParamKind::kInt && !p.log && p.hi > p.lo && p.hi - p.lo < kMaxTpeLevels)
        d.levels = static_cast<int>(p.hi - p.lo) + 1;
      discrete_ = discrete_ && (p.kind == ParamKind::kChoice || p.kind == ParamKind::kInt);
      dims_.push_back(d);
    }
    opt_.n_startup = static_cast<int>(start_design_size(o, space_));
    history_.emplace(dims_, opt_);
  }
  StrategyKind kind() const override { return StrategyKind::kTpe; }

  void tell(int64_t id, const Outcome& outcome) override {
    ModelStrategy::tell(id, outcome);
    if (id < history_->size()) {
      const Record& r = asked_.at(static_cast<size_t>(id));
      history_->told(id, r.value, r.ok);
    }
  }

 private:
  std::vector<double> propose(int64_t id) override {
    sync();
    // Every parameter discrete (log ints too): never ask again the values of an asked trial.
    TpeSeen seen;
    if (discrete_)
      seen = [this](const std::vector<double>& v) {
        return asked_points_.count(encode(space_, decode(space_, to_space(v)))) > 0;
      };
    std::vector<double> u = to_space(history_->propose(seed_for(id), seen));
    // tpe tries a few uniform points before it gives in; a log-scaled int is real to it, so it
    // cannot walk the space itself: here the space is walked for a free point.
    if (discrete_ && asked_points_.count(encode(space_, decode(space_, u))))
      if (auto free = free_point(id)) u = std::move(*free);
    return u;
  }
  // The first point of a small all-discrete space (at most 2^16 points), from an offset seeded
  // by the trial, that no trial asked; none when every point was asked (then tpe's favourite
  // runs again: more trials than points were asked for) or the space is larger.
  std::optional<std::vector<double>> free_point(int64_t id) const {
    std::vector<std::vector<ParamValue>> axes;
    uint64_t size = 1;
    for (const Param& p : space_.params) {
      std::vector<ParamValue> values = p.choices;  // choice: the values; fixed: the one value
      if (p.kind == ParamKind::kInt && p.hi - p.lo + 1 > static_cast<double>(uint64_t{1} << 16))
        return std::nullopt;  // larger than the whole space may be: never listed
      if (p.kind == ParamKind::kInt)
        for (auto v = static_cast<int64_t>(p.lo); v <= static_cast<int64_t>(p.hi); ++v)
          values.push_back(v);
      size *= values.size();
      if (values.empty() || size > (uint64_t{1} << 16)) return std::nullopt;
      axes.push_back(std::move(values));
    }
    Rng rng(derive_seed(seed_for(id), 1, SeedPurpose::kSearch));
    const uint64_t offset = rng.below(size);
    std::vector<ParamValue> values(axes.size());
    for (uint64_t i = 0; i < size; ++i) {
      uint64_t k = (offset + i) % size;
      for (size_t j = 0; j < axes.size(); ++j) {
        values[j] = axes[j][k % axes[j].size()];
        k /= axes[j].size();
      }
      std::vector<double> u = encode(space_, values);
      if (!asked_points_.count(u)) return u;
    }
    return std::nullopt;
  }
  // Trials asked (or restored) since the last proposal enter the history, with their outcome.
  void sync() {
    for (int64_t k = history_->size(); k < static_cast<int64_t>(asked_.size()); ++k) {
      const Record& r = asked_[static_cast<size_t>(k)];
      if (discrete_) asked_points_.insert(r.u);
      std::vector<double> u = r.u;
      to_tpe(u);
      history_->asked(k, std::move(u));
      if (r.told) history_->told(k, r.value, r.ok);
    }
  }
  // Space coordinates -> TPE's: choices as indices, linear ints as levels k / (L - 1).
  void to_tpe(std::vector<double>& u) const {
    for (size_t j = 0; j < dims_.size(); ++j) {
      const int k = dims_[j].choices, L = dims_[j].levels;
      if (k > 0) u[j] = std::min(k - 1, static_cast<int>(u[j] * k));
      if (L >= 2) u[j] = std::min(L - 1, static_cast<int>(u[j] * L)) / static_cast<double>(L - 1);
    }
  }
  // TPE's point -> space coordinates: a category index, or an integer level k / (L - 1), to its
  // cell's centre.
  std::vector<double> to_space(std::vector<double> v) const {
    for (size_t j = 0; j < dims_.size(); ++j) {
      if (dims_[j].choices > 0) v[j] = (v[j] + 0.5) / dims_[j].choices;
      const int L = dims_[j].levels;
      if (L >= 2) v[j] = (std::round(v[j] * (L - 1)) + 0.5) / L;
    }
    return v;
  }

  std::vector<TpeDim> dims_;
  TpeOptions opt_;
  bool discrete_ = false;  // every searched parameter is an int or a choice
  std::optional<TpeHistory> history_;
  // discrete_ only: Record::u of every asked trial (its values decoded and encoded again)
  std::set<std::vector<double>> asked_points_;
};

}  // namespace

Result<std::unique_ptr<Strategy>> make_bayes(const StrategyOptions& o, const SearchSpace& space) {
  int dims = 0;
  for (const Param& p : space.params) {
    dims += gp_dims(SearchSpace{{p}});
    if (dims > kMaxGpDims)
      return Error{p.file, p.line, p.name,
                   "bayes gives each searched range and each value of a choice a coordinate of "
                   "its model: with this parameter the space has " + std::to_string(dims) +
                   ", more than " + std::to_string(kMaxGpDims) + ", where a proposal takes "
                   "gigabytes; use tpe, or fewer choice values"};
  }
  return std::unique_ptr<Strategy>(new BayesStrategy(space, o));
}

Result<std::unique_ptr<Strategy>> make_tpe(const StrategyOptions& o, const SearchSpace& space) {
  return std::unique_ptr<Strategy>(new TpeStrategy(space, o));
}

}  // namespace hs
