// keys.h: the trainer key table behind config.cpp, internal to src/config (include it only from
// src/config/*.cpp; the public API is config.h). One row per [train] key: its type, help, setter
// with the type and range checks, and getter for to_toml; how values print as TOML; and the
// "did you mean" hint for keys no row has.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace hs::config_internal {

// A value as TOML text; used both in messages ("got ...") and by to_toml.
std::string render(const ConfigValue& v);
// A TOML basic string.
std::string quote(std::string_view s);

// kPath: a string that names a file or folder (config.h: how a relative one resolves).
enum class Kind { kFloat, kInt, kString, kPath, kBool, kIntList };
const char* kind_name(Kind k);      // KeyInfo::type: "float", "int", ...
const char* kind_expected(Kind k);  // for messages: "a number", "an integer", ...

// What a setter may write: the options, and the config-only keys depth and width.
struct Fields {
  TrainOptions* opt;
  int* depth;
  int* width;
};

using Setter = std::string (*)(Fields&, const ConfigValue&);
using Getter = ConfigValue (*)(const TrainOptions&);

struct KeySpec {
  const char* key;
  Kind kind;
  const char* help;     // without the default, which is rendered from TrainOptions{}
  Setter set;
  Getter get;           // nullptr: not a TrainOptions field (depth, width); to_toml skips it
  const char* default_text = nullptr;  // for keys without a getter
};

// Every trainer key, in the order to_toml() writes them.
const std::vector<KeySpec>& specs();
// The row of `key`, or nullptr.
const KeySpec* find_spec(std::string_view key);

// " (did you mean "x"?)" or "": the closest of `names` to `key`, or with `aliases` the name
// other tools use for it.
std::string suggestion(std::string_view key, const std::vector<std::string_view>& names,
                       bool aliases);
// The error for a [train] key (or --set key) no row has, with a suggestion from the table.
Error unknown_key(std::string_view key, const ConfigWhere& where);

}  // namespace hs::config_internal
