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

namespace hs::store {
namespace {

uint64_t fnv1a(char type, const std::string& payload) {
  Fnv1a64 h;
  h.add(static_cast<unsigned char>(type));
  h.add(payload);
  return h.value();
}

class Writer : public ByteWriter {
 public:
  void value(const ParamValue& v) {
    pod<uint8_t>(static_cast<uint8_t>(v.index()));
    if (const bool* b = std::get_if<bool>(&v)) pod<uint8_t>(*b ? 1 : 0);
    if (const int64_t* i = std::get_if<int64_t>(&v)) pod<int64_t>(*i);
    if (const double* d = std::get_if<double>(&v)) pod<double>(*d);
    if (const std::string* s = std::get_if<std::string>(&v)) str(*s);
  }
  void values(const std::vector<ParamValue>& vs) {
    pod<uint64_t>(vs.size());
    for (const ParamValue& v : vs) value(v);
  }
};

class Reader : public ByteReader {
 public:
  using ByteReader::ByteReader;
  ParamValue value() {
    switch (pod<uint8_t>()) {
      case 0: return ParamValue(pod<uint8_t>() != 0);
      case 1: return ParamValue(pod<int64_t>());
      case 2: return ParamValue(pod<double>());
      case 3: return ParamValue(str());
      default: ok = false; return ParamValue(false);
    }
  }
  std::vector<ParamValue> values() {
    std::vector<ParamValue> vs(count(2));
    for (ParamValue& v : vs) v = value();
    return vs;
  }
};

}  // namespace

std::string encode_header(const SweepHeader& h) {
  Writer w;
  w.str(h.config_text);
  w.str(h.config_hash);
  w.str(h.strategy);
  w.pod<uint64_t>(h.seed);
  w.str(h.version);
  w.str(h.start_time);
  w.str(h.metric);
  w.pod<uint64_t>(h.space.params.size());
  for (const Param& p : h.space.params) {
    w.str(p.name);
    w.pod<uint8_t>(static_cast<uint8_t>(p.kind));
    w.pod<double>(p.lo);
    w.pod<double>(p.hi);
    w.pod<uint8_t>(p.log ? 1 : 0);
    w.values(p.choices);
    w.pod<int64_t>(p.grid);
    w.str(p.file);
    w.pod<int32_t>(p.line);
  }
  return w.take();
}

bool decode_header(const std::string& payload, SweepHeader* h) {
  Reader r(payload);
  h->config_text = r.str();
  h->config_hash = r.str();
  h->strategy = r.str();
  h->seed = r.pod<uint64_t>();
  h->version = r.str();
  h->start_time = r.str();
  h->metric = r.str();
  h->space.params.resize(r.count(8));
  for (Param& p : h->space.params) {
    p.name = r.str();
    const uint8_t kind = r.pod<uint8_t>();
    if (kind > static_cast<uint8_t>(ParamKind::kFixed)) r.ok = false;
    p.kind = static_cast<ParamKind>(kind);
    p.lo = r.pod<double>();
    p.hi = r.pod<double>();
    p.log = r.pod<uint8_t>() != 0;
    p.choices = r.values();
    p.grid = r.pod<int64_t>();
    p.file = r.str();
    p.line = r.pod<int32_t>();
  }
  return r.done();
}

std::string encode_trial(const TrialRecord& t) {
  Writer w;
  w.pod<int64_t>(t.id);
  w.str(t.status);
  w.values(t.params);
  w.pod<int32_t>(t.best_epoch);
  w.pod<double>(t.best_metric);
  w.pod<double>(t.test_acc);
  w.pod<double>(t.initial_loss);
  w.pod<int32_t>(t.num_classes);
  w.pod<int32_t>(t.epochs);
  w.pod<double>(t.seconds);
  w.pod<int32_t>(t.rank);
  w.str(t.host);
  w.pod<uint64_t>(t.curves.size());
  for (const EpochRow& e : t.curves) {
    w.pod<int32_t>(e.epoch);
    for (double v : {e.lr, e.train_loss, e.train_acc, e.val_loss, e.val_acc, e.seconds}) {
      w.pod<double>(v);
    }
  }
  w.pod<uint64_t>(t.layer_names.size());
  for (const std::string& n : t.layer_names) w.str(n);
  w.pod<uint64_t>(t.update_ratio.size());
  for (const std::vector<double>& row : t.update_ratio) {
    w.pod<uint64_t>(row.size());
    for (double v : row) w.pod<double>(v);
  }
  w.str(t.error);
  return w.take();
}

bool decode_trial(const std::string& payload, TrialRecord* t) {
  Reader r(payload);
  t->id = r.pod<int64_t>();
  t->status = r.str();
  t->params = r.values();
  t->best_epoch = r.pod<int32_t>();
  t->best_metric = r.pod<double>();
  t->test_acc = r.pod<double>();
  t->initial_loss = r.pod<double>();
  t->num_classes = r.pod<int32_t>();
  t->epochs = r.pod<int32_t>();
  t->seconds = r.pod<double>();
  t->rank = r.pod<int32_t>();
  t->host = r.str();
  t->curves.resize(r.count(52));
  for (EpochRow& e : t->curves) {
    e.epoch = r.pod<int32_t>();
    for (double* v : {&e.lr, &e.train_loss, &e.train_acc, &e.val_loss, &e.val_acc, &e.seconds}) {
      *v = r.pod<double>();
    }
  }
  t->layer_names.resize(r.count(8));
  for (std::string& n : t->layer_names) n = r.str();
  t->update_ratio.resize(r.count(8));
  for (std::vector<double>& row : t->update_ratio) {
    row.resize(r.count(8));
    for (double& v : row) v = r.pod<double>();
  }
  t->error = r.str();
  return r.done();
}

std::string frame(char type, const std::string& payload) {
  Writer w;
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
      if (!decode_trial(payload, &t)) break;
      j.records.push_back(std::move(t));
      ++trial_frames;
    } else if (type == 'C') {
      Reader r(payload);
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
