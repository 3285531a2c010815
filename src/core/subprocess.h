// subprocess.h: a shell command run to its end as a child process, its stdout handed over as it
// comes, with a timeout and a stop that end it (and every process it started) cleanly (run_shell);
// and a program that stays up, fed on its stdin (Coprocess). What [objective] command trials run
// on (objective/command_objective.h, objective/worker_objective.h).
//
// The command runs as `/bin/sh -c LINE` in a process group of its own (posix_spawn: no fork()
// inside MPI ranks), with stdin from /dev/null, no inherited descriptors beyond 0-2, and the
// default signal dispositions and mask whatever the parent's runtime set. Ending it: SIGTERM to
// the group, SIGKILL 2 s later. When the shell has exited, whatever is left of its group is
// killed (after 1 s if it still holds stdout or stderr open).
//
// A process the command starts in a group or session of its own (setsid, Python's
// start_new_session=True, a launcher's workers) escapes its group's end, so each command's
// environment carries HYPERSWEEP_PROCESS_TAG=PID.N.T, unique to it and inherited by everything it
// starts. Once the command has ended (and its group with it), every process with its tag in
// /proc/PID/environ, a stray, gets SIGTERM, and SIGKILL 2 s later if still there. A process
// started with another environment (`env -i`, a service manager) is not found.
//
// Each command (and each Coprocess, for its whole life) has a guardian: a second `/bin/sh`, in a
// group of its own and deaf to the stop signals, that ends the command's group and its strays
// (SIGTERM, SIGKILL 2 s later) within moments of this process dying without ending it (kill -9,
// a crash), so that no trial goes on training beside the one a continued sweep starts again. A
// command ended here first releases its guardian, which then touches nothing, and reaps it: no
// process is left.
//
// May depend on: the standard library, POSIX. Thread safety: several children may run on
// several threads at once; each waits for its own pid (SIGCHLD must not be ignored).
#pragma once

#include <signal.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace hs {

class Guardian;  // subprocess.cpp

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
  int strays = 0;           // processes it started that had left its group, ended after it
};

// Called with each piece of stdout as it arrives; return false to stop the command (as `stop`).
using OnOutput = std::function<bool(std::string_view bytes)>;

// Runs `cmd` to its end. `stop` is asked about every 100 ms while it runs (may be empty).
// Errors: the pipes, the shell or its guardian could not be made.
// `on_stderr` (may be empty) gets each piece of stderr as it arrives (its return is ignored).
Result<ChildEnd> run_shell(const ShellCommand& cmd, const OnOutput& on_stdout,
                           const std::function<bool()>& stop, const OnOutput& on_stderr = {});

// A program that stays up (an [objective] command in mode = "worker",
// objective/worker_objective.h): `/bin/sh -c LINE` started as run_shell's is (posix_spawn, a
// process group of its own, default signals, a guardian), but with its stdin a socket we write
// to (send: MSG_NOSIGNAL, so a program that is gone gives false, never SIGPIPE here) and its
// stdout and stderr read by pump() while it runs. Ending it (end()): stdin closed, `grace` for it to exit
// on its own, then SIGTERM to its group and SIGKILL 2 s later; whatever is left of its group is
// killed once the shell has exited. The destructor ends it with no grace.
// Thread safety: one thread per Coprocess.
class Coprocess {
 public:
  // Errors: the pipes, the shell or its guardian could not be made.
  static Result<std::unique_ptr<Coprocess>> start(const std::string& line,
                                                  const std::vector<std::string>& env);
  ~Coprocess();
  Coprocess(const Coprocess&) = delete;
  Coprocess& operator=(const Coprocess&) = delete;

  // Queues `bytes` for its stdin and writes what the socket takes now; pump() writes the rest as
  // the program reads. Never blocks: a program that stops reading (the socket's buffer holds a
  // few hundred short lines) must not stop this process from reading its output, timing it out
  // or stopping it. False when it no longer reads them (it exited, or closed its stdin).
  bool send(std::string_view bytes);
  // Writes what it can of the bytes queued by send(), then waits up to 100 ms for output and
  // hands it on as it comes (either callback may be empty; on_stdout's answer is ignored). True
  // while the program runs; false once it has exited and its output is drained (wait_status()
  // then says how).
  bool pump(const OnOutput& on_stdout, const OnOutput& on_stderr);
  // As waitpid gives it; valid once pump() returned false or end() returned.
  int wait_status() const { return wait_status_; }
  // Closes its stdin, waits up to `grace_s` seconds for it to exit (its output still handed
  // on), then kills its group (SIGTERM, SIGKILL 2 s later) and reaps it. Idempotent.
  void end(double grace_s, const OnOutput& on_stdout = {}, const OnOutput& on_stderr = {});
  bool ended() const { return reaped_; }
  // Once ended: how many processes it started had left its group (ended with it, as run_shell's).
  int strays() const { return strays_; }

 private:
  Coprocess(pid_t pid, int in, int out, int err, std::unique_ptr<Guardian> guardian,
            std::string tag);
  void check_exited();
  bool finish_after_exit();
  bool flush();

  pid_t pid_;
  int in_;
  std::string outbox_;  // bytes for its stdin not yet taken by the socket, from outbox_at_ on
  size_t outbox_at_ = 0;
  int fds_[2];  // stdout, stderr; -1 once at EOF
  bool exited_ = false, reaped_ = false;
  int wait_status_ = 0;
  std::chrono::steady_clock::time_point exited_at_;
  std::optional<std::chrono::steady_clock::time_point> termed_at_;  // end()'s SIGTERM, once sent
  std::unique_ptr<Guardian> guardian_;  // of its group, released once it is reaped
  std::string tag_;                     // its processes' HYPERSWEEP_PROCESS_TAG entry
  int strays_ = 0;
};

// "SIGTERM", or "signal 42" for a number without a name.
std::string signal_name(int sig);

// For a child of fork() that must not outlive its parent (a trial's process, a reader of a
// results file): it gets `sig` when `parent` dies (PR_SET_PDEATHSIG), however that dies
// (kill -9, a job's timeout that signals the parent alone). False when `parent` died before
// this took hold (the child should leave at once). REQUIRES: called in the child, from the
// thread that will run it, `parent` being the parent's getpid() before fork(); the parent's
// forking thread lives as long as the child (the signal comes when that thread ends).
bool end_with_parent(pid_t parent, int sig);

// The signals by which a user, a launcher or a batch system asks a program to stop (SLURM sends
// one to every process of a job before its time limit or on preemption): hypersweep stops
// cleanly on each (exec/signals.h), and a command trial that dies of one while the sweep stops
// is interrupted, not failed (objective/command_objective.h).
inline constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGUSR1, SIGHUP};
// Whether `sig` is one of kStopSignals.
bool is_stop_signal(int sig);

}  // namespace hs
