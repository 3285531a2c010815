// The TrialQueue (sweep/queue.h): rank 0's order of trials, what it tells the strategy, and how
// it takes a results file's records back on resume.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <functional>
#include <vector>

#include "sweep/queue.h"
#include "trial/failure.h"
#include "trial/metric.h"

using namespace hs;

namespace {

SweepConfig sweep_of(const std::string& strategy, int trials) {
  auto s = load_sweep_text("[train]\ndataset = \"synthetic\"\n[sweep]\nstrategy = \"" + strategy +
                               "\"\ntrials = " + std::to_string(trials) +
                               "\nseed = 3\n[space]\nlr = { log_uniform = [1e-3, 1e-1], grid = " +
                               std::to_string(trials) + " }\n",
                           "q.toml");
  REQUIRE(s.ok());
  return std::move(*s);
}

// TrialQueue::finish, on a record made for it.
void finish(TrialQueue& q, TrialRecord r) { q.finish(r); }

TrialRecord finished(const Trial& t, TrialStatus s, double metric) {
  TrialRecord r = record_of(t, s);
  r.best_metric = metric;
  return r;
}

}  // namespace

TEST_CASE("trials come out in id order until the sweep's count, each told once", "[sweep][queue]") {
  auto q = TrialQueue::make(sweep_of("random", 3));
  REQUIRE(q.ok());
  CHECK(q->total() == 3);
  std::vector<Trial> out;
  while (auto t = q->next()) out.push_back(*t);
  REQUIRE(out.size() == 3u);
  for (int64_t i = 0; i < 3; ++i) CHECK(out[static_cast<size_t>(i)].id == i);
  CHECK(q->finished() == 0);
  finish(*q, finished(out[1], TrialStatus::kCompleted, 0.5));
  finish(*q, finished(out[1], TrialStatus::kCompleted, 0.5));  // a duplicate tells nothing more
  CHECK(q->finished() == 1);
}

TEST_CASE("an interrupted trial runs again first, with its id", "[sweep][queue]") {
  auto q = TrialQueue::make(sweep_of("grid", 4));
  REQUIRE(q.ok());
  const Trial a = *q->next(), b = *q->next();
  finish(*q, finished(b, TrialStatus::kInterrupted, NAN));
  CHECK(q->finished() == 0);  // an interrupted trial is not told
  const auto again = q->next();
  REQUIRE(again);
  CHECK(again->id == b.id);
  CHECK(again->values == b.values);
  CHECK(q->next()->id == 2);
  // Its record says what stopped it, whether its objective said (a command's) or not (the
  // trainer's, which stops at an epoch's end).
  TrialRecord r = finished(a, TrialStatus::kInterrupted, NAN);
  r.curves.resize(2);
  r.curves[1].epoch = 2;
  q->finish(r);
  CHECK(r.error == "interrupted: the sweep was stopped after epoch 2");
  TrialRecord c = finished(*q->next(), TrialStatus::kInterrupted, NAN);
  c.error = "interrupted: the sweep was stopped while the command ran";
  q->finish(c);
  CHECK(c.error == "interrupted: the sweep was stopped while the command ran");
}

TEST_CASE("resume takes the records back: finished ones told, lost and interrupted ones again",
          "[sweep][queue]") {
  const SweepConfig s = sweep_of("grid", 5);
  auto first = TrialQueue::make(s);
  REQUIRE(first.ok());
  std::vector<Trial> t;
  while (auto x = first->next()) t.push_back(*x);
  // Trial 0 completed, 1 lost in flight (no record), 2 interrupted, 3 diverged; 4 never ran.
  const std::vector<TrialRecord> done = {finished(t[0], TrialStatus::kCompleted, 0.7),
                                         finished(t[3], TrialStatus::kDiverged, NAN),
                                         finished(t[2], TrialStatus::kInterrupted, NAN)};
  auto q = TrialQueue::make(s, done);
  REQUIRE(q.ok());
  CHECK(q->finished() == 2);  // 0 and 3
  std::vector<int64_t> order;
  while (auto x = q->next()) order.push_back(x->id);
  CHECK(order == std::vector<int64_t>{1, 2, 4});
}

TEST_CASE("records handed over one at a time are taken back as a vector of them is",
          "[sweep][queue]") {
  const SweepConfig s = sweep_of("grid", 6);
  auto first = TrialQueue::make(s);
  REQUIRE(first.ok());
  std::vector<Trial> t;
  while (auto x = first->next()) t.push_back(*x);
  // In id order, as ResultsFile::for_each_trial hands them; 1 and 4 lost in flight.
  const std::vector<TrialRecord> done = {finished(t[0], TrialStatus::kCompleted, 0.7),
                                         finished(t[2], TrialStatus::kInterrupted, NAN),
                                         finished(t[3], TrialStatus::kCompleted, 0.2),
                                         finished(t[5], TrialStatus::kDiverged, NAN)};
  Recorded recorded;
  recorded.last_id = 5;
  int handed = 0;
  recorded.each = [&](const std::function<Status(const TrialRecord&)>& fn) {
    for (const TrialRecord& r : done) {
      ++handed;
      if (Status st = fn(r); !st) return st;
    }
    return Status::Ok();
  };
  auto streamed = TrialQueue::make(s, recorded, Resume{});
  REQUIRE(streamed.ok());
  CHECK(handed == 4);
  auto whole = TrialQueue::make(s, done);
  REQUIRE(whole.ok());
  CHECK(streamed->finished() == 3);
  CHECK(streamed->recorded() == whole->recorded());
  std::vector<int64_t> a, b;
  while (auto x = streamed->next()) a.push_back(x->id);
  while (auto x = whole->next()) b.push_back(x->id);
  CHECK(a == std::vector<int64_t>{1, 2, 4});
  CHECK(a == b);
  // Out of id order (or past last_id) is an error naming the trial, not a silent mix-up.
  recorded.each = [&](const std::function<Status(const TrialRecord&)>& fn) {
    for (size_t i : {size_t{2}, size_t{0}})
      if (Status st = fn(done[i]); !st) return st;
    return Status::Ok();
  };
  auto mixed = TrialQueue::make(s, recorded, Resume{});
  REQUIRE_FALSE(mixed.ok());
  CHECK(mixed.error().message.find("recorded trial 0 is out of id order") != std::string::npos);
}

TEST_CASE("records past the trials a sweep may have are refused in words, not as a bad key",
          "[sweep][queue]") {
  const SweepConfig s = sweep_of("random", 3);
  Recorded recorded;
  recorded.last_id = kMaxTrials;  // ids 0 to kMaxTrials: one more than a sweep may have
  recorded.each = [](const std::function<Status(const TrialRecord&)>&) { return Status::Ok(); };
  auto q = TrialQueue::make(s, recorded, Resume{});
  REQUIRE_FALSE(q.ok());
  INFO(q.error().str());
  CHECK(q.error().message == "holds trial ids up to 1000000, more than the 1000000 trials a "
                             "sweep may have, so it cannot be continued (show, export and report "
                             "read it)");
}

TEST_CASE("a record this sweep's strategy would not give is refused, naming it", "[sweep][queue]") {
  const SweepConfig s = sweep_of("grid", 4);
  TrialRecord alien = record_of(Trial{0, {ParamValue{0.5}}}, TrialStatus::kCompleted);
  auto q = TrialQueue::make(s, {alien});
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().message.find("trial 0") != std::string::npos);
  CHECK(q.error().message.find("was the config or the hypersweep version changed?") !=
        std::string::npos);
}

namespace {

SweepConfig retrying(int max_retries) {
  SweepConfig s = sweep_of("grid", 3);
  s.trial_policy.max_retries = max_retries;
  return s;
}

TrialRecord lost(const Trial& t, const std::string& how) {
  TrialRecord r = record_of(t, TrialStatus::kFailed);
  r.error = how;
  return r;
}

constexpr char kSegv[] = "the trial's process was killed by SIGSEGV (a crash)";
constexpr char kOom[] = "the trial's process was killed by SIGKILL (the kernel's out-of-memory killer, or kill -9)";

}  // namespace

TEST_CASE("a lost trial runs again as its next attempt up to max_retries", "[sweep][queue][retry]") {
  auto q = TrialQueue::make(retrying(3));
  REQUIRE(q.ok());
  const Trial t0 = *q->next();
  TrialRecord r = lost(t0, kOom);
  q->finish(r);
  CHECK(r.attempt == 1);
  CHECK(r.error == std::string(kOom) + " [runs again as attempt 2, [sweep] max_retries]");
  CHECK(q->finished() == 0);  // the strategy hears of its last attempt only
  const auto again = q->next();
  REQUIRE(again);
  CHECK(again->id == t0.id);
  CHECK(again->values == t0.values);
  TrialRecord r2 = lost(*again, kSegv);  // lost another way: runs again
  q->finish(r2);
  CHECK(r2.attempt == 2);
  const Trial third = *q->next();
  CHECK(third.id == t0.id);
  TrialRecord r3 = record_of(third, TrialStatus::kCompleted);
  q->finish(r3);
  CHECK(r3.attempt == 3);
  CHECK(r3.error.empty());
  CHECK(q->finished() == 1);
  CHECK(q->next()->id == 1);  // then the sweep goes on
}

TEST_CASE("a trial lost the same way twice or past max_retries is final", "[sweep][queue][retry]") {
  auto q = TrialQueue::make(retrying(5));
  REQUIRE(q.ok());
  TrialRecord a = lost(*q->next(), kSegv);
  q->finish(a);
  TrialRecord b = lost(*q->next(), kSegv);  // attempt 2, the same crash: deterministic
  q->finish(b);
  CHECK(b.attempt == 2);
  CHECK(b.error == kSegv);  // no note: it does not run again
  CHECK(q->finished() == 1);
  CHECK(q->next()->id == 1);

  // The same crash whose stderr differs (a fault handler's thread address, a timestamp) is the
  // same way: the reasons are compared, not what the program wrote.
  auto tails = TrialQueue::make(retrying(5));
  REQUIRE(tails.ok());
  TrialRecord t1 = lost(*tails->next(), with_stderr_tail(kSegv, "Current thread 0x00007f01"));
  tails->finish(t1);
  CHECK(t1.error.ends_with("[runs again as attempt 2, [sweep] max_retries]"));
  TrialRecord t2 = lost(*tails->next(), with_stderr_tail(kSegv, "Current thread 0x00007f99"));
  tails->finish(t2);
  CHECK(t2.attempt == 2);
  CHECK(t2.error == with_stderr_tail(kSegv, "Current thread 0x00007f99"));  // final
  CHECK(tails->next()->id == 1);

  auto none = TrialQueue::make(retrying(0));  // the default: never
  REQUIRE(none.ok());
  TrialRecord c = lost(*none->next(), kSegv);
  none->finish(c);
  CHECK(c.error == kSegv);
  CHECK(none->finished() == 1);

  auto one = TrialQueue::make(retrying(1));
  REQUIRE(one.ok());
  TrialRecord d = lost(*one->next(), kSegv);
  one->finish(d);
  TrialRecord e = lost(*one->next(), kOom);  // lost another way, but max_retries is spent
  one->finish(e);
  CHECK(e.attempt == 2);
  CHECK(e.error == kOom);
  CHECK(one->next()->id == 1);

  // A failure that is the trial's own (a bad value, a command's non-zero exit) never runs again.
  auto own = TrialQueue::make(retrying(3));
  REQUIRE(own.ok());
  TrialRecord f = lost(*own->next(), "the command exited with code 1");
  own->finish(f);
  CHECK(own->finished() == 1);
  CHECK(own->next()->id == 1);
}

TEST_CASE("a continued sweep runs a retry its crash cut off", "[sweep][queue][retry]") {
  auto q = TrialQueue::make(retrying(2));
  REQUIRE(q.ok());
  std::vector<TrialRecord> file;
  TrialRecord a = lost(*q->next(), kSegv);
  q->finish(a);
  file.push_back(a);  // recorded; then the sweep was killed before the retry ran
  auto again = TrialQueue::make(retrying(2), file);
  REQUIRE(again.ok());
  CHECK(again->finished() == 0);
  const Trial t = *again->next();
  CHECK(t.id == 0);
  TrialRecord b = lost(t, kSegv);  // the same way as before the crash: final
  again->finish(b);
  CHECK(b.attempt == 2);
  CHECK(b.error == kSegv);
  CHECK(again->finished() == 1);
  // A final record is told on resume, whatever its attempt.
  auto later = TrialQueue::make(retrying(2), {b});
  REQUIRE(later.ok());
  CHECK(later->finished() == 1);
  CHECK(later->next()->id == 1);
}

TEST_CASE("a retry interrupted by a stop keeps the loss before it across the continue",
          "[sweep][queue][retry]") {
  auto q = TrialQueue::make(retrying(3));
  REQUIRE(q.ok());
  TrialRecord a = lost(*q->next(), kSegv);
  q->finish(a);  // attempt 1 lost: runs again as attempt 2
  TrialRecord b = record_of(*q->next(), TrialStatus::kInterrupted);
  b.error = with_stderr_tail("interrupted: the sweep was stopped", "Traceback ...");
  q->finish(b);  // the sweep stops while attempt 2 runs
  CHECK(b.attempt == 2);
  CHECK(hs::error_headline(b.error) ==
        "interrupted: the sweep was stopped; its stderr ends: Traceback ...");
  CHECK(hs::error_reason(b.error) == "interrupted: the sweep was stopped\n(the attempt before "
                                     "was lost: " + std::string(kSegv) + ")");
  // Continued from the file (attempt 1's record replaced by attempt 2's), attempt 2 runs again
  // and is lost the same way as attempt 1: final, as without the stop. Before, the loss before
  // was forgotten and attempt 3 ran (a hang's whole timeout again).
  auto again = TrialQueue::make(retrying(3), {b});
  REQUIRE(again.ok());
  const Trial t = *again->next();
  CHECK(t.id == 0);
  CHECK(t.attempt == 2);
  TrialRecord c = lost(t, kSegv);
  again->finish(c);
  CHECK(c.attempt == 2);
  CHECK(c.error == kSegv);
  CHECK(again->finished() == 1);
  CHECK(again->next()->id == 1);
}

TEST_CASE("interrupted trials past trials are left as they are and counted as such",
          "[sweep][queue][grow]") {
  // A sweep grown to 6 with --trials, stopped while trials 4 and 5 ran, continued with trials = 4
  // (the file's own): nothing runs, and the queue says which trials it left and why.
  auto whole = TrialQueue::make(retrying(0));  // grid of 3: 3 trials
  REQUIRE(whole.ok());
  std::vector<TrialRecord> done;
  for (int i = 0; i < 3; ++i) {
    const Trial t = *whole->next();
    done.push_back(record_of(t, i == 2 ? TrialStatus::kInterrupted : TrialStatus::kCompleted));
  }
  SweepConfig two = retrying(0);
  two.strategy.trials = 2;
  auto q = TrialQueue::make(two, done);
  REQUIRE(q.ok());
  CHECK_FALSE(q->next());
  CHECK(q->finished() == 2);
  CHECK(q->total() == 3);
  CHECK(q->left().count == 1);
  CHECK(q->left().first == std::vector<int64_t>{2});
  CHECK(q->left().trials_for_all == 3);
  CHECK(q->left().not_ended == 1);
  // A failed trial past trials under --retry-failed: recorded and told as it is, and left.
  done[2].status = TrialStatus::kFailed;
  auto failed = TrialQueue::make(two, done, Resume{true});
  REQUIRE(failed.ok());
  CHECK_FALSE(failed->next());
  CHECK(failed->finished() == 3);
  CHECK(failed->left().count == 1);
  CHECK(failed->left().not_ended == 0);
  done[2].status = TrialStatus::kInterrupted;
  // With trials = 3 it runs again, and nothing is left.
  auto all = TrialQueue::make(retrying(0), done);
  REQUIRE(all.ok());
  CHECK(all->next()->id == 2);
  CHECK(all->left().count == 0);
}

// ---- growing a sweep, --retry-failed (README "Continuing and growing a sweep") ---------------

namespace {

// Three parameters, so that bayes's automatic start design (2d+2 = 8 points) is longer than a
// 6-trial sweep: its size must not depend on `trials`, or growing 6 -> 8 would change trials.
SweepConfig grow_sweep(const std::string& strategy, int trials, const std::string& n_init) {
  auto s = load_sweep_text("[objective]\ncommand = 'echo metric={x}'\n[sweep]\nstrategy = \"" +
                               strategy + "\"\ntrials = " + std::to_string(trials) +
                               "\nseed = 5\n" + n_init +
                               "[space]\nx = { uniform = [0.0, 1.0] }\n"
                               "y = { log_uniform = [1e-3, 1.0] }\nz = { int = [1, 9] }\n",
                           "g.toml");
  REQUIRE(s.ok());
  return std::move(*s);
}

// A made-up objective of the values, so that model strategies learn from something.
double objective_of(const Trial& t) {
  return std::get<double>(t.values[0]) - std::get<double>(t.values[1]);
}

// Runs the queue's trials one at a time (as one process does), appending the records to `done`.
void run_serially(TrialQueue& q, std::vector<TrialRecord>* done) {
  while (auto t = q.next()) {
    TrialRecord r = finished(*t, TrialStatus::kCompleted, objective_of(*t));
    q.finish(r);
    done->push_back(r);
  }
}

}  // namespace

TEST_CASE("a sweep grown from 6 to 8 trials gives the trials an 8-trial sweep gives",
          "[sweep][queue][grow]") {
  for (const auto& [strategy, n_init] : std::vector<std::pair<std::string, std::string>>{
           {"random", ""}, {"tpe", "n_init = 3\n"}, {"bayes", ""}, {"bayes", "n_init = 4\n"}}) {
    INFO(strategy << " " << n_init);
    std::vector<TrialRecord> whole, grown;
    auto eight = TrialQueue::make(grow_sweep(strategy, 8, n_init));
    REQUIRE(eight.ok());
    run_serially(*eight, &whole);
    auto six = TrialQueue::make(grow_sweep(strategy, 6, n_init));
    REQUIRE(six.ok());
    run_serially(*six, &grown);
    REQUIRE(grown.size() == 6u);
    auto more = TrialQueue::make(grow_sweep(strategy, 8, n_init), grown);
    REQUIRE(more.ok());
    CHECK(more->recorded() == 6);
    CHECK(more->finished() == 6);
    CHECK(more->more() == 2);
    run_serially(*more, &grown);
    REQUIRE(grown.size() == 8u);
    for (size_t i = 0; i < 8; ++i) {
      CHECK(grown[i].id == whole[i].id);
      CHECK(grown[i].params == whole[i].params);
    }
  }
}

TEST_CASE("fewer trials than recorded keeps every record and runs nothing new",
          "[sweep][queue][grow]") {
  std::vector<TrialRecord> done;
  auto six = TrialQueue::make(grow_sweep("tpe", 6, "n_init = 2\n"));
  REQUIRE(six.ok());
  run_serially(*six, &done);
  done[5].status = TrialStatus::kInterrupted;  // past the new end: not run again either
  auto four = TrialQueue::make(grow_sweep("tpe", 4, "n_init = 2\n"), done);
  REQUIRE(four.ok());
  CHECK(four->recorded() == 6);
  CHECK(four->total() == 6);
  CHECK(four->finished() == 5);
  CHECK_FALSE(four->next().has_value());
}

TEST_CASE("retry_failed runs failed and timed_out trials again as their next attempt",
          "[sweep][queue][retry]") {
  std::vector<TrialRecord> done;
  auto q = TrialQueue::make(grow_sweep("random", 5, ""));
  REQUIRE(q.ok());
  run_serially(*q, &done);
  done[1].status = TrialStatus::kFailed;
  done[1].error = "the command exited with status 1";
  done[3].status = TrialStatus::kTimedOut;
  done[3].attempt = 2;
  // Without it, a continued sweep leaves them as they are.
  auto plain = TrialQueue::make(grow_sweep("random", 5, ""), done);
  REQUIRE(plain.ok());
  CHECK(plain->finished() == 5);
  CHECK_FALSE(plain->next().has_value());
  // With it, they run first, same ids and values, as attempts 2 and 3; the strategy hears only
  // of the new records.
  auto again = TrialQueue::make(grow_sweep("random", 5, ""), done, Resume{true});
  REQUIRE(again.ok());
  CHECK(again->finished() == 3);
  CHECK(again->again() == 2);
  for (const size_t i : {size_t{1}, size_t{3}}) {
    const auto t = again->next();
    REQUIRE(t);
    CHECK(t->id == done[i].id);
    CHECK(t->values == done[i].params);
    TrialRecord r = finished(*t, TrialStatus::kCompleted, 0.5);
    again->finish(r);
    CHECK(r.attempt == done[i].attempt + 1);
  }
  CHECK(again->finished() == 5);
  CHECK_FALSE(again->next().has_value());
}

TEST_CASE("a command timed_out runs again as its next attempt and next() says the attempt",
          "[sweep][queue][retry]") {
  auto q = TrialQueue::make(retrying(2));
  REQUIRE(q.ok());
  const Trial t = *q->next();
  CHECK(t.attempt == 1);
  TrialRecord r = record_of(t, TrialStatus::kTimedOut);
  r.error = "the command timed out after 5 s ([objective] timeout) and was killed";
  q->finish(r);
  CHECK(r.status == TrialStatus::kTimedOut);  // kept as timed_out, noted as running again
  CHECK(r.error.ends_with("[runs again as attempt 2, [sweep] max_retries]"));
  CHECK(q->finished() == 0);
  // A continued sweep runs the retry a stop cut off, as attempt 2, too.
  auto again = TrialQueue::make(retrying(2), {r});
  REQUIRE(again.ok());
  CHECK(again->finished() == 0);
  const Trial t2 = *again->next();
  CHECK(t2.id == t.id);
  CHECK(t2.attempt == 2);  // what a command sees as HYPERSWEEP_ATTEMPT
  CHECK(q->next()->attempt == 2);
}

namespace {

// A tpe sweep with sha (brackets of 5, rungs at epochs 1, 3 and 9) driven one trial at a time
// as one worker drives it: each epoch judged, a stopped trial recorded as the executor records
// it (interrupted; the queue makes it pruned). Returns every record in the order made.
SweepConfig tpe_sha() {
  auto s = load_sweep_text("[train]\ndataset = \"synthetic\"\nepochs = 9\n[sweep]\nstrategy = "
                           "\"tpe\"\ntrials = 20\nn_init = 6\nseed = 5\npruner = \"sha\"\n"
                           "[pruner]\nbracket_trials = 5\n[space]\n"
                           "lr = { log_uniform = [1e-4, 1.0] }\n",
                           "sha.toml");
  REQUIRE(s.ok());
  return std::move(*s);
}

// Trial t at `lr` run for `epochs` epochs as the built-in trainer runs it, each epoch judged: a
// stop before its last epoch interrupts it (the queue makes it pruned); one at its last epoch
// leaves nothing to stop, and it completes, tested (train/trainer.h). Not yet finished.
TrialRecord run_judged(TrialQueue& q, const Trial& t, double lr, int epochs) {
  TrialRecord r = record_of(t, TrialStatus::kCompleted);
  for (int e = 1; e <= epochs; ++e) {
    EpochRow row;
    row.epoch = e;
    row.val_acc = 1 - 0.05 * std::pow(std::log10(lr) + 1.5, 2) - 0.3 / e;
    r.curves.push_back(row);
    r.epochs = e;
    if (improves(Direction::kMaximize, row.val_acc, r.best_metric)) {
      r.best_metric = row.val_acc;
      r.best_epoch = e;
    }
    if (!q.judge(t.id, r)) continue;
    if (e < epochs) r.status = TrialStatus::kInterrupted;
    break;
  }
  if (r.status == TrialStatus::kCompleted) r.test_acc = 0.5;
  return r;
}

// The queue of the sweep file `text` (named `name` in errors).
TrialQueue queue_of(const std::string& text, const std::string& name) {
  auto s = load_sweep_text(text, name);
  REQUIRE(s.ok());
  auto q = TrialQueue::make(*s);
  REQUIRE(q.ok());
  return std::move(*q);
}

std::vector<TrialRecord> drive(TrialQueue& q) {
  std::vector<TrialRecord> made;
  while (auto t = q.next()) {
    TrialRecord r = run_judged(q, *t, std::get<double>(t->values[0]), 9);
    q.finish(r);
    made.push_back(r);
  }
  return made;
}

}  // namespace

TEST_CASE("a sha sweep rebuilt around a lost trial asks it again as it was first asked",
          "[sweep][queue][resume]") {
  // tpe's ask of trial 10 (bracket 2) came once brackets 0 and 1 were decided and told. The
  // rebuild told sha's brackets only after taking every record back, so a trial lost in flight
  // while later ids of its bracket were recorded was asked again of a strategy that had heard
  // nothing: other values, and every trial after it differed.
  const SweepConfig s = tpe_sha();
  auto whole = TrialQueue::make(s);
  REQUIRE(whole.ok());
  const std::vector<TrialRecord> made = drive(*whole);
  const auto first_of = [&](int64_t id) {
    for (const TrialRecord& r : made)
      if (r.id == id) return r;
    FAIL("no record of trial " << id);
    return TrialRecord{};
  };
  // What a kill leaves: the records made before trial 13 first ended, trial 10's lost.
  std::vector<TrialRecord> kept;
  for (const TrialRecord& r : made) {
    if (r.id == 13) break;
    if (r.id != 10) kept.push_back(r);
  }
  REQUIRE(std::any_of(kept.begin(), kept.end(), [](const TrialRecord& r) { return r.id == 12; }));
  auto again = TrialQueue::make(s, kept);
  REQUIRE(again.ok());
  std::optional<Trial> t;
  while ((t = again->next()) && t->id != 10) {
  }
  REQUIRE(t);
  CHECK(t->values == first_of(10).params);
}

TEST_CASE("a sha sweep whose last bracket was decided short cannot grow into it",
          "[sweep][queue][resume]") {
  // Grown from 3 to 9 trials, bracket 0 (9 trials) was decided again with its 3 recorded trials
  // in it: more promoted than its rungs allow, and other results than a sweep of 9.
  SweepConfig s = tpe_sha();
  s.strategy.trials = 3;
  s.pruner.bracket_trials = 9;
  auto first = TrialQueue::make(s);
  REQUIRE(first.ok());
  const std::vector<TrialRecord> made = drive(*first);
  CHECK(TrialQueue::make(s, made).ok());  // continued as it was: nothing changes
  s.strategy.trials = 9;
  auto grown = TrialQueue::make(s, made);
  REQUIRE_FALSE(grown.ok());
  INFO(grown.error().message);
  CHECK(grown.error().message.find("sha's bracket 0 was decided with trials 0-2") !=
        std::string::npos);
  // A sweep that filled its bracket grows past it.
  s.strategy.trials = 5;
  s.pruner.bracket_trials = 5;
  auto full = TrialQueue::make(s);
  REQUIRE(full.ok());
  const std::vector<TrialRecord> five = drive(*full);
  s.strategy.trials = 9;
  CHECK(TrialQueue::make(s, five).ok());
}

TEST_CASE("a trial told to stop as it ended on its own is recorded as it ended and says so",
          "[sweep][queue][prune]") {
  // median judged at epoch 3 alone (warmup_epochs = 2), the trials' last: trial 1 is below
  // trial 0 there and is told to stop, but the built-in trainer completes its last epoch
  // whatever the answer (train/trainer.h), and a command may exit before its SIGTERM.
  TrialQueue median = queue_of("[train]\ndataset = \"synthetic\"\nepochs = 3\n[sweep]\nstrategy = "
                               "\"random\"\ntrials = 3\nseed = 3\npruner = \"median\"\n[pruner]\n"
                               "startup_trials = 1\nwarmup_epochs = 2\n[space]\n"
                               "lr = { log_uniform = [1e-3, 1e-1] }\n",
                               "median.toml");
  TrialQueue* q = &median;
  // Runs trial t for 3 epochs at val_acc `level`, as a worker does; `ends` is the status the
  // objective gives back when the queue said stop (kInterrupted: stopped; else it had ended).
  const auto run = [&](const Trial& t, double level, TrialStatus ends) {
    TrialRecord r = record_of(t, TrialStatus::kCompleted);
    bool stopped = false;
    for (int e = 1; e <= 3; ++e) {
      EpochRow row;
      row.epoch = e;
      row.val_acc = level + 0.01 * e;
      r.curves.push_back(row);
      r.epochs = e;
      r.best_metric = row.val_acc;
      r.best_epoch = e;
      stopped = q->judge(t.id, r);
    }
    if (stopped) r.status = ends;
    if (r.status == TrialStatus::kInterrupted) r.best_metric = NAN;
    q->finish(r);
    return std::make_pair(stopped, r);
  };
  const Trial a = *q->next();
  CHECK_FALSE(run(a, 0.8, TrialStatus::kInterrupted).first);  // no trial completed before it
  const Trial b = *q->next();
  const auto [b_stopped, b_rec] = run(b, 0.5, TrialStatus::kCompleted);
  CHECK(b_stopped);
  CHECK(b_rec.status == TrialStatus::kCompleted);
  CHECK(b_rec.decision.rfind("pruned at epoch 3: ", 0) == 0);
  CHECK(b_rec.decision.find("; it had ended already, and was not pruned") != std::string::npos);
  // The same stop while it ran: pruned, its decision as made.
  const Trial c = *q->next();
  const auto [c_stopped, c_rec] = run(c, 0.4, TrialStatus::kInterrupted);
  CHECK(c_stopped);
  CHECK(c_rec.status == TrialStatus::kPruned);
  CHECK(c_rec.decision.find("had ended") == std::string::npos);
  CHECK(q->finished() == 3);
}

TEST_CASE("a sha trial paused at its own last epoch is paused as a stopped one and its sweep ends",
          "[sweep][queue][prune]") {
  // [space] epochs = [3, 9] with rungs at epochs 1, 3 and 9: a trial of 3 epochs meets rung 1
  // at its last epoch. The built-in trainer completes a run told to stop there (nothing left to
  // stop); sha's rung must still count it as arrived, or the rung never fills and the sweep ends
  // at its first bracket (it did: 9 of 18 trials, "the strategy had no more trials").
  TrialQueue sha = queue_of("[train]\ndataset = \"synthetic\"\n[sweep]\nstrategy = \"random\"\n"
                            "trials = 18\nseed = 5\npruner = \"sha\"\n[pruner]\nmin_epochs = 1\n"
                            "reduction = 3\nmax_epochs = 9\nbracket_trials = 9\n[space]\n"
                            "lr = { log_uniform = [1e-3, 1e-1] }\nepochs = [3, 9]\n",
                            "sha39.toml");
  TrialQueue* q = &sha;
  int at_last_epoch = 0;
  while (auto t = q->next()) {
    const int64_t epochs = std::get<int64_t>(t->values[1]);
    TrialRecord r = run_judged(*q, *t, std::get<double>(t->values[0]), static_cast<int>(epochs));
    const bool stopped = r.status == TrialStatus::kInterrupted;
    if (stopped && t->id % 2) {  // a command that failed as its SIGTERM came: paused all the same
      r.status = TrialStatus::kFailed;
      r.error = "the command exited with status 1";
    }
    q->finish(r);
    if (stopped) CHECK(r.status == TrialStatus::kPruned);
    if (r.status == TrialStatus::kPruned && r.epochs == epochs) {
      ++at_last_epoch;
      CHECK(std::isnan(r.test_acc));  // paused, untested, as a run stopped there
      CHECK(r.decision.rfind("paused at rung", 0) == 0);
    }
  }
  REQUIRE(at_last_epoch > 0);
  CHECK(q->finished() == 18);
}
