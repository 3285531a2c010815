#include "analysis/analysed.h"

#include "analysis/diagnosis.h"

namespace hs {

namespace {

std::vector<std::vector<Finding>> diagnose_all(const ResultsData& data) {
  const SweepContext ctx = sweep_context(data.trials, data.header.space);
  std::vector<std::vector<Finding>> out;
  for (const TrialRecord& t : data.trials) out.push_back(diagnose(t, ctx));
  return out;
}

}  // namespace

Result<AnalysedFile> analyse_file(const std::string& path) {
  AnalysedFile a;
  if (is_recipe_file(path)) {
    auto r = read_recipe(path);
    if (!r) return r.error();
    a.recipe = std::move(*r);
    a.step_findings.resize(a.recipe->steps.size());
    for (size_t k = 0; k < a.recipe->steps.size(); ++k) {
      const RecipeStep& step = a.recipe->steps[k];
      if (step.results && (step.group == kRecipeSteps[3] || step.group == kRecipeSteps[4]))
        a.step_findings[k] = diagnose_all(*step.results);
    }
    return a;
  }
  auto data = load_results(path);
  if (!data) return data.error();
  a.results = std::move(*data);
  a.findings = diagnose_all(a.results);
  return a;
}

Status each_diagnosed(const std::string& path, const DiagnosedVisitor& visit) {
  SweepContext context;
  ResultPass first, second;
  first.on_start = [&](const SweepHeader& h) {
    context = sweep_context({}, h.space);
    if (visit.on_start) visit.on_start(h, 0);
  };
  first.on_trial = [&](TrialRecord&& r, size_t place) {
    add_to_context(context, r, place);
    if (visit.count) visit.count(r, place);
  };
  second.on_start = [&](const SweepHeader& h) {
    if (visit.on_start) visit.on_start(h, 1);
  };
  second.on_trial = [&](TrialRecord&& r, size_t place) {
    if (visit.wants && !visit.wants(place)) return;
    std::vector<Finding> findings = diagnose(r, context);
    visit.use(std::move(r), std::move(findings), place);
  };
  return each_result_twice(path, first, second);
}

std::string labels_of(const std::vector<Finding>& findings) {
  std::string s;
  for (const Finding& f : findings) s += (s.empty() ? "" : ",") + f.label;
  return s;
}

}  // namespace hs
