#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace hs {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kStderrTail = 4096;                         // bytes of stderr kept
constexpr auto kPollEvery = std::chrono::milliseconds(100);  // stop flag and timeout checks
constexpr auto kTermGrace = std::chrono::seconds(2);         // SIGTERM -> SIGKILL
constexpr auto kPipeGrace = std::chrono::seconds(1);         // shell gone, pipes still open

// Starts `/bin/sh -c line` as the leader of a new process group, its stdout and stderr into the
// pipes' write ends. Returns the pid, or the errno of the failure as a negative number.
pid_t spawn_shell(const std::string& line, const std::vector<std::string>& env, int out_w, int err_w) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_w, 1);
  posix_spawn_file_actions_adddup2(&fa, err_w, 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);  // MPI's sockets, the results file, ...
#endif
  // A runtime (MPI) may block or ignore signals; the child starts with the defaults.
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2, SIGALRM,
                  SIGTSTP, SIGTTIN, SIGTTOU})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = line;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  std::vector<std::string> env_copy = env;
  std::vector<char*> envp;
  for (std::string& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -rc;
}

// One running child: its pid, the read ends of its stdout and stderr, and where its ending is.
class Child {
 public:
  Child(pid_t pid, int out, int err, double timeout) : pid_(pid), fds_{out, err} {
    constexpr double kNever = 1e9;  // seconds; beyond it the clock arithmetic would overflow
    if (timeout > 0 && timeout < kNever)
      deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(timeout));
  }
  ~Child() {
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  ChildEnd run(const OnOutput& on_stdout, const std::function<bool()>& stop) {
    for (;;) {
      const bool wants_stop = !pump(on_stdout);
      const auto now = Clock::now();
      if (!exited_) check_exited(now);
      if (exited_) {
        if (finished_after_exit(now)) break;
        continue;
      }
      if (!killing_ && (now >= deadline_ || wants_stop || (stop && stop()))) {
        end_.why = now >= deadline_ ? ChildEnd::Why::kTimedOut : ChildEnd::Why::kStopped;
        ::kill(-pid_, SIGTERM);
        killing_ = true;
        term_at_ = now;
      } else if (killing_ && !sigkilled_ && now - term_at_ >= kTermGrace) {
        ::kill(-pid_, SIGKILL);
        sigkilled_ = true;
      }
    }
    reap();
    end_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    trim_stderr();
    return end_;
  }

 private:
  // Waits up to kPollEvery for output and hands it on; false when on_stdout asked to stop.
  bool pump(const OnOutput& on_stdout) {
    pollfd p[2];
    nfds_t n = 0;
    for (int fd : fds_)
      if (fd >= 0) p[n++] = pollfd{fd, POLLIN, 0};
    const int wait_ms = n > 0 ? static_cast<int>(kPollEvery.count()) : 20;
    bool go_on = true;
    if (::poll(n > 0 ? p : nullptr, n, wait_ms) <= 0) return go_on;
    char buf[65536];
    for (nfds_t k = 0; k < n; ++k) {
      if (p[k].revents == 0) continue;
      const ssize_t got = ::read(p[k].fd, buf, sizeof buf);
      if (got > 0) {
        const std::string_view bytes(buf, static_cast<size_t>(got));
        if (p[k].fd == fds_[0]) {
          if (on_stdout && !on_stdout(bytes)) go_on = false;
        } else {
          end_.stderr_tail += bytes;
          if (end_.stderr_tail.size() > 2 * kStderrTail)
            end_.stderr_tail.erase(0, end_.stderr_tail.size() - kStderrTail);
        }
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        for (int& fd : fds_)
          if (fd == p[k].fd) ::close(fd), fd = -1;
      }
    }
    return go_on;
  }

  void check_exited(Clock::time_point now) {
    // WNOWAIT: the leader stays a zombie, so its pid (the group id) cannot be reused while we
    // may still signal the group.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
      if (info.si_pid == pid_) exited_ = true, exited_at_ = now;
    } else if (errno == ECHILD) {  // reaped elsewhere (SIGCHLD ignored?): the status is gone
      exited_ = lost_ = true, exited_at_ = now;
    }
  }

  // After the shell exited: what is left of its group (background jobs) goes with it, given a
  // moment to close the pipes first unless the command is being killed anyway. True once there
  // is nothing more to wait for.
  bool finished_after_exit(Clock::time_point now) {
    const bool pipes_open = fds_[0] >= 0 || fds_[1] >= 0;
    if (!group_killed_ && !lost_ && (killing_ || !pipes_open || now - exited_at_ >= kPipeGrace)) {
      ::kill(-pid_, SIGKILL);
      group_killed_ = true;
      pipes_until_ = now + kPipeGrace;  // a member that left the group may hold them forever
    }
    return !pipes_open || (group_killed_ && now >= pipes_until_) ||
           (lost_ && now - exited_at_ >= kPipeGrace);
  }

  void reap() {
    if (!lost_) {
      while (::waitpid(pid_, &end_.wait_status, 0) < 0 && errno == EINTR) {
      }
    } else if (end_.why == ChildEnd::Why::kExited) {
      end_.why = ChildEnd::Why::kLost;
    }
  }

  void trim_stderr() {
    std::string& t = end_.stderr_tail;
    if (t.size() > kStderrTail) {
      t.erase(0, t.size() - kStderrTail);
      if (const size_t nl = t.find('\n'); nl != std::string::npos && nl + 1 < t.size())
        t.erase(0, nl + 1);  // start at a whole line
    }
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  }

  const pid_t pid_;
  int fds_[2];  // stdout, stderr; -1 once at EOF
  const Clock::time_point start_ = Clock::now();
  Clock::time_point deadline_ = Clock::time_point::max();
  ChildEnd end_;
  bool exited_ = false, lost_ = false, killing_ = false, sigkilled_ = false, group_killed_ = false;
  Clock::time_point exited_at_, term_at_, pipes_until_ = Clock::time_point::max();
};

}  // namespace

std::string signal_name(int sig) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
  if (const char* n = sigabbrev_np(sig)) return "SIG" + std::string(n);
#endif
  return "signal " + std::to_string(sig);
}

bool is_stop_signal(int sig) {
  for (int s : kStopSignals)
    if (s == sig) return true;
  return false;
}

Result<ChildEnd> run_shell(const ShellCommand& cmd, const OnOutput& on_stdout,
                           const std::function<bool()>& stop) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return make_error("", std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(out_pipe[0]), ::close(out_pipe[1]);
    return make_error("", std::string("pipe: ") + std::strerror(e));
  }
  const pid_t pid = spawn_shell(cmd.line, cmd.env, out_pipe[1], err_pipe[1]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (pid < 0) {
    ::close(out_pipe[0]), ::close(err_pipe[0]);
    return make_error("", std::string("cannot start /bin/sh: ") + std::strerror(-pid));
  }
  ::fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  Child child(pid, out_pipe[0], err_pipe[0], cmd.timeout);
  return child.run(on_stdout, stop);
}

}  // namespace hs
