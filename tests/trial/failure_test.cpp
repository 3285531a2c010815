// trial/failure.h: a failed trial's error written with its stderr's end, and read back on one
// line with the reason and the stderr's last line.
#include "trial/failure.h"

#include <catch2/catch.hpp>
#include <string>

using hs::error_headline;
using hs::with_stderr_tail;

TEST_CASE("a failure's headline is its reason and the last line of its stderr", "[trial]") {
  const std::string traceback =
      "Traceback (most recent call last):\n  File \"train.py\", line 3, in <module>\n"
      "    raise ValueError('lr too big')\nValueError: lr too big\n\n";
  const std::string e = with_stderr_tail("the command exited with status 1", traceback);
  CHECK(e == "the command exited with status 1\nstderr (the end):\n" + traceback);
  CHECK(error_headline(e) ==
        "the command exited with status 1; its stderr ends: ValueError: lr "
        "too big");
  // No stderr: the reason alone, and nothing is appended to it.
  CHECK(with_stderr_tail("the command timed out after 5 s", "") ==
        "the command timed out after 5 s");
  CHECK(error_headline("the command timed out after 5 s") == "the command timed out after 5 s");
  // A multi-line error without the marker: its first line (what was printed before).
  CHECK(error_headline("cannot load data\nline 2") == "cannot load data");
  // A stderr of blank lines adds nothing.
  CHECK(error_headline(with_stderr_tail("exited with status 2", "\n  \n")) ==
        "exited with status 2");
  CHECK(error_headline("").empty());
}

TEST_CASE("a long failure headline is cut to its limit with an ellipsis", "[trial]") {
  const std::string e = with_stderr_tail("the command exited with status 1", std::string(300, 'x'));
  const std::string h = error_headline(e);
  CHECK(h.size() == 200u);
  CHECK(h.substr(0, 53) == "the command exited with status 1; its stderr ends: xx");
  CHECK(h.substr(197) == "...");
  CHECK(error_headline(e, 60).size() == 60u);
}
