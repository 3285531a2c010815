// signals.h: SIGINT, SIGTERM, SIGUSR1 (what SLURM sends before a time limit) and SIGHUP (the
// terminal, or under MPI the launcher, is gone) ask a sweep to stop cleanly, and so does, in one
// process, a SIGPIPE from stdout or stderr (their reader gone: `run | head`): nothing new
// starts, trials in flight are recorded as interrupted, and the same command continues the
// sweep later. Every rank installs the handlers; each asks stop_signal() between trials,
// messages and epochs.
//
// Who calls: the program, install_stop_signals() first of all, before MPI_Init or anything else
// can take time (a signal that comes before it kills the process: its default action).
// apps/hypersweep/main.cpp calls it from a .preinit_array entry, before any library's
// initialisation (libhdf5's libcurl, gnutls, krb5, ...: about 20 ms here, most of the start-up):
// only loading the program and its libraries comes before it. Then, for a command that does not
// stop cleanly (train, show, ...), main calls release_stop_signals().
//
// The one piece of global state in hypersweep: a signal handler can reach nothing else.
// Thread safety: any thread may read stop_signal().
#pragma once

namespace hs {

// Installs the handlers (SA_RESTART: system calls in flight go on). SIGHUP keeps an inherited
// SIG_IGN (nohup) unless an MPI launcher started this process. Under one (launched_by_mpi()),
// also: SIGHUP when the launcher dies (PR_SET_PDEATHSIG: mpirun killed, or exiting on a second
// SIGINT without ending its ranks), after which stdout and stderr go to /dev/null (nobody reads
// them); and SIGPIPE ignored (the launcher's end of stdout may close first). In one process a
// SIGPIPE stops the sweep when stdout's or stderr's reader is gone (that stream then goes to
// /dev/null), and is ignored otherwise (the write that met a closed pipe gets EPIPE).
// `envp`: the environment (launched_by_mpi(envp)). Uses only system calls and no C++ runtime
// set-up, so it may run before main.
void install_stop_signals(char** envp);
// The default actions back (an inherited SIG_IGN kept; SIGPIPE's as it was); a stop signal that came since
// install_stop_signals() is raised again now, so it does what it would have done.
void release_stop_signals();
// The signal that asked the sweep to stop, or 0.
int stop_signal();
// How many stop signals came (a second Ctrl-C ends the trials in flight at once).
int stop_signals_received();

}  // namespace hs
