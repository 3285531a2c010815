// job_control.h: Ctrl-Z and `fg` for the process groups this process starts. A command runs as
// the leader of a process group of its own (subprocess.h: so that ending it ends everything it
// started), outside the terminal's foreground group, so Ctrl-Z stopped hypersweep but not its
// commands: a training script ran on, and its trial's seconds counted the pause. The groups are
// noted as they start and forgotten before their leaders are reaped (a reaped leader's id may be
// another's group soon after); SIGTSTP passes SIGTSTP on to each, then stops this process;
// SIGCONT (fg, bg) passes SIGCONT on.
//
// May depend on: the standard library, POSIX. Thread safety: note_group and forget_group from
// any thread; the handlers read the table lock-free. At most kMaxGroups at once (more run, but
// are not stopped with this process).
#pragma once

#include <sys/types.h>

namespace hs {

inline constexpr int kMaxGroups = 256;

// The group whose leader is `pgid` (a child of ours) is stopped and continued with this process.
void note_group(pid_t pgid);
// Not any more: before its leader is reaped.
void forget_group(pid_t pgid);
// forget_group(leader), then waits for the leader (EINTR retried), its wait status in *status
// (null: not wanted).
void reap_group(pid_t leader, int* status);

// The handlers of SIGTSTP and SIGCONT, where their action is the default (a program may have
// its own). Called once, early (exec/signals.cpp: install_stop_signals).
void install_job_control();

}  // namespace hs
