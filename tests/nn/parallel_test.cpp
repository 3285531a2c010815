#include "nn/parallel.h"

#include <omp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <vector>

using hs::detail::parallel_region;

namespace {

struct Run {
  int calls = 0;             // how many threads ran the region
  bool in_parallel = false;  // whether they ran it inside a parallel region, even a team of one
  std::vector<int> covered;  // how often the orphaned loop visited each iteration
};

// The region as the layers write it: an orphaned `omp for` over n iterations.
Run run_region(bool parallel, int threads, int n) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  Run r;
  r.covered.assign(n, 0);
  std::atomic<int> calls{0};
  std::atomic<bool> in_parallel{false};
  parallel_region(parallel, [&] {
    ++calls;
    if (omp_get_level() > 0) in_parallel = true;  // a team of one counts too
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) ++r.covered[i];  // each iteration is one thread's alone
  });
  omp_set_num_threads(saved);
  r.calls = calls;
  r.in_parallel = in_parallel;
  return r;
}

}  // namespace

TEST_CASE("parallel_region builds a team only when asked and more than one thread is free",
          "[nn][parallel]") {
  const std::vector<int> once(37, 1);
  SECTION("asked, 2 threads: both run the region and share the loop") {
    const Run r = run_region(true, 2, 37);
    CHECK(r.calls == 2);
    CHECK(r.in_parallel);
    CHECK(r.covered == once);
  }
  SECTION("not asked, 2 threads: the caller alone, outside any parallel region") {
    const Run r = run_region(false, 2, 37);
    CHECK(r.calls == 1);
    CHECK_FALSE(r.in_parallel);
    CHECK(r.covered == once);
  }
  SECTION("asked, 1 thread: no team of one") {
    const Run r = run_region(true, 1, 37);
    CHECK(r.calls == 1);
    CHECK_FALSE(r.in_parallel);
    CHECK(r.covered == once);
  }
}
