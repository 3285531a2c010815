// synthetic_sweep.h: the seeded synthetic sweep the report tests and bench/bench_report render:
// n trials of any number of epochs, with a diverged and a failed trial and markup in its texts.
// Plain data, no test framework: one definition for the tests and the benchmark.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "analysis/finding.h"
#include "store/results_file.h"

namespace hs_test {

inline hs::Param param(const std::string& name, hs::ParamKind kind, double lo, double hi, bool log = false) {
  hs::Param p;
  p.name = name;
  p.kind = kind;
  p.lo = lo;
  p.hi = hi;
  p.log = log;
  return p;
}

struct Sweep {
  hs::SweepHeader header;
  std::vector<hs::TrialRecord> trials;
  std::vector<std::vector<hs::Finding>> findings;
};

// n trials of `epochs` epochs over lr, weight_decay (log_uniform), optimizer (choice),
// batch_size (int, log) and a fixed `epochs`; two layers' update ratios. Trial 3 diverges (its
// losses turn NaN/inf), trial 5 fails before training (no curves) with an error text full of
// markup. Seeded: the same sweep every run.
inline Sweep synthetic_sweep(int n, int epochs, const std::string& strategy, uint64_t seed = 7) {
  Sweep s;
  hs::SweepHeader& h = s.header;
  h.config_text = "[sweep]\nstrategy = \"" + strategy +
                  "\"\ntrials = " + std::to_string(n) +
                  "\n# a comment with </script><script>alert('x')</script> and <!-- and & \"quotes\"\n"
                  "[space]\nlr = { log_uniform = [1e-4, 1e-1] }\n";
  h.config_hash = "0123abcd";
  h.strategy = strategy;
  h.seed = 18446744073709551615ull;  // the largest uint64: survives only as text
  h.version = "0.1.0";
  h.start_time = "2024-05-01T12:00:00Z";
  h.metric = hs::Metric{"val_acc", hs::Direction::kMaximize};
  h.space.params.push_back(param("lr", hs::ParamKind::kLogUniform, 1e-4, 1e-1));
  h.space.params.push_back(param("weight_decay", hs::ParamKind::kLogUniform, 1e-6, 1e-2));
  hs::Param opt = param("optimizer", hs::ParamKind::kChoice, 0, 0);
  opt.choices = {hs::ParamValue(std::string("adam")), hs::ParamValue(std::string("sgd</b>&"))};
  h.space.params.push_back(opt);
  h.space.params.push_back(param("batch_size", hs::ParamKind::kInt, 16, 256, true));
  hs::Param fixed = param("epochs", hs::ParamKind::kFixed, 0, 0);
  fixed.choices = {hs::ParamValue(int64_t{epochs})};
  h.space.params.push_back(fixed);

  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> noise(0, 1);
  for (int i = 0; i < n; ++i) {
    hs::TrialRecord t;
    t.id = i;
    t.rank = 1 + i % 3;
    t.host = "node" + std::to_string(i % 3);
    const double lr = std::pow(10, -4 + 3 * u(rng)), wd = std::pow(10, -6 + 4 * u(rng));
    const bool adam = u(rng) < 0.5;
    const int64_t bs = static_cast<int64_t>(std::lround(std::pow(2, 4 + 4 * u(rng))));
    t.params = {hs::ParamValue(lr), hs::ParamValue(wd), hs::ParamValue(std::string(adam ? "adam" : "sgd</b>&")),
                hs::ParamValue(bs), hs::ParamValue(int64_t{epochs})};
    const bool failed = i == 5, diverged = i == 3;
    t.status = failed     ? hs::TrialStatus::kFailed
               : diverged ? hs::TrialStatus::kDiverged
                          : hs::TrialStatus::kCompleted;
    t.seconds = 3.0 + 0.1 * epochs + u(rng);
    if (failed) {
      t.error = "trainer refused: warmup (30) >= epochs; see <b>config</b> & \"</script>\"";
      t.best_metric = NAN;
      t.test_acc = NAN;
      s.trials.push_back(std::move(t));
      s.findings.push_back({});
      continue;
    }
    // A quality from the distance of log10(lr) to 10^-2.5 (the synthetic optimum).
    const double q = std::exp(-std::pow(std::log10(lr) + 2.5, 2)) * (1 - 5 * wd);
    const double final_acc = 0.55 + 0.4 * q;
    t.layer_names = {"dense1", "dense2"};
    double best = -1;
    for (int e = 1; e <= epochs; ++e) {
      hs::EpochRow r;
      r.epoch = e;
      const double f = 1 - std::exp(-4.0 * e / epochs);
      r.lr = lr * 0.5 * (1 + std::cos(M_PI * (e - 1) / epochs));
      r.train_acc = std::min(1.0, final_acc * f + 0.03 * f + 0.01 * noise(rng));
      r.val_acc = std::min(1.0, final_acc * f + 0.015 * noise(rng));
      r.train_loss = 2.3 * (1 - f) + 0.3 * (1 - q) + 0.02 * noise(rng);
      r.val_loss = r.train_loss + 0.05 + 0.03 * noise(rng);
      r.seconds = e * 0.1;
      if (diverged && e > 4) {
        r.train_loss = e == 5 ? INFINITY : NAN;
        r.val_loss = NAN;
        r.train_acc = r.val_acc = 0.1;
      }
      t.curves.push_back(r);
      t.update_ratio.push_back({lr * (0.5 + 0.1 * noise(rng)) * 0.3, lr * 0.1 * (1 + 0.1 * u(rng))});
      if (r.val_acc > best) {
        best = r.val_acc;
        t.best_epoch = e;
      }
    }
    t.epochs = epochs;
    t.best_metric = diverged ? NAN : best;
    t.test_acc = diverged ? NAN : best - 0.01;
    std::vector<hs::Finding> f;
    if (diverged) {
      f.push_back({"diverged", "train_loss became inf at epoch 5 (lr 0.09 > \"safe\" <limit>)",
                   "lower the learning rate", 5, 5});
    } else if (i % 4 == 0) {
      f.push_back({"overfitting", "val_acc fell from 0.884 (epoch 6) to 0.861 while train_acc rose",
                   "more weight decay", 6, epochs});
      f.push_back({"update_ratio", "dense1's update/weight ratio 3e-2 above 1e-3", "", 1, epochs});
    } else {
      f.push_back({"healthy", "val_acc rose to " + std::to_string(best), "", 0, 0});
    }
    s.trials.push_back(std::move(t));
    s.findings.push_back(std::move(f));
  }
  return s;
}

inline int with_result(const Sweep& s) {
  int n = 0;
  for (const auto& t : s.trials) n += t.status != hs::TrialStatus::kDiverged && std::isfinite(t.best_metric);
  return n;
}

}  // namespace hs_test
