#include "exec/mpi_protocol.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <optional>
#include <thread>
#include <vector>

#include "core/host.h"
#include "trial/codec.h"

namespace hs::mpi {

namespace {

enum Tag : int { kReady = 1, kTrial = 2, kResult = 3, kStop = 4, kExit = 5, kEpoch = 6, kAnswer = 7 };

}  // namespace

void check(int rc, const char* call, const char* file, int line) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  std::fprintf(stderr, "hypersweep: %s failed (%s:%d): %.*s\n", call, file, line, len, text);
  MPI_Abort(MPI_COMM_WORLD, 1);
}

namespace {

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

// Receives one waiting message from `source` (or any) with tag `tag` (or any); false when none
// is waiting.
bool try_recv(MPI_Comm comm, int source, Message* m, int tag = MPI_ANY_TAG) {
  int flag = 0;
  MPI_Status st;
  HS_MPI(MPI_Iprobe(source, tag, comm, &flag, &st));
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


}  // namespace

int node_threads(MPI_Comm comm) {
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

namespace {

// Rank 0's side of one sweep over the workers: who is busy with which trial, who is idle, and
// whether the sweep is stopping.
class Scheduler {
 public:
  Scheduler(MPI_Comm comm, TrialQueue& queue, const RunHooks& hooks)
      : comm_(comm), queue_(queue), hooks_(hooks) {
    HS_MPI(MPI_Comm_size(comm, &size_));
    host_.resize(static_cast<size_t>(size_));
    busy_.resize(static_cast<size_t>(size_));
  }

  Result<bool> run() {
    Backoff wait;
    auto last_tick = std::chrono::steady_clock::now();
    for (;;) {
      if (hooks_.on_tick && std::chrono::steady_clock::now() - last_tick > std::chrono::seconds(1)) {
        last_tick = std::chrono::steady_clock::now();
        hooks_.on_tick(progress());
      }
      if (!stopping_ && hooks_.stop && hooks_.stop()) {
        interrupted_ = true;
        stop_all();
      }
      commit();  // what the last pass gathered: one group, then acknowledged
      dispatch();
      if (reported_ == size_ - 1 && running() == 0 && (stopping_ || exhausted_)) break;
      if (drain()) {
        wait.reset();
      } else {
        wait.pause();
      }
    }
    for (int w = 1; w < size_; ++w) send(comm_, w, kExit, {});
    if (error_) return *error_;
    return interrupted_;
  }

 private:
  // A record waiting for the next group commit: a worker's result (`worker` its rank), or a
  // trial in flight recorded as interrupted at a stop (worker 0).
  struct Pending {
    TrialRecord record;
    int worker = 0;
  };

  int64_t running() const {
    return std::count_if(busy_.begin(), busy_.end(), [](const auto& t) { return t.has_value(); });
  }
  Progress progress() const {
    return Progress{queue_.finished(), running(), queue_.total(), size_ - 1};
  }
  // Every message already here, handled; the results among them wait in pending_ for commit().
  // At most one pass over the workers' worth of messages (each worker has at most one message
  // waiting for rank 0), so a worker whose epochs come back faster than they are answered does
  // not hold the others' results back. False when none was waiting.
  bool drain() {
    Message m;
    int n = 0;
    while (n < size_ - 1 && try_recv(comm_, MPI_ANY_SOURCE, &m)) {
      ++n;
      if (m.tag == kReady) {
        ready(m);
      } else if (m.tag == kResult) {
        result(m);
      } else if (m.tag == kEpoch) {
        epoch(m);
      } else {
        abort_job("rank 0 got a message with tag " + std::to_string(m.tag) + " from rank " +
                  std::to_string(m.source));
      }
    }
    return n > 0;
  }
  // Group commit (executor.h: acknowledgement): the results gathered are told to the queue
  // (which settles each record as it leaves) and the group recorded at once, one fsync; only
  // then are their workers free for the next trial, asked after the tell by dispatch(). A
  // worker's next trial could go out before the fsync (its ask would not know the unsynced
  // result, and a crash would lose that trial in flight along with the record, acknowledging
  // nothing), but waiting keeps a one-worker sweep asking exactly as the in-process one does
  // (README: same seed, same results; mpi_test checks it for bayes), for one group commit per
  // trial (2-7 ms here: under 0.03% of a 30 s trial).
  void commit() {
    if (pending_.empty()) return;
    std::vector<TrialRecord> group;
    std::vector<Progress> at;  // where the sweep stood once each was told
    std::vector<int> freed;
    bool signalled = false;  // a worker's trial interrupted by a signal that reached it first
    int64_t stopped = 0;     // trials in flight recorded as interrupted at the stop, so far
    for (Pending& p : pending_) {
      if (p.worker > 0) {
        queue_.finish(p.record);
        signalled = signalled || (p.record.status == TrialStatus::kInterrupted && !stopping_);
        freed.push_back(p.worker);
      } else {
        ++stopped;
      }
      Progress now = progress();  // a trial recorded as interrupted runs no more, as it says
      now.running = std::max<int64_t>(0, now.running - stopped);
      at.push_back(now);
      group.push_back(std::move(p.record));
    }
    pending_.clear();
    if (!error_ && hooks_.on_records) {
      if (Status st = hooks_.on_records(group, at); !st) {
        error_ = st.error();
        stop_all();
      }
    }
    if (signalled) {
      interrupted_ = true;
      stop_all();
    }
    if (!stopping_) idle_.insert(idle_.end(), freed.begin(), freed.end());
    commit();  // the trials stop_all() recorded as interrupted, if it just ran
  }
  // No new dispatch; what is in flight is recorded as interrupted now and its workers told.
  void stop_all() {
    if (stopping_) return;
    stopping_ = true;
    for (int w = 1; w < size_; ++w) {
      const auto k = static_cast<size_t>(w);
      if (!busy_[k]) continue;
      TrialRecord r = record_of(*busy_[k], TrialStatus::kInterrupted);
      r.rank = w;
      r.host = host_[k];
      pending_.push_back(Pending{std::move(r), 0});  // committed before anything is dispatched
      send(comm_, w, kStop, {});
    }
  }
  // The next trials to the idle workers, once every worker has said ready (or why not): a
  // worker that cannot run trials stops the sweep before its first trial, and every worker
  // that can gets one of the first (none is left idle by faster ones).
  void dispatch() {
    if (reported_ < size_ - 1) return;
    while (!stopping_ && !exhausted_ && !idle_.empty()) {
      std::optional<Trial> t = queue_.next();
      if (!t) {  // none now: a result may bring more (sha's promoted trials, its next bracket)
        exhausted_ = true;
        return;
      }
      const int w = idle_.front();
      idle_.pop_front();
      send(comm_, w, kTrial, encode_record(record_of(*t, TrialStatus::kFailed)));
      busy_[static_cast<size_t>(w)] = std::move(*t);
    }
  }
  void ready(const Message& m) {
    ++reported_;
    if (!m.bytes.empty() && m.bytes[0] == '!') {
      if (!error_)
        error_ = Error{{}, 0, "", "worker rank " + std::to_string(m.source) + ": " + m.bytes.substr(1)};
      stop_all();
      return;
    }
    host_[static_cast<size_t>(m.source)] = m.bytes;
    if (!stopping_) idle_.push_back(m.source);
  }
  // A running trial's epoch: the queue's pruner answers (stop, once the sweep is stopping).
  void epoch(const Message& m) {
    const auto w = static_cast<size_t>(m.source);
    TrialRecord so_far;
    if (!decode_record(m.bytes, &so_far) || !busy_[w] || busy_[w]->id != so_far.id)
      abort_job("rank 0 got an epoch from rank " + std::to_string(m.source) +
                " of a trial it was not given");
    const bool stop = stopping_ || queue_.judge(so_far.id, so_far);
    send(comm_, m.source, kAnswer, stop ? "1" : "0");
  }
  void result(const Message& m) {
    const auto w = static_cast<size_t>(m.source);
    TrialRecord r;
    if (!decode_record(m.bytes, &r) || !busy_[w] || busy_[w]->id != r.id)
      abort_job("rank 0 got a result from rank " + std::to_string(m.source) +
                " that is not the trial it was given");
    busy_[w].reset();
    exhausted_ = false;  // its end may let more trials start
    interrupted_if_stopping(stopping_, &r);  // it never replaces the interrupted record
    pending_.push_back(Pending{std::move(r), m.source});  // told, recorded and freed by commit()
  }

  MPI_Comm comm_;
  TrialQueue& queue_;
  const RunHooks& hooks_;
  int size_ = 0;
  std::vector<std::string> host_;
  std::vector<std::optional<Trial>> busy_;  // the trial in hand, by rank
  std::deque<int> idle_;
  std::vector<Pending> pending_;  // the next group commit, in the order they came
  int reported_ = 0;  // workers that have said ready (or why not)
  bool exhausted_ = false, stopping_ = false, interrupted_ = false;
  std::optional<Error> error_;
};

}  // namespace

Result<bool> serve(MPI_Comm comm, TrialQueue& queue, const RunHooks& hooks) {
  return Scheduler(comm, queue, hooks).run();
}

Status work(MPI_Comm comm, const std::function<Status()>& prepare, const RunTrial& run,
            const std::function<bool()>& signalled) {
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
    const Trial t = trial_of(given);
    bool told_to_stop = false;
    const std::function<bool()> stop = [&] {
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
    TrialHooks hooks;
    hooks.stop = stop;
    hooks.on_epoch = [&](const TrialRecord& so_far) {
      TrialRecord mine = so_far;
      mine.id = t.id;
      send(comm, 0, kEpoch, encode_record(mine));
      Message answer;  // rank 0 answers every epoch; a kStop meanwhile is stop()'s to take
      while (!try_recv(comm, 0, &answer, kAnswer)) wait.pause();
      wait.reset();
      return answer.bytes == "1" || stop() ? EpochAnswer::kStop : EpochAnswer::kContinue;
    };
    TrialRecord r = stop() ? record_of(t, TrialStatus::kInterrupted) : run(t, hooks);
    r.rank = rank;
    r.host = host;
    send(comm, 0, kResult, encode_record(r));
  }
}

}  // namespace hs::mpi
