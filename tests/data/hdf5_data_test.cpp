// Tests for src/data/hdf5_data.cpp: files written here with the HDF5 C API.
#include <catch2/catch.hpp>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "data/load.h"
#include "test_util.h"

namespace hs {
namespace {

using Catch::Matchers::Contains;
using test::TempDir;

// Writes dataset `name` of `type` (the memory type of `data` as well) with shape `dims`.
template <class T>
void write_dataset(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims,
                   const std::vector<T>& data) {
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  REQUIRE(space >= 0);
  const hid_t ds = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(ds >= 0);
  REQUIRE(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0);
  H5Dclose(ds);
  H5Sclose(space);
}

// An HDF5 file at `path`, closed (and so complete) when the object goes.
struct H5File {
  explicit H5File(const std::string& path)
      : id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) {}
  ~H5File() { H5Fclose(id); }
  hid_t id;
};

// Open HDF5 objects of every kind in every file: none may stay open after a load.
ssize_t open_objects() { return H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL); }

TEST_CASE("load_hdf5 reads [N, D] float X and int32 y exactly", "[data][hdf5]") {
  TempDir dir;
  const std::string path = dir.file("tab.h5");
  {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {3, 2}, {0.5f, -1, 2, 3.25f, 1e-3f, 7});
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {3}, {2, 0, 5});
  }
  Result<Dataset> d = load_hdf5(path);
  REQUIRE(d.ok());
  CHECK(open_objects() == 0);
  CHECK(d->name == path);
  CHECK(d->n == 3);
  CHECK(d->height == 1);
  CHECK(d->width == 1);
  CHECK(d->channels == 2);
  CHECK_FALSE(d->is_image);
  CHECK(d->num_classes == 6);
  CHECK(d->x == std::vector<float>{0.5f, -1, 2, 3.25f, 1e-3f, 7});
  CHECK(d->y == std::vector<int32_t>{2, 0, 5});
}

TEST_CASE("load_hdf5 reads [N, H, W, C] images, converting double X and int64 y",
          "[data][hdf5]") {
  TempDir dir;
  const std::string path = dir.file("img.h5");
  std::vector<double> x(2 * 3 * 4 * 2);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.25 * static_cast<double>(i);
  {
    H5File f(path);
    write_dataset<double>(f.id, "X", H5T_NATIVE_DOUBLE, {2, 3, 4, 2}, x);
    write_dataset<int64_t>(f.id, "y", H5T_NATIVE_INT64, {2}, {1, 0});
  }
  Result<Dataset> d = load_hdf5(path);
  REQUIRE(d.ok());
  CHECK(d->n == 2);
  CHECK(d->height == 3);
  CHECK(d->width == 4);
  CHECK(d->channels == 2);
  CHECK(d->is_image);
  CHECK(d->num_classes == 2);
  REQUIRE(d->x.size() == x.size());
  for (size_t i = 0; i < x.size(); ++i) CHECK(d->x[i] == static_cast<float>(x[i]));
  CHECK(d->y == std::vector<int32_t>{1, 0});
}

TEST_CASE("load_hdf5 converts integer X", "[data][hdf5]") {
  TempDir dir;
  const std::string path = dir.file("u8.h5");
  {
    H5File f(path);
    write_dataset<uint8_t>(f.id, "X", H5T_NATIVE_UINT8, {2, 2}, {0, 255, 3, 4});
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {2}, {0, 1});
  }
  Result<Dataset> d = load_hdf5(path);
  REQUIRE(d.ok());
  CHECK(d->x == std::vector<float>{0, 255, 3, 4});
}

TEST_CASE("load_hdf5 errors name the file and the problem, and leak no handles",
          "[data][hdf5]") {
  TempDir dir;
  const std::string path = dir.file("bad.h5");
  std::string expected;
  SECTION("missing y") {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {2, 1}, {1, 2});
    expected = "missing dataset \"y\"";
  }
  SECTION("missing X") {
    H5File f(path);
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {2}, {0, 1});
    expected = "missing dataset \"X\"";
  }
  SECTION("N mismatch") {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {4, 1}, {1, 2, 3, 4});
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {3}, {0, 1, 0});
    expected = "shape mismatch: X has 4 rows, y has 3";
  }
  SECTION("X of rank 3") {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {2, 1, 1}, {1, 2});
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {2}, {0, 1});
    expected = "wrong rank: X is [2, 1, 1]";
  }
  SECTION("y of rank 2") {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {2, 1}, {1, 2});
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {2, 1}, {0, 1});
    expected = "wrong rank: y is [2, 1]";
  }
  SECTION("float labels") {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {2, 1}, {1, 2});
    write_dataset<float>(f.id, "y", H5T_NATIVE_FLOAT, {2}, {0, 1});
    expected = "dataset \"y\" must hold integers";
  }
  SECTION("negative label") {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {2, 1}, {1, 2});
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {2}, {0, -3});
    expected = "label out of range: y[1] = -3";
  }
  SECTION("X a group") {
    H5File f(path);
    const hid_t g = H5Gcreate2(f.id, "X", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(g >= 0);
    H5Gclose(g);
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {2}, {0, 1});
    expected = "\"X\" is a group, not a data set (h5_inputs names it";
  }
  SECTION("X of samples without features") {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {2, 0}, {});
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {2}, {0, 1});
    expected = "no features: X is [2, 0]";
  }
  SECTION("a label past int32, named as the file holds it") {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {2, 1}, {1, 2});
    write_dataset<int64_t>(f.id, "y", H5T_NATIVE_INT64, {2}, {0, int64_t{1} << 40});
    expected = "label out of range: y[1] = 1099511627776, more than the 1000 classes";
  }
  SECTION("a uint64 label past int64") {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {2, 1}, {1, 2});
    write_dataset<uint64_t>(f.id, "y", H5T_NATIVE_UINT64, {2}, {uint64_t{1} << 63, 0});
    expected = "label out of range: y[0] = at least 9223372036854775807";
  }
  SECTION("a label below int32") {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {2, 1}, {1, 2});
    write_dataset<int64_t>(f.id, "y", H5T_NATIVE_INT64, {2}, {0, -(int64_t{1} << 40)});
    expected = "label out of range: y[1] = -1099511627776 (labels are >= 0)";
  }
  SECTION("not an HDF5 file") {
    test::write_text(path, "label,a\n1,2\n");
    expected = "not an HDF5 file";
  }
  SECTION("missing file") {
    expected = "missing file";
  }
  Result<Dataset> d = load_hdf5(path);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().file == path);
  CHECK_THAT(d.error().str(), Contains(path) && Contains(expected));
  CHECK(open_objects() == 0);
}

TEST_CASE("load_hdf5 refuses NaN and inf features as the CSV loader does, naming the first",
          "[data][hdf5]") {
  TempDir dir;
  const std::string path = dir.file("nan.h5");
  std::string expected;
  SECTION("NaN in a float [N, D] X") {
    H5File f(path);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {3, 2}, {0, 1, 2, NAN, NAN, 5});
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {3}, {0, 1, 0});
    expected = "dataset X: X[1, 1] is not a finite float: nan";
  }
  SECTION("inf in a double image X") {
    H5File f(path);
    std::vector<double> x(2 * 2 * 2 * 1, 0.5);
    x[6] = -INFINITY;  // sample 1, row 1, column 0
    write_dataset<double>(f.id, "X", H5T_NATIVE_DOUBLE, {2, 2, 2, 1}, x);
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {2}, {0, 1});
    expected = "dataset X: X[1, 1, 0, 0] is not a finite float: -inf";
  }
  Result<Dataset> d = load_hdf5(path);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().file == path);
  CHECK_THAT(d.error().str(), Contains(expected));
  CHECK(open_objects() == 0);
}


TEST_CASE("load_hdf5 reads custom data set names and says which key names a missing one",
          "[data][hdf5]") {
  TempDir dir;
  const std::string path = dir.file("named.h5");
  {
    H5File f(path);
    write_dataset<float>(f.id, "features", H5T_NATIVE_FLOAT, {2, 2}, {1, 2, 3, 4});
    write_dataset<int32_t>(f.id, "target", H5T_NATIVE_INT32, {2}, {1, 0});
  }
  Result<Dataset> d = load_hdf5(path, "features", "target");
  REQUIRE(d.ok());
  CHECK(d->x == std::vector<float>{1, 2, 3, 4});
  CHECK(d->y == std::vector<int32_t>{1, 0});
  d = load_hdf5(path);  // the defaults, X and y
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.error().str(), Contains(path) && Contains("missing dataset \"X\" (h5_inputs"));
  d = load_hdf5(path, "features", "labels");
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.error().str(), Contains("missing dataset \"labels\" (h5_labels"));
  CHECK(open_objects() == 0);
}

// The same images written [N, C, H, W] (PyTorch) and [N, H, W, C]: with layout = nchw the first
// reads as exactly the second.
TEST_CASE("load_hdf5 layout nchw reads PyTorch's NCHW arrays as the same NHWC tensor",
          "[data][hdf5][layout]") {
  TempDir dir;
  const int n = 3, c = 2, h = 4, w = 5;
  std::vector<float> nchw(static_cast<size_t>(n * c * h * w));
  std::vector<float> nhwc(nchw.size());
  for (int i = 0; i < n; ++i)
    for (int ch = 0; ch < c; ++ch)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          const float v = static_cast<float>(1000 * i + 100 * ch + 10 * y + x);
          nchw[static_cast<size_t>(((i * c + ch) * h + y) * w + x)] = v;
          nhwc[static_cast<size_t>(((i * h + y) * w + x) * c + ch)] = v;
        }
  const std::string a = dir.file("nchw.h5");
  const std::string b = dir.file("nhwc.h5");
  const auto hn = static_cast<hsize_t>(n), hc = static_cast<hsize_t>(c),
             hh = static_cast<hsize_t>(h), hw = static_cast<hsize_t>(w);
  {
    H5File f(a);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {hn, hc, hh, hw}, nchw);
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {hn}, {0, 1, 0});
  }
  {
    H5File f(b);
    write_dataset<float>(f.id, "X", H5T_NATIVE_FLOAT, {hn, hh, hw, hc}, nhwc);
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {hn}, {0, 1, 0});
  }
  Result<Dataset> from_nchw = load_hdf5(a, "X", "y", Layout::kNchw);
  Result<Dataset> from_nhwc = load_hdf5(b, "X", "y", Layout::kNhwc);
  REQUIRE(from_nchw.ok());
  REQUIRE(from_nhwc.ok());
  CHECK(from_nchw->height == h);
  CHECK(from_nchw->width == w);
  CHECK(from_nchw->channels == c);
  CHECK(from_nchw->x == from_nhwc->x);
  CHECK(from_nchw->x == nhwc);
  // Read with the wrong layout, the axes are taken as they stand: 2x4 images of 5 channels.
  Result<Dataset> wrong = load_hdf5(a, "X", "y", Layout::kNhwc);
  REQUIRE(wrong.ok());
  CHECK(wrong->height == c);
  CHECK(wrong->channels == w);

  // The labels alone: the same shape and labels, no inputs read (nor transposed).
  Result<Dataset> labels = load_hdf5(a, "X", "y", Layout::kNchw, Keep::kLabels);
  REQUIRE(labels.ok());
  CHECK(open_objects() == 0);
  CHECK(labels->n == n);
  CHECK(labels->height == h);
  CHECK(labels->width == w);
  CHECK(labels->channels == c);
  CHECK(labels->x.empty());
  CHECK(labels->y == from_nchw->y);
  CHECK(labels->num_classes == 2);
}

TEST_CASE("load_hdf5 marks integer inputs and refuses a feature taken for the labels",
          "[data][hdf5]") {
  TempDir dir;
  const std::string path = dir.file("u8.h5");
  std::vector<int32_t> ids(1500);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
  {
    H5File f(path);
    write_dataset<uint8_t>(f.id, "X", H5T_NATIVE_UINT8, {2, 1}, {0, 255});
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {2}, {0, 1});
    write_dataset<float>(f.id, "Xf", H5T_NATIVE_FLOAT, {2, 1}, {0, 1});
    write_dataset<int32_t>(f.id, "ids", H5T_NATIVE_INT32, {1500}, ids);
    write_dataset<float>(f.id, "Xids", H5T_NATIVE_FLOAT, {1500, 1}, std::vector<float>(1500, 1));
  }
  Result<Dataset> d = load_hdf5(path);
  REQUIRE(d.ok());
  CHECK(d->integer_inputs);
  d = load_hdf5(path, "Xf", "y");
  REQUIRE(d.ok());
  CHECK_FALSE(d->integer_inputs);
  d = load_hdf5(path, "Xids", "ids");
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.error().str(), Contains("dataset \"ids\" (h5_labels), holds 1500 distinct values") &&
                                  Contains("set h5_labels"));
}


// The trap: uint8 pixels 0..255 fed to the network as they stand train to chance. With the
// default normalize (auto) they arrive in [0, 1], per channel, from the training rows' range.
TEST_CASE("load_data scales uint8 HDF5 images by default", "[data][hdf5][normalize]") {
  TempDir dir;
  const std::string path = dir.file("pixels.h5");
  const int n = 40;
  std::vector<uint8_t> x(static_cast<size_t>(n * 2 * 2 * 2));
  std::vector<int32_t> y(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    for (int p = 0; p < 4; ++p) {
      x[static_cast<size_t>((i * 4 + p) * 2)] = static_cast<uint8_t>(i % 2 ? 255 : 0);  // ch 0
      x[static_cast<size_t>((i * 4 + p) * 2 + 1)] = static_cast<uint8_t>(100 + i % 3);  // ch 1
    }
    y[static_cast<size_t>(i)] = i % 2;
  }
  {
    H5File f(path);
    write_dataset<uint8_t>(f.id, "X", H5T_NATIVE_UINT8, {40, 2, 2, 2}, x);
    write_dataset<int32_t>(f.id, "y", H5T_NATIVE_INT32, {40}, y);
  }
  DataOptions opt;
  opt.source = DataSource::kHdf5;
  opt.path = path;
  opt.test_fraction = 0.25;
  Result<DataBundle> b = load_data(opt);
  REQUIRE(b.ok());
  CHECK(b->normalization == "minmax (auto: integer inputs)");
  for (const Dataset* d : {b->train_file.get(), b->test_file.get()}) {
    for (int64_t i = 0; i < d->n; ++i) {
      const float* r = d->row(i);
      const bool odd = d->y[static_cast<size_t>(i)] == 1;
      CHECK(r[0] == (odd ? 1.0f : 0.0f));  // 0 and 255 -> 0 and 1
      CHECK((r[1] == 0.0f || r[1] == 0.5f || r[1] == 1.0f));  // 100..102 -> 0, 0.5, 1
    }
  }
  opt.normalize = Normalize::kNone;  // asked for: left as stored
  b = load_data(opt);
  REQUIRE(b.ok());
  const auto& labels = b->train_file->y;
  const int64_t odd = std::find(labels.begin(), labels.end(), 1) - labels.begin();
  REQUIRE(odd < b->train_file->n);
  CHECK(b->train_file->row(odd)[0] == 255.0f);
}

}  // namespace
}  // namespace hs
