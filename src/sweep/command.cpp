#include "sweep/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/rng.h"
#include "core/text.h"

extern char** environ;

namespace hs {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kStderrTail = 4096;       // bytes of stderr kept for the error message
constexpr size_t kMaxLine = 1 << 20;       // longer stdout lines are cut (and so parse as neither)
constexpr auto kPollEvery = std::chrono::milliseconds(100);  // stop flag and timeout checks
constexpr auto kTermGrace = std::chrono::seconds(2);         // SIGTERM -> SIGKILL
constexpr auto kPipeGrace = std::chrono::seconds(1);         // shell gone, pipes still open

// ---- values into the command line ------------------------------------------------------------

std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("._+-/=", c) != nullptr;
  });
  if (plain) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string command_value(const ParamValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const std::string* s = std::get_if<std::string>(&v)) return shell_word(*s);
  return std::holds_alternative<int64_t>(v) ? shortest(std::get<int64_t>(v))
                                             : shortest(std::get<double>(v));
}

// ---- output lines ----------------------------------------------------------------------------

bool parse_number(std::string_view s, double* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// A strict reader of one flat JSON object.
class FlatJson {
 public:
  explicit FlatJson(std::string_view s) : s_(s) {}

  std::optional<OutputFields> object() {
    OutputFields fields;
    space();
    if (!eat('{')) return std::nullopt;
    space();
    if (!eat('}')) {
      while (true) {
        std::string key;
        OutputValue value;
        space();
        if (!string(&key)) return std::nullopt;
        space();
        if (!eat(':')) return std::nullopt;
        space();
        if (!this->value(&value)) return std::nullopt;
        fields[key] = std::move(value);
        space();
        if (eat('}')) break;
        if (!eat(',')) return std::nullopt;
      }
    }
    space();
    if (i_ != s_.size()) return std::nullopt;
    return fields;
  }

 private:
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n'))
      ++i_;
  }
  static void utf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(uint32_t* cp) {
    if (i_ + 4 > s_.size()) return false;
    const auto r = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, *cp, 16);
    if (r.ptr != s_.data() + i_ + 4) return false;
    i_ += 4;
    return true;
  }
  bool string(std::string* out) {
    if (!eat('"')) return false;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
      if (const size_t k = kFrom.find(e); k != std::string_view::npos) {
        *out += kTo[k];
      } else if (e == 'u') {
        uint32_t cp = 0;
        if (!hex4(&cp)) return false;
        if (cp >= 0xD800 && cp < 0xDC00) {  // a surrogate pair
          uint32_t lo = 0;
          if (!word("\\u") || !hex4(&lo) || lo < 0xDC00 || lo >= 0xE000) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return false;
        }
        utf8(cp, out);
      } else {
        return false;
      }
    }
    return false;  // unterminated
  }
  bool number(double* out) {
    const size_t start = i_;
    auto digits = [&] {
      const size_t from = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      return i_ > from;
    };
    eat('-');
    if (eat('0')) {
    } else if (!digits()) {
      return false;
    }
    if (eat('.') && !digits()) return false;
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (!eat('+')) eat('-');
      if (!digits()) return false;
    }
    return parse_number(s_.substr(start, i_ - start), out);
  }
  bool value(OutputValue* v) {
    if (i_ < s_.size() && s_[i_] == '"') return string(&v->text);
    for (std::string_view w : {"true", "false", "null"}) {
      if (word(w)) return v->text = w, true;
    }
    // Python's json.dumps writes these for non-finite floats.
    v->is_number = true;
    if (word("NaN")) return v->number = NAN, true;
    if (word("Infinity")) return v->number = INFINITY, true;
    if (word("-Infinity")) return v->number = -INFINITY, true;
    return number(&v->number);
  }

  std::string_view s_;
  size_t i_ = 0;
};

bool is_kv_key(std::string_view k) {
  if (k.empty() || !(std::isalpha(static_cast<unsigned char>(k[0])) || k[0] == '_')) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./-", c) != nullptr;
  });
}

std::optional<OutputFields> parse_kv_line(std::string_view line) {
  OutputFields fields;
  size_t i = 0;
  const auto sep = [](char c) { return c == ' ' || c == '\t' || c == ','; };
  while (true) {
    while (i < line.size() && sep(line[i])) ++i;
    if (i == line.size()) break;
    size_t end = i;
    while (end < line.size() && !sep(line[end])) ++end;
    const std::string_view token = line.substr(i, end - i);
    const size_t eq = token.find('=');
    if (eq == std::string_view::npos || eq + 1 == token.size() || !is_kv_key(token.substr(0, eq)))
      return std::nullopt;
    OutputValue v;
    v.text = std::string(token.substr(eq + 1));
    v.is_number = parse_number(v.text, &v.number);
    if (v.is_number) v.text.clear();
    fields[std::string(token.substr(0, eq))] = std::move(v);
    i = end;
  }
  if (fields.empty()) return std::nullopt;
  return fields;
}

double number_of(const OutputFields& f, std::string_view key) {
  const auto it = f.find(key);
  return it != f.end() && it->second.is_number ? it->second.number : NAN;
}

// The value the sweep optimises in a line's fields: [sweep] metric, else `metric`.
const OutputValue* metric_of(const SweepConfig& sweep, const OutputFields& f) {
  for (const std::string& key : {sweep.metric, std::string("metric")}) {
    if (const auto it = f.find(key); it != f.end()) return &it->second;
  }
  return nullptr;
}

std::string clip(std::string_view s, size_t n = 200) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

// stdout, line by line: the curve rows so far and the last non-empty line.
class StdoutLines {
 public:
  StdoutLines(const SweepConfig& sweep, Clock::time_point start) : sweep_(sweep), start_(start) {}

  void add(std::string_view bytes) {
    for (char c : bytes) {
      if (c == '\n') {
        line_done();
      } else if (partial_.size() < kMaxLine) {
        partial_ += c;
      }
    }
  }
  // At EOF: an unterminated last line counts, and the last line may itself be a curve row.
  void finish() {
    line_done();
    if (!last_.empty()) row(last_);
  }

  const std::string& last() const { return last_; }
  std::vector<EpochRow> curve;
  std::vector<double> row_metric;  // per curve row: the sweep's metric, NaN when the row lacks it

 private:
  void line_done() {
    std::string line = std::move(partial_);
    partial_.clear();
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    if (!last_.empty()) row(last_);  // the previous line was not the last one after all
    last_ = std::move(line);
    last_time_ = Clock::now();
  }
  void row(const std::string& line) {
    const std::optional<OutputFields> f = parse_output_line(line);
    if (!f) return;
    const double epoch = number_of(*f, "epoch");
    if (!std::isfinite(epoch)) return;
    EpochRow e;
    e.epoch = static_cast<int>(std::lround(epoch));
    e.lr = number_of(*f, "lr");
    e.train_loss = number_of(*f, "train_loss");
    e.train_acc = number_of(*f, "train_acc");
    e.val_loss = number_of(*f, "val_loss");
    e.val_acc = number_of(*f, "val_acc");
    e.seconds = std::chrono::duration<double>(last_time_ - start_).count();
    const OutputValue* m = metric_of(sweep_, *f);
    row_metric.push_back(m && m->is_number ? m->number : NAN);
    curve.push_back(std::move(e));
  }

  const SweepConfig& sweep_;
  std::string partial_, last_;
  Clock::time_point start_, last_time_;
};

// ---- the child process -----------------------------------------------------------------------

struct ChildEnd {
  enum class Why { kExited, kTimedOut, kStopped, kLost } why = Why::kExited;
  int wait_status = 0;  // kExited: as waitpid gives it
  std::string stderr_tail;
  double seconds = 0;
};

std::string signal_name(int sig) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
  if (const char* n = sigabbrev_np(sig)) return "SIG" + std::string(n);
#endif
  return "signal " + std::to_string(sig);
}

// The environment of the child: ours, with the trial's id and seed set.
std::vector<std::string> child_environment(const SweepConfig& sweep, const Trial& t) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view v(*e);
    if (!v.starts_with("HYPERSWEEP_TRIAL_ID=") && !v.starts_with("HYPERSWEEP_SEED="))
      env.emplace_back(v);
  }
  const uint64_t seed =
      derive_seed(sweep.strategy.seed, static_cast<uint64_t>(t.id), SeedPurpose::kTrial) >> 1;
  env.push_back("HYPERSWEEP_TRIAL_ID=" + std::to_string(t.id));
  env.push_back("HYPERSWEEP_SEED=" + std::to_string(seed));
  return env;
}

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

// Runs the command to its end (or kills it), feeding stdout to `out`.
Result<ChildEnd> run_child(const std::string& line, const std::vector<std::string>& env,
                           double timeout, const StopCheck& stop, StdoutLines* out,
                           Clock::time_point start) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return make_error("", std::string("pipe: ") + std::strerror(errno));
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int e = errno;
    close(out_pipe[0]), close(out_pipe[1]);
    return make_error("", std::string("pipe: ") + std::strerror(e));
  }
  const pid_t pid = spawn_shell(line, env, out_pipe[1], err_pipe[1]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(out_pipe[0]), close(err_pipe[0]);
    return make_error("", std::string("cannot start /bin/sh: ") + std::strerror(-pid));
  }
  fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);

  ChildEnd end;
  int fds[2] = {out_pipe[0], err_pipe[0]};  // -1 once at EOF
  constexpr double kNever = 1e9;  // seconds; beyond it the clock arithmetic would overflow
  const auto deadline = timeout > 0 && timeout < kNever
                            ? start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(timeout))
                            : Clock::time_point::max();
  bool exited = false, lost = false, killing = false, sigkilled = false, group_killed = false;
  Clock::time_point exited_at, term_at, pipes_until = Clock::time_point::max();
  char buf[65536];
  while (true) {
    pollfd p[2];
    nfds_t n = 0;
    for (int fd : fds)
      if (fd >= 0) p[n++] = pollfd{fd, POLLIN, 0};
    const int wait_ms = n > 0 ? static_cast<int>(kPollEvery.count()) : 20;
    if (poll(n > 0 ? p : nullptr, n, wait_ms) > 0) {
      for (nfds_t k = 0; k < n; ++k) {
        if (p[k].revents == 0) continue;
        const ssize_t got = read(p[k].fd, buf, sizeof buf);
        if (got > 0) {
          const std::string_view bytes(buf, static_cast<size_t>(got));
          if (p[k].fd == fds[0]) {
            out->add(bytes);
          } else {
            end.stderr_tail += bytes;
            if (end.stderr_tail.size() > 2 * kStderrTail)
              end.stderr_tail.erase(0, end.stderr_tail.size() - kStderrTail);
          }
        } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
          for (int& fd : fds)
            if (fd == p[k].fd) close(fd), fd = -1;
        }
      }
    }
    const auto now = Clock::now();
    if (!exited) {
      // WNOWAIT: the leader stays a zombie, so its pid (the group id) cannot be reused while we
      // may still signal the group.
      siginfo_t info{};
      if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
        if (info.si_pid == pid) exited = true, exited_at = now;
      } else if (errno == ECHILD) {  // reaped elsewhere (SIGCHLD ignored?): the status is gone
        exited = lost = true, exited_at = now;
      }
    }
    const bool pipes_open = fds[0] >= 0 || fds[1] >= 0;
    if (exited) {
      // What is left of the group (background jobs) goes with the shell; give it a moment to
      // close the pipes first, unless the trial is being killed anyway.
      if (!group_killed && !lost && (killing || !pipes_open || now - exited_at >= kPipeGrace)) {
        kill(-pid, SIGKILL);
        group_killed = true;
        pipes_until = now + kPipeGrace;  // a member that left the group may hold them forever
      }
      if (!pipes_open || (group_killed && now >= pipes_until) || (lost && now - exited_at >= kPipeGrace))
        break;
      continue;
    }
    if (!killing && (now >= deadline || (stop && stop()))) {
      end.why = now >= deadline ? ChildEnd::Why::kTimedOut : ChildEnd::Why::kStopped;
      kill(-pid, SIGTERM);
      killing = true;
      term_at = now;
    } else if (killing && !sigkilled && now - term_at >= kTermGrace) {
      kill(-pid, SIGKILL);
      sigkilled = true;
    }
  }
  for (int fd : fds)
    if (fd >= 0) close(fd);
  if (!lost) {
    while (waitpid(pid, &end.wait_status, 0) < 0 && errno == EINTR) {
    }
  } else if (end.why == ChildEnd::Why::kExited) {
    end.why = ChildEnd::Why::kLost;
  }
  out->finish();
  end.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (end.stderr_tail.size() > kStderrTail) {
    end.stderr_tail.erase(0, end.stderr_tail.size() - kStderrTail);
    if (const size_t nl = end.stderr_tail.find('\n'); nl != std::string::npos && nl + 1 < end.stderr_tail.size())
      end.stderr_tail.erase(0, nl + 1);  // start at a whole line
  }
  while (!end.stderr_tail.empty() && std::isspace(static_cast<unsigned char>(end.stderr_tail.back())))
    end.stderr_tail.pop_back();
  return end;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

// Why a run that ended gives no metric, or "" when it gives one (stored in *value).
std::string read_metric(const SweepConfig& sweep, const StdoutLines& out, double* value,
                        OutputFields* fields) {
  const std::string how = "the last line of stdout should be " + sweep.metric +
                          "=<value>, metric=<value> or a JSON object such as {\"metric\": <value>}";
  if (out.last().empty()) return "the command printed nothing on stdout; " + how;
  std::optional<OutputFields> f = parse_output_line(out.last());
  if (!f) return "the last line of stdout is neither k=v pairs nor a flat JSON object (\"" +
                 clip(out.last()) + "\"); " + how;
  const OutputValue* m = metric_of(sweep, *f);
  const std::string names = sweep.metric == "metric" ? "no metric" : "neither " + sweep.metric + " nor metric";
  if (!m) return "the last line of stdout has " + names + " (\"" + clip(out.last()) + "\")";
  if (!m->is_number)
    return "the metric in the last line of stdout is not a number (\"" + clip(out.last()) + "\")";
  if (!std::isfinite(m->number))
    return "the metric is not finite (\"" + clip(out.last()) + "\")";
  *value = m->number;
  *fields = std::move(*f);
  return "";
}

}  // namespace

std::optional<OutputFields> parse_output_line(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  if (line[first] == '{') return FlatJson(line).object();
  return parse_kv_line(line);
}

Result<std::string> expand_command(const SweepConfig& sweep, const Trial& t) {
  Result<std::vector<CommandPart>> parts = split_command(sweep.objective);
  if (!parts) return parts.error();
  std::string line;
  for (const CommandPart& part : *parts) {
    if (!part.is_param) {
      line += part.text;
      continue;
    }
    size_t i = 0;
    while (i < sweep.space.params.size() && sweep.space.params[i].name != part.text) ++i;
    if (i == sweep.space.params.size() || i >= t.values.size())
      return Error{sweep.objective.file, sweep.objective.line, "command",
                   "{" + part.text + "} is not a parameter of [space]"};
    line += command_value(t.values[i]);
  }
  return line;
}

TrialRun run_command_trial(const SweepConfig& sweep, const Trial& t, const StopCheck& stop) {
  TrialRun run;
  run.trial = t;
  run.status = TrialStatus::kFailed;
  run.outcome = Outcome::none();
  Result<std::string> line = expand_command(sweep, t);
  if (!line) {
    run.error = line.error().str();
    return run;
  }
  if (stop && stop()) {
    run.status = TrialStatus::kInterrupted;
    run.error = "interrupted: the sweep was stopped before the command ran";
    return run;
  }
  const auto start = Clock::now();
  StdoutLines out(sweep, start);
  Result<ChildEnd> end = run_child(*line, child_environment(sweep, t), sweep.objective.timeout,
                                   stop, &out, start);
  if (!end) {
    run.error = end.error().str();
    return run;
  }

  std::string why;
  TrainResult res;
  TrialRecord& r = res.record;
  r.seconds = end->seconds;
  double value = NAN;
  OutputFields fields;
  const int ws = end->wait_status;
  switch (end->why) {
    case ChildEnd::Why::kTimedOut:
      r.status = TrialStatus::kTimedOut;
      why = "the command timed out after " + seconds_text(sweep.objective.timeout) +
            " ([objective] timeout) and was killed";
      break;
    case ChildEnd::Why::kStopped:
      r.status = TrialStatus::kInterrupted;
      why = "interrupted: the sweep was stopped while the command ran";
      run.status = TrialStatus::kInterrupted;
      break;
    case ChildEnd::Why::kLost:
      why = "the command's exit status was lost (is SIGCHLD ignored in this process?)";
      break;
    case ChildEnd::Why::kExited:
      if (WIFSIGNALED(ws)) {
        why = "the command was killed by " + signal_name(WTERMSIG(ws));
      } else if (WIFEXITED(ws) && WEXITSTATUS(ws) != 0) {
        why = "the command exited with status " + std::to_string(WEXITSTATUS(ws));
      } else {
        why = read_metric(sweep, out, &value, &fields);
      }
      break;
  }

  r.curves = std::move(out.curve);
  r.epochs = static_cast<int>(r.curves.size());
  r.update_ratio.assign(r.curves.size(), {});  // no layers: a row of nothing per epoch
  // The best epoch (1-based, in curve order) by the sweep's metric, when the rows carry it.
  double best = NAN;
  for (size_t i = 0; i < out.row_metric.size(); ++i) {
    if (improves(sweep.strategy.direction, out.row_metric[i], best)) {
      best = out.row_metric[i];
      r.best_epoch = static_cast<int>(i) + 1;
    }
  }
  if (r.best_epoch > 0) r.best_metric = best;
  if (why.empty()) {
    r.best_metric = value;
    r.test_acc = number_of(fields, "test_acc");
    res.test_loss = number_of(fields, "test_loss");
    res.reason = "the command exited with status 0";
    run.status = TrialStatus::kCompleted;
    run.outcome = Outcome::of(value);
  } else {
    res.reason = why;
    run.error = why;
    if (!end->stderr_tail.empty()) run.error += "\nstderr (the end):\n" + end->stderr_tail;
  }
  run.result = std::move(res);
  return run;
}

}  // namespace hs
