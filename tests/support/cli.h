// cli.h: what tests that run the real build/bin/hypersweep share: a scratch folder, running the
// binary (directly, under mpirun, or in the background) and reading what it printed.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace hs::test {

namespace fs = std::filesystem;

struct Run {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// The bound, in seconds, on a wait for an event that must come (a line in a log, a process
// ending, a file appearing): a hang guard that only a hang reaches, never a measure of speed.
constexpr double kHang = 600;

// Waits up to `seconds` for `path` to exist.
inline bool wait_for_file(const fs::path& path, double seconds = kHang) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!fs::exists(path)) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// A fresh folder under the temp dir, removed with everything in it at the end of its scope.
class Scratch {
 public:
  Scratch() {
    dir_ = fs::temp_directory_path() /
           ("hs_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(dir_);
  }
  ~Scratch() { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  const fs::path& dir() const { return dir_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
  static inline int counter_ = 0;
};

inline std::string binary() { return std::string("'") + HS_BINARY_DIR + "/bin/hypersweep'"; }

// `mpirun -np N` as these tests run it: root allowed (CI runs as root), more ranks than cores.
inline std::string mpirun(int np) {
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
  return "mpirun -np " + std::to_string(np) + " --oversubscribe ";
}

// Runs the shell command `cmd` (no redirection of its own output), waits for it and returns
// what it printed on stdout and stderr.
inline Run run_shell(const std::string& cmd) {
  Scratch s;
  const int status =
      std::system((cmd + " > '" + s.path("out") + "' 2> '" + s.path("err") + "'").c_str());
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(s.dir() / "out");
  r.err = slurp(s.dir() / "err");
  return r;
}

// Runs `<launcher> hypersweep <args>` from the source directory (configs/ paths are relative to
// it) and waits for it.
inline Run hypersweep(const std::string& args, const std::string& launcher = "") {
  return run_shell(std::string("cd '") + HS_SOURCE_DIR + "' && " + launcher + binary() + " " +
                   args);
}

// `<launcher> hypersweep <args>` started in the background, stdout and stderr into `log`. One
// still running when this goes out of scope (a test that failed) gets SIGTERM: the sweep stops.
class Background {
 public:
  Background(const std::string& args, const std::string& log, const std::string& launcher = "")
      : log_(log) {
    const std::string pidfile = log + ".pid";
    // A subshell starts it, notes its pid, waits for it and writes its exit code.
    const std::string cmd = std::string("cd '") + HS_SOURCE_DIR + "' && ( " + launcher +
                            binary() + " " + args + " > '" + log + "' 2>&1 & echo $! > '" +
                            pidfile + ".tmp' && mv '" + pidfile + ".tmp' '" + pidfile +
                            "'; wait $!; echo $? > '" + log + ".rc.tmp' && mv '" + log +
                            ".rc.tmp' '" + log + ".rc' ) &";
    if (std::system(cmd.c_str()) != 0) return;
    if (wait_for_file(pidfile)) std::ifstream(pidfile) >> pid_;
  }
  ~Background() {
    if (pid_ > 0 && exit_code() < 0) ::kill(pid_, SIGTERM);
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  pid_t pid() const { return pid_; }
  // Waits up to `seconds` for `text` to appear in the log; false at once when the process ends
  // without it (a test then fails with the log, instead of waiting out the hang guard).
  bool wait_for(const std::string& text, double seconds = kHang) const {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!contains(slurp(log_), text)) {
      if (exit_code() >= 0) return contains(slurp(log_), text);
      if (std::chrono::steady_clock::now() >= end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
  }
  // Its exit code, or -1 while it runs.
  int exit_code() const {
    int rc = -1;
    std::ifstream(log_ + ".rc") >> rc;
    return rc;
  }
  // Waits up to `seconds` for the process to end; its exit code, or -1 when it has not ended.
  int wait_exit(double seconds = kHang) const {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    int rc = exit_code();
    while (rc < 0 && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      rc = exit_code();
    }
    return rc;
  }
  std::string log() const { return slurp(log_); }

 private:
  std::string log_;
  pid_t pid_ = 0;
};

// A run stopped by SIGINT once `text` appeared in its log: its exit code (-1: `text` never came,
// or it did not end) and its log.
struct Stopped {
  int code = -1;
  std::string log;
};
inline Stopped stop_when(const std::string& args, const std::string& log, const std::string& text) {
  Background bg(args, log);
  Stopped s;
  if (bg.pid() > 0 && bg.wait_for(text) && ::kill(bg.pid(), SIGINT) == 0) s.code = bg.wait_exit();
  s.log = bg.log();
  return s;
}

// What follows `lead` on its line of `log` ("" when `lead` is not there): the command a stopped
// run printed for the user to paste.
inline std::string rest_of_line(const std::string& log, const std::string& lead) {
  const size_t at = log.find(lead);
  if (at == std::string::npos) return "";
  const size_t from = at + lead.size();
  return log.substr(from, log.find('\n', from) - from);
}

}  // namespace hs::test
