// large.cpp: a large sweep's page cut down (large.h).
#include "report/large.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

#include "core/rng.h"
#include "trial/metric.h"

namespace hs::report_large {
namespace {

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

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

// Per epoch, the 5/25/50/75/95% quantiles of `name` over every trial that reached it, as rows
// of an HTML table.
std::string quantile_table(const std::vector<TrialRecord>& trials, const std::string& name) {
  size_t epochs = 0;
  for (const TrialRecord& t : trials) epochs = std::max(epochs, t.curves.size());
  std::string out =
      "<table class=\"hs-quantiles\"><thead><tr><th>epoch</th><th>trials</th>"
      "<th>5%</th><th>25%</th><th>median</th><th>75%</th><th>95%</th></tr></thead>"
      "<tbody>\n";
  std::vector<double> v;
  for (size_t e = 0; e < epochs; ++e) {
    v.clear();
    for (const TrialRecord& t : trials)
      if (e < t.curves.size() && std::isfinite(column(t.curves[e], name)))
        v.push_back(column(t.curves[e], name));
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

// Indices of the keep best trials with a result, best first.
std::vector<size_t> best_of(const SweepHeader& h, const std::vector<TrialRecord>& trials,
                            size_t keep) {
  std::vector<size_t> ok;
  for (size_t i = 0; i < trials.size(); ++i)
    if (result_of(trials[i]).ok) ok.push_back(i);
  const bool max = h.metric.direction == Direction::kMaximize;
  auto better = [&](size_t x, size_t y) {
    const double u = result_of(trials[x]).value, w = result_of(trials[y]).value;
    if (u != w) return max ? u > w : u < w;
    return x < y;
  };
  keep = std::min(keep, ok.size());
  std::partial_sort(ok.begin(), ok.begin() + static_cast<ptrdiff_t>(keep), ok.end(), better);
  ok.resize(keep);
  return ok;
}

std::string note(const SweepHeader& h, const std::vector<TrialRecord>& trials, size_t best,
                 size_t sampled, const std::string& curve) {
  std::map<std::string, size_t> statuses;
  for (const TrialRecord& t : trials) ++statuses[status_name(t.status)];
  std::string counts;
  for (const auto& [s, n] : statuses)
    counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + s;
  std::string out =
      "<section class=\"hs-large\" id=\"hs-large\"><p><b>A large sweep: " +
      std::to_string(trials.size()) + " trials</b> (" + counts + "). This page draws " +
      std::to_string(best + sampled) + " of them in full: the best " + std::to_string(best) +
      " by " + escape(h.metric.name) + " and a seeded sample of " + std::to_string(sampled) +
      " others (the same file gives the same sample); its counts, plots and table are "
      "of those. The table below aggregates every trial's " +
      curve +
      " curve: its quantiles per epoch. <code>hypersweep show</code> and "
      "<code>hypersweep export --csv</code> cover every trial.</p>\n";
  return out + quantile_table(trials, curve) + "</section>\n";
}

}  // namespace

Shown shown_of(const SweepHeader& h, const std::vector<TrialRecord>& trials,
               const std::vector<std::vector<Finding>>& findings, const ReportOptions& opt) {
  const std::vector<size_t> best = best_of(h, trials, std::min(opt.keep_best, opt.max_trials));
  std::vector<char> chosen(trials.size(), 0);
  for (size_t i : best) chosen[i] = 1;
  std::vector<size_t> rest;
  rest.reserve(trials.size() - best.size());
  for (size_t i = 0; i < trials.size(); ++i)
    if (!chosen[i]) rest.push_back(i);
  // A partial Fisher-Yates shuffle: the first `sampled` of rest, uniformly without replacement.
  const size_t sampled = std::min(rest.size(), opt.max_trials - best.size());
  Rng rng(derive_seed(h.seed, 0, SeedPurpose::kReport));
  for (size_t k = 0; k < sampled; ++k) {
    const size_t j = k + static_cast<size_t>(rng.uniform() * static_cast<double>(rest.size() - k));
    std::swap(rest[k], rest[std::min(j, rest.size() - 1)]);
    chosen[rest[k]] = 1;
  }
  Shown out;
  for (size_t i = 0; i < trials.size(); ++i) {
    if (!chosen[i]) continue;
    out.trials.push_back(trials[i]);
    out.findings.push_back(i < findings.size() ? findings[i] : std::vector<Finding>{});
  }
  out.note_html = note(h, trials, best.size(), sampled, curve_of(h.metric));
  return out;
}

}  // namespace hs::report_large
