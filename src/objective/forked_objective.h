// forked_objective.h: a crash in a trial stays in that trial. ForkedObjective runs each trial of
// the built-in trainer in a child process of its own, so a segfault in a layer, an abort or
// memory exhausted ends that trial alone: it is recorded as failed, naming the signal or the
// exit, with the curves of its finished epochs, and the rank goes on with the next trial (under
// mpirun or srun, the job goes on too).
//
// The children are not forked from this process. An MPI rank is a bad parent: its runtime's
// progress threads, sockets, shared and registered memory would be copied into every child
// (Open MPI warns against fork(); InfiniBand verbs break). prepare() starts a trial host instead: this program again (/proc/self/exe
// with kTrialHostFlag, posix_spawn: nothing of MPI is inherited, no descriptor but its socket),
// which loads the data set once and forks a child per trial from a process that never started
// MPI or a thread. Each child shares the data set copy-on-write (it only reads it), so a trial
// costs one fork() more than in place (bench/bench_isolation.cpp: well under 1% of a trial).
//
//   this process (rank)                 trial host                     trial's process
//   prepare(): 'P' base options  --->   loads the data set, checks
//              <---  'K' ok or error    the base network
//   run(t):    'T' trial options --->   fork()  ------------------->   trains, per epoch:
//              <-----------------------------------------------------  'E' record so far
//              'C' go on / 'S' stop  -------------------------------->
//              <-----------------------------------------------------  'R' the record, _exit
//              <---  'D' how it ended   waitpid()
//
// The hooks run here, never in the child; the same trial gives the same record as in place (the
// same code, options, data and seed). memory_limit caps each child's address space (RLIMIT_AS:
// the shared data set, the program and its threads' stacks count too): a trial that asks for
// more fails with "out of memory" instead of driving the node into swap or the OOM killer.
//
// A program whose objectives may be isolated must call run_trial_host_if_asked() first thing in
// main() (apps/hypersweep/main.cpp, tests/catch_main.cpp, bench/bench_isolation.cpp).
//
// May depend on: objective, config, train, data, trial (codec), core. Thread safety: as
// Objective. The host and its child are SIGKILLed if this process dies (PR_SET_PDEATHSIG), so no
// trial outlives its rank; they ignore SIGINT, SIGTERM, SIGUSR1 and SIGHUP, which stop a sweep
// through this process (it passes the stop on, and a trial cut short is interrupted).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "objective/objective.h"
#include "train/options.h"

namespace hs {

class ForkedObjective final : public Objective {
 public:
  // The sweep's built-in trainer, `threads` as make_objective's; memory_limit: bytes of address
  // space per trial's process, 0: no limit.
  // local_worker: the Placement's, for device = cuda (TrainOptions::local_worker).
  ForkedObjective(SweepConfig sweep, int threads, uint64_t memory_limit, int local_worker = 0);
  ~ForkedObjective() override;
  ForkedObjective(const ForkedObjective&) = delete;
  ForkedObjective& operator=(const ForkedObjective&) = delete;
  // Starts the trial host, which loads the data set and checks the base network. Errors name
  // the config's file, line and key as the built-in trainer's prepare() does.
  Status prepare() override;
  // Trial `t` in a child process of the host. A child that dies before its record arrives gives
  // a failed record: its curves so far, the error naming the signal (or exit code, or "out of
  // memory" when memory_limit was hit); one that dies while the sweep stops, an interrupted one.
  // A host that died is started again for the next trial.
  TrialRecord run(const Trial& t, const TrialHooks& hooks) override;
  // The trial host's process id; 0 before prepare() or after it died.
  pid_t host_pid() const { return host_ > 0 ? host_ : 0; }

 private:
  Status start_host();
  Status send_base();  // 'P' with base_ to the host, and its answer
  void end_host();  // closes the socket and reaps the host; returns its wait status in host_end_
  SweepConfig sweep_;
  int threads_ = 0;
  uint64_t memory_limit_ = 0;
  int local_worker_ = 0;
  std::optional<TrainOptions> base_;
  pid_t host_ = -1;
  int fd_ = -1;
  int host_end_ = 0;
};

// The argument that makes this program a trial host (argv[1]; argv[2] is the parent's pid).
inline constexpr char kTrialHostFlag[] = "--hypersweep-trial-host";
// When argv is a trial host's (argv[1] == kTrialHostFlag), serves trials on descriptor 3 until
// its parent closes it, and returns the exit code for main to return; otherwise -1.
int run_trial_host_if_asked(int argc, char** argv);

}  // namespace hs
