// job_control.cpp: the noted process groups, and the SIGTSTP and SIGCONT handlers (job_control.h).
#include "core/job_control.h"

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <cerrno>

namespace hs {

namespace {

std::atomic<pid_t> g_groups[kMaxGroups];  // 0: a free slot

void pass_on(int sig) {
  for (const std::atomic<pid_t>& g : g_groups)
    if (const pid_t pgid = g.load(std::memory_order_acquire); pgid > 0) ::kill(-pgid, sig);
}

extern "C" void on_tstp(int);

void set_handler(int sig, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sa.sa_flags = SA_RESTART;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(sig, &sa, nullptr);
}

// The groups stop first, then this process, as the terminal would have stopped it (the default
// action, raised again); on SIGCONT it goes on from here and takes SIGTSTP again.
extern "C" void on_tstp(int) {
  const int saved = errno;
  pass_on(SIGTSTP);
  set_handler(SIGTSTP, SIG_DFL);
  sigset_t tstp;
  ::sigemptyset(&tstp);
  ::sigaddset(&tstp, SIGTSTP);
  ::pthread_sigmask(SIG_UNBLOCK, &tstp, nullptr);
  ::raise(SIGTSTP);
  // Continued (on_cont passed SIGCONT on), or never stopped: an orphaned process group, as
  // under setsid, drops a SIGTSTP whose action is the default. Its groups go on either way.
  pass_on(SIGCONT);
  set_handler(SIGTSTP, on_tstp);
  errno = saved;
}

extern "C" void on_cont(int) {
  const int saved = errno;
  pass_on(SIGCONT);
  errno = saved;
}

bool is_default(int sig) {
  struct sigaction old {};
  return ::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_DFL;
}

}  // namespace

void note_group(pid_t pgid) {
  for (std::atomic<pid_t>& g : g_groups) {
    pid_t free = 0;
    if (g.compare_exchange_strong(free, pgid, std::memory_order_acq_rel)) return;
  }
}

void forget_group(pid_t pgid) {
  for (std::atomic<pid_t>& g : g_groups) {
    pid_t mine = pgid;
    if (g.compare_exchange_strong(mine, 0, std::memory_order_acq_rel)) return;
  }
}

void reap_group(pid_t leader, int* status) {
  forget_group(leader);
  while (::waitpid(leader, status, 0) < 0 && errno == EINTR) {
  }
}

void install_job_control() {
  if (is_default(SIGTSTP)) set_handler(SIGTSTP, on_tstp);
  if (is_default(SIGCONT)) set_handler(SIGCONT, on_cont);
}

}  // namespace hs
