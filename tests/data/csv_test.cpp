// Tests for src/data/csv.cpp.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "data/load.h"
#include "test_util.h"

namespace hs {
namespace {

using Catch::Matchers::Contains;
using test::TempDir;
using test::write_text;

// Loads `text` as a CSV file and returns the error, failing the test if it loads.
Error csv_error(const TempDir& dir, const std::string& text) {
  const std::string path = dir.file("bad.csv");
  write_text(path, text);
  Result<Dataset> d = load_csv(path);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().file == path);
  return d.error();
}

TEST_CASE("load_csv reads labels and features exactly", "[data][csv]") {
  TempDir dir;
  const std::string path = dir.file("a.csv");
  // Blank lines, CRLF endings, a '+' sign, spaces around fields and no final newline.
  write_text(path, "0,1.5,2\r\n\n2,-3,4e-1\r\n  \n1.0,+5, 6 \n3,0.1,-0");
  Result<Dataset> d = load_csv(path);
  REQUIRE(d.ok());
  CHECK(d->name == path);
  CHECK(d->n == 4);
  CHECK(d->height == 1);
  CHECK(d->width == 1);
  CHECK(d->channels == 2);
  CHECK(d->dim() == 2);
  CHECK_FALSE(d->is_image);
  CHECK(d->num_classes == 4);
  CHECK(d->y == std::vector<int32_t>{0, 2, 1, 3});
  CHECK(d->x == std::vector<float>{1.5f, 2.0f, -3.0f, 0.4f, 5.0f, 6.0f, 0.1f, -0.0f});
}

TEST_CASE("load_csv skips a header line", "[data][csv]") {
  TempDir dir;
  const std::string path = dir.file("h.csv");
  write_text(path, "\nlabel,a,b\n1,2,3\n0,4,5\n");
  Result<Dataset> d = load_csv(path);
  REQUIRE(d.ok());
  CHECK(d->n == 2);
  CHECK(d->channels == 2);
  CHECK(d->x == std::vector<float>{2, 3, 4, 5});
  CHECK(d->y == std::vector<int32_t>{1, 0});
}

TEST_CASE("load_csv reads a file whose only data row is its last line, without a newline",
          "[data][csv]") {
  TempDir dir;
  for (const char* text : {"0,1,2", "a,b,c\n1,3.5,4", "a,b\n\n0,1"}) {
    INFO(text);
    const std::string path = dir.file("one.csv");
    write_text(path, text);
    Result<Dataset> d = load_csv(path);
    REQUIRE(d.ok());
    REQUIRE(d->y.size() == 1u);
    CHECK(d->x.size() == static_cast<size_t>(d->dim()));
  }
}

TEST_CASE("load_csv errors name the file and line", "[data][csv]") {
  TempDir dir;
  SECTION("non-numeric feature") {
    const Error e = csv_error(dir, "label,a,b\n1,2,3\n0,4,x5\n");
    CHECK(e.line == 3);
    CHECK_THAT(e.message, Contains("non-numeric field 3: \"x5\""));
  }
  SECTION("non-numeric label after the first line") {
    const Error e = csv_error(dir, "1,2,3\ncat,4,5\n");
    CHECK(e.line == 2);
    CHECK_THAT(e.message, Contains("non-numeric field 1 (label): \"cat\""));
  }
  SECTION("an empty field") {
    const Error e = csv_error(dir, "1,2,3\n0,4,\n");
    CHECK(e.line == 2);
    CHECK_THAT(e.message, Contains("non-numeric field 3: \"\""));
  }
  SECTION("a non-finite feature") {
    const Error e = csv_error(dir, "1,2,3\n0,nan,1\n");
    CHECK(e.line == 2);
    CHECK_THAT(e.message, Contains("not a finite float: \"nan\""));
  }
  SECTION("too many and too few columns") {
    Error e = csv_error(dir, "\n1,2,3\n\n0,4,5,6\n");
    CHECK(e.line == 4);
    CHECK_THAT(e.message, Contains("shape mismatch: 3 features, but line 2 has 2"));
    e = csv_error(dir, "1,2,3\n0,4\n");
    CHECK(e.line == 2);
    CHECK_THAT(e.message, Contains("shape mismatch: 1 features, but line 1 has 2"));
  }
  SECTION("negative label") {
    const Error e = csv_error(dir, "1,2\n0,3\n-1,4\n");
    CHECK(e.line == 3);
    CHECK_THAT(e.message, Contains("label out of range: \"-1\""));
  }
  SECTION("non-integer label") {
    const Error e = csv_error(dir, "h,x\n1.5,2\n");
    CHECK(e.line == 2);
    CHECK_THAT(e.message, Contains("label out of range: \"1.5\""));
  }
  SECTION("empty files, with and without a header") {
    for (const char* text : {"", "\n\n", "label,a,b\n"}) {
      const Error e = csv_error(dir, text);
      CHECK(e.line == 0);
      CHECK_THAT(e.str(), Contains("bad.csv: empty file"));
    }
  }
}

TEST_CASE("load_csv reports a missing file", "[data][csv]") {
  TempDir dir;
  Result<Dataset> d = load_csv(dir.file("none.csv"));
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.error().str(), Contains("none.csv: missing file"));
}

TEST_CASE("load_csv reads 100k rows", "[data][csv]") {
  TempDir dir;
  const std::string path = dir.file("big.csv");
  std::string text = "label,f1,f2,f3,f4\n";
  for (int i = 0; i < 100000; ++i) {
    text += std::to_string(i % 7) + "," + std::to_string(i) + ",0.25,-1.5," +
            std::to_string(i % 13) + ".5\n";
  }
  write_text(path, text);
  Result<Dataset> d = load_csv(path);
  REQUIRE(d.ok());
  REQUIRE(d->n == 100000);
  CHECK(d->num_classes == 7);
  bool exact = true;
  for (int i = 0; i < 100000; ++i) {
    const float* r = d->row(i);
    exact = exact && d->y[i] == i % 7 && r[0] == static_cast<float>(i) && r[1] == 0.25f &&
            r[2] == -1.5f && r[3] == static_cast<float>(i % 13) + 0.5f;
  }
  CHECK(exact);
}

}  // namespace
}  // namespace hs
