// in_process.h: the executor of a run without workers: trials run one after another in this
// process (rank 0 of 1), on the objective `make` gives for each job (executor.h).
//
// May depend on: exec/executor.h. Thread safety: one thread.
#pragma once

#include <string>

#include "exec/executor.h"

namespace hs {

class InProcessExecutor final : public Executor {
 public:
  // `host`: this machine's name, for the records.
  InProcessExecutor(ObjectiveFactory make, std::string host)
      : make_(std::move(make)), host_(std::move(host)) {}
  int workers() const override { return 0; }
  Result<bool> run(const Job& job, TrialQueue& queue, const RunHooks& hooks) override;

 private:
  ObjectiveFactory make_;
  std::string host_;
};

}  // namespace hs
