// strategy.h: the one interface every search strategy has, ask() and tell() (lecture 11.2.1 to
// 11.2.3), and the factory that builds one from its options.
//
//   ask()  -> the next trial: an id (0, 1, 2, ... in the order asked) and one value per parameter
//   tell() <- that trial's outcome, in any order, while other trials are still pending
// The scheduler (rank 0) asks for as many trials as it has free workers and tells outcomes as
// they come back, so strategies must give distinct trials while earlier ones are pending.
// Same seed, same trials: a trial's parameters depend on the seed and what had been told when it
// was asked, never on the wall clock or which worker runs it (random: on (seed, id) alone).
//
// May depend on: core, search/space, and the GP and TPE engines. Knows nothing of neural networks,
// MPI or files. Thread safety: one thread drives a strategy (rank 0's scheduler).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "search/space.h"

namespace hs {

// kList runs the configurations written out: trial i takes the i-th value of every choice.
enum class StrategyKind { kGrid, kRandom, kBayes, kTpe, kList };
const char* strategy_name(StrategyKind kind);  // "grid", "random", "bayes", "tpe", "list"
bool parse_strategy(std::string_view name, StrategyKind* out);

enum class Direction { kMaximize, kMinimize };

struct StrategyOptions {
  StrategyKind kind = StrategyKind::kRandom;
  int64_t trials = 20;                       // how many trials the sweep runs
  uint64_t seed = 0;                         // the sweep seed
  Direction direction = Direction::kMaximize;
  int n_init = 0;                            // bayes, tpe: start design size (0: automatic,
                                             // start_design_size)
};

// What a strategy is told of a finished trial: its metric value, or that it has none (it failed,
// diverged or was stopped); strategies treat every trial without a value alike.
struct Outcome {
  bool ok = true;
  double value = 0;  // the metric (ignored unless ok)
  static Outcome of(double v) { return Outcome{true, v}; }
  static Outcome none() { return Outcome{false, std::numeric_limits<double>::quiet_NaN()}; }
};

struct Trial {
  int64_t id = -1;
  std::vector<ParamValue> values;  // one per parameter of the space, in its order
  // 1 for its first run; a lost trial run again ([sweep] max_retries) counts up (sweep/queue.h
  // sets it; a command sees it as HYPERSWEEP_ATTEMPT).
  int attempt = 1;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual StrategyKind kind() const = 0;
  // The next trial, or nullopt when there is none left (the grid or list is done, or `trials`
  // reached).
  virtual std::optional<Trial> ask() = 0;
  // The outcome of trial `id`. REQUIRES: id came from ask() (or restore()) and is told once.
  virtual void tell(int64_t id, const Outcome& outcome) = 0;
  // Resume: takes back trial `t` from a results file as if ask() had just returned it (then
  // tell() its outcome, or leave it pending to run again). This rebuilds a learning strategy's
  // model from what was recorded, whatever order the trials were asked and told in, and lets an
  // asynchronous sweep resume. Errors: t.id is not the id ask() would give next, or the values
  // are not ones this strategy gives for that id (grid, list, random: a changed space or version).
  virtual Status restore(const Trial& t) = 0;
};

// A strategy for `space`. Errors: an invalid space; `trials` outside 1 to kMaxTrials (space.h);
// grid with a real range without `grid` points, or with `trials` larger than the grid; list with
// a parameter that is neither a choice nor fixed, choices of different lengths, or `trials`
// larger than their length (a space of fixed parameters only is a list of one). `notes`
// receives what the caller should say before the sweep starts (the grid's or list's size; one
// cut short by `trials`). Errors about `trials` carry key "trials" and no file: the caller
// knows where it was set.
Result<std::unique_ptr<Strategy>> make_strategy(const StrategyOptions& options,
                                                const SearchSpace& space,
                                                std::vector<std::string>* notes);

// Trial `id`'s values under the random strategy with sweep seed `seed`: what its ask() gives,
// from (seed, id) alone (a generated results file takes its trials' values from here, so that
// `hypersweep run` continues it).
std::vector<ParamValue> random_values(const SearchSpace& space, uint64_t seed, int64_t id);

// The start design of a learning strategy: the trials it runs before its model proposes
// anything, each known before any result (bayes: a Latin hypercube, tpe: uniform random points).
// Its size: options.n_init when set; else bayes 2d+2 between 5 and 20, d the GP's coordinates
// (each choice one coordinate per value, one-hot; fixed parameters none), tpe 10. Independent of
// options.trials: a sweep runs min(trials, size) of them, and only the trials after them depend
// on results. 0 for grid, random and list, whose every trial is fixed. The strategies themselves
// use it: this is the one rule.
int64_t start_design_size(const StrategyOptions& options, const SearchSpace& space);
// The coordinates bayes's GP sees for `space`, the d of its 2d+2: one per searched range, one
// per value of each choice (one-hot), none for a fixed parameter.
int gp_dims(const SearchSpace& space);
// The most coordinates bayes takes (make_strategy refuses more, naming the parameter that
// passes it): a proposal's candidates grow with them, and 100,000 (10 choices of 10,000 values)
// took 3.9 GB for the first ask. tpe has no such bound.
inline constexpr int kMaxGpDims = 4096;
// The most trials `kind` asks of `space` before it ends on its own: bayes never asks a point
// twice, so a space of ints and choices alone ends it once each of its discrete_points (discrete.h)
// was asked; +infinity for the others (tpe asks points again; grid's and list's sizes bound
// `trials` in make_strategy). The bayes strategy ends by it, and messages count with it.
double distinct_trials(StrategyKind kind, const SearchSpace& space);
// How the start design picks its points, for messages: "Latin-hypercube" (bayes), "random"
// (tpe); "" for grid, random and list.
const char* start_design_kind(StrategyKind kind);

// How many configurations the list strategy takes from `space`: the length of its choices (1
// for fixed parameters only). Errors, naming the parameter: one that is neither a choice nor
// fixed, choices of different lengths.
Result<int64_t> list_size(const SearchSpace& space);

}  // namespace hs
