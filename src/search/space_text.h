// space_text.h: a search space as text, written and read back in one place. Values as TOML
// writes them, a parameter's range or choices as people read them, and the results file's
// /space attributes ("log_uniform [0.0001, 0.1]"), which parse back into the same parameter.
//
// May depend on: core, search/space.h. Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "search/space.h"

namespace hs {

// The value as TOML writes it: 3, 0.001, "adam", true (doubles in their shortest form that reads
// back exactly, always with a '.' or an exponent; nan, inf, -inf; a string's quotes, backslashes
// and control characters escaped: "a\"b", "line1\nline2", "\u0007"). What every printed
// parameter value goes through (describe, describe_values), so none breaks a line or a table.
std::string param_to_string(const ParamValue& v);

// The values a parameter takes, for people and file attributes: "[0.0001, 0.1]", "[1, 8] log",
// "[0.5, 0.9] grid 3", "[\"sgd\", \"adam\"]" (a choice), "3" (fixed). Int bounds print as ints.
std::string describe_values(const Param& p);

// "lr=0.001 optimizer=adam batch_size=64": the searched parameters of a point, for log lines.
// digits > 0 rounds reals to that many significant digits (for people); 0 keeps every bit.
std::string describe(const SearchSpace& s, const std::vector<ParamValue>& values, int digits = 0);

// A parameter as the results file's /space attribute holds it: "<kind> <describe_values(p)>",
// e.g. "log_uniform [0.0001, 0.1]", "int [1, 64] log", "choice [\"adam\", \"sgd\"]", "fixed 3".
std::string space_entry(const Param& p);
// Parameter `name` back from its space_entry() text: kind, bounds, log, grid and choices (each
// value typed as param_to_string wrote it). Its file and line are empty. Errors: text that
// space_entry() does not write (the message quotes it).
Result<Param> parse_space_entry(const std::string& name, const std::string& text);

}  // namespace hs
