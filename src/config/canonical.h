// canonical.h: what a config text means, written one way, so that two texts that mean the same
// are the same sweep (store/header.h: SweepHeader::config_form). Comments, whitespace, the order
// of keys and tables and the spelling of values (1e-3 or 0.001, 'x' or "x"; 2 or 2.0 outside
// [space] and in a range's bounds; x = { choice = [...] } or x = [...]) do not count, nor a
// [sweep] key given its default (seed = 0, metric = "val_acc", ...); nor do [sweep] trials, so a
// sweep can grow, and max_retries, memory_limit and isolate, which say how trials run (README,
// "Continuing and growing a sweep").
//
// May depend on: core, trial (a metric's default direction); toml++ privately. Thread safety:
// pure function.
#pragma once

#include <string>

namespace hs {

// The canonical form of a TrainConfig::text() (the config as given: each file after its
// "# file: NAME" line, each --set as a line "# --set key=value"): one line per value,
// "[table] key = value" (a nested table's keys joined by '.', values as TOML writes them, inline
// tables with their keys sorted), sorted, each file's lines in turn (under "file N:" when there
// are several), then one line per --set in order, "--set key = value" (the value as TOML reads it,
// else as a string; a key set again by a later --set only there, as the later value is the one
// that counts). [sweep] trials, max_retries, memory_limit and isolate are left out. A file
// that is not TOML (none that loaded) keeps its lines, without comment lines. Order within
// [space] counts: it is the order of the search's dimensions, so the caller compares it
// (store/header.h compares the space).
std::string canonical_config(const std::string& config_text);

}  // namespace hs
