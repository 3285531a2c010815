// temp_file.h: a temporary file that does not outlive the program. Its path is removed when the
// guard goes out of scope without keep(), and also when SIGINT, SIGTERM, SIGHUP or SIGUSR1 ends
// the program by its default action meanwhile (Ctrl-C during a long `export`): a handler removes
// every guarded path, then lets the signal end the program as it would have. A program that
// handles those signals itself (a sweep's stop, exec/signals.h) keeps its handler, and its guards
// remove their files as it unwinds.
//
// May depend on: the standard library, POSIX. Thread safety: guards may live on any thread; at
// most kMaxTempFiles at once (more are removed by their guards only).
#pragma once

#include <signal.h>

#include <string>

namespace hs {

inline constexpr int kMaxTempFiles = 16;

class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path);
  ~TempFileGuard();
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  // The file is no longer temporary (renamed into place): neither the guard nor a signal
  // removes anything.
  void keep();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int slot_ = -1;  // its entry in the signal handler's table; -1: none (or kept)
};

// SIGINT, SIGTERM, SIGHUP and SIGUSR1 held back while it lives, then delivered: around steps that
// must happen together (the CSV export's two renames), so that a Ctrl-C between them waits for
// both.
class StopSignalsHeld {
 public:
  StopSignalsHeld();
  ~StopSignalsHeld();
  StopSignalsHeld(const StopSignalsHeld&) = delete;
  StopSignalsHeld& operator=(const StopSignalsHeld&) = delete;

 private:
  sigset_t old_;
};

}  // namespace hs
