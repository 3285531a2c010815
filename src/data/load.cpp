// load.cpp: DataOptions -> DataBundle (contract in load.h).
//
// Order of work: load the training file and the test set (for csv/hdf5 without test_path, move
// test_fraction of the file's rows into the test set), check the test labels against the
// training file's classes (with Keep::kLabels, then empty the test set: a separate test file's
// samples were never read), cut each to its limit, then split validation off the training
// file's remaining samples, and last normalise the inputs with the training rows' statistics.
// The data exists once: holding out, limiting and normalising work on the buffers in place.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "core/check.h"
#include "core/rng.h"
#include "core/text.h"
#include "data/load.h"

namespace hs {
namespace {

// Seed ids under SeedPurpose::kSplit (see load.h).
constexpr uint64_t kValSplitId = 0;
constexpr uint64_t kTestSplitId = 1;

Error option_error(const char* key, std::string message) {
  return Error{{}, 0, key, std::move(message)};
}

// `dir`/`name`.gz if it exists, else `dir`/`name` if it exists, else "".
std::string find_idx_file(const std::string& dir, const std::string& name) {
  std::error_code ec;
  for (const std::string& candidate : {name + ".gz", name}) {
    const std::filesystem::path p = std::filesystem::path(dir) / candidate;
    if (std::filesystem::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

Result<Dataset> load_fashion_part(const std::string& dir, const char* images, const char* labels,
                                  Keep keep) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(dir, ec))  // one of the four files, not their folder
    return make_error(dir, "is a file: for fashion_mnist, data_path is the folder that holds the "
                           "four IDX files (" + std::filesystem::path(dir).parent_path().string() +
                           " here?)");
  const std::string ip = find_idx_file(dir, images);
  const std::string lp = find_idx_file(dir, labels);
  if (ip.empty() || lp.empty()) {
    return make_error(dir, std::string("Fashion-MNIST file ") + (ip.empty() ? images : labels) +
                               "[.gz] not found (expected train-images-idx3-ubyte, "
                               "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and "
                               "t10k-labels-idx1-ubyte, each plain or .gz; on Debian: "
                               "apt-get install dataset-fashion-mnist)");
  }
  Result<Dataset> d = load_idx(ip, lp, keep);
  if (!d) return d;
  if (keep == Keep::kAll && (d->height != 28 || d->width != 28)) {
    return make_error(ip, "not Fashion-MNIST: images are " + std::to_string(d->height) + "x" +
                              std::to_string(d->width) + ", expected 28x28");
  }
  if (d->num_classes > 10) {
    return make_error(lp, "label out of range: " + std::to_string(d->num_classes - 1) +
                              " (Fashion-MNIST has 10 classes)");
  }
  d->num_classes = 10;
  return d;
}

Result<Dataset> load_file(const DataOptions& opt, const std::string& path, Keep keep) {
  return opt.source == DataSource::kCsv
             ? load_csv(path, opt.label_column, keep)
             : load_hdf5(path, opt.h5_inputs, opt.h5_labels, opt.layout, keep);
}

// Moves the rows `take` (sorted) of *from into the returned Dataset and compacts the rows `keep`
// (sorted) to the front of *from, in place: only the taken rows are ever copied.
Dataset take_rows(Dataset* from, const std::vector<int32_t>& keep,
                  const std::vector<int32_t>& take) {
  const int64_t dim = from->dim();
  Dataset out;
  out.height = from->height;
  out.width = from->width;
  out.channels = from->channels;
  out.is_image = from->is_image;
  out.integer_inputs = from->integer_inputs;
  out.num_classes = from->num_classes;
  out.x.resize(take.size() * dim);
  out.y.resize(take.size());
  for (size_t i = 0; i < take.size(); ++i) {
    std::memcpy(out.x.data() + i * dim, from->row(take[i]), dim * sizeof(float));
    out.y[i] = from->y[take[i]];
  }
  out.n = static_cast<int64_t>(take.size());
  // keep[i] >= i, so moving rows forward in order never overwrites a row still to be moved.
  for (size_t i = 0; i < keep.size(); ++i) {
    std::memmove(from->x.data() + i * dim, from->row(keep[i]), dim * sizeof(float));
    from->y[i] = from->y[keep[i]];
  }
  from->n = static_cast<int64_t>(keep.size());
  from->x.resize(keep.size() * dim);
  from->y.resize(keep.size());
  return out;
}

// Keeps the first `limit` samples (0: all). Shrinking copies only the kept part, and frees the
// rest, so a small limit on a large file ends with a small footprint.
void apply_limit(Dataset* d, int64_t limit) {
  if (limit <= 0 || limit >= d->n) return;
  d->n = limit;
  d->x.resize(static_cast<size_t>(limit * d->dim()));
  d->y.resize(static_cast<size_t>(limit));
  d->x.shrink_to_fit();
  d->y.shrink_to_fit();
}

Status check_fraction(const char* key, double f) {
  if (!(f >= 0.0 && f < 1.0)) {
    return option_error(key, "must be in [0, 1), got " + shortest(f));
  }
  return Status::Ok();
}

// A split that leaves either side empty when it was asked for both is an error, not a silent
// run without validation or test samples. The fraction's key is named, unless `limited_by` (a
// limit that cut the samples to n) left fewer than 2, which no fraction splits: then the limit.
Status check_split(const char* key, double f, int64_t n, int64_t first, int64_t second,
                   const char* limited_by = nullptr) {
  if (!(f > 0.0 && (first == 0 || second == 0))) return Status::Ok();
  if (limited_by && n < 2) {
    std::string msg = shortest(n);
    msg += " leaves " + counted(n, "sample") + ", which " + key + " (" + shortest(f) +
           ") cannot split: both sides need at least 1";
    return option_error(limited_by, std::move(msg));
  }
  std::string msg = shortest(f);
  msg += " of " + counted(n, "sample") + " leaves " + shortest(first) + " on one side and " +
         shortest(second) + " on the other; both need at least 1";
  return option_error(key, std::move(msg));
}

Status load_fashion(const DataOptions& opt, Keep test_keep, DataBundle* b) {
  Result<Dataset> train =
      load_fashion_part(opt.path, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", Keep::kAll);
  if (!train) return train.error();
  Result<Dataset> test =
      load_fashion_part(opt.path, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", test_keep);
  if (!test) return test.error();
  b->train_file = std::make_unique<Dataset>(std::move(*train));
  b->test_file = std::make_unique<Dataset>(std::move(*test));
  return Status::Ok();
}

// A separate test file must hold samples of the training file's shape.
Status check_same_shape(const Dataset& test, const Dataset& train, const DataOptions& opt) {
  if (test.height == train.height && test.width == train.width &&
      test.channels == train.channels && test.is_image == train.is_image) {
    return Status::Ok();
  }
  const auto shape = [](const Dataset& d) {
    return std::to_string(d.height) + "x" + std::to_string(d.width) + "x" +
           std::to_string(d.channels);
  };
  return make_error(opt.test_path, "shape mismatch: samples are " + shape(test) + " but " +
                                       opt.path + " has " + shape(train));
}

// Two CSV headers naming the features in another order: the model would read each test column
// as another feature. Files without a header, or one of the two without, are not compared.
Status check_same_features(const Dataset& test, const Dataset& train, const DataOptions& opt) {
  if (test.features.empty() || train.features.empty()) return Status::Ok();
  for (size_t i = 0; i < test.features.size() && i < train.features.size(); ++i) {
    if (test.features[i] == train.features[i]) continue;
    return make_error(opt.test_path,
                      "feature " + std::to_string(i + 1) + " is named " +
                          hs::quoted(test.features[i]) + " in its header, but " +
                          hs::quoted(train.features[i]) + " in " + opt.path + "'s: the model reads "
                          "the features by position, so the test file's columns must be in the "
                          "training file's order");
  }
  return Status::Ok();
}

// Moves test_fraction of the training file's rows (a seeded choice) into the test set.
Status hold_out_test_rows(const DataOptions& opt, DataBundle* b) {
  if (Status s = check_fraction("test_fraction", opt.test_fraction); !s) return s.error();
  std::vector<int32_t> keep;
  std::vector<int32_t> take;
  split_indices(b->train_file->n, opt.test_fraction,
                derive_seed(opt.split_seed, kTestSplitId, SeedPurpose::kSplit), &keep, &take);
  if (Status s = check_split("test_fraction", opt.test_fraction, b->train_file->n,
                             static_cast<int64_t>(keep.size()), static_cast<int64_t>(take.size()));
      !s) {
    return s.error();
  }
  b->test_file = std::make_unique<Dataset>(take_rows(b->train_file.get(), keep, take));
  b->test_file->name = opt.path + " (held-out test rows)";
  return Status::Ok();
}

// csv, hdf5: the file, and its test set from test_path or held out of the file.
Status load_files(const DataOptions& opt, Keep test_keep, DataBundle* b) {
  Result<Dataset> train = load_file(opt, opt.path, Keep::kAll);
  if (!train) return train.error();
  b->train_file = std::make_unique<Dataset>(std::move(*train));
  if (opt.test_path.empty()) return hold_out_test_rows(opt, b);
  Result<Dataset> test = load_file(opt, opt.test_path, test_keep);
  if (!test) return test.error();
  if (Status s = check_same_shape(*test, *b->train_file, opt); !s) return s.error();
  if (Status s = check_same_features(*test, *b->train_file, opt); !s) return s.error();
  b->test_file = std::make_unique<Dataset>(std::move(*test));
  return Status::Ok();
}

Status check_synthetic(const DataOptions& opt) {
  // The same bounds as the config key's (config/keys.cpp), so both say the same.
  if (opt.synthetic_samples < 16 || opt.synthetic_samples > INT32_MAX) {
    return option_error("synthetic_samples", "must be in [16, 2147483647], got " +
                                                 shortest(opt.synthetic_samples));
  }
  if (opt.synthetic_classes < 2) return option_error("synthetic_classes", "must be >= 2");
  if (opt.synthetic_size < 1 || opt.synthetic_size > 1024) {
    return option_error("synthetic_size", "must be in [1, 1024]");
  }
  if (!(opt.synthetic_noise >= 0.0)) return option_error("synthetic_noise", "must be >= 0");
  // Checked before anything is allocated: samples x size^2 floats, and a quarter more for the
  // test set. A synthetic set is for trying things out; 2^31 values (8 GiB) is far past that.
  const double values = 1.25 * static_cast<double>(opt.synthetic_samples) *
                        static_cast<double>(opt.synthetic_size) * opt.synthetic_size;
  if (values > kMaxSyntheticValues) {
    char gib[32];
    std::snprintf(gib, sizeof gib, "%.1f", values * sizeof(float) / double(1 << 30));
    return option_error("synthetic_samples",
                        std::to_string(opt.synthetic_samples) + " samples of " +
                            std::to_string(opt.synthetic_size) + "x" +
                            std::to_string(opt.synthetic_size) + " pixels (and a test quarter) " +
                            "would take " + gib + " GiB; a synthetic set holds at most 2^31 " +
                            "values (8 GiB)");
  }
  return Status::Ok();
}

Status load_synthetic(const DataOptions& opt, DataBundle* b) {
  if (Status s = check_synthetic(opt); !s) return s.error();
  // split_seed seeds the data too, so every trial of a sweep sees the same samples. Stream 0
  // is the training file, stream 1 the test set: the same prototypes, disjoint noise.
  b->train_file = std::make_unique<Dataset>(
      make_synthetic(opt.synthetic_samples, opt.synthetic_classes, opt.synthetic_size,
                     opt.synthetic_noise, opt.split_seed, 0));
  b->test_file = std::make_unique<Dataset>(
      make_synthetic(opt.synthetic_samples / 4, opt.synthetic_classes, opt.synthetic_size,
                     opt.synthetic_noise, opt.split_seed, 1));
  return Status::Ok();
}

// Fills b->train_file and b->test_file from the source; a separate test file's samples only
// when test_keep asks for them.
Status load_source(const DataOptions& opt, Keep test_keep, DataBundle* b) {
  switch (opt.source) {
    case DataSource::kFashionMnist:
      return load_fashion(opt, test_keep, b);
    case DataSource::kCsv:
    case DataSource::kHdf5:
      return load_files(opt, test_keep, b);
    case DataSource::kSynthetic: return load_synthetic(opt, b);
  }
  return Status::Ok();
}

// The Subsets: validation split off the training file's samples (a seeded choice), the whole
// test file as the test set.
Status make_subsets(const DataOptions& opt, DataBundle* b) {
  const int64_t n = b->train_file->n;
  split_indices(n, opt.val_fraction, derive_seed(opt.split_seed, kValSplitId, SeedPurpose::kSplit),
                &b->train.index, &b->val.index);
  const char* limited = opt.train_limit > 0 && n == opt.train_limit ? "train_limit" : nullptr;
  if (Status s = check_split("val_fraction", opt.val_fraction, n, b->train.size(), b->val.size(),
                             limited);
      !s) {
    return s.error();
  }
  b->test.index.resize(static_cast<size_t>(b->test_file->n));
  std::iota(b->test.index.begin(), b->test.index.end(), 0);

  b->train.data = b->train_file.get();
  b->val.data = b->train_file.get();
  b->test.data = b->test_file.get();
  return Status::Ok();
}

// Per channel (the last NHWC axis; a tabular set's features), what x becomes: (x - shift) * scale.
struct ChannelTransform {
  std::vector<double> shift, scale;
};

// The statistics of the training rows alone (b.train), per channel.
ChannelTransform channel_statistics(const DataBundle& b, Normalize how) {
  const Dataset& d = *b.train.data;
  const auto c = static_cast<size_t>(d.channels);
  const int64_t pixels = static_cast<int64_t>(d.height) * d.width;
  std::vector<double> sum(c, 0.0), lo(c, HUGE_VAL), hi(c, -HUGE_VAL);
  for (int32_t i : b.train.index) {
    const float* r = d.row(i);
    for (int64_t p = 0; p < pixels; ++p) {
      for (size_t k = 0; k < c; ++k) {
        const double v = r[static_cast<size_t>(p) * c + k];
        sum[k] += v;
        lo[k] = std::min(lo[k], v);
        hi[k] = std::max(hi[k], v);
      }
    }
  }
  const double count = static_cast<double>(b.train.size()) * static_cast<double>(pixels);
  ChannelTransform t{std::vector<double>(c, 0.0), std::vector<double>(c, 1.0)};
  if (how == Normalize::kMinmax) {
    for (size_t k = 0; k < c; ++k) {
      t.shift[k] = lo[k];
      if (hi[k] > lo[k]) t.scale[k] = 1.0 / (hi[k] - lo[k]);
    }
    return t;
  }
  // Population variance in a second pass about the mean (no cancellation).
  std::vector<double> sq(c, 0.0);
  for (size_t k = 0; k < c; ++k) t.shift[k] = sum[k] / count;
  for (int32_t i : b.train.index) {
    const float* r = d.row(i);
    for (int64_t p = 0; p < pixels; ++p) {
      for (size_t k = 0; k < c; ++k) {
        const double e = r[static_cast<size_t>(p) * c + k] - t.shift[k];
        sq[k] += e * e;
      }
    }
  }
  for (size_t k = 0; k < c; ++k) {
    const double sd = std::sqrt(sq[k] / count);
    if (sd > 0) t.scale[k] = 1.0 / sd;
  }
  return t;
}

void apply_transform(const ChannelTransform& t, Dataset* d) {
  const auto c = static_cast<int64_t>(t.shift.size());
  for (size_t j = 0; j < d->x.size(); ++j) {
    const auto k = static_cast<size_t>(static_cast<int64_t>(j) % c);
    d->x[j] = static_cast<float>((d->x[j] - t.shift[k]) * t.scale[k]);
  }
}

// normalize: the training rows' statistics applied to every row of both files.
void normalize_inputs(const DataOptions& opt, DataBundle* b) {
  Normalize how = opt.normalize;
  if (how == Normalize::kAuto) {
    how = b->train_file->integer_inputs ? Normalize::kMinmax : Normalize::kNone;
    b->normalization = b->train_file->integer_inputs ? "minmax (auto: integer inputs)"
                                                     : "none (auto: float inputs)";
  } else {
    b->normalization = normalize_name(how);
  }
  if (how == Normalize::kNone || b->train.size() == 0) return;
  const ChannelTransform t = channel_statistics(*b, how);
  apply_transform(t, b->train_file.get());
  apply_transform(t, b->test_file.get());
}

}  // namespace

const char* layout_name(Layout l) { return l == Layout::kNchw ? "nchw" : "nhwc"; }

bool parse_layout(std::string_view s, Layout* out) {
  for (Layout l : {Layout::kNhwc, Layout::kNchw}) {
    if (s == layout_name(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

const char* normalize_name(Normalize n) {
  switch (n) {
    case Normalize::kAuto: return "auto";
    case Normalize::kNone: return "none";
    case Normalize::kStandard: return "standard";
    case Normalize::kMinmax: return "minmax";
  }
  return "unknown";
}

bool parse_normalize(std::string_view s, Normalize* out) {
  for (Normalize n : {Normalize::kAuto, Normalize::kNone, Normalize::kStandard,
                      Normalize::kMinmax}) {
    if (s == normalize_name(n)) {
      *out = n;
      return true;
    }
  }
  return false;
}

const char* data_source_name(DataSource s) {
  switch (s) {
    case DataSource::kFashionMnist: return "fashion_mnist";
    case DataSource::kCsv: return "csv";
    case DataSource::kHdf5: return "hdf5";
    case DataSource::kSynthetic: return "synthetic";
  }
  return "unknown";
}

bool parse_data_source(std::string_view s, DataSource* out) {
  for (DataSource d : {DataSource::kFashionMnist, DataSource::kCsv, DataSource::kHdf5,
                       DataSource::kSynthetic}) {
    if (s == data_source_name(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

void split_indices(int64_t n, double fraction, uint64_t seed, std::vector<int32_t>* first,
                   std::vector<int32_t>* second) {
  HS_CHECK(n >= 0 && n <= INT32_MAX && fraction >= 0.0 && fraction <= 1.0);
  std::vector<int32_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  rng.shuffle(order.data(), static_cast<uint64_t>(n));
  const auto k = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n)));
  second->assign(order.begin(), order.begin() + k);
  first->assign(order.begin() + k, order.end());
  std::sort(first->begin(), first->end());
  std::sort(second->begin(), second->end());
}

namespace {

// The training data's labels are the classes the model learns: a test label beyond them is a
// class it never saw (a test file of another labelling, or labels shifted by one), and taking it
// into the label space silently widened the model. The test set's labels, kept or not, are read.
Status check_test_labels(const DataOptions& opt, const DataBundle& b) {
  const int classes = b.train_file->num_classes;
  const std::vector<int32_t>& y = b.test_file->y;
  const auto beyond = std::find_if(y.begin(), y.end(), [&](int32_t l) { return l >= classes; });
  if (beyond == y.end()) return Status::Ok();
  return make_error(opt.test_path,
                    "label " + std::to_string(*beyond) + " (sample " +
                        std::to_string(beyond - y.begin() + 1) + ") is a class the training " +
                        "data never has: the labels of " + opt.path + " are 0.." +
                        std::to_string(classes - 1) + ", the classes the model learns; a " +
                        "test file's labels must be among them");
}

// Labels all 0 are one class: nothing to classify. Said here, of the data file and its label
// column, rather than by the model, whose "at least 2 classes" named no key the config has.
Status check_classes(const DataOptions& opt, const Dataset& train) {
  if (train.num_classes >= 2 || opt.source == DataSource::kSynthetic) return Status::Ok();
  std::string column;
  if (opt.source == DataSource::kCsv) column = "label_column = " + hs::quoted(opt.label_column);
  if (opt.source == DataSource::kHdf5) column = "h5_labels = " + hs::quoted(opt.h5_labels);
  std::string msg = "the labels hold one class: every label is 0";
  if (!column.empty()) msg += " (" + column + ")";
  msg += "; a classifier needs at least 2 classes in its training data";
  return make_error(opt.path, std::move(msg));
}

// The rows train_limit keeps of a file sorted by label may hold one class of its several: the
// model would learn that one alone, and its validation split would say 100%.
Status check_limited_classes(const DataOptions& opt, const Dataset& train) {
  if (opt.train_limit <= 0 || train.y.empty() || opt.source == DataSource::kSynthetic)
    return Status::Ok();
  const int32_t first = train.y.front();
  if (std::any_of(train.y.begin(), train.y.end(), [&](int32_t l) { return l != first; }))
    return Status::Ok();
  return option_error("train_limit", "keeps the first " + std::to_string(train.n) +
                                         " training rows of " + opt.path +
                                         ", and their labels hold one class (" +
                                         std::to_string(first) + ") of the file's " +
                                         std::to_string(train.num_classes) + ": a classifier "
                                         "needs at least 2 in its training data; raise "
                                         "train_limit, or shuffle the file's rows");
}

}  // namespace

Status check_data_options(const DataOptions& opt) {
  return opt.source == DataSource::kSynthetic ? check_synthetic(opt) : Status::Ok();
}

Result<DataBundle> load_data(const DataOptions& opt, Keep test) {
  if (Status s = check_fraction("val_fraction", opt.val_fraction); !s) return s.error();
  if (opt.train_limit < 0) return option_error("train_limit", "must be >= 0");
  if (opt.test_limit < 0) return option_error("test_limit", "must be >= 0");

  DataBundle b;
  if (Status s = load_source(opt, test, &b); !s) return s.error();
  if (Status s = check_classes(opt, *b.train_file); !s) return s.error();

  if (Status s = check_test_labels(opt, b); !s) return s.error();
  b.test_file->num_classes = b.train_file->num_classes;  // fewer when its labels are fewer
  if (test == Keep::kLabels) {
    b.test_file->n = 0;
    b.test_file->x = {};
    b.test_file->y = {};
    b.test_kept = Keep::kLabels;
  }

  apply_limit(b.train_file.get(), opt.train_limit);
  apply_limit(b.test_file.get(), opt.test_limit);
  if (Status s = check_limited_classes(opt, *b.train_file); !s) return s.error();

  if (Status s = make_subsets(opt, &b); !s) return s.error();
  normalize_inputs(opt, &b);
  return b;
}

}  // namespace hs
