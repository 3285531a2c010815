// The list strategy: exactly the configurations written out, trial i taking the i-th value of
// every choice (a fixed parameter: its value), the first `trials` of them. The choice lists are
// zipped, not crossed as grid does, so a few chosen pairs (say the best of a coarse grid) run
// without the rest of their product.
#include "search/strategies.h"

namespace hs {

namespace {

class ListStrategy final : public IndexedStrategy {
 public:
  ListStrategy(SearchSpace space, int64_t count) : IndexedStrategy(count), space_(std::move(space)) {}
  StrategyKind kind() const override { return StrategyKind::kList; }

 private:
  std::vector<ParamValue> values_for(int64_t id) const override {
    std::vector<ParamValue> out;
    out.reserve(space_.params.size());
    for (const Param& p : space_.params)
      out.push_back(p.kind == ParamKind::kChoice ? p.choices[static_cast<size_t>(id)] : p.choices[0]);
    return out;
  }
  SearchSpace space_;
};

}  // namespace

Result<int64_t> list_size(const SearchSpace& space) {
  // Every choice must have the first choice's length: a shorter one has no value for the
  // trials past its end, and padding or cycling it would run configurations nobody wrote.
  const Param* first = nullptr;
  for (const Param& p : space.params) {
    if (p.kind == ParamKind::kFixed) continue;
    if (p.kind != ParamKind::kChoice)
      return Error{p.file, p.line, p.name,
                   "list needs explicit values: give " + p.name + " = [..] a list, not a " +
                       param_kind_name(p.kind) + " range"};
    if (first && p.choices.size() != first->choices.size())
      return Error{p.file, p.line, p.name,
                   "list needs lists of one length: " + first->name + " has " +
                       std::to_string(first->choices.size()) + " values, " + p.name + " has " +
                       std::to_string(p.choices.size())};
    if (!first) first = &p;
  }
  return first ? static_cast<int64_t>(first->choices.size()) : 1;
}

Result<std::unique_ptr<Strategy>> make_list(const StrategyOptions& o, const SearchSpace& space,
                                            std::vector<std::string>* notes) {
  const Result<int64_t> listed = list_size(space);
  if (!listed) return listed.error();
  const int64_t size = *listed;
  std::string names;
  for (const Param& p : space.params)
    if (p.kind != ParamKind::kFixed) names += (names.empty() ? "" : ", ") + p.name;
  if (o.trials > size)
    return Error{{}, 0, "trials",
                 "the list has " + std::to_string(size) + " configurations, fewer than trials = " +
                     std::to_string(o.trials) + "; lower trials or add configurations"};
  if (notes) {
    std::string note = "list: " + std::to_string(size) +
                       (size == 1 ? " configuration" : " configurations");
    if (!names.empty()) note += " (" + names + ")";
    notes->push_back(note);
    if (o.trials < size)
      notes->push_back("warning: trials = " + std::to_string(o.trials) + " runs only the first " +
                       std::to_string(o.trials) + " of the " + std::to_string(size) +
                       " configurations");
  }
  return std::unique_ptr<Strategy>(new ListStrategy(space, o.trials));
}

}  // namespace hs
