// large.h (internal to hs_report): a sweep too large for one page, cut down to what a browser
// opens: the best trials and a seeded sample of the others in full, and per-epoch quantiles of
// every trial's validation curve, with a note on the page that says so (report.h:
// ReportOptions::max_trials). Summed a trial at a time, so that a million-trial file is never
// held whole (report.h: SweepPage).
//
// May depend on: what report.h may. Thread safety: none; one object per page.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "report/report.h"

namespace hs::report_large {

// What a page needs of every trial to draw a sample of them: how many there are and of each
// status, every value of the metric's curve (val_acc when the metric is not a curve) per epoch
// row, and the best trials. add() takes the trials in any order, each with its place (its index
// in the trials the page is of).
class Census {
 public:
  Census(const SweepHeader& h, const ReportOptions& opt);
  void add(const TrialRecord& t, size_t place);
  size_t trials() const { return trials_; }
  // Whether the page draws a sample: more than opt.max_trials trials (0: no limit).
  bool large() const { return opt_.max_trials > 0 && trials_ > opt_.max_trials; }
  // Which places (0 to trials() - 1) the page draws in full: every one, unless large(). Then the
  // best min(keep_best, max_trials) trials by the sweep's metric (result_of: finished trials
  // with a result; of equal values the lowest place) and max_trials - that many others drawn
  // uniformly without replacement by an Rng seeded from (header.seed, 0, SeedPurpose::kReport),
  // so the same file gives the same page.
  std::vector<char> choose();
  // The note above a large sweep's page: what was drawn, and the quantile table. After choose().
  std::string note_html() const;

 private:
  SweepHeader header_;
  ReportOptions opt_;
  std::string curve_;  // the curve column the quantiles are of
  size_t trials_ = 0;
  std::map<std::string, size_t> statuses_;
  std::vector<std::vector<double>> values_;  // [epoch row]: the finite values of curve_ there
  std::vector<std::pair<double, size_t>> best_;  // (result, place): candidates for the best
  size_t kept_best_ = 0, sampled_ = 0;              // as choose() chose
};

}  // namespace hs::report_large
