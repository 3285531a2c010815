// rewrite.cpp: a results file's HDF5 side written again from its journal, and its hash.
#include "store/rewrite.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string_view>

#include "core/file.h"
#include "core/hash.h"
#include "core/progress.h"
#include "trial/codec.h"

namespace hs::store {

// How the room is reserved: a trial grows the file by at most 5 bytes a byte of its record
// and 256 KiB (trials of a few epochs take 3 to 8 times their journal bytes in the file, long
// curves about as many, its frame in /records once more, and HDF5 allocates its link heap's
// blocks and the chunks of /summary and /records whole).
// Before a trial whose bound passes the room's end, the file is flushed and a stretch reserved:
// the journal's bytes not yet rewritten and 256 KiB, at most 64 MiB, and at least one trial's
// bound. A file of long curves so needs about its own size of free disk, and a million trials
// flush some 40 times.
Status rewrite_trials(const ResultsFile& f, H5Writer* out, uint64_t journal_bytes, bool on_disk) {
  constexpr uint64_t kMaxStretch = uint64_t{64} << 20, kMargin = uint64_t{256} << 10;
  ProgressClock clock(f.trial_count());
  const auto say = [&](const char* how_far) {
    std::fprintf(stderr, "hypersweep: rebuilding %s from its journal: %s%zu of %zu trials, "
                 "%.0f s\n", f.path().c_str(), how_far, out->rows(), f.trial_count(),
                 clock.seconds());
  };
  uint64_t reserved_end = 0, rewritten = 0;  // the room's end; the record bytes taken into it
  // Room on disk for record r's trial, before it is written.
  const auto room_for = [&](const TrialRecord& r) {
    const uint64_t bytes = encode_record(r).size(), need = 5 * bytes + kMargin;
    auto end = out->allocated_end();
    if (!end) return Status(end.error());
    Status made;
    if (*end + need > reserved_end) {
      const uint64_t left = journal_bytes > rewritten ? journal_bytes - rewritten : 0;
      const uint64_t stretch = std::max(std::min(left + kMargin, kMaxStretch), need + kMargin);
      made = out->flush();
      if (made.ok()) made = out->reserve(stretch, &reserved_end);
    }
    rewritten += bytes;
    return made;
  };
  Status st = f.for_each_trial(TrialOrder::kRecorded, [&](const TrialRecord& r) {
    if (on_disk) {
      if (Status w = room_for(r); !w.ok()) return w;
    }
    if (Status w = out->write(r, out->rows()); !w.ok()) return w;
    if (clock.due()) say("");
    return Status::Ok();
  });
  if (st.ok() && clock.said()) say("done, ");
  return st;
}

uint64_t hash_of_file(const std::string& path) {
  const auto opened = open_regular(path, O_RDONLY, "results file");
  if (!opened) return 0;
  const int fd = *opened;
  WordHash64 h;
  // Read 4 MiB at a time, or the whole file in one read when it is smaller: every open and close
  // of a small sweep's file hashes it, and clearing a 4 MiB buffer cost more than reading it.
  // The room is a whole number of 4 KiB pages (so of the hash's 32-byte words): the hash of a
  // file read in such pieces is that of its bytes in one piece.
  struct stat st;
  const size_t size = ::fstat(fd, &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
  const size_t room = std::min((size / 4096 + 1) * 4096, size_t{4} << 20);
  const auto buf = std::make_unique_for_overwrite<char[]>(room);
  bool ok = true;
  for (;;) {
    const ssize_t n = ::read(fd, buf.get(), room);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    h.add(std::string_view(buf.get(), static_cast<size_t>(n)));
  }
  ::close(fd);
  return ok ? h.value() : 0;
}

}  // namespace hs::store
