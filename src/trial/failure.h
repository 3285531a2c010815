// failure.h: a trial's error text, written and read in one place. A command trial that failed
// records why (its exit, its timeout) and then the end of its stderr after a fixed marker; what
// shows a failure on one line (the progress line, `show`'s list, the diagnosis's `failed`) gives
// the reason with the stderr's last line, where a Python script's exception is: "the command
// exited with status 1; its stderr ends: ValueError: lr too big". `show --trial N` prints the
// whole text. A trial's cause (failure_cause) is what `run`'s closing line and `show` count it by.
//
// May depend on: core (text.h), trial/status.h. Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>

#include "trial/status.h"

namespace hs {

// `reason`, then the end of the command's stderr (if any) under the marker error_headline reads,
// made valid UTF-8 (core/text.h: valid_utf8): both carry a program's bytes (its stderr, a line of
// its stdout), and the tail may start inside a character.
std::string with_stderr_tail(std::string reason, const std::string& stderr_tail);

// The error without the stderr it carries: what went wrong, as hypersweep said it ("the command
// was killed by SIGSEGV"). Two losses are the same way when their reasons are the same, whatever
// their stderr (a fault handler's addresses, a timestamp, a pid differ from run to run).
std::string error_reason(const std::string& error);

// The error on one line of at most `max_chars`: its first line, and the last non-blank line of
// the stderr it carries; cut with "..." when longer, the first line before the stderr's (down to
// a third of max_chars), never inside a UTF-8 character. Empty for an empty error.
std::string error_headline(const std::string& error, size_t max_chars = 200);

// Why a trial with status `s` that ran into an error (ran_into_error: failed or timed out) did,
// on one line: its error's headline; for one timed out with no error, which is how the built-in
// trainer's [train] max_seconds ends a trial (a command's timeout says so in its error), that
// time limit. "" for a failed trial that recorded no error.
std::string failure_cause(TrialStatus s, const std::string& error);

}  // namespace hs
