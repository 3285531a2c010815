// tpe.cpp: the Parzen estimators behind tpe_propose() (see tpe.h for the contract).
//
// A group (the good points for l, the bad and pending points for g) is a mixture of one kernel
// per point plus a prior kernel. Per dimension a kernel is
//   real         a Gaussian truncated to [0,1]
//   integer      a Gaussian over the index axis [-0.5, L-0.5], its mass over each unit bin
//   categorical  a point mass on the observed index blended with a uniform (prior_weight smoothing)
// Univariate mode keeps the dimensions apart (l and g factorise, each dimension is optimised on
// its own); multivariate mode shares the kernel choice across dimensions.
#include "search/tpe.h"

#include <algorithm>
#include <cstddef>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

#include "core/check.h"
#include "core/rng.h"

namespace hs {
namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInf = std::numeric_limits<double>::infinity();
// Beyond this many draws the fallbacks (non-duplicate search, truncated-normal rejection) give up.
constexpr int kMaxTries = 64;

double ndtr(double z) { return 0.5 * std::erfc(-z * kInvSqrt2); }

// log Phi(z), finite far into the lower tail where Phi(z) itself underflows.
double log_ndtr(double z) {
  if (z > 0) return std::log1p(-ndtr(-z));
  if (z > -20) return std::log(ndtr(z));
  const double r = 1.0 / (z * z);  // Mills-ratio series: Phi(z) ~ phi(z)/|z| (1 - r + 3r^2 ...)
  return -0.5 * z * z - std::log(-z) - kLogSqrt2Pi + std::log1p(r * (-1 + r * (3 - 15 * r)));
}

// log(Phi(b) - Phi(a)) for a < b, accurate in both tails (bin masses far from a kernel's mean
// must stay comparable across kernels, not collapse to log 0).
double log_ndtr_diff(double a, double b) {
  if (a > 0) {  // the mass of [a,b] equals that of [-b,-a], which lies in the accurate lower tail
    const double t = a;
    a = -b;
    b = -t;
  }
  const double la = log_ndtr(a), lb = log_ndtr(b);
  return lb + std::log(-std::expm1(la - lb));
}

double logsumexp(const double* v, size_t n) {
  double m = -kInf;
  for (size_t i = 0; i < n; ++i) m = std::max(m, v[i]);
  if (m == -kInf) return -kInf;
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += std::exp(v[i] - m);
  return m + std::log(s);
}

// How a dimension is handled internally: the index axis of an integer dimension replaces [0,1].
struct DimInfo {
  enum Kind { kReal, kInt, kCat } kind = kReal;
  int n = 0;       // kInt: levels L; kCat: choices k
  double low = 0;  // kernel support: [0,1] or [-0.5, L-0.5]
  double high = 1;
};

DimInfo dim_info(const TpeDim& d) {
  DimInfo info;
  if (d.choices > 0) {
    info.kind = DimInfo::kCat, info.n = d.choices;
  } else if (d.levels >= 2) {
    info.kind = DimInfo::kInt, info.n = d.levels, info.low = -0.5, info.high = d.levels - 0.5;
  }
  return info;
}

// An encoded value on the dimension's internal axis: [0,1], an index 0..L-1, or a choice 0..k-1.
double to_internal(const DimInfo& info, double v) {
  HS_CHECK(std::isfinite(v));
  switch (info.kind) {
    case DimInfo::kReal:
      HS_CHECK(v >= -1e-9 && v <= 1 + 1e-9);
      return std::clamp(v, 0.0, 1.0);
    case DimInfo::kInt:
      HS_CHECK(v >= -1e-9 && v <= 1 + 1e-9);
      return std::clamp(std::round(v * (info.n - 1)), 0.0, double(info.n - 1)) + 0.0;
    case DimInfo::kCat:
      HS_CHECK(v >= 0 && v < info.n && v == std::floor(v));
      return v;
  }
  return v;
}

double to_encoded(const DimInfo& info, double v) {
  return info.kind == DimInfo::kInt ? v / (info.n - 1) : v;
}

// The kernels of one group along one dimension. Kernel j < n is observation j, kernel n the prior.
struct DimKernels {
  std::vector<double> mu, sigma, inv_sigma;
  // kReal: -log(sigma sqrt(2 pi)) - log Z; kInt: -log Z (Z: the kernel's mass inside the range).
  std::vector<double> lnorm;
  // kCat: kernel j puts log_hit on its own choice and log_miss on each other one; the prior kernel
  // is uniform. mix_log_p is the whole mixture's log probability of each choice.
  double log_hit = 0, log_miss = 0;
  std::vector<double> mix_log_p;
};

struct Group {
  std::vector<std::vector<double>> pts;  // (n, D) on the internal axes, in trial order
  std::vector<double> w;                 // n + 1 normalised weights, the prior's last
  std::vector<double> logw;
  std::vector<DimKernels> dims;
};

std::vector<double> point_weights(size_t n, bool ramp) {
  const TpeRamp r{static_cast<int64_t>(n), ramp};
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = r.at(static_cast<int64_t>(i));
  return w;
}

// Univariate bandwidths (hyperopt's rule): the larger gap to a neighbour among the points and the
// prior's mean, sorted; without consider_endpoints the outermost points use their inner gap only.
std::vector<double> neighbour_sigmas(const std::vector<double>& mus_with_prior, double low,
                                     double high, bool consider_endpoints) {
  const size_t m = mus_with_prior.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return mus_with_prior[a] < mus_with_prior[b]; });
  std::vector<double> s(m + 2);
  s[0] = low, s[m + 1] = high;
  for (size_t i = 0; i < m; ++i) s[i + 1] = mus_with_prior[order[i]];
  std::vector<double> sig(m);
  for (size_t i = 0; i < m; ++i) {
    double g = std::max(s[i + 1] - s[i], s[i + 2] - s[i + 1]);
    if (!consider_endpoints && m >= 2) {
      if (i == 0) g = s[2] - s[1];
      if (i == m - 1) g = s[m] - s[m - 1];
    }
    sig[order[i]] = g;
  }
  return sig;
}

// weights: one per point (a bounded sample's, tpe_history.h), or empty: point_weights.
Group build_group(const std::vector<DimInfo>& info, std::vector<std::vector<double>> pts,
                  const std::vector<double>& weights, const TpeOptions& opt) {
  Group g;
  g.pts = std::move(pts);
  const size_t n = g.pts.size(), D = info.size(), nk = n + 1;
  HS_CHECK(weights.empty() || weights.size() == n);
  g.w = weights.empty() ? point_weights(n, opt.ramp_weights) : weights;
  g.w.push_back(opt.prior_weight);
  const double wsum = std::accumulate(g.w.begin(), g.w.end(), 0.0);
  g.logw.resize(nk);
  for (size_t j = 0; j < nk; ++j) g.w[j] /= wsum, g.logw[j] = std::log(g.w[j]);

  g.dims.resize(D);
  for (size_t d = 0; d < D; ++d) {
    const DimInfo& di = info[d];
    DimKernels& k = g.dims[d];
    if (di.kind == DimInfo::kCat) {
      // Optuna's smoothing: each observation's row is 1 on its choice plus prior_weight / nk on
      // every choice, normalised; the prior row is uniform.
      const double c = di.n, eps = opt.prior_weight / double(nk), row = 1.0 + c * eps;
      k.log_hit = std::log((1.0 + eps) / row);
      k.log_miss = std::log(eps / row);
      std::vector<double> p(di.n, g.w[n] / c);
      for (size_t j = 0; j < n; ++j) {
        for (int v = 0; v < di.n; ++v) p[v] += g.w[j] * eps / row;
        p[size_t(g.pts[j][d])] += g.w[j] / row;
      }
      k.mix_log_p.resize(di.n);
      for (int v = 0; v < di.n; ++v) k.mix_log_p[v] = std::log(p[v]);
      continue;
    }
    const double range = di.high - di.low, prior_mu = 0.5 * (di.low + di.high);
    k.mu.resize(nk);
    for (size_t j = 0; j < n; ++j) k.mu[j] = g.pts[j][d];
    k.mu[n] = prior_mu;
    if (opt.multivariate) {
      // Scott's rule shape as in Optuna's multivariate TPE: one bandwidth for all points.
      const double s = opt.bandwidth_factor *
                       std::pow(double(std::max<size_t>(n, 1)), -1.0 / double(D + 4)) * range;
      k.sigma.assign(nk, s);
    } else {
      k.sigma = neighbour_sigmas(k.mu, di.low, di.high, opt.consider_endpoints);
    }
    const double min_sigma =
        opt.magic_clip ? range / std::min(100.0, 1.0 + double(nk)) : 1e-12 * range;
    for (double& s : k.sigma) s = std::clamp(s, min_sigma, range);
    k.sigma[n] = range;
    k.inv_sigma.resize(nk);
    k.lnorm.resize(nk);
    for (size_t j = 0; j < nk; ++j) {
      k.inv_sigma[j] = 1.0 / k.sigma[j];
      const double logz =
          log_ndtr_diff((di.low - k.mu[j]) * k.inv_sigma[j], (di.high - k.mu[j]) * k.inv_sigma[j]);
      k.lnorm[j] = -logz - (di.kind == DimInfo::kReal ? std::log(k.sigma[j]) + kLogSqrt2Pi : 0.0);
    }
  }
  return g;
}

// log of kernel j's density (kReal) or probability (kInt, kCat) at internal value x, without
// the kernel's weight.
double kernel_log(const DimInfo& di, const DimKernels& k, size_t j, size_t n_points,
                  double obs_value, double x) {
  if (di.kind == DimInfo::kCat) {
    if (j == n_points) return -std::log(double(di.n));
    return obs_value == x ? k.log_hit : k.log_miss;
  }
  if (di.kind == DimInfo::kReal) {
    const double z = (x - k.mu[j]) * k.inv_sigma[j];
    return k.lnorm[j] - 0.5 * z * z;
  }
  return k.lnorm[j] +
         log_ndtr_diff((x - 0.5 - k.mu[j]) * k.inv_sigma[j], (x + 0.5 - k.mu[j]) * k.inv_sigma[j]);
}

// log of the group's one-dimensional marginal at x (univariate mode).
double marginal_log(const DimInfo& di, const Group& g, size_t d, double x,
                    std::vector<double>& buf) {
  const DimKernels& k = g.dims[d];
  if (di.kind == DimInfo::kCat) return k.mix_log_p[size_t(x)];
  const size_t nk = g.logw.size();
  buf.resize(nk);
  if (di.kind == DimInfo::kReal) {
    for (size_t j = 0; j < nk; ++j) {
      const double z = (x - k.mu[j]) * k.inv_sigma[j];
      buf[j] = g.logw[j] + k.lnorm[j] - 0.5 * z * z;
    }
  } else {
    for (size_t j = 0; j < nk; ++j) buf[j] = g.logw[j] + kernel_log(di, k, j, nk - 1, 0, x);
  }
  return logsumexp(buf.data(), nk);
}

// log of the group's joint density at the internal point x (multivariate mode).
double joint_log(const std::vector<DimInfo>& info, const Group& g, const std::vector<double>& x,
                 std::vector<double>& buf) {
  const size_t nk = g.logw.size(), n = nk - 1;
  buf.assign(g.logw.begin(), g.logw.end());
  for (size_t d = 0; d < info.size(); ++d)
    for (size_t j = 0; j < nk; ++j)
      buf[j] += kernel_log(info[d], g.dims[d], j, n, j < n ? g.pts[j][d] : 0.0, x[d]);
  return logsumexp(buf.data(), nk);
}

size_t pick_kernel(const Group& g, Rng& rng) {
  const double u = rng.uniform();
  double c = 0;
  for (size_t j = 0; j + 1 < g.w.size(); ++j) {
    c += g.w[j];
    if (u < c) return j;
  }
  return g.w.size() - 1;
}

// A draw from kernel j of the group along dimension d, on the internal axis.
double sample_kernel(const DimInfo& di, const Group& g, size_t d, size_t j, Rng& rng) {
  const DimKernels& k = g.dims[d];
  const size_t n = g.pts.size();
  if (di.kind == DimInfo::kCat) {
    // Row j is a blend: probability exp(log_hit) - exp(log_miss) of the point mass, the rest
    // spread uniformly over all k choices (the prior kernel is all uniform).
    const double p_point = j < n ? std::exp(k.log_hit) - std::exp(k.log_miss) : 0.0;
    if (rng.uniform() < p_point) return g.pts[j][d];
    return double(rng.below(uint64_t(di.n)));
  }
  // Rejection from the untruncated Gaussian: the mean lies in range and sigma <= range, so each
  // try lands inside with probability >= Phi(1) - Phi(0) = 0.34.
  double x = k.mu[j];
  for (int t = 0; t < kMaxTries; ++t) {
    const double v = k.mu[j] + k.sigma[j] * rng.normal();
    if (v >= di.low && v <= di.high) {
      x = v;
      break;
    }
  }
  // + 0.0 turns the -0.0 that rounding a small negative draw gives into 0.0.
  if (di.kind == DimInfo::kInt) x = std::clamp(std::round(x), 0.0, double(di.n - 1)) + 0.0;
  return x;
}

double sample_uniform(const DimInfo& di, Rng& rng) {
  if (di.kind == DimInfo::kReal) return rng.uniform();
  return double(rng.below(uint64_t(di.n)));
}

bool is_known(const std::vector<double>& x, const std::vector<std::vector<double>>& known) {
  for (const auto& k : known)
    if (k == x) return true;
  return false;
}

// REQUIRES (checked): every dimension has choices >= 0 and levels >= 0.
std::vector<DimInfo> dim_infos(const std::vector<TpeDim>& dims) {
  std::vector<DimInfo> info(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    HS_CHECK(dims[d].choices >= 0 && dims[d].levels >= 0);
    info[d] = dim_info(dims[d]);
  }
  return info;
}

// The points on the internal axes. REQUIRES (checked): each has one valid value per dimension.
std::vector<std::vector<double>> to_internal_points(const std::vector<DimInfo>& info,
                                                    const std::vector<std::vector<double>>& pts) {
  std::vector<std::vector<double>> out;
  out.reserve(pts.size());
  for (const auto& p : pts) {
    HS_CHECK(p.size() == info.size());
    std::vector<double> q(info.size());
    for (size_t d = 0; d < info.size(); ++d) q[d] = to_internal(info[d], p[d]);
    out.push_back(std::move(q));
  }
  return out;
}

std::vector<double> to_encoded_point(const std::vector<DimInfo>& info, std::vector<double> x) {
  for (size_t d = 0; d < info.size(); ++d) x[d] = to_encoded(info[d], x[d]);
  return x;
}

std::vector<double> uniform_point(const std::vector<DimInfo>& info, Rng& rng) {
  std::vector<double> x(info.size());
  for (size_t d = 0; d < info.size(); ++d) x[d] = sample_uniform(info[d], rng);
  return x;
}

// Uniform points until one passes `ok`; if the discrete space looks exhausted, the last one.
template <class Ok>
std::vector<double> uniform_until(const std::vector<DimInfo>& info, Rng& rng, const Ok& ok) {
  std::vector<double> x = uniform_point(info, rng);
  for (int t = 1; t < kMaxTries && !ok(x); ++t) x = uniform_point(info, rng);
  return x;
}

// Whether a point on the internal axes was asked before (tpe.h, "Repeats"); empty: never.
using Check = std::function<bool(const std::vector<double>&)>;

bool all_discrete(const std::vector<DimInfo>& info) {
  return std::all_of(info.begin(), info.end(),
                     [](const DimInfo& di) { return di.kind != DimInfo::kReal; });
}

// l from the n_good smallest y (NaN as +inf, ties by trial order) and the newest pending
// points (good_group), g from the rest + every pending point (each at pending_weight).
struct Groups {
  Group l, g;
};

// l's points: the good observations (trial order), then the newest of `pending` (oldest first),
// at most as many as the good observations, each at pending_weight of the weight an
// observation in its place would have (tpe.h, "Pending points").
Group good_group(const std::vector<DimInfo>& info, std::vector<std::vector<double>> good,
                 const std::vector<std::vector<double>>& pending, const TpeOptions& opt) {
  const size_t n_obs = good.size(), k = opt.pending_in_good ? std::min(pending.size(), n_obs) : 0;
  for (size_t j = pending.size() - k; j < pending.size(); ++j) good.push_back(pending[j]);
  std::vector<double> w = point_weights(good.size(), opt.ramp_weights);
  for (size_t j = n_obs; j < w.size(); ++j) w[j] *= opt.pending_weight;
  return build_group(info, std::move(good), w, opt);
}

Groups split_groups(const std::vector<DimInfo>& info, const std::vector<std::vector<double>>& obs,
                    const std::vector<std::vector<double>>& pend, const std::vector<double>& y,
                    const TpeOptions& opt) {
  const int n = int(obs.size());
  std::vector<double> yk(y);
  for (double& v : yk)
    if (std::isnan(v)) v = kInf;
  std::vector<size_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return yk[a] < yk[b]; });
  const int n_good = tpe_n_good(n, opt);
  std::vector<char> good(static_cast<size_t>(n), 0);
  for (int i = 0; i < n_good; ++i) good[order[size_t(i)]] = 1;
  std::vector<std::vector<double>> good_pts, bad_pts;
  for (int i = 0; i < n; ++i) (good[size_t(i)] ? good_pts : bad_pts).push_back(obs[size_t(i)]);
  const size_t n_bad = bad_pts.size();
  for (const auto& p : pend) bad_pts.push_back(p);
  std::vector<double> bad_w = point_weights(bad_pts.size(), opt.ramp_weights);
  for (size_t j = n_bad; j < bad_w.size(); ++j) bad_w[j] *= opt.pending_weight;
  return {good_group(info, std::move(good_pts), pend, opt),
          build_group(info, std::move(bad_pts), bad_w, opt)};
}

// The candidates drawn from l, on the internal axes, with their scores.
struct Candidates {
  std::vector<std::vector<double>> rows;  // (nc, D)
  std::vector<double> score;  // (nc) log l - log g of each row (univariate: summed over dims)
  std::vector<double> best;   // (D) the favourite: the best row, or each dimension's best value
};

Candidates empty_candidates(size_t nc, size_t D) {
  return {std::vector<std::vector<double>>(nc, std::vector<double>(D)),
          std::vector<double>(nc, 0.0), std::vector<double>(D)};
}

// Multivariate: each candidate row comes from one kernel of l, and rows are ranked as a whole.
Candidates joint_candidates(const std::vector<DimInfo>& info, const Group& l, const Group& g,
                            size_t nc, Rng& rng) {
  const size_t D = info.size();
  Candidates c = empty_candidates(nc, D);
  for (size_t i = 0; i < nc; ++i) {
    const size_t j = pick_kernel(l, rng);
    for (size_t d = 0; d < D; ++d) c.rows[i][d] = sample_kernel(info[d], l, d, j, rng);
  }
  std::vector<double> buf;
  for (size_t i = 0; i < nc; ++i)
    c.score[i] = joint_log(info, l, c.rows[i], buf) - joint_log(info, g, c.rows[i], buf);
  c.best = c.rows[size_t(std::max_element(c.score.begin(), c.score.end()) - c.score.begin())];
  return c;
}

// The first candidate before row i with the same value in dimension d, else i itself.
size_t first_same(const std::vector<std::vector<double>>& rows, size_t d, size_t i) {
  for (size_t e = 0; e < i; ++e)
    if (rows[e][d] == rows[i][d]) return e;
  return i;
}

// Univariate: each dimension draws and ranks its own candidates (Optuna's independent sampling).
Candidates per_dim_candidates(const std::vector<DimInfo>& info, const Group& l, const Group& g,
                              size_t nc, Rng& rng) {
  Candidates c = empty_candidates(nc, info.size());
  std::vector<double> sd(nc), buf;
  for (size_t d = 0; d < info.size(); ++d) {
    for (size_t i = 0; i < nc; ++i)
      c.rows[i][d] = sample_kernel(info[d], l, d, pick_kernel(l, rng), rng);
    for (size_t i = 0; i < nc; ++i) {
      // Discrete candidates repeat; their score is reused rather than recomputed.
      const size_t same = info[d].kind != DimInfo::kReal ? first_same(c.rows, d, i) : i;
      sd[i] = same < i ? sd[same]
                       : marginal_log(info[d], l, d, c.rows[i][d], buf) -
                             marginal_log(info[d], g, d, c.rows[i][d], buf);
      c.score[i] += sd[i];
    }
    c.best[d] = c.rows[size_t(std::max_element(sd.begin(), sd.end()) - sd.begin())][d];
  }
  return c;
}

// The number of points of an all-discrete space, or 0 when it has a real dimension or more than
// 2^16 points (too many to walk through).
uint64_t discrete_size(const std::vector<DimInfo>& info) {
  uint64_t size = 1;
  for (const DimInfo& di : info) {
    if (di.kind == DimInfo::kReal) return 0;
    size *= uint64_t(di.n);
    if (size > (uint64_t{1} << 16)) return 0;
  }
  return size;
}

// The first point of a small all-discrete space, from a seeded offset, that was not asked; empty
// when every point was (or the space is not small and discrete).
std::vector<double> first_free(const std::vector<DimInfo>& info, Rng& rng, const Check& seen) {
  const uint64_t size = discrete_size(info);
  if (size == 0) return {};
  const uint64_t offset = rng.below(size);
  std::vector<double> x(info.size());
  for (uint64_t i = 0; i < size; ++i) {
    uint64_t k = (offset + i) % size;
    for (size_t d = 0; d < info.size(); ++d) {
      x[d] = double(k % uint64_t(info[d].n));
      k /= uint64_t(info[d].n);
    }
    if (!seen(x)) return x;
  }
  return {};
}

// A point not asked before (tpe.h, "Repeats"): `first` if it was not, else the best candidate
// row that was not, else a uniform point, else the first free point of a small space; `first`
// when every point was asked.
std::vector<double> unseen(const std::vector<DimInfo>& info, const std::vector<double>& first,
                           const Candidates* c, const Check& seen, Rng& rng) {
  if (!seen || !seen(first)) return first;
  if (c) {
    std::vector<size_t> rank(c->rows.size());
    std::iota(rank.begin(), rank.end(), size_t{0});
    std::stable_sort(rank.begin(), rank.end(),
                     [&](size_t a, size_t b) { return c->score[a] > c->score[b]; });
    for (size_t i : rank)
      if (!seen(c->rows[i])) return c->rows[i];
  }
  const auto fresh = [&](const std::vector<double>& x) { return !seen(x); };
  std::vector<double> x = uniform_until(info, rng, fresh);
  if (fresh(x)) return x;
  x = first_free(info, rng, seen);
  return x.empty() ? first : x;
}

// The caller's TpeSeen on the internal axes; without one, the rows of obs and pend while every
// dimension is discrete (a repeat in a real dimension has probability zero).
Check make_check(const std::vector<DimInfo>& info, const TpeSeen& seen,
                 const std::vector<std::vector<double>>* obs,
                 const std::vector<std::vector<double>>* pend) {
  if (seen)
    return [&info, &seen](const std::vector<double>& x) { return seen(to_encoded_point(info, x)); };
  if (!all_discrete(info) || !obs) return {};
  return
      [obs, pend](const std::vector<double>& x) { return is_known(x, *obs) || is_known(x, *pend); };
}

void check_options(const TpeOptions& opt) {
  HS_CHECK(opt.n_startup >= 0 && opt.n_ei_candidates >= 1);
  HS_CHECK(opt.gamma > 0 && opt.gamma <= 1 && opt.gamma_max >= 1 && opt.prior_weight > 0);
  HS_CHECK(opt.bandwidth_factor > 0 && opt.pending_weight > 0);
}

// The model phase: candidates from l, the best l/g that was not asked before.
std::vector<double> propose_from(const std::vector<DimInfo>& info, const Groups& groups,
                                 const Check& seen, Rng& rng, const TpeOptions& opt) {
  const size_t nc = size_t(opt.n_ei_candidates);
  const Candidates cand = opt.multivariate ? joint_candidates(info, groups.l, groups.g, nc, rng)
                                           : per_dim_candidates(info, groups.l, groups.g, nc, rng);
  return to_encoded_point(info, unseen(info, cand.best, &cand, seen, rng));
}

}  // namespace

double TpeRamp::at(int64_t t) const {
  const int64_t m = n - kFlat;  // the ramped positions [0, m)
  if (!on || m <= 0 || t >= m) return 1.0;
  const double lo = 1.0 / static_cast<double>(n);
  return m == 1 ? lo : lo + (1.0 - lo) * static_cast<double>(t) / static_cast<double>(m - 1);
}

double TpeRamp::sum(int64_t a, int64_t b) const {
  if (!on || n <= kFlat) return static_cast<double>(b - a);
  const int64_t m = n - kFlat;
  const double lo = 1.0 / static_cast<double>(n);
  double s = static_cast<double>(std::max<int64_t>(0, b - std::max(a, m)));  // the flat part
  const int64_t rb = std::min(b, m);
  if (rb > a) {  // the ramped part: count * lo plus the arithmetic series of the slope
    const double count = static_cast<double>(rb - a);
    s += count * lo;
    if (m > 1)
      s += (1 - lo) / static_cast<double>(m - 1) * (static_cast<double>(a + rb - 1) * count / 2);
  }
  return s;
}

bool tpe_in_startup(int64_t observations, int64_t pending, const TpeOptions& opt) {
  const int64_t told_min = std::max(1, (opt.n_startup + 1) / 2);
  return observations < told_min || observations + pending < opt.n_startup;
}

int tpe_n_good(int n, const TpeOptions& opt) {
  if (n <= 0) return 0;
  // The small margin keeps ceil(0.1 * 30) at 3: in doubles 0.1 * 30 is 3.0000000000000004.
  int k = int(std::ceil(opt.gamma * n - 1e-9));
  k = std::clamp(k, 1, opt.gamma_max);
  if (n > 1) k = std::min(k, n - 1);
  return k;
}

std::vector<double> tpe_propose(const std::vector<TpeDim>& dims,
                                const std::vector<std::vector<double>>& X,
                                const std::vector<double>& y,
                                const std::vector<std::vector<double>>& pending, uint64_t seed,
                                const TpeOptions& opt, const TpeSeen& seen, int64_t asked) {
  HS_CHECK(!dims.empty());
  HS_CHECK(X.size() == y.size());
  check_options(opt);
  const std::vector<DimInfo> info = dim_infos(dims);
  const std::vector<std::vector<double>> obs = to_internal_points(info, X);
  const std::vector<std::vector<double>> pend = to_internal_points(info, pending);
  const Check check = make_check(info, seen, &obs, &pend);
  // The count of known points enters the stream so that repeated asks with the same seed differ.
  Rng rng(derive_seed(seed, asked >= 0 ? uint64_t(asked) : uint64_t(obs.size() + pend.size()),
                      SeedPurpose::kSearch));
  if (tpe_in_startup(int64_t(obs.size()), int64_t(pend.size()), opt))
    return to_encoded_point(info, unseen(info, uniform_point(info, rng), nullptr, check, rng));
  return propose_from(info, split_groups(info, obs, pend, y, opt), check, rng, opt);
}

std::vector<double> tpe_propose_sample(const std::vector<TpeDim>& dims, const TpeSample& sample,
                                       uint64_t seed, const TpeOptions& opt, const TpeSeen& seen) {
  HS_CHECK(!dims.empty() && !sample.good.empty() && sample.pending <= sample.bad.size());
  check_options(opt);
  const std::vector<DimInfo> info = dim_infos(dims);
  for (double w : sample.bad_weight) HS_CHECK(w > 0);
  std::vector<std::vector<double>> bad = to_internal_points(info, sample.bad), pending;
  pending.assign(bad.end() - std::ptrdiff_t(sample.pending), bad.end());  // bad's last rows
  const Groups groups{good_group(info, to_internal_points(info, sample.good), pending, opt),
                      build_group(info, std::move(bad), sample.bad_weight, opt)};
  Rng rng(derive_seed(seed, sample.known, SeedPurpose::kSearch));
  return propose_from(info, groups, make_check(info, seen, nullptr, nullptr), rng, opt);
}

}  // namespace hs
