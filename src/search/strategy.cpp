#include "search/strategy.h"

#include <algorithm>

#include "search/discrete.h"
#include "search/strategies.h"
#include "search/tpe.h"

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

double distinct_trials(StrategyKind kind, const SearchSpace& space) {
  return kind == StrategyKind::kBayes ? discrete_points(space)
                                      : std::numeric_limits<double>::infinity();
}

int gp_dims(const SearchSpace& space) {
  int d = 0;
  for (const Param& p : space.params) {
    if (p.kind == ParamKind::kFixed) continue;
    d += p.kind == ParamKind::kChoice ? static_cast<int>(p.choices.size()) : 1;
  }
  return d;
}

int64_t start_design_size(const StrategyOptions& options, const SearchSpace& space) {
  switch (options.kind) {
    case StrategyKind::kBayes:
      // Enough points to fit one length scale per coordinate, no more.
      return options.n_init > 0 ? options.n_init
                                : std::clamp<int64_t>(2 * int64_t{gp_dims(space)} + 2, 5, 20);
    case StrategyKind::kTpe:
      return options.n_init > 0 ? options.n_init : TpeOptions{}.n_startup;
    case StrategyKind::kGrid:
    case StrategyKind::kRandom:
    case StrategyKind::kList:
      return 0;
  }
  return 0;
}

const char* start_design_kind(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::kBayes: return "Latin-hypercube";
    case StrategyKind::kTpe: return "random";
    default: return "";
  }
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
  // A model needs a dimension to model: a space of fixed values is one configuration.
  const bool model = options.kind == StrategyKind::kBayes || options.kind == StrategyKind::kTpe;
  if (model && cube_dims(space) == 0)
    return Error{{}, 0, "strategy",
                 std::string(strategy_name(options.kind)) +
                     " needs a [space] parameter to search (a range or a choice of values); "
                     "every parameter here has one fixed value: give one a range, or use "
                     "strategy = \"list\" for this one configuration"};
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
