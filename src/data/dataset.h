// dataset.h: the in-memory data set every trainer reads, and index views into it.
//
// A Dataset owns its samples once, as float32, row-major (n, dim) with images in NHWC order;
// train/validation/test splits are index lists over it (Subset), never copies, so a run's memory
// stays near the size of the data (bench/README.md measures it).
//
// May depend on: src/core. May not depend on: nn, optim, train, MPI.
// Thread safety: a const Dataset may be read from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hs {

// What a load keeps of a file: kAll its samples and labels; kLabels its labels alone, the
// samples never read (x empty, n the label count), for a test set whose labels are only checked,
// in a run that never tests (load_data).
enum class Keep { kAll, kLabels };

struct Dataset {
  std::string name;         // where it came from, for messages ("…/train-images-idx3-ubyte.gz")
  int64_t n = 0;            // number of samples
  int height = 1;           // image height (1 for tabular data)
  int width = 1;            // image width (1 for tabular data)
  int channels = 1;         // channels, or features for tabular data
  bool is_image = false;    // true when (height, width, channels) is a real image shape
  int num_classes = 0;      // labels are in [0, num_classes)
  bool integer_inputs = false;  // the file stored the inputs as integers (an HDF5 integer type,
                                // CSV features all whole numbers): normalize = auto scales them
  int header_line = 0;      // a CSV's line taken as a header and skipped (0: none), for messages
  std::vector<std::string> features;  // a CSV header's feature names in file order (the label's
                                      // left out); empty without a header
  std::vector<float> x;     // (n, dim()) row-major; images NHWC
  std::vector<int32_t> y;   // (n)

  int64_t dim() const { return static_cast<int64_t>(height) * width * channels; }
  const float* row(int64_t i) const { return x.data() + i * dim(); }
};

// A view of some samples of a Dataset, in a fixed order. REQUIRES: `data` outlives the Subset.
struct Subset {
  const Dataset* data = nullptr;
  std::vector<int32_t> index;

  int64_t size() const { return static_cast<int64_t>(index.size()); }
};

// Everything one training run reads: train and validation (split from the training file) and the
// held-out test set, reported separately. train and val index *train_file, test indexes
// *test_file. The Datasets live on the heap so their addresses, which the Subsets hold, survive
// moving the bundle; a bundle is move-only.
struct DataBundle {
  std::unique_ptr<Dataset> train_file;  // the training file's samples (train + validation)
  std::unique_ptr<Dataset> test_file;   // the held-out test samples (share nothing with train_file)
  Subset train;
  Subset val;
  Subset test;
  // What load_data did to the inputs, for messages: "none", "standard", "minmax", or for
  // normalize = auto "none (auto: float inputs)" / "minmax (auto: integer inputs)".
  std::string normalization;
  // kLabels: the test file's labels were checked, then the test set was emptied (load_data).
  Keep test_kept = Keep::kAll;
};

}  // namespace hs
