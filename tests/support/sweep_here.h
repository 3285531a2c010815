// sweep_here.h: a whole sweep run in this process, as `hypersweep run` without mpirun runs it
// (InProcessExecutor over the sweep's own objective), for tests that want its records.
#pragma once

#include <catch2/catch.hpp>

#include <span>
#include <string>
#include <vector>

#include "config/sweep_config.h"
#include "exec/in_process.h"
#include "sweep/queue.h"

namespace hs::test {

inline SweepConfig sweep_text(const std::string& text) {
  auto s = load_sweep_text(text, "sweep.toml");
  REQUIRE(s.ok());
  return std::move(*s);
}

// RunHooks::on_records from a hook of one record (and where the sweep stood once it was told):
// `f` is called for each record of the group in turn, the first error returned.
template <class F>
auto per_record(F f) {
  return [f](std::span<const TrialRecord> group, std::span<const Progress> progress) -> Status {
    for (size_t i = 0; i < group.size(); ++i)
      if (Status st = f(group[i], progress[i]); !st) return st;
    return Status{};
  };
}

// The sweep's records in the order they finished; `done`: records already in a results file.
inline Result<std::vector<TrialRecord>> sweep_here(const SweepConfig& sweep,
                                                   const std::vector<TrialRecord>& done = {}) {
  auto queue = TrialQueue::make(sweep, done);
  if (!queue) return queue.error();
  InProcessExecutor ex(
      [&](const Job&) -> Result<std::unique_ptr<Objective>> { return make_objective(sweep); },
      "here");
  std::vector<TrialRecord> out;
  RunHooks hooks;
  hooks.on_records = per_record([&](const TrialRecord& r, const Progress&) {
    out.push_back(r);
    return Status{};
  });
  auto ran = ex.run(Job{"sweep", ""}, *queue, hooks);
  if (!ran) return ran.error();
  return out;
}

}  // namespace hs::test
