// sweep_header.h: the results file's header (store/header.h) of a sweep file's sweep.
//
// May depend on: config, prune (the rung schedule), store (the header), trial. Thread safety:
// pure function.
#pragma once

#include <string>

#include "config/sweep_config.h"
#include "store/header.h"

namespace hs {

// The config text as given and the hash of its canonical form (config/canonical.h, which is also
// the header's config_form: a results file is continued by a config that means the same), the
// strategy, seed, metric and its direction, the space, the pruner and its rungs (for the
// sweep's `trials`: a sweep grown later keeps the rungs it was started with), this hypersweep's
// version and `start_time` (ISO 8601, UTC).
SweepHeader sweep_header(const SweepConfig& sweep, const std::string& start_time);

}  // namespace hs
