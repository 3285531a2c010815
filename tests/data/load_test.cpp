// Tests for src/data/load.cpp: split_indices and load_data for every source, including the real
// Fashion-MNIST from Debian's dataset-fashion-mnist.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "data/load.h"
#include "test_util.h"

namespace hs {
namespace {

using Catch::Matchers::Contains;
using test::TempDir;

// Every sample of `s` exactly once, with no index shared between `a` and `b`.
void check_partition(const std::vector<int32_t>& a, const std::vector<int32_t>& b, int64_t n) {
  CHECK(std::is_sorted(a.begin(), a.end()));
  CHECK(std::is_sorted(b.begin(), b.end()));
  std::vector<int32_t> all = a;
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  std::vector<int32_t> expected(static_cast<size_t>(n));
  std::iota(expected.begin(), expected.end(), 0);
  CHECK(all == expected);
}

TEST_CASE("split_indices: sizes, partition, order and determinism", "[data][split]") {
  std::vector<int32_t> a;
  std::vector<int32_t> b;
  split_indices(1000, 0.1, 5, &a, &b);
  CHECK(a.size() == 900u);
  CHECK(b.size() == 100u);
  check_partition(a, b, 1000);

  std::vector<int32_t> a2;
  std::vector<int32_t> b2;
  split_indices(1000, 0.1, 5, &a2, &b2);
  CHECK(a2 == a);
  CHECK(b2 == b);
  split_indices(1000, 0.1, 6, &a2, &b2);
  CHECK(b2 != b);
  check_partition(a2, b2, 1000);
  // A random choice, not the first or last 10%.
  CHECK(b.front() < 100);
  CHECK(b.back() >= 900);

  split_indices(7, 0.5, 1, &a, &b);  // round(3.5) = 4
  CHECK(b.size() == 4u);
  CHECK(a.size() == 3u);
  check_partition(a, b, 7);
  split_indices(5, 0.0, 1, &a, &b);
  CHECK(a == std::vector<int32_t>{0, 1, 2, 3, 4});
  CHECK(b.empty());
  split_indices(5, 1.0, 1, &a, &b);
  CHECK(a.empty());
  CHECK(b.size() == 5u);
}

DataOptions synthetic_options() {
  DataOptions opt;
  opt.source = DataSource::kSynthetic;
  opt.split_seed = 9;
  return opt;
}

TEST_CASE("data_source_name and parse_data_source agree", "[data][load]") {
  for (DataSource s : {DataSource::kFashionMnist, DataSource::kCsv, DataSource::kHdf5,
                       DataSource::kSynthetic}) {
    DataSource back = DataSource::kCsv;
    REQUIRE(parse_data_source(data_source_name(s), &back));
    CHECK(back == s);
  }
  DataSource out = DataSource::kCsv;
  CHECK_FALSE(parse_data_source("mnist", &out));
  CHECK(std::string(data_source_name(DataSource::kFashionMnist)) == "fashion_mnist");
}

TEST_CASE("load_data synthetic: sizes, views and shared prototypes", "[data][load]") {
  Result<DataBundle> r = load_data(synthetic_options());
  REQUIRE(r.ok());
  const DataBundle& b = *r;
  CHECK(b.train_file->n == 2048);
  CHECK(b.test_file->n == 512);
  CHECK(b.val.size() == 205);  // round(0.1 * 2048)
  CHECK(b.train.size() == 2048 - 205);
  check_partition(b.train.index, b.val.index, 2048);
  CHECK(b.test.size() == 512);
  CHECK(b.train.data == b.train_file.get());
  CHECK(b.val.data == b.train_file.get());
  CHECK(b.test.data == b.test_file.get());
  CHECK(b.train_file->is_image);
  CHECK(b.train_file->height == 8);
  CHECK(b.train_file->num_classes == 4);
  CHECK(b.test_file->num_classes == 4);
  // The test set is a different draw, not a copy of training samples.
  CHECK(b.test_file->x != std::vector<float>(b.train_file->x.begin(),
                                             b.train_file->x.begin() + 512 * 64));
  // Same split_seed, same data and split; another split_seed, another of both.
  Result<DataBundle> again = load_data(synthetic_options());
  REQUIRE(again.ok());
  CHECK(again->train_file->x == b.train_file->x);
  CHECK(again->val.index == b.val.index);
  DataOptions other = synthetic_options();
  other.split_seed = 10;
  Result<DataBundle> r2 = load_data(other);
  REQUIRE(r2.ok());
  CHECK(r2->train_file->x != b.train_file->x);
  CHECK(r2->val.index != b.val.index);
}

TEST_CASE("load_data's Subsets stay valid after the bundle moves", "[data][load]") {
  Result<DataBundle> r = load_data(synthetic_options());
  REQUIRE(r.ok());
  const float first = r->train_file->row(r->val.index[0])[0];
  std::vector<DataBundle> moved;
  moved.push_back(std::move(*r));
  moved.emplace_back();  // may reallocate and move the first bundle again
  moved.reserve(64);
  DataBundle b = std::move(moved[0]);
  CHECK(b.train.data == b.train_file.get());
  CHECK(b.val.data == b.train_file.get());
  CHECK(b.test.data == b.test_file.get());
  CHECK(b.val.data->row(b.val.index[0])[0] == first);
  CHECK(b.test.data->n == 512);
}

TEST_CASE("load_data applies limits before the validation split", "[data][load]") {
  DataOptions opt = synthetic_options();
  opt.train_limit = 100;
  opt.test_limit = 50;
  Result<DataBundle> full = load_data(synthetic_options());
  Result<DataBundle> r = load_data(opt);
  REQUIRE(r.ok());
  REQUIRE(full.ok());
  CHECK(r->train_file->n == 100);
  CHECK(r->train.size() == 90);
  CHECK(r->val.size() == 10);
  check_partition(r->train.index, r->val.index, 100);
  CHECK(r->test_file->n == 50);
  CHECK(r->test.size() == 50);
  // The first samples of the files.
  CHECK(std::equal(r->train_file->x.begin(), r->train_file->x.end(), full->train_file->x.begin()));
  CHECK(std::equal(r->test_file->y.begin(), r->test_file->y.end(), full->test_file->y.begin()));
  CHECK(r->train_file->x.size() == 100u * 64);
}

TEST_CASE("load_data refuses a train_limit whose rows hold one class", "[data][load]") {
  // A file sorted by label: its first rows are all class 0, and the model would learn it alone.
  TempDir dir;
  std::string text;
  for (int i = 0; i < 40; ++i) text += std::to_string(i) + "," + (i < 20 ? "0" : "1") + "\n";
  DataOptions opt;
  opt.source = DataSource::kCsv;
  opt.path = dir.file("sorted.csv");
  opt.test_path = dir.file("test.csv");  // no rows held out of the training file for testing
  test::write_text(opt.path, text);
  test::write_text(opt.test_path, "1,0\n2,1\n");
  opt.train_limit = 20;
  Result<DataBundle> r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().key == "train_limit");
  CHECK_THAT(r.error().message, Contains("keeps the first 20 training rows of " + opt.path) &&
                                    Contains("one class (0) of the file's 2"));
  opt.train_limit = 21;  // one row of class 1 with them: two classes
  CHECK(load_data(opt).ok());
}

TEST_CASE("load_data refuses a synthetic set too large before allocating it", "[data][load]") {
  DataOptions opt = synthetic_options();
  opt.synthetic_size = 28;
  opt.synthetic_samples = 100000000;  // 1.25 x 1e8 x 784 floats: 365 GiB
  Result<DataBundle> r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().key == "synthetic_samples");
  CHECK_THAT(r.error().message, Contains("365.1 GiB") && Contains("at most 2^31 values (8 GiB)"));
}

TEST_CASE("load_data rejects splits that leave a side empty", "[data][load]") {
  DataOptions opt = synthetic_options();
  opt.train_limit = 5;
  opt.val_fraction = 0.05;  // round(0.25) = 0 validation samples
  Result<DataBundle> r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().key == "val_fraction");
  CHECK_THAT(r.error().message, Contains("of 5 samples"));
  opt.val_fraction = 0.95;  // round(4.75) = 5: no training samples
  r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().key == "val_fraction");
  opt.val_fraction = 1.0;
  r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().str(), Contains("val_fraction: must be in [0, 1)"));
  opt.val_fraction = 0.0;  // no validation set, by request
  r = load_data(opt);
  REQUIRE(r.ok());
  CHECK(r->val.size() == 0);
  CHECK(r->train.size() == 5);
}

TEST_CASE("split errors print fractions in shortest form and name the key at fault",
          "[data][load]") {
  DataOptions opt = synthetic_options();
  opt.synthetic_samples = 400;
  opt.val_fraction = 0.999;
  Result<DataBundle> r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().str() == "val_fraction: 0.999 of 400 samples leaves 0 on one side and 400 on "
                           "the other; both need at least 1");
  opt.val_fraction = 1e-9;
  r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().str() == "val_fraction: 1e-09 of 400 samples leaves 400 on one side and 0 on "
                           "the other; both need at least 1");
  // One sample: no fraction splits it, so the limit that left it is the key to change.
  opt.val_fraction = 0.1;
  opt.train_limit = 1;
  r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().str() == "train_limit: 1 leaves 1 sample, which val_fraction (0.1) cannot "
                           "split: both sides need at least 1");
  // The same bounds as the config key: at least 16.
  opt.train_limit = 0;
  opt.synthetic_samples = 100000000000;
  r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().str() ==
        "synthetic_samples: must be in [16, 2147483647], got 100000000000");
}

// 20 rows: feature 0 is the row number, feature 1 its square, the label row % 3.
std::string numbered_csv(int rows, int label_mod) {
  std::string text = "label,id,sq\n";
  for (int i = 0; i < rows; ++i) {
    text += std::to_string(i % label_mod) + "," + std::to_string(i) + "," +
            std::to_string(i * i) + "\n";
  }
  return text;
}

TEST_CASE("load_data csv holds out test_fraction of the file's rows", "[data][load]") {
  TempDir dir;
  DataOptions opt;
  opt.source = DataSource::kCsv;
  opt.label_column = "first";
  opt.normalize = Normalize::kNone;
  opt.path = dir.file("d.csv");
  opt.test_fraction = 0.25;
  opt.val_fraction = 0.2;
  test::write_text(opt.path, numbered_csv(20, 3));
  Result<DataBundle> r = load_data(opt);
  REQUIRE(r.ok());
  const Dataset& train = *r->train_file;
  const Dataset& test = *r->test_file;
  REQUIRE(train.n == 15);
  REQUIRE(test.n == 5);
  CHECK(train.x.size() == 30u);
  CHECK(test.channels == 2);
  CHECK_FALSE(test.is_image);
  CHECK(r->val.size() == 3);
  CHECK(r->train.size() == 12);
  // Rows moved whole (features and label together), each exactly once, in file order.
  std::vector<int32_t> train_ids;
  std::vector<int32_t> test_ids;
  for (const auto& [d, ids] : {std::pair{&train, &train_ids}, std::pair{&test, &test_ids}}) {
    for (int64_t i = 0; i < d->n; ++i) {
      const int id = static_cast<int>(d->row(i)[0]);
      CHECK(d->row(i)[1] == static_cast<float>(id * id));
      CHECK(d->y[i] == id % 3);
      ids->push_back(id);
    }
  }
  check_partition(train_ids, test_ids, 20);
  CHECK(train.num_classes == 3);
}

// A training file of 20 rows (labels 0..2) and a test file of 6 (labels 0..1, one class fewer)
// in `dir`, and the options that load them.
DataOptions csv_with_test_file(const TempDir& dir, Normalize normalize) {
  DataOptions opt;
  opt.source = DataSource::kCsv;
  opt.label_column = "first";
  opt.normalize = normalize;
  opt.path = dir.file("train.csv");
  opt.test_path = dir.file("test.csv");
  test::write_text(opt.path, numbered_csv(20, 3));
  test::write_text(opt.test_path, numbered_csv(6, 2));
  return opt;
}

TEST_CASE("load_data csv with a test file: the training file's classes, shapes must agree",
          "[data][load]") {
  TempDir dir;
  DataOptions opt = csv_with_test_file(dir, Normalize::kNone);
  Result<DataBundle> r = load_data(opt);
  REQUIRE(r.ok());
  CHECK(r->train_file->n == 20);
  CHECK(r->test_file->n == 6);
  CHECK(r->test_file->name == opt.test_path);
  CHECK(r->train_file->num_classes == 3);
  CHECK(r->test_file->num_classes == 3);

  // A test label the training data never has (train 0..2, test all 7) is refused, kept or not:
  // it widened the model to 8 classes, 5 of which no training sample has.
  test::write_text(opt.test_path, "label,id,sq\n7,1,1\n7,2,4\n");
  for (Keep keep : {Keep::kAll, Keep::kLabels}) {
    r = load_data(opt, keep);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().file == opt.test_path);
    CHECK_THAT(r.error().message, Contains("label 7 (sample 1) is a class the training data "
                                           "never has: the labels of " + opt.path + " are 0..2"));
  }

  test::write_text(opt.test_path, "1,2\n0,3\n");
  r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().file == opt.test_path);
  CHECK_THAT(r.error().message, Contains("shape mismatch"));

  // The same names in another order: each test column would be read as the other feature.
  test::write_text(opt.test_path, "label,sq,id\n1,1,1\n0,4,2\n");
  r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().file == opt.test_path);
  CHECK_THAT(r.error().message, Contains("feature 1 is named \"sq\" in its header, but \"id\" in " +
                                         opt.path + "'s"));
  // The label's column may move (label_column finds it in each file); a file without a header
  // is read by position.
  opt.label_column = "label";
  test::write_text(opt.test_path, "id,sq,label\n1,1,1\n2,4,0\n");
  CHECK(load_data(opt).ok());
  opt.label_column = "first";
  test::write_text(opt.test_path, "1,1,1\n0,2,4\n");
  CHECK(load_data(opt).ok());

  test::write_text(opt.test_path, "1,2,3\n0,x,3\n");
  r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().file == opt.test_path);
  CHECK(r.error().line == 2);
}

// The same training samples, validation split and label space, whatever load_data keeps of the
// test set.
void check_same_training_data(const DataBundle& a, const DataBundle& b) {
  CHECK(a.train_file->x == b.train_file->x);
  CHECK(a.train_file->y == b.train_file->y);
  CHECK(a.train.index == b.train.index);
  CHECK(a.val.index == b.val.index);
  CHECK(a.train_file->num_classes == b.train_file->num_classes);
  CHECK(a.test_file->num_classes == b.test_file->num_classes);
  CHECK(a.test_file->channels == b.test_file->channels);
}

// A test set kept as labels alone (Keep::kLabels): counted in the label space, then empty.
void check_labels_kept(const DataBundle& b) {
  CHECK(b.test_kept == Keep::kLabels);
  CHECK(b.test_file->n == 0);
  CHECK(b.test_file->x.empty());
  CHECK(b.test_file->y.empty());
  CHECK(b.test.size() == 0);
}

TEST_CASE(
    "load_data csv with the test set's labels alone: the training data and label space "
    "unchanged and no test samples",
    "[data][load]") {
  TempDir dir;
  DataOptions opt = csv_with_test_file(dir, Normalize::kStandard);
  Result<DataBundle> all = load_data(opt);
  Result<DataBundle> labels = load_data(opt, Keep::kLabels);
  REQUIRE(all.ok());
  REQUIRE(labels.ok());
  CHECK(all->test_kept == Keep::kAll);
  CHECK(all->test_file->n == 6);
  check_same_training_data(*all, *labels);
  CHECK(labels->train_file->num_classes == 3);
  check_labels_kept(*labels);

  // The features are not read, but every line's fields are counted and its label checked.
  test::write_text(opt.test_path, "1,2,3\n0,x,3\n");
  CHECK_FALSE(load_data(opt).ok());
  CHECK(load_data(opt, Keep::kLabels).ok());
  test::write_text(opt.test_path, "1,2,3\n0,3\n");
  Result<DataBundle> r = load_data(opt, Keep::kLabels);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().line == 2);
  CHECK_THAT(r.error().message, Contains("shape mismatch"));
  test::write_text(opt.test_path, "1,2,3\n-1,2,3\n");
  r = load_data(opt, Keep::kLabels);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().line == 2);
  CHECK_THAT(r.error().message, Contains("not an integer >= 0"));

  // Rows held out of the training file leave it all the same; only their copy is dropped.
  opt.test_path.clear();
  opt.test_fraction = 0.25;
  all = load_data(opt);
  labels = load_data(opt, Keep::kLabels);
  REQUIRE(all.ok());
  REQUIRE(labels.ok());
  CHECK(all->test_file->n == 5);
  check_same_training_data(*all, *labels);
  check_labels_kept(*labels);
}

// A fake Fashion-MNIST: n images of size x size, labels i % classes, plain (not gzipped) files.
void write_fake_fashion(const TempDir& dir, const std::string& part, uint32_t n, uint32_t size,
                        int classes) {
  std::vector<uint8_t> pixels(n * size * size);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i % 256);
  std::vector<uint8_t> labels(n);
  for (uint32_t i = 0; i < n; ++i) labels[i] = static_cast<uint8_t>(i % classes);
  test::write_idx(dir.file(part + "-images-idx3-ubyte"), 0x803, {n, size, size}, pixels, false);
  test::write_idx(dir.file(part + "-labels-idx1-ubyte"), 0x801, {n}, labels, false);
}

TEST_CASE("load_data fashion_mnist: plain names, checks, and a missing directory",
          "[data][load]") {
  TempDir dir;
  DataOptions opt;
  opt.path = dir.str();
  Result<DataBundle> r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().file == dir.str());
  CHECK_THAT(r.error().message, Contains("train-images-idx3-ubyte[.gz] not found") &&
                                    Contains("apt-get install dataset-fashion-mnist"));

  write_fake_fashion(dir, "train", 40, 28, 7);
  write_fake_fashion(dir, "t10k", 10, 28, 7);
  r = load_data(opt);
  REQUIRE(r.ok());
  CHECK(r->train_file->n == 40);
  CHECK(r->test_file->n == 10);
  CHECK(r->train_file->num_classes == 10);  // the data set's, not the labels seen
  CHECK(r->val.size() == 4);

  // The test set's labels alone: its images file must be there, but is not read, so a
  // truncated one goes unnoticed.
  Result<DataBundle> labels = load_data(opt, Keep::kLabels);
  REQUIRE(labels.ok());
  check_same_training_data(*r, *labels);
  check_labels_kept(*labels);
  std::filesystem::resize_file(dir.file("t10k-images-idx3-ubyte"), 100);
  CHECK(load_data(opt, Keep::kLabels).ok());
  CHECK_FALSE(load_data(opt).ok());

  write_fake_fashion(dir, "t10k", 12, 28, 12);  // labels up to 11
  r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().str(), Contains("t10k-labels-idx1-ubyte: label out of range: 11"));

  write_fake_fashion(dir, "t10k", 10, 27, 7);
  r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().str(), Contains("t10k-images-idx3-ubyte: not Fashion-MNIST: images are "
                                       "27x27, expected 28x28"));

  opt.path = dir.file("train-images-idx3-ubyte");  // one of the files, not their folder
  r = load_data(opt);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().file == opt.path);
  CHECK_THAT(r.error().message, Contains("is a file: for fashion_mnist, data_path is the folder"));
}

TEST_CASE("load_data reads the real Fashion-MNIST", "[data][load][fashion]") {
  DataOptions opt;  // defaults: fashion_mnist from /usr/share/datasets/fashion-mnist
  if (!std::filesystem::exists(opt.path)) {
    WARN("skipped: " << opt.path << " is missing (apt-get install dataset-fashion-mnist)");
    return;
  }
  Result<DataBundle> r = load_data(opt);
  REQUIRE(r.ok());
  const Dataset& train = *r->train_file;
  const Dataset& test = *r->test_file;
  CHECK(train.n == 60000);
  CHECK(test.n == 10000);
  CHECK(r->train.size() == 54000);
  CHECK(r->val.size() == 6000);
  CHECK(r->test.size() == 10000);
  check_partition(r->train.index, r->val.index, 60000);
  for (const Dataset* d : {&train, &test}) {
    CHECK(d->height == 28);
    CHECK(d->width == 28);
    CHECK(d->channels == 1);
    CHECK(d->is_image);
    CHECK(d->num_classes == 10);
    CHECK(d->x.size() == static_cast<size_t>(d->n) * 784);
    const auto [lo, hi] = std::minmax_element(d->x.begin(), d->x.end());
    CHECK(*lo == 0.0f);
    CHECK(*hi == 1.0f);
    std::vector<int> count(10, 0);
    for (int32_t y : d->y) {
      REQUIRE(y >= 0);
      REQUIRE(y < 10);
      ++count[static_cast<size_t>(y)];
    }
    for (int c : count) CHECK(c == d->n / 10);  // Fashion-MNIST is exactly balanced
  }
}

}  // namespace
}  // namespace hs
