// hash.h: FNV-1a 64, the checksum of the results journal's frames and the hash of a sweep's
// config text; and a word-wise variant for whole files (a results file's HDF5 bytes at a clean
// close). Not cryptographic: it catches torn writes and changed files, not attacks.
//
// May depend on: the standard library. Thread safety: plain values.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace hs {

// Feed bytes in any pieces; value() is the hash of all of them in order.
class Fnv1a64 {
 public:
  void add(unsigned char c) {
    h_ ^= c;
    h_ *= 0x100000001b3ULL;
  }
  void add(std::string_view bytes) {
    for (const char c : bytes) add(static_cast<unsigned char>(c));
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

// FNV-1a's step over 8-byte words (host byte order) in 4 interleaved lanes, so that a file hashes
// at memory speed (bytes at a time, FNV-1a is several times slower). Feed it in any pieces whose
// sizes are multiples of 32 bytes but the last; value() mixes the lanes and the byte count.
class WordHash64 {
 public:
  void add(std::string_view bytes) {
    const char* p = bytes.data();
    size_t n = bytes.size();
    for (; n >= 32; n -= 32, p += 32) {
      for (int k = 0; k < 4; ++k) {
        uint64_t w;
        std::memcpy(&w, p + 8 * k, 8);
        lane_[k] = (lane_[k] ^ w) * 0x100000001b3ULL;
      }
    }
    for (; n > 0; --n, ++p) lane_[0] = (lane_[0] ^ static_cast<unsigned char>(*p)) * 0x100000001b3ULL;
    size_ += bytes.size();
  }
  uint64_t value() const {
    Fnv1a64 h;
    for (uint64_t v : {lane_[0], lane_[1], lane_[2], lane_[3], size_})
      h.add(std::string_view(reinterpret_cast<const char*>(&v), 8));
    return h.value();
  }

 private:
  uint64_t lane_[4] = {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL, 0x9ce484222325cbf2ULL,
                       0x2325cbf29ce48422ULL};
  uint64_t size_ = 0;
};

}  // namespace hs
