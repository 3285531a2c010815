#include "sim.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <deque>
#include <optional>
#include <queue>
#include <string>

#include "core/rng.h"
#include "search/space.h"
#include "sweep/queue.h"
#include "trial/codec.h"

namespace hs::sim {

namespace {

// A message from a worker to rank 0: a finished epoch (its record so far) or the trial's result.
struct Msg {
  double at = 0;  // when it reaches rank 0
  int64_t seq = 0;  // ties in arrival order: sent first, read first
  int worker = 0;
  bool result = false;
  std::string bytes;  // encode_record, as the MPI executor sends it
  bool operator>(const Msg& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

struct Worker {
  std::optional<Trial> trial;
  double epoch_s = 0;     // the length of one of its epochs
  double idle_since = 0;  // when it last sent a result (0: the start)
  double started = 0;     // when its trial began
  double sent_at = 0;     // when it sent the epoch being judged
  TrialRecord so_far;     // the record it would send: its curves so far
};

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double wall_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The synthetic quality of a trial's parameters: best near the unit cube's (0.6, 0.3, ...).
double quality(const SearchSpace& space, const std::vector<ParamValue>& values) {
  const std::vector<double> u = encode(space, values);
  double d2 = 0;
  for (size_t k = 0; k < u.size(); ++k) {
    const double best = k % 2 == 0 ? 0.6 : 0.3;
    d2 += (u[k] - best) * (u[k] - best);
  }
  return 0.92 - 0.4 * d2;
}

// The trial counts at which costs are sampled (Report::ask_curve), ascending.
std::vector<int64_t> checkpoints() {
  std::vector<int64_t> k = {1000, 10000, 100000};
  for (int64_t p = 64; p <= (int64_t{1} << 40); p *= 2) k.push_back(p);
  std::sort(k.begin(), k.end());
  return k;
}

// The medians of costs sampled in the window [0.9k, k) of trials asked, for each checkpoint k.
class Curve {
 public:
  Curve() : ks_(checkpoints()), samples_(ks_.size()) {}
  void add(int64_t asked, double cost) {
    for (size_t i = first_; i < ks_.size() && ks_[i] - ks_[i] / 10 <= asked; ++i)
      samples_[i].push_back(cost);
  }
  // Trials asked reached `asked`: the windows it closed, into `out`.
  void close(int64_t asked, std::vector<std::pair<int64_t, double>>& out) {
    for (; first_ < ks_.size() && ks_[first_] <= asked; ++first_) {
      if (!samples_[first_].empty()) out.emplace_back(ks_[first_], quantile(samples_[first_], 0.5));
      samples_[first_] = {};
    }
  }

 private:
  std::vector<int64_t> ks_;
  std::vector<std::vector<double>> samples_;
  size_t first_ = 0;  // the first checkpoint not yet reached
};

class Engine {
 public:
  Engine(const SweepConfig& sweep, const Options& o, ResultsFile* file, TrialQueue& queue)
      : sweep_(sweep), o_(o), file_(file), queue_(queue),
        workers_(static_cast<size_t>(o.workers)) {
    bin_s_ = (o.durations.empty() ? o.median_s : *std::min_element(o.durations.begin(),
                                                                    o.durations.end())) / 8;
    for (int w = 0; w < o.workers; ++w) idle_.push_back(w);
  }

  Result<Report> run() {
    dispatch();
    while (!inbox_.empty()) {
      // One pass, as the executor's drain(): the first message, then every one that reached
      // rank 0 while it handled those before (at most one per worker); epochs answered at once,
      // results held for the group.
      free_ = std::max(free_, inbox_.top().at);
      for (int n = 0; n < o_.workers && !inbox_.empty() && inbox_.top().at <= free_; ++n) {
        Msg m = inbox_.top();
        inbox_.pop();
        if (m.result) {
          take_result(m);
        } else {
          on_epoch(m);
        }
      }
      if (Status st = commit(); !st) return st.error();
      dispatch();
    }
    return finish_report();
  }

 private:
  // Runs f and charges rank 0 what it cost (CPU time, or wall time when `wall`).
  template <class F>
  auto charge(OpCost& op, bool wall, F&& f) {
    const double t0 = wall ? wall_s() : thread_cpu_s();
    auto out = f();
    const double spent = o_.fixed_cost_s >= 0 ? o_.fixed_cost_s
                                              : (wall ? wall_s() : thread_cpu_s()) - t0;
    op.seconds += spent;
    ++op.count;
    free_ += spent;
    r_.rank0_busy_s += spent;
    last_cost_ = spent;
    return out;
  }

  // The next trials to the idle workers, as the MPI scheduler's dispatch() does.
  void dispatch() {
    while (!exhausted_ && !idle_.empty()) {
      std::optional<Trial> t = charge(r_.ask, false, [&] {
        auto next = queue_.next();
        if (next) encoded_ = encode_record(record_of(*next, TrialStatus::kFailed));
        return next;
      });
      if (!t) {
        exhausted_ = true;
        return;
      }
      r_.ask_costs.push_back(last_cost_);
      const auto asked = static_cast<int64_t>(r_.ask_costs.size());
      ask_curve_.add(asked - 1, last_cost_);
      ask_curve_.close(asked, r_.ask_curve);
      judge_curve_.close(asked, r_.judge_curve);
      const int w = idle_.front();
      idle_.pop_front();
      start(w, std::move(*t), free_ + o_.latency_s);
    }
  }

  double duration_of(int64_t id) const {
    if (!o_.durations.empty()) return o_.durations[static_cast<size_t>(id) % o_.durations.size()];
    Rng rng(derive_seed(o_.seed, static_cast<uint64_t>(id), SeedPurpose::kTrial));
    return o_.median_s * std::exp(o_.sigma * rng.normal());
  }

  void start(int w, Trial t, double at) {
    Worker& k = workers_[static_cast<size_t>(w)];
    r_.waits.push_back(at - k.idle_since);
    r_.last_dispatch_s = std::max(r_.last_dispatch_s, free_);
    k.epoch_s = duration_of(t.id) / o_.epochs;
    k.started = at;
    k.so_far = record_of(t, TrialStatus::kCompleted);
    k.so_far.rank = w + 1;
    k.so_far.host = "sim";
    k.trial = std::move(t);
    run_epoch(w, at);
  }

  // Worker w runs its next epoch from `at` and sends it.
  void run_epoch(int w, double at) {
    Worker& k = workers_[static_cast<size_t>(w)];
    const double end = at + k.epoch_s;
    busy(at, end);
    const int e = static_cast<int>(k.so_far.curves.size()) + 1;
    // a stream per (seed ^ epoch, id), apart from the duration's (seed, id): epoch e >= 1
    Rng rng(derive_seed(o_.seed ^ static_cast<uint64_t>(e), static_cast<uint64_t>(k.trial->id),
                        SeedPurpose::kTrial));
    EpochRow row;
    row.epoch = e;
    row.val_acc = quality(sweep_.space, k.trial->values) *
                      (1 - 0.5 * std::exp(-3.0 * e / o_.epochs)) + 0.01 * rng.normal();
    row.val_loss = 1 - row.val_acc;
    row.train_acc = row.val_acc;
    row.train_loss = row.val_loss;
    row.seconds = e * k.epoch_s;
    k.so_far.curves.push_back(row);
    k.sent_at = end;
    send(w, end, false, k.so_far);
  }

  void send(int w, double at, bool result, const TrialRecord& r) {
    inbox_.push(Msg{at + o_.latency_s, seq_++, w, result, encode_record(r)});
  }

  // An epoch: rank 0 judges it and answers; the worker goes on, or ends the trial there.
  void on_epoch(const Msg& m) {
    Worker& k = workers_[static_cast<size_t>(m.worker)];
    TrialRecord so_far;
    charge(r_.decode, false, [&] { return decode_record(m.bytes, &so_far); });
    const bool stop = charge(r_.judge, false, [&] { return queue_.judge(so_far.id, so_far); });
    judge_curve_.add(static_cast<int64_t>(r_.ask_costs.size()), last_cost_);
    const double answered = free_ + o_.latency_s;
    r_.answer_wait_s += answered - k.sent_at;
    if (!stop && static_cast<int>(k.so_far.curves.size()) < o_.epochs) {
      run_epoch(m.worker, answered);
      return;
    }
    TrialRecord& r = k.so_far;
    r.epochs = static_cast<int>(r.curves.size());
    r.seconds = answered - k.started;
    r.best_epoch = 0;
    for (const EpochRow& row : r.curves)
      if (r.best_epoch == 0 || row.val_acc > r.curves[static_cast<size_t>(r.best_epoch) - 1].val_acc)
        r.best_epoch = row.epoch;
    r.best_metric = r.curves[static_cast<size_t>(r.best_epoch) - 1].val_acc;
    if (stop) r.status = TrialStatus::kInterrupted;  // as an objective told to stop returns it
    send(m.worker, answered, true, r);
  }

  // A result: rank 0 reads it; it waits for the pass's group commit, its worker for a trial.
  void take_result(const Msg& m) {
    Worker& k = workers_[static_cast<size_t>(m.worker)];
    TrialRecord r;
    charge(r_.decode, false, [&] { return decode_record(m.bytes, &r); });
    k.trial.reset();
    k.idle_since = m.at - o_.latency_s;
    group_.push_back(std::move(r));
    freed_.push_back(m.worker);
  }

  // The pass's results, as the executor's commit(): each told to the queue, then the group
  // appended at once (one fsync, charged at its wall time), and only then their workers free.
  Status commit() {
    if (group_.empty()) return {};
    for (TrialRecord& r : group_)
      charge(r_.tell, false, [&] {
        queue_.finish(r);
        return 0;
      });
    if (file_) {
      Status st = charge(r_.append, true, [&] { return file_->append(group_); });
      if (!st) return st;
    }
    r_.trials += static_cast<int64_t>(group_.size());
    r_.largest_group = std::max(r_.largest_group, static_cast<int64_t>(group_.size()));
    for (const TrialRecord& r : group_) r_.pruned += r.status == TrialStatus::kPruned;
    r_.makespan_s = free_;
    idle_.insert(idle_.end(), freed_.begin(), freed_.end());
    exhausted_ = false;  // their end may let more trials start (sha)
    group_.clear();
    freed_.clear();
    return {};
  }

  // Worker-time [a, b) spent running an epoch, into the bins of bin_s_.
  void busy(double a, double b) {
    r_.busy_s += b - a;
    // At most kMaxBins: past them the bins are merged in pairs and twice as wide (a fail-fast
    // trial of 10 ms beside 10-minute ones made bins of 1.25 ms, and millions of them).
    while (b / bin_s_ >= static_cast<double>(kMaxBins)) {
      for (size_t i = 0; i < bins_.size(); ++i)
        bins_[i / 2] = (i % 2 ? bins_[i / 2] : 0) + bins_[i];
      bins_.resize((bins_.size() + 1) / 2);
      bin_s_ *= 2;
    }
    const auto last = static_cast<size_t>(b / bin_s_);
    if (bins_.size() <= last) bins_.resize(last + 1, 0.0);
    for (auto i = static_cast<size_t>(a / bin_s_); i <= last; ++i) {
      const double lo = static_cast<double>(i) * bin_s_;
      bins_[i] += std::max(0.0, std::min(b, lo + bin_s_) - std::max(a, lo));
    }
  }

  Report finish_report() {
    const double n = o_.workers;
    if (r_.makespan_s > 0) r_.utilisation = r_.busy_s / (n * r_.makespan_s);
    r_.bin_s = bin_s_;
    const size_t fed_bins = static_cast<size_t>(r_.last_dispatch_s / bin_s_);
    double fed = 0;
    for (size_t i = 0; i < bins_.size(); ++i) {
      r_.busy_over_time.push_back(bins_[i] / (n * bin_s_));
      if (i < fed_bins) fed += bins_[i];
    }
    // Every trial handed out within the first bin: no whole bin to read it over, so none.
    r_.utilisation_fed = fed_bins > 0 ? fed / (n * bin_s_ * static_cast<double>(fed_bins)) : NAN;
    return r_;
  }

  const SweepConfig& sweep_;
  const Options& o_;
  ResultsFile* file_;
  TrialQueue& queue_;
  std::vector<Worker> workers_;
  std::deque<int> idle_;
  std::priority_queue<Msg, std::vector<Msg>, std::greater<Msg>> inbox_;
  std::vector<TrialRecord> group_;  // the pass's results, for its group commit
  std::vector<int> freed_;          // their workers
  std::string encoded_;    // the last trial handed out, as the executor sends it
  double free_ = 0;        // rank 0 is busy until then
  double last_cost_ = 0;   // of the last charged operation
  static constexpr size_t kMaxBins = 1 << 16;
  double bin_s_ = 1;
  std::vector<double> bins_;  // busy worker-time per bin
  Curve ask_curve_, judge_curve_;
  int64_t seq_ = 0;
  bool exhausted_ = false;
  Report r_;
};

}  // namespace

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  const size_t k = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  const size_t i = std::min(v.size() - 1, k == 0 ? 0 : k - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

Result<Report> simulate(const SweepConfig& sweep, const Options& o, ResultsFile* file) {
  auto queue = TrialQueue::make(sweep);
  if (!queue) return queue.error();
  return Engine(sweep, o, file, *queue).run();
}

}  // namespace hs::sim
