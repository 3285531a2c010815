#include "sweep/sweep_header.h"

#include "config/canonical.h"
#include "prune/pruner.h"

namespace hs {

SweepHeader sweep_header(const SweepConfig& sweep, const std::string& start_time) {
  SweepHeader h;
  h.config_text = sweep.train.text();
  h.config_form = canonical_config;
  h.config_hash = config_hash(h.config_text, h.config_form);
  h.strategy = strategy_name(sweep.strategy.kind);
  h.seed = sweep.strategy.seed;
  h.version = HYPERSWEEP_VERSION;
  h.start_time = start_time;
  h.metric = Metric{sweep.metric, sweep.strategy.direction};
  h.space = sweep.space;
  if (sweep.pruner.kind != PrunerKind::kNone) h.pruner = pruner_name(sweep.pruner.kind);
  h.rungs = rung_schedule(sweep.pruner, sweep.strategy.trials);
  return h;
}

}  // namespace hs
