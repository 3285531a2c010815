// tpe_history.cpp: the history of a tpe sweep and its bounded sample (see tpe_history.h).
#include "search/tpe_history.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/rng.h"

namespace hs {

namespace {

// The sample's own stream, apart from the proposal's (derive_seed(seed, known, kSearch)).
constexpr uint64_t kSampleStream = uint64_t{1} << 63;

}  // namespace

TpeHistory::TpeHistory(std::vector<TpeDim> dims, const TpeOptions& opt)
    : dims_(std::move(dims)), opt_(opt) {
  HS_CHECK(opt_.max_bad >= 32 && opt_.max_pending >= 1);
}

void TpeHistory::asked(int64_t id, std::vector<double> point) {
  HS_CHECK(id == size() && point.size() == dims_.size());
  points_.push_back(std::move(point));
  entries_.push_back({});
  pending_.insert(id);
}

void TpeHistory::told(int64_t id, double value, bool ok) {
  HS_CHECK(id >= 0 && id < size());
  Entry& e = entries_[static_cast<size_t>(id)];
  HS_CHECK(e.state == Entry::kPending);
  e.state = ok ? Entry::kOk : Entry::kFailed;
  e.value = value;
  pending_.erase(id);
  told_order_.push_back(id);
  if (ok) ok_.insert({value, id});
}

int64_t TpeHistory::observations() const {
  const int64_t n_ok = static_cast<int64_t>(ok_.size());
  const int64_t told = static_cast<int64_t>(told_order_.size());
  return n_ok > 0 ? told : 0;  // failures count as the worst completed value, once there is one
}

bool TpeHistory::sampled() const {
  const int64_t n_obs = observations();
  if (tpe_in_startup(n_obs, static_cast<int64_t>(pending_.size()), opt_)) return false;
  const int64_t n_good = tpe_n_good(static_cast<int>(std::min<int64_t>(n_obs, INT32_MAX)), opt_);
  if (static_cast<int64_t>(ok_.size()) < n_good) return false;  // mostly failures: keep it exact
  return n_obs - n_good > opt_.max_bad || static_cast<int64_t>(pending_.size()) > opt_.max_pending;
}

void TpeHistory::bad_sample(TpeSample* s, const std::vector<int64_t>& good_ids,
                            uint64_t seed) const {
  const auto good = [&](int64_t t) {
    return std::binary_search(good_ids.begin(), good_ids.end(), told_order_[size_t(t)]);
  };
  const auto add = [&](int64_t t, double w) {
    s->bad.push_back(points_[size_t(told_order_[size_t(t)])]);
    s->bad_weight.push_back(w);
  };
  // Positions: the told trials in the order told, then the pending (a few good ones among the
  // told make the weights of their strata a little too large: at most gamma_max of them).
  const int64_t told = static_cast<int64_t>(told_order_.size());
  const TpeRamp ramp{told + static_cast<int64_t>(pending_.size()), opt_.ramp_weights};
  const int64_t n_bad = told - static_cast<int64_t>(good_ids.size());
  const int64_t recent = n_bad <= opt_.max_bad ? n_bad : opt_.max_bad / 4;
  int64_t start = told;  // the newest `recent` bad observations lie in [start, told)
  for (int64_t got = 0; got < recent && start > 0;) got += !good(--start);
  const int64_t strata = start > 0 ? opt_.max_bad - recent : 0;
  Rng rng(derive_seed(seed, s->known + kSampleStream, SeedPurpose::kSearch));
  for (int64_t k = 0; k < strata; ++k) {
    const int64_t a = start * k / strata, b = start * (k + 1) / strata;
    if (b <= a) continue;
    int64_t t = a + static_cast<int64_t>(rng.below(static_cast<uint64_t>(b - a)));
    for (int64_t probe = 1; probe < b - a && good(t); ++probe) t = t + 1 == b ? a : t + 1;
    if (!good(t)) add(t, ramp.sum(a, b));
  }
  for (int64_t t = start; t < told; ++t)
    if (!good(t)) add(t, ramp.at(t));
}

TpeSample TpeHistory::sample(uint64_t seed) const {
  HS_CHECK(sampled());
  const int64_t n_obs = observations();
  const size_t n_good = static_cast<size_t>(tpe_n_good(static_cast<int>(n_obs), opt_));
  TpeSample s;
  s.known = static_cast<uint64_t>(n_obs) + pending_.size();
  std::vector<int64_t> good_ids;
  for (auto it = ok_.begin(); good_ids.size() < n_good; ++it) good_ids.push_back(it->second);
  std::sort(good_ids.begin(), good_ids.end());
  for (int64_t id : good_ids) s.good.push_back(points_[size_t(id)]);
  bad_sample(&s, good_ids, seed);
  // The newest pending points, sharing what the ramp gives all m pending (the newest points of
  // the group) equally, at pending_weight of it.
  const int64_t m = static_cast<int64_t>(pending_.size());
  const int64_t p = std::min<int64_t>(m, opt_.max_pending);
  const TpeRamp ramp{n_obs + m, opt_.ramp_weights};
  std::vector<int64_t> newest;
  for (auto it = pending_.rbegin(); static_cast<int64_t>(newest.size()) < p; ++it)
    newest.push_back(*it);
  const double each = opt_.pending_weight * ramp.sum(n_obs, n_obs + m) / static_cast<double>(p);
  for (int64_t j = p - 1; j >= 0; --j) {
    s.bad.push_back(points_[size_t(newest[size_t(j)])]);
    s.bad_weight.push_back(each);
  }
  s.pending = static_cast<size_t>(p);
  return s;
}

std::vector<double> TpeHistory::propose(uint64_t seed, const TpeSeen& seen) const {
  if (sampled()) return tpe_propose_sample(dims_, sample(seed), seed, opt_, seen);
  // The whole history in trial order, failures at the worst completed value (left out while
  // nothing has completed), as ModelStrategy::history gives it.
  std::vector<std::vector<double>> X, pending;
  std::vector<double> y;
  const double worst = ok_.empty() ? NAN : ok_.rbegin()->first;
  for (size_t id = 0; id < entries_.size(); ++id) {
    const Entry& e = entries_[id];
    if (e.state == Entry::kPending) {
      pending.push_back(points_[id]);
    } else if (e.state == Entry::kOk || !ok_.empty()) {
      X.push_back(points_[id]);
      y.push_back(e.state == Entry::kOk ? e.value : worst);
    }
  }
  return tpe_propose(dims_, X, y, pending, seed, opt_, seen, static_cast<int64_t>(entries_.size()));
}

}  // namespace hs
