// launch.h: how this process was started, and its part in a sweep. Under an MPI launcher (mpirun,
// srun --mpi=pmix) rank 0 drives the sweep through the executor Launch gives it and ranks
// 1..N-1 are workers (Launch::serve); without one, this process is rank 0 of 1 and its trials
// run in it (InProcessExecutor). `hypersweep run` and `hypersweep recipe` take the same steps:
//
//   auto launch = Launch::start(&argc, &argv);          every rank
//   if (launch->is_worker()) return launch->serve(setup, make_objective);
//   ... check the config and the results file ...      rank 0; on an error: launch->begin(false)
//   launch->begin(true);
//   auto ex = launch->executor(make_objective);         then ex->run(job, queue, hooks), per sweep
//   launch->end();                                      the workers leave serve()
//
// The workers of one launch serve every job rank 0 runs, in turn: they build each job's
// objective with their factory, and keep what `setup` loaded (the recipe's data set) across jobs.
//
// May depend on: exec/executor.h. Its header names no MPI type (launch.cpp and mpi_protocol.cpp
// are the only files that call MPI). Thread safety: the main thread only (MPI_THREAD_FUNNELED).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "exec/executor.h"

namespace hs {

// True when an MPI launcher started this process (its environment says so).
bool launched_by_mpi();
// Whether the progress display may redraw a live line on stdout (\r and an erase-line code):
// stdout is a terminal that takes them (TERM is not "dumb"), not a launcher's pipe.
bool live_stdout();
// The same read from `envp` (main's .preinit_array entry, exec/signals.h, runs before libc has
// set its own environ).
bool launched_by_mpi(char** envp);
// Without MPI_Init, from the launcher's environment (Open MPI, PMI, srun): how many processes
// it started (1 when it does not say) and which of them this is (0 when it does not say). For
// a command that runs in one process alone (train).
int launched_ranks();
int launched_rank();

class Launch {
 public:
  // Initialises MPI when an MPI launcher started this process; finalises it when destroyed.
  // Errors: srun started several tasks without an MPI plugin (no PMI in the environment), so
  // each would run the whole sweep alone.
  static Result<std::unique_ptr<Launch>> start(int* argc, char*** argv);
  ~Launch();
  Launch(const Launch&) = delete;
  Launch& operator=(const Launch&) = delete;

  int rank() const { return rank_; }
  int workers() const { return size_ - 1; }
  bool is_worker() const { return rank_ > 0; }
  // A worker's index among the worker ranks on its node (0-based; rank 0, the scheduler, is not
  // a worker and not counted): MPI_Comm_split_type(MPI_COMM_TYPE_SHARED) over the worker ranks,
  // so it is right under mpirun and srun alike. 0 on rank 0 and without MPI.
  int local_worker() const { return local_worker_; }
  // A worker: a warning when this node's workers, `threads` OpenMP threads each, outnumber the
  // cores they may run on together (the union of their CPU masks: srun --overcommit gives every
  // rank the whole allocation, so 2 workers x --threads 2 on 2 CPUs ran 4 threads on 2 cores
  // with no word); "" when they fit, and on rank 0 and without MPI.
  std::string crowding_warning(int threads) const;
  // This node's cores shared out among its worker ranks (rank 0, the scheduler, takes none), no
  // more than this process may run on; at least 1. Every rank must call it (a collective), and
  // only with workers.
  int node_threads() const;

  // Rank 0: whether the sweep starts (the config and the output are fine). false sends the
  // workers home before they load anything; true lets them run `setup`.
  void begin(bool go);
  // Rank 0, after begin(true): the executor of this launch: the workers, or this process (with
  // objectives from `make`) when there are none.
  std::unique_ptr<Executor> executor(ObjectiveFactory make);
  // Rank 0: no more jobs; the workers leave serve(). Idempotent; the destructor calls it.
  void end();

  // A worker: waits for begin(), runs `setup` (may be empty; its error is reported to rank 0
  // with the first job), then every job rank 0 runs, each on the objective `make` builds for
  // it, until end(). `signalled`: this rank got a signal (interrupts the trial in hand). Returns
  // the worker's exit code: 0, or 2 when rank 0 called the sweep off or a job's objective could
  // not be prepared here.
  int serve(const std::function<Status()>& setup, const ObjectiveFactory& make,
            const std::function<bool()>& signalled);

 private:
  Launch() = default;
  bool mpi_ = false;
  bool begun_ = false, ended_ = false;
  int rank_ = 0, size_ = 1;
  int local_worker_ = 0;
  int node_workers_ = 0;  // the worker ranks on this node (a worker's count; 0 on rank 0)
  int node_cores_ = 0;    // the cores in the union of their CPU masks
};

// A warning for a worker that will run `threads` OpenMP threads on fewer cores than that: a
// launcher bound the rank to them (mpirun binds each rank to one core when ranks <= cores), or
// the node has no more; "" when the threads fit.
std::string binding_warning(int threads);

// The OpenMP threads of each worker: `flag` (--threads, when > 0), else the config's threads
// (when > 0), else OMP_NUM_THREADS, else `node_share` (Launch::node_threads()).
int worker_threads(int flag, int config_threads, int node_share);

}  // namespace hs
