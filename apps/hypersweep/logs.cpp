// logs.cpp: `hypersweep logs`: the end of a trial's own output (stdout and stderr of an
// [objective] command), from the files the trial's worker kept (TrialRecord::log_path).
#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "core/host.h"
#include "core/text.h"
#include "hypersweep/commands.h"
#include "objective/command_output.h"
#include "store/read_results.h"
#include "store/recipe_file.h"
#include "store/results_file.h"

namespace hs::cli {

namespace {

struct LogsArgs {
  std::string results;
  int64_t trial = 0;
  int lines = 40;  // 0: all
  bool out_only = false, err_only = false;
};

// The last `lines` lines of `path` (all with 0) printed under a heading; false when it cannot
// be read.
bool tail(const std::string& path, int lines) {
  std::ifstream in(path);
  if (!in) return false;
  std::deque<std::string> last;
  size_t total = 0;
  for (std::string line; std::getline(in, line); ++total) {
    last.push_back(std::move(line));
    if (lines > 0 && last.size() > static_cast<size_t>(lines)) last.pop_front();
  }
  fmt::print("==> {} ({} lines{}) <==\n", path, total,
             last.size() < total ? fmt::format(", the last {}", last.size()) : "");
  for (const std::string& l : last) fmt::print("{}\n", l);
  return true;
}

// The log files trial `id` already has beside `results` though it has no record yet (a trial
// still running): each attempt's .out and .err, named as its worker names them (trial_log_dir,
// trial_log_name: 000042.out, 000042.2.err), sorted; none when there are none.
std::vector<std::string> logs_so_far(const std::string& results, int64_t id) {
  const std::string stem = trial_log_name(Trial{id, {}, 1});
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(trial_log_dir(results_target(results)), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(stem, 0) != 0) continue;
    std::string rest = name.substr(stem.size());  // ".out", or ".2.out" for attempt 2
    if (rest.size() > 1 && rest[0] == '.' && std::isdigit(static_cast<unsigned char>(rest[1]))) {
      size_t k = 1;
      while (k < rest.size() && std::isdigit(static_cast<unsigned char>(rest[k]))) ++k;
      rest = rest.substr(k);
    }
    if (rest == ".out" || rest == ".err") found.push_back(e.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

int run_logs(const LogsArgs& a) {
  if (is_recipe_file(a.results))  // not "has no /summary": it is a file of ours
    return fail(make_error(a.results, "is a recipe's file: its trials ran the built-in trainer, "
                                      "which keeps no logs (hypersweep show " + shell_word(a.results) +
                                      " prints its steps)"));
  auto d = find_result(a.results, a.trial);  // that trial alone where it can
  if (!d) return fail(d.error());
  const TrialRecord* t = d->trial ? &*d->trial : nullptr;
  if (!t) {
    const std::vector<std::string> so_far = logs_so_far(a.results, a.trial);
    if (so_far.empty())
      return fail(make_error(a.results, fmt::format("has no trial {} ({} trials recorded)",
                                                    a.trial, d->trials)));
    std::string paths;
    for (const std::string& p : so_far) paths += (paths.empty() ? "" : " ") + shell_word(p);
    return fail(make_error(a.results, fmt::format("trial {} is not recorded yet (it may still be "
                                                  "running); its logs so far: {} (tail -f "
                                                  "follows them)", a.trial, paths)));
  }
  if (t->log_path.empty()) {
    const auto sweep = load_sweep_text(d->header.config_text, a.results);
    if (sweep && !uses_trainer(*sweep))  // a command trial whose logs could not be written
      fmt::print("trial {} kept no logs: they could not be written where it ran (its run said "
                 "why on stderr, a warning that it ran without them); what it printed is read "
                 "into the results file: hypersweep show {} --trial {}\n",
                 t->id, shell_word(a.results), t->id);
    else
      fmt::print("trial {} kept no logs: only [objective] command trials do (the built-in "
                 "trainer's curves are in the results file: hypersweep show {} --trial {})\n",
                 t->id, shell_word(a.results), t->id);
    return 0;
  }
  int missing = 0;
  for (const char* ext : {".out", ".err"}) {
    if ((a.out_only && std::string(ext) == ".err") || (a.err_only && std::string(ext) == ".out"))
      continue;
    const std::string path = t->log_path + ext;
    if (!tail(path, a.lines)) {
      ++missing;
      std::error_code ec;
      const std::string why = !std::filesystem::exists(path, ec)     ? "no such file"
                              : std::filesystem::is_directory(path, ec) ? "a folder"
                                                                        : "it does not open";
      fail(make_error(path, "cannot be read here (" + why + ")" +
                                (t->host != host_name()
                                     ? " (trial " + std::to_string(t->id) + " ran on " + t->host +
                                           ": the logs are kept there)"
                                     : "")));
    }
  }
  return missing > 0 ? kExitOther : 0;
}

}  // namespace

void add_logs(CLI::App& app, Runner* run) {
  auto a = std::make_shared<LogsArgs>();
  auto* logs = app.add_subcommand(
      "logs",
      "Print the end of a command trial's own stdout and stderr.\n"
      "An [objective] command's output is kept as <results>.logs/<id>.out and .err on the node\n"
      "that ran it (the path is in the results file: hypersweep show FILE --trial N).\n"
      "Exit codes: 0 printed, 1 a log file cannot be read here (it names the node that has it),\n"
      "2 not a results file, or no trial N recorded (one still running: its log files named).\n"
      "Examples:\n"
      "  hypersweep logs sweep_command.h5 3\n"
      "  hypersweep logs sweep_command.h5 3 --err --lines 0");
  logs->add_option("results", a->results, "Results file (HDF5) written by hypersweep run")->required();
  logs->add_option("trial", a->trial, "The trial's id")->required()->check(whole_at_least(0));
  logs->add_option("--lines,-n", a->lines,
                   "How many of the last lines of each (0: all; default 40)")
      ->check(whole_at_least(0));
  auto* out = logs->add_flag("--out", a->out_only, "Only stdout");
  logs->add_flag("--err", a->err_only, "Only stderr (not with --out: without either, both)")
      ->excludes(out);
  logs->callback([run, a] { *run = [a] { return run_logs(*a); }; });
}

}  // namespace hs::cli
