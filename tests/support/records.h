// records.h: the records of a results file, for tests that run the real binary and read back
// what it wrote, or hold one open (link hs_store).
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "store/results_file.h"

namespace hs::test {

// Every record `f` holds, read back from its journal (ResultsFile::read_trials).
inline std::vector<hs::TrialRecord> trials_of(const hs::ResultsFile& f) {
  auto t = f.read_trials();
  REQUIRE(t.ok());
  return std::move(*t);
}

inline std::vector<hs::TrialRecord> records_of(const std::string& path) {
  auto f = hs::ResultsFile::open(path);
  REQUIRE(f.ok());
  return trials_of(*f);
}

}  // namespace hs::test
