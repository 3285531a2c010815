// rng.h: explicit, portable randomness (STYLE.md, "Randomness is explicit").
//
// Every random draw in hypersweep comes from an Rng seeded by derive_seed(sweep seed, trial id,
// purpose). The generator (xoshiro256**) and the distributions below are written out here, not
// taken from <random>, because std:: distributions differ between standard libraries and a
// sweep must give the same numbers everywhere. No global or thread-local engines exist.
//
// Thread safety: an Rng is a plain value; share none between threads.
#pragma once

#include <cmath>
#include <cstdint>

namespace hs {

// What a seed is for: two purposes never share a stream.
enum class SeedPurpose : uint64_t {
  kInit = 1,      // weight initialisation
  kShuffle = 2,   // minibatch order
  kDropout = 3,   // dropout masks
  kSplit = 4,     // train/validation split
  kData = 5,      // synthetic data
  kSearch = 6,    // search strategies
  kTrial = 7,     // a sweep trial's training seed
  kPrune = 8,     // a trial's hyperband bracket
  kReport = 9,    // the trials a large sweep's report samples
};

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A seed for (seed, id, purpose): changing any one gives an unrelated stream.
inline uint64_t derive_seed(uint64_t seed, uint64_t id, SeedPurpose purpose) {
  uint64_t s = seed;
  uint64_t a = splitmix64(s);
  s = a ^ (id * 0xd1342543de82ef95ULL);
  uint64_t b = splitmix64(s);
  s = b ^ (static_cast<uint64_t>(purpose) * 0xa0761d6478bd642fULL);
  return splitmix64(s);
}

// The seed trial `id` of a sweep seeded `sweep_seed` trains with (a non-negative int64, as TOML
// holds it): objective.h trial_seed, and what `show --trial` prints.
inline uint64_t trial_seed_of(uint64_t sweep_seed, int64_t id) {
  return derive_seed(sweep_seed, static_cast<uint64_t>(id), SeedPurpose::kTrial) >> 1;
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t s = seed;
    for (auto& w : s_) w = splitmix64(s);
  }

  uint64_t next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift, bias below 2^-32 for small n).
  uint64_t below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<__uint128_t>(next_u64()) * n) >> 64);
  }

  // Standard normal by Box-Muller (no cached second value, so the stream stays simple).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  // Fisher-Yates shuffle of [first, first + n).
  template <class T>
  void shuffle(T* first, uint64_t n) {
    for (uint64_t i = n; i > 1; --i) {
      const uint64_t j = below(i);
      T tmp = first[i - 1];
      first[i - 1] = first[j];
      first[j] = tmp;
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace hs
