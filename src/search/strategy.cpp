#include "search/strategy.h"

#include "search/strategies.h"

namespace hs {

const char* strategy_name(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::kGrid: return "grid";
    case StrategyKind::kRandom: return "random";
    case StrategyKind::kBayes: return "bayes";
    case StrategyKind::kTpe: return "tpe";
    case StrategyKind::kList: return "list";
  }
  return "?";
}

bool parse_strategy(std::string_view name, StrategyKind* out) {
  for (StrategyKind k : {StrategyKind::kGrid, StrategyKind::kRandom, StrategyKind::kBayes,
                         StrategyKind::kTpe, StrategyKind::kList}) {
    if (name == strategy_name(k)) {
      *out = k;
      return true;
    }
  }
  return false;
}

Result<std::unique_ptr<Strategy>> make_strategy(const StrategyOptions& options,
                                                const SearchSpace& space,
                                                std::vector<std::string>* notes) {
  // A list's rows may share a value (two configurations with the same lr); the other
  // strategies would only repeat or bias their draws with one.
  if (Status st = validate(space, options.kind == StrategyKind::kList); !st) return st.error();
  if (options.trials < 1 || options.trials > kMaxTrials)
    return Error{{}, 0, "trials", "must be 1 to " + std::to_string(kMaxTrials) + ", got " +
                                      std::to_string(options.trials)};
  switch (options.kind) {
    case StrategyKind::kGrid: return make_grid(options, space, notes);
    case StrategyKind::kRandom: return make_random(options, space);
    case StrategyKind::kBayes: return make_bayes(options, space);
    case StrategyKind::kTpe: return make_tpe(options, space);
    case StrategyKind::kList: return make_list(options, space, notes);
  }
  return Error{{}, 0, "strategy", "unknown strategy"};
}

}  // namespace hs
