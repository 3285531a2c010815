#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>
#include <thread>

#include "core/job_control.h"

namespace hs {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kStderrTail = 4096;                         // bytes of stderr kept
constexpr auto kPollEvery = std::chrono::milliseconds(100);  // stop flag and timeout checks
constexpr auto kTermGrace = std::chrono::seconds(2);         // SIGTERM -> SIGKILL
constexpr auto kPipeGrace = std::chrono::seconds(1);         // shell gone, pipes still open
constexpr auto kStrayPoll = std::chrono::milliseconds(50);    // strays' SIGTERM -> gone?
constexpr const char* kTagName = "HYPERSWEEP_PROCESS_TAG";

// "HYPERSWEEP_PROCESS_TAG=PID.N.T": an entry no other command on this host has (this process's
// pid, a count, the clock), for one command's environment.
std::string new_tag_entry() {
  static std::atomic<uint64_t> count{0};
  return std::string(kTagName) + "=" + std::to_string(::getpid()) + "." +
         std::to_string(++count) + "." + std::to_string(Clock::now().time_since_epoch().count());
}

// `env` with `entry` in place of any tag it inherited (a hypersweep run by a command).
std::vector<std::string> with_tag(const std::vector<std::string>& env, const std::string& entry) {
  const std::string prefix = std::string(kTagName) + "=";
  std::vector<std::string> out;
  for (const std::string& e : env)
    if (e.compare(0, prefix.size(), prefix) != 0) out.push_back(e);
  out.push_back(entry);
  return out;
}

// Whether the environment block `env` (entries ended by NUL) holds the entry `entry` whole.
bool holds_entry(std::string_view env, std::string_view entry) {
  for (size_t at = 0; at < env.size();) {
    size_t end = env.find('\0', at);
    if (end == std::string_view::npos) end = env.size();
    if (env.substr(at, end - at) == entry) return true;
    at = end + 1;
  }
  return false;
}

// Process `pid`'s process group, or -1 when it cannot be read.
pid_t group_of(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char text[1024];
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0) return -1;
  text[n] = '\0';
  const char* after = std::strrchr(text, ')');  // the command's name before it may hold anything
  char state = 0;
  int ppid = 0, pgrp = -1;
  if (after == nullptr || std::sscanf(after + 1, " %c %d %d", &state, &ppid, &pgrp) != 3) return -1;
  return static_cast<pid_t>(pgrp);
}

// The processes whose environment holds `entry`, of those whose environment this process may
// read (its user's; as root, all), except the members of process group `group` (killed already,
// and perhaps not yet dead). A zombie's environment reads empty: it is not counted.
std::set<pid_t> tagged_processes(const std::string& entry, pid_t group) {
  std::set<pid_t> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return found;
  std::string env;
  char chunk[16384];
  while (const dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    const int fd = ::open(("/proc/" + std::string(e->d_name) + "/environ").c_str(),
                          O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    env.clear();
    for (ssize_t n; (n = ::read(fd, chunk, sizeof chunk)) > 0;)
      env.append(chunk, static_cast<size_t>(n));
    ::close(fd);
    if (holds_entry(env, entry) && group_of(static_cast<pid_t>(pid)) != group)
      found.insert(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return found;
}

// Ends the processes a command started that left its process group `group` (setsid, a new
// session) and so outlived the group's end, found by the command's tag `entry`: SIGTERM, and
// SIGKILL to those still there kTermGrace later. Returns how many there were.
int end_strays(const std::string& entry, pid_t group) {
  std::set<pid_t> seen;
  // Signals the tagged processes not signalled yet (all of them: `again`); false if none is left.
  const auto signal_tagged = [&](int sig, bool again) {
    const std::set<pid_t> now = tagged_processes(entry, group);
    for (pid_t p : now)
      if (seen.insert(p).second || again) ::kill(p, sig);
    return !now.empty();
  };
  if (!signal_tagged(SIGTERM, false)) return 0;
  for (const auto until = Clock::now() + kTermGrace; Clock::now() < until;) {
    std::this_thread::sleep_for(kStrayPoll);
    if (!signal_tagged(SIGTERM, false)) return static_cast<int>(seen.size());
  }
  // One that forks as it dies may leave a new one; one in uninterruptible sleep stays a while.
  for (int round = 0; round < 10 && signal_tagged(SIGKILL, true); ++round)
    std::this_thread::sleep_for(kStrayPoll);
  return static_cast<int>(seen.size());
}

// Starts `/bin/sh -c line args...` as the leader of a new process group, its stdin from `in_r`,
// its stdout and stderr into `out_w` and `err_w` (each -1: /dev/null). Returns the pid, or the
// errno of the failure as a negative number.
pid_t spawn_shell(const std::string& line, const std::vector<std::string>& args,
                  const std::vector<std::string>& env, int in_r, int out_w, int err_w) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  const int from[3] = {in_r, out_w, err_w};
  for (int fd = 0; fd < 3; ++fd) {
    if (from[fd] < 0) {
      posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
    } else {
      posix_spawn_file_actions_adddup2(&fa, from[fd], fd);
    }
  }
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
  std::vector<std::string> words = {"/bin/sh", "-c", line};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_copy = env;
  std::vector<char*> envp;
  for (std::string& e : env_copy) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  if (rc == 0) note_group(pid);  // stopped and continued with us (job_control.h)
  return rc == 0 ? pid : -rc;
}

// Kills the group of `pid` (its leader, a child of ours) and reaps the leader.
void kill_and_reap(pid_t pid) {
  ::kill(-pid, SIGKILL);
  reap_group(pid, nullptr);
}

// The guardian's script ($1: the command's group, $2: its tag's entry). Only EOF ends its loop:
// nothing is ever written to its stdin, whose write end this process alone holds, so EOF means
// this process is gone without having released it. Then it ends the group and the strays (the
// processes with the tag, tagged_processes as grep) as a stop does: SIGTERM, SIGKILL 2 s later
// unless all are gone before. It ignores the stop signals (from its first line on),
// which a batch system may send to every process of the job: this process handles a stop, and
// the guardian must outlive it to do its work.
constexpr const char* kGuardianScript =
    "trap '' HUP INT TERM USR1 PIPE\n"
    "while read -r line; do :; done\n"
    "left() { kill -0 -$1 2>/dev/null || grep -qzxF -e \"$2\" /proc/[0-9]*/environ 2>/dev/null; }\n"
    "end() {\n"
    "  kill -$1 -$2 2>/dev/null\n"
    "  for f in $(grep -lzxF -e \"$3\" /proc/[0-9]*/environ 2>/dev/null); do\n"
    "    f=${f%/environ}; kill -$1 ${f#/proc/} 2>/dev/null\n"
    "  done\n"
    "}\n"
    "left $1 \"$2\" || exit 0\n"
    "end TERM $1 \"$2\"\n"
    "i=0\n"
    "while [ $i -lt 20 ] && left $1 \"$2\"; do sleep 0.1; i=$((i + 1)); done\n"
    "end KILL $1 \"$2\"\n";

}  // namespace

// A command's group outlives a kill -9 of this process (its shell is reparented to init and goes
// on; a sweep continued would run the same trial again beside it), so each command has a
// guardian: `/bin/sh -c kGuardianScript`, spawned right after it as it is (posix_spawn, not
// fork(): this may be an MPI rank; no descriptor of ours but its stdin), in a group of its own
// (not the command's, which it kills, nor ours, which a terminal or launcher signals). Its stdin
// is a pipe whose write end is O_CLOEXEC, so no other child of ours holds it open. A kill -9
// in the moment between the two spawns leaves that command unguarded.
// PR_SET_PDEATHSIG cannot be had through posix_spawn (and fires when the spawning thread ends).
class Guardian {
 public:
  Guardian() = default;
  ~Guardian() { release(); }
  Guardian(const Guardian&) = delete;
  Guardian& operator=(const Guardian&) = delete;

  // Starts the guardian of process group `pgid`, whose processes carry the tag `entry`. Returns
  // 0, or the errno of the failure.
  int start(pid_t pgid, const std::string& entry) {
    int lifeline[2];
    if (::pipe2(lifeline, O_CLOEXEC) != 0) return errno;
    const pid_t pid = spawn_shell(kGuardianScript,
                                  {"hypersweep-guardian", std::to_string(pgid), entry},
                                  {"PATH=/usr/bin:/bin"}, lifeline[0], -1, -1);
    ::close(lifeline[0]);
    if (pid < 0) {
      ::close(lifeline[1]);
      return -pid;
    }
    pid_ = pid, lifeline_ = lifeline[1];
    return 0;
  }

  // Ends the guardian without its touching the group, and reaps it; for when the command's group
  // has been killed and before its leader is reaped (the group id cannot be reused while the
  // guardian may still signal it). SIGKILL, not a word on the pipe: the guardian is our child,
  // not yet reaped, so the pid is surely its; nothing it does (or fails to do: a guardian stopped
  // or slow) can delay us; and it dies before its stdin closes, so it never sees EOF. Idempotent.
  void release() {
    if (pid_ < 0) return;
    ::kill(pid_, SIGKILL);
    reap_group(pid_, nullptr);
    ::close(lifeline_);
    pid_ = -1, lifeline_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int lifeline_ = -1;  // the write end of its stdin
};

namespace {

// Waits up to `wait_ms` for output on fds[0] (stdout) and fds[1] (stderr), -1 once at EOF, and
// hands what came to the callbacks (either may be empty); an fd at EOF is closed and set to -1.
// Returns false when on_stdout asked to stop. stderr first: what came there with a stdout line
// was most often written before it (a worker's start-up log before `@hypersweep ready`).
bool read_ready(int fds[2], int wait_ms, const OnOutput& on_stdout,
                const std::function<void(std::string_view)>& on_stderr) {
  pollfd p[2];
  nfds_t n = 0;
  for (int k = 1; k >= 0; --k)
    if (fds[k] >= 0) p[n++] = pollfd{fds[k], POLLIN, 0};
  bool go_on = true;
  if (::poll(n > 0 ? p : nullptr, n, n > 0 ? wait_ms : 20) <= 0) return go_on;
  char buf[65536];
  for (nfds_t k = 0; k < n; ++k) {
    if (p[k].revents == 0) continue;
    const ssize_t got = ::read(p[k].fd, buf, sizeof buf);
    if (got > 0) {
      const std::string_view bytes(buf, static_cast<size_t>(got));
      if (p[k].fd == fds[0]) {
        if (on_stdout && !on_stdout(bytes)) go_on = false;
      } else if (on_stderr) {
        on_stderr(bytes);
      }
    } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
      for (int j = 0; j < 2; ++j)
        if (fds[j] == p[k].fd) ::close(fds[j]), fds[j] = -1;
    }
  }
  return go_on;
}

// Keeps the last kStderrTail bytes (amortised: trimmed at twice that).
void keep_tail(std::string* tail, std::string_view bytes) {
  *tail += bytes;
  if (tail->size() > 2 * kStderrTail) tail->erase(0, tail->size() - kStderrTail);
}

// One running child: its pid, the read ends of its stdout and stderr, and where its ending is.
class Child {
 public:
  Child(pid_t pid, int out, int err, double timeout, std::string tag)
      : pid_(pid), fds_{out, err}, tag_(std::move(tag)) {
    constexpr double kNever = 1e9;  // seconds; beyond it the clock arithmetic would overflow
    if (timeout > 0 && timeout < kNever)
      deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(timeout));
  }
  ~Child() {
    if (!reaped_) {  // run() never ran, or a callback threw
      ::kill(-pid_, SIGKILL);
      guardian_.release();
      reap();
      end_strays(tag_, pid_);
    }
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Starts the shell's guardian; the errno of the failure, or 0.
  int guard() { return guardian_.start(pid_, tag_); }

  ChildEnd run(const OnOutput& on_stdout, const OnOutput& on_stderr,
              const std::function<bool()>& stop) {
    for (;;) {
      const bool wants_stop = !read_ready(fds_, static_cast<int>(kPollEvery.count()), on_stdout,
                                          [&](std::string_view b) {
                                            keep_tail(&end_.stderr_tail, b);
                                            if (on_stderr) on_stderr(b);
                                          });
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
    guardian_.release();
    reap();
    end_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    end_.strays = end_strays(tag_, pid_);
    trim_stderr();
    return end_;
  }

 private:
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
  // moment to close the pipes first, or, when stopping it, the rest of SIGTERM's grace (sh -c
  // does not exec its command: the shell died of the SIGTERM at once, its program's finally
  // blocks still running). True once there is nothing more to wait for.
  bool finished_after_exit(Clock::time_point now) {
    const bool pipes_open = fds_[0] >= 0 || fds_[1] >= 0;
    const bool waited = killing_ ? now - term_at_ >= kTermGrace : now - exited_at_ >= kPipeGrace;
    if (!group_killed_ && !lost_ && (!pipes_open || waited)) {
      ::kill(-pid_, SIGKILL);
      group_killed_ = true;
      pipes_until_ = now + kPipeGrace;  // a member that left the group may hold them forever
    }
    return !pipes_open || (group_killed_ && now >= pipes_until_) ||
           (lost_ && now - exited_at_ >= kPipeGrace);
  }

  void reap() {
    reaped_ = true;
    forget_group(pid_);  // lost: reaped elsewhere, its id no longer ours
    if (!lost_) {
      reap_group(pid_, &end_.wait_status);
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
  const std::string tag_;  // its processes' HYPERSWEEP_PROCESS_TAG entry
  const Clock::time_point start_ = Clock::now();
  Clock::time_point deadline_ = Clock::time_point::max();
  ChildEnd end_;
  bool exited_ = false, lost_ = false, killing_ = false, sigkilled_ = false, group_killed_ = false;
  bool reaped_ = false;
  Clock::time_point exited_at_, term_at_, pipes_until_ = Clock::time_point::max();
  Guardian guardian_;
};

}  // namespace

// ---- Coprocess -------------------------------------------------------------------------------

Result<std::unique_ptr<Coprocess>> Coprocess::start(const std::string& line,
                                                    const std::vector<std::string>& env) {
  int in_pair[2], out_pipe[2], err_pipe[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) != 0)
    return make_error("", std::string("socketpair: ") + std::strerror(errno));
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(in_pair[0]), ::close(in_pair[1]);
    return make_error("", std::string("pipe: ") + std::strerror(e));
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(in_pair[0]), ::close(in_pair[1]), ::close(out_pipe[0]), ::close(out_pipe[1]);
    return make_error("", std::string("pipe: ") + std::strerror(e));
  }
  std::string tag = new_tag_entry();
  const pid_t pid = spawn_shell(line, {}, with_tag(env, tag), in_pair[1], out_pipe[1], err_pipe[1]);
  ::close(in_pair[1]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (pid < 0) {
    ::close(in_pair[0]), ::close(out_pipe[0]), ::close(err_pipe[0]);
    return make_error("", std::string("cannot start /bin/sh: ") + std::strerror(-pid));
  }
  auto guardian = std::make_unique<Guardian>();
  if (const int e = guardian->start(pid, tag); e != 0) {
    kill_and_reap(pid);
    ::close(in_pair[0]), ::close(out_pipe[0]), ::close(err_pipe[0]);
    return make_error("", std::string("cannot start the program's guardian (/bin/sh): ") +
                              std::strerror(e));
  }
  ::fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  return std::unique_ptr<Coprocess>(new Coprocess(pid, in_pair[0], out_pipe[0], err_pipe[0],
                                                   std::move(guardian), std::move(tag)));
}

Coprocess::Coprocess(pid_t pid, int in, int out, int err, std::unique_ptr<Guardian> guardian,
                     std::string tag)
    : pid_(pid), in_(in), fds_{out, err}, guardian_(std::move(guardian)), tag_(std::move(tag)) {}

Coprocess::~Coprocess() {
  end(0);
  for (int fd : fds_)
    if (fd >= 0) ::close(fd);
}

bool Coprocess::send(std::string_view bytes) {
  if (in_ < 0) return false;
  outbox_.append(bytes);
  return flush();
}

// Writes the queued bytes until the socket's buffer is full (the rest waits for the next pump).
// False once the program no longer reads (its end of the socket is closed); the queue is dropped.
bool Coprocess::flush() {
  while (in_ >= 0 && outbox_at_ < outbox_.size()) {
    const ssize_t n = ::send(in_, outbox_.data() + outbox_at_, outbox_.size() - outbox_at_,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) {
      outbox_.clear(), outbox_at_ = 0;
      return false;
    }
    outbox_at_ += static_cast<size_t>(n);
  }
  if (outbox_at_ == outbox_.size()) outbox_.clear(), outbox_at_ = 0;
  return in_ >= 0;
}

void Coprocess::check_exited() {
  if (exited_) return;
  siginfo_t info{};  // WNOWAIT: the leader stays a zombie, so its group id is not reused
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
    if (info.si_pid == pid_) exited_ = true, exited_at_ = Clock::now();
  } else if (errno == ECHILD) {  // reaped elsewhere: nothing to wait for
    exited_ = reaped_ = true, exited_at_ = Clock::now();
    wait_status_ = 0;
    guardian_->release();  // its group id may be anyone's now
    strays_ = end_strays(tag_, pid_);
  }
}

// After the shell exited: its output drained (up to kPipeGrace while a member of its group
// holds the pipes; once end() sent SIGTERM, the rest of kTermGrace, as Child's), then what is
// left of its group killed and the shell reaped. True when done.
bool Coprocess::finish_after_exit() {
  const auto now = Clock::now();
  const bool waited = termed_at_ ? now - *termed_at_ >= kTermGrace : now - exited_at_ >= kPipeGrace;
  if ((fds_[0] >= 0 || fds_[1] >= 0) && !waited) return false;  // its pipes still open
  if (!reaped_) {
    ::kill(-pid_, SIGKILL);
    guardian_->release();
    reap_group(pid_, &wait_status_);
    reaped_ = true;
    strays_ = end_strays(tag_, pid_);
  }
  return true;
}

bool Coprocess::pump(const OnOutput& on_stdout, const OnOutput& on_stderr) {
  if (reaped_) return false;
  flush();  // a program gone shows as its exit below
  read_ready(fds_, static_cast<int>(kPollEvery.count()), on_stdout,
             [&](std::string_view b) { if (on_stderr) on_stderr(b); });
  check_exited();
  return !(exited_ && finish_after_exit());
}

void Coprocess::end(double grace_s, const OnOutput& on_stdout, const OnOutput& on_stderr) {
  if (in_ >= 0) ::close(in_), in_ = -1;  // EOF on its stdin
  if (reaped_) return;
  const auto grace = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(grace_s));
  const auto term_at = Clock::now() + grace;
  bool termed = false, killed = false;
  while (pump(on_stdout, on_stderr)) {
    const auto now = Clock::now();
    if (exited_) continue;  // draining; finish_after_exit kills the rest of the group
    if (!termed && now >= term_at) {
      ::kill(-pid_, SIGTERM);
      termed = true;
      termed_at_ = now;
    } else if (termed && !killed && now >= term_at + kTermGrace) {
      ::kill(-pid_, SIGKILL);
      killed = true;
    }
  }
}

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
                           const std::function<bool()>& stop, const OnOutput& on_stderr) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return make_error("", std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(out_pipe[0]), ::close(out_pipe[1]);
    return make_error("", std::string("pipe: ") + std::strerror(e));
  }
  std::string tag = new_tag_entry();
  const pid_t pid = spawn_shell(cmd.line, {}, with_tag(cmd.env, tag), -1, out_pipe[1], err_pipe[1]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (pid < 0) {
    ::close(out_pipe[0]), ::close(err_pipe[0]);
    return make_error("", std::string("cannot start /bin/sh: ") + std::strerror(-pid));
  }
  ::fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);
  Child child(pid, out_pipe[0], err_pipe[0], cmd.timeout, std::move(tag));
  if (const int e = child.guard(); e != 0)  // the child's destructor kills the command
    return make_error("", std::string("cannot start the command's guardian (/bin/sh): ") +
                              std::strerror(e));
  return child.run(on_stdout, on_stderr, stop);
}

bool end_with_parent(pid_t parent, int sig) {
  ::prctl(PR_SET_PDEATHSIG, sig);
  return ::getppid() == parent;
}

}  // namespace hs
