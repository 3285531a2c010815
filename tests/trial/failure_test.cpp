// trial/failure.h: a failed trial's error written with its stderr's end, and read back on one
// line with the reason and the stderr's last line.
#include "trial/failure.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "core/text.h"

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

TEST_CASE("a long reason gives way to the stderr's last line where the cause is", "[trial]") {
  const std::string reason =
      "the command died at start-up 3 times in a row " + std::string(200, 'r');
  const std::string e =
      with_stderr_tail(reason, "Traceback\nModuleNotFoundError: No module named 'numpy'\n");
  const std::string h = error_headline(e, 120);
  CHECK(h.size() == 120u);
  const std::string ends = "...; its stderr ends: ModuleNotFoundError: No module named 'numpy'";
  CHECK(h.substr(h.size() - ends.size()) == ends);
  CHECK(h.substr(0, 46) == reason.substr(0, 46));
  // A stderr line longer than the room: the reason keeps a third of it, the rest is cut at the end.
  const std::string long_tail = with_stderr_tail(reason, std::string(300, 'x'));
  const std::string h2 = error_headline(long_tail, 100);
  CHECK(h2.size() == 100u);
  CHECK(h2.substr(0, 30) == reason.substr(0, 30));
  CHECK(h2.substr(30, 22) == "...; its stderr ends: ");
  CHECK(h2.substr(97) == "...");
}

TEST_CASE("a headline is never cut inside a UTF-8 character", "[trial]") {
  // "é" is two bytes; 60 of them and a limit that falls inside the 29th.
  std::string accents;
  for (int i = 0; i < 60; ++i) accents += "\xC3\xA9";
  const std::string h = error_headline(accents, 60);
  CHECK(h == accents.substr(0, 56) + "...");
}

TEST_CASE("a program's bytes are made valid UTF-8, one U+FFFD per bad byte", "[trial][text]") {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  CHECK(hs::valid_utf8("plain, \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
        "plain, \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");  // é, €, an emoji: kept
  CHECK(hs::valid_utf8("bad\xFF") == "bad" + r);
  CHECK(hs::valid_utf8("\xA9tail") == r + "tail");                 // a stray continuation byte
  CHECK(hs::valid_utf8("cut \xE2\x82") == "cut " + r + r);         // a sequence cut short
  CHECK(hs::valid_utf8("\xC0\xAF") == r + r);                      // an overlong '/'
  CHECK(hs::valid_utf8("\xE0\x80\xAF") == r + r + r);              // overlong in 3 bytes
  CHECK(hs::valid_utf8("\xED\xA0\x80") == r + r + r);              // a surrogate
  CHECK(hs::valid_utf8("\xF4\x90\x80\x80") == r + r + r + r);      // past U+10FFFF
  CHECK(hs::valid_utf8(std::string("nul\0in", 6)) == "nul" + r + "in");  // a C string ends there
  CHECK(hs::valid_utf8("").empty());
  // Where a cut may fall: never inside a character.
  const std::string e = "a\xC3\xA9" "b";  // a é b
  CHECK(hs::utf8_boundary(e, 0) == 0);
  CHECK(hs::utf8_boundary(e, 1) == 1);
  CHECK(hs::utf8_boundary(e, 2) == 1);  // inside é: back to its start
  CHECK(hs::utf8_boundary(e, 3) == 3);
  CHECK(hs::utf8_boundary(e, 99) == 4);
}

TEST_CASE("an error with a stderr cut inside a character, or bytes that are no UTF-8, is valid UTF-8",
          "[trial]") {
  // The stderr's last 4 KiB of one long line of é started inside a character; a line of stdout
  // quoted in the reason held a 0xFF byte.
  const std::string tail = "\xA9" "xxxxxx" "\xC3\xA9";
  const std::string e = with_stderr_tail("no result (the last line: \"val_acc=0.4 bad\xFF=3\")", tail);
  CHECK(e == "no result (the last line: \"val_acc=0.4 bad\xEF\xBF\xBD=3\")\nstderr (the end):\n"
             "\xEF\xBF\xBDxxxxxx\xC3\xA9");
  CHECK(hs::valid_utf8(e) == e);
  CHECK(with_stderr_tail("bad\xFF", "") == "bad\xEF\xBF\xBD");
}

TEST_CASE("trial ids are listed in runs of consecutive ids", "[trial]") {
  CHECK(hs::trials_text({7}) == "trial 7");
  CHECK(hs::trials_text({0, 1}) == "trials 0, 1");
  CHECK(hs::trials_text({0, 1, 2, 4, 9, 10, 11, 12}) == "trials 0-2, 4, 9-12");
  // Past max_runs runs: an ellipsis and the count.
  CHECK(hs::trials_text({0, 2, 4, 6, 8}, 3) == "trials 0, 2, 4, ... (5 in all)");
  CHECK(hs::trials_text({0, 2, 4}, 3) == "trials 0, 2, 4");
}

TEST_CASE("a word for a pasted command reads back through /bin/sh as itself", "[trial][text]") {
  CHECK(hs::shell_word("runs/r1.h5") == "runs/r1.h5");  // nothing to quote: as it is
  CHECK(hs::shell_word("epochs=3") == "epochs=3");
  CHECK(hs::shell_word("") == "''");
  CHECK(hs::shell_word("a b") == "'a b'");
  for (const std::string w : {"it's here.h5", "hidden=[8, 4]", "$HOME `x` \"q\" \\ *", "a\tb;c&d|e",
                              "''", "x'"}) {
    const std::string cmd = "printf '%s' " + hs::shell_word(w);
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string got;
    char buf[256];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) got.append(buf, n);
    CHECK(::pclose(p) == 0);
    CHECK(got == w);
  }
}

TEST_CASE("a program's control bytes are shown as text and never reach the terminal", "[trial][text]") {
  using hs::printable;
  CHECK(printable("plain é 日本\ttab") == "plain é 日本\ttab");  // text and a tab as they are
  CHECK(printable("\x1b[31mRED\x1b[0m") == "\\u001b[31mRED\\u001b[0m");
  CHECK(printable("a\rb\x07") == "a\\rb\\u0007");
  CHECK(printable("one\ntwo") == "one\\ntwo");
  CHECK(printable("one\ntwo", true) == "one\ntwo");
  CHECK(printable("\xC2\x9B" "2J") == "\\u009b2J");  // C1 CSI, as a UTF-8 terminal reads it
  CHECK(printable("x\xE2\x80\xAEy") == "x\\u202ey");  // a right-to-left override
  CHECK(printable("\xE2\x80\x94") == "\xE2\x80\x94");  // an em dash is no control
  CHECK(printable("bad\xFF") == "bad\xEF\xBF\xBD");
  // The error line a sweep and show print for a failed trial: its reason and stderr's last line.
  const std::string e = hs::with_stderr_tail("exited with status 1", "x\nValueError: \x1b]0;T\x07");
  CHECK(hs::error_headline(e) ==
        "exited with status 1; its stderr ends: ValueError: \\u001b]0;T\\u0007");
}

TEST_CASE("text is aligned by the columns a terminal gives it", "[trial][text]") {
  CHECK(hs::display_width("abc") == 3);
  CHECK(hs::display_width("é") == 1);
  CHECK(hs::display_width("日本") == 4);
  CHECK(hs::display_width("\xF0\x9F\x98\x80") == 2);  // an emoji
  CHECK(hs::display_width("e\xCC\x81") == 1);         // e and a combining acute
  CHECK(hs::padded_left("日本", 6) == "  日本");
  CHECK(hs::padded_left("abc", 2) == "abc");
}
