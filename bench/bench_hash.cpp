// bench_hash: the results journal's checksums, one frame at a time against four at once
// (core/hash.h; Google Benchmark).
//
// Cases (frames of 600 to 1,100 bytes, about a journal's trial records, 64 MiB in all):
//   BM_FramesOneByOne   Fnv1a64 over each frame in turn, as frame_at checks one
//   BM_FramesFourAtOnce fnv1a64_add4 over four frames at a time, as intact_run checks a run
//   BM_WordHash         WordHash64 over the same bytes as one piece (a results file's hash)
// Counters: bytes_per_second. Each case checks, before it is timed, that its hashes are the
// ones the one-at-a-time case gives (the word hash against a throwaway lane-by-lane one).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.h"
#include "core/rng.h"

namespace {

using namespace hs;

struct Frames {
  std::string bytes;
  std::vector<std::string_view> frames;
};

const Frames& frames() {
  static const Frames f = [] {
    Frames out;
    Rng rng(42);
    out.bytes.resize(size_t{64} << 20);
    for (char& c : out.bytes) c = static_cast<char>(rng.below(256));
    for (size_t at = 0; at + 1100 <= out.bytes.size();) {
      const size_t n = 600 + rng.below(501);
      out.frames.emplace_back(out.bytes.data() + at, n);
      at += n;
    }
    return out;
  }();
  return f;
}

uint64_t one(std::string_view s) {
  Fnv1a64 h;
  h.add(s);
  return h.value();
}

// The four-at-once sums of every frame (a last group of fewer than four padded with empty views).
std::vector<uint64_t> four_at_once(const std::vector<std::string_view>& fs) {
  std::vector<uint64_t> out(fs.size());
  for (size_t i = 0; i < fs.size(); i += 4) {
    uint64_t h[4] = {Fnv1a64::kStart, Fnv1a64::kStart, Fnv1a64::kStart, Fnv1a64::kStart};
    std::string_view v[4];
    for (size_t k = 0; k < 4 && i + k < fs.size(); ++k) v[k] = fs[i + k];
    fnv1a64_add4(h, v);
    for (size_t k = 0; k < 4 && i + k < fs.size(); ++k) out[i + k] = h[k];
  }
  return out;
}

void BM_FramesOneByOne(benchmark::State& state) {
  const Frames& f = frames();
  for (auto _ : state) {
    uint64_t x = 0;
    for (std::string_view s : f.frames) x ^= one(s);
    benchmark::DoNotOptimize(x);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes.size()));
}

void BM_FramesFourAtOnce(benchmark::State& state) {
  const Frames& f = frames();
  const std::vector<uint64_t> sums = four_at_once(f.frames);
  for (size_t i = 0; i < f.frames.size(); ++i) {
    if (sums[i] != one(f.frames[i])) {
      state.SkipWithError("fnv1a64_add4 disagrees with Fnv1a64");
      return;
    }
  }
  for (auto _ : state) benchmark::DoNotOptimize(four_at_once(f.frames).data());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes.size()));
}

void BM_WordHash(benchmark::State& state) {
  const Frames& f = frames();
  // The same hash lane by lane, eight bytes a step, as a check of the unrolled one.
  uint64_t lane[4] = {Fnv1a64::kStart, 0x84222325cbf29ce4ULL, 0x9ce484222325cbf2ULL,
                      0x2325cbf29ce48422ULL};
  for (size_t at = 0; at + 8 <= f.bytes.size(); at += 8) {
    uint64_t w;
    std::memcpy(&w, f.bytes.data() + at, 8);
    lane[at / 8 % 4] = (lane[at / 8 % 4] ^ w) * 0x100000001b3ULL;
  }
  Fnv1a64 mix;
  const uint64_t size = f.bytes.size();
  for (uint64_t v : {lane[0], lane[1], lane[2], lane[3], size})
    mix.add(std::string_view(reinterpret_cast<const char*>(&v), 8));
  WordHash64 check;
  check.add(f.bytes);
  if (check.value() != mix.value()) {
    state.SkipWithError("WordHash64 disagrees with the lane-by-lane hash");
    return;
  }
  for (auto _ : state) {
    WordHash64 h;
    h.add(f.bytes);
    benchmark::DoNotOptimize(h.value());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes.size()));
}

BENCHMARK(BM_FramesOneByOne)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FramesFourAtOnce)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WordHash)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
