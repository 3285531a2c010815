// hypersweep: the command line. Subcommands (each in its own file, commands.h):
//   train   train one configuration (a TOML file and/or --set flags), a line per epoch.
//   plan    check a sweep file ([train], [sweep], [space]) and print the trials it would run.
//   run     run a sweep (in this process, or under mpirun/srun on worker ranks), a line per
//           finished trial, the best at the end.
//   recipe  the lecture's six tuning steps, one HDF5 file, and the recommended config.
//   show    the top trials of a results file, status counts and each trial's diagnosis.
//   report  one self-contained HTML page for a results file (curves, scatter, table).
//   export  write a results file's trials and curves as CSV files.
//   logs    the end of a command trial's own stdout and stderr.
#include <cstdio>
#include <exception>
#include <string>

#include "exec/signals.h"
#include "hypersweep/commands.h"
#include "objective/forked_objective.h"

// First of all, before the libraries' initialisers and main: a SIGINT, SIGTERM or SIGUSR1 that
// comes while the program starts (the libraries' set-up, MPI_Init) must stop a sweep cleanly,
// not kill it by the signal's default action (exec/signals.h).
extern "C" void hs_install_stop_signals(int, char**, char** envp) { hs::install_stop_signals(envp); }
__attribute__((section(".preinit_array"), used)) static void (*const hs_preinit)(int, char**, char**) =
    hs_install_stop_signals;

int main(int argc, char** argv) {
  // Started by an isolated objective of this program as its trial host (forked_objective.h).
  if (const int host = hs::run_trial_host_if_asked(argc, argv); host >= 0) return host;
  CLI::App app{"hypersweep: hyperparameter sweeps of neural-network training on HPC machines.\n"
               "Trains OpenMP-parallel CPU networks (Eigen) with learning-rate schedules and "
               "early stopping."};
  app.set_version_flag("--version", std::string("hypersweep ") + HYPERSWEEP_VERSION);
  app.require_subcommand(1);
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
