// config.h: TOML configuration files and --set flags -> TrainOptions, with errors that name the
// file, line and key at fault (exit code 2 in the CLI).
//
// A config file is TOML. Its [train] table holds trainer keys, flat and unique (lr, optimizer,
// hidden, ...; train_keys() lists them all with their types and meaning). The top-level tables
// [sweep], [space] and [objective] belong to `hypersweep run`, and [recipe] to `hypersweep recipe`
// (src/recipe/recipe.h); they are accepted and skipped here;
// any other top-level key or table is an error. `--set key=value` takes the value in TOML syntax, with a
// bare word read as a string (--set optimizer=adam, --set lr=3e-4, --set hidden=[512,256]).
// For a string or path key the text after '=' is the string as it stands unless it starts with a
// quote (--set data_path=/data/x.csv; --set test_path= gives ""). An integer where an integer
// list is expected is a one-element list (--set milestones=30).
// Later values override earlier ones: defaults < files in order < --set flags in order.
// A path key (data_path, test_path; type "path" in train_keys()) given relative resolves against
// the folder of the file that gave it (load_file, a sweep file through load_sweep), a --set one
// against the current folder, and is kept absolute from then on: to_toml, the trial host and the
// workers see absolute paths, whatever their current folder (sbatch starts in the submit
// folder). Text loaded without a folder (load_text with dir "") keeps its paths as they are.
//
// May depend on: train (TrainOptions) and what it includes; toml++ privately. Thread safety: a
// TrainConfig is a plain value.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "train/options.h"

namespace hs {

// Where a value came from, for messages. file is a path, "--set" or a name such as "<default>".
struct ConfigWhere {
  std::string file;
  int line = 0;
  std::string dir = {};  // the absolute folder a relative path given here resolves against;
                         // "" leaves it as given
};

// A value as a config gives it. Integer lists serve hidden, conv_channels and milestones.
using ConfigValue = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>>;

struct KeyInfo {
  const char* key;
  const char* type;     // "float", "int", "string", "path", "bool", "int list"
  const char* help;     // one line: meaning, allowed values, default
};
// Every trainer key, in the order to_toml() writes them.
const std::vector<KeyInfo>& train_keys();

class TrainConfig {
 public:
  TrainConfig() = default;

  // Reads and applies a TOML file. Errors: unreadable file, TOML syntax (with its line), unknown
  // key, wrong type, value out of range (each with file, line and key). On error nothing of the
  // file is applied. Relative paths in it resolve against its folder.
  Status load_file(const std::string& path);
  // The same from text; `name` stands for the file in messages, and relative paths resolve
  // against `dir` (absolute; "": left as given).
  Status load_text(std::string_view text, const std::string& name, const std::string& dir = "");
  // Applies one "key=value" (a --set flag); a relative path resolves against the current folder.
  Status set(std::string_view assignment);
  // Applies one value: type and range checks for `key`.
  Status set_value(std::string_view key, const ConfigValue& value, const ConfigWhere& where);

  // The options, after the checks that involve several keys and the defaults that depend on
  // others (a cnn's hidden defaults to none; depth/width expand into hidden).
  Result<TrainOptions> finish() const;

  // Where `key` was given, or for a key that others set (hidden: width and depth) where the first
  // of those was; {"<default>", 0} when none was given. For errors found after finish() (a model
  // the data cannot take), which carry a key and no file.
  ConfigWhere where(std::string_view key) const;
  // `e` (an error with a key and no file: the trainer's) placed where(e.key), under the key
  // that was given there (width for hidden); a key left at its default where the key that
  // brings it in was given (at_bringer), else in the last file loaded ("not set, so its
  // default: ..."); with no file, as it is.
  Error locate(Error e) const;
  // A data set's error (it names the data file) placed where this config chose that file:
  // "sweep.toml:3: data_path: data/x.csv: missing file ...", with the path as it was given and,
  // for a relative one, the absolute path it resolved to. `e` as it is when no key chose it.
  Error locate_data_error(Error e) const;

  // "FILE:LINE: KEY = VALUE is not used: REASON" for each key given that `opt` (finish()'s)
  // never reads (unused_reason), in train_keys() order. A key `searched` names, or whose deciders
  // it names, is left out: a sweep's space sets it, or makes some trials read it.
  std::vector<std::string> unused_warnings(
      const TrainOptions& opt,
      const std::function<bool(std::string_view)>& searched = nullptr) const;

  // The texts as given, in the order applied, for the results file and the log: each file as a
  // line "# file: NAME" followed by its text verbatim (newline-terminated), each --set as one
  // line "# --set key=value". Loads and --set flags that failed leave no trace. With one file the
  // whole is that file plus comments, so it is valid TOML (without the --set values).
  const std::string& text() const { return text_; }
  // The top-level tables of the files loaded, each with the line of its header (the first
  // file's, if several have it): [train], and those left to others ([sweep], [space],
  // [objective], [pruner], [recipe]).
  const std::map<std::string, int, std::less<>>& tables() const { return tables_; }

 private:
  bool given(std::string_view key) const;

  TrainOptions opt_;
  int depth_ = 0;  // depth and width: config-only keys that finish() expands into hidden
  int width_ = 0;
  std::map<std::string, ConfigWhere, std::less<>> where_;  // keys given explicitly
  std::map<std::string, std::string, std::less<>> relative_;  // path keys given relative: as given
  std::string text_;
  std::string last_file_;  // the name of the last file loaded
  std::map<std::string, int, std::less<>> tables_;
};

// The absolute folder of the config file `path`, which its relative paths resolve against ("" if
// the current folder cannot be read).
std::string config_folder(const std::string& path);

// The keys whose values set `key`: `key` itself and, for hidden, width and depth (which
// finish() expands into it).
std::vector<std::string> keys_setting(std::string_view key);
// The key whose value brings `key`'s default into play ("arch" for the conv layers' keys: a cnn
// uses them, an mlp not), or "" for none: an error on a default is named where that key is set.
std::string_view brought_in_by(std::string_view key);
// `e`, an error on e.key left at its default, named where brought_in_by(e.key) was set.
Error at_bringer(const std::string& file, int line, const Error& e);

// Why the trainer never reads `key` under `opt` (`optimizer is "adam"` for momentum), or ""
// when it does. The rules live in usage.cpp, the one home of which keys a set-up reads.
std::string unused_reason(std::string_view key, const TrainOptions& opt);
// The keys whose values decide whether `key` is read (momentum: optimizer); none for a key
// every set-up reads.
std::vector<std::string> deciders(std::string_view key);

// The options as a TOML document with a [train] table holding every key in train_keys() order
// except depth and width (hidden holds their result); parsing it back with
// TrainConfig::load_text gives the same options.
// REQUIRES: seed, split_seed < 2^63 (TOML integers are signed 64-bit).
std::string to_toml(const TrainOptions& opt);

}  // namespace hs
