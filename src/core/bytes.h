// bytes.h: plain values as bytes and back, in host byte order, doubles bit-exact. The encoding
// of a trial record (trial/codec.h) and of a results file's header (store/header.h).
//
// May depend on: the standard library. Thread safety: one writer or reader per thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace hs {

class ByteWriter {
 public:
  template <class T>
  void pod(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    s_.append(b, sizeof(T));
  }
  void str(const std::string& v) {  // length-prefixed
    pod<uint64_t>(v.size());
    s_ += v;
  }
  std::string take() { return std::move(s_); }

 private:
  std::string s_;
};

// Reads what ByteWriter wrote. Any overrun sets ok = false and yields zeros from then on, so a
// reader checks once at the end (done()).
class ByteReader {
 public:
  explicit ByteReader(const std::string& s) : s_(s) {}
  template <class T>
  T pod() {
    T v{};
    if (!ok || s_.size() - pos_ < sizeof(T)) {
      ok = false;
      return v;
    }
    std::memcpy(&v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  // A count of items each at least `min_bytes` long: bounded by what is left, so a corrupt
  // count cannot ask for a huge allocation.
  uint64_t count(size_t min_bytes) {
    const uint64_t n = pod<uint64_t>();
    if (!ok || n > (s_.size() - pos_) / (min_bytes ? min_bytes : 1)) {
      ok = false;
      return 0;
    }
    return n;
  }
  std::string str() {
    const uint64_t n = count(1);
    if (!ok) return {};
    std::string v = s_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  bool at_end() const { return pos_ == s_.size(); }
  bool done() const { return ok && at_end(); }
  bool ok = true;

 private:
  const std::string& s_;
  size_t pos_ = 0;
};

}  // namespace hs
