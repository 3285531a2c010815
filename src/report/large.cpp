// large.cpp: a large sweep's page cut down (large.h).
#include "report/large.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/rng.h"
#include "report/json.h"
#include "trial/metric.h"

namespace hs::report_large {
namespace {

// The curve column the quantiles are of: the sweep's metric when it is one, else val_acc.
std::string curve_of(const Metric& m) {
  for (const char* c : {"val_acc", "val_loss", "train_acc", "train_loss"})
    if (m.name == c) return c;
  return "val_acc";
}

double column(const EpochRow& r, const std::string& name) {
  if (name == "val_loss") return r.val_loss;
  if (name == "train_acc") return r.train_acc;
  if (name == "train_loss") return r.train_loss;
  return r.val_acc;
}

// The q-quantile (0..1) of v by the nearest rank; v is reordered.
double quantile(std::vector<double>& v, double q) {
  const size_t k =
      std::min(v.size() - 1, static_cast<size_t>(std::floor(q * (v.size() - 1) + 0.5)));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(k), v.end());
  return v[k];
}

// Per epoch row, the 5/25/50/75/95% quantiles of values[row] (every trial that reached it), as
// rows of an HTML table.
std::string quantile_table(const std::vector<std::vector<double>>& values) {
  std::string out =
      "<table class=\"hs-quantiles\"><thead><tr><th>epoch</th><th>trials</th>"
      "<th>5%</th><th>25%</th><th>median</th><th>75%</th><th>95%</th></tr></thead>"
      "<tbody>\n";
  for (size_t e = 0; e < values.size(); ++e) {
    std::vector<double> v = values[e];
    char row[256];
    std::snprintf(row, sizeof row, "<tr><td>%zu</td><td>%zu</td>", e + 1, v.size());
    out += row;
    for (double q : {0.05, 0.25, 0.5, 0.75, 0.95}) {
      if (v.empty())
        std::snprintf(row, sizeof row, "<td>-</td>");
      else
        std::snprintf(row, sizeof row, "<td>%.4g</td>", quantile(v, q));
      out += row;
    }
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

}  // namespace

Census::Census(const SweepHeader& h, const ReportOptions& opt)
    : header_(h), opt_(opt), curve_(curve_of(h.metric)) {}

void Census::add(const TrialRecord& t, size_t place) {
  ++trials_;
  ++statuses_[status_name(t.status)];
  if (values_.size() < t.curves.size()) values_.resize(t.curves.size());
  for (size_t e = 0; e < t.curves.size(); ++e)
    if (const double v = column(t.curves[e], curve_); std::isfinite(v)) values_[e].push_back(v);
  const size_t keep = std::min(opt_.keep_best, opt_.max_trials);
  if (keep == 0 || !result_of(t).ok) return;
  best_.emplace_back(result_of(t).value, place);
  if (best_.size() >= 2 * keep + 64) {  // only the best `keep` can be chosen
    const bool max = header_.metric.direction == Direction::kMaximize;
    std::nth_element(best_.begin(), best_.begin() + static_cast<ptrdiff_t>(keep), best_.end(),
                     [&](const auto& x, const auto& y) {
                       if (x.first != y.first) return max ? x.first > y.first : x.first < y.first;
                       return x.second < y.second;
                     });
    best_.resize(keep);
  }
}

std::vector<char> Census::choose() {
  if (!large()) return std::vector<char>(trials_, 1);
  const bool max = header_.metric.direction == Direction::kMaximize;
  std::sort(best_.begin(), best_.end(), [&](const auto& x, const auto& y) {
    if (x.first != y.first) return max ? x.first > y.first : x.first < y.first;
    return x.second < y.second;
  });
  best_.resize(std::min(best_.size(), std::min(opt_.keep_best, opt_.max_trials)));
  std::vector<char> chosen(trials_, 0);
  for (const auto& b : best_)
    if (b.second < trials_) chosen[b.second] = 1;
  kept_best_ = best_.size();
  std::vector<size_t> rest;
  rest.reserve(trials_ - kept_best_);
  for (size_t i = 0; i < trials_; ++i)
    if (!chosen[i]) rest.push_back(i);
  // A partial Fisher-Yates shuffle: the first `sampled` of rest, uniformly without replacement.
  sampled_ = std::min(rest.size(), opt_.max_trials - kept_best_);
  Rng rng(derive_seed(header_.seed, 0, SeedPurpose::kReport));
  for (size_t k = 0; k < sampled_; ++k) {
    const size_t j = k + static_cast<size_t>(rng.uniform() * static_cast<double>(rest.size() - k));
    std::swap(rest[k], rest[std::min(j, rest.size() - 1)]);
    chosen[rest[k]] = 1;
  }
  return chosen;
}

std::string Census::note_html() const {
  std::string counts;
  for (const auto& [s, n] : statuses_)
    counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + s;
  using report_json::html_escape;
  std::string out =
      "<section class=\"hs-large\" id=\"hs-large\"><p><b>A large sweep: " +
      std::to_string(trials_) + " trials</b> (" + counts + "). This page draws " +
      std::to_string(kept_best_ + sampled_) + " of them in full: the best " +
      std::to_string(kept_best_) + " by " + html_escape(header_.metric.name) +
      " and a seeded sample of " + std::to_string(sampled_) +
      " others (the same file gives the same sample); its counts, plots and table are "
      "of those. The table below aggregates every trial's " +
      curve_ +
      " curve: its quantiles per epoch. <code>hypersweep show</code> and "
      "<code>hypersweep export --csv</code> cover every trial.</p>\n";
  return out + quantile_table(values_) + "</section>\n";
}

}  // namespace hs::report_large
