// strategies.h: the constructors behind make_strategy(), one per strategy file, and what they
// share. Internal to src/search.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "search/strategy.h"

namespace hs {

Result<std::unique_ptr<Strategy>> make_grid(const StrategyOptions& o, const SearchSpace& space,
                                            std::vector<std::string>* notes);
Result<std::unique_ptr<Strategy>> make_list(const StrategyOptions& o, const SearchSpace& space,
                                            std::vector<std::string>* notes);
Result<std::unique_ptr<Strategy>> make_random(const StrategyOptions& o, const SearchSpace& space);
Result<std::unique_ptr<Strategy>> make_bayes(const StrategyOptions& o, const SearchSpace& space);
Result<std::unique_ptr<Strategy>> make_tpe(const StrategyOptions& o, const SearchSpace& space);

// A strategy whose trial i is a function of i alone (grid, list, random): ask() counts up to
// `count`, tell() has nothing to learn.
class IndexedStrategy : public Strategy {
 public:
  explicit IndexedStrategy(int64_t count) : count_(count) {}
  std::optional<Trial> ask() final {
    if (next_ >= count_) return std::nullopt;
    Trial t;
    t.id = next_++;
    t.values = values_for(t.id);
    return t;
  }
  void tell(int64_t, const Outcome&) final {}
  Status restore(const Trial& t) final {
    if (t.id != next_ || t.id >= count_ || values_for(t.id) != t.values)
      return Error{{}, 0, "", "recorded trial " + std::to_string(t.id) +
                                  " is not the one this strategy gives for that id"};
    ++next_;
    return {};
  }

 protected:
  virtual std::vector<ParamValue> values_for(int64_t id) const = 0;

 private:
  int64_t count_;
  int64_t next_ = 0;
};

// The random strategy's point for trial `id`: dims uniforms from derive_seed(seed, id, kSearch).
std::vector<double> random_point(uint64_t seed, int64_t id, int dims);

}  // namespace hs
