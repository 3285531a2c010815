#include "exec/signals.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "core/job_control.h"
#include "core/subprocess.h"
#include "exec/launch.h"

namespace hs {

namespace {

std::atomic<int> g_signal{0};
std::atomic<int> g_count{0};  // stop signals received
struct sigaction g_before[NSIG];  // each stop signal's disposition before install_stop_signals()

// What is still printed to `fd` goes to /dev/null (open and dup2 are async-signal-safe).
void to_null(int fd) {
  const int null = ::open("/dev/null", O_WRONLY);
  if (null < 0) return;
  ::dup2(null, fd);
  ::close(null);
}

// Whether `fd` is a pipe or socket whose reader is gone (poll is async-signal-safe).
bool reader_gone(int fd) {
  pollfd p{fd, POLLOUT, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

// Whether `fd` is a terminal (tcgetattr is async-signal-safe; isatty is not listed).
bool is_terminal(int fd) {
  termios t{};
  return ::tcgetattr(fd, &t) == 0;
}

// errno as the interrupted code left it, put back when a handler returns: tcgetattr, open and
// dup2 here may set it, and a read that found EAGAIN would then take it for another error.
class KeptErrno {
 public:
  KeptErrno() : saved_(errno) {}
  ~KeptErrno() { errno = saved_; }

 private:
  int saved_;
};

extern "C" void on_stop_signal(int sig) {
  const KeptErrno kept;
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);  // the first one names the stop
  g_count.fetch_add(1);
  if (sig == SIGHUP) {
    // The terminal or the launcher is gone: what is still printed there would fail (EIO,
    // EPIPE). A file, or a pipe still read, keeps the stop's lines (`run ... > log &`, then
    // logged out of, lost the lines that say how to continue).
    for (int fd : {STDOUT_FILENO, STDERR_FILENO})
      if (is_terminal(fd) || reader_gone(fd)) to_null(fd);
  }
}

// SIGPIPE in one process: a write found the reader of a pipe gone. When it is stdout's or
// stderr's (`hypersweep run | head`), that stream goes to /dev/null and the sweep stops as on
// any stop signal; said on stderr while it is still read. A SIGPIPE of any other pipe is left to
// the write that met it (EPIPE).
extern "C" void on_pipe_signal(int) {
  const KeptErrno kept;
  const bool out = reader_gone(STDOUT_FILENO), err = reader_gone(STDERR_FILENO);
  if (!out && !err) return;
  if (out) to_null(STDOUT_FILENO);
  if (err) to_null(STDERR_FILENO);
  static constexpr char kSaid[] =
      "hypersweep: stdout's reader is gone (SIGPIPE): the sweep stops as on SIGTERM, and the "
      "same command continues it\n";
  if (out && !err && ::write(STDERR_FILENO, kSaid, sizeof kSaid - 1) < 0) {
    // nothing more to try
  }
  on_stop_signal(SIGPIPE);
}

}  // namespace

void install_stop_signals(char** envp) {
  install_job_control();  // Ctrl-Z and fg pass on to the commands' process groups
  const bool mpi = launched_by_mpi(envp);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : kStopSignals) {
    sigaction(sig, nullptr, &g_before[sig]);
    if (sig == SIGHUP && !mpi && g_before[sig].sa_handler == SIG_IGN) continue;  // nohup
    sigaction(sig, &sa, nullptr);
  }
  sigaction(SIGPIPE, nullptr, &g_before[SIGPIPE]);
  if (!mpi) {
    sa.sa_handler = on_pipe_signal;
    sigaction(SIGPIPE, &sa, nullptr);
    return;
  }
  ::signal(SIGPIPE, SIG_IGN);
  // mpirun exits at once on a second SIGINT or SIGTERM, leaving its ranks to run on with no one
  // to read their output and its shared-memory segments behind; this tells them at once.
  ::prctl(PR_SET_PDEATHSIG, SIGHUP);
}

void release_stop_signals() {
  sigaction(SIGPIPE, &g_before[SIGPIPE], nullptr);  // `hypersweep show | head` ends as usual
  for (int sig : kStopSignals) {
    struct sigaction back = g_before[sig];
    if (back.sa_handler != SIG_IGN) {
      back = {};
      back.sa_handler = SIG_DFL;
    }
    sigaction(sig, &back, nullptr);
  }
  if (const int sig = g_signal.load(); sig != 0) ::raise(sig);
}

int stop_signal() { return g_signal.load(); }

int stop_signals_received() { return g_count.load(); }

}  // namespace hs
