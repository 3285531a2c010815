// hash.h: FNV-1a 64, the checksum of the results journal's frames and the hash of a sweep's
// config text. Not cryptographic: it catches torn writes and changed files, not attacks.
//
// May depend on: the standard library. Thread safety: plain values.
#pragma once

#include <cstdint>
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

}  // namespace hs
