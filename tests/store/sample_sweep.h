// sample_sweep.h: a sweep and its records for the tests of src/store: a header with a parameter
// of every kind, record i of a deterministic mix of every kind of trial, a scratch folder, and a
// file's bytes read and written whole (to damage it).
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "store/header.h"
#include "store/store_testing.h"
#include "trial/record.h"

namespace hs::test {

namespace fs = std::filesystem;

// This process's scratch folder, removed at exit (forked children leave through _exit, so only
// the parent removes it).
struct ScratchDir {
  fs::path dir;
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

inline std::string temp_path(const std::string& name) {
  static const ScratchDir scratch{fs::temp_directory_path() /
                                  ("hs_store_test_" + std::to_string(::getpid()))};
  const fs::path& dir = scratch.dir;
  fs::create_directories(dir);
  const fs::path p = dir / name;
  fs::remove(p);
  fs::remove(p.string() + ".journal");
  return p.string();
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

inline Param choice(const std::string& name, std::vector<ParamValue> vs, ParamKind kind = ParamKind::kChoice) {
  Param p;
  p.name = name;
  p.kind = kind;
  p.choices = std::move(vs);
  return p;
}

inline SweepHeader make_header() {
  SweepHeader h;
  h.config_text = "[sweep]\nstrategy = \"random\"\n# \xc3\xa9 unicode\n";
  h.config_hash = "abc123";
  h.strategy = "random";
  h.seed = 0xfedcba9876543210ULL;
  h.version = "0.1.0";
  h.start_time = "2024-05-01T12:00:00Z";
  h.metric = Metric{"val_acc", Direction::kMaximize};
  h.space.params = {real("lr", ParamKind::kLogUniform, 1e-4, 1e-1),
                    real("hidden", ParamKind::kInt, 16, 256),
                    choice("optimizer", {std::string("sgd"), std::string("adamw")}),
                    choice("nesterov", {true, false}),
                    choice("batch", {int64_t{32}, int64_t{64}}),
                    choice("dropout", {0.0, int64_t{1}, 0.5}),
                    choice("epochs_max", {int64_t{20}}, ParamKind::kFixed)};
  h.pruner = "hyperband";
  h.rungs = {{0, 0, 1, 9}, {0, 1, 3, 3}, {0, 2, 9, 1}, {1, 0, 3, 5}, {1, 1, 9, 1}};
  return h;
}

// Record i: a deterministic mix of every kind of trial.
inline TrialRecord make_record(int64_t i) {
  TrialRecord r;
  r.id = i;
  const TrialStatus statuses[] = {TrialStatus::kCompleted, TrialStatus::kEarlyStopped,
                                  TrialStatus::kDiverged,  TrialStatus::kFailed,
                                  TrialStatus::kInterrupted, TrialStatus::kPruned};
  r.status = statuses[i % 6];
  r.params = {ParamValue(1e-3 * static_cast<double>(i + 1)), ParamValue(int64_t{16 + i}),
              ParamValue(std::string(i % 2 ? "adamw" : "sgd")), ParamValue(i % 3 == 0),
              ParamValue(int64_t{32}), ParamValue(0.5), ParamValue(int64_t{20})};
  r.best_epoch = static_cast<int>(i % 5);
  r.best_metric = 0.5 + 0.01 * static_cast<double>(i);
  r.test_acc = 0.4 + 0.01 * static_cast<double>(i);
  r.initial_loss = std::log(10.0) + 0.001 * static_cast<double>(i);
  r.num_classes = static_cast<int>(2 + i % 9);
  r.epochs = static_cast<int>(i % 4);  // 0: empty curves
  r.seconds = 1.25 * static_cast<double>(i);
  r.rank = static_cast<int>(1 + i % 3);
  r.host = "node" + std::to_string(i);
  r.attempt = static_cast<int>(1 + i % 2);
  for (int e = 0; e < r.epochs; ++e) {
    r.curves.push_back({e, 0.1 / (e + 1), 1.0 / (e + 1), 0.1 * e, 1.1 / (e + 1), 0.09 * e, 0.5 * e});
  }
  if (r.epochs > 0) {
    r.layer_names = {"dense1", "dense2"};
    for (int e = 0; e < r.epochs; ++e) r.update_ratio.push_back({1e-3 * e, 2e-3 * e});
  }
  if (r.status == TrialStatus::kCompleted && i > 0) {  // through every rung of hyperband's bracket 0
    r.bracket = 0;
    r.rung = 2;
  }
  if (r.status == TrialStatus::kPruned) {  // as a hyperband pruner leaves one
    r.bracket = static_cast<int>(i % 2);
    r.rung = static_cast<int>(i / 6 % 3) - 1;  // -1: stopped before its first rung
    r.decision = "pruned at epoch " + std::to_string(r.epochs) + ": val_acc \"0.5\" not in the top 3";
  }
  if (r.status == TrialStatus::kFailed) {  // as trial_record() writes a trial that never trained
    r.error = "exit code 1\nTraceback: line \"x\"\n";
    r.best_metric = r.test_acc = r.initial_loss = std::nan("");
    r.num_classes = 0;
  }
  return r;
}

}  // namespace hs::test
