// Tests for src/data/hdf5_data.cpp: files written here with the HDF5 C API.
#include <catch2/catch.hpp>
#include <hdf5.h>

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

}  // namespace
}  // namespace hs
