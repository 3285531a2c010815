// sweep_header.h: the results file's header (store/header.h) of a sweep file's sweep.
//
// May depend on: config, store (the header), trial. Thread safety: pure function.
#pragma once

#include <string>

#include "config/sweep_config.h"
#include "store/header.h"

namespace hs {

// The config text as given and its hash, the strategy, seed, metric and its direction, the space,
// this hypersweep's version and `start_time` (ISO 8601, UTC).
SweepHeader sweep_header(const SweepConfig& sweep, const std::string& start_time);

}  // namespace hs
