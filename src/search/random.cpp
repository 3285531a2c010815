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

namespace {

class RandomStrategy final : public Strategy {
 public:
  RandomStrategy(SearchSpace space, const StrategyOptions& o) : space_(std::move(space)), o_(o) {}
  StrategyKind kind() const override { return StrategyKind::kRandom; }
  std::optional<Trial> ask() override {
    if (next_ >= o_.trials) return std::nullopt;
    Trial t;
    t.id = next_++;
    t.values = decode(space_, random_point(o_.seed, t.id, cube_dims(space_)));
    return t;
  }
  void tell(int64_t, const Outcome&) override {}  // random search does not learn

 private:
  SearchSpace space_;
  StrategyOptions o_;
  int64_t next_ = 0;
};

}  // namespace

Result<std::unique_ptr<Strategy>> make_random(const StrategyOptions& o, const SearchSpace& space) {
  return std::unique_ptr<Strategy>(new RandomStrategy(space, o));
}

}  // namespace hs
