// Tests for src/data/idx.cpp: IDX files written here, plain and gzipped, read back exactly.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "data/load.h"
#include "test_util.h"

namespace hs {
namespace {

using Catch::Matchers::Contains;
using test::TempDir;
using test::write_idx;

constexpr uint32_t kImages = 0x00000803;
constexpr uint32_t kLabels = 0x00000801;

// 3 images of 2x3, pixels chosen to include both ends of the range.
const std::vector<uint8_t> kPixels = {0, 255, 128, 1, 2, 3, 10, 20, 30,
                                      40, 50, 60, 254, 7, 8, 9, 99, 100};
const std::vector<uint8_t> kLabelBytes = {0, 4, 1};

void check_exact(const Dataset& d, const std::string& name) {
  CHECK(d.name == name);
  CHECK(d.n == 3);
  CHECK(d.height == 2);
  CHECK(d.width == 3);
  CHECK(d.channels == 1);
  CHECK(d.is_image);
  CHECK(d.num_classes == 5);
  REQUIRE(d.x.size() == kPixels.size());
  for (size_t i = 0; i < kPixels.size(); ++i) {
    CHECK(d.x[i] == static_cast<float>(kPixels[i]) / 255.0f);
  }
  CHECK(d.x[1] == 1.0f);
  CHECK(d.y == std::vector<int32_t>{0, 4, 1});
}

TEST_CASE("load_idx reads plain and gzipped files exactly, whatever their names", "[data][idx]") {
  TempDir dir;
  for (bool gzip : {false, true}) {
    // The names say the opposite of the contents: detection is by magic bytes.
    const std::string im = dir.file(gzip ? "images-idx3-ubyte" : "images-idx3-ubyte.gz");
    const std::string lb = dir.file(gzip ? "labels-idx1-ubyte" : "labels-idx1-ubyte.gz");
    write_idx(im, kImages, {3, 2, 3}, kPixels, gzip);
    write_idx(lb, kLabels, {3}, kLabelBytes, gzip);
    Result<Dataset> d = load_idx(im, lb);
    REQUIRE(d.ok());
    check_exact(*d, im);
  }
}

TEST_CASE("load_idx reports bad magic numbers with the file name", "[data][idx]") {
  TempDir dir;
  const std::string im = dir.file("train-images-idx3-ubyte.gz");
  const std::string lb = dir.file("train-labels-idx1-ubyte.gz");
  write_idx(im, kImages, {3, 2, 3}, kPixels, true);
  write_idx(lb, kLabels, {3}, kLabelBytes, true);

  // Labels where images belong, and the other way round.
  Result<Dataset> d = load_idx(lb, lb);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().file == lb);
  CHECK_THAT(d.error().str(), Contains(lb) && Contains("bad magic number 0x00000801 (expected "
                                                       "0x00000803, IDX3 uint8 images)"));
  d = load_idx(im, im);
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.error().str(),
             Contains(im) && Contains("bad magic number 0x00000803 (expected 0x00000801"));
}

TEST_CASE("load_idx reports truncated files with expected and actual sizes", "[data][idx]") {
  TempDir dir;
  const std::string lb = dir.file("labels");
  write_idx(lb, kLabels, {3}, kLabelBytes, false);
  for (bool gzip : {false, true}) {
    const std::string im = dir.file(gzip ? "short.gz" : "short");
    write_idx(im, kImages, {3, 2, 3}, std::vector<uint8_t>(kPixels.begin(), kPixels.begin() + 12),
              gzip);
    Result<Dataset> d = load_idx(im, lb);
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.error().str(),
               Contains(im) && Contains("truncated: header says 3 images of 2x3 (18 bytes) but "
                                        "only 12 bytes follow"));
  }
  // A header cut short.
  const std::string stub = dir.file("stub");
  test::write_bytes(stub, {0, 0, 8, 3, 0, 0}, false);
  Result<Dataset> d = load_idx(stub, lb);
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.error().str(), Contains(stub) && Contains("truncated"));
}

TEST_CASE("load_idx reports a gzip stream cut short as truncated", "[data][idx]") {
  TempDir dir;
  const std::string lb = dir.file("labels");
  write_idx(lb, kLabels, {3}, kLabelBytes, false);
  // Incompressible-ish pixels so the compressed stream is long enough to cut in the middle.
  std::vector<uint8_t> pixels(100 * 28 * 28);
  uint32_t s = 1;
  for (auto& p : pixels) p = static_cast<uint8_t>((s = s * 1103515245u + 12345u) >> 24);
  const std::string full = dir.file("full.gz");
  write_idx(full, kImages, {100, 28, 28}, pixels, true);
  const auto size = std::filesystem::file_size(full);
  std::vector<uint8_t> bytes(size);
  std::FILE* f = std::fopen(full.c_str(), "rb");
  REQUIRE(std::fread(bytes.data(), 1, size, f) == size);
  std::fclose(f);
  bytes.resize(size / 2);
  const std::string cut = dir.file("cut.gz");
  test::write_bytes(cut, bytes, false);

  Result<Dataset> d = load_idx(cut, lb);
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.error().str(), Contains(cut) && Contains("truncated: header says 100 images of "
                                                        "28x28 (78400 bytes) but only"));
  CHECK_THAT(d.error().message, Contains("gzip stream ends early"));
}

TEST_CASE("load_idx reports trailing data", "[data][idx]") {
  TempDir dir;
  const std::string im = dir.file("images");
  const std::string lb = dir.file("labels");
  std::vector<uint8_t> longer = kPixels;
  longer.push_back(42);
  write_idx(im, kImages, {3, 2, 3}, longer, false);
  write_idx(lb, kLabels, {3}, kLabelBytes, false);
  Result<Dataset> d = load_idx(im, lb);
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.error().str(), Contains(im) && Contains("trailing data"));
}

TEST_CASE("load_idx reports image and label counts that differ", "[data][idx]") {
  TempDir dir;
  const std::string im = dir.file("images.gz");
  const std::string lb = dir.file("labels.gz");
  write_idx(im, kImages, {3, 2, 3}, kPixels, true);
  write_idx(lb, kLabels, {2}, {0, 1}, true);
  Result<Dataset> d = load_idx(im, lb);
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.error().str(), Contains(lb) && Contains(im) &&
                                  Contains("shape mismatch: 2 labels but") &&
                                  Contains("has 3 images"));
}

TEST_CASE("load_idx reports missing files by name", "[data][idx]") {
  TempDir dir;
  const std::string lb = dir.file("labels");
  write_idx(lb, kLabels, {3}, kLabelBytes, false);
  const std::string missing = dir.file("no-such-images.gz");
  Result<Dataset> d = load_idx(missing, lb);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().file == missing);
  CHECK_THAT(d.error().str(), Contains("missing file") && Contains("No such file or directory"));
}

}  // namespace
}  // namespace hs
