// Tests for src/data/csv.cpp.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>
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
  Result<Dataset> d = load_csv(path, "first");
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().file == path);
  return d.error();
}

TEST_CASE("load_csv reads labels and features exactly", "[data][csv]") {
  TempDir dir;
  const std::string path = dir.file("a.csv");
  // Blank lines, CRLF endings, a '+' sign, spaces around fields and no final newline.
  write_text(path, "0,1.5,2\r\n\n2,-3,4e-1\r\n  \n1.0,+5, 6 \n3,0.1,-0");
  Result<Dataset> d = load_csv(path, "first");
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
  Result<Dataset> d = load_csv(path, "first");
  REQUIRE(d.ok());
  CHECK(d->n == 2);
  CHECK(d->channels == 2);
  CHECK(d->x == std::vector<float>{2, 3, 4, 5});
  CHECK(d->y == std::vector<int32_t>{1, 0});
}

TEST_CASE("load_csv ignores a UTF-8 byte order mark and notes the header line it skips",
          "[data][csv]") {
  // With the mark (Excel's "CSV UTF-8"), a first data row looked like a header and was skipped,
  // and a header's first name began with an invisible U+FEFF.
  TempDir dir;
  const std::string bom = "\xEF\xBB\xBF";
  const std::string rows = dir.file("rows.csv");
  write_text(rows, bom + "1,2,0\n3,4,1\n");
  Result<Dataset> d = load_csv(rows, "last");
  REQUIRE(d.ok());
  CHECK(d->n == 2);
  CHECK(d->y == std::vector<int32_t>{0, 1});
  CHECK(d->x == std::vector<float>{1, 2, 3, 4});
  CHECK(d->header_line == 0);
  const std::string named = dir.file("named.csv");
  write_text(named, bom + "\nspecies,a,b\n1,2,3\n0,4,5\n");
  d = load_csv(named, "species");
  REQUIRE(d.ok());
  CHECK(d->n == 2);
  CHECK(d->y == std::vector<int32_t>{1, 0});
  CHECK(d->header_line == 2);
  // Only at the file's start: one on a later line is a field's text, as any other.
  write_text(named, std::string("1,2,3\n") + bom + "0,4,5\n");
  CHECK_FALSE(load_csv(named, "first").ok());
}

TEST_CASE("load_csv reads a file whose only data row is its last line, without a newline",
          "[data][csv]") {
  TempDir dir;
  const std::string path = dir.file("one.csv");
  for (const char* text : {"1,0,2", "a,b,c\n1,3.5,4", "a,b\n\n0,1"}) {
    INFO(text);
    write_text(path, text);
    Result<Dataset> d = load_csv(path, "first");
    REQUIRE(d.ok());
    REQUIRE(d->y.size() == 1u);
    CHECK(d->x.size() == static_cast<size_t>(d->dim()));
  }
  // "0,1,2" is the header pandas writes for an array's three columns: said, if nothing follows.
  write_text(path, "0,1,2");
  Result<Dataset> d = load_csv(path, "first");
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message == "empty file: no data rows after the header on line 1");
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
    CHECK_THAT(e.message, Contains("label \"cat\" is not an integer >= 0") &&
                              Contains("field 1, by label_column = \"first\""));
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
  SECTION("a number with more after it, and one beyond a float's range") {
    // Each starts as a number, so the reader's fast path parses a prefix and must not keep it.
    Error e = csv_error(dir, "1,2,3\n0,4.5x,1\n");
    CHECK(e.line == 2);
    CHECK_THAT(e.message, Contains("non-numeric field 2: \"4.5x\""));
    e = csv_error(dir, "1,2,3\n0,1,2-3\n");
    CHECK_THAT(e.message, Contains("non-numeric field 3: \"2-3\""));
    e = csv_error(dir, "1,2,3\n0,1e400,1\n");
    CHECK(e.line == 2);
    CHECK_THAT(e.message, Contains("field 2") && Contains("not a finite float: \"1e400\""));
  }
  SECTION("too many and too few columns") {
    Error e = csv_error(dir, "\n1,2,3\n\n0,4,5,6\n");
    CHECK(e.line == 4);
    CHECK_THAT(e.message, Contains("shape mismatch: 4 fields, but line 2 has 3"));
    e = csv_error(dir, "1,2,3\n0,4\n");
    CHECK(e.line == 2);
    CHECK_THAT(e.message, Contains("shape mismatch: 2 fields, but line 1 has 3"));
  }
  SECTION("negative label") {
    const Error e = csv_error(dir, "1,2\n0,3\n-1,4\n");
    CHECK(e.line == 3);
    CHECK_THAT(e.message, Contains("label \"-1\" is not an integer >= 0"));
  }
  SECTION("non-integer label") {
    const Error e = csv_error(dir, "h,x\n1.5,2\n");
    CHECK(e.line == 2);
    CHECK_THAT(e.message, Contains("label \"1.5\" is not an integer >= 0"));
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
  Result<Dataset> d = load_csv(dir.file("none.csv"), "last");
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
  Result<Dataset> d = load_csv(path, "first");
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

  // A pipe has no size to map: it is read into a string, and gives the same data set (written
  // by another thread, more than one read's worth).
  const std::string fifo = dir.file("big.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::thread writer([&] { write_text(fifo, text); });
  Result<Dataset> piped = load_csv(fifo, "first");
  writer.join();
  REQUIRE(piped.ok());
  CHECK(piped->y == d->y);
  CHECK(piped->x == d->x);
}

TEST_CASE("load_csv reads lines longer than its read buffer", "[data][csv]") {
  TempDir dir;
  const std::string path = dir.file("wide.csv");
  // 3 rows of 30,000 features (about 200 KB a line), no newline after the last.
  std::string text;
  for (int r = 0; r < 3; ++r) {
    text += std::to_string(r);
    for (int f = 0; f < 30000; ++f) {
      text += ',';
      text += std::to_string(r * 100000 + f);
    }
    if (r < 2) text += "\n";
  }
  write_text(path, text);
  Result<Dataset> d = load_csv(path, "first");
  REQUIRE(d.ok());
  REQUIRE(d->n == 3);
  CHECK(d->channels == 30000);
  CHECK(d->y == std::vector<int32_t>{0, 1, 2});
  bool exact = true;
  for (int r = 0; r < 3; ++r)
    for (int f = 0; f < 30000; ++f)
      exact = exact && d->row(r)[f] == static_cast<float>(r * 100000 + f);
  CHECK(exact);
}

// What pandas writes with df.to_csv(index=False): a header, an integer-valued first feature
// (an id, an age, a count) and the label last. The default label_column ("last") must take the
// label, not the integer column: 3 classes, not 17.
TEST_CASE("load_csv takes the last column as the label by default (pandas' layout)",
          "[data][csv][label_column]") {
  TempDir dir;
  const std::string path = dir.file("pandas.csv");
  std::string text = "age,height,species\n";
  for (int i = 0; i < 30; ++i) {
    text += std::to_string(i % 17) + "," + std::to_string(1.5 + i) + "," + std::to_string(i % 3) +
            "\n";
  }
  write_text(path, text);
  Result<Dataset> d = load_csv(path, DataOptions{}.label_column);
  REQUIRE(d.ok());
  CHECK(d->num_classes == 3);
  CHECK(d->channels == 2);
  for (int i = 0; i < 30; ++i) {
    INFO(i);
    CHECK(d->y[static_cast<size_t>(i)] == i % 3);
    CHECK(d->row(i)[0] == static_cast<float>(i % 17));
    CHECK(d->row(i)[1] == static_cast<float>(1.5 + i));
  }
  CHECK_FALSE(d->integer_inputs);  // the height column has fractions

  // A label-named last column settles it, whatever the others are called.
  write_text(path, "x,y,target,class\n0.5,1,2,1\n1.5,2,3,0\n");
  d = load_csv(path, "last");
  REQUIRE(d.ok());
  CHECK(d->y == std::vector<int32_t>{1, 0});
}

// pandas.DataFrame(array).to_csv(index=False) names the columns 0, 1, ..., n - 1: that line is
// a header, not a sample whose label is n - 1 (which made 5 classes of 2 here).
TEST_CASE("load_csv reads the header pandas writes for an array as a header",
          "[data][csv][label_column]") {
  TempDir dir;
  const std::string path = dir.file("array.csv");
  write_text(path, "0,1,2,3,4\n0.5,1.5,2,3,1.0\n0.25,1,2,3,0.0\n0.75,1,2,3,1.0\n");
  Result<Dataset> d = load_csv(path, "last");
  REQUIRE(d.ok());
  CHECK(d->header_line == 1);
  CHECK(d->n == 3);
  CHECK(d->num_classes == 2);
  CHECK(d->y == std::vector<int32_t>{1, 0, 1});
  d = load_csv(path, "4");  // the label's column by index, as before
  REQUIRE(d.ok());
  CHECK(d->num_classes == 2);

  // Two columns counted 0, 1 could be a sample: read as data, as before.
  write_text(path, "0,1\n2,0\n3,1\n");
  d = load_csv(path, "last");
  REQUIRE(d.ok());
  CHECK(d->n == 3);
  CHECK(d->header_line == 0);
}

TEST_CASE("load_csv label_column: first and a 0-based index and a header name agree",
          "[data][csv][label_column]") {
  TempDir dir;
  const std::string path = dir.file("mid.csv");
  write_text(path, "a,target,b\n1,0,2\n3,1,4\n5,2,6\n");
  for (const char* column : {"1", "target"}) {
    INFO(column);
    Result<Dataset> d = load_csv(path, column);
    REQUIRE(d.ok());
    CHECK(d->y == std::vector<int32_t>{0, 1, 2});
    CHECK(d->x == std::vector<float>{1, 2, 3, 4, 5, 6});
    CHECK(d->integer_inputs);
  }
  write_text(path, "2,0.5,7\n0,1.5,8\n");  // no header: by position only
  Result<Dataset> d = load_csv(path, "first");
  REQUIRE(d.ok());
  CHECK(d->y == std::vector<int32_t>{2, 0});
  CHECK(d->x == std::vector<float>{0.5f, 7, 1.5f, 8});
}

TEST_CASE("load_csv label column errors name the file line value and the key",
          "[data][csv][label_column]") {
  TempDir dir;
  const std::string path = dir.file("bad.csv");
  SECTION("a non-integer label, with its line and value") {
    write_text(path, "a,b,label\n1,2,0\n3,4,1\n5,6,0.75\n");
    Result<Dataset> d = load_csv(path, "last");
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().file == path);
    CHECK(d.error().line == 4);
    CHECK_THAT(d.error().message, Contains("label \"0.75\" is not an integer >= 0") &&
                                      Contains("field 3 (\"label\")") &&
                                      Contains("label_column = \"last\""));
  }
  SECTION("a gzip or HDF5 file given as CSV says what it is") {
    write_text(path, std::string("\x1f\x8b\x08\x00\x00\x00", 6));
    Result<Dataset> d = load_csv(path, "last");
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.error().message, Contains("is gzip-compressed"));
    write_text(path, std::string("\x89HDF\r\n\x1a\n\x00", 9));
    d = load_csv(path, "last");
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.error().message, Contains("is an HDF5 file, not CSV"));
  }
  SECTION("a field's control bytes are escaped in the message, a NUL too") {
    const char text[] = "a,b,label\n1,2,0\nx\0\ty,3,1\n";
    write_text(path, std::string(text, sizeof text - 1));
    Result<Dataset> d = load_csv(path, "last");
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().line == 3);
    CHECK_THAT(d.error().message, Contains("non-numeric field 1: \"x\\u0000\\ty\""));
    CHECK(d.error().message.find('\0') == std::string::npos);  // printf would stop there
  }
  SECTION("word labels in a headerless file: its first line was read as the header") {
    write_text(path, "1,2,cat\n3,4,dog\n");
    Result<Dataset> d = load_csv(path, "last");
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().line == 2);
    CHECK_THAT(d.error().message, Contains("label \"dog\" is not an integer >= 0") &&
                                      Contains("line 1 was read as the header"));
  }
  SECTION("a label too large for a class number says so, not that it is no integer") {
    write_text(path, "a,b,label\n1,2,0\n3,4,2147483647\n");
    Result<Dataset> d = load_csv(path, "last");
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().line == 3);
    CHECK_THAT(d.error().message,
               Contains("label \"2147483647\" is more than the 1000 classes a label may have"));
  }
  SECTION("two columns of the label's name: the other would be a feature that leaks it") {
    write_text(path, "a,label,c,label\n1,0,2,1\n3,1,4,0\n5,2,6,1\n");
    for (const char* column : {"last", "label", "1", "3"}) {
      INFO(column);
      Result<Dataset> d = load_csv(path, column);
      REQUIRE_FALSE(d.ok());
      CHECK(d.error().line == 1);
      CHECK_THAT(d.error().message, Contains("fields 2 and 4 are both named \"label\""));
    }
    write_text(path, "a,label,c,d\n1,0,2,1\n3,1,4,0\n5,2,6,1\n");  // one of them: as before
    CHECK(load_csv(path, "label").ok());
  }
  SECTION("a label column with more than 1000 distinct values looks like a feature") {
    std::string text = "label,x\n";
    for (int i = 0; i < 1200; ++i) text += "0," + std::to_string(i) + "\n";
    text += "1,5\n";
    write_text(path, text);
    Result<Dataset> d = load_csv(path, "last");
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().file == path);
    // The header's "label" column is first: the default is refused before any row is read.
    CHECK(d.error().line == 1);
    CHECK_THAT(d.error().message, Contains("field 1 is named \"label\"") &&
                                      Contains("set label_column = \"label\""));
    write_text(path, text.substr(text.find('\n') + 1));  // the same rows without the header
    d = load_csv(path, "last");
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.error().message,
               Contains("the label column, field 2 (label_column = \"last\"), holds 1200 "
                        "distinct values") &&
                   Contains("looks like a feature") && Contains("set label_column"));
  }
  SECTION("a sparse label column (a pixel taken for the label) looks like a feature") {
    std::string text;
    for (int i = 0; i < 40; ++i) text += std::to_string(i % 2) + "," + (i % 4 ? "0" : "255") + "\n";
    write_text(path, text);
    Result<Dataset> d = load_csv(path, "last");
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.error().message, Contains("holds only 2 distinct values among 0..255"));
    CHECK(load_csv(path, "first").ok());
  }
  SECTION("a name without a header, an unknown name, an index past the end") {
    write_text(path, "1,2,0\n");
    Result<Dataset> d = load_csv(path, "species");
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.error().message, Contains("label_column = \"species\" names a column, but the "
                                           "file has no header line"));
    d = load_csv(path, "3");
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.error().message, Contains("label_column = \"3\" is past the last column: the "
                                           "file has 3 columns, 0 to 2"));
    write_text(path, "a,b,c\n1,2,0\n");
    d = load_csv(path, "species");
    REQUIRE_FALSE(d.ok());
    CHECK_THAT(d.error().message, Contains("no header column is named \"species\"") &&
                                      Contains("\"a\", \"b\", \"c\""));
  }
}

}  // namespace
}  // namespace hs
