// mpi_protocol.h (internal to hs_exec): the sweep over MPI, the one place that calls MPI besides
// launch.cpp. Rank 0 hands the next trial of a TrialQueue to whichever worker rank is free
// (asynchronous, dynamic dispatch: a slow trial holds up no other) and takes each finished
// trial's record back; ranks 1..N run the trials they are given.
//
// The first trial goes out once every worker has said ready (prepared its objective, loaded its
// data set), so a worker that cannot stops the sweep before any trial runs.
//
// Group commit: rank 0 takes every message already waiting (results, epochs, answering each
// epoch at once) before it writes; the results among them are told to the queue and handed to
// on_records as one group (one journal fsync however many), and only then acknowledged
// (executor.h): shown, their workers given their next trials. Results that arrive while rank 0
// writes a group (in its fsync) form the next one, so groups grow with the load.
//
// Rank discipline: rank 0 alone owns the strategy and the results file (its on_records hook);
// workers never touch either. Waiting costs no core: both sides poll with MPI_Iprobe (MPI_Test)
// and sleep between empty polls (from spinning to 10 ms), instead of Open MPI's busy-waiting
// blocking calls, so `-np cores+1` leaves every core to the workers.
//
// Messages (all to or from rank 0; a record travels as trial/codec.h encodes it):
//   worker -> 0   kReady   the worker's host; or, after "!", why it cannot run trials
//   0 -> worker   kTrial   a record holding the trial's id and parameters
//   worker -> 0   kEpoch   a running trial's record so far, after each finished epoch; the
//                          worker waits for the answer (its id set: the objective's may not be)
//   0 -> worker   kAnswer  "1": stop the trial now (the pruner's verdict, or the sweep is
//                          stopping), "0": go on
//   worker -> 0   kResult  the finished trial's whole record
//   0 -> worker   kStop    stop the trial in hand (the sweep is stopping); reply with its record
//   0 -> worker   kExit    no more trials: leave work()
// Stopping: when rank 0's stop check turns true (a signal), or a worker reports a trial
// interrupted (the signal reached it first), rank 0 dispatches nothing more, records every trial
// in flight as "interrupted" at once (in the next group, before anything else: a kill -9 that
// follows loses nothing recorded), asks their workers to stop, records what they send back (a
// trial that finished meanwhile replaces its interrupted record), and then lets every worker go.
//
// Every MPI call is checked (HS_MPI); a failed one ends the job with MPI_Abort and a message
// naming the call, file and line (a hang is never the answer).
#pragma once

#include <mpi.h>

#include <functional>
#include <string>

#include "exec/executor.h"

namespace hs::mpi {

// Ends the whole job, naming the failed call, unless rc is MPI_SUCCESS.
void check(int rc, const char* call, const char* file, int line);
#define HS_MPI(call) ::hs::mpi::check((call), #call, __FILE__, __LINE__)

// Rank 0: runs the sweep on the workers of `comm` (ranks 1..size-1) until `queue` is empty or a
// stop; returns whether a stop ended it early. REQUIRES: size >= 2; every worker calls work() on
// the same comm. Errors: a worker could not prepare (its message, naming its rank and host), or
// on_records failed; every worker has been let go either way.
Result<bool> serve(MPI_Comm comm, TrialQueue& queue, const RunHooks& hooks);

// A worker's trial, run with `hooks` (on_epoch asks rank 0, stop is rank 0's or this rank's
// stop): its record (rank and host filled in by work()).
using RunTrial = std::function<TrialRecord(const Trial&, const TrialHooks& hooks)>;

// Ranks 1..size-1: `prepare` (build the objective, load the data), report ready, then run trials
// until rank 0 says exit. `signalled` (this rank got a signal) interrupts the trial in hand.
// Returns prepare's error after reporting it to rank 0.
Status work(MPI_Comm comm, const std::function<Status()>& prepare, const RunTrial& run,
            const std::function<bool()>& signalled);

// All ranks: whether the sweep starts. Rank 0 gives its verdict (the config and the results file
// are fine) and every worker returns it; false sends the workers home before they load anything.
bool agree_to_start(MPI_Comm comm, bool go);

// All ranks: rank 0's `text` (the others' argument is ignored), e.g. the next job. Waiting for it
// costs no core (it polls and sleeps like serve() and work()), so workers can wait here while
// rank 0 works alone for a while.
std::string share_from_root(MPI_Comm comm, const std::string& text);

// The cores of this node shared out among the worker ranks on it (rank 0, the scheduler, takes
// none), but no more than this process may run on. At least 1. A collective over `comm`.
int node_threads(MPI_Comm comm);

}  // namespace hs::mpi
