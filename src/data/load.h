// load.h: where a run's data comes from (DataOptions, filled from the config) and the loaders.
//
// Sources:
//   fashion_mnist  gzipped or plain IDX files in `path` (Debian's dataset-fashion-mnist puts them
//                  in /usr/share/datasets/fashion-mnist): train-images-idx3-ubyte[.gz],
//                  train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-...
//                  Pixels are scaled to [0, 1].
//   csv            `path`: one sample a line, label first, then the features; an optional header
//                  line (non-numeric first field) is skipped.
//   hdf5           `path`: datasets X float [N, D] or [N, H, W, C] and y int [N].
//   synthetic      generated, deterministic, small images of class-specific patterns plus noise.
// For csv and hdf5, `test_path` names the held-out test file; without it `test_fraction` of the
// file's rows move into the test set (split_indices, seed derive_seed(split_seed, 1, kSplit)).
// num_classes of both sets is the larger of the two. Then train_limit and test_limit keep the
// first N samples of each, and `val_fraction` of the remaining training samples become the
// validation set (split_indices, seed derive_seed(split_seed, 0, kSplit)). split_seed is not the
// training seed, so every trial of a sweep validates on the same samples; it also seeds the
// synthetic data (make_synthetic(..., split_seed, stream 0) trains, a quarter as many samples
// from stream 1 test). A fraction in (0, 1) that leaves either side empty is an error; 0 makes
// an empty validation (or test) set.
//
// Errors name the file and what is wrong: missing, bad magic number, truncated, label out of
// range, shape mismatch, non-numeric field (with its line).
//
// May depend on: src/core, zlib, HDF5. Thread safety: loaders share no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "data/dataset.h"

namespace hs {

enum class DataSource { kFashionMnist, kCsv, kHdf5, kSynthetic };
const char* data_source_name(DataSource s);  // fashion_mnist, csv, hdf5, synthetic
bool parse_data_source(std::string_view s, DataSource* out);

struct DataOptions {
  DataSource source = DataSource::kFashionMnist;
  std::string path = "/usr/share/datasets/fashion-mnist";  // dir (fashion_mnist) or file
  std::string test_path;          // csv/hdf5: held-out test file (empty: split test_fraction)
  double val_fraction = 0.1;      // of the training samples, for validation
  double test_fraction = 0.1;     // csv/hdf5 without test_path
  int64_t train_limit = 0;        // use only the first N training-file samples (0: all)
  int64_t test_limit = 0;         // use only the first N test samples (0: all)
  uint64_t split_seed = 0;        // seeds the train/validation (and test) split
  int64_t synthetic_samples = 2048;  // synthetic: training-file samples (test: a quarter of it)
  int synthetic_classes = 4;
  int synthetic_size = 8;         // synthetic: images are size x size x 1
  double synthetic_noise = 0.5;   // synthetic: noise standard deviation
};

// One IDX pair (images idx3 uint8, labels idx1 uint8), gzipped or plain (detected by the gzip
// magic bytes, not the file name). Pixels scaled by 1/255.
Result<Dataset> load_idx(const std::string& images_path, const std::string& labels_path);

// CSV file: label, f1, f2, ... The label must be an integer >= 0.
Result<Dataset> load_csv(const std::string& path);

// HDF5 file with X float [N, D] or [N, H, W, C] and y integer [N].
Result<Dataset> load_hdf5(const std::string& path);

// The deterministic synthetic set: n samples, `classes` classes, size x size x 1 images. Each
// class has a prototype, a random pattern of 2x2-pixel blocks at 0 or 1 (no two alike where the
// image has room), drawn from `seed` alone; a sample is its class prototype plus N(0, noise^2)
// per pixel. Labels (i % classes, shuffled) and noise come from the stream `sample_stream`, so
// two calls with the same seed and different streams give disjoint draws of the same classes
// (load_data: stream 0 is the training file, stream 1 the test set).
// REQUIRES: n >= 0, classes >= 1, size >= 1, noise >= 0.
Dataset make_synthetic(int64_t n, int classes, int size, double noise, uint64_t seed,
                       uint64_t sample_stream = 0);

// Loads what `opt` names and makes the train/validation/test views.
Result<DataBundle> load_data(const DataOptions& opt);

// Splits [0, n) into two index lists, `fraction` of them (rounded) into the second, by a
// generator seeded with `seed`; both lists come out sorted.
// REQUIRES: 0 <= n <= INT32_MAX, 0 <= fraction <= 1.
void split_indices(int64_t n, double fraction, uint64_t seed, std::vector<int32_t>* first,
                   std::vector<int32_t>* second);

}  // namespace hs
