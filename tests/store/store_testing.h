// store_testing.h: what the tests of src/store share: a search-space parameter to write, and
// comparisons of what a file gives back with what was written (trial records and sweep headers,
// doubles bit for bit).
#pragma once

#include <bit>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "store/read_results.h"
#include "store/results_file.h"

namespace hs::test {

// A uniform, log_uniform or int parameter over [lo, hi].
inline Param real(const std::string& name, ParamKind kind, double lo, double hi) {
  Param p;
  p.name = name;
  p.kind = kind;
  p.lo = lo;
  p.hi = hi;
  return p;
}

// Bit for bit: NaN equals NaN, 0.0 differs from -0.0.
inline bool same(double a, double b) { return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b); }

inline void require_equal(const TrialRecord& a, const TrialRecord& b) {
  REQUIRE(a.id == b.id);
  REQUIRE(a.status == b.status);
  REQUIRE(a.params == b.params);
  for (size_t i = 0; i < a.params.size() && i < b.params.size(); ++i) {
    REQUIRE(a.params[i].index() == b.params[i].index());  // the type too: int64 1 is not 1.0
  }
  REQUIRE(a.best_epoch == b.best_epoch);
  REQUIRE(same(a.best_metric, b.best_metric));
  REQUIRE(same(a.test_acc, b.test_acc));
  REQUIRE(same(a.initial_loss, b.initial_loss));
  REQUIRE(a.num_classes == b.num_classes);
  REQUIRE(a.val_samples == b.val_samples);
  REQUIRE(a.epochs == b.epochs);
  REQUIRE(same(a.seconds, b.seconds));
  REQUIRE(a.rank == b.rank);
  REQUIRE(a.host == b.host);
  REQUIRE(a.curves.size() == b.curves.size());
  for (size_t e = 0; e < a.curves.size(); ++e) {
    REQUIRE(a.curves[e].epoch == b.curves[e].epoch);
    REQUIRE(same(a.curves[e].lr, b.curves[e].lr));
    REQUIRE(same(a.curves[e].train_loss, b.curves[e].train_loss));
    REQUIRE(same(a.curves[e].train_acc, b.curves[e].train_acc));
    REQUIRE(same(a.curves[e].val_loss, b.curves[e].val_loss));
    REQUIRE(same(a.curves[e].val_acc, b.curves[e].val_acc));
    REQUIRE(same(a.curves[e].seconds, b.curves[e].seconds));
  }
  REQUIRE(a.layer_names == b.layer_names);
  REQUIRE(a.update_ratio.size() == b.update_ratio.size());
  for (size_t e = 0; e < a.update_ratio.size(); ++e) {
    REQUIRE(a.update_ratio[e].size() == b.update_ratio[e].size());
    for (size_t j = 0; j < a.update_ratio[e].size(); ++j) REQUIRE(same(a.update_ratio[e][j], b.update_ratio[e][j]));
  }
  REQUIRE(a.error == b.error);
  REQUIRE(a.attempt == b.attempt);
  REQUIRE(a.curve_extra_names == b.curve_extra_names);
  REQUIRE(a.curve_extra.size() == b.curve_extra.size());
  for (size_t e = 0; e < a.curve_extra.size(); ++e) {
    REQUIRE(a.curve_extra[e].size() == b.curve_extra[e].size());
    for (size_t j = 0; j < a.curve_extra[e].size(); ++j) REQUIRE(same(a.curve_extra[e][j], b.curve_extra[e][j]));
  }
  REQUIRE(a.results.size() == b.results.size());
  for (size_t k = 0; k < a.results.size(); ++k) {
    REQUIRE(a.results[k].first == b.results[k].first);
    REQUIRE(same(a.results[k].second, b.results[k].second));
  }
  REQUIRE(a.log_path == b.log_path);
  REQUIRE(a.rung == b.rung);
  REQUIRE(a.bracket == b.bracket);
  REQUIRE(a.decision == b.decision);
}

inline void require_header_equal(const SweepHeader& a, const SweepHeader& b) {
  REQUIRE(a.config_text == b.config_text);
  REQUIRE(a.config_hash == b.config_hash);
  REQUIRE(a.strategy == b.strategy);
  REQUIRE(a.seed == b.seed);
  REQUIRE(a.version == b.version);
  REQUIRE(a.start_time == b.start_time);
  REQUIRE(a.metric == b.metric);
  REQUIRE(a.pruner == b.pruner);
  REQUIRE(a.rungs == b.rungs);
  REQUIRE(a.space.params.size() == b.space.params.size());
  for (size_t i = 0; i < a.space.params.size(); ++i) {
    REQUIRE(a.space.params[i].name == b.space.params[i].name);
    REQUIRE(a.space.params[i].kind == b.space.params[i].kind);
    REQUIRE(a.space.params[i].lo == b.space.params[i].lo);
    REQUIRE(a.space.params[i].hi == b.space.params[i].hi);
    REQUIRE(a.space.params[i].log == b.space.params[i].log);
    REQUIRE(a.space.params[i].grid == b.space.params[i].grid);
    REQUIRE(a.space.params[i].choices == b.space.params[i].choices);
    for (size_t j = 0; j < a.space.params[i].choices.size(); ++j) {
      REQUIRE(a.space.params[i].choices[j].index() == b.space.params[i].choices[j].index());
    }
  }
}

}  // namespace hs::test
