// forked_objective.h: a crash in a trial stays in that trial. ForkedObjective runs each trial of
// the objective it wraps in a child process of its own, forked for that trial, so a segfault in
// a layer, an abort or memory exhausted ends that trial alone: it is recorded as failed, naming
// the signal or the exit, with the curves of its finished epochs, and the rank goes on with the
// next trial (under mpirun, the job goes on too).
//
// The data set is loaded once, in prepare(), in this process; each child shares it copy-on-write
// (it only reads it), so a trial costs one fork() more than before (well under a millisecond per
// hundred MB of data, and 2 ms or so for the child's OpenMP threads). The child reports each
// finished epoch to this process, which answers go on or stop through the caller's hooks, as
// before: the hooks run here, never in the child. The same trial gives the same record as the
// wrapped objective run in place (it runs the same code on the same data and seed).
//
// memory_limit caps the child's address space (RLIMIT_AS, so the shared data set, the program
// and its threads' stacks count too): a trial that asks for more fails with "out of memory"
// instead of driving the node into swap or the kernel's OOM killer.
//
// Before each fork the OpenMP runtime's threads are released (omp_pause_resource_all): GNU
// libgomp's thread pool does not survive fork(), and a child would hang in its first parallel
// region otherwise. Fork inside an MPI rank is safe with Open MPI's TCP and shared-memory
// transports (the child never calls MPI and leaves with _exit()); on InfiniBand verbs, where
// registered memory is not inherited, set RDMAV_FORK_SAFE=1 (README, "What survives what").
//
// May depend on: objective, trial (codec), core. Thread safety: as Objective; a child is
// SIGKILLed if this process dies (PR_SET_PDEATHSIG), so no trial outlives its rank.
#pragma once

#include <cstdint>
#include <memory>

#include "objective/objective.h"

namespace hs {

class ForkedObjective final : public Objective {
 public:
  // memory_limit: bytes of address space per trial's process; 0: no limit.
  ForkedObjective(std::unique_ptr<Objective> inner, uint64_t memory_limit);
  // The wrapped objective's prepare(), in this process (it loads the shared data).
  Status prepare() override;
  // The wrapped objective's run() in a child process. A child that dies before its record
  // arrives gives a failed record: its curves so far, the error naming the signal (or exit
  // code, or "out of memory" when memory_limit was hit).
  TrialRecord run(const Trial& t, const TrialHooks& hooks) override;

 private:
  std::unique_ptr<Objective> inner_;
  uint64_t memory_limit_ = 0;
};

}  // namespace hs
