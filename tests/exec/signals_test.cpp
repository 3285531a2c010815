// The stop signals' handlers (exec/signals.h) in the real binary: in place before anything of
// the program's start-up can take time.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "support/cli.h"

using namespace hs::test;

TEST_CASE("the stop handlers are in place before any library initialises", "[exec][signals]") {
  // A signal in the first tens of milliseconds used to kill a sweep by its default action: the
  // libraries' initialisers (libhdf5's libcurl, gnutls, ...) and main's own start came first.
  // A preloaded library's initialiser runs among theirs, so what it sees is what a signal at
  // that moment meets. --version runs no sweep: only the start-up is looked at.
  Scratch s;
  const std::string out = s.path("probe");
  const Run r = hypersweep("--version", "LD_PRELOAD='" HS_SIGNAL_PROBE "' HS_SIGNAL_PROBE_OUT='" +
                                            out + "' ");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(slurp(out) == "handled");
}
