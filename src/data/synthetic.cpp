// synthetic.cpp: the generated data set (contract in load.h).
//
// Prototypes are 2x2-pixel blocks so that they survive a CNN's pooling and an MLP sees large,
// clean differences: two random 0/1 patterns differ in about half their blocks, a distance of
// ~sqrt(size^2 / 2) against noise of `noise` per pixel along it. At the defaults (8x8, noise 0.5)
// that is ~5.7 against 0.5: far above chance for both, yet not separable by a single pixel.
#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "core/check.h"
#include "core/rng.h"
#include "data/load.h"

namespace hs {

Dataset make_synthetic(int64_t n, int classes, int size, double noise, uint64_t seed,
                       uint64_t sample_stream) {
  HS_CHECK(n >= 0 && n <= INT32_MAX && classes >= 1 && size >= 1 && noise >= 0);
  const int cells = (size + 1) / 2;  // blocks per side
  const int64_t ncell = int64_t{cells} * cells;
  const int64_t dim = int64_t{size} * size;

  // Prototypes from `seed` alone, so every sample stream shares them. A pattern equal to an
  // earlier class's is redrawn (a bounded number of times: a 1- or 2-pixel image has only two).
  Rng proto_rng(derive_seed(seed, 0, SeedPurpose::kData));
  std::vector<uint8_t> blocks(static_cast<size_t>(classes * ncell));
  for (int c = 0; c < classes; ++c) {
    uint8_t* b = blocks.data() + c * ncell;
    for (int attempt = 0; attempt < 64; ++attempt) {
      for (int64_t k = 0; k < ncell; ++k) b[k] = static_cast<uint8_t>(proto_rng.next_u64() >> 63);
      bool repeated = false;
      for (int e = 0; e < c && !repeated; ++e) {
        repeated = std::equal(b, b + ncell, blocks.data() + e * ncell);
      }
      if (!repeated) break;
    }
  }

  Dataset d;
  d.name = "synthetic(seed=" + std::to_string(seed) + ", stream=" +
           std::to_string(sample_stream) + ")";
  d.n = n;
  d.height = size;
  d.width = size;
  d.channels = 1;
  d.is_image = true;
  d.num_classes = classes;

  // Labels and noise from the sample stream: balanced labels (counts differ by at most one).
  Rng rng(derive_seed(seed, 1 + sample_stream, SeedPurpose::kData));
  d.y.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) d.y[i] = static_cast<int32_t>(i % classes);
  rng.shuffle(d.y.data(), static_cast<uint64_t>(n));
  d.x.resize(static_cast<size_t>(n * dim));
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* b = blocks.data() + d.y[i] * ncell;
    float* row = d.x.data() + i * dim;
    for (int r = 0; r < size; ++r) {
      for (int c = 0; c < size; ++c) {
        row[r * size + c] = static_cast<float>(b[(r / 2) * cells + c / 2] + noise * rng.normal());
      }
    }
  }
  return d;
}

}  // namespace hs
