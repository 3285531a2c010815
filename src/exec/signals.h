// signals.h: SIGINT, SIGTERM and SIGUSR1 (what SLURM sends before a time limit) ask a sweep to
// stop cleanly: nothing new starts, trials in flight are recorded as interrupted, and the same
// command continues the sweep later. Every rank installs the handlers; each asks stop_signal()
// between trials, messages and epochs.
//
// The one piece of global state in hypersweep: a signal handler can reach nothing else.
// Thread safety: any thread may read stop_signal().
#pragma once

namespace hs {

// Installs the handlers (SA_RESTART: system calls in flight go on).
void install_stop_signals();
// The signal that asked the sweep to stop, or 0.
int stop_signal();

}  // namespace hs
