// large.h (internal to hs_report): a sweep too large for one page, cut down to what a browser
// opens: the best trials and a seeded sample of the others in full, and per-epoch quantiles of
// every trial's validation curve, with a note on the page that says so (report.h:
// ReportOptions::max_trials).
//
// May depend on: what report.h may. Thread safety: a pure function of its arguments.
#pragma once

#include <string>
#include <vector>

#include "analysis/finding.h"
#include "report/report.h"

namespace hs::report_large {

struct Shown {
  std::vector<TrialRecord> trials;             // the trials drawn in full, in the given order
  std::vector<std::vector<Finding>> findings;  // theirs
  std::string note_html;  // the note above the page: what was kept, and the quantile table
};

// REQUIRES: trials.size() > opt.max_trials > 0. The best opt.keep_best trials by the sweep's
// metric (result_of: finished trials with a result) and opt.max_trials - keep_best others drawn
// uniformly without replacement by an Rng seeded from (header.seed, 0, SeedPurpose::kReport),
// so the same file gives the same page; kept in the given order.
Shown shown_of(const SweepHeader& h, const std::vector<TrialRecord>& trials,
               const std::vector<std::vector<Finding>>& findings, const ReportOptions& opt);

}  // namespace hs::report_large
