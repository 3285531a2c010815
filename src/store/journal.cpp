// journal.cpp: the journal's frames, its reader and its locked, fsync'd writer (journal.h).
#include "store/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

}  // namespace

std::string frame(char type, const std::string& payload) {
  ByteWriter w;
  w.pod<uint32_t>(static_cast<uint32_t>(payload.size()));
  w.pod<char>(type);
  w.pod<uint64_t>(checksum(type, payload));
  return w.take() + payload;
}

namespace {

// The journal's bytes through a window of at most kWindow bytes read with pread: a frame that
// fits is handed out of it; a larger one is hashed piece by piece and read whole only when its
// checksum holds.
class Window {
 public:
  static constexpr size_t kWindow = size_t{4} << 20;  // the most a frame_at reads at once
  Window(int fd, uint64_t size, std::string path, size_t window = kWindow)
      : fd_(fd), size_(size), window_(window), path_(std::move(path)) {}
  uint64_t size() const { return size_; }
  void set_size(uint64_t size) { size_ = size; }
  // Bytes [pos, pos + n) of the file. REQUIRES: n <= kWindow, pos + n <= size().
  Result<const char*> bytes(uint64_t pos, size_t n) {
    if (pos < start_ || pos + n > start_ + buf_.size()) {
      buf_.resize(static_cast<size_t>(std::min<uint64_t>(std::max(window_, n), size_ - pos)));
      if (Status st = read_at(pos, buf_.data(), buf_.size()); !st) return st.error();
      start_ = pos;
    }
    return buf_.data() + (pos - start_);
  }
  Status read_at(uint64_t pos, char* out, size_t n) const {
    size_t done = 0;
    while (done < n) {
      const ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(pos + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return make_error(path_, "cannot read journal: " + errno_text());
      if (got == 0) return make_error(path_, "cannot read journal: it shrank while it was read");
      done += static_cast<size_t>(got);
    }
    return {};
  }

 private:
  int fd_;
  uint64_t size_;
  size_t window_;
  std::string path_;
  std::string buf_;
  uint64_t start_ = 0;
};

// A frame's head as frame() writes it: its payload's length, its type, its checksum.
struct FrameHead {
  uint32_t len = 0;
  char type = 0;
  uint64_t sum = 0;
};

// The head of the frame at `pos`. REQUIRES: at least kFrameHead bytes there.
Result<FrameHead> head_at(Window* w, uint64_t pos) {
  auto bytes = w->bytes(pos, kFrameHead);
  if (!bytes) return bytes.error();
  FrameHead h;
  std::memcpy(&h.len, *bytes, 4);
  h.type = (*bytes)[4];
  std::memcpy(&h.sum, *bytes + 5, 8);
  return h;
}

// A frame's bytes to be hashed, taken from the resynchronising search's budget (scan_frames).
void spend(uint64_t* budget, uint32_t len) {
  *budget -= std::min<uint64_t>(*budget, uint64_t{len} + 1);
}

// Whether an intact frame starts at `pos`: if so *out is it (its payload a view into *w or
// *big). The bytes hashed are taken from *budget. A frame that ends by `trusted_until`
// (scan_journal) is taken as intact without hashing it.
Result<bool> frame_at(Window* w, uint64_t pos, FrameView* out, std::string* big, uint64_t* budget,
                      uint64_t trusted_until = 0) {
  if (w->size() - pos < kFrameHead) return false;
  auto head = head_at(w, pos);
  if (!head) return head.error();
  const auto [len, type, sum] = *head;
  if (w->size() - pos - kFrameHead < len) return false;  // runs past the end: torn or garbage
  const bool trusted = pos + kFrameHead + len <= trusted_until;
  if (!trusted) spend(budget, len);
  Fnv1a64 h;
  h.add(static_cast<unsigned char>(type));
  std::string_view payload;
  if (kFrameHead + len <= Window::kWindow) {
    auto all = w->bytes(pos, kFrameHead + len);
    if (!all) return all.error();
    payload = std::string_view(*all + kFrameHead, len);
    if (!trusted) h.add(payload);
  } else if (!trusted) {  // hashed a window at a time; read whole only when intact
    for (uint64_t at = 0; at < len; at += Window::kWindow) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(Window::kWindow, len - at));
      auto piece = w->bytes(pos + kFrameHead + at, n);
      if (!piece) return piece.error();
      h.add(std::string_view(*piece, n));
    }
  }
  if (!trusted && h.value() != sum) return false;
  if (payload.data() == nullptr && len > 0) {
    big->resize(len);
    if (Status st = w->read_at(pos + kFrameHead, big->data(), len); !st) return st.error();
    payload = *big;
  }
  *out = FrameView{type, payload, pos, pos + kFrameHead + len};
  return true;
}

// The frames that start at `pos`, back to back, up to `most` (at most 4) and kWindow bytes in
// all, and where `starts` is given, only while frame k + 1 starts at starts[k]: their checksums
// computed together (fnv1a64_add4). Into out[0..n), n returned, go the leading ones that are
// intact, as frame_at would find them one by one (those that end by `trusted_until` taken
// unhashed, the bytes hashed taken from *budget). 0 when fewer than two frames lie there whole:
// frame_at takes the one. The views are into *w's window, valid until its next read.
Result<size_t> intact_run(Window* w, uint64_t pos, const uint64_t* starts, size_t most,
                          FrameView out[4], uint64_t* budget, uint64_t trusted_until = 0) {
  FrameHead heads[4];
  uint64_t begins[4];
  size_t n = 0;
  uint64_t end = pos;
  for (; n < std::min<size_t>(most, 4) && w->size() - end >= kFrameHead; ++n) {
    if (n > 0 && starts != nullptr && starts[n - 1] != end) break;
    auto head = head_at(w, end);
    if (!head) return head.error();
    heads[n] = *head;
    begins[n] = end;
    if (w->size() - end - kFrameHead < head->len ||
        end + kFrameHead + head->len - pos > Window::kWindow)
      break;
    end += kFrameHead + head->len;
  }
  if (n < 2) return size_t{0};
  auto all = w->bytes(pos, static_cast<size_t>(end - pos));
  if (!all) return all.error();
  uint64_t sums[4] = {Fnv1a64::kStart, Fnv1a64::kStart, Fnv1a64::kStart, Fnv1a64::kStart};
  std::string_view hashed[4];
  for (size_t k = 0; k < n; ++k) {
    const FrameHead& h = heads[k];
    out[k] = FrameView{h.type, std::string_view(*all + (begins[k] - pos) + kFrameHead, h.len),
                       begins[k], begins[k] + kFrameHead + h.len};
    if (out[k].end > trusted_until) {
      sums[k] = Fnv1a64::with_byte(sums[k], static_cast<unsigned char>(h.type));
      hashed[k] = out[k].payload;
    }
  }
  fnv1a64_add4(sums, hashed);
  for (size_t k = 0; k < n; ++k) {
    if (out[k].end <= trusted_until) continue;
    if (sums[k] != heads[k].sum) return k;
    spend(budget, heads[k].len);
  }
  return n;
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

namespace {

// The magic at the start of the journal open at `fd`: an error when it is missing or another
// format's.
Status check_magic(int fd, const std::string& path, uint64_t size) {
  char head[8] = {};
  const Window w(fd, size, path);
  if (size >= 8)
    if (Status st = w.read_at(0, head, 8); !st) return st;
  if (size >= 8 && std::memcmp(head, kJournalMagicV1, 8) == 0) {
    return make_error(path, "was written by an older hypersweep (journal format HSJRNL01, this "
                            "one writes HSJRNL02), so this one cannot continue it: resume it with "
                            "the hypersweep that wrote it, or start over with --force (hypersweep "
                            "export still reads its HDF5 file)");
  }
  if (size < 8 || std::memcmp(head, kJournalMagic, 8) != 0)
    return make_error(path, "not a hypersweep journal (no HSJRNL02 magic)");
  return {};
}

// The frames of the journal open at `fd` (past its magic) to `on_frame`, as scan_journal says.
Result<JournalScan> scan_frames(int fd, const std::string& path, uint64_t size,
                                const FrameVisitor& on_frame, size_t max_frames,
                                uint64_t trusted_until) {
  JournalScan j;
  j.file_bytes = size;
  j.valid_bytes = 8;
  Window w(fd, size, path);
  std::string big;
  FrameView f;
  // Resynchronising hashes candidate frames at each offset after a damaged one; the budget
  // keeps a file crafted to make that quadratic from running for hours.
  uint64_t budget = 32 * size + (uint64_t{1} << 20);
  uint64_t pos = 8;
  auto take = [&](const DamagedBytes* d) -> Status {
    ++j.frames;
    j.valid_bytes = f.end;
    pos = f.end;
    return on_frame(f, d);
  };
  FrameView run[4];
  while (pos < size && (max_frames == 0 || j.frames < max_frames)) {
    // Intact frames are the rule: four at a time, their checksums computed together.
    const size_t most = max_frames == 0 ? 4 : std::min<size_t>(4, max_frames - j.frames);
    auto intact = intact_run(&w, pos, nullptr, most, run, &budget, trusted_until);
    if (!intact) return intact.error();
    for (size_t k = 0; k < *intact; ++k) {
      f = run[k];
      if (Status st = take(nullptr); !st) return st.error();
    }
    if (*intact > 0) continue;
    auto here = frame_at(&w, pos, &f, &big, &budget, trusted_until);
    if (!here) return here.error();
    if (*here) {
      if (Status st = take(nullptr); !st) return st.error();
      continue;
    }
    // Damage, where an earlier scan found none only up to trusted_until: the search below hashes
    // every offset it tries, and nothing after it is trusted either.
    trusted_until = 0;
    uint64_t next = pos + 1;
    for (; next < size; ++next) {
      auto there = frame_at(&w, next, &f, &big, &budget);
      if (!there) return there.error();
      if (*there) break;
      if (budget == 0)
        return make_error(path, "damaged at byte " + std::to_string(pos) +
                                    " so badly that no intact frame after it can be found");
    }
    if (next >= size) break;  // a torn tail: nothing intact after it
    j.damaged.push_back(DamagedBytes{pos, next, j.frames});
    if (Status st = take(&j.damaged.back()); !st) return st.error();
  }
  return j;
}

}  // namespace

Result<JournalScan> scan_journal(const std::string& path, const FrameVisitor& on_frame,
                                 size_t max_frames, uint64_t trusted_until) {
  const auto opened = open_regular(path, O_RDONLY, "journal");
  if (!opened) return opened.error();
  const int fd = *opened;
  struct stat st;
  Result<JournalScan> out = make_error(path, "cannot read journal: " + errno_text());
  if (::fstat(fd, &st) == 0) {
    const auto size = static_cast<uint64_t>(st.st_size);
    if (Status magic = check_magic(fd, path, size); !magic)
      out = magic.error();
    else
      out = scan_frames(fd, path, size, on_frame, max_frames, trusted_until);
  }
  ::close(fd);
  return out;
}

uint64_t frame_bytes(size_t payload_bytes) { return kFrameHead + payload_bytes; }

// A small window: reads in id order jump about the file.
struct FrameReader::Impl {
  Impl(int fd, uint64_t size, const std::string& path) : w(fd, size, path, size_t{64} << 10) {}
  Window w;
  std::string big;
};

FrameReader::FrameReader(int fd, std::string path)
    : fd_(fd), path_(std::move(path)), impl_(std::make_unique<Impl>(fd, 0, path_)) {}

Result<FrameReader> FrameReader::open(const std::string& path) {
  const auto fd = open_regular(path, O_RDONLY, "journal");
  if (!fd) return fd.error();
  return FrameReader(*fd, path);
}

FrameReader::FrameReader(FrameReader&& o) noexcept
    : fd_(o.fd_), path_(std::move(o.path_)), impl_(std::move(o.impl_)) {
  o.fd_ = -1;
}

FrameReader::~FrameReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status FrameReader::see_size(uint64_t start) {
  Window& w = impl_->w;
  if (start + kFrameHead <= w.size()) return {};
  struct stat st;  // appended since: the file's size again
  if (::fstat(fd_, &st) != 0) return make_error(path_, "cannot read journal: " + errno_text());
  w.set_size(static_cast<uint64_t>(st.st_size));
  return {};
}

Result<FrameView> FrameReader::at(uint64_t start) {
  Window& w = impl_->w;
  if (Status st = see_size(start); !st) return st.error();
  FrameView f;
  uint64_t budget = ~uint64_t{0};
  auto here =
      start < w.size() ? frame_at(&w, start, &f, &impl_->big, &budget) : Result<bool>(false);
  if (!here) return here.error();
  if (!*here)
    return make_error(path_, "the frame at byte " + std::to_string(start) +
                                 " is no longer intact: the journal changed while it was open");
  return f;
}

Result<size_t> FrameReader::run_at(const uint64_t* starts, size_t n, FrameView out[4]) {
  if (Status st = see_size(starts[0]); !st) return st.error();
  uint64_t budget = ~uint64_t{0};
  auto run = intact_run(&impl_->w, starts[0], starts + 1, n, out, &budget);
  if (!run) return run.error();
  if (*run > 0) return *run;
  auto one = at(starts[0]);
  if (!one) return one.error();
  out[0] = *one;
  return size_t{1};
}

JournalKind journal_kind(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return JournalKind::kMissing;
  const auto opened = open_regular(path, O_RDONLY, "journal");
  if (!opened) return JournalKind::kUnreadable;
  const int fd = *opened;
  char head[8];
  ssize_t n = 0;
  do n = ::read(fd, head, sizeof head); while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n < 0) return JournalKind::kUnreadable;
  const size_t got = static_cast<size_t>(n);
  if (std::memcmp(head, kJournalMagicV1, got) == 0 && got == 8) return JournalKind::kJournal;
  if (std::memcmp(head, kJournalMagic, got) != 0) return JournalKind::kNotJournal;
  if (got < 8) return JournalKind::kStub;
  auto j = scan_journal(
      path, [](const FrameView&, const DamagedBytes*) { return Status::Ok(); }, 1);
  return j.ok() && j->frames == 0 ? JournalKind::kStub : JournalKind::kJournal;
}

namespace {

// Whether `path` names the file open at `fd` (false once it was removed or replaced).
bool names(const std::string& path, int fd) {
  struct stat open_file, named;
  if (::fstat(fd, &open_file) != 0) return true;  // nothing to compare: not said to be gone
  return ::stat(path.c_str(), &named) == 0 && named.st_dev == open_file.st_dev &&
         named.st_ino == open_file.st_ino;
}

// The lock on the file open at `fd`, which `path` must still name once it is taken: a run that
// opened a journal another run then replaced (--force) and unlocked would write to a file no
// one reads.
Status lock_named(int fd, const std::string& path) {
  if (Status st = lock(fd, path); !st) return st;
  if (names(path, fd)) return {};
  return make_error(path, "was replaced by another hypersweep run (--force?) while this one "
                          "opened it: run the command again once that run has ended");
}

}  // namespace

Status check_not_locked(const std::string& path) {
  auto held = HeldLock::take(path);
  return held ? Status::Ok() : Status(held.error());
}

Result<HeldLock> HeldLock::take(const std::string& path) {
  const auto fd = open_regular(path, O_RDONLY, "journal");
  if (!fd) return HeldLock(-1);  // nothing to hold: the open that follows says why
  HeldLock held(*fd);
  if (Status st = lock_named(*fd, path); !st) return st.error();
  return held;
}

HeldLock::~HeldLock() {
  if (fd_ >= 0) ::close(fd_);
}

Result<Journal> Journal::create(const std::string& path, char type, const std::string& payload) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0666);
  if (fd < 0 && errno == EEXIST)
    return make_error(path, "was created by another hypersweep run at the same moment (two runs "
                            "started on one results file): wait for it to end, or give another "
                            "--out");
  if (fd < 0) return make_error(path, "cannot create journal: " + errno_text());
  Journal j(fd, path);
  Status made = lock(fd, path);
  const std::string bytes = std::string(kJournalMagic, 8) + frame(type, payload);
  if (made.ok()) made = write_all_sync(fd, bytes, path);
  ++j.syncs_;
  j.size_ = bytes.size();
  if (made.ok()) made = sync_parent_dir(path);
  if (made.ok()) return j;
  // Ours (O_EXCL): a stub left here (a full disk) would block the same command next time.
  ::unlink(path.c_str());
  return made.error();
}

Result<Journal> Journal::open(const std::string& path) {
  const auto opened = open_regular(path, O_WRONLY | O_APPEND, "journal");
  if (!opened) return opened.error();
  const int fd = *opened;
  Journal j(fd, path);
  if (Status st = lock_named(fd, path); !st) return st.error();
  struct stat st;
  if (::fstat(fd, &st) != 0) return make_error(path, "cannot open journal: " + errno_text());
  j.size_ = static_cast<uint64_t>(st.st_size);
  return j;
}

Journal& Journal::operator=(Journal&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    syncs_ = o.syncs_;
    size_ = o.size_;
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
  Status st = write_all_sync(fd_, bytes, path_);
  if (st.ok()) size_ += bytes.size();
  return st;
}

bool Journal::still_at_path() const { return names(path_, fd_); }

std::string Journal::path_now() const {
  struct stat open_file;
  if (::fstat(fd_, &open_file) != 0 || open_file.st_nlink == 0) return "";
  std::string link = "/proc/self/fd/" + std::to_string(fd_);
  std::string now(4096, '\0');
  const ssize_t n = ::readlink(link.c_str(), now.data(), now.size());
  if (n <= 0 || static_cast<size_t>(n) >= now.size()) return "";
  now.resize(static_cast<size_t>(n));
  return names(now, fd_) ? now : "";  // the name read must be the file's own, now
}

Status Journal::truncate(uint64_t bytes) {
  if (::ftruncate(fd_, static_cast<off_t>(bytes)) != 0 || ::fdatasync(fd_) != 0)
    return make_error(path_, "cannot cut the torn tail off the journal: " + errno_text());
  size_ = bytes;
  return {};
}

void Journal::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace hs::store
