// Tests for load_data's normalisation (src/data/load.cpp, contract in load.h): per channel, with
// the statistics of the training rows alone, applied to validation and test rows alike.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "data/load.h"
#include "test_util.h"

namespace hs {
namespace {

using Catch::Matchers::Contains;
using test::TempDir;

// Row r of the training file: features r, 2r + 1 and 7 (a constant channel), label r % 2 last.
// The test file's rows: 100, -3, 9.
DataOptions write_files(const TempDir& dir, Normalize how) {
  std::string train = "a,b,c,label\n";
  for (int r = 0; r < 20; ++r) {
    train += std::to_string(r) + "," + std::to_string(2 * r + 1) + ",7," + std::to_string(r % 2) +
             "\n";
  }
  test::write_text(dir.file("train.csv"), train);
  test::write_text(dir.file("test.csv"), "100,-3,9,0\n100,-3,9,1\n");
  DataOptions opt;
  opt.source = DataSource::kCsv;
  opt.path = dir.file("train.csv");
  opt.test_path = dir.file("test.csv");
  opt.val_fraction = 0.25;
  opt.normalize = how;
  return opt;
}

struct Moments {
  double mean, sd, lo, hi;
};

// Of the row numbers in `rows`, which are also the first feature's raw values.
Moments moments(const std::vector<int32_t>& rows) {
  Moments m{0, 0, HUGE_VAL, -HUGE_VAL};
  for (int32_t r : rows) {
    m.mean += r;
    m.lo = std::min(m.lo, static_cast<double>(r));
    m.hi = std::max(m.hi, static_cast<double>(r));
  }
  m.mean /= static_cast<double>(rows.size());
  for (int32_t r : rows) m.sd += (r - m.mean) * (r - m.mean);
  m.sd = std::sqrt(m.sd / static_cast<double>(rows.size()));
  return m;
}

std::vector<int32_t> all_rows(int n) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

TEST_CASE("normalize standard: training-split statistics for every split", "[data][normalize]") {
  TempDir dir;
  Result<DataBundle> b = load_data(write_files(dir, Normalize::kStandard));
  REQUIRE(b.ok());
  CHECK(b->normalization == "standard");
  const Moments t = moments(b->train.index);
  // Statistics over all 20 rows would differ, so a transform using them fails the checks below.
  REQUIRE(std::abs(t.mean - moments(all_rows(20)).mean) > 1e-3);
  const Dataset& f = *b->train_file;
  for (int64_t r = 0; r < f.n; ++r) {  // training and validation rows, raw value r
    INFO(r);
    const double z = (static_cast<double>(r) - t.mean) / t.sd;
    CHECK(f.row(r)[0] == Approx(z).margin(1e-6));
    CHECK(f.row(r)[1] == Approx(z).margin(1e-6));  // 2r + 1: mean 2m + 1, sd 2s
    CHECK(f.row(r)[2] == 0.0f);                    // constant: x - mean, divided by 1
  }
  // The training rows come out with mean 0 and standard deviation 1.
  double sum = 0, sq = 0;
  for (int32_t r : b->train.index) {
    sum += f.row(r)[0];
    sq += f.row(r)[0] * f.row(r)[0];
  }
  const auto n = static_cast<double>(b->train.size());
  CHECK(sum / n == Approx(0).margin(1e-6));
  CHECK(sq / n == Approx(1).epsilon(1e-6));
  const Dataset& test = *b->test_file;
  CHECK(test.row(0)[0] == Approx((100 - t.mean) / t.sd).epsilon(1e-6));
  CHECK(test.row(0)[1] == Approx((-3 - (2 * t.mean + 1)) / (2 * t.sd)).epsilon(1e-6));
  CHECK(test.row(0)[2] == 2.0f);
}

TEST_CASE("normalize minmax: the training split's range for every split", "[data][normalize]") {
  TempDir dir;
  Result<DataBundle> b = load_data(write_files(dir, Normalize::kMinmax));
  REQUIRE(b.ok());
  const Moments t = moments(b->train.index);
  const Dataset& f = *b->train_file;
  for (int64_t r = 0; r < f.n; ++r) {
    INFO(r);
    CHECK(f.row(r)[0] == Approx((static_cast<double>(r) - t.lo) / (t.hi - t.lo)).margin(1e-6));
    CHECK(f.row(r)[2] == 0.0f);
  }
  const Dataset& test = *b->test_file;
  CHECK(test.row(1)[0] == Approx((100 - t.lo) / (t.hi - t.lo)).epsilon(1e-6));
  CHECK(test.row(1)[1] == Approx((-3 - (2 * t.lo + 1)) / (2 * (t.hi - t.lo))).epsilon(1e-6));
  CHECK(test.row(1)[2] == 2.0f);
}

TEST_CASE("normalize none keeps the values and auto scales integer inputs only",
          "[data][normalize]") {
  TempDir dir;
  Result<DataBundle> b = load_data(write_files(dir, Normalize::kNone));
  REQUIRE(b.ok());
  CHECK(b->normalization == "none");
  for (int64_t r = 0; r < b->train_file->n; ++r) CHECK(b->train_file->row(r)[0] == r);

  // Whole-number features: auto is minmax (the default).
  b = load_data(write_files(dir, DataOptions{}.normalize));
  REQUIRE(b.ok());
  CHECK(b->normalization == "minmax (auto: integer inputs)");
  const Moments t = moments(b->train.index);
  CHECK(b->train_file->row(5)[0] == Approx((5 - t.lo) / (t.hi - t.lo)).margin(1e-6));

  // One fraction anywhere makes the inputs floats: auto leaves them.
  test::write_text(dir.file("f.csv"), "0.5,0\n1,1\n2,0\n3,1\n");
  DataOptions opt;
  opt.source = DataSource::kCsv;
  opt.path = dir.file("f.csv");
  opt.test_path = dir.file("f.csv");
  opt.val_fraction = 0.25;
  b = load_data(opt);
  REQUIRE(b.ok());
  CHECK(b->normalization == "none (auto: float inputs)");
  CHECK(b->train_file->x == std::vector<float>{0.5f, 1, 2, 3});
}

TEST_CASE("normalize names and parse agree", "[data][normalize]") {
  for (Normalize n : {Normalize::kAuto, Normalize::kNone, Normalize::kStandard,
                      Normalize::kMinmax}) {
    Normalize back{};
    REQUIRE(parse_normalize(normalize_name(n), &back));
    CHECK(back == n);
  }
  for (Layout l : {Layout::kNhwc, Layout::kNchw}) {
    Layout back{};
    REQUIRE(parse_layout(layout_name(l), &back));
    CHECK(back == l);
  }
  Normalize n{};
  CHECK_FALSE(parse_normalize("zscore", &n));
}

}  // namespace
}  // namespace hs
