// common.cpp: what the subcommands share (commands.h).
#include <charconv>
#include <climits>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>

#include "core/host.h"
#include "core/text.h"
#include "hypersweep/commands.h"

namespace hs::cli {

int fail(const Error& e) {
  print_error(e);
  return kExitConfig;
}

void print_error(const Error& e) {
  // printable: a NUL in a key or value (a TOML "a\u0000b") ended the message there, and a
  // control byte acted on the terminal.
  std::fprintf(stderr, "hypersweep: error: %s\n", printable(e.str(), true).c_str());
}

void warn_threads(const Launch& launch, int threads) {
  if (const std::string w = binding_warning(threads); !w.empty())
    std::fprintf(stderr, "hypersweep: warning: worker rank %d on %s: %s\n", launch.rank(),
                 host_name().c_str(), w.c_str());
  else if (const std::string c = launch.crowding_warning(threads);
           !c.empty() && launch.local_worker() == 0)  // once a node
    std::fprintf(stderr, "hypersweep: warning: %s: %s\n", host_name().c_str(), c.c_str());
}

CLI::Validator whole_in(long long lo, long long hi) {
  const std::string want = hi == LLONG_MAX ? "must be a whole number >= " + std::to_string(lo)
                                           : "must be a whole number from " + std::to_string(lo) +
                                                 " to " + std::to_string(hi);
  return CLI::Validator(
      [lo, hi, want](std::string& text) -> std::string {
        long long v = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, v);
        if (ec == std::errc::result_out_of_range) return want + ", got " + text + " (too large)";
        if (ec != std::errc() || ptr != end || v < lo || v > hi) return want + ", got " + text;
        return {};
      },
      "");  // the option's help says what its values mean
}

CLI::Validator whole_at_least(long long lo) { return whole_in(lo, LLONG_MAX); }

CLI::Validator non_empty_path(const std::string& what) {
  return CLI::Validator(
      [what](std::string& text) -> std::string {
        return text.empty() ? "an empty path: give " + what : std::string();
      },
      "");
}

Status distinct_output(const std::string& out, const std::string& what,
                       const std::vector<std::pair<std::string, std::string>>& inputs) {
  namespace fs = std::filesystem;
  // A path with its folders resolved but not its last part: a link there is replaced by the
  // output (core/file.h), not written through.
  const auto spelt = [](const fs::path& p) {
    std::error_code ec;
    return fs::weakly_canonical(fs::absolute(p, ec).parent_path(), ec) / p.filename();
  };
  for (const auto& [in, its] : inputs) {
    if (out.empty() || in.empty()) continue;
    std::error_code ec;
    const bool same = spelt(out) == spelt(in) ||
                      (!fs::is_symlink(out, ec) && fs::exists(out, ec) && fs::exists(in, ec) &&
                       fs::equivalent(out, in, ec));
    if (same)
      return make_error(out, what + " would replace " + its + " (" + in +
                                 "): give another path");
  }
  return {};
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
