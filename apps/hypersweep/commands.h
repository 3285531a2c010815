// commands.h: the subcommands of the hypersweep program, one file each (train.cpp, plan.cpp,
// run.cpp, recipe.cpp, show.cpp, logs.cpp, report.cpp, export.cpp), and what they share: the exit codes
// and the one way an error reaches the user. main.cpp wires them into the command line.
//
// Each add_<name>() adds its subcommand, with its options and --help text, to `app`, and sets
// *run to what runs it once the command line is parsed.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "exec/launch.h"

namespace hs::cli {

// Exit codes: 0 done (whatever the training outcome: completed, early stop, diverged), 2 bad
// configuration or data (one message naming file, line and key), 3 stopped by a signal (run,
// recipe), 4 it ran to the end with nothing to use (a recipe check failed; a sweep with no
// trial that gave its metric: each failed, timed out or diverged), 1 other.
inline constexpr int kExitOther = 1;
inline constexpr int kExitConfig = 2;
inline constexpr int kExitInterrupted = 3;
inline constexpr int kExitNothingToUse = 4;

// Prints "hypersweep: error: <file:line: key: message>" on stderr (control bytes escaped, as
// core/text.h's printable writes them); returns kExitConfig.
int fail(const Error& e);
// The same line, for an error with another exit code.
void print_error(const Error& e);
// A worker rank's warnings, on stderr, that its `threads` OpenMP threads will share cores: this
// rank's (binding_warning), else its node's workers' together (once a node).
void warn_threads(const Launch& launch, int threads);
// The check of a count option: a whole number of at least `lo` ("--top: must be a whole number
// >= 0, got -1"). CLI11's NonNegativeNumber and PositiveNumber wrote their range up to DBL_MAX,
// 300 digits, and took 2.5 for a count.
CLI::Validator whole_at_least(long long lo);
CLI::Validator whole_in(long long lo, long long hi);  // lo to hi, both included
// The check of a path option (`what`: "the folder for summary.csv and curves.csv"): not empty,
// so that an empty one is refused naming its option ("--csv: an empty path: give the folder
// ...", exit 2), never taken for the default or passed on to fail without a name.
CLI::Validator non_empty_path(const std::string& what);

// An error when the output `out` (what it is: `what`, "the report") is one of `inputs` (path and
// what it is: {"s.h5", "the results file it is made from"}), so that writing it would destroy
// what is read: the same path once its folders are resolved, or the same file by
// std::filesystem::equivalent (a hard link, a link as the input) unless `out` is itself a link,
// which writing replaces rather than follows. Empty paths are skipped.
Status distinct_output(const std::string& out, const std::string& what,
                       const std::vector<std::pair<std::string, std::string>>& inputs);

// Now, as ISO 8601 UTC: the results file's start_time.
std::string utc_now();

using Runner = std::function<int()>;
// run and recipe start MPI (exec/launch.h), which takes the program's arguments.
struct Argv {
  int* argc;
  char*** argv;
};

// What run and recipe do on each rank: `worker` on worker ranks, `driver` on rank 0 (or the only
// process), each given the launch and the threads a worker of this node gets (0 without
// workers), after MPI is up (when a launcher started this process) and the stop signals are
// installed. Returns the rank's exit code.
using RankMain = std::function<int(Launch& launch, int node_threads)>;
int run_ranks(Argv args, const RankMain& worker, const RankMain& driver);

void add_train(CLI::App& app, Runner* run);
void add_plan(CLI::App& app, Runner* run);
void add_run(CLI::App& app, Runner* run, Argv args);
void add_recipe(CLI::App& app, Runner* run, Argv args);
void add_show(CLI::App& app, Runner* run);
void add_report(CLI::App& app, Runner* run);
void add_export(CLI::App& app, Runner* run);
void add_logs(CLI::App& app, Runner* run);

}  // namespace hs::cli
