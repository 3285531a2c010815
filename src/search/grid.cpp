// The grid strategy: the cartesian product of the parameters' grid values, in a fixed order
// (lecture 11.2.1), the first `trials` of it.
#include "search/strategies.h"

namespace hs {

namespace {

class GridStrategy final : public Strategy {
 public:
  GridStrategy(SearchSpace space, int64_t count) : space_(std::move(space)), count_(count) {}
  StrategyKind kind() const override { return StrategyKind::kGrid; }
  std::optional<Trial> ask() override {
    if (next_ >= count_) return std::nullopt;
    Trial t;
    t.id = next_++;
    t.values = grid_point(space_, t.id);
    return t;
  }
  void tell(int64_t, const Outcome&) override {}  // the grid does not learn

 private:
  SearchSpace space_;
  int64_t count_;
  int64_t next_ = 0;
};

}  // namespace

Result<std::unique_ptr<Strategy>> make_grid(const StrategyOptions& o, const SearchSpace& space,
                                            std::vector<std::string>* notes) {
  const Result<int64_t> size = grid_size(space);
  if (!size) return size.error();
  if (o.trials > *size)
    return Error{{}, 0, "trials",
                 "the grid has " + std::to_string(*size) + " points, fewer than trials = " +
                     std::to_string(o.trials) + "; lower trials or widen the grid"};
  std::string note = "grid: " + std::to_string(*size) + " points";
  std::string factors;
  for (const Param& p : space.params) {
    if (p.kind == ParamKind::kFixed) continue;
    SearchSpace one{{p}};
    factors += (factors.empty() ? "" : " x ") + std::to_string(*grid_size(one)) + " " + p.name;
  }
  if (!factors.empty()) note += " (" + factors + ")";
  if (notes) {
    notes->push_back(note);
    if (o.trials < *size)
      notes->push_back("warning: trials = " + std::to_string(o.trials) + " runs only the first " +
                       std::to_string(o.trials) + " of the " + std::to_string(*size) +
                       " grid points");
  }
  return std::unique_ptr<Strategy>(new GridStrategy(space, o.trials));
}

}  // namespace hs
