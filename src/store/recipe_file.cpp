// recipe_file.cpp: the recipe's HDF5 file (recipe_file.h): written whole as <path>.tmp and
// renamed into place, read back group by group.
//
// Every HDF5 call goes through H5_TRY / H5_OPEN (store/h5_util.h); `path` in their scope is the
// file the error is about: the recipe file, or a step's results file while it is copied in.
#include "store/recipe_file.h"

#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <set>

#include "core/file.h"
#include "h5/h5.h"
#include "store/h5_util.h"
#include "store/journal.h"

namespace hs {
namespace {

using store::attr_number;
using store::attr_string;
using store::file_exists;
using store::in_group;
using store::read_attr_string;

constexpr char kKind[] = "hypersweep recipe";

// The names of a results layout's own objects (results_file.h): a step's series may not take
// them, since read_recipe() takes a group with a `summary` for a results layout.
const char* const kLayoutNames[] = {"summary", "trials", "space"};

// What write_recipe_file() relies on: the root's `steps` attribute joins the names with ','.
Status check_steps(const std::string& path, const std::vector<RecipeStepOut>& steps) {
  std::set<std::string> seen;
  for (const RecipeStepOut& s : steps) {
    if (s.group.empty() || s.group == "." || s.group.find_first_of("/,") != std::string::npos) {
      return make_error(path, "step group name \"" + s.group +
                                  "\" is not a plain HDF5 link name (empty, \".\", or with '/' "
                                  "or ',')");
    }
    if (!seen.insert(s.group).second) {
      return make_error(path, "step group name \"" + s.group + "\" is given twice");
    }
    for (const auto& number : s.numbers) {
      if (s.text.count(number.first) != 0) {
        return make_error(path, "step " + s.group + ": attribute " + number.first +
                                    " is given both as text and as a number");
      }
    }
    for (const auto& series : s.series) {
      for (const char* layout_name : kLayoutNames) {
        if (series.first == layout_name) {
          return make_error(path, "step " + s.group + ": a series may not be named " +
                                      series.first + " (an object of the results layout)");
        }
      }
    }
  }
  return Status::Ok();
}

// Removes attribute `name` of `loc` if it is there, so that a step's attribute replaces one its
// copied results root already has (config, say) instead of failing as a duplicate.
Status drop_attr(const std::string& path, hid_t loc, const char* name) {
  const htri_t has = H5Aexists(loc, name);
  H5_TRY(has);
  if (has > 0) H5_TRY(H5Adelete(loc, name));
  return Status::Ok();
}

// Copies the root of results file `path` (attributes, /space, /summary, /trials) to the new
// group `group` of `dst`.
Status copy_results_root(const std::string& path, hid_t dst, const std::string& group) {
  auto src = store::open_for_reading(path, "results file");
  if (!src.ok()) return src.error();
  // Checked here rather than left to read_recipe(), which would then take the group for a
  // plain step and drop its results without a word.
  const htri_t has = H5Lexists(src->get(), "summary", H5P_DEFAULT);
  H5_TRY(has);
  if (has == 0) return make_error(path, "has no /summary, so it is not a hypersweep results file");
  H5_TRY(H5Ocopy(src->get(), "/", dst, group.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  return Status::Ok();
}

// A step's own attributes and series, on its group `g`.
Status write_step_contents(const std::string& path, hid_t g, const RecipeStepOut& s) {
  for (const auto& [key, value] : s.text) {
    if (Status st = drop_attr(path, g, key.c_str()); !st.ok()) return st;
    if (Status st = attr_string(path, g, key.c_str(), value); !st.ok()) return st;
  }
  for (const auto& [key, value] : s.numbers) {
    if (Status st = drop_attr(path, g, key.c_str()); !st.ok()) return st;
    if (Status st = attr_number(path, g, key.c_str(), H5T_NATIVE_DOUBLE, value); !st.ok()) return st;
  }
  for (const auto& [key, values] : s.series) {
    const hsize_t n = values.size();
    H5_OPEN(space, H5Screate_simple(1, &n, nullptr), H5Sclose);
    H5_OPEN(d, H5Dcreate2(g, key.c_str(), H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            H5Dclose);
    if (n > 0) H5_TRY(H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()));
  }
  return Status::Ok();
}

Status write_step(const std::string& path, hid_t file, const RecipeStepOut& s) {
  const char* name = s.group.c_str();
  H5Id g(H5Gclose);
  if (!s.results_path.empty()) {
    if (Status c = copy_results_root(s.results_path, file, s.group); !c.ok()) {
      Error e = c.error();
      e.message += " (the results of step " + s.group + " of recipe file " + path + ")";
      return e;
    }
    g.reset(H5Gopen2(file, name, H5P_DEFAULT));
  } else {
    g.reset(H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  }
  if (!g.ok()) return h5_error(path, ("creating group " + s.group).c_str(), __FILE__, __LINE__);
  if (Status st = write_step_contents(path, g.get(), s); !st.ok()) return in_group(st.error(), s.group);
  return Status::Ok();
}

// The whole file as `tmp`; errors name `path`, the file the caller asked for.
Status write_tmp(const std::string& path, const std::string& tmp, const RecipeHeader& h,
                 const std::vector<RecipeStepOut>& steps) {
  // EXCL (O_CREAT | O_EXCL): a link planted at `tmp` fails this instead of being followed.
  H5Id file(H5Fcreate(tmp.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) return h5_error(path, ("H5Fcreate(" + tmp + ")").c_str(), __FILE__, __LINE__);
  std::string names;
  for (const RecipeStepOut& s : steps) names += (names.empty() ? "" : ",") + s.group;
  {
    H5_OPEN(root, H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose);
    if (Status s = attr_string(path, root.get(), "kind", kKind); !s.ok()) return s;
    for (auto [name, value] : {std::pair<const char*, const std::string*>{"config", &h.config_text},
                               {"config_hash", &h.config_hash},
                               {"hypersweep_version", &h.version},
                               {"start_time", &h.start_time},
                               {"status", &h.status},
                               {"steps", &names}}) {
      if (Status s = attr_string(path, root.get(), name, *value); !s.ok()) return s;
    }
  }
  for (const RecipeStepOut& s : steps) {
    if (Status st = write_step(path, file.get(), s); !st.ok()) return st;
  }
  H5_TRY(file.reset());
  return Status::Ok();
}

// A root attribute the recipe layout requires, as a string.
Result<std::string> root_string(const std::string& path, hid_t file, const char* name) {
  const htri_t has = H5Aexists_by_name(file, "/", name, H5P_DEFAULT);
  H5_TRY(has);
  if (has == 0) return make_error(path, std::string("has no root attribute ") + name);
  return read_attr_string(path, file, "/", name);
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t from = 0;
  for (;;) {
    const size_t comma = s.find(',', from);
    out.push_back(s.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
    if (comma == std::string::npos) return out;
    from = comma + 1;
  }
}

// The attributes of `g`: scalar strings into text, scalar floats into numbers. Others (the
// uint64 seed and the string list `parameters` of a copied results root) are not the step's.
Status read_step_attrs(const std::string& path, hid_t g, RecipeStep* step) {
  std::vector<std::string> names;
  hsize_t idx = 0;
  H5_TRY(H5Aiterate2(
      g, H5_INDEX_NAME, H5_ITER_INC, &idx,
      [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
        static_cast<std::vector<std::string>*>(out)->push_back(name);
        return 0;
      },
      &names));
  for (const std::string& name : names) {
    H5_OPEN(attr, H5Aopen(g, name.c_str(), H5P_DEFAULT), H5Aclose);
    H5_OPEN(type, H5Aget_type(attr.get()), H5Tclose);
    H5_OPEN(space, H5Aget_space(attr.get()), H5Sclose);
    if (H5Sget_simple_extent_type(space.get()) != H5S_SCALAR) continue;
    const H5T_class_t cls = H5Tget_class(type.get());
    if (cls == H5T_STRING) {
      auto v = read_attr_string(path, g, ".", name.c_str());
      if (!v.ok()) return v.error();
      step->text[name] = std::move(*v);
    } else if (cls == H5T_FLOAT) {
      double v = 0;
      H5_TRY(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v));
      step->numbers[name] = v;
    }
  }
  return Status::Ok();
}

// The 1-D float datasets directly in `g`, as doubles; *has_summary: whether `g` holds a results
// layout.
Status read_step_series(const std::string& path, hid_t g, RecipeStep* step, bool* has_summary) {
  H5G_info_t info;
  H5_TRY(H5Gget_info(g, &info));
  *has_summary = false;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    H5_TRY(len);
    std::string name(static_cast<size_t>(len) + 1, '\0');
    H5_TRY(H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT));
    name.resize(static_cast<size_t>(len));
    if (name == "summary") {
      *has_summary = true;
      continue;
    }
    H5_OPEN(obj, H5Oopen(g, name.c_str(), H5P_DEFAULT), H5Oclose);
    if (H5Iget_type(obj.get()) != H5I_DATASET) continue;  // trials, space
    H5_OPEN(type, H5Dget_type(obj.get()), H5Tclose);
    H5_OPEN(space, H5Dget_space(obj.get()), H5Sclose);
    if (H5Tget_class(type.get()) != H5T_FLOAT || H5Sget_simple_extent_ndims(space.get()) != 1) continue;
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    H5_TRY(n);
    std::vector<double> values(static_cast<size_t>(n));
    if (n > 0) {
      H5_TRY(H5Dread(obj.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()));
    }
    step->series[name] = std::move(values);
  }
  return Status::Ok();
}

Result<RecipeStep> read_step(const std::string& path, hid_t file, const std::string& group) {
  RecipeStep step;
  step.group = group;
  const htri_t has = H5Lexists(file, group.c_str(), H5P_DEFAULT);
  H5_TRY(has);
  if (has == 0) {
    return make_error(path, "step group /" + group + ", listed in the root attribute steps, is missing");
  }
  bool has_summary = false;
  {
    H5_OPEN(g, H5Gopen2(file, group.c_str(), H5P_DEFAULT), H5Gclose);
    if (Status s = read_step_attrs(path, g.get(), &step); !s.ok()) return in_group(s.error(), group);
    if (Status s = read_step_series(path, g.get(), &step, &has_summary); !s.ok()) {
      return in_group(s.error(), group);
    }
  }
  if (has_summary) {
    auto r = read_results(path, group);  // its errors name the group already
    if (!r.ok()) return r.error();
    step.results = std::move(*r);
  }
  return step;
}

}  // namespace

Status write_recipe_file(const std::string& path, const RecipeHeader& header,
                         const std::vector<RecipeStepOut>& steps) {
  if (Status s = check_steps(path, steps); !s.ok()) return s;
  const QuietHdf5 quiet;
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());  // a stale one (a crash) or a planted link: removed, never followed
  Status w = write_tmp(path, tmp, header, steps);
  if (w.ok()) w = replace_durably(tmp, path);
  if (!w.ok()) ::unlink(tmp.c_str());  // may not exist: H5Fcreate failed
  return w;
}

bool is_recipe_file(const std::string& path) {
  const QuietHdf5 quiet;
  auto file = store::open_for_reading(path, "recipe file");
  if (!file.ok()) return false;
  const htri_t has = H5Aexists_by_name(file->get(), "/", "kind", H5P_DEFAULT);
  if (has <= 0) return false;
  auto kind = read_attr_string(path, file->get(), "/", "kind");
  return kind.ok() && *kind == kKind;
}

Result<RecipeData> read_recipe(const std::string& path) {
  const QuietHdf5 quiet;
  auto file = store::open_for_reading(path, "recipe file");
  if (!file.ok()) return file.error();
  const hid_t f = file->get();
  {
    const htri_t has = H5Aexists_by_name(f, "/", "kind", H5P_DEFAULT);
    H5_TRY(has);
    auto kind = has > 0 ? read_attr_string(path, f, "/", "kind") : Result<std::string>(std::string());
    if (!kind.ok()) return kind.error();
    if (*kind != kKind) {
      const htri_t summary = H5Lexists(f, "summary", H5P_DEFAULT);
      return make_error(path, std::string("is not a hypersweep recipe file (its root has no "
                                          "attribute kind = \"") + kKind + "\")" +
                                  (summary > 0 ? ": it is a sweep's results file" : ""));
    }
  }
  RecipeData out;
  for (auto [name, value] : {std::pair<const char*, std::string*>{"config", &out.header.config_text},
                             {"config_hash", &out.header.config_hash},
                             {"hypersweep_version", &out.header.version},
                             {"start_time", &out.header.start_time},
                             {"status", &out.header.status}}) {
    auto v = root_string(path, f, name);
    if (!v.ok()) return v.error();
    *value = std::move(*v);
  }
  auto steps = root_string(path, f, "steps");
  if (!steps.ok()) return steps.error();
  for (const std::string& group : split_commas(*steps)) {
    auto step = read_step(path, f, group);
    if (!step.ok()) return step.error();
    out.steps.push_back(std::move(*step));
  }
  return out;
}

}  // namespace hs
