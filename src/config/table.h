// table.h: one top-level table of a TOML config file read as plain values, each with the line it
// was given on, for a reader whose keys this folder does not know (the recipe's [recipe] table,
// recipe/options.h). The TOML stays here; what the keys mean, and their checks, stay with that
// reader.
//
// May depend on: core; toml++ privately. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace hs {

struct TableValue {
  enum class Kind { kBool, kInt, kFloat, kString, kArray, kOther };
  Kind kind = Kind::kOther;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;              // kInt and kFloat: the value as a double
  std::string string;
  std::vector<TableValue> items;  // kArray
  std::string text;               // as TOML prints it, for messages
  int line = 0;

  bool is_number() const { return kind == Kind::kInt || kind == Kind::kFloat; }
};

struct TableEntry {
  std::string key;
  TableValue value;
};

// The entries of top-level table `name` in TOML `text` (`file` names it in messages), in the
// order of the file; none when the table is absent. Errors: a TOML syntax error (its line), or
// `name` given as something other than a table (key `name`).
Result<std::vector<TableEntry>> read_table(std::string_view text, const std::string& file,
                                           const std::string& name);

}  // namespace hs
