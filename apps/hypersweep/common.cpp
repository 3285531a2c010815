// common.cpp: what the subcommands share (commands.h).
#include <cstdio>
#include <ctime>

#include "hypersweep/commands.h"

namespace hs::cli {

int fail(const Error& e) {
  std::fprintf(stderr, "hypersweep: error: %s\n", e.str().c_str());
  return kExitConfig;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int run_ranks(Argv args, const RankMain& worker, const RankMain& driver) {
  auto launch = Launch::start(args.argc, args.argv);
  if (!launch) return fail(launch.error());
  const int node_threads = (*launch)->workers() > 0 ? (*launch)->node_threads() : 0;
  return (*launch)->is_worker() ? worker(**launch, node_threads) : driver(**launch, node_threads);
}

}  // namespace hs::cli
