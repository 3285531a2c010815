#include "objective/forked_objective.h"

#include <fcntl.h>
#include <omp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <utility>

#include "config/config.h"
#include "core/bytes.h"
#include "core/subprocess.h"
#include "data/load.h"
#include "objective/trainer_objective.h"
#include "train/trainer.h"
#include "trial/codec.h"

namespace hs {

namespace {

// The rank, the host and a trial's process talk over one socket pair (send() with
// MSG_NOSIGNAL: a peer gone is an error to handle, never a SIGPIPE): frames of a kind byte, a u64
// length and a body; the rank's answers to a running trial are single bytes.
constexpr char kPrepare = 'P';   // rank -> host: the base options (TOML); the host loads the data
constexpr char kReady = 'K';     // host -> rank: prepared (empty body) or the error
constexpr char kTrial = 'T';     // rank -> host: a trial (record, options, metric, memory limit)
constexpr char kEpoch = 'E';     // trial -> rank: a finished epoch, the record so far
constexpr char kResult = 'R';    // trial -> rank: the trial's record; it exits next
constexpr char kDone = 'D';      // host -> rank: the trial's process ended (its wait status)
constexpr char kGoOn = 'C';      // rank, answering an epoch: go on
constexpr char kStopNow = 'S';   // rank, answering an epoch or at any time: stop the trial
constexpr uint64_t kMaxFrame = uint64_t{1} << 32;  // a longer one is a broken peer
constexpr int kPollMs = 100;     // how often the rank asks hooks.stop while a trial runs
constexpr int kHostFd = 3;       // the host's end of the socket

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

bool send_frame(int fd, char kind, const std::string& body) {
  const uint64_t n = body.size();
  char head[1 + sizeof n];
  head[0] = kind;
  std::memcpy(head + 1, &n, sizeof n);
  return send_all(fd, head, sizeof head) && send_all(fd, body.data(), body.size());
}

// The rest of a frame whose kind byte was read: its body; false when the peer is gone or the
// length is not a frame's.
bool recv_body(int fd, std::string* body) {
  uint64_t n = 0;
  if (!recv_all(fd, reinterpret_cast<char*>(&n), sizeof n) || n > kMaxFrame) return false;
  body->assign(n, '\0');
  return recv_all(fd, body->data(), n);
}

// An error as bytes and back (the host's prepare() errors, which the rank places in the config).
std::string encode_error(char where, const Error& e) {
  ByteWriter w;
  w.pod(where);
  w.str(e.file);
  w.pod(static_cast<int32_t>(e.line));
  w.str(e.key);
  w.str(e.message);
  return w.take();
}

bool decode_error(const std::string& bytes, char* where, Error* e) {
  ByteReader r(bytes);
  *where = r.pod<char>();
  e->file = r.str();
  e->line = r.pod<int32_t>();
  e->key = r.str();
  e->message = r.str();
  return r.done();
}

// `so_far` (a trial's epochs so far) failed for `why`, with the time since `t0` by this side's
// clock: a trial whose process died (out of memory, a crash) sent no end of its own, or whose
// child ran out of memory, was recorded as 0 s and (the child's) with no curve.
TrialRecord failed_as(TrialRecord so_far, const std::string& why,
                      std::chrono::steady_clock::time_point t0) {
  so_far.status = TrialStatus::kFailed;
  so_far.best_metric = std::numeric_limits<double>::quiet_NaN();
  so_far.error = why;
  so_far.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return so_far;
}

// The child: trains the trial with hooks that ask the parent's parent (the rank, through the
// same socket), sends the record, and leaves with _exit() (never exit(): the host's atexit
// handlers are the host's).
[[noreturn]] void child_main(const Trial& t, const TrainOptions& opt, const DataOptions& base_data,
                             const DataBundle& data, const std::string& metric, int fd,
                             pid_t parent, uint64_t memory_limit) {
  if (!end_with_parent(parent, SIGKILL)) ::_exit(1);  // the host died before it took hold
  // A crash ends the child by its signal, for the rank to name, not in a handler a runtime
  // installed.
  for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) ::signal(sig, SIG_DFL);
  if (memory_limit > 0) {
    const rlimit lim{memory_limit, memory_limit};
    ::setrlimit(RLIMIT_AS, &lim);
  }
  bool stop = false;
  auto take_stop = [&](bool wait_for_answer) {  // reads the rank's bytes; true: an answer came
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (!wait_for_answer && ::poll(&p, 1, 0) <= 0) return false;
      char c = 0;
      if (!recv_all(fd, &c, 1)) ::_exit(1);  // the rank is gone: nobody to report to
      if (c == kStopNow) stop = true;
      if (wait_for_answer) return true;
    }
  };
  TrialHooks hooks;
  const auto t0 = std::chrono::steady_clock::now();
  TrialRecord last = record_of(t, TrialStatus::kFailed);  // its epochs so far
  hooks.on_epoch = [&](const TrialRecord& so_far) {
    last = so_far;
    if (!send_frame(fd, kEpoch, encode_record(so_far))) ::_exit(1);
    take_stop(true);
    return stop ? EpochAnswer::kStop : EpochAnswer::kContinue;
  };
  hooks.stop = [&] {
    take_stop(false);
    return stop;
  };
  TrialRecord r;
  try {
    r = train_trial(t, opt, base_data, data, metric, hooks);
  } catch (const std::bad_alloc&) {
    r = failed_as(std::move(last),
                  memory_limit > 0 ? "out of memory: the trial needed more than memory_limit (" +
                                         std::to_string(memory_limit >> 20) + " MiB)"
                                   : "out of memory",
                  t0);
    r.id = t.id;  // its epochs' records, made during training, name neither
    r.params = t.values;
  }
  const bool sent = send_frame(fd, kResult, encode_record(r));
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

// The host's answer to 'P': the base options parsed, the data set loaded, the base network built
// once.
std::string host_prepare(const std::string& toml, std::optional<TrainOptions>* base,
                         std::shared_ptr<const DataBundle>* data) {
  TrainConfig c;
  if (Status st = c.load_text(toml, "<the trial host's options>"); !st)
    return encode_error('o', st.error());
  auto opt = c.finish();
  if (!opt) return encode_error('o', opt.error());
  auto d = load_data(opt->data, test_keep(*opt));
  if (!d) return encode_error('d', d.error());
  *data = std::make_shared<const DataBundle>(std::move(*d));
  hold_in_huge_pages(**data);  // each trial's process reads it through 2 MiB pages (data/load.h)
  *base = std::move(*opt);
  if (auto net = network_for(**base, **data); !net) return encode_error('n', net.error());
  return {};
}

// The host: prepares on 'P', forks a process per 'T' and reports how it ended, until the rank
// closes the socket. Answers ('C', 'S') left over from a trial that has ended are skipped.
int serve_trial_host(int fd, pid_t rank) {
  if (!end_with_parent(rank, SIGKILL)) return 1;  // the rank died before it took hold
  // The rank stops its trials itself (it passes the stop on); a signal sent to every process of
  // a job step (SLURM) must not end a trial behind its back.
  for (int sig : {SIGINT, SIGTERM, SIGUSR1, SIGHUP, SIGPIPE}) ::signal(sig, SIG_IGN);
  std::optional<TrainOptions> base;
  std::shared_ptr<const DataBundle> data;
  for (;;) {
    char kind = 0;
    if (!recv_all(fd, &kind, 1)) return 0;  // the rank closed the socket: done
    if (kind == kGoOn || kind == kStopNow) continue;
    std::string body;
    if ((kind != kPrepare && kind != kTrial) || !recv_body(fd, &body)) return 1;
    if (kind == kPrepare) {
      if (!send_frame(fd, kReady, host_prepare(body, &base, &data))) return 1;
      continue;
    }
    ByteReader r(body);
    TrialRecord given;
    const bool read = decode_record(r.str(), &given);
    const std::string toml = r.str(), metric = r.str();
    const auto memory_limit = r.pod<uint64_t>();
    const auto local_worker = r.pod<int32_t>();
    TrainConfig c;
    if (!read || !r.done() || !base || !c.load_text(toml, "<the trial's options>")) return 1;
    auto opt = c.finish();
    if (!opt) return 1;  // the rank's own options: they passed finish() there
    opt->local_worker = local_worker;  // not a config key: it travels beside the text
    const Trial t{given.id, given.params};
    omp_pause_resource_all(omp_pause_hard);  // libgomp's threads do not survive fork()
    std::fflush(nullptr);                    // or the child would print our buffered output again
    const pid_t host = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) child_main(t, *opt, base->data, *data, metric, fd, host, memory_limit);
    int32_t ws = 0;
    if (pid < 0) {
      ws = -errno;  // the rank names the errno
    } else {
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      ws = status;
    }
    if (!send_frame(fd, kDone, std::string(reinterpret_cast<const char*>(&ws), sizeof ws)))
      return 1;
  }
}

}  // namespace

int run_trial_host_if_asked(int argc, char** argv) {
  if (argc < 3 || std::strcmp(argv[1], kTrialHostFlag) != 0) return -1;
  char* end = nullptr;
  const long rank = std::strtol(argv[2], &end, 10);
  struct stat st {};
  if (*end != '\0' || rank <= 0 || ::fstat(kHostFd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
    std::fprintf(stderr, "%s %s PID: for hypersweep's own use (objective/forked_objective.h)\n",
                 argv[0], kTrialHostFlag);
    return 2;
  }
  return serve_trial_host(kHostFd, static_cast<pid_t>(rank));
}

namespace {

// A host's socket closed and the host reaped (it reads the end and leaves); its wait status.
int end_trial_host(pid_t pid, int fd) {
  if (fd >= 0) ::close(fd);
  int ws = 0;
  if (pid > 0)
    while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
  return ws;
}

}  // namespace

ForkedObjective::ForkedObjective(SweepConfig sweep, int threads, uint64_t memory_limit,
                                 int local_worker)
    : sweep_(std::move(sweep)),
      threads_(threads),
      memory_limit_(memory_limit),
      local_worker_(local_worker) {}

ForkedObjective::~ForkedObjective() { end_host(); }

void ForkedObjective::end_host() {
  if (fd_ >= 0 || host_ > 0) host_end_ = end_trial_host(host_, fd_);
  fd_ = -1;
  host_ = -1;
}

Status ForkedObjective::prepare() {
  auto base = TrainerObjective::base_options(sweep_, threads_);
  if (!base) return base.error();
  base_ = std::move(*base);
  return start_host();
}

Status ForkedObjective::start_host() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return make_error("", std::string("cannot start the trial host: socketpair: ") +
                              std::strerror(errno));
  // Its end above kHostFd, so that the dup2 onto it always happens (and clears FD_CLOEXEC).
  const int theirs = ::fcntl(sv[1], F_DUPFD_CLOEXEC, kHostFd + 1);
  ::close(sv[1]);
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&fa, theirs, kHostFd);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
  posix_spawn_file_actions_addclosefrom_np(&fa, kHostFd + 1);  // MPI's sockets, the results file
#endif
  sigset_t none;
  sigemptyset(&none);  // a runtime (MPI) may block signals; the host starts with none blocked
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  std::string exe = "/proc/self/exe", flag = kTrialHostFlag, me = std::to_string(::getpid());
  std::string name = program_invocation_name;
  char* argv[] = {name.data(), flag.data(), me.data(), nullptr};
  pid_t pid = -1;
  const int rc = theirs < 0 ? errno : posix_spawn(&pid, exe.c_str(), &fa, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  if (theirs >= 0) ::close(theirs);
  if (rc != 0) {
    ::close(sv[0]);
    return make_error("", std::string("cannot start the trial host (") + exe + "): " +
                              std::strerror(rc));
  }
  host_ = pid;
  fd_ = sv[0];
  return send_base();
}

Status ForkedObjective::send_base() {
  char kind = 0;
  std::string reply;
  if (!send_frame(fd_, kPrepare, to_toml(*base_)) || !recv_all(fd_, &kind, 1) ||
      kind != kReady || !recv_body(fd_, &reply)) {
    end_host();
    return make_error("", "the trial host ended while loading the data set: " +
                              child_end_text(host_end_, 0));
  }
  if (reply.empty()) return {};
  char where = 0;
  Error e;
  if (!decode_error(reply, &where, &e)) {
    end_host();
    return make_error("", "the trial host sent an error it could not encode");
  }
  // The host is ready when only the base network failed on a key the space sets (no trial
  // trains the base's value of it; TrainerObjective::prepare's rule).
  if (where == 'n' && space_sets(sweep_, e.key)) return {};
  end_host();
  if (where == 'd') return sweep_.train.locate_data_error(e);
  if (where == 'n') return locate(sweep_, e);
  return e;
}

TrialRecord ForkedObjective::run(const Trial& t, const TrialHooks& hooks) {
  TrialRecord so_far = record_of(t, TrialStatus::kFailed);
  const auto t0 = std::chrono::steady_clock::now();
  auto failed = [&](const std::string& why) { return failed_as(std::move(so_far), why, t0); };
  auto opt = trial_train_options(sweep_, t);
  if (!opt) return failed(opt.error().str());
  if (fd_ < 0)  // the host died with an earlier trial
    if (Status st = start_host(); !st) return failed(st.error().str());
  ByteWriter w;
  w.str(encode_record(record_of(t, TrialStatus::kCompleted)));
  w.str(to_toml(*opt));
  w.str(sweep_.metric);
  w.pod(memory_limit_);
  w.pod(static_cast<int32_t>(local_worker_));
  bool stopped = false;  // the caller's stop was passed on
  auto answer = [&](char c) { (void)send_all(fd_, &c, 1); };  // a peer gone shows at its read
  bool have_result = false, ended = false, hurried = false;
  TrialRecord result;
  int32_t ws = 0;
  for (bool sent = send_frame(fd_, kTrial, w.take()); sent;) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, kPollMs);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) {
      if (!stopped && hooks.stop && hooks.stop()) {
        answer(kStopNow);
        stopped = true;
      }
      // Told again (a second Ctrl-C): the host goes, and its trial with it (PR_SET_PDEATHSIG);
      // the next trial would start another, but a stopping sweep starts none.
      if (stopped && hooks.stop_now && hooks.stop_now() && host_ > 0) {
        ::kill(host_, SIGKILL);
        hurried = true;
        break;
      }
      continue;
    }
    char kind = 0;
    std::string body;
    if (!recv_all(fd_, &kind, 1) || (kind != kEpoch && kind != kResult && kind != kDone) ||
        !recv_body(fd_, &body))
      break;
    if (kind == kDone) {
      ended = body.size() == sizeof ws;
      if (ended) std::memcpy(&ws, body.data(), sizeof ws);
      break;
    }
    TrialRecord r;
    if (!decode_record(body, &r)) break;
    if (kind == kResult) {
      result = std::move(r);
      have_result = true;
      continue;  // then the host's word that the process ended
    }
    so_far = std::move(r);
    bool stop = hooks.on_epoch && hooks.on_epoch(so_far) == EpochAnswer::kStop;
    stop = stop || (hooks.stop && hooks.stop());
    stopped = stopped || stop;
    answer(stop ? kStopNow : kGoOn);
  }
  if (!ended) {  // the host died (and its trial with it: PR_SET_PDEATHSIG), or broke the protocol
    end_host();
    ws = host_end_;
  }
  if (have_result) return result;
  so_far.id = t.id;
  so_far.params = t.values;
  TrialRecord lost = failed(hurried  ? "the sweep was stopped again, which ended the trial at once"
                            : ws < 0 ? std::string("cannot start the trial's process: fork: ") +
                                           std::strerror(-ws)
                                     : child_end_text(ws, memory_limit_));
  // Ended while the sweep stops (SLURM signals every process of a job step, the child too): the
  // trial did not fail, it was cut short, and runs again when the sweep continues.
  if (stopped || (hooks.stop && hooks.stop())) lost.status = TrialStatus::kInterrupted;
  return lost;
}

}  // namespace hs
