// A loaded data set's inputs in transparent huge pages (data/load.h: hold_in_huge_pages).
#include <sys/mman.h>

#include <cstdint>

#include "data/load.h"

namespace hs {

namespace {

// The huge page of x86-64 and of arm64 with 4 KiB pages: one page-middle-directory entry.
constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;

#ifdef MADV_COLLAPSE
constexpr int kMadvCollapse = MADV_COLLAPSE;
#else
constexpr int kMadvCollapse = 25;  // Linux 6.1's value; glibc's headers before 2.37 lack the name
#endif

}  // namespace

std::size_t hold_in_huge_pages(const void* p, std::size_t bytes) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t first = (at + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t end = (at + bytes) & ~(kHugePage - 1);
  if (p == nullptr || end <= first) return 0;
  void* const from = reinterpret_cast<void*>(first);
  const std::size_t len = end - first;
  // MADV_HUGEPAGE marks the range for khugepaged, where THP is "madvise" or "always" (the last
  // resort where the kernel refuses the collapse); MADV_COLLAPSE moves it into huge pages now.
  if (::madvise(from, len, MADV_HUGEPAGE) != 0) return 0;
  return ::madvise(from, len, kMadvCollapse) == 0 ? len : 0;
}

std::size_t hold_in_huge_pages(const DataBundle& b) {
  std::size_t moved = 0;
  for (const Dataset* d : {b.train_file.get(), b.test_file.get()})
    if (d) moved += hold_in_huge_pages(d->x.data(), d->x.size() * sizeof(float));
  return moved;
}

}  // namespace hs
