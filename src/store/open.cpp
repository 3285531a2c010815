#include "store/open.h"

#include "store/h5_util.h"
#include "store/layout.h"

namespace hs {

Result<OpenedResults> open_results(const std::string& path, const SweepHeader& h,
                                   const OpenPolicy& policy) {
  using store::file_exists;
  const bool exists = file_exists(path) &&
                      (!policy.replace_other || file_exists(path + ".journal"));
  auto fresh = [&]() -> Result<OpenedResults> {
    auto f = ResultsFile::create(path, h, policy.force || policy.replace_other);
    if (!f) return f.error();
    return OpenedResults{std::move(*f), false};
  };
  if (policy.force || (!exists && !policy.must_exist)) return fresh();
  if (!exists) return make_error(path, "nothing to resume: the results file does not exist");
  auto f = ResultsFile::open(path);
  if (!f) {
    Error e = f.error();
    if (!policy.replace_other)
      e.message += " (the file exists, so it is not overwritten: give another --out, or --force "
                   "to replace it)";
    return e;
  }
  const std::string diff = header_difference(f->header(), h);
  if (diff.empty()) return OpenedResults{std::move(*f), true};
  if (policy.replace_other) {
    (void)f->close();
    return fresh();
  }
  return make_error(path, "holds another sweep, so it is neither continued nor overwritten: " +
                              diff + "; give another --out, or --force to start over");
}

Status check_space_names(const SearchSpace& space) {
  for (const Param& p : space.params) {
    const auto layout = store::make_layout("", SearchSpace{{p}});
    if (!layout) return Error{p.file, p.line, p.name, layout.error().message};
  }
  return {};
}

}  // namespace hs
