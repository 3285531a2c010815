#include "objective/command_objective.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/subprocess.h"
#include "core/text.h"
#include "objective/command_output.h"
#include "trial/failure.h"

namespace hs {

namespace {

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
  TrialLogs logs;
  open_logs_or_warn(&logs, where_.log_dir, trial_log_name(t), &logs_warned_);
  r.log_path = logs.stem;
  TrialOutput out(sweep_, hooks, &r);
  LineBuffer lines;
  bool go_on = true;
  const auto on_line = [&](std::string_view l) { go_on = out.line(l) && go_on; };
  const ShellCommand cmd{*line, command_environment(sweep_, where_, &t), sweep_.objective.timeout};
  Result<ChildEnd> end = run_shell(
      cmd,
      [&](std::string_view bytes) {
        logs.out.write(bytes);
        lines.add(bytes, on_line);
        return go_on;
      },
      hooks.stop,
      [&](std::string_view bytes) {
        logs.err.write(bytes);
        return true;
      });
  lines.finish(on_line);
  if (!end) {
    r = record_of(t, TrialStatus::kFailed);
    r.error = end.error().str();
    return r;
  }
  r.seconds = end->seconds;
  if (const std::string who = "trial " + std::to_string(t.id) + "'s command"; end->strays > 0)
    logs.err.write("hypersweep: " + strays_text(end->strays, who, &strays_warned_) + "\n");
  // Told to stop at an epoch: stopped, even when the command had ended on its own by then (its
  // lines after that epoch are not read): whether it had depends on how fast its lines came.
  if (out.stopped()) end->why = ChildEnd::Why::kStopped;
  std::string why;
  switch (end->why) {
    case ChildEnd::Why::kTimedOut: why = timeout_text(sweep_.objective.timeout); break;
    case ChildEnd::Why::kStopped: why = "interrupted: the sweep was stopped while the command ran"; break;
    case ChildEnd::Why::kLost:
      why = "the command's exit status was lost (is SIGCHLD ignored in this process?)";
      break;
    case ChildEnd::Why::kExited: why = exit_text(end->wait_status); break;
  }
  // The result is read whatever the exit (for the best epoch); it counts only after exit 0.
  const std::string no_result = out.take_result();
  if (const std::string w = out.warning(t.id); !w.empty())
    std::fprintf(stderr, "hypersweep: warning: %s\n", w.c_str());
  if (why.empty()) why = no_result;
  if (why.empty()) {
    r.status = TrialStatus::kCompleted;
    return r;
  }
  r.best_metric = NAN;
  r.test_acc = NAN;
  r.results.clear();
  // A timeout (timed_out), a crash or a missing metric (failed) end the trial without a result;
  // a stop interrupts it.
  const int ws = end->why == ChildEnd::Why::kExited ? end->wait_status : -1;
  const bool stopping = sweep_stopping(end->why == ChildEnd::Why::kStopped, ws, hooks);
  r.status = stopping ? TrialStatus::kInterrupted
             : end->why == ChildEnd::Why::kTimedOut ? TrialStatus::kTimedOut
                                                     : TrialStatus::kFailed;
  r.error =
      with_stderr_tail(stopping && end->why != ChildEnd::Why::kStopped
                           ? "interrupted: the sweep stopped as the command ended (" + why + ")"
                           : why,
                       end->stderr_tail);
  return r;
}

}  // namespace hs
