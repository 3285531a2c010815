// out_file.h: the benchmark programs' --out (sim_scheduler, gen_results), which they replace
// only where it holds a results file: a file of the user's there, or beside it as its journal,
// was overwritten.
// May depend on: store. Thread safety: plain functions.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "store/journal.h"
#include "store/results_file.h"

namespace hs::bench {

// Why `out` may not be replaced by a new results file ("" when it may): something there that
// is no results file, or a journal beside it that is no hypersweep journal.
inline std::string refused_out(const std::string& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(fs::symlink_status(out, ec)) && !ResultsFile::read_header(out).ok())
    return out + " is there and is no results file: not replaced (give another --out)";
  const std::string journal = out + ".journal";
  if (fs::exists(fs::symlink_status(journal, ec))) {
    char magic[8] = {};
    std::ifstream(journal, std::ios::binary).read(magic, sizeof magic);
    if (std::string(magic, sizeof magic) != std::string(store::kJournalMagic, 8))
      return journal + " is there and is no hypersweep journal: not replaced (give another --out)";
  }
  return "";
}

}  // namespace hs::bench
