#include "mpi/scheduler.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <thread>
#include <vector>

#include "core/host.h"
#include "trial/codec.h"

namespace hs::mpi {

namespace {

enum Tag : int { kReady = 1, kTrial = 2, kResult = 3, kStop = 4, kExit = 5 };

// Every MPI call goes through this: a failure ends the whole job, naming the call and place.
void check(int rc, const char* call, const char* file, int line) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  std::fprintf(stderr, "hypersweep: %s failed (%s:%d): %.*s\n", call, file, line, len, text);
  MPI_Abort(MPI_COMM_WORLD, 1);
}
#define HS_MPI(call) check((call), #call, __FILE__, __LINE__)

// A protocol fault (a message that cannot be): end the job rather than guess.
[[noreturn]] void abort_job(const std::string& why) {
  std::fprintf(stderr, "hypersweep: internal error: %s\n", why.c_str());
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

// Waiting between empty polls. First spin for 100 us (a reply is often microseconds away),
// then sleep an eighth of the time waited so far, between 20 us and 10 ms. Naps in proportion to
// the wait keep a reply's extra latency to about 1/8 of the wait: fixed doubling naps fed on
// themselves in a ping-pong (each side napping made the other wait longer, so it napped longer:
// 33 trials/s with one worker). The 10 ms cap keeps an idle rank under 1% of a core, since
// each MPI_Iprobe costs Open MPI a progress pass over every transport.
class Backoff {
 public:
  void reset() { waiting_ = false; }
  void pause() {
    using namespace std::chrono;
    const auto now = steady_clock::now();
    if (!waiting_) {
      waiting_ = true;
      since_ = now;
      return;
    }
    const auto waited = duration_cast<microseconds>(now - since_);
    if (waited < kSpin) return;
    std::this_thread::sleep_for(std::clamp(waited / 8, kMinNap, kMaxNap));
  }

 private:
  static constexpr std::chrono::microseconds kSpin{100}, kMinNap{20}, kMaxNap{10000};
  bool waiting_ = false;
  std::chrono::steady_clock::time_point since_;
};

struct Message {
  int source = -1, tag = -1;
  std::string bytes;
};

// Receives one waiting message from `source` (or any) with any tag; false when none is waiting.
bool try_recv(MPI_Comm comm, int source, Message* m) {
  int flag = 0;
  MPI_Status st;
  HS_MPI(MPI_Iprobe(source, MPI_ANY_TAG, comm, &flag, &st));
  if (!flag) return false;
  int n = 0;
  HS_MPI(MPI_Get_count(&st, MPI_BYTE, &n));
  m->source = st.MPI_SOURCE;
  m->tag = st.MPI_TAG;
  m->bytes.assign(static_cast<size_t>(n), '\0');
  HS_MPI(MPI_Recv(m->bytes.data(), n, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, comm, MPI_STATUS_IGNORE));
  return true;
}

void send(MPI_Comm comm, int dest, Tag tag, const std::string& bytes) {
  HS_MPI(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, tag, comm));
}

// The cores this process may run on (a launcher that binds ranks narrows them); a large number
// when that cannot be read, so it limits nothing.
int bound_cores() {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1 << 20;
}

TrialRecord interrupted_record(const Trial& t, int rank, const std::string& host) {
  TrialRecord r = record_of(t, TrialStatus::kInterrupted);
  r.rank = rank;
  r.host = host;
  return r;
}

}  // namespace

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

std::string launch_problem() {
  const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
  if (launched_by_mpi() || tasks == nullptr || std::atoi(tasks) <= 1) return "";
  return std::string("srun started ") + tasks +
         " tasks without an MPI plugin, so each would run the whole sweep on its own: use "
         "`srun --mpi=pmix` (or mpirun inside the allocation; see jobs/)";
}

Session::Session(int* argc, char*** argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  // OpenMP threads never call MPI: the main thread alone does (FUNNELED).
  HS_MPI(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  HS_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  HS_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank_));
  HS_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size_));
  active_ = true;
}

Session::~Session() {
  if (active_) MPI_Finalize();
}

int worker_threads(MPI_Comm comm) {
  int rank = 0;
  HS_MPI(MPI_Comm_rank(comm, &rank));
  MPI_Comm node;
  HS_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
  int here = 0, schedulers = 0;
  const int is_scheduler = rank == 0 ? 1 : 0;
  HS_MPI(MPI_Comm_size(node, &here));
  HS_MPI(MPI_Allreduce(&is_scheduler, &schedulers, 1, MPI_INT, MPI_SUM, node));
  HS_MPI(MPI_Comm_free(&node));
  const int workers = std::max(1, here - schedulers);
  // This node's cores shared out, but no more than this process may run on (a launcher that
  // binds each rank to a core narrows them).
  const int node_cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(1, std::min(node_cores / workers, bound_cores()));
}

namespace {

// Waits for a non-blocking collective without holding a core (Open MPI's blocking collectives
// spin): polls MPI_Test with the same backoff as the scheduler's receives.
void wait_idle(MPI_Request* req) {
  Backoff backoff;
  for (;;) {
    int done = 0;
    HS_MPI(MPI_Test(req, &done, MPI_STATUS_IGNORE));
    if (done) return;
    backoff.pause();
  }
}

}  // namespace

std::string share_from_root(MPI_Comm comm, const std::string& text) {
  int rank = 0;
  HS_MPI(MPI_Comm_rank(comm, &rank));
  int64_t n = static_cast<int64_t>(text.size());
  MPI_Request req;
  HS_MPI(MPI_Ibcast(&n, 1, MPI_INT64_T, 0, comm, &req));
  wait_idle(&req);
  std::string out = rank == 0 ? text : std::string(static_cast<size_t>(n), '\0');
  if (n > 0) {
    HS_MPI(MPI_Ibcast(out.data(), static_cast<int>(n), MPI_CHAR, 0, comm, &req));
    wait_idle(&req);
  }
  return out;
}

bool agree_to_start(MPI_Comm comm, bool go) {
  int flag = go ? 1 : 0;
  HS_MPI(MPI_Bcast(&flag, 1, MPI_INT, 0, comm));
  return flag == 1;
}

std::string binding_warning(int threads) {
  const int cores = bound_cores();
  if (cores >= threads) return "";
  return std::to_string(threads) + " OpenMP threads but only " + std::to_string(cores) +
         " core(s) to run on: the launcher bound this rank (mpirun: add --bind-to none, or "
         "--map-by slot:PE=" + std::to_string(threads) + ")";
}

Result<ServeResult> serve(MPI_Comm comm, TrialQueue& queue, const ServeHooks& hooks) {
  int size = 0;
  HS_MPI(MPI_Comm_size(comm, &size));
  const int workers = size - 1;
  std::vector<std::string> host(static_cast<size_t>(size));
  std::vector<std::optional<Trial>> busy(static_cast<size_t>(size));  // the trial in hand, by rank
  std::deque<int> idle;
  int reported = 0;  // workers that have said ready (or why not)
  bool exhausted = false, stopping = false;
  ServeResult result;
  std::optional<Error> error;

  auto progress = [&] {
    Progress p;
    p.done = queue.finished();
    p.running = std::count_if(busy.begin(), busy.end(), [](const auto& t) { return t.has_value(); });
    p.total = queue.total();
    p.workers = workers;
    return p;
  };
  auto record = [&](const TrialRecord& r) -> bool {
    if (error || !hooks.on_record) return true;
    if (Status st = hooks.on_record(r, progress()); !st) {
      error = st.error();
      return false;
    }
    return true;
  };
  // No new dispatch; what is in flight is recorded as interrupted now and its workers told.
  auto stop_all = [&] {
    if (stopping) return;
    stopping = true;
    for (int w = 1; w < size; ++w) {
      if (!busy[static_cast<size_t>(w)]) continue;
      record(interrupted_record(*busy[static_cast<size_t>(w)], w, host[static_cast<size_t>(w)]));
      send(comm, w, kStop, {});
    }
  };

  Backoff wait;
  Message m;
  auto last_tick = std::chrono::steady_clock::now();
  for (;;) {
    if (hooks.on_tick && std::chrono::steady_clock::now() - last_tick > std::chrono::seconds(1)) {
      last_tick = std::chrono::steady_clock::now();
      hooks.on_tick(progress());
    }
    if (!stopping && hooks.stop && hooks.stop()) {
      result.interrupted = true;
      stop_all();
    }
    while (!stopping && !exhausted && !idle.empty()) {
      std::optional<Trial> t = queue.next();
      if (!t) {
        exhausted = true;
        break;
      }
      const int w = idle.front();
      idle.pop_front();
      TrialRecord msg;
      msg.id = t->id;
      msg.params = t->values;
      send(comm, w, kTrial, encode_record(msg));
      busy[static_cast<size_t>(w)] = std::move(*t);
    }
    const bool quiet = std::none_of(busy.begin(), busy.end(), [](const auto& t) { return t.has_value(); });
    if (reported == workers && quiet && (stopping || exhausted)) break;

    if (!try_recv(comm, MPI_ANY_SOURCE, &m)) {
      wait.pause();
      continue;
    }
    wait.reset();
    const auto w = static_cast<size_t>(m.source);
    if (m.tag == kReady) {
      ++reported;
      if (!m.bytes.empty() && m.bytes[0] == '!') {
        if (!error)
          error = Error{{}, 0, "", "worker rank " + std::to_string(m.source) + ": " + m.bytes.substr(1)};
        stop_all();
        continue;
      }
      host[w] = m.bytes;
      if (!stopping) idle.push_back(m.source);
    } else if (m.tag == kResult) {
      TrialRecord r;
      if (!decode_record(m.bytes, &r) || !busy[w] || busy[w]->id != r.id)
        abort_job("rank 0 got a result from rank " + std::to_string(m.source) +
                  " that is not the trial it was given");
      busy[w].reset();
      queue.finish(r);
      if (!record(r)) stop_all();
      if (r.status == TrialStatus::kInterrupted && !stopping) {  // the signal reached the worker first
        result.interrupted = true;
        stop_all();
      }
      if (!stopping) idle.push_back(m.source);
    } else {
      abort_job("rank 0 got a message with tag " + std::to_string(m.tag) + " from rank " +
                std::to_string(m.source));
    }
  }
  for (int w = 1; w < size; ++w) send(comm, w, kExit, {});
  if (error) return *error;
  return result;
}

Status work(MPI_Comm comm, const std::function<Status()>& prepare, const RunTrial& run,
            const StopCheck& signalled) {
  int rank = 0;
  HS_MPI(MPI_Comm_rank(comm, &rank));
  const std::string host = host_name();
  const Status ready = prepare ? prepare() : Status{};
  std::string hello = host;
  if (!ready) hello = std::string(1, '!').append(ready.error().str());
  send(comm, 0, kReady, hello);

  Backoff wait;
  Message m;
  for (;;) {
    if (!try_recv(comm, 0, &m)) {
      wait.pause();
      continue;
    }
    wait.reset();
    if (m.tag == kExit) return ready;
    if (m.tag == kStop) continue;  // the trial it was meant for has finished already
    if (m.tag != kTrial)
      abort_job("rank " + std::to_string(rank) + " got a message with tag " + std::to_string(m.tag));
    TrialRecord given;
    if (!decode_record(m.bytes, &given))
      abort_job("rank " + std::to_string(rank) + " got a trial it cannot read");
    const Trial t{given.id, given.params};
    bool told_to_stop = false;
    const StopCheck stop = [&] {
      if (signalled && signalled()) return true;
      if (!told_to_stop) {
        int flag = 0;
        HS_MPI(MPI_Iprobe(0, kStop, comm, &flag, MPI_STATUS_IGNORE));
        if (flag) {
          HS_MPI(MPI_Recv(nullptr, 0, MPI_BYTE, 0, kStop, comm, MPI_STATUS_IGNORE));
          told_to_stop = true;
        }
      }
      return told_to_stop;
    };
    TrialRecord r = stop() ? interrupted_record(t, rank, host) : run(t, stop);
    r.rank = rank;
    r.host = host;
    send(comm, 0, kResult, encode_record(r));
  }
}

}  // namespace hs::mpi
