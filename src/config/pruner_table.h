// pruner_table.h (hs_config only): the [pruner] table of a sweep file, read after [sweep] (which
// names the pruner) and [space] (which may search epochs).
#pragma once

#include <string>

#include <toml++/toml.h>

#include "config/sweep_config.h"

namespace hs {

// Fills sweep.pruner from `root`'s [pruner] table and the defaults; max_epochs defaults to the
// base [train] epochs. Errors name the file, line and key: a key of another pruner, a value out
// of range, a [pruner] table without [sweep] pruner, max_epochs missing with a command or with
// epochs searched in [space], or above the trials' epochs.
Status parse_pruner_table(SweepConfig& sweep, const toml::table& root, const std::string& file);

}  // namespace hs
