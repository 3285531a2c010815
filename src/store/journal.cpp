// journal.cpp: the journal's encoding and its framed, fsync'd writes (journal.h).
#include "store/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/bytes.h"
#include "core/hash.h"
#include "trial/codec.h"

namespace hs::store {
namespace {

uint64_t fnv1a(char type, const std::string& payload) {
  Fnv1a64 h;
  h.add(static_cast<unsigned char>(type));
  h.add(payload);
  return h.value();
}

}  // namespace

std::string encode_header(const SweepHeader& h) {
  ByteWriter w;
  w.str(h.config_text);
  w.str(h.config_hash);
  w.str(h.strategy);
  w.pod<uint64_t>(h.seed);
  w.str(h.version);
  w.str(h.start_time);
  w.str(h.metric.name);
  w.pod<uint64_t>(h.space.params.size());
  for (const Param& p : h.space.params) {
    w.str(p.name);
    w.pod<uint8_t>(static_cast<uint8_t>(p.kind));
    w.pod<double>(p.lo);
    w.pod<double>(p.hi);
    w.pod<uint8_t>(p.log ? 1 : 0);
    put_values(w, p.choices);
    w.pod<int64_t>(p.grid);
    w.str(p.file);
    w.pod<int32_t>(p.line);
  }
  w.pod<uint8_t>(h.metric.direction == Direction::kMaximize ? 0 : 1);
  return w.take();
}

bool decode_header(const std::string& payload, SweepHeader* h) {
  ByteReader r(payload);
  h->config_text = r.str();
  h->config_hash = r.str();
  h->strategy = r.str();
  h->seed = r.pod<uint64_t>();
  h->version = r.str();
  h->start_time = r.str();
  h->metric.name = r.str();
  h->space.params.resize(r.count(8));
  for (Param& p : h->space.params) {
    p.name = r.str();
    const uint8_t kind = r.pod<uint8_t>();
    if (kind > static_cast<uint8_t>(ParamKind::kFixed)) r.ok = false;
    p.kind = static_cast<ParamKind>(kind);
    p.lo = r.pod<double>();
    p.hi = r.pod<double>();
    p.log = r.pod<uint8_t>() != 0;
    p.choices = take_values(r);
    p.grid = r.pod<int64_t>();
    p.file = r.str();
    p.line = r.pod<int32_t>();
  }
  // The direction came last, after the first hypersweep journals: one without it takes the
  // metric's default direction.
  h->metric.direction = default_direction(h->metric.name);
  if (r.ok && !r.at_end()) {
    const uint8_t d = r.pod<uint8_t>();
    if (d > 1) r.ok = false;
    h->metric.direction = d == 0 ? Direction::kMaximize : Direction::kMinimize;
  }
  return r.done();
}

std::string frame(char type, const std::string& payload) {
  ByteWriter w;
  w.pod<uint32_t>(static_cast<uint32_t>(payload.size()));
  w.pod<char>(type);
  w.pod<uint64_t>(fnv1a(type, payload));
  return w.take() + payload;
}

Result<JournalContents> read_journal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(path, std::string("cannot open journal: ") + std::strerror(errno));
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
  bool have_header = false;
  uint64_t trial_frames = 0;
  const size_t kFrameHead = 4 + 1 + 8;
  while (data.size() - pos >= kFrameHead) {
    uint32_t len = 0;
    uint64_t sum = 0;
    std::memcpy(&len, data.data() + pos, 4);
    const char type = data[pos + 4];
    std::memcpy(&sum, data.data() + pos + 5, 8);
    if (data.size() - pos - kFrameHead < len) break;  // torn: the write was cut short
    const std::string payload = data.substr(pos + kFrameHead, len);
    if (fnv1a(type, payload) != sum) break;  // torn or garbage
    if (!have_header) {
      if (type != 'H' || !decode_header(payload, &j.header)) {
        return make_error(path, "journal does not start with an intact sweep header");
      }
      have_header = true;
    } else if (type == 'T') {
      TrialRecord t;
      if (!decode_record(payload, &t)) break;
      j.records.push_back(std::move(t));
      ++trial_frames;
    } else if (type == 'C') {
      ByteReader r(payload);
      const uint64_t n = r.pod<uint64_t>();
      if (!r.done()) break;
      j.clean_close = n == trial_frames;
    } else {
      break;
    }
    if (type != 'C') j.clean_close = false;
    pos += kFrameHead + len;
  }
  if (!have_header) return make_error(path, "journal does not start with an intact sweep header");
  j.valid_bytes = pos;
  return j;
}

Status write_all_sync(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(path, std::string("write failed: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) return make_error(path, std::string("fdatasync failed: ") + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace hs::store
