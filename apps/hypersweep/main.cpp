// hypersweep: the command line. Each subcommand is in its own file (commands.h), its --help text
// with it; the first line of each says what it does, and the top-level --help lists those.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <sstream>
#include <string>

#include "core/cpu.h"
#include "exec/launch.h"
#include "exec/signals.h"
#include "hypersweep/commands.h"
#include "objective/forked_objective.h"
#include "store/results_file.h"

// First of all, before the libraries' initialisers and main:
// - a CPU without the instructions this build was compiled for stops the program with a word of
//   why (core/cpu.h), before any of that code runs and dies of SIGILL;
// - a SIGINT, SIGTERM or SIGUSR1 that comes while the program starts (the libraries' set-up,
//   MPI_Init) must stop a sweep cleanly, not kill it by the signal's default action
//   (exec/signals.h).
// - a write past a file-size limit (ulimit -f) must fail with EFBIG, which every writer reports
//   as it reports a full disk, not end the program silently by SIGXFSZ's default action. The
//   signal is caught, not ignored: a caught signal's action is the default again in the programs
//   a trial executes.
// - standard input, output and error closed by whoever started it (`run ... >&- 2>&-`) are
//   opened on /dev/null: else the journal or the results file was opened as fd 1 or 2, and the
//   progress lines and warnings were written into it.
extern "C" void hs_on_file_size_limit(int) {}
extern "C" HS_CPU_BASELINE void hs_install_stop_signals(int, char**, char** envp) {
  for (int fd = 0; fd <= 2; ++fd)
    if (::fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      const int null = ::open("/dev/null", O_RDWR);  // the lowest free fd: this one
      if (null >= 0 && null != fd) ::dup2(null, fd), ::close(null);
    }
  if (hs::report_cpu_mismatch(hs::compiled_cpu_features(), stderr)) std::_Exit(hs::cli::kExitOther);
  hs::install_stop_signals(envp);
  struct sigaction sa {};
  sa.sa_handler = hs_on_file_size_limit;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGXFSZ, &sa, nullptr);
}
__attribute__((section(".preinit_array"), used)) static void (*const hs_preinit)(int, char**, char**) =
    hs_install_stop_signals;

namespace {

// The top-level --help lists each subcommand by the first line of its description, a sentence
// that says what it does; the subcommand's own --help has the rest, with examples.
class SummaryFormatter : public CLI::Formatter {
 public:
  std::string make_subcommand(const CLI::App* sub) const override {
    const std::string& d = sub->get_description();
    const std::string line = d.substr(0, d.find('\n'));
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_name(), line, column_width_);
    return out.str();
  }
};

// `code`, or kExitOther when it is 0 and what was printed was not all written: `show r.h5 >
// out.txt` on a full disk left an empty out.txt and exit 0. (A command that failed already
// said why; a closed pipe's reader, `| head`, wanted no more.)
int stdout_written(int code) {
  errno = 0;
  if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return code;
  if (code != 0 || errno == EPIPE || hs::stop_signal() == SIGPIPE) return code;
  std::fprintf(stderr, "hypersweep: error: cannot write the standard output: %s\n",
               errno != 0 ? std::strerror(errno) : "a write failed");
  return hs::cli::kExitOther;
}

}  // namespace

int main(int argc, char** argv) {
  hs::no_hdf5_cleanup_at_exit();
  // Started by an isolated objective of this program as its trial host (forked_objective.h).
  if (const int host = hs::run_trial_host_if_asked(argc, argv); host >= 0) return host;
  CLI::App app{"hypersweep: hyperparameter sweeps of neural-network training on HPC machines.\n"
               "Trains OpenMP-parallel CPU networks (Eigen), or on a GPU with [train] device = "
               "\"cuda\", with learning-rate schedules and early stopping; or runs your own "
               "training command ([objective])."};
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
  // A usage error reads as every other error does, then where to look. No subcommand given
  // names what was given instead (CLI11 says only "A subcommand is required").
  const std::string first = argv[1];
  // Only run and recipe stop cleanly; the others keep the signals' default actions, from here:
  // --help and --version print while parsing (`hypersweep --help | head` said the sweep stops).
  if (first != "run" && first != "recipe") hs::release_stop_signals();
  app.failure_message([first](const CLI::App* at, const CLI::Error& e) -> std::string {
    if (hs::launched_rank() > 0) return "";  // under mpirun every rank would say it: the first does
    std::string cmd = at->get_name(), what = e.what();
    for (const CLI::App* sub = at; !sub->get_subcommands().empty();) {  // the one given
      sub = sub->get_subcommands().front();
      cmd += " " + sub->get_name();
    }
    if (at->get_subcommands().empty() && first != "--version") {
      std::string names;
      for (const CLI::App* sub : at->get_subcommands([](const CLI::App*) { return true; }))
        names += (names.empty() ? "" : ", ") + sub->get_name();
      what = "\"" + first + "\" is no " + (first.starts_with("-") ? "option" : "subcommand") +
             " of hypersweep: give a subcommand (" + names + ")";
    }
    return "hypersweep: error: " + what + "\n" + cmd + " --help says more\n";
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // --help and --version print here
    return stdout_written(code == 0 ? 0 : hs::cli::kExitConfig);
  }
  int code = 0;
  try {
    code = run ? run() : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hypersweep: internal error: %s\n", e.what());
    return hs::cli::kExitOther;
  }
  return stdout_written(code);
}
