// scheduler.h: the sweep over MPI. Rank 0 is the scheduler: it hands the next trial of a
// TrialQueue to whichever worker rank is free (asynchronous, dynamic dispatch: a slow trial holds
// up no other), and takes each finished trial's record back. Ranks 1..N are workers: each loads
// the data once and runs the trials it is given (TrialRunner), with OMP threads of its own.
//
// Rank discipline: rank 0 alone owns the strategy and the results file (its on_record hook);
// workers never touch either. Rank 0 loads no data set, so its memory does not grow with it.
// Waiting costs no core: both sides poll with MPI_Iprobe and sleep between empty polls (from
// spinning to 10 ms), instead of Open MPI's busy-waiting blocking calls, so `-np cores+1` leaves
// every core to the workers.
//
// Messages (all to or from rank 0, bytes of encode_record() where a record travels):
//   worker -> 0   kReady   the worker's host; or, after "!", why it cannot run trials
//   0 -> worker   kTrial   a record holding the trial's id and parameters
//   worker -> 0   kResult  the finished trial's whole record
//   0 -> worker   kStop    stop the trial in hand (the sweep is stopping); reply with its record
//   0 -> worker   kExit    no more trials: leave work()
// Stopping: when rank 0's stop check turns true (a signal), or a worker reports a trial
// interrupted (the signal reached it first), rank 0 dispatches nothing more, records every trial
// in flight as "interrupted" at once (so a kill -9 that follows loses nothing recorded), asks
// their workers to stop, records what they send back (a trial that finished meanwhile replaces
// its interrupted record), and then lets every worker go.
//
// Every MPI call is checked; a failed one ends the job with MPI_Abort and a message naming the
// call, file and line (a hang is never the answer).
#pragma once

#include <mpi.h>

#include <functional>
#include <string>

#include "sweep/runner.h"

namespace hs::mpi {

// Initialises MPI when this process was started by an MPI launcher (mpirun, srun), and
// finalises it at the end of its scope. Without a launcher MPI stays off and the sweep runs in
// this one process (rank 0 of 1).
class Session {
 public:
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  bool active() const { return active_; }
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  bool active_ = false;
  int rank_ = 0, size_ = 1;
};

// True when an MPI launcher started this process (its environment says so).
bool launched_by_mpi();

// Why this process must not run a sweep as it was started, or "": srun started several tasks
// without an MPI plugin (no PMI in the environment), so each would run the whole sweep alone.
std::string launch_problem();

// How the sweep stands, for progress lines.
struct Progress {
  int64_t done = 0;     // trials finished (resumed ones included)
  int64_t running = 0;  // trials in flight on workers
  int64_t total = 0;
  int workers = 0;
};

struct ServeHooks {
  // A finished (or interrupted) trial: record it. An error stops the sweep (no new dispatch),
  // and serve() returns it once the workers are let go.
  std::function<Status(const TrialRecord&, const Progress&)> on_record;
  StopCheck stop;  // asked between messages: true stops the sweep (a signal)
  std::function<void(const Progress&)> on_tick;  // about once a second (a live progress line)
};

// What serve() did.
struct ServeResult {
  bool interrupted = false;  // stopped before every trial ran
};

// Rank 0: runs the sweep on the workers of `comm` (ranks 1..size-1) until `queue` is empty or a
// stop. REQUIRES: size >= 2; every worker calls work() on the same comm. Errors: a worker could
// not prepare (its message, naming its rank and host), or on_record failed; every worker has
// been let go either way.
Result<ServeResult> serve(MPI_Comm comm, TrialQueue& queue, const ServeHooks& hooks);

// All ranks: whether the sweep starts. Rank 0 gives its verdict (the config and the results file
// are fine) and every worker returns it; false sends the workers home before they load anything.
bool agree_to_start(MPI_Comm comm, bool go);

// All ranks: rank 0's `text` (the others' argument is ignored), e.g. the next step of a recipe.
// Waiting for it costs no core (it polls and sleeps like serve() and work()), so workers can
// wait here while rank 0 works alone for a while.
std::string share_from_root(MPI_Comm comm, const std::string& text);

// A worker's trial: its record (rank and host filled in by work()).
using RunTrial = std::function<TrialRecord(const Trial&, const StopCheck&)>;

// Ranks 1..size-1: `prepare` (load the data), report ready, then run trials until rank 0 says
// exit. `signalled` (this rank got a signal) interrupts the trial in hand. Returns prepare's
// error after reporting it to rank 0.
Status work(MPI_Comm comm, const std::function<Status()>& prepare, const RunTrial& run,
            const StopCheck& signalled);

// A warning for a worker that will run `threads` OpenMP threads on fewer cores than that (a
// launcher bound the rank to them: mpirun binds each rank to one core when ranks <= cores), or
// "" when the threads fit.
std::string binding_warning(int threads);

// The threads one worker trains with when the config leaves it to hypersweep (threads = 0) and
// OMP_NUM_THREADS is not set: this node's cores shared out among the workers on it (rank 0, the
// scheduler, takes none). At least 1.
int worker_threads(MPI_Comm comm);

}  // namespace hs::mpi
