// child_read.cpp: a read in a forked child (child_read.h).
#include "store/child_read.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/file.h"
#include "core/subprocess.h"
#include "h5/h5.h"

namespace hs::store {

namespace {

// Writes all of `data` to fd (retrying short writes and EINTR); gives up when the reader is gone.
void write_all(int fd, const char* data, size_t size) {
  for (size_t done = 0; done < size;) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// read_in_child's bound on the child's address space.
void limit_child_memory(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return;  // the read names what is wrong
  unsigned long pages = 0;  // /proc/self/statm's first field: the address space, in pages
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%lu", &pages) != 1) pages = 0;
    std::fclose(f);
  }
  if (pages == 0) return;
  const uint64_t have =
      static_cast<uint64_t>(pages) * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t limit = have + (uint64_t{1} << 30) + 8 * static_cast<uint64_t>(st.st_size);
  rlimit now;
  if (::getrlimit(RLIMIT_AS, &now) != 0) return;
  if (now.rlim_cur != RLIM_INFINITY && now.rlim_cur < limit)
    return;  // the user's tighter one stays
  const rlimit lim{limit, now.rlim_max};
  ::setrlimit(RLIMIT_AS, &lim);
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

void PipeWriter::add(const std::string& bytes) {
  buf_ += bytes;
  if (buf_.size() >= (size_t{1} << 20)) flush();
}

void PipeWriter::flush() {
  write_all(fd_, buf_.data(), buf_.size());
  buf_.clear();
}

namespace {

// The child's side of read_in_children: never returns.
[[noreturn]] void run_child(const std::string& path, pid_t parent_pid, int write_fd,
                            const std::function<void(PipeWriter&)>& child) {
  // Not a reader left behind when this process is killed (a job's timeout, kill -9): at a
  // million trials it would read for minutes.
  if (!end_with_parent(parent_pid, SIGKILL)) ::_exit(1);
  // A crash in HDF5 must end the child by its signal, whatever handler this process set.
  for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(sig, SIG_DFL);
  ::signal(SIGPIPE, SIG_IGN);  // a parent that stopped reading: writes fail, and it ends
  limit_child_memory(path);
  const QuietHdf5 quiet;
  PipeWriter w(write_fd);
  child(w);
  w.flush();
  ::_exit(0);
}

}  // namespace

Status read_in_children(const std::string& path, int children,
                        const std::function<void(int index, PipeWriter&)>& child,
                        const std::function<Status(const std::vector<int>& fds,
                                                   std::vector<bool>* eofs)>& parent) {
  const pid_t parent_pid = ::getpid();
  std::vector<int> fds;
  std::vector<pid_t> pids;
  Status st;
  for (int i = 0; i < children && st.ok(); ++i) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
      st = make_error(path, "cannot read: pipe: " + errno_text());
      break;
    }
    ::fcntl(ends[1], F_SETPIPE_SZ, 1 << 20);  // where refused, the default: slower, not wrong
    const pid_t pid = ::fork();
    if (pid == 0) {
      for (const int fd : fds) ::close(fd);  // the earlier children's read ends
      ::close(ends[0]);
      run_child(path, parent_pid, ends[1], [&](PipeWriter& w) { child(i, w); });
    }
    ::close(ends[1]);
    if (pid < 0) {
      st = make_error(path, "cannot read: fork: " + errno_text());
      ::close(ends[0]);
      break;
    }
    fds.push_back(ends[0]);
    pids.push_back(pid);
  }
  std::vector<bool> eofs(fds.size(), false);
  if (st.ok()) st = parent(fds, &eofs);
  for (const int fd : fds) ::close(fd);
  int crashed = 0;
  for (size_t i = 0; i < pids.size(); ++i) {
    if (!eofs[i]) ::kill(pids[i], SIGKILL);  // it may be blocked writing what nobody reads now
    const int status = wait_for(pids[i]);
    if (eofs[i] && WIFSIGNALED(status) && crashed == 0) crashed = WTERMSIG(status);
  }
  if (crashed != 0)
    return make_error(path, "cannot be read as a results file: it is damaged (reading it crashed "
                            "the HDF5 library with signal " + std::to_string(crashed) + ")");
  return st;
}

Status read_in_child(const std::string& path, const std::function<void(PipeWriter&)>& child,
                     const std::function<Status(int fd, bool* eof)>& parent) {
  return read_in_children(
      path, 1, [&](int, PipeWriter& w) { child(w); },
      [&](const std::vector<int>& fds, std::vector<bool>* eofs) {
        bool eof = false;
        const Status st = parent(fds[0], &eof);
        (*eofs)[0] = eof;
        return st;
      });
}

Status read_to_end(int fd, std::string* out, bool* eof) {
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  *eof = true;
  return {};
}

}  // namespace hs::store
