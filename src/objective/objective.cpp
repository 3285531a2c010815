#include "objective/objective.h"

#include "core/rng.h"
#include "objective/command_objective.h"
#include "objective/forked_objective.h"
#include "objective/trainer_objective.h"
#include "objective/worker_objective.h"

namespace hs {

std::unique_ptr<Objective> make_objective(const SweepConfig& sweep, int threads,
                                          std::shared_ptr<const DataBundle> data, Placement where) {
  if (!uses_trainer(sweep) && sweep.objective.worker_mode)
    return std::make_unique<WorkerObjective>(sweep, std::move(where));
  if (!uses_trainer(sweep)) return std::make_unique<CommandObjective>(sweep, std::move(where));
  if (sweep.trial_policy.isolate)  // the trial host loads its own copy of the data set
    return std::make_unique<ForkedObjective>(sweep, threads, sweep.trial_policy.memory_limit,
                                             where.local_worker);
  return std::make_unique<TrainerObjective>(sweep, threads, std::move(data), where.local_worker);
}

uint64_t trial_seed(const SweepConfig& sweep, const Trial& t) {
  return trial_seed_of(sweep.strategy.seed, t.id);
}

}  // namespace hs
