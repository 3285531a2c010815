// journal.cpp: the journal's frames, its reader and its locked, fsync'd writer (journal.h).
#include "store/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

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

// Whether an intact frame starts at `pos` of `data`: if so it is appended to *frames. The bytes
// hashed are taken from *budget.
bool frame_at(const std::string& data, size_t pos, std::vector<Frame>* frames, uint64_t* budget) {
  if (data.size() - pos < kFrameHead) return false;
  uint32_t len = 0;
  uint64_t sum = 0;
  std::memcpy(&len, data.data() + pos, 4);
  const char type = data[pos + 4];
  std::memcpy(&sum, data.data() + pos + 5, 8);
  if (data.size() - pos - kFrameHead < len) return false;  // runs past the end: torn or garbage
  *budget -= std::min<uint64_t>(*budget, len + 1);
  Fnv1a64 h;
  h.add(static_cast<unsigned char>(type));
  h.add(std::string_view(data.data() + pos + kFrameHead, len));
  if (h.value() != sum) return false;
  frames->push_back(Frame{type, data.substr(pos + kFrameHead, len), pos, pos + kFrameHead + len});
  return true;
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

// Reads from fd's current offset until its end or `limit` bytes into *out (appended). A file
// still growing is read to where its end was when the last read came back short.
bool read_up_to(int fd, size_t limit, std::string* out) {
  struct stat st;
  const size_t hint = ::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  size_t got = out->size();
  for (;;) {
    if (got >= limit) break;
    if (out->size() - got < (size_t{1} << 16))
      out->resize(std::min(limit, std::max(got + (size_t{1} << 20), hint + 1)));
    const ssize_t n = ::read(fd, out->data() + got, out->size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out->resize(got);
  return true;
}

// Whether the journal at `path` has an intact first frame (the header, right after the magic):
// what tells a journal from a stub without reading a million records.
bool first_frame_intact(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string head;
  bool ok = read_up_to(fd, 8 + kFrameHead, &head) && head.size() == 8 + kFrameHead;
  uint32_t len = 0;
  if (ok) std::memcpy(&len, head.data() + 8, 4);
  ok = ok && read_up_to(fd, head.size() + len, &head);
  ::close(fd);
  std::vector<Frame> frames;
  uint64_t budget = UINT64_MAX;
  return ok && frame_at(head, 8, &frames, &budget);
}

}  // namespace

Result<JournalContents> read_journal(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(path, "cannot open journal: " + errno_text());
  std::string data;
  const bool read = read_up_to(fd, SIZE_MAX, &data);
  ::close(fd);
  if (!read) return make_error(path, "cannot read journal: " + errno_text());
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
  // Resynchronising hashes candidate frames at each offset after a damaged one; the budget
  // keeps a file crafted to make that quadratic from running for hours.
  uint64_t budget = 32 * static_cast<uint64_t>(data.size()) + (uint64_t{1} << 20);
  size_t pos = 8;
  while (pos < data.size()) {
    if (frame_at(data, pos, &j.frames, &budget)) {
      pos = static_cast<size_t>(j.frames.back().end);
      continue;
    }
    size_t next = pos + 1;
    while (next < data.size() && !frame_at(data, next, &j.frames, &budget)) {
      if (budget == 0)
        return make_error(path, "damaged at byte " + std::to_string(pos) +
                                    " so badly that no intact frame after it can be found");
      ++next;
    }
    if (next >= data.size()) break;  // a torn tail: nothing intact after it
    j.damaged.push_back(DamagedBytes{pos, next, j.frames.size() - 1});
    pos = static_cast<size_t>(j.frames.back().end);
  }
  j.valid_bytes = j.frames.empty() ? 8 : j.frames.back().end;
  return j;
}

JournalKind journal_kind(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return JournalKind::kMissing;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return JournalKind::kUnreadable;
  char head[8];
  ssize_t n = 0;
  do n = ::read(fd, head, sizeof head); while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n < 0) return JournalKind::kUnreadable;
  const size_t got = static_cast<size_t>(n);
  if (std::memcmp(head, kJournalMagicV1, got) == 0 && got == 8) return JournalKind::kJournal;
  if (std::memcmp(head, kJournalMagic, got) != 0) return JournalKind::kNotJournal;
  if (got < 8) return JournalKind::kStub;
  if (first_frame_intact(path)) return JournalKind::kJournal;
  auto j = read_journal(path);  // a damaged first frame: is any frame intact?
  return j.ok() && j->frames.empty() ? JournalKind::kStub : JournalKind::kJournal;
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
  Status made = lock(fd, path);
  if (made.ok()) made = write_all_sync(fd, std::string(kJournalMagic, 8) + frame(type, payload), path);
  ++j.syncs_;
  if (made.ok()) made = sync_parent_dir(path);
  if (made.ok()) return j;
  // Ours (O_EXCL): a stub left here (a full disk) would block the same command next time.
  ::unlink(path.c_str());
  return made.error();
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
    syncs_ = o.syncs_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

Status Journal::append(char type, const std::string& payload) {
  return append(type, std::span<const std::string>(&payload, 1));
}

Status Journal::append(char type, std::span<const std::string> payloads) {
  if (payloads.empty()) return {};
  std::string bytes;
  for (const std::string& p : payloads) bytes += frame(type, p);
  ++syncs_;
  return write_all_sync(fd_, bytes, path_);
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
