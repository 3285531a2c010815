// The tests' one main: Catch2's, and the trial host's when a test's isolated objective started
// this program as one (objective/forked_objective.h).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "objective/forked_objective.h"

int main(int argc, char** argv) {
  if (const int host = hs::run_trial_host_if_asked(argc, argv); host >= 0) return host;
  return Catch::Session().run(argc, argv);
}
