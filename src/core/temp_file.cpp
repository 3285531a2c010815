// temp_file.cpp: the guarded paths, and the signal handler that removes them (temp_file.h).
#include "core/temp_file.h"

#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

namespace hs {

namespace {

// The handler reads only these: a slot is claimed, its path written, then marked ready.
struct Slot {
  std::atomic<bool> claimed{false};
  std::atomic<bool> ready{false};
  char path[PATH_MAX];
};
Slot g_slots[kMaxTempFiles];
// SIGUSR1 too: SLURM's warning before a time limit or a preemption (`--signal=USR1@T`), which a
// job's other commands (export, report) may get while they write.
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1};

extern "C" void remove_temp_files(int sig) {
  for (Slot& s : g_slots)
    if (s.ready.load(std::memory_order_acquire)) ::unlink(s.path);
  ::signal(sig, SIG_DFL);  // then what the signal would have done: end the program
  ::raise(sig);
}

// The handler goes where a signal has its default action (asked at each guard: a program may
// set its own handlers, or put the defaults back, at any time).
void install_where_default() {
  for (int sig : kSignals) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa {};
    sa.sa_handler = remove_temp_files;
    ::sigemptyset(&sa.sa_mask);
    for (int other : kSignals) ::sigaddset(&sa.sa_mask, other);
    ::sigaction(sig, &sa, nullptr);
  }
}

}  // namespace

TempFileGuard::TempFileGuard(std::string path) : path_(std::move(path)) {
  if (path_.size() >= PATH_MAX) return;
  for (int i = 0; i < kMaxTempFiles; ++i) {
    Slot& s = g_slots[i];
    bool expected = false;
    if (!s.claimed.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) continue;
    std::memcpy(s.path, path_.c_str(), path_.size() + 1);
    s.ready.store(true, std::memory_order_release);
    slot_ = i;
    break;
  }
  install_where_default();
}

void TempFileGuard::keep() {
  if (slot_ >= 0) {
    g_slots[slot_].ready.store(false, std::memory_order_release);
    g_slots[slot_].claimed.store(false, std::memory_order_release);
  }
  slot_ = -1;
  path_.clear();
}

TempFileGuard::~TempFileGuard() {
  if (!path_.empty()) ::unlink(path_.c_str());
  keep();
}

StopSignalsHeld::StopSignalsHeld() {
  sigset_t held;
  ::sigemptyset(&held);
  for (int sig : kSignals) ::sigaddset(&held, sig);
  ::pthread_sigmask(SIG_BLOCK, &held, &old_);
}

StopSignalsHeld::~StopSignalsHeld() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

}  // namespace hs
