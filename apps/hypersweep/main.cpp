// hypersweep: the command line. Each subcommand is in its own file (commands.h); kSubcommands
// below says in a line what each does, for the top-level --help.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <string_view>

#include "core/cpu.h"
#include "exec/signals.h"
#include "hypersweep/commands.h"
#include "objective/forked_objective.h"

// First of all, before the libraries' initialisers and main:
// - a CPU without the instructions this build was compiled for stops the program with a word of
//   why (core/cpu.h), before any of that code runs and dies of SIGILL;
// - a SIGINT, SIGTERM or SIGUSR1 that comes while the program starts (the libraries' set-up,
//   MPI_Init) must stop a sweep cleanly, not kill it by the signal's default action
//   (exec/signals.h).
extern "C" HS_CPU_BASELINE void hs_install_stop_signals(int, char**, char** envp) {
  if (hs::report_cpu_mismatch(hs::compiled_cpu_features(), stderr)) std::_Exit(hs::cli::kExitOther);
  hs::install_stop_signals(envp);
}
__attribute__((section(".preinit_array"), used)) static void (*const hs_preinit)(int, char**, char**) =
    hs_install_stop_signals;

namespace {

// What each subcommand does, in a line: the top-level --help lists these, and each
// subcommand's own --help has the rest, with examples.
struct Summary {
  std::string_view name, line;
};
constexpr Summary kSubcommands[] = {
    {"train", "train one configuration (a TOML file and/or --set flags), a line per epoch"},
    {"plan", "check a sweep file and print the trials it would run"},
    {"run", "run a sweep (alone, or under mpirun/srun on worker ranks) into one HDF5 file"},
    {"recipe", "the lecture's six tuning steps, one HDF5 file, and the recommended config"},
    {"show", "a results file's trials by status, the top ones and their curves' diagnosis"},
    {"report", "one self-contained HTML page for a results file"},
    {"export", "a results file's trials and curves as CSV files"},
    {"logs", "the end of a command trial's own stdout and stderr"},
};

class SummaryFormatter : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* sub) const override {
    std::string line;
    for (const Summary& s : kSubcommands)
      if (s.name == sub->get_name()) line = s.line;
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_name(), line, column_width_);
    return out.str();
  }
};

}  // namespace

int main(int argc, char** argv) {
  // Started by an isolated objective of this program as its trial host (forked_objective.h).
  if (const int host = hs::run_trial_host_if_asked(argc, argv); host >= 0) return host;
  CLI::App app{"hypersweep: hyperparameter sweeps of neural-network training on HPC machines.\n"
               "Trains OpenMP-parallel CPU networks (Eigen) with learning-rate schedules and "
               "early stopping."};
  app.name("hypersweep");  // in the usage line however it was started (build/bin/hypersweep)
  app.set_version_flag("--version", std::string("hypersweep ") + HYPERSWEEP_VERSION);
  app.require_subcommand(1);
  app.formatter(std::make_shared<SummaryFormatter>());
  hs::cli::Runner run;
  const hs::cli::Argv args{&argc, &argv};
  hs::cli::add_train(app, &run);
  hs::cli::add_plan(app, &run);
  hs::cli::add_run(app, &run, args);
  hs::cli::add_recipe(app, &run, args);
  hs::cli::add_show(app, &run);
  hs::cli::add_report(app, &run);
  hs::cli::add_export(app, &run);
  hs::cli::add_logs(app, &run);
  // After the subcommands, which would inherit it.
  app.footer(
      "Each subcommand's own --help says more, with examples (hypersweep run --help).\n"
      "A first sweep: hypersweep run   (8 random trials of lr and weight_decay for an MLP on\n"
      "Fashion-MNIST, into hypersweep_default.h5), then hypersweep show hypersweep_default.h5");
  if (argc == 1) {  // nothing asked: what there is to ask, on stderr, as for any usage error
    std::fprintf(stderr, "%s", app.help().c_str());
    return hs::cli::kExitConfig;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : hs::cli::kExitConfig;
  }
  // Only run and recipe stop cleanly; the others keep the signals' default actions.
  if (!app.got_subcommand("run") && !app.got_subcommand("recipe")) hs::release_stop_signals();
  try {
    return run ? run() : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hypersweep: internal error: %s\n", e.what());
    return hs::cli::kExitOther;
  }
}
