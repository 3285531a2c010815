// bench_data: how long the data loaders take to read a file (Google Benchmark).
//
// Cases:
//   BM_LoadCsv/rows:8000/keep:1   load_csv of a generated CSV: 32 features written with 5
//   BM_LoadCsv/rows:8000/keep:0   decimals (as bench/recipe_bench.py's teacher set writes them)
//                                 and an integer label last. keep:1 reads features and labels;
//                                 keep:0 the labels alone (what a run that never tests reads of
//                                 its test file)
// Counters: bytes_per_second (of the file), items_per_second (rows). The file is written once,
// into a temporary folder removed at exit, from a seeded generator; each case checks what it
// read (the row count and a feature's value) before it is timed.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/rng.h"
#include "data/load.h"

namespace {

using namespace hs;

constexpr int kFeatures = 32;

struct CsvFile {
  std::filesystem::path dir;
  std::string path;
  int64_t bytes = 0;
  float first = 0;  // row 0's first feature, as written
  ~CsvFile() {
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

// The file of `rows` rows, written on the first call (every case asks for the same rows).
const CsvFile& csv_file(int64_t rows) {
  static CsvFile f;
  if (!f.path.empty()) return f;
  f.dir = std::filesystem::temp_directory_path() / ("hs_bench_data_" + std::to_string(::getpid()));
  std::filesystem::create_directories(f.dir);
  f.path = (f.dir / "rows.csv").string();
  std::FILE* out = std::fopen(f.path.c_str(), "w");
  if (!out) {
    std::fprintf(stderr, "bench_data: cannot write %s\n", f.path.c_str());
    std::exit(2);
  }
  Rng rng(7);
  for (int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < kFeatures; ++c) {
      char text[32];
      std::snprintf(text, sizeof text, "%.5f", rng.normal());
      std::fprintf(out, "%s,", text);
      if (r == 0 && c == 0) f.first = std::strtof(text, nullptr);
    }
    std::fprintf(out, "%d\n", static_cast<int>(rng.below(6)));
  }
  f.bytes = std::ftell(out);
  std::fclose(out);
  return f;
}

void BM_LoadCsv(benchmark::State& state) {
  const int64_t rows = state.range(0);
  const Keep keep = state.range(1) ? Keep::kAll : Keep::kLabels;
  const CsvFile& f = csv_file(rows);
  {
    auto d = load_csv(f.path, "last", keep);
    const bool all = keep == Keep::kAll;
    if (!d || d->n != rows || (all && d->x[0] != f.first) || (!all && !d->x.empty())) {
      state.SkipWithError("load_csv read something other than the file it was given");
      return;
    }
  }
  for (auto _ : state) {
    auto d = load_csv(f.path, "last", keep);
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(state.iterations() * f.bytes);
  state.SetItemsProcessed(state.iterations() * rows);
}
BENCHMARK(BM_LoadCsv)
    ->ArgsProduct({{8000}, {1, 0}})
    ->ArgNames({"rows", "keep"})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
