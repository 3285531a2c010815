// journal.cpp: the journal's frames, its reader and its locked, fsync'd writer (journal.h).
#include "store/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/bytes.h"
#include "core/file.h"
#include "core/hash.h"

namespace hs::store {

namespace {

constexpr size_t kFrameHead = 4 + 1 + 8;  // length, type, checksum

uint64_t checksum(char type, const std::string& payload) {
  Fnv1a64 h;
  h.add(static_cast<unsigned char>(type));
  h.add(payload);
  return h.value();
}

std::string frame(char type, const std::string& payload) {
  ByteWriter w;
  w.pod<uint32_t>(static_cast<uint32_t>(payload.size()));
  w.pod<char>(type);
  w.pod<uint64_t>(checksum(type, payload));
  return w.take() + payload;
}

// Writes all of `data` to fd (retrying short writes and EINTR), then fdatasync.
Status write_all_sync(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(path, "write failed: " + errno_text());
    }
    done += static_cast<size_t>(n);
  }
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return make_error(path, "fdatasync failed: " + errno_text());
  }
  return Status::Ok();
}

// The writer's lock (flock, released when its descriptor closes).
Status lock(int fd, const std::string& path) {
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return {};
  if (errno == EWOULDBLOCK)
    return make_error(path, "is locked: another hypersweep run is writing this results file; "
                            "wait for it to end or stop it first");
  if (errno == ENOLCK || errno == EOPNOTSUPP || errno == ENOSYS) return {};
  return make_error(path, "cannot lock: " + errno_text());
}

}  // namespace

Result<JournalContents> read_journal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path, "cannot open journal: " + errno_text());
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return make_error(path, "cannot read journal");
  if (data.size() >= 8 && data.compare(0, 8, kJournalMagicV1) == 0) {
    return make_error(path, "was written by an older hypersweep (journal format HSJRNL01, this "
                            "one writes HSJRNL02), so this one cannot continue it: resume it with "
                            "the hypersweep that wrote it, or start over with --force (hypersweep "
                            "export still reads its HDF5 file)");
  }
  if (data.size() < 8 || data.compare(0, 8, kJournalMagic) != 0) {
    return make_error(path, "not a hypersweep journal (no HSJRNL02 magic)");
  }
  JournalContents j;
  j.file_bytes = data.size();
  size_t pos = 8;
  while (data.size() - pos >= kFrameHead) {
    uint32_t len = 0;
    uint64_t sum = 0;
    std::memcpy(&len, data.data() + pos, 4);
    const char type = data[pos + 4];
    std::memcpy(&sum, data.data() + pos + 5, 8);
    if (data.size() - pos - kFrameHead < len) break;  // torn: the write was cut short
    std::string payload = data.substr(pos + kFrameHead, len);
    if (checksum(type, payload) != sum) break;  // torn or garbage
    pos += kFrameHead + len;
    j.frames.push_back(Frame{type, std::move(payload), pos});
  }
  j.valid_bytes = pos;
  return j;
}

Status check_not_locked(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  const Status locked = lock(fd, path);
  ::close(fd);
  return locked;
}

Result<Journal> Journal::create(const std::string& path, char type, const std::string& payload) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return make_error(path, "cannot create journal: " + errno_text());
  Journal j(fd, path);
  if (Status st = lock(fd, path); !st) return st.error();
  const std::string data = std::string(kJournalMagic, 8) + frame(type, payload);
  if (Status st = write_all_sync(fd, data, path); !st) return st.error();
  if (Status st = sync_parent_dir(path); !st) return st.error();
  return j;
}

Result<Journal> Journal::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return make_error(path, "cannot open journal: " + errno_text());
  Journal j(fd, path);
  if (Status st = lock(fd, path); !st) return st.error();
  return j;
}

Journal& Journal::operator=(Journal&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

Status Journal::append(char type, const std::string& payload) {
  return write_all_sync(fd_, frame(type, payload), path_);
}

Status Journal::truncate(uint64_t bytes) {
  if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0 || ::fdatasync(fd_) != 0)
    return make_error(path_, "cannot cut the torn tail off the journal: " + errno_text());
  return {};
}

void Journal::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace hs::store
