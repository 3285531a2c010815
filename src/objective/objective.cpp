#include "objective/objective.h"

#include "core/rng.h"
#include "objective/command_objective.h"
#include "objective/forked_objective.h"
#include "objective/trainer_objective.h"

namespace hs {

std::unique_ptr<Objective> make_objective(const SweepConfig& sweep, int threads,
                                          std::shared_ptr<const DataBundle> data) {
  if (!uses_trainer(sweep)) return std::make_unique<CommandObjective>(sweep);
  if (sweep.trial_policy.isolate)  // the trial host loads its own copy of the data set
    return std::make_unique<ForkedObjective>(sweep, threads, sweep.trial_policy.memory_limit);
  return std::make_unique<TrainerObjective>(sweep, threads, std::move(data));
}

uint64_t trial_seed(const SweepConfig& sweep, const Trial& t) {
  return derive_seed(sweep.strategy.seed, static_cast<uint64_t>(t.id), SeedPurpose::kTrial) >> 1;
}

}  // namespace hs
