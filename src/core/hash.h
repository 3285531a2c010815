// hash.h: FNV-1a 64, the checksum of the results journal's frames and the hash of a sweep's
// config text; and a word-wise variant for whole files (a results file's HDF5 bytes at a clean
// close). Not cryptographic: it catches torn writes and changed files, not attacks.
//
// May depend on: the standard library. Thread safety: plain values.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace hs {

// Feed bytes in any pieces; value() is the hash of all of them in order.
class Fnv1a64 {
 public:
  static constexpr uint64_t kStart = 0xcbf29ce484222325ULL;  // the hash of no bytes
  static uint64_t with_byte(uint64_t h, unsigned char c) { return (h ^ c) * 0x100000001b3ULL; }

  void add(unsigned char c) { h_ = with_byte(h_, c); }
  void add(std::string_view bytes) {
    for (const char c : bytes) add(static_cast<unsigned char>(c));
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = kStart;
};

// Four FNV-1a 64 hashes carried on at once: h[k], a hash's value so far (Fnv1a64::kStart for
// none), becomes its value with bytes[k] added, as Fnv1a64::add would make it. Each byte's step
// waits for the step before it, so one hash at a time leaves the multiplier mostly idle; four
// chains side by side overlap, about three times the bytes a second.
inline void fnv1a64_add4(uint64_t h[4], const std::string_view bytes[4]) {
  for (size_t at = 0;;) {
    // The strings with bytes left from `at` on, to the end of the shortest of them; a finished
    // one's chain hashes another's bytes into a value thrown away, keeping four side by side.
    int live = -1;
    size_t until = ~size_t{0};
    for (int k = 0; k < 4; ++k) {
      if (bytes[k].size() <= at) continue;
      live = k;
      until = std::min(until, bytes[k].size());
    }
    if (live < 0) return;
    std::string_view in[4];
    uint64_t v[4];
    for (int k = 0; k < 4; ++k) {
      const bool on = bytes[k].size() > at;
      in[k] = on ? bytes[k] : bytes[live];
      v[k] = on ? h[k] : 0;
    }
    uint64_t h0 = v[0], h1 = v[1], h2 = v[2], h3 = v[3];
    for (size_t i = at; i < until; ++i) {
      h0 = Fnv1a64::with_byte(h0, static_cast<unsigned char>(in[0][i]));
      h1 = Fnv1a64::with_byte(h1, static_cast<unsigned char>(in[1][i]));
      h2 = Fnv1a64::with_byte(h2, static_cast<unsigned char>(in[2][i]));
      h3 = Fnv1a64::with_byte(h3, static_cast<unsigned char>(in[3][i]));
#if defined(__GNUC__)
      // Four scalar chains: vectorised, one 64-bit vector multiply (vpmullq) is slower than four.
      asm("" : "+r"(h0), "+r"(h1), "+r"(h2), "+r"(h3));
#endif
    }
    const uint64_t out[4] = {h0, h1, h2, h3};
    for (int k = 0; k < 4; ++k)
      if (bytes[k].size() > at) h[k] = out[k];
    at = until;
  }
}

// FNV-1a's step over 8-byte words (host byte order) in 4 interleaved lanes, so that a file hashes
// at memory speed (bytes at a time, FNV-1a is several times slower). Feed it in any pieces whose
// sizes are multiples of 32 bytes but the last; value() mixes the lanes and the byte count.
class WordHash64 {
 public:
  void add(std::string_view bytes) {
    const char* p = bytes.data();
    size_t n = bytes.size();
    uint64_t a = lane_[0], b = lane_[1], c = lane_[2], d = lane_[3];
    for (; n >= 32; n -= 32, p += 32) {
      uint64_t w[4];
      std::memcpy(w, p, 32);
      a = (a ^ w[0]) * 0x100000001b3ULL;
      b = (b ^ w[1]) * 0x100000001b3ULL;
      c = (c ^ w[2]) * 0x100000001b3ULL;
      d = (d ^ w[3]) * 0x100000001b3ULL;
#if defined(__GNUC__)
      asm("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));  // scalar chains, as in fnv1a64_add4
#endif
    }
    lane_[0] = a, lane_[1] = b, lane_[2] = c, lane_[3] = d;
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
  uint64_t lane_[4] = {Fnv1a64::kStart, 0x84222325cbf29ce4ULL, 0x9ce484222325cbf2ULL,
                       0x2325cbf29ce48422ULL};
  uint64_t size_ = 0;
};

}  // namespace hs
