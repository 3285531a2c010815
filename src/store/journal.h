// journal.h (internal to hs_store): the append-only file of checksummed frames beside a results
// file, the source of truth that results_file.h describes. It frames bytes and knows no trial:
// what a frame's type and payload mean is results_file.cpp's.
//
// File: the 8-byte magic "HSJRNL02", then frames: u32 payload length, u8 type, u64 FNV-1a 64 of
// (type, payload), payload; host byte order. A frame whose length runs past the end or whose
// checksum fails is damaged: at the end of the file it is a write that kill -9 cut short; in the
// middle (a flipped bit, bytes overwritten) the reader skips it and resynchronises on the next
// offset where an intact frame starts, so one damaged frame loses that frame alone.
// One writer at a time: an open Journal holds an exclusive flock on the file (released when it
// closes), so two runs pointed at the same results file cannot interleave frames. A file system
// without flock support lets the writer go on unlocked.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace hs::store {

inline constexpr char kJournalMagic[9] = "HSJRNL02";
// The format before TrialRecord had initial_loss and num_classes: refused with a clear error.
inline constexpr char kJournalMagicV1[9] = "HSJRNL01";

// Bytes between two intact frames (or after the last one) that are no intact frame.
struct DamagedBytes {
  uint64_t start = 0, end = 0;  // file offsets [start, end)
  size_t frames_before = 0;     // intact frames before it (the header is frame 0)
};

// One intact frame as scan_journal meets it; `payload` is valid only during the call.
struct FrameView {
  char type = 0;
  std::string_view payload;
  uint64_t start = 0;  // the file offset of the frame's length field
  uint64_t end = 0;  // the file offset just past this frame: cut here to keep it and drop the rest
};

// What a scan found besides the frames it handed over.
struct JournalScan {
  // Damaged stretches in the middle, each followed by an intact frame; a damaged tail (a torn
  // last write) is not among them: it is [valid_bytes, file_bytes).
  std::vector<DamagedBytes> damaged;
  size_t frames = 0;          // intact frames handed over
  uint64_t valid_bytes = 0;   // where the intact frames end (the last frame's end, or the magic)
  uint64_t file_bytes = 0;
};

// Called with each intact frame in order, and the damaged stretch just before it (nullptr:
// none). An error stops the scan and is its result.
using FrameVisitor = std::function<Status(const FrameView&, const DamagedBytes* damaged_before)>;

// Every intact frame of the journal at `path` to `on_frame`, in order, holding a window of a few
// MiB and never the whole file (a million-trial journal is a GB). `max_frames` > 0 stops after
// that many intact frames (valid_bytes is then where the last one ends; file_bytes the file's
// size). `trusted_until` > 0 says that an earlier scan of this very file found only intact
// frames, back to back, from its magic to that byte, and that nothing was written there since
// (a private copy, or a file held open: a journal is only appended to); their checksums are
// not computed again (FNV-1a was a third of `show`'s time on a million trials, read three
// times). The frames are checked up to four at a time, their checksums computed together
// (core/hash.h: fnv1a64_add4), with the same frames and damage found as one at a time.
// Errors: it cannot be read, or it lacks the magic (an older format's magic is named, with what
// to do), or the visitor's.
Result<JournalScan> scan_journal(const std::string& path, const FrameVisitor& on_frame,
                                 size_t max_frames = 0, uint64_t trusted_until = 0);

// Frames read back one at a time at offsets a scan gave (FrameView::start), their checksums checked
// again: how a results file reads a record again after open() instead of holding it. The file
// must not shrink meanwhile (its Journal's lock sees to that). Not thread-safe.
class FrameReader {
 public:
  static Result<FrameReader> open(const std::string& path);
  FrameReader(FrameReader&& o) noexcept;
  FrameReader& operator=(FrameReader&&) = delete;
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;
  ~FrameReader();
  // The frame at `start`: an error naming the journal and the byte when it cannot be read or
  // is not intact (changed since it was scanned). The view is valid until the next call.
  Result<FrameView> at(uint64_t start);
  // The frames at starts[0..n) (n from 1 to 4) while each starts where the one before it ends,
  // their checksums computed together: out[0..m), m returned, at least the first (at()'s error
  // otherwise; the ones after it that are not intact are left for at() to say so). The views are
  // valid until the next call.
  Result<size_t> run_at(const uint64_t* starts, size_t n, FrameView out[4]);

 private:
  struct Impl;
  FrameReader(int fd, std::string path);
  // The window told the file's size again when `start` lies past the size it knows.
  Status see_size(uint64_t start);
  int fd_ = -1;
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

// One frame's bytes as the journal holds them (its length, type, checksum and payload): what
// Journal writes, and what a results file's /records holds (h5_writer.h).
std::string frame(char type, const std::string& payload);

// The bytes a frame with a payload of `payload_bytes` takes in the journal.
uint64_t frame_bytes(size_t payload_bytes);

// What is at `path`, by its first bytes only (for the open-or-continue policy, open.h):
// nothing; something that cannot be read (permissions); a stub whose creation never finished (a
// crash or a full disk while Journal::create wrote it: a prefix of the magic, or the magic and no
// intact frame), which holds nothing; a file without the magic; or a journal (of this format or
// an older one).
enum class JournalKind { kMissing, kUnreadable, kStub, kNotJournal, kJournal };
JournalKind journal_kind(const std::string& path);

// Whether another process holds the journal at `path` open for writing: an error naming it if
// so (a missing file is not locked).
Status check_not_locked(const std::string& path);

// The writer's lock on the journal at `path`, taken and held until this is dropped (nothing held
// when there is no file there): while it is held no other run opens that journal for writing,
// so a replaced sweep's files are removed without another run taking them in between.
// Errors: another process holds it, or `path` was replaced while the lock was taken.
class HeldLock {
 public:
  static Result<HeldLock> take(const std::string& path);
  HeldLock(HeldLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  HeldLock& operator=(HeldLock&&) = delete;
  HeldLock(const HeldLock&) = delete;
  ~HeldLock();

 private:
  explicit HeldLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// A journal open for appending, locked against other writers.
class Journal {
 public:
  // A new journal at `path` holding the magic and one frame, written and fdatasync'd at once,
  // its folder fsync'd. Errors: the file exists, cannot be created or written (what it created
  // is then removed).
  static Result<Journal> create(const std::string& path, char type, const std::string& payload);
  // An existing journal, for appending. Errors: it cannot be opened, another writer has it, or
  // another run replaced it (--force) while this one took its lock.
  static Result<Journal> open(const std::string& path);

  Journal(Journal&& o) noexcept
      : fd_(o.fd_), syncs_(o.syncs_), size_(o.size_), path_(std::move(o.path_)) {
    o.fd_ = -1;
  }
  Journal& operator=(Journal&& o) noexcept;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal() { close(); }

  // Appends one frame and fdatasyncs: when this returns OK the frame survives kill -9 (and a
  // power cut). On an error a partial frame may be there; scan_journal() stops before it.
  Status append(char type, const std::string& payload);
  // Appends one frame of `type` per payload, in order, with one write and ONE fdatasync (group
  // commit): when this returns OK every frame survives kill -9; before, any prefix of them may
  // (whole frames, then at most one torn one that scan_journal() stops before). No payloads:
  // nothing written, no fdatasync.
  Status append(char type, std::span<const std::string> payloads);
  // How many fdatasyncs this Journal's create() and append()s have made: how tests and
  // benchmarks count the fsyncs a group of appends costs.
  uint64_t syncs() const { return syncs_; }
  // The file's size as this Journal wrote it: where the next frame appended starts.
  uint64_t size() const { return size_; }
  // Whether the path still names the file this Journal writes: false once it was removed, or
  // moved and another put in its place (its folder deleted while a sweep runs): what is
  // appended then is written to a file no one can open.
  bool still_at_path() const;
  // Where the file this Journal writes is now, when still_at_path() is false: its new path if it
  // was moved (renamed, or its folder renamed), "" if it was removed (no name left) or the system
  // cannot tell.
  std::string path_now() const;
  // Cuts the file to its first `bytes` (dropping a torn tail) and syncs it.
  Status truncate(uint64_t bytes);
  const std::string& path() const { return path_; }
  // Releases the lock and the file. Idempotent.
  void close();

 private:
  Journal(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  uint64_t syncs_ = 0;
  uint64_t size_ = 0;
  std::string path_;
};

}  // namespace hs::store
