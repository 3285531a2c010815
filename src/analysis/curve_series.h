// curve_series.h: the numbers and words diagnosis.cpp reads curves with: columns of a trial's
// curves, moving averages and slopes, and numbers formatted for evidence. Internal to analysis/
// (diagnosis.cpp and its rules); plain functions of their arguments.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "analysis/finding.h"
#include "trial/record.h"

namespace hs::curves {

using Vec = std::vector<double>;

// ---- numbers and words ----

inline std::string num(double v) {  // 3 significant digits: 0.884, 2.3, 0.0123
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

inline std::string sci(double v) {  // update ratios: 3.1e-02
  char b[32];
  std::snprintf(b, sizeof b, "%.1e", v);
  return b;
}

inline std::string pct(double frac) {  // 0.153 -> "15.3%"
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", 100.0 * frac);
  return b;
}

inline std::string points(double frac) {  // accuracy difference in percentage points
  char b[32];
  std::snprintf(b, sizeof b, "%.1f points", 100.0 * frac);
  return b;
}

// `before` lr `after` ("(lr 0.01)"), or "" when the curves have no lr (a command that prints
// none): evidence never quotes a value the curves lack.
inline std::string lr_note(const char* before, double lr, const char* after) {
  return std::isfinite(lr) ? before + num(lr) + after : std::string();
}

// The 1-based epoch number of row i (the trainer writes it; rows without one count from 1).
inline int ep(const TrialRecord& in, size_t i) {
  if (i < in.curves.size() && in.curves[i].epoch > 0) return in.curves[i].epoch;
  return static_cast<int>(i) + 1;
}

// The largest finite lr of the trial's epochs (its peak, past any warm-up); NaN with none.
inline double peak_lr(const TrialRecord& in) {
  double peak = NAN;
  for (const EpochRow& e : in.curves)
    if (std::isfinite(e.lr) && !(e.lr <= peak)) peak = e.lr;
  return peak;
}

inline std::string epochs(const TrialRecord& in, size_t a, size_t b) {
  return a == b ? "epoch " + std::to_string(ep(in, a))
                : "epochs " + std::to_string(ep(in, a)) + "-" + std::to_string(ep(in, b));
}

inline Finding make(const char* label, std::string evidence, std::string advice, int from, int to) {
  Finding f;
  f.label = label;
  f.evidence = std::move(evidence);
  f.advice = std::move(advice);
  f.from_epoch = from;
  f.to_epoch = to;
  return f;
}

// ---- series ----

template <class F>
Vec column(const TrialRecord& in, F field) {
  Vec v;
  v.reserve(in.curves.size());
  for (const EpochRow& e : in.curves) v.push_back(field(e));
  return v;
}

// The mean of y[a..b] (inclusive). Finite values whose sum passes the largest double (a loss
// of 1e308 each epoch) still have a finite mean.
inline double mean(const Vec& y, size_t a, size_t b) {
  const double m = static_cast<double>(b - a + 1);
  double s = 0;
  for (size_t i = a; i <= b; ++i) s += y[i];
  if (!std::isinf(s)) return s / m;
  s = 0;
  for (size_t i = a; i <= b; ++i) s += y[i] / m;
  return s;
}

// Centred moving average of odd width w; near the ends the window shrinks to what exists.
inline Vec smooth(const Vec& x, int w) {
  const size_t h = static_cast<size_t>(std::max(0, w / 2));
  const size_t n = x.size();
  Vec s(n);
  for (size_t i = 0; i < n; ++i) s[i] = mean(x, i >= h ? i - h : 0, std::min(n - 1, i + h));
  return s;
}

// Least-squares slope of y[a..b] (inclusive) against the index. REQUIRES b > a.
inline double slope(const Vec& y, size_t a, size_t b) {
  const double m = static_cast<double>(b - a + 1);
  const double xbar = (static_cast<double>(a) + static_cast<double>(b)) / 2.0;
  double ybar = 0;
  for (size_t i = a; i <= b; ++i) ybar += y[i];
  ybar /= m;
  double sxy = 0, sxx = 0;
  for (size_t i = a; i <= b; ++i) {
    const double dx = static_cast<double>(i) - xbar;
    sxy += dx * (y[i] - ybar);
    sxx += dx * dx;
  }
  return sxy / sxx;
}

inline size_t argmax(const Vec& y) { return static_cast<size_t>(std::max_element(y.begin(), y.end()) - y.begin()); }
inline size_t argmin(const Vec& y) { return static_cast<size_t>(std::min_element(y.begin(), y.end()) - y.begin()); }

inline double median(Vec v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

inline bool all_finite(const Vec& y) {
  return std::all_of(y.begin(), y.end(), [](double v) { return std::isfinite(v); });
}

}  // namespace hs::curves
