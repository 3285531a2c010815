#include "objective/forked_objective.h"

#include <omp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include "core/subprocess.h"
#include "trial/codec.h"

namespace hs {

namespace {

// The child and this process talk over one socket pair (send() with MSG_NOSIGNAL: a peer gone
// is an error to handle, never a SIGPIPE). Child to parent: frames of a kind byte, a u64 length
// and an encoded record (trial/codec.h). Parent to child: single bytes.
constexpr char kEpoch = 'E';     // child: a finished epoch, the record so far
constexpr char kResult = 'R';    // child: the trial's record; it exits next
constexpr char kGoOn = 'C';      // parent, answering an epoch: go on
constexpr char kStopNow = 'S';   // parent, answering an epoch or at any time: stop the trial
constexpr uint64_t kMaxFrame = uint64_t{1} << 32;  // a longer one is a broken child
constexpr int kPollMs = 100;     // how often the parent asks hooks.stop while a trial runs

bool send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

bool recv_all(int fd, char* p, size_t n) {
  while (n > 0) {
    const ssize_t k = ::recv(fd, p, n, 0);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;  // the peer is gone (0) or an error
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

bool send_frame(int fd, char kind, const TrialRecord& r) {
  const std::string body = encode_record(r);
  const uint64_t n = body.size();
  char head[1 + sizeof n];
  head[0] = kind;
  std::memcpy(head + 1, &n, sizeof n);
  return send_all(fd, head, sizeof head) && send_all(fd, body.data(), body.size());
}

// The next frame from the child; false when it is gone or sent something that is not a frame.
bool recv_frame(int fd, char* kind, TrialRecord* r) {
  char head[1 + sizeof(uint64_t)];
  if (!recv_all(fd, head, sizeof head)) return false;
  uint64_t n = 0;
  std::memcpy(&n, head + 1, sizeof n);
  if ((head[0] != kEpoch && head[0] != kResult) || n > kMaxFrame) return false;
  std::string body(n, '\0');
  if (!recv_all(fd, body.data(), n)) return false;
  *kind = head[0];
  return decode_record(body, r);
}

// The child: runs the trial with hooks that ask the parent, sends the record, and leaves with
// _exit() (never exit(): the parent's open files, HDF5 among them, and its atexit handlers are
// the parent's).
[[noreturn]] void child_main(Objective& inner, const Trial& t, int fd, pid_t parent,
                             uint64_t memory_limit) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);  // the parent died before prctl took hold
  // A crash ends the child by its signal, for the parent to name, not in a handler the parent's
  // runtime installed (Open MPI's, a test framework's), which would run the parent's logic here.
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) ::signal(sig, SIG_DFL);
  if (memory_limit > 0) {
    const rlimit lim{memory_limit, memory_limit};
    ::setrlimit(RLIMIT_AS, &lim);
  }
  bool stop = false;
  auto take_stop = [&](bool wait_for_answer) {  // reads the parent's bytes; true: an answer came
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (!wait_for_answer && ::poll(&p, 1, 0) <= 0) return false;
      char c = 0;
      if (!recv_all(fd, &c, 1)) ::_exit(1);  // the parent is gone: nobody to report to
      if (c == kStopNow) stop = true;
      if (wait_for_answer) return true;
    }
  };
  TrialHooks hooks;
  hooks.on_epoch = [&](const TrialRecord& so_far) {
    if (!send_frame(fd, kEpoch, so_far)) ::_exit(1);
    take_stop(true);
    return stop ? EpochAnswer::kStop : EpochAnswer::kContinue;
  };
  hooks.stop = [&] {
    take_stop(false);
    return stop;
  };
  TrialRecord r;
  try {
    r = inner.run(t, hooks);
  } catch (const std::bad_alloc&) {
    r = record_of(t, TrialStatus::kFailed);
    r.error = memory_limit > 0 ? "out of memory: the trial needed more than memory_limit (" +
                                     std::to_string(memory_limit >> 20) + " MiB)"
                               : "out of memory";
  }
  const bool sent = send_frame(fd, kResult, r);
  std::fflush(nullptr);  // what the trial printed
  ::_exit(sent ? 0 : 1);
}

// How the child ended, for the record of a trial whose result never came.
std::string child_end_text(int wait_status, uint64_t memory_limit) {
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    std::string s = "the trial's process was killed by " + signal_name(sig);
    if (sig == SIGKILL)
      s += " (the kernel's out-of-memory killer, or kill -9)";
    else if (sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT || sig == SIGFPE || sig == SIGILL)
      s += " (a crash)";
    if (memory_limit > 0 && (sig == SIGSEGV || sig == SIGABRT))
      s += "; memory_limit is " + std::to_string(memory_limit >> 20) + " MiB";
    return s;
  }
  if (WIFEXITED(wait_status))
    return "the trial's process exited with code " + std::to_string(WEXITSTATUS(wait_status)) +
           " before sending its record";
  return "the trial's process ended before sending its record";
}

}  // namespace

ForkedObjective::ForkedObjective(std::unique_ptr<Objective> inner, uint64_t memory_limit)
    : inner_(std::move(inner)), memory_limit_(memory_limit) {}

Status ForkedObjective::prepare() { return inner_->prepare(); }

TrialRecord ForkedObjective::run(const Trial& t, const TrialHooks& hooks) {
  TrialRecord so_far = record_of(t, TrialStatus::kFailed);
  auto failed = [&](const std::string& why) {
    so_far.status = TrialStatus::kFailed;
    so_far.best_metric = std::numeric_limits<double>::quiet_NaN();
    so_far.error = why;
    return so_far;
  };
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return failed(std::string("cannot start the trial's process: socketpair: ") +
                  std::strerror(errno));
  omp_pause_resource_all(omp_pause_hard);  // libgomp's threads do not survive fork()
  std::fflush(nullptr);                    // or the child would print our buffered output again
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(sv[0]);
    child_main(*inner_, t, sv[1], parent, memory_limit_);
  }
  ::close(sv[1]);
  const int fd = sv[0];
  if (pid < 0) {
    const int e = errno;
    ::close(fd);
    return failed(std::string("cannot start the trial's process: fork: ") + std::strerror(e));
  }
  bool stopped = false;  // the caller's stop was passed on
  auto answer = [&](char c) { (void)send_all(fd, &c, 1); };  // a child gone shows at its read
  bool have_result = false;
  TrialRecord result;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, kPollMs);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) {
      if (!stopped && hooks.stop && hooks.stop()) {
        answer(kStopNow);
        stopped = true;
      }
      continue;
    }
    char kind = 0;
    TrialRecord r;
    if (!recv_frame(fd, &kind, &r)) break;
    if (kind == kResult) {
      result = std::move(r);
      have_result = true;
      break;
    }
    so_far = std::move(r);
    bool stop = hooks.on_epoch && hooks.on_epoch(so_far) == EpochAnswer::kStop;
    stop = stop || (hooks.stop && hooks.stop());
    stopped = stopped || stop;
    answer(stop ? kStopNow : kGoOn);
  }
  ::close(fd);
  int ws = 0;
  while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  if (have_result) return result;
  so_far.id = t.id;
  so_far.params = t.values;
  TrialRecord lost = failed(child_end_text(ws, memory_limit_));
  // Ended while the sweep stops (SLURM signals every process of a job step, the child too): the
  // trial did not fail, it was cut short, and runs again when the sweep continues.
  if (stopped || (hooks.stop && hooks.stop())) lost.status = TrialStatus::kInterrupted;
  return lost;
}

}  // namespace hs
