// layout.cpp: the /summary and curves row types of layout.h, packing and unpacking rows.
#include "store/layout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "search/space_text.h"

namespace hs::store {

namespace {

const char* const kReserved[] = {"id",           "status",      "best_epoch", "best_metric",
                                 "test_acc",     "initial_loss", "num_classes", "epochs_run",
                                 "seconds",      "rank",        "host",       "attempt",
                                 "pruned_epoch", "rung",        "bracket",    "error"};

// The attributes of each trial's group (/trials/NNNNNN) besides its parameters' (h5_writer.cpp:
// H5Writer::write_group); a parameter is an attribute there too, so it cannot take one's name.
// id, status, host and error are /summary columns as well (kReserved).
const char* const kGroupAttributes[] = {"log_path", "decision", "val_samples", "result_names",
                                        "result_values"};

// ---- the /summary row layout -----------------------------------------------------------------

Column param_column(const Param& p) {
  if (p.kind == ParamKind::kUniform || p.kind == ParamKind::kLogUniform) {
    return {p.name, Col::kF64, 8};
  }
  if (p.kind == ParamKind::kInt) return {p.name, Col::kI64, 8};
  bool all_bool = !p.choices.empty(), all_int = !p.choices.empty(), any_str = false;
  size_t longest = 1;
  for (const ParamValue& v : p.choices) {
    all_bool = all_bool && std::holds_alternative<bool>(v);
    all_int = all_int && std::holds_alternative<int64_t>(v);
    if (const std::string* s = std::get_if<std::string>(&v)) {
      any_str = true;
      longest = std::max(longest, s->size());
    }
  }
  if (any_str) return {p.name, Col::kStr, longest};
  if (all_bool) return {p.name, Col::kI8, 1};
  if (all_int) return {p.name, Col::kI64, 8};
  return {p.name, Col::kF64, 8};
}

template <class T>
void put(std::vector<char>* row, const Column& c, T v) {
  std::memcpy(row->data() + c.offset, &v, sizeof(T));
}

void put_value(std::vector<char>* row, const Column& c, const ParamValue& v) {
  double d = 0;
  std::string s;
  if (const bool* b = std::get_if<bool>(&v)) { d = *b ? 1 : 0; s = *b ? "true" : "false"; }
  if (const int64_t* i = std::get_if<int64_t>(&v)) { d = static_cast<double>(*i); s = param_to_string(v); }
  if (const double* x = std::get_if<double>(&v)) { d = *x; s = param_to_string(v); }
  if (const std::string* t = std::get_if<std::string>(&v)) { s = *t; d = std::nan(""); }
  switch (c.kind) {
    case Col::kI8: put<int8_t>(row, c, static_cast<int8_t>(d != 0)); break;
    case Col::kI32: put<int32_t>(row, c, static_cast<int32_t>(d)); break;
    case Col::kI64:
      put<int64_t>(row, c, std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v)
                                                               : static_cast<int64_t>(std::llround(d)));
      break;
    case Col::kF64: put<double>(row, c, d); break;
    case Col::kStr: std::memcpy(row->data() + c.offset, s.data(), std::min(s.size(), c.size)); break;
  }
}

template <class T>
T get(const char* row, const Column& c) {
  T v;
  std::memcpy(&v, row + c.offset, sizeof(T));
  return v;
}

std::string get_string(const char* row, const Column& c) {
  return std::string(row + c.offset, strnlen(row + c.offset, c.size));
}

// A parameter's /summary cell, typed per its kind: a choice gives back the choice's own value
// (int64 1 in a column of doubles stays int64).
ParamValue get_param(const char* row, const Column& c, const Param& p) {
  switch (c.kind) {
    case Col::kI8: return ParamValue(get<int8_t>(row, c) != 0);
    case Col::kI32: return ParamValue(int64_t{get<int32_t>(row, c)});
    case Col::kI64: return ParamValue(get<int64_t>(row, c));
    case Col::kStr: return ParamValue(get_string(row, c));
    case Col::kF64: break;
  }
  const double d = get<double>(row, c);
  if (p.kind == ParamKind::kChoice || p.kind == ParamKind::kFixed) {
    for (const ParamValue& v : p.choices) {
      if (const int64_t* i = std::get_if<int64_t>(&v); i && static_cast<double>(*i) == d) return v;
      if (const double* x = std::get_if<double>(&v); x && *x == d) return v;
    }
  }
  return ParamValue(d);
}

}  // namespace

namespace {

// `name`, or with `prefix` in front (again and again) while `taken` says the name is used.
template <class Taken>
std::string free_name(std::string name, const char* prefix, const Taken& taken) {
  while (taken(name)) name = prefix + name;
  return name;
}

}  // namespace

bool has_results_of(const Layout& l, const TrialRecord& r) {
  if (l.results.size() >= kMaxExtraNames) return true;  // full: later names have no column
  // A name without a column, and room for one: the layout is made again with it. (result_
  // in front of a clashing name: within the budget's margin.)
  return std::none_of(r.results.begin(), r.results.end(), [&](const auto& kv) {
    return std::find(l.results.begin(), l.results.end(), kv.first) == l.results.end() &&
           l.type_cost + column_cost(kv.first) <= kRowTypeBudget;
  });
}

namespace {

// The fixed columns after the parameters (trial/record.h's fields, pruning's).
const std::vector<Column>& fixed_after() {
  static const std::vector<Column> cols = {
      {"best_epoch", Col::kI32, 4}, {"best_metric", Col::kF64, 8}, {"test_acc", Col::kF64, 8},
      {"initial_loss", Col::kF64, 8}, {"num_classes", Col::kI32, 4}, {"epochs_run", Col::kI32, 4},
      {"seconds", Col::kF64, 8}, {"rank", Col::kI32, 4}, {"host", Col::kStr, kHostLen},
      {"attempt", Col::kI32, 4}, {"pruned_epoch", Col::kI32, 4}, {"rung", Col::kI32, 4},
      {"bracket", Col::kI32, 4}};
  return cols;
}

}  // namespace

int too_wide_from(const SearchSpace& space) {
  size_t cost = column_cost("id") + column_cost("status");
  for (const Column& c : fixed_after()) cost += column_cost(c.name);
  for (size_t i = 0; i < space.params.size(); ++i) {
    cost += column_cost(space.params[i].name);
    if (cost > kRowTypeBudget) return static_cast<int>(i);
  }
  return -1;
}

Result<Layout> make_layout(const std::string& path, const SearchSpace& space,
                           const std::vector<std::string>& results) {
  Layout l;
  l.cols.push_back({"id", Col::kI64, 8});
  l.cols.push_back({"status", Col::kStr, kStatusLen});
  for (const Param& p : space.params) {
    for (const char* r : kReserved) {
      if (p.name == r) {
        return make_error(path, "parameter \"" + p.name +
                                    "\" has the name of a /summary column (id, status, best_epoch, "
                                    "best_metric, test_acc, initial_loss, num_classes, "
                                    "epochs_run, seconds, rank, host, attempt, pruned_epoch, "
                                    "rung, bracket) or error (a failed "
                                    "trial's message): rename it in [space]");
      }
    }
    l.cols.push_back(param_column(p));
  }
  for (const Column& c : fixed_after()) l.cols.push_back(c);
  if (const int at = too_wide_from(space); at >= 0)
    return make_error(path, "its [space] is too wide for a results file's /summary row: with "
                            "parameter \"" + space.params[static_cast<size_t>(at)].name +
                            "\" (number " + std::to_string(at + 1) + ") the columns' names pass "
                            "what HDF5 keeps of a type (64 KiB): fewer or shorter names");
  for (const Column& c : l.cols) l.type_cost += column_cost(c.name);
  const std::vector<std::string> columns = result_columns(space, results);
  for (size_t i = 0; i < results.size(); ++i) {
    if (l.type_cost + column_cost(columns[i]) > kRowTypeBudget) break;  // the rest: groups only
    l.cols.push_back({columns[i], Col::kF64, 8});
    l.results.push_back(results[i]);
    l.type_cost += column_cost(columns[i]);
  }
  for (Column& c : l.cols) {
    c.offset = l.row_bytes;
    l.row_bytes += c.size;
  }
  return l;
}

// The packed compound type of a /summary row (same in memory and in the file). With `only_in`
// (a compound type read from a file), the columns that type lacks are left out (at the same
// offsets), so an older file reads with its columns only.
Result<hid_t> make_row_type(const std::string& path, const Layout& l, hid_t only_in) {
  H5_OPEN(t, H5Tcreate(H5T_COMPOUND, l.row_bytes), H5Tclose);
  for (const Column& c : l.cols) {
    if (only_in >= 0 && H5Tget_member_index(only_in, c.name.c_str()) < 0) continue;
    hid_t member = -1;
    switch (c.kind) {
      case Col::kI8: member = H5T_NATIVE_INT8; break;
      case Col::kI32: member = H5T_NATIVE_INT32; break;
      case Col::kI64: member = H5T_NATIVE_INT64; break;
      case Col::kF64: member = H5T_NATIVE_DOUBLE; break;
      case Col::kStr: {
        H5_OPEN(s, H5Tcopy(H5T_C_S1), H5Tclose);
        H5_TRY(H5Tset_size(s.get(), c.size));
        H5_TRY(H5Tset_strpad(s.get(), H5T_STR_NULLPAD));
        H5_TRY(H5Tinsert(t.get(), c.name.c_str(), c.offset, s.get()));
        continue;
      }
    }
    H5_TRY(H5Tinsert(t.get(), c.name.c_str(), c.offset, member));
  }
  return t.release();
}

std::vector<char> pack_row(const Layout& l, const TrialRecord& r) {
  std::vector<char> row(l.row_bytes, 0);
  size_t k = 0;
  put<int64_t>(&row, l.cols[k++], r.id);
  put_value(&row, l.cols[k++], std::string(status_name(r.status)));
  for (const ParamValue& v : r.params) put_value(&row, l.cols[k++], v);
  put<int32_t>(&row, l.cols[k++], r.best_epoch);
  put<double>(&row, l.cols[k++], r.best_metric);
  put<double>(&row, l.cols[k++], r.test_acc);
  put<double>(&row, l.cols[k++], r.initial_loss);
  put<int32_t>(&row, l.cols[k++], r.num_classes);
  put<int32_t>(&row, l.cols[k++], r.epochs);
  put<double>(&row, l.cols[k++], r.seconds);
  put<int32_t>(&row, l.cols[k++], r.rank);
  put_value(&row, l.cols[k++], r.host);
  put<int32_t>(&row, l.cols[k++], r.attempt);
  put<int32_t>(&row, l.cols[k++], pruned_epoch(r));
  put<int32_t>(&row, l.cols[k++], r.rung);
  put<int32_t>(&row, l.cols[k++], r.bracket);
  for (const std::string& name : l.results) put<double>(&row, l.cols[k++], result_value(r, name));
  return row;
}

std::string trial_name(int64_t id) {
  char b[32];
  std::snprintf(b, sizeof b, "%06lld", static_cast<long long>(id));
  return b;
}

// ---- curves --------------------------------------------------------------------------------------

// The HDF5 compound type of a CurveRow, for writing and reading `curves`.
Status make_curve_type(const std::string& path, H5Id* out) {
  H5_OPEN(t, H5Tcreate(H5T_COMPOUND, sizeof(CurveRow)), H5Tclose);
  H5_TRY(H5Tinsert(t.get(), "epoch", HOFFSET(CurveRow, epoch), H5T_NATIVE_INT32));
  H5_TRY(H5Tinsert(t.get(), "lr", HOFFSET(CurveRow, lr), H5T_NATIVE_DOUBLE));
  H5_TRY(H5Tinsert(t.get(), "train_loss", HOFFSET(CurveRow, train_loss), H5T_NATIVE_DOUBLE));
  H5_TRY(H5Tinsert(t.get(), "train_acc", HOFFSET(CurveRow, train_acc), H5T_NATIVE_DOUBLE));
  H5_TRY(H5Tinsert(t.get(), "val_loss", HOFFSET(CurveRow, val_loss), H5T_NATIVE_DOUBLE));
  H5_TRY(H5Tinsert(t.get(), "val_acc", HOFFSET(CurveRow, val_acc), H5T_NATIVE_DOUBLE));
  H5_TRY(H5Tinsert(t.get(), "seconds", HOFFSET(CurveRow, seconds), H5T_NATIVE_DOUBLE));
  *out = std::move(t);
  return {};
}

std::string group_attribute_clash(const std::string& name) {
  for (const char* a : kGroupAttributes)
    if (name == a)
      return "parameter \"" + name + "\" has the name of an attribute of each trial's group "
             "(/trials/NNNNNN: log_path, decision, val_samples, result_names, result_values), "
             "where the parameters are attributes too: rename it in [space]";
  return "";
}

std::vector<std::string> result_columns(const SearchSpace& space,
                                        const std::vector<std::string>& results) {
  std::vector<std::string> out;
  for (const std::string& name : results) {
    const auto taken = [&](const std::string& n) {
      return std::find(out.begin(), out.end(), n) != out.end() ||
             std::any_of(space.params.begin(), space.params.end(),
                         [&](const Param& p) { return p.name == n; }) ||
             std::any_of(std::begin(kReserved), std::end(kReserved), [&](const char* r) { return n == r; });
    };
    out.push_back(free_name(name, "result_", taken));
  }
  return out;
}

std::vector<std::string> curve_extra_columns(const std::vector<std::string>& names,
                                             const std::vector<std::string>& also_taken) {
  std::vector<std::string> out;
  for (const std::string& name : names) {
    const auto taken = [&](const std::string& n) {
      static const char* const kFixed[] = {"epoch",   "lr",      "train_loss", "train_acc",
                                           "val_loss", "val_acc", "seconds"};
      return std::find(out.begin(), out.end(), n) != out.end() ||
             std::find(also_taken.begin(), also_taken.end(), n) != also_taken.end() ||
             std::any_of(std::begin(kFixed), std::end(kFixed), [&](const char* f) { return n == f; });
    };
    out.push_back(free_name(name, "extra_", taken));
  }
  return out;
}

Status make_doubles_type(const std::string& path, const std::vector<std::string>& members,
                         H5Id* out) {
  H5_OPEN(t, H5Tcreate(H5T_COMPOUND, 8 * std::max<size_t>(members.size(), 1)), H5Tclose);
  for (size_t j = 0; j < members.size(); ++j)
    H5_TRY(H5Tinsert(t.get(), members[j].c_str(), 8 * j, H5T_NATIVE_DOUBLE));
  *out = std::move(t);
  return {};
}

TrialRecord unpack_row(const Layout& l, const SearchSpace& space, const std::vector<bool>& present,
                       const char* row, std::string* status) {
  TrialRecord r;
  size_t k = 0;
  r.id = get<int64_t>(row, l.cols[k++]);
  *status = get_string(row, l.cols[k++]);
  for (size_t j = 0; j < space.params.size(); ++j, ++k)
    r.params.push_back(get_param(row, l.cols[k], space.params[j]));
  r.best_epoch = get<int32_t>(row, l.cols[k++]);
  r.best_metric = get<double>(row, l.cols[k++]);
  r.test_acc = get<double>(row, l.cols[k++]);
  r.initial_loss = present[k] ? get<double>(row, l.cols[k]) : NAN;
  ++k;
  r.num_classes = present[k] ? get<int32_t>(row, l.cols[k]) : 0;
  ++k;
  r.epochs = get<int32_t>(row, l.cols[k++]);
  r.seconds = get<double>(row, l.cols[k++]);
  r.rank = get<int32_t>(row, l.cols[k++]);
  r.host = get_string(row, l.cols[k++]);
  r.attempt = present[k] ? get<int32_t>(row, l.cols[k]) : 1;
  k += 2;  // pruned_epoch: the status and epochs_run give it (pruned_epoch, trial/record.h)
  r.rung = present[k] ? get<int32_t>(row, l.cols[k]) : -1;
  ++k;
  r.bracket = present[k] ? get<int32_t>(row, l.cols[k]) : -1;
  return r;
}

}  // namespace hs::store
