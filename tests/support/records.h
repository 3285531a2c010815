// records.h: the records of a results file, for tests that run the real binary and read back
// what it wrote (link hs_store).
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "store/results_file.h"

namespace hs::test {

inline std::vector<hs::TrialRecord> records_of(const std::string& path) {
  auto f = hs::ResultsFile::open(path);
  REQUIRE(f.ok());
  return f->trials();
}

}  // namespace hs::test
