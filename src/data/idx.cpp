// idx.cpp: IDX image/label pairs (MNIST, Fashion-MNIST), gzipped or plain.
//
// A file is read whole: its header first, then the payload in large gzread calls into one
// buffer sized from the header, converted to float once. All of Fashion-MNIST (70000 images)
// loads in ~0.4 s.
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "data/internal.h"
#include "data/load.h"

namespace hs {
namespace {

using data_internal::open_error;

struct IdxKind {
  uint32_t magic;
  int ndims;
  const char* what;  // for messages
};
constexpr IdxKind kImages{0x00000803, 3, "IDX3 uint8 images"};
constexpr IdxKind kLabels{0x00000801, 1, "IDX1 uint8 labels"};

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

uint32_t big_endian32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

struct GzClose {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzClose>;

// Reads up to `len` bytes; fewer only at the end of the data or on an error (see gz_failure).
int64_t read_some(gzFile f, uint8_t* dst, int64_t len) {
  int64_t got = 0;
  while (got < len) {
    const auto chunk = static_cast<unsigned>(std::min<int64_t>(len - got, int64_t{1} << 30));
    const int r = gzread(f, dst + got, chunk);
    if (r <= 0) break;
    got += r;
  }
  return got;
}

// Non-empty when zlib reports a read error other than a premature end of the gzip stream, which
// the callers report as truncation with the byte counts.
std::string gz_failure(gzFile f, bool gzip) {
  int errnum = Z_OK;
  const char* msg = gzerror(f, &errnum);
  if (errnum == Z_OK || errnum == Z_BUF_ERROR) return {};
  if (errnum == Z_ERRNO) return std::string("cannot read: ") + std::strerror(errno);
  return std::string(gzip ? "corrupt gzip data: " : "cannot read: ") + msg;
}

// " (the gzip stream ends early)" when zlib saw the compressed data stop mid-stream.
std::string gz_truncation_note(gzFile f) {
  int errnum = Z_OK;
  gzerror(f, &errnum);
  return errnum == Z_BUF_ERROR ? " (the gzip stream ends early)" : "";
}

// Reads one IDX file of `kind`: the dims from its header (dims[0] is the count) and the payload,
// checked to be exactly as long as the header says.
Status read_idx(const std::string& path, const IdxKind& kind, uint32_t dims[3],
                std::vector<uint8_t>* payload) {
  // The first two bytes tell gzip (1f 8b) from plain data, whatever the file is called.
  bool gzip = false;
  {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return open_error(path, errno);
    unsigned char m[2] = {0, 0};
    gzip = std::fread(m, 1, 2, f) == 2 && m[0] == 0x1f && m[1] == 0x8b;
    std::fclose(f);
  }
  // zlib reads plain files too (transparently), so both forms take the same path below.
  GzFile f(gzopen(path.c_str(), "rb"));
  if (!f) return open_error(path, errno);
  gzbuffer(f.get(), 1 << 20);

  uint8_t header[16];
  const int64_t header_size = 4 + 4 * kind.ndims;
  const int64_t got = read_some(f.get(), header, header_size);
  if (std::string e = gz_failure(f.get(), gzip); !e.empty()) return make_error(path, e);
  if (got < 4) {
    return make_error(path, "truncated: " + std::to_string(got) +
                                " bytes, too short for an IDX header" +
                                gz_truncation_note(f.get()));
  }
  const uint32_t magic = big_endian32(header);
  if (magic != kind.magic) {
    return make_error(path, "bad magic number " + hex32(magic) + " (expected " +
                                hex32(kind.magic) + ", " + kind.what + ")");
  }
  if (got < header_size) {
    return make_error(path, "truncated: the IDX header needs " + std::to_string(header_size) +
                                " bytes but the file has " + std::to_string(got));
  }
  for (int i = 0; i < kind.ndims; ++i) dims[i] = big_endian32(header + 4 + 4 * i);

  // Sizes a Dataset can index (int32 sample indices, int height/width); also keeps the products
  // below from overflowing on a corrupt header.
  const uint64_t count = dims[0];
  uint64_t per_sample = 1;
  std::string described = std::to_string(count) + " labels";
  if (kind.ndims == 3) {
    per_sample = uint64_t{dims[1]} * dims[2];
    described = std::to_string(count) + " images of " + std::to_string(dims[1]) + "x" +
                std::to_string(dims[2]);
    if (dims[1] == 0 || dims[2] == 0 || per_sample > INT32_MAX) {
      return make_error(path, "bad header: image size " + std::to_string(dims[1]) + "x" +
                                  std::to_string(dims[2]));
    }
  }
  if (count == 0) return make_error(path, "no samples: header says " + described);
  if (count > INT32_MAX) return make_error(path, "too many samples: header says " + described);
  const uint64_t expected = count * per_sample;

  // Read one byte more than expected to notice data beyond what the header describes. The
  // initial reservation is capped so a corrupt header cannot demand a huge allocation up front.
  payload->clear();
  payload->reserve(std::min<uint64_t>(expected + 1, uint64_t{1} << 30));
  constexpr int64_t kChunk = int64_t{1} << 26;
  while (payload->size() <= expected) {
    const size_t old = payload->size();
    const int64_t want = std::min<int64_t>(kChunk, static_cast<int64_t>(expected + 1 - old));
    payload->resize(old + want);
    const int64_t r = read_some(f.get(), payload->data() + old, want);
    payload->resize(old + r);
    if (r < want) break;
  }
  if (std::string e = gz_failure(f.get(), gzip); !e.empty()) return make_error(path, e);
  const std::string size_text = described + " (" + std::to_string(expected) + " bytes)";
  if (payload->size() < expected) {
    return make_error(path, "truncated: header says " + size_text + " but only " +
                                std::to_string(payload->size()) + " bytes follow" +
                                gz_truncation_note(f.get()));
  }
  if (payload->size() > expected) {
    return make_error(path, "trailing data: header says " + size_text +
                                " but more bytes follow");
  }
  return Status::Ok();
}

}  // namespace

Result<Dataset> load_idx(const std::string& images_path, const std::string& labels_path,
                         Keep keep) {
  uint32_t label_dims[3] = {0, 0, 0};
  uint32_t image_dims[3] = {0, 1, 1};
  std::vector<uint8_t> labels;
  std::vector<uint8_t> pixels;
  if (Status s = read_idx(labels_path, kLabels, label_dims, &labels); !s) return s.error();
  if (keep == Keep::kLabels) {
    image_dims[0] = label_dims[0];
  } else if (Status s = read_idx(images_path, kImages, image_dims, &pixels); !s) {
    return s.error();
  }
  if (label_dims[0] != image_dims[0]) {
    return make_error(labels_path, "shape mismatch: " + std::to_string(label_dims[0]) +
                                       " labels but " + images_path + " has " +
                                       std::to_string(image_dims[0]) + " images");
  }

  Dataset d;
  d.name = images_path;
  d.n = image_dims[0];
  d.height = static_cast<int>(image_dims[1]);
  d.width = static_cast<int>(image_dims[2]);
  d.channels = 1;
  d.is_image = true;
  d.x.resize(pixels.size());
  for (size_t i = 0; i < pixels.size(); ++i) d.x[i] = static_cast<float>(pixels[i]) / 255.0f;
  d.y.assign(labels.begin(), labels.end());
  d.num_classes = *std::max_element(labels.begin(), labels.end()) + 1;
  return d;
}

}  // namespace hs
