// The random strategy (lecture 11.2.2): each coordinate of the unit cube uniform, so log ranges
// are uniform in log space. Trial i's point comes from its own stream derive_seed(seed, i), so
// it depends on (seed, i) alone, whatever the order in which outcomes come back.
#include "core/rng.h"
#include "search/strategies.h"

namespace hs {

std::vector<double> random_point(uint64_t seed, int64_t id, int dims) {
  Rng rng(derive_seed(seed, static_cast<uint64_t>(id), SeedPurpose::kSearch));
  std::vector<double> u(dims);
  for (double& x : u) x = rng.uniform();
  return u;
}

std::vector<ParamValue> random_values(const SearchSpace& space, uint64_t seed, int64_t id) {
  return decode(space, random_point(seed, id, cube_dims(space)));
}

namespace {

class RandomStrategy final : public IndexedStrategy {
 public:
  RandomStrategy(SearchSpace space, const StrategyOptions& o)
      : IndexedStrategy(o.trials), space_(std::move(space)), seed_(o.seed) {}
  StrategyKind kind() const override { return StrategyKind::kRandom; }

 private:
  std::vector<ParamValue> values_for(int64_t id) const override {
    return random_values(space_, seed_, id);
  }
  SearchSpace space_;
  uint64_t seed_;
};

}  // namespace

Result<std::unique_ptr<Strategy>> make_random(const StrategyOptions& o, const SearchSpace& space) {
  return std::unique_ptr<Strategy>(new RandomStrategy(space, o));
}

}  // namespace hs
