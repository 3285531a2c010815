// gen.cpp: the generated sweep (gen.h).
#include "gen.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "core/rng.h"
#include "search/strategy.h"
#include "store/journal.h"
#include "trial/codec.h"

namespace hs::gen {
namespace {

Param param(const std::string& name, ParamKind kind, double lo, double hi, bool log) {
  Param p;
  p.name = name;
  p.kind = kind;
  p.lo = lo;
  p.hi = hi;
  p.log = log;
  return p;
}

// The status of trial i, from u in [0, 1): the mix the header states.
TrialStatus status_of(double u) {
  using S = TrialStatus;
  if (u < 0.62) return S::kCompleted;
  if (u < 0.92) return S::kPruned;
  if (u < 0.95) return S::kEarlyStopped;
  if (u < 0.97) return S::kDiverged;
  if (u < 0.99) return S::kFailed;
  return S::kTimedOut;
}

// Trial i's curves: val_acc rises towards a quality set by lr's distance to 10^-2.5.
void fill_curves(Rng& rng, int epochs, double lr, double wd, TrialRecord* t) {
  const double q = std::exp(-std::pow(std::log10(lr) + 2.5, 2)) * (1 - 5 * wd);
  const double final_acc = 0.55 + 0.4 * q;
  const bool diverged = t->status == TrialStatus::kDiverged;
  t->layer_names = {"dense1", "dense2"};
  double best = -1;
  for (int e = 1; e <= epochs; ++e) {
    EpochRow r;
    r.epoch = e;
    const double f = 1 - std::exp(-4.0 * e / epochs);
    r.lr = lr * 0.5 * (1 + std::cos(M_PI * (e - 1) / epochs));
    r.train_acc = std::min(1.0, final_acc * f + 0.03 * f + 0.01 * rng.normal());
    r.val_acc = std::min(1.0, final_acc * f + 0.015 * rng.normal());
    r.train_loss = 2.3 * (1 - f) + 0.3 * (1 - q) + 0.02 * rng.normal();
    r.val_loss = r.train_loss + 0.05 + 0.03 * rng.normal();
    r.seconds = e * 30.0;
    if (diverged && e == epochs) r.train_loss = r.val_loss = NAN;
    t->curves.push_back(r);
    t->update_ratio.push_back({lr * 0.3 * (0.5 + 0.1 * rng.uniform()), lr * 0.1});
    if (!diverged && r.val_acc > best) {
      best = r.val_acc;
      t->best_epoch = e;
    }
  }
  t->epochs = epochs;
  t->best_metric = diverged ? NAN : best;
  t->test_acc = diverged ? NAN : best - 0.01;
}

}  // namespace

SweepHeader gen_header(const GenOptions& a) {
  SweepHeader h;
  h.config_text =
      "# gen_results: a generated sweep, nothing was trained\n[sweep]\n"
      "strategy = \"random\"\ntrials = " +
      std::to_string(a.trials) + "\nseed = " + std::to_string(a.seed) +
      "\npruner = \"median\"\n[train]\n"
      "epochs = " +
      std::to_string(a.epochs) +
      "\n[space]\n"
      "lr = { log_uniform = [1e-4, 1e-1] }\n"
      "weight_decay = { log_uniform = [1e-6, 1e-2] }\n"
      "optimizer = { choice = [\"adam\", \"sgd\"] }\n"
      "batch_size = { int = [16, 256], log = true }\n";
  h.config_hash = config_hash(h.config_text);
  h.strategy = "random";
  h.seed = a.seed;
  h.version = "0.1.0";
  h.start_time = "2026-12-01T10:00:00Z";
  h.metric = Metric{"val_acc", Direction::kMaximize};
  h.pruner = "median";
  h.space.params.push_back(param("lr", ParamKind::kLogUniform, 1e-4, 1e-1, true));
  h.space.params.push_back(param("weight_decay", ParamKind::kLogUniform, 1e-6, 1e-2, true));
  Param opt = param("optimizer", ParamKind::kChoice, 0, 0, false);
  opt.choices = {ParamValue(std::string("adam")), ParamValue(std::string("sgd"))};
  h.space.params.push_back(opt);
  h.space.params.push_back(param("batch_size", ParamKind::kInt, 16, 256, true));
  return h;
}

TrialRecord gen_trial(const GenOptions& a, int64_t id) {
  Rng rng(derive_seed(a.seed, static_cast<uint64_t>(id), SeedPurpose::kData));
  TrialRecord t;
  t.id = id;
  t.status = status_of(rng.uniform());
  // The values random search gives trial `id` (search/strategy.h): `hypersweep run` on the
  // file's own config continues it.
  static const SearchSpace space = gen_header(GenOptions{}).space;
  t.params = random_values(space, a.seed, id);
  const double lr = std::get<double>(t.params[0]), wd = std::get<double>(t.params[1]);
  t.rank = 1 + static_cast<int>(id % 64);
  t.host = "node" + std::to_string(id % 64 / 16);
  t.initial_loss = 2.3 + 0.01 * rng.normal();
  t.num_classes = 10;
  t.val_samples = 10000;
  if (t.status == TrialStatus::kFailed) {
    t.error = "the trial's process exited with status 1 (generated)";
    t.seconds = 0.5;
    return t;
  }
  int epochs = a.epochs;
  if (t.status == TrialStatus::kPruned) epochs = 2 + static_cast<int>(id % 4);
  if (t.status == TrialStatus::kEarlyStopped || t.status == TrialStatus::kTimedOut)
    epochs = a.epochs - 2;
  fill_curves(rng, epochs, lr, wd, &t);
  t.seconds = epochs * 30.0;
  if (t.status == TrialStatus::kPruned) {
    t.decision = "pruned at epoch " + std::to_string(epochs) + ": below the median (generated)";
    t.test_acc = NAN;  // a pruned trial gets no test pass, as the trainer runs it (README)
  }
  return t;
}

Status gen_write(const std::string& path, const GenOptions& o,
                 const std::function<void(int64_t)>& progress) {
  auto file = ResultsFile::create(path, gen_header(o), true);
  if (!file) return file.error();
  // Groups of o.group trials (the batched append: one fsync and one HDF5 flush per group).
  std::vector<TrialRecord> group;
  for (int64_t id = 0; id < o.trials; ++id) {
    group.push_back(gen_trial(o, id));
    if (static_cast<int64_t>(group.size()) < std::max(o.group, 1) && id + 1 < o.trials) continue;
    if (Status st = file->append(std::span<const TrialRecord>(group)); !st) return st;
    group.clear();
    if (progress) progress(id + 1);
  }
  return file->close();
}

Status gen_write_journal_first(const std::string& path, const GenOptions& o,
                               const std::function<void(int64_t)>& progress) {
  for (const std::string& p : {path, path + ".journal"}) ::unlink(p.c_str());
  {
    auto j = store::Journal::create(path + ".journal", 'H', encode_header(gen_header(o)));
    if (!j) return j.error();
    for (int64_t id = 0; id < o.trials; ++id) {
      if (Status st = j->append('T', encode_record(gen_trial(o, id))); !st) return st;
      if (progress) progress(id + 1);
    }
    j->close();
  }
  auto file = ResultsFile::open(path);
  if (!file) return file.error();
  return file->close();
}

}  // namespace hs::gen
