// Inputs made by hand to break hypersweep, through the real binary (label `crafted`, which
// scripts/sanitize-check.sh runs again in an AddressSanitizer build): a results file and journal
// damaged at seeded places and continued by `run`, then read by show, report and export; hostile
// sweep files given to `plan` and `run`. Each command either does its work (0) or refuses with a
// clear error (2): never a crash, a hang, another code, a sanitizer report or a source line.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "support/cli.h"

using namespace hs::test;

namespace {

// A sweep of 6 trials that take no time: a command printing its metric.
constexpr char kSweep[] = R"([objective]
command = "echo epoch=1 val_acc=0.{x}; echo val_acc=0.{x}"
[sweep]
strategy = "grid"
[space]
x = { choice = [1, 2, 3, 4, 5, 6] }
)";

// Exit 0 or 2, and nothing a crash or a sanitizer would print.
void check_clean(const Run& r, const std::string& what) {
  INFO(what << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK((r.code == 0 || r.code == 2));
  CHECK_FALSE(contains(r.err, "AddressSanitizer"));
  CHECK_FALSE(contains(r.err, "runtime error:"));  // UndefinedBehaviorSanitizer
  CHECK_FALSE(contains(r.err, ".cpp:"));           // a source line: an assertion or HDF5 call text
}

std::string flipped(std::string bytes, std::mt19937_64& rng, int flips) {
  for (int i = 0; i < flips; ++i) {
    const size_t at = std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng);
    bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
  }
  return bytes;
}

}  // namespace

TEST_CASE("a damaged results file or journal is continued or refused cleanly", "[cli][crafted]") {
  Scratch s;
  const auto cfg = s.write("sweep.toml", kSweep);
  const std::string out = s.path("r.h5");
  const Run first = hypersweep("run '" + cfg.string() + "' --out '" + out + "'");
  INFO(first.out << first.err);
  REQUIRE(first.code == 0);
  const std::string h5 = slurp(out), journal = slurp(out + ".journal");
  std::mt19937_64 rng(20261130);
  for (int round = 0; round < 24; ++round) {
    std::string bad_h5 = h5, bad_journal = journal;
    switch (round % 4) {
      case 0: bad_h5 = flipped(h5, rng, 1 + round); break;
      case 1: bad_journal = flipped(journal, rng, 1 + round / 4); break;
      case 2: bad_journal = journal.substr(0, rng() % journal.size()); break;
      case 3:
        bad_h5 = h5.substr(0, rng() % h5.size());
        bad_journal = flipped(journal, rng, 1);
        break;
    }
    std::ofstream(out, std::ios::binary | std::ios::trunc) << bad_h5;
    std::ofstream(out + ".journal", std::ios::binary | std::ios::trunc) << bad_journal;
    const std::string what = "round " + std::to_string(round);
    check_clean(hypersweep("run '" + cfg.string() + "' --out '" + out + "'"), what + ": run");
    check_clean(hypersweep("show '" + out + "'"), what + ": show");
    check_clean(hypersweep("report '" + out + "' -o '" + s.path("r.html") + "'"), what + ": report");
    check_clean(hypersweep("export '" + out + "' --csv '" + s.path("csv") + "'"), what + ": export");
  }
}

TEST_CASE("hostile sweep files are refused with their file and line", "[cli][crafted]") {
  Scratch s;
  const std::string huge(200000, 'k');
  const std::vector<std::string> hostile = {
      "[sweep]\ntrials = 9223372036854775807\n[space]\nlr = 0.1\n",
      "[sweep]\nstrategy = \"grid\"\n[space]\nlr = { log_uniform = [1e-4, 1e-1], grid = 9223372036854775807 }\n",
      "[train]\nhidden = [1e9, 1e9]\n[space]\nlr = 0.1\n",
      "[train]\nwidth = 100000000\ndepth = 1000\n[space]\nlr = 0.1\n",
      "[sweep]\nstrategy = \"grid\"\n[space]\nbatch_size = { int = [1, 1000000000], grid = 1000000000 }\n",
      "[space]\nlr = { log_uniform = [nan, 0.1] }\n",
      "[space]\nlr = { uniform = [inf, -inf] }\n",
      std::string("[space]\n").append(huge).append(" = 1\n"),
      std::string("[space]\nlr = \"").append(huge).append("\"\n"),
      "[space]\nlr = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
      "[objective]\ncommand = \"train --lr '{lr}'\"\n[space]\nlr = 0.1\n",
      "[objective]\ncommand = \"train {\"\n[space]\nlr = 0.1\n",
      "[train]\ndata_path = \"/nonexistent/\\u0000\"\n[space]\nlr = 0.1\n",
      "[space]\nlr = { choice = [] }\n",
      "\xff\xfe[space]\n",
      "[space\n",
      "[sweep]\nmemory_limit = \"99999999999999999999T\"\n[space]\nlr = 0.1\n",
      "[sweep]\nmax_retries = -1\n[space]\nlr = 0.1\n",
  };
  for (size_t i = 0; i < hostile.size(); ++i) {
    const auto cfg = s.write(std::string("h").append(std::to_string(i)).append(".toml"), hostile[i]);
    const std::string file = std::string("'").append(cfg.string()).append("'");
    for (const std::string& cmd : {"plan " + file, "run " + file + " --out " + s.path("x.h5")}) {
      const Run r = hypersweep(cmd);
      check_clean(r, "file " + std::to_string(i) + ": " + cmd);
      CHECK(r.code == 2);
      CHECK(contains(r.err, cfg.string()));  // the error names the file
      CHECK(r.err.size() < 2000);            // and echoes no 200,000-character key or value
    }
    CHECK_FALSE(std::filesystem::exists(s.path("x.h5")));  // a refused run leaves no file
  }
}
