// subprocess.h: a shell command run to its end as a child process, its stdout handed over as it
// comes, with a timeout and a stop that end it (and every process it started) cleanly. What
// an [objective] command trial runs on (objective/command_objective.h).
//
// The command runs as `/bin/sh -c LINE` in a process group of its own (posix_spawn: no fork()
// inside MPI ranks), with stdin from /dev/null, no inherited descriptors beyond 0-2, and the
// default signal dispositions and mask whatever the parent's runtime set. Ending it: SIGTERM to
// the group, SIGKILL 2 s later. When the shell has exited, whatever is left of its group is
// killed (after 1 s if it still holds stdout or stderr open).
//
// May depend on: the standard library, POSIX. Thread safety: several children may run on
// several threads at once; each waits for its own pid (SIGCHLD must not be ignored).
#pragma once

#include <signal.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace hs {

struct ShellCommand {
  std::string line;               // run by /bin/sh -c
  std::vector<std::string> env;   // the whole environment, "NAME=value" each
  double timeout = 0;             // seconds from the start; 0 (or >= 1e9): none
};

struct ChildEnd {
  // kExited: on its own (wait_status says how); kTimedOut, kStopped: ended by the timeout or a
  // stop; kLost: its exit status was reaped elsewhere (SIGCHLD ignored in this process?).
  enum class Why { kExited, kTimedOut, kStopped, kLost } why = Why::kExited;
  int wait_status = 0;      // kExited: as waitpid gives it
  std::string stderr_tail;  // the last 4 KiB of stderr (from the start of a line), trailing space cut
  double seconds = 0;       // wall time from the start to the end
};

// Called with each piece of stdout as it arrives; return false to stop the command (as `stop`).
using OnOutput = std::function<bool(std::string_view bytes)>;

// Runs `cmd` to its end. `stop` is asked about every 100 ms while it runs (may be empty).
// Errors: the pipes or the shell could not be made.
Result<ChildEnd> run_shell(const ShellCommand& cmd, const OnOutput& on_stdout,
                           const std::function<bool()>& stop);

// "SIGTERM", or "signal 42" for a number without a name.
std::string signal_name(int sig);

// The signals by which a user, a launcher or a batch system asks a program to stop (SLURM sends
// one to every process of a job before its time limit or on preemption): hypersweep stops
// cleanly on each (exec/signals.h), and a command trial that dies of one while the sweep stops
// is interrupted, not failed (objective/command_objective.h).
inline constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGUSR1, SIGHUP};
// Whether `sig` is one of kStopSignals.
bool is_stop_signal(int sig);

}  // namespace hs
