// load.h: where a run's data comes from (DataOptions, filled from the config) and the loaders.
//
// README.md, "Data files", is the user's description of every format and key; this comment is
// the contract the code keeps.
//
// Sources:
//   fashion_mnist  gzipped or plain IDX files in `path` (Debian's dataset-fashion-mnist puts them
//                  in /usr/share/datasets/fashion-mnist): train-images-idx3-ubyte[.gz],
//                  train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-...
//                  Pixels are scaled to [0, 1].
//   csv            `path`: one sample a line, numeric fields; the label is the column
//                  `label_column` names (default the last, as pandas' to_csv(index=False) writes
//                  a frame with the label last), every other column a feature. A first line
//                  with a non-numeric field is a header, and only with one may label_column name
//                  a column.
//   hdf5           `path`: datasets `h5_inputs` (default X) of any integer or float type,
//                  [N, D] or 4-D, and `h5_labels` (default y) integer [N]. A 4-D X is
//                  [N, H, W, C] for layout nhwc, [N, C, H, W] (PyTorch) for nchw, which is
//                  transposed to NHWC on loading.
//   synthetic      generated, deterministic, small images of class-specific patterns plus noise.
// Labels (csv and hdf5) are integers >= 0; a label column or data set with more than
// kMaxClasses distinct values or classes, or numbered far more sparsely than labels are (more
// than 10 classes and fewer than half of them present), is refused as a feature taken for the
// label, naming the column (csv) or data set (hdf5) and the key that chooses another.
// For csv and hdf5, `test_path` names the held-out test file; without it `test_fraction` of the
// file's rows move into the test set (split_indices, seed derive_seed(split_seed, 1, kSplit)).
// num_classes of both sets is the training file's; a test label beyond its labels is an error
// naming test_path and the label (the model would never learn that class). Then train_limit and
// test_limit keep the first N samples of each, and `val_fraction` of the remaining training
// samples become the validation set (split_indices, seed derive_seed(split_seed, 0, kSplit)). split_seed is not the
// training seed, so every trial of a sweep validates on the same samples; it also seeds the
// synthetic data (make_synthetic(..., split_seed, stream 0) trains, a quarter as many samples
// from stream 1 test). A fraction in (0, 1) that leaves either side empty is an error; 0 makes
// an empty validation (or test) set.
// Last, `normalize` transforms every input (training, validation and test rows) per channel (an
// image's last NHWC axis; a tabular set's every feature is a channel), with statistics of the
// training rows alone (bundle.train, never validation or test): standard (x - mean) / std,
// minmax (x - min) / (max - min) (a channel constant over the training rows: divided by 1 instead),
// none, or auto: minmax when the training file stored integers (Dataset::integer_inputs: an
// HDF5 integer type such as uint8 pixels, or CSV features that are all whole numbers), else none.
//
// Errors name the file and what is wrong: missing, bad magic number, truncated, label out of
// range, a label column that looks like a feature, shape mismatch, non-numeric field (with its
// line).
//
// May depend on: src/core, zlib, HDF5. Thread safety: loaders share no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "data/dataset.h"

namespace hs {

enum class DataSource { kFashionMnist, kCsv, kHdf5, kSynthetic };
const char* data_source_name(DataSource s);  // fashion_mnist, csv, hdf5, synthetic
bool parse_data_source(std::string_view s, DataSource* out);

// How a 4-D HDF5 input array is ordered: [N, H, W, C] or [N, C, H, W] (PyTorch).
enum class Layout { kNhwc, kNchw };
const char* layout_name(Layout l);  // nhwc, nchw
bool parse_layout(std::string_view s, Layout* out);

// What load_data does to the inputs (see the top of this file).
enum class Normalize { kAuto, kNone, kStandard, kMinmax };
const char* normalize_name(Normalize n);  // auto, none, standard, minmax
bool parse_normalize(std::string_view s, Normalize* out);

// A label column or data set with more distinct values (or classes) than this is a feature.
inline constexpr int kMaxClasses = 1000;
// The most float values a synthetic set (its training file and test quarter) may hold.
inline constexpr double kMaxSyntheticValues = 2147483648.0;

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
  std::string label_column = "last";  // csv: "last", "first", a 0-based index, a header name
  std::string h5_inputs = "X";    // hdf5: the inputs' data set
  std::string h5_labels = "y";    // hdf5: the labels' data set
  Layout layout = Layout::kNhwc;  // hdf5: the order of a 4-D input array's axes
  Normalize normalize = Normalize::kAuto;

  bool operator==(const DataOptions&) const = default;
};

// One IDX pair (images idx3 uint8, labels idx1 uint8), gzipped or plain (detected by the gzip
// magic bytes, not the file name). Pixels scaled by 1/255. Keep::kLabels: the labels file
// alone (height and width then unknown, 1).
Result<Dataset> load_idx(const std::string& images_path, const std::string& labels_path,
                         Keep keep = Keep::kAll);

// CSV file: numeric fields, the label in the column `label_column` names ("last", "first", a
// 0-based index, or a header name), an integer >= 0. Keep::kLabels: every line's fields are
// counted, the label parsed and checked, the features skipped.
Result<Dataset> load_csv(const std::string& path, std::string_view label_column,
                         Keep keep = Keep::kAll);

// HDF5 file with inputs `inputs` (numbers, [N, D] or 4-D in `layout`) and labels `labels`
// (integers, [N]). Keep::kLabels: the inputs' shape is read, not their values.
Result<Dataset> load_hdf5(const std::string& path, const std::string& inputs = "X",
                          const std::string& labels = "y", Layout layout = Layout::kNhwc,
                          Keep keep = Keep::kAll);

// The deterministic synthetic set: n samples, `classes` classes, size x size x 1 images. Each
// class has a prototype, a random pattern of 2x2-pixel blocks at 0 or 1 (no two alike where the
// image has room), drawn from `seed` alone; a sample is its class prototype plus N(0, noise^2)
// per pixel. Labels (i % classes, shuffled) and noise come from the stream `sample_stream`, so
// two calls with the same seed and different streams give disjoint draws of the same classes
// (load_data: stream 0 is the training file, stream 1 the test set).
// REQUIRES: n >= 0, classes >= 1, size >= 1, noise >= 0.
Dataset make_synthetic(int64_t n, int classes, int size, double noise, uint64_t seed,
                       uint64_t sample_stream = 0);

// Loads what `opt` names, makes the train/validation/test views and normalises the inputs.
// test = Keep::kLabels, for a run that never tests: the test set's labels are still checked (so
// it refuses the test file a testing run refuses), but its samples are not read (a separate test
// file) or are dropped (rows held out of the training file, which leave it all the same), and
// the test view comes out empty (DataBundle::test_kept).
Result<DataBundle> load_data(const DataOptions& opt, Keep test = Keep::kAll);

// What can be told of `opt` before anything is read or made: a synthetic set's keys and its size
// (load_data checks it again). Errors: as load_data's, naming the key.
Status check_data_options(const DataOptions& opt);

// Asks the kernel to hold the 2 MiB-aligned interior of [p, p + bytes) in transparent huge pages
// now (MADV_COLLAPSE), and returns how many bytes it moved: 0 where the kernel has no huge pages
// for it or refuses (too old, THP off, no free huge page), which changes nothing but speed.
// Advice only: the contents stay as they are.
std::size_t hold_in_huge_pages(const void* p, std::size_t bytes);

// Both data sets' inputs of `b` so; the bytes moved. The trial host holds its data set so
// (objective/forked_objective.cpp): a trial's process, forked from it, reads them through 512
// times fewer pages. On a 2-core VM that took an isolated trial's first epoch on the whole of
// Fashion-MNIST from 0.36 s to 0.13 s (its later epochs: 0.11 s); bench/README.md, "A trial's
// first reads of the data set". Not load_data's own: the collapse copies the inputs once (0.2 to
// 0.6 s of system time for all of Fashion-MNIST), which a process that reads them in place, or
// only checks them, does not win back. REQUIRES: b's Datasets stay where they are (DataBundle).
std::size_t hold_in_huge_pages(const DataBundle& b);

// Splits [0, n) into two index lists, `fraction` of them (rounded) into the second, by a
// generator seeded with `seed`; both lists come out sorted.
// REQUIRES: 0 <= n <= INT32_MAX, 0 <= fraction <= 1.
void split_indices(int64_t n, double fraction, uint64_t seed, std::vector<int32_t>* first,
                   std::vector<int32_t>* second);

}  // namespace hs
