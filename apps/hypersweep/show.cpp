// show.cpp: `hypersweep show`: a results file's sweep in a terminal: what ran, how it ended,
// the best trials and what their curves say; or a recipe file's steps.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysed.h"
#include "analysis/diagnosis.h"
#include "core/rng.h"
#include "core/text.h"
#include "hypersweep/commands.h"
#include "search/space_text.h"
#include "store/columns.h"
#include "trial/failure.h"
#include "trial/metric.h"
#include "trial/rungs.h"
#include "trial/tie.h"

namespace hs::cli {

namespace {

struct ShowArgs {
  std::string results;
  int top = 10;
  bool all_evidence = false;
  int64_t trial = -1;  // --trial: that trial alone, whole
};

// A number in `format`, by default fixed_text's 4 places (core/text.h: 1e+300 and 1.2e-07 where
// fixed point would not do); "-" for none (NaN), and inf or -inf as such: a loss that overflowed
// is not missing.
std::string number_text(double v, const char* format = nullptr) {
  if (std::isnan(v)) return "-";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (format == nullptr) return fixed_text(v);
  if (v == 0) v = 0;  // -0.0
  return fmt::format(fmt::runtime(format), v);
}

// A trial's status as the table shows it: a pruned trial's with the epoch it was stopped at.
std::string status_cell(const TrialRecord& t) {
  if (t.status == TrialStatus::kPruned) return fmt::format("pruned@{}", pruned_epoch(t));
  return status_name(t.status);
}

// What the pruner did: how many trials it stopped and at which epochs, and with rungs (asha,
// hyperband, sha) each rung's trials, per bracket. Nothing for a sweep that pruned nothing and
// has no pruner.
void show_pruning(const SweepHeader& h, const PruningTally& tally, size_t trials) {
  const std::vector<std::pair<int, int64_t>> by_epoch = tally.by_epoch();
  if (h.pruner.empty() && by_epoch.empty()) return;
  int64_t pruned = 0;
  std::string at;
  for (const auto& [epoch, n] : by_epoch) {
    pruned += n;
    at += fmt::format("{}{} at epoch {}", at.empty() ? ": " : ", ", n, epoch);
  }
  fmt::print("pruner {}: pruned {} of {} trials{}\n", h.pruner.empty() ? "?" : h.pruner, pruned,
             trials, at);
  for (const RungCount& c : tally.counts()) {
    fmt::print("  {}rung {} (epoch {:>3}{}): {:>4} reached, {:>4} pruned there, best {} {}{}\n",
               c.rung.bracket >= 0 ? fmt::format("bracket {} ", c.rung.bracket) : "", c.rung.rung,
               c.rung.epoch,
               c.rung.trials > 0 ? fmt::format(", {} planned", c.rung.trials) : "", c.reached,
               c.pruned, h.metric.name, number_text(c.best),
               c.best_id >= 0 ? fmt::format(" (trial {})", c.best_id) : "");
  }
}

// A table's cell: a blank, then `s` right-aligned in `width` terminal columns.
void add_cell(std::string& out, std::string_view s, size_t width) {
  out += ' ';
  out += padded_left(s, width);
}

// A trial's curves, a row per epoch: the fixed columns, then the ones its command printed.
void print_curves(const TrialRecord& t) {
  if (t.curves.empty()) return;
  std::string head = fmt::format("{:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>9}", "epoch", "lr",
                                 "train_loss", "train_acc", "val_loss", "val_acc", "seconds");
  // Headed as the `curves` dataset names them: a printed `seconds` is extra_seconds there.
  std::vector<size_t> extra_widths;
  for (const auto& n : store::curve_extra_columns(t.curve_extra_names)) {
    extra_widths.push_back(std::max<size_t>(12, display_width(n)));
    add_cell(head, n, extra_widths.back());
  }
  fmt::print("\n{}\n", head);
  for (size_t j = 0; j < t.curves.size(); ++j) {
    const EpochRow& e = t.curves[j];
    std::string line = fmt::format("{:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>9.2f}", e.epoch,
                                   number_text(e.lr, "{:.4g}"), number_text(e.train_loss),
                                   number_text(e.train_acc), number_text(e.val_loss),
                                   number_text(e.val_acc), e.seconds);
    for (size_t k = 0; k < t.curve_extra_names.size(); ++k) {
      const bool has = j < t.curve_extra.size() && k < t.curve_extra[j].size();
      add_cell(line, number_text(has ? t.curve_extra[j][k] : NAN, "{:.6g}"), extra_widths[k]);
    }
    fmt::print("{}\n", line);
  }
}

// What `show --trial N` needs of a sweep's results: the header, trial N's record, and a sum over
// every trial (its diagnosis's sweep context, the result columns, the ids for an error), read a
// trial at a time (store/read_results.h: each_result), so that a million-trial file is never
// held whole.
struct OneTrial {
  SweepHeader header;
  std::optional<TrialRecord> trial;
  SweepContext context;
  NamesByPlace names;  // of the results
  size_t trials = 0;
  int64_t first_id = 0, last_id = 0;  // the ids at the first and last place
  size_t last_place = 0;
};

Result<OneTrial> read_one_trial(const std::string& path, int64_t id) {
  OneTrial one;
  Status st = each_result(
      path,
      [&](const SweepHeader& h) {
        one = OneTrial{};
        one.header = h;
        one.context = sweep_context({}, h.space);
      },
      [&](TrialRecord&& r, size_t place) {
        add_to_context(one.context, r, place);
        add_result_names(&one.names, r, place);
        if (one.trials++ == 0 || place >= one.last_place) one.last_place = place, one.last_id = r.id;
        if (place == 0) one.first_id = r.id;
        if (r.id == id) one.trial = std::move(r);
      });
  if (!st) return st.error();
  return one;
}

// `show --trial N`: one trial whole: its parameters, status, error, results, curve (every
// column, the printed ones too), where its logs are, and its diagnosis.
int show_trial(const std::string& path, int64_t id) {
  auto one = read_one_trial(path, id);
  if (!one) return fail(one.error());
  if (!one->trial)
    return fail(make_error(path, fmt::format("has no trial {} ({} trials recorded{})", id,
                                             one->trials,
                                             one->trials == 0 ? "" : fmt::format(", ids {} to {}",
                                                 one->first_id, one->last_id))));
  const TrialRecord& t = *one->trial;
  const auto& h = one->header;
  fmt::print("trial {} of {}: {}{}\n", t.id, path, status_name(t.status),
             t.attempt > 1 ? fmt::format(" (attempt {})", t.attempt) : "");
  // Whole (shortest round-trip text): 8 digits were not one float32 value, and `train` with
  // them was another run.
  fmt::print("parameters: {}\n", describe(h.space, t.params, 0));
  // The seed it trained with, unless [space] set it (then it is among the parameters): with
  // the parameters as --set values, `hypersweep train` on the sweep's config trains it again.
  const bool seed_searched = std::any_of(h.space.params.begin(), h.space.params.end(),
                                         [](const Param& p) { return p.name == "seed"; });
  if (!seed_searched)
    fmt::print("seed: {0} (the built-in trainer's: hypersweep train CONFIG --set seed={0} and the "
               "parameters above as --set trains it again; a command got it as "
               "HYPERSWEEP_SEED64)\n", trial_seed_of(h.seed, t.id));
  // "at epoch N" only when the result is that epoch's value (trial/metric.h): a command's result
  // is the last value it printed, which may be a later epoch's than its best.
  std::string at;
  if (t.best_epoch > 0 && std::isfinite(t.best_metric))
    at = result_at_best_epoch(t, h.metric)
             ? fmt::format(" at epoch {}", t.best_epoch)
             : fmt::format(" (best epoch {}: {})", t.best_epoch,
                           number_text(best_epoch_value(t, h.metric), "{:.6g}"));
  fmt::print("{}: {}{}, test_acc {}, {}, {:.1f} s on {} (rank {})\n", h.metric.name,
             number_text(t.best_metric, "{:.6g}"), at,
             number_text(t.test_acc), counted(t.epochs, "epoch"), t.seconds,
             t.host.empty() ? "?" : t.host, t.rank);
  // Named as /summary names them (store/columns.h): a printed lr beside the parameter lr reads
  // result_lr, as the table and the CSV export have it.
  const std::vector<std::string> names = one->names.names();
  const std::vector<std::string> columns = store::result_columns(h.space, names);
  for (const auto& [n, v] : t.results) {
    const auto at = std::find(names.begin(), names.end(), n) - names.begin();
    fmt::print("{}: {}\n", columns[static_cast<size_t>(at)], number_text(v, "{:.6g}"));
  }
  std::string pruning;  // "pruned at epoch 3, rung 1, bracket 0", what of it there is
  if (t.status == TrialStatus::kPruned) pruning = fmt::format("pruned at epoch {}", pruned_epoch(t));
  if (t.rung >= 0) pruning += fmt::format("{}rung {}", pruning.empty() ? "" : ", ", t.rung);
  if (t.bracket >= 0) pruning += fmt::format("{}bracket {}", pruning.empty() ? "" : ", ", t.bracket);
  if (!pruning.empty()) fmt::print("{}\n", pruning);
  if (!t.decision.empty()) fmt::print("decision: {}\n", t.decision);
  if (!t.error.empty()) {
    std::string indented = "  ";
    for (char c : printable(t.error, true))  // a program's escape codes shown, not obeyed
      indented += c == '\n' ? std::string("\n  ") : std::string(1, c);
    fmt::print("error:\n{}\n", indented);
  }
  if (!t.log_path.empty())
    fmt::print("logs (on {}): {}.out, {}.err  (hypersweep logs {} {})\n", t.host, t.log_path,
               t.log_path, shell_word(path), t.id);
  print_curves(t);
  const std::vector<Finding> findings = diagnose(t, one->context);
  if (!findings.empty()) fmt::print("\n");
  for (const auto& f : findings)
    fmt::print("{}: {}{}\n", f.label, f.evidence, f.advice.empty() ? "" : " -> " + f.advice);
  return 0;
}

// `show` of a recipe file: its status, then each step's verdict and report.
int show_recipe(const std::string& path, const RecipeData& recipe) {
  const RecipeData* r = &recipe;
  fmt::print("{}: hypersweep recipe ({}), started {}: {}\n", path, r->header.version,
             r->header.start_time, r->header.status);
  for (const auto& step : r->steps) {
    auto text = [&](const char* k) {
      auto it = step.text.find(k);
      return it == step.text.end() ? std::string() : it->second;
    };
    fmt::print("\n{} [{}]{}\n{}\n", step.group, text("verdict"),
               step.results
                   ? " " + counted(static_cast<int64_t>(step.results->trials.size()), "trial")
                   : "",
               text("report"));
    if (step.group == kRecipeSteps[5]) fmt::print("\n{}", text("config"));
  }
  return 0;
}

// Lines about trials, each text printed once with the ids of the trials it is about ("trials
// 0-5, 7 failed: ..."): a sweep whose command is broken fails every trial the same way. Each
// line comes where the lowest place it was added at puts it, so that trials added in any order
// print as in place order.
class TrialLines {
 public:
  void add(int64_t id, const std::string& text, size_t place) {
    auto [it, fresh] = at_.emplace(text, lines_.size());
    if (fresh) lines_.push_back({text, {}, place});
    Line& line = lines_[it->second];
    line.ids.push_back(id);
    line.first = std::min(line.first, place);
  }
  size_t size() const { return lines_.size(); }
  // The first `most` texts, each after its trials' ids.
  void print(size_t most = SIZE_MAX) {
    std::stable_sort(lines_.begin(), lines_.end(),
                     [](const Line& x, const Line& y) { return x.first < y.first; });
    at_.clear();  // its indices are stale now
    for (size_t i = 0; i < std::min(most, lines_.size()); ++i) {
      std::sort(lines_[i].ids.begin(), lines_[i].ids.end());
      fmt::print("{} {}\n", trials_text(lines_[i].ids), lines_[i].text);
    }
  }

 private:
  struct Line {
    std::string text;
    std::vector<int64_t> ids;
    size_t first;  // the lowest place added at
  };
  std::vector<Line> lines_;
  std::map<std::string, size_t> at_;
};

// Why a trial that ran into an error did, on one line (trial/failure.h: failure_cause, as run's
// closing line counts them; --trial N prints the error whole), trials that failed alike together.
void add_error_line(TrialLines& lines, const TrialRecord& t, size_t place) {
  if (!ran_into_error(t.status)) return;
  if (const std::string why = failure_cause(t.status, t.error); !why.empty())
    lines.add(t.id, fmt::format("{}: {}", status_name(t.status), why), place);
}

// The error lines of a sweep's trials: the first 20.
void show_errors(TrialLines& lines, const std::string& results) {
  if (lines.size() == 0) return;
  fmt::print("\n");
  lines.print(20);
  if (lines.size() > 20) fmt::print("({} more ways trials failed)\n", lines.size() - 20);
  fmt::print("(hypersweep show {} --trial N prints a trial whole, its logs' paths too)\n",
             shell_word(results));
}

// A trial as the table lists it: the record, its diagnosis, and its place (/summary's row).
struct Listed {
  TrialRecord t;
  std::vector<Finding> findings;
  size_t place = 0;
};

// What the table reads of a diagnosed trial, kept: its curves, logs and texts let go, so that
// `show --top 0` of a million trials holds a few hundred bytes a trial, not each record whole.
void keep_table_fields(TrialRecord& t) {
  t.curves = decltype(t.curves)();
  t.layer_names = decltype(t.layer_names)();
  t.update_ratio = decltype(t.update_ratio)();
  t.curve_extra_names = decltype(t.curve_extra_names)();
  t.curve_extra = decltype(t.curve_extra)();
  t.error = t.log_path = t.decision = std::string();
}

// The table's order: the best first (trials with a result: result_of), then the pruned ones by
// their value so far; trials without a metric last, in id order; equals in place order.
bool listed_before(const Listed& x, const Listed& y, bool maximise) {
  const double u = x.t.best_metric, v = y.t.best_metric;
  if (std::isfinite(u) != std::isfinite(v)) return std::isfinite(u);
  const bool fx = result_of(x.t).ok, fy = result_of(y.t).ok;
  if (fx != fy) return fx;
  if (std::isfinite(u) && u != v) return maximise ? u > v : u < v;
  // Equal values: the lower id first, as run's best line takes it, whatever order the ranks
  // recorded them in.
  if (x.t.id != y.t.id) return x.t.id < y.t.id;
  return x.place < y.place;
}

// What `show` prints of a sweep, summed a trial at a time (store/read_results.h: each_result) so
// that a million-trial file is never held whole: the counts, the pruning tally, the result
// columns' names, the error lines, and the `top` first trials in the table's order (every trial
// when top is 0).
struct SweepSummary {
  SweepHeader header;
  size_t trials = 0;
  std::map<std::string, int> statuses, labels;
  std::optional<PruningTally> pruning;
  NamesByPlace names;  // of the results
  std::vector<Listed> listed;
  TrialLines errors;
};

// Each trial diagnosed (analysis/analysed.h: each_diagnosed), counted, and kept while it may be
// among the `top` first.
Result<SweepSummary> read_summary(const std::string& path, size_t top) {
  SweepSummary sum;
  bool maximise = true;
  const auto before = [&](const Listed& x, const Listed& y) { return listed_before(x, y, maximise); };
  DiagnosedVisitor visit;
  visit.on_start = [&](const SweepHeader& h, int) {
    sum = SweepSummary{};
    sum.header = h;
    sum.pruning.emplace(h.rungs, h.metric);
    maximise = h.metric.direction == Direction::kMaximize;
  };
  visit.use = [&](TrialRecord&& r, std::vector<Finding>&& findings, size_t place) {
    ++sum.trials;
    ++sum.statuses[status_name(r.status)];
    for (const auto& f : findings) ++sum.labels[f.label];
    sum.pruning->add(r, place);
    add_result_names(&sum.names, r, place);
    add_error_line(sum.errors, r, place);
    keep_table_fields(r);
    sum.listed.push_back(Listed{std::move(r), std::move(findings), place});
    if (top > 0 && sum.listed.size() >= 2 * top + 64) {  // keep the `top` first
      std::nth_element(sum.listed.begin(), sum.listed.begin() + static_cast<ptrdiff_t>(top),
                       sum.listed.end(), before);
      sum.listed.resize(top);
    }
  };
  if (Status st = each_diagnosed(path, visit); !st) return st.error();
  std::sort(sum.listed.begin(), sum.listed.end(), before);
  if (top > 0 && sum.listed.size() > top) sum.listed.resize(top);
  return sum;
}

// The results a command printed beyond its metric, a column each after test_acc, named as
// /summary names them (store/columns.h: a printed lr beside the parameter lr is result_lr), each
// as wide as its name and 12 columns at least.
struct ResultCells {
  std::vector<std::string> names;  // as printed
  std::vector<size_t> widths;
  std::string head;
  ResultCells(const SearchSpace& space, std::vector<std::string> printed) : names(std::move(printed)) {
    for (const auto& n : store::result_columns(space, names)) {
      widths.push_back(std::max<size_t>(12, display_width(n)));
      add_cell(head, n, widths.back());
    }
  }
  std::string cells(const TrialRecord& t) const {
    std::string out;
    for (size_t j = 0; j < names.size(); ++j)
      add_cell(out, number_text(result_value(t, names[j]), "{:.6g}"), widths[j]);
    return out;
  }
};

int run_show(const ShowArgs& a) {
  if (a.trial >= 0 && is_recipe_file(a.results))  // its steps' trials have ids of their own per step
    return fail(make_error(a.results, "is a recipe's file, and --trial reads a sweep's results "
                                      "file: hypersweep show " + a.results +
                                      " prints each step, hypersweep report its curves"));
  if (a.trial >= 0) return show_trial(a.results, a.trial);
  if (is_recipe_file(a.results)) {
    auto an = analyse_file(a.results);
    if (!an) return fail(an.error());
    return show_recipe(a.results, *an->recipe);
  }
  auto sum = read_summary(a.results, static_cast<size_t>(a.top));
  if (!sum) return fail(sum.error());
  const auto& h = sum->header;
  const auto& listed = sum->listed;
  fmt::print("{}: {} sweep, seed {}, {} {} ({}), started {}\n", a.results, h.strategy, h.seed,
             direction_name(h.metric.direction), h.metric.name, h.version, h.start_time);
  std::string counts, label_counts;
  for (const auto& [k, n] : sum->statuses) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", n, k);
  for (const auto& [k, n] : sum->labels) label_counts += fmt::format("{}{} {}", label_counts.empty() ? "" : ", ", n, k);
  fmt::print("{}: {}\ndiagnosis: {}\n", counted(static_cast<int64_t>(sum->trials), "trial"),
             counts.empty() ? "none" : counts, label_counts.empty() ? "none" : label_counts);
  show_pruning(h, *sum->pruning, sum->trials);
  const ResultCells results(h.space, sum->names.names());
  const size_t metric_width = std::max<size_t>(10, h.metric.name.size());
  // A sweep chosen by test_acc has it as its metric's column already.
  const bool test_column = h.metric.name != "test_acc";
  const auto test_cell = [&](const std::string& text) {
    return test_column ? fmt::format("{:>8}", text) : std::string();
  };
  fmt::print("\n{:>6}  {:<13} {:>{}}      {}{} {:>6} {:>7}  {:<40} {}\n", "trial", "status",
             h.metric.name, metric_width, test_cell("test_acc"), results.head, "epochs", "seconds",
             "parameters", "diagnosis");
  // The best (first in order, when it has a result) and the trials that tie it (trial/tie.h).
  const TrialRecord* best = !listed.empty() && result_of(listed[0].t).ok ? &listed[0].t : nullptr;
  size_t ties = 0;
  for (const Listed& l : listed) {
    const auto& t = l.t;
    const bool tie = best && &t != best && ties_best(*best, t, h.metric);
    ties += tie;
    fmt::print("{:>6}  {:<13} {:>{}} {:<4} {}{} {:>6} {:>7.1f}  {:<40} {}\n", t.id, status_cell(t),
               number_text(t.best_metric), metric_width, tie ? "tie" : "", test_cell(number_text(t.test_acc)), results.cells(t),
               t.epochs, t.seconds, describe(h.space, t.params, 4), labels_of(l.findings));
  }
  if (listed.size() < sum->trials)
    fmt::print("({} more; --top 0 shows all)\n", sum->trials - listed.size());
  if (ties > 0)
    fmt::print("tie: {} within one standard error of the best's ({:.4f} on {} validation samples): "
               "a difference the validation set cannot tell from noise\n", h.metric.name,
               accuracy_se(best->best_metric, best->val_samples), best->val_samples);
  // The evidence behind each shown trial's labels (healthy ones only with --evidence).
  fmt::print("\n");
  TrialLines evidence;
  for (size_t k = 0; k < listed.size(); ++k) {
    for (const auto& f : listed[k].findings) {
      if (f.label == "healthy" && !a.all_evidence) continue;
      evidence.add(listed[k].t.id, fmt::format("{}: {}{}", f.label, f.evidence,
                                               f.advice.empty() ? "" : " -> " + f.advice), k);
    }
  }
  evidence.print();
  show_errors(sum->errors, a.results);
  return 0;
}

}  // namespace

void add_show(CLI::App& app, Runner* run) {
  auto a = std::make_shared<ShowArgs>();
  auto* show = app.add_subcommand(
      "show",
      std::string(
          "Print a results file's trials by status, the best ones, and what their curves say.\n"
          "It counts what a pruner pruned (per rung with asha, hyperband and sha), lists the top\n"
          "trials with their parameters, and gives each curve's labels with the evidence and what\n"
          "to try.\n"
          "Diagnosis labels:\n  ") +
          kFindingLabels +
          "\n"
          "Works on a running sweep and on a copy with or without its journal (FILE.journal,\n"
          "read instead of the HDF5 file when beside it and intact: faster).\n"
          "Examples:\n"
          "  hypersweep show hypersweep_default.h5\n"
          "  hypersweep show sweep_random.h5 --top 0\n"
          "  hypersweep show sweep_command.h5 --trial 3");
  show->add_option("results", a->results,
                   "Results file (HDF5) written by hypersweep run, or a recipe's file (its steps' "
                   "verdicts and reports)")->required();
  show->add_option("--top,-n", a->top, "How many of the best trials to list (0: all; default 10)")
      ->check(whole_at_least(0));
  show->add_flag("--evidence", a->all_evidence, "Also print the evidence of healthy trials");
  show->add_option("--trial,-t", a->trial,
                   "Print one trial whole: parameters, status, error, results, every curve "
                   "column, its logs' paths and diagnosis")
      ->check(whole_at_least(0));

  show->callback([run, a] { *run = [a] { return run_show(*a); }; });
}

}  // namespace hs::cli
