#include "exec/signals.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>

#include "core/subprocess.h"
#include "exec/launch.h"

namespace hs {

namespace {

std::atomic<int> g_signal{0};
std::atomic<int> g_count{0};  // stop signals received
struct sigaction g_before[NSIG];  // each stop signal's disposition before install_stop_signals()

extern "C" void on_stop_signal(int sig) {
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);  // the first one names the stop
  g_count.fetch_add(1);
  if (sig == SIGHUP) {
    // The terminal or the launcher is gone: what is still printed would fail (EIO, EPIPE).
    const int null = ::open("/dev/null", O_WRONLY);  // open and dup2 are async-signal-safe
    if (null >= 0) {
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
      ::close(null);
    }
  }
}

}  // namespace

void install_stop_signals(char** envp) {
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
  if (!mpi) return;
  ::signal(SIGPIPE, SIG_IGN);
  // mpirun exits at once on a second SIGINT or SIGTERM, leaving its ranks to run on with no one
  // to read their output and its shared-memory segments behind; this tells them at once.
  ::prctl(PR_SET_PDEATHSIG, SIGHUP);
}

void release_stop_signals() {
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
