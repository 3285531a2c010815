// config_edit.h: the user's config file edited as text, for the recipe's recommended config
// (recommend.h): the keys it changed set in [train], each line with its reason and the user's own
// comment kept, and the [space] entries of those keys commented out, with what that leaves of
// the sweep still runnable. Every other line stays as the user wrote it, so the file diffs
// against the one it came from.
//
// May depend on: config/table.h, core. Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace hs {

// A changed key of the recommended config: its `key = value` line (as to_toml writes it) and why.
struct KeyChange {
  std::string key, line, why;
};

// `text` with each change's line in place of the line(s) that gave its key in [train] (the
// comment the user's line ended with kept after the recipe's), or added after [train]'s last key
// (with a [train] table added when the file has none); every other line as it was. Errors: the
// text's TOML syntax (its line); a [train] of dotted keys or an inline table (no line of it can
// be rewritten alone).
Result<std::string> with_changes(const std::string& text, const std::string& name,
                                 const std::vector<KeyChange>& changes);

// A sweep file given to the recipe: `text` with its [space] entries of `keys` (those the recipe
// set in [train]) commented out, each line of the value, the first with why: `hypersweep run`
// would sweep them again over the recommended values. Only an entry written `key = value` on
// [space]'s own lines; the keys of any other (a [space.key] table) are added to *left. What is
// left stays a sweep `hypersweep train` and `run` take: with no [space] entry left, the [sweep],
// [space] and [pruner] tables are commented out whole (a sweep needs a parameter); with fewer
// grid or list points left, [sweep] trials is commented out (they run all their points without
// it, where the old count would be more than the grid has). A [pruner] max_epochs or min_epochs
// past `epochs` (the [train] epochs the file now trains; 0: not known) is commented out too: it
// would be refused. Errors: the text's TOML syntax.
Result<std::string> comment_out_swept(const std::string& text, const std::string& name,
                                      const std::vector<std::string>& keys, int epochs,
                                      std::vector<std::string>* left);

}  // namespace hs
