#include "objective/command_objective.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include <sys/wait.h>

#include "core/subprocess.h"
#include "core/text.h"
#include "objective/output_protocol.h"
#include "trial/metric.h"

extern char** environ;

namespace hs {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxLine = 1 << 20;  // longer stdout lines are cut (and so parse as neither)

// ---- values into the command line ------------------------------------------------------------

std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("._+-/=", c) != nullptr;
  });
  if (plain) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string command_value(const ParamValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const std::string* s = std::get_if<std::string>(&v)) return shell_word(*s);
  return std::holds_alternative<int64_t>(v) ? shortest(std::get<int64_t>(v))
                                             : shortest(std::get<double>(v));
}

// The environment of the child: ours, with the trial's id and seed set.
std::vector<std::string> child_environment(const SweepConfig& sweep, const Trial& t) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view v(*e);
    if (!v.starts_with("HYPERSWEEP_TRIAL_ID=") && !v.starts_with("HYPERSWEEP_SEED="))
      env.emplace_back(v);
  }
  env.push_back("HYPERSWEEP_TRIAL_ID=" + std::to_string(t.id));
  env.push_back("HYPERSWEEP_SEED=" + std::to_string(trial_seed(sweep, t)));
  return env;
}

// The value the sweep optimises in a line's fields: [sweep] metric, else `metric`.
const OutputValue* metric_of(const SweepConfig& sweep, const OutputFields& f) {
  for (const std::string& key : {sweep.metric, std::string("metric")}) {
    if (const auto it = f.find(key); it != f.end()) return &it->second;
  }
  return nullptr;
}

std::string clip(std::string_view s, size_t n = 200) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

// stdout, line by line as it comes: each epoch line a row of the trial's curve (reported to
// hooks.on_epoch at once), and the last non-empty line, which holds the result.
class StdoutLines {
 public:
  StdoutLines(const SweepConfig& sweep, const TrialHooks& hooks, TrialRecord* rec)
      : sweep_(sweep), hooks_(hooks), rec_(rec) {}

  // False once hooks.on_epoch has asked to stop.
  bool add(std::string_view bytes) {
    for (char c : bytes) {
      if (c == '\n') {
        line_done();
      } else if (partial_.size() < kMaxLine) {
        partial_ += c;
      }
    }
    return !stop_;
  }
  // At EOF: an unterminated last line counts.
  void finish() { line_done(); }

  const std::string& last() const { return last_; }
  // Per curve row: the sweep's metric, NaN when the row lacks it.
  const std::vector<double>& row_metric() const { return row_metric_; }

 private:
  void line_done() {
    std::string line = std::move(partial_);
    partial_.clear();
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    row(line);
    last_ = std::move(line);
  }
  void row(const std::string& line) {
    const std::optional<OutputFields> f = parse_output_line(line);
    if (!f) return;
    const double epoch = number_of(*f, "epoch");
    if (!std::isfinite(epoch)) return;
    EpochRow e;
    e.epoch = static_cast<int>(std::lround(epoch));
    e.lr = number_of(*f, "lr");
    e.train_loss = number_of(*f, "train_loss");
    e.train_acc = number_of(*f, "train_acc");
    e.val_loss = number_of(*f, "val_loss");
    e.val_acc = number_of(*f, "val_acc");
    e.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    const OutputValue* m = metric_of(sweep_, *f);
    row_metric_.push_back(m && m->is_number ? m->number : NAN);
    rec_->curves.push_back(e);
    rec_->update_ratio.emplace_back();  // no layers: a row of nothing per epoch
    rec_->epochs = static_cast<int>(rec_->curves.size());
    if (hooks_.on_epoch && hooks_.on_epoch(*rec_) == EpochAnswer::kStop) stop_ = true;
  }

  const SweepConfig& sweep_;
  const TrialHooks& hooks_;
  TrialRecord* rec_;
  const Clock::time_point start_ = Clock::now();
  std::string partial_, last_;
  std::vector<double> row_metric_;
  bool stop_ = false;
};

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

// Why a run that ended gives no metric, or "" when it gives one (stored in *value).
std::string read_metric(const SweepConfig& sweep, const StdoutLines& out, double* value,
                        OutputFields* fields) {
  const std::string how = "the last line of stdout should be " + sweep.metric +
                          "=<value>, metric=<value> or a JSON object such as {\"metric\": <value>}";
  if (out.last().empty()) return "the command printed nothing on stdout; " + how;
  std::optional<OutputFields> f = parse_output_line(out.last());
  if (!f) return "the last line of stdout is neither k=v pairs nor a flat JSON object (\"" +
                 clip(out.last()) + "\"); " + how;
  const OutputValue* m = metric_of(sweep, *f);
  const std::string names = sweep.metric == "metric" ? "no metric" : "neither " + sweep.metric + " nor metric";
  if (!m) return "the last line of stdout has " + names + " (\"" + clip(out.last()) + "\")";
  if (!m->is_number)
    return "the metric in the last line of stdout is not a number (\"" + clip(out.last()) + "\")";
  if (!std::isfinite(m->number))
    return "the metric is not finite (\"" + clip(out.last()) + "\")";
  *value = m->number;
  *fields = std::move(*f);
  return "";
}

// Why the command gives no result (its exit, a timeout, a stop), or "" when it exited 0 with
// its metric (then in *value, the last line's fields in *fields).
std::string why_no_result(const SweepConfig& sweep, const ChildEnd& end, const StdoutLines& out,
                          double* value, OutputFields* fields) {
  const int ws = end.wait_status;
  switch (end.why) {
    case ChildEnd::Why::kTimedOut:
      return "the command timed out after " + seconds_text(sweep.objective.timeout) +
             " ([objective] timeout) and was killed";
    case ChildEnd::Why::kStopped:
      return "interrupted: the sweep was stopped while the command ran";
    case ChildEnd::Why::kLost:
      return "the command's exit status was lost (is SIGCHLD ignored in this process?)";
    case ChildEnd::Why::kExited:
      break;
  }
  if (WIFSIGNALED(ws)) return "the command was killed by " + signal_name(WTERMSIG(ws));
  if (WIFEXITED(ws) && WEXITSTATUS(ws) != 0)
    return "the command exited with status " + std::to_string(WEXITSTATUS(ws));
  return read_metric(sweep, out, value, fields);
}

// How long a command that died of a stop signal (or whose shell reported one, 128 + its number)
// waits for the sweep's own stop: a batch system signals every process of a job, this one and
// the command alike, and the command may see it first.
constexpr auto kStopGrace = std::chrono::seconds(1);

bool died_of_stop_signal(const ChildEnd& end) {
  const int ws = end.wait_status;
  if (end.why != ChildEnd::Why::kExited) return false;
  if (WIFSIGNALED(ws)) return is_stop_signal(WTERMSIG(ws));
  return WIFEXITED(ws) && WEXITSTATUS(ws) > 128 && is_stop_signal(WEXITSTATUS(ws) - 128);
}

// Whether the sweep is stopping, so that a command that did not complete is interrupted (and
// runs again when the sweep continues) rather than failed: stopped by us, or ended while the sweep
// stops, or dead of a stop signal that reaches the sweep within kStopGrace.
bool sweep_stopping(const ChildEnd& end, const TrialHooks& hooks) {
  if (end.why == ChildEnd::Why::kStopped) return true;
  if (!hooks.stop) return false;
  if (hooks.stop()) return true;
  if (!died_of_stop_signal(end)) return false;
  const auto until = Clock::now() + kStopGrace;
  while (Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (hooks.stop()) return true;
  }
  return false;
}

}  // namespace

Result<std::string> expand_command(const SweepConfig& sweep, const Trial& t) {
  Result<std::vector<CommandPart>> parts = split_command(sweep.objective);
  if (!parts) return parts.error();
  std::string line;
  for (const CommandPart& part : *parts) {
    if (!part.is_param) {
      line += part.text;
      continue;
    }
    size_t i = 0;
    while (i < sweep.space.params.size() && sweep.space.params[i].name != part.text) ++i;
    if (i == sweep.space.params.size() || i >= t.values.size())
      return Error{sweep.objective.file, sweep.objective.line, "command",
                   "{" + part.text + "} is not a parameter of [space]"};
    line += command_value(t.values[i]);
  }
  return line;
}

TrialRecord CommandObjective::run(const Trial& t, const TrialHooks& hooks) {
  TrialRecord r = record_of(t, TrialStatus::kFailed);
  Result<std::string> line = expand_command(sweep_, t);
  if (!line) {
    r.error = line.error().str();
    return r;
  }
  if (hooks.stop && hooks.stop()) {
    r.status = TrialStatus::kInterrupted;
    r.error = "interrupted: the sweep was stopped before the command ran";
    return r;
  }
  StdoutLines out(sweep_, hooks, &r);
  const ShellCommand cmd{*line, child_environment(sweep_, t), sweep_.objective.timeout};
  Result<ChildEnd> end = run_shell(
      cmd, [&](std::string_view bytes) { return out.add(bytes); }, hooks.stop);
  out.finish();
  if (!end) {
    r = record_of(t, TrialStatus::kFailed);
    r.error = end.error().str();
    return r;
  }
  r.seconds = end->seconds;
  // The best epoch (1-based, in curve order) by the sweep's metric, when the rows carry it.
  double best = NAN;
  for (size_t i = 0; i < out.row_metric().size(); ++i) {
    if (improves(sweep_.strategy.direction, out.row_metric()[i], best)) {
      best = out.row_metric()[i];
      r.best_epoch = static_cast<int>(i) + 1;
    }
  }
  double value = NAN;
  OutputFields fields;
  const std::string why = why_no_result(sweep_, *end, out, &value, &fields);
  if (why.empty()) {
    r.status = TrialStatus::kCompleted;
    r.best_metric = value;
    r.test_acc = number_of(fields, "test_acc");
    return r;
  }
  // A timeout, a crash or a missing metric fail the trial; a stop interrupts it.
  const bool stopping = sweep_stopping(*end, hooks);
  r.status = stopping ? TrialStatus::kInterrupted : TrialStatus::kFailed;
  r.error = stopping && end->why != ChildEnd::Why::kStopped
                ? "interrupted: the sweep stopped as the command ended (" + why + ")"
                : why;
  if (!end->stderr_tail.empty()) r.error += "\nstderr (the end):\n" + end->stderr_tail;
  return r;
}

}  // namespace hs
