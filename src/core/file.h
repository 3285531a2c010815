// file.h: making a file's new contents durable and visible all at once. A whole file is written
// to a new file beside <path>, fsync'd and renamed over <path> (rename is atomic), and the folder
// is fsync'd so the rename itself survives a power cut: a crash or a full disk leaves the old file
// (or none), never a truncated one. The new file is always created anew (O_EXCL), so a link
// planted where it goes is never followed, and the rename replaces a link at <path> itself, not
// what it points to. For the HTML report, the CSV export, the recipe's recommended config and
// recipe file, and the results file rebuilt from its journal.
//
// May depend on: the standard library, POSIX. Thread safety: one writer per path.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "core/error.h"
#include "core/temp_file.h"

namespace hs {

inline std::string errno_text() { return std::strerror(errno); }

// The whole of the file at `path`, its bytes as they are; nullopt when it cannot be opened.
inline std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// fsync of what `path` names: a file, or with `flags` = O_DIRECTORY a folder (`what` says which
// in the errors, which name `path`).
inline Status fsync_opened(const std::string& path, int flags, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) return make_error(path, "cannot open " + what + " to fsync it: " + errno_text());
  const int rc = ::fsync(fd);
  const std::string err = errno_text();
  ::close(fd);
  if (rc != 0) return make_error(path, "fsync of " + what + " failed: " + err);
  return {};
}

// fsync of the file at `path`, so that its contents are on disk before it is renamed into place.
inline Status fsync_path(const std::string& path) { return fsync_opened(path, 0, "the file"); }

// fsync of the folder holding `path`, so that a create or rename in it is durable.
inline Status sync_parent_dir(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  return fsync_opened(dir, O_DIRECTORY, "the folder");
}

// Makes the complete file `tmp` the file `path`: fsync, rename over `path`, fsync the folder.
// Errors name `path`; `tmp` is left for the caller to remove.
inline Status replace_durably(const std::string& tmp, const std::string& path) {
  if (Status st = fsync_path(tmp); !st) return st;
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(path, "cannot rename " + tmp + " over it: " + errno_text());
  return sync_parent_dir(path);
}

// Writes all of `bytes` to `fd`, retrying short writes and EINTR; false on an error (errno says).
inline bool write_all_fd(int fd, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// The mode open(path, O_CREAT, 0666) gives a new file under this process's umask (022: 0644; 077
// on a shared cluster: 0600). Files made through mkstemp (0600 whatever the umask) get it too, so
// every file hypersweep writes has the permissions the user's umask asks for. Read once, from
// /proc/self/status (umask() itself can only be read by setting it).
inline mode_t umasked_mode() {
  static const mode_t mode = [] {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("Umask:", 0) == 0)
        return static_cast<mode_t>(0666 & ~std::stoul(line.substr(6), nullptr, 8));
    const mode_t m = ::umask(022);  // no /proc: set and put back, before any thread makes files
    ::umask(m);
    return static_cast<mode_t>(0666 & ~m);
  }();
  return mode;
}

// Writes `bytes` and fsyncs them into `fd`, a new file at `path`, then closes fd; on an error
// removes `path` (it is this call's: created with O_EXCL) and names it.
inline Status fill_new_file(int fd, const std::string& path, const std::string& bytes) {
  const bool ok =
      ::fchmod(fd, umasked_mode()) == 0 && write_all_fd(fd, bytes) && ::fsync(fd) == 0;
  const std::string err = errno_text();
  if (::close(fd) != 0 || !ok) {
    ::unlink(path.c_str());
    return make_error(path, "cannot write: " + (ok ? errno_text() : err));
  }
  return {};
}

// Writes `bytes` (umasked_mode(), fsync'd) as a new file at `path`: anything there, a link even a
// dangling one, makes it an error (O_EXCL), never followed. Errors name `path`; a partly
// written file (a full disk) is removed.
inline Status write_new_file(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) return make_error(path, "cannot create: " + errno_text());
  return fill_new_file(fd, path, bytes);
}

// Makes the folder `path` goes in, and any above it, where missing: an --out of runs/lr/a.h5 or
// reports/a.html needs no mkdir first, as export's and the recipe's folders need none. Called
// once every check has passed, so a command that fails its checks creates no folder. Errors
// name the folder (a file where a folder should be, a permission).
inline Status make_parent_folders(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (dir.empty() || std::filesystem::is_directory(dir, ec)) return {};
  std::filesystem::create_directories(dir, ec);
  if (!ec) return {};
  for (auto up = dir; !up.empty(); up = up.parent_path()) {  // the file in the folders' way
    std::error_code e;
    if (std::filesystem::exists(up, e) && !std::filesystem::is_directory(up, e))
      return make_error(up.string(), "is a file, not a folder, so " + path + " cannot go in it");
    if (up == up.parent_path()) break;
  }
  return make_error(dir.string(), "cannot create the folder for " + path + ": " + ec.message());
}

// What <path> is when it is no plain file that a new one may replace: "a folder", "a device",
// "a FIFO", "a socket" (itself, or what a link there points to: `-o /dev/null` or `-o
// /dev/stdout` as root would replace the system's own node or link), else "" (nothing there, a
// file, a link to one or to nothing: replaced).
inline std::string not_replaceable(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return "";
  if (S_ISLNK(st.st_mode) && ::stat(path.c_str(), &st) != 0) return "";  // dangling
  if (S_ISDIR(st.st_mode)) return "a folder";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "a device";
  if (S_ISFIFO(st.st_mode)) return "a FIFO";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  return "";
}

// Opens the existing file `path` with `flags` (O_CLOEXEC added) for a reader or writer that
// needs a plain file (`what`: "journal"): one that is a folder, a device, a FIFO or a socket is
// an error naming it (not_replaceable), and the open never waits on a FIFO put there meanwhile
// (O_NONBLOCK while opening): a FIFO at a journal's path hung `run` in open(), beyond SIGINT.
inline Result<int> open_regular(const std::string& path, int flags, const std::string& what) {
  if (const std::string is = not_replaceable(path); !is.empty())
    return make_error(path, "is " + is + ", not a " + what + " (a plain file)");
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return make_error(path, "cannot open " + what + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(path, "is not a plain file, so not a " + what);
  }
  (void)::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

// A pending file's name: <path> then this, then mkstemp's six characters. A name no user file
// has, as remove_stale_temps removes what has it (`report.html.tmp.backup` was a user's own).
inline constexpr const char* kPendingMark = ".hypersweep-tmp.";

// The pending files' name for <path> up to mkstemp's six characters: <path>, its file name cut
// where that would pass a name's 255 bytes (a results file of a 230-byte name could never write
// its journal anew), then kPendingMark.
inline std::string pending_prefix(const std::string& path) {
  constexpr size_t kNameMax = 255, kTail = std::char_traits<char>::length(kPendingMark) + 6;
  const size_t slash = path.rfind('/');
  const size_t name = slash == std::string::npos ? path.size() : path.size() - slash - 1;
  const size_t cut = name + kTail > kNameMax ? name + kTail - kNameMax : 0;
  return path.substr(0, path.size() - cut) + kPendingMark;
}

// The <path>.hypersweep-tmp.XXXXXX files that writers of <path> ended by kill -9 left beside it
// (no handler runs then): a live writer holds a lock on its own (PendingFile), so one whose lock
// is free is removed. An empty one is left (its writer may be between mkstemp and its lock), as
// is anything else (another name, a link, a folder).
inline void remove_stale_temps(const std::string& path) {
  const std::filesystem::path p(pending_prefix(path));
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  const std::string prefix = p.filename().string();
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
    const int fd = ::open(it->path().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        ::flock(fd, LOCK_EX | LOCK_NB) == 0)
      ::unlink(it->path().c_str());
    ::close(fd);
  }
}

// A file's new contents written whole to a new <path>.hypersweep-tmp.XXXXXX (mkstemp: a name no
// file or link has) beside it, in a folder made where missing, and made <path> by commit(). Several (the CSV
// export's two files) are all written before any is renamed, so an error or a signal while
// writing leaves every old file as it was. One not committed is removed, also when a signal
// ends the program meanwhile (core/temp_file.h); one that kill -9 left is removed by the next
// write of <path> (remove_stale_temps: the new file is locked while it is pending). Errors name
// `path`: it is a folder, a device, a FIFO or a socket (or a link to one: not_replaceable), it
// cannot be created, the disk is full.
class PendingFile {
 public:
  // An empty pending file for <path>, filled by append() and done with by finish(): a file too
  // large to be held as one string (the CSV export of a million trials) is written piece by
  // piece.
  static Result<PendingFile> create(const std::string& path) {
    if (const std::string is = not_replaceable(path); !is.empty())
      return make_error(path,
                        "is " + is + ", not a file, so it is not replaced: give a file's path");
    if (Status st = make_parent_folders(path); !st) return st.error();
    remove_stale_temps(path);
    std::string tmp = pending_prefix(path) + "XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) return make_error(path, "cannot write: " + errno_text());
    const int lock = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);  // outlives finish()'s close of fd
    if (lock >= 0) (void)::flock(lock, LOCK_EX | LOCK_NB);
    PendingFile f(path, std::make_unique<TempFileGuard>(tmp), lock, fd);
    if (::fchmod(fd, umasked_mode()) != 0) return make_error(path, "cannot write: " + errno_text());
    return f;
  }
  // create(), `text` appended, finish().
  static Result<PendingFile> write(const std::string& path, const std::string& text) {
    auto f = create(path);
    if (!f) return f.error();
    if (Status st = f->append(text); !st) return st.error();
    if (Status st = f->finish(); !st) return st.error();
    return f;
  }
  // Writes `bytes` at its end. Errors name <path> (a full disk).
  Status append(std::string_view bytes) {
    if (!fd_ || !write_all_fd(*fd_, bytes)) return make_error(path_, "cannot write: " + errno_text());
    return {};
  }
  // Makes what was appended durable (fsync) and closes it: nothing more is appended.
  Status finish() {
    if (!fd_) return {};
    const int fd = *fd_;
    delete fd_.release();  // closed here, not by FdCloser
    const bool synced = ::fsync(fd) == 0;
    const std::string err = errno_text();
    const bool closed = ::close(fd) == 0;
    if (!synced || !closed) return make_error(path_, "cannot write: " + (synced ? errno_text() : err));
    return {};
  }
  // Finishes it, then renames it over <path>, durably (replace_durably).
  Status commit() {
    if (Status st = finish(); !st) return st;
    if (Status st = replace_durably(tmp_->path(), path_); !st)
      return make_error(path_, "cannot write: " + st.error().message);
    tmp_->keep();
    lock_.reset();
    return {};
  }

 private:
  struct FdCloser {
    void operator()(const int* fd) const {
      ::close(*fd);
      delete fd;
    }
  };
  PendingFile(std::string path, std::unique_ptr<TempFileGuard> tmp, int lock, int fd)
      : path_(std::move(path)),
        tmp_(std::move(tmp)),
        lock_(lock >= 0 ? new int(lock) : nullptr),
        fd_(new int(fd)) {}
  std::string path_;
  std::unique_ptr<TempFileGuard> tmp_;
  std::unique_ptr<const int, FdCloser> lock_;  // held while the file is pending
  std::unique_ptr<const int, FdCloser> fd_;    // open for append() until finish()
};

// Writes `text` as the whole of <path> (umasked_mode()): a PendingFile, committed.
inline Status write_file_atomically(const std::string& path, const std::string& text) {
  auto f = PendingFile::write(path, text);
  if (!f) return f.error();
  return f->commit();
}

}  // namespace hs
