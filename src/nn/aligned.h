// aligned.h: AlignedVector, a std::vector whose storage starts on a 64-byte boundary (a cache
// line, and the widest SIMD register of any build).
//
// Why: Eigen's small products (a product whose dimensions sum to under 20 is computed
// coefficient by coefficient) peel scalar iterations off the front of the destination until it
// is aligned for SIMD, and the scalar and SIMD paths round differently. Where the heap happened to
// put a buffer would then change a result's last bits, and a trial could train differently in
// one process than in another. Every buffer the layers write through Eigen is an AlignedVector,
// so the peeling, and the bits, are the same everywhere.
//
// May depend on: the standard library. Thread safety: as std::vector.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace hs {

template <class T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};

  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, kAlign); }

  template <class U>
  bool operator==(const AlignedAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

}  // namespace hs
