// logs.cpp: `hypersweep logs`: the end of a trial's own output (stdout and stderr of an
// [objective] command), from the files the trial's worker kept (TrialRecord::log_path).
#include <fmt/core.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "core/host.h"
#include "core/text.h"
#include "hypersweep/commands.h"
#include "store/read_results.h"
#include "store/recipe_file.h"

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

int run_logs(const LogsArgs& a) {
  if (is_recipe_file(a.results))  // not "has no /summary": it is a file of ours
    return fail(make_error(a.results, "is a recipe's file: its trials ran the built-in trainer, "
                                      "which keeps no logs (hypersweep show " + shell_word(a.results) +
                                      " prints its steps)"));
  auto d = load_results(a.results);
  if (!d) return fail(d.error());
  const TrialRecord* t = nullptr;
  for (const auto& r : d->trials)
    if (r.id == a.trial) t = &r;
  if (!t)
    return fail(make_error(a.results, fmt::format("has no trial {} ({} trials recorded)", a.trial,
                                                  d->trials.size())));
  if (t->log_path.empty()) {
    fmt::print("trial {} kept no logs: only [objective] command trials do (the built-in trainer's "
               "curves are in the results file: hypersweep show {} --trial {})\n",
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
      std::fprintf(stderr, "hypersweep: %s: cannot be read here (%s)%s\n", path.c_str(), why.c_str(),
                   t->host != host_name() ? (" (trial " + std::to_string(t->id) +
                                             " ran on " + t->host + ": the logs are kept there)").c_str()
                                          : "");
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
