// The grid strategy: the cartesian product of the parameters' grid values, in a fixed order
// (lecture 11.2.1), the first `trials` of it.
#include "core/text.h"
#include "search/strategies.h"

namespace hs {

namespace {

class GridStrategy final : public IndexedStrategy {
 public:
  GridStrategy(SearchSpace space, int64_t count) : IndexedStrategy(count), space_(std::move(space)) {}
  StrategyKind kind() const override { return StrategyKind::kGrid; }

 private:
  std::vector<ParamValue> values_for(int64_t id) const override { return grid_point(space_, id); }
  SearchSpace space_;
};

}  // namespace

Result<std::unique_ptr<Strategy>> make_grid(const StrategyOptions& o, const SearchSpace& space,
                                            std::vector<std::string>* notes) {
  const Result<int64_t> size = grid_size(space);
  if (!size) return size.error();
  if (o.trials > *size)
    return Error{{}, 0, "trials",
                 "the grid has " + counted(*size, "point") + ", fewer than trials = " +
                     std::to_string(o.trials) + "; lower trials or widen the grid"};
  std::string note = "grid: " + counted(*size, "point");
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
