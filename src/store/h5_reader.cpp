// h5_reader.cpp: a results file read back from its HDF5 side alone: a trial group at a time for
// the reading children (layout_read.h), and its index (read_results_index, read_results.h).
#include <fcntl.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>

#include "core/bytes.h"
#include "core/file.h"
#include "h5/h5.h"
#include "search/space_text.h"
#include "store/child_read.h"
#include "store/h5_util.h"
#include "store/layout_read.h"
#include "store/layout.h"
#include "store/read_results.h"
#include "store/settled_read.h"
#include "trial/codec.h"
#include "trial/rungs.h"

namespace hs {

namespace {

using store::CurveRow;
using store::Layout;
using store::make_curve_type;
using store::make_layout;
using store::make_row_type;
using store::read_attr_string;
using store::read_attr_strings;
using store::trial_name;
using store::unpack_row;

// The root attributes pruner and rungs into h (files from before pruners have neither: none).
Status read_pruner(const std::string& path, hid_t file, SweepHeader* h) {
  const htri_t has_pruner = H5Aexists(file, "pruner");
  H5_TRY(has_pruner);
  if (has_pruner > 0) {
    auto v = read_attr_string(path, file, ".", "pruner");
    if (!v.ok()) return v.error();
    h->pruner = std::move(*v);
  }
  const htri_t has_rungs = H5Aexists(file, "rungs");
  H5_TRY(has_rungs);
  if (has_rungs == 0) return Status::Ok();
  auto v = store::read_attr_int64_table(path, file, "rungs", 4);
  if (!v.ok()) return v.error();
  for (size_t i = 0; i + 4 <= v->size(); i += 4) {
    for (size_t k = i; k < i + 3; ++k)  // bracket, rung and epoch are ints
      if ((*v)[k] < INT_MIN || (*v)[k] > INT_MAX)
        return make_error(path, "its rungs attribute holds " + std::to_string((*v)[k]) +
                                    " at row " + std::to_string(i / 4) + ", past an int (damaged?)");
    h->rungs.push_back({static_cast<int>((*v)[i]), static_cast<int>((*v)[i + 1]),
                        static_cast<int>((*v)[i + 2]), (*v)[i + 3]});
  }
  if (const std::string fault = schedule_fault(h->rungs); !fault.empty())
    return make_error(path, "its rungs attribute: " + fault + " (damaged?)");
  return Status::Ok();
}

Result<SweepHeader> read_header(const std::string& path, hid_t file) {
  SweepHeader h;
  for (auto [name, out] : {std::pair<const char*, std::string*>{"config", &h.config_text},
                           {"config_hash", &h.config_hash},
                           {"strategy", &h.strategy},
                           {"metric", &h.metric.name},
                           {"hypersweep_version", &h.version},
                           {"start_time", &h.start_time}}) {
    auto v = read_attr_string(path, file, ".", name);
    if (!v.ok()) return v.error();
    *out = std::move(*v);
  }
  // Files from before the direction was stored go by the metric's default direction.
  h.metric.direction = stored_default_direction(h.metric.name);
  const htri_t has_direction = H5Aexists(file, "direction");
  H5_TRY(has_direction);
  if (has_direction > 0) {
    auto v = read_attr_string(path, file, ".", "direction");
    if (!v.ok()) return v.error();
    const std::optional<Direction> d = parse_direction(*v);
    if (!d) return make_error(path, "root attribute direction is \"" + *v + "\", not max or min");
    h.metric.direction = *d;
  }
  {
    H5_OPEN(attr, H5Aopen(file, "seed", H5P_DEFAULT), H5Aclose);
    H5_TRY(H5Aread(attr.get(), H5T_NATIVE_UINT64, &h.seed));
  }
  if (Status st = read_pruner(path, file, &h); !st.ok()) return st.error();
  auto names = read_attr_strings(path, file, ".", "parameters");
  if (!names.ok()) return names.error();
  for (const std::string& name : *names) {
    auto text = read_attr_string(path, file, "space", name.c_str());
    if (!text.ok()) return text.error();
    auto p = parse_space_entry(name, *text);
    if (!p.ok()) return make_error(path, p.error().message);
    h.space.params.push_back(std::move(*p));
  }
  return h;
}

// A trial's `curves` dataset into r->curves; curve_type: make_curve_type's (made once a read).
Status read_curves(const std::string& path, hid_t g, hid_t curve_type, TrialRecord* r) {
  H5_OPEN(d, H5Dopen2(g, "curves", H5P_DEFAULT), H5Dclose);
  H5_OPEN(space, H5Dget_space(d.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  H5_TRY(n);
  std::vector<CurveRow> rows(static_cast<size_t>(n));
  if (n > 0) H5_TRY(H5Dread(d.get(), curve_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()));
  r->curves.clear();
  for (const CurveRow& c : rows) {
    r->curves.push_back({c.epoch, c.lr, c.train_loss, c.train_acc, c.val_loss, c.val_acc, c.seconds});
  }
  // The extra columns a command printed (files from before them have none).
  r->curve_extra_names.clear();
  r->curve_extra.clear();
  const htri_t has_extra = H5Aexists(d.get(), "extra_columns");
  H5_TRY(has_extra);
  if (has_extra == 0) return Status::Ok();
  auto names = read_attr_strings(path, d.get(), ".", "extra_columns");
  if (!names.ok()) return names.error();
  H5Id et(H5Tclose);
  if (Status st = store::make_doubles_type(path, store::curve_extra_columns(*names), &et); !st.ok())
    return st;
  std::vector<double> flat(static_cast<size_t>(n) * std::max<size_t>(names->size(), 1));
  if (n > 0 && !names->empty())
    H5_TRY(H5Dread(d.get(), et.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, flat.data()));
  r->curve_extra_names = std::move(*names);
  const size_t k = r->curve_extra_names.size();
  for (hssize_t i = 0; i < n; ++i)
    r->curve_extra.emplace_back(flat.begin() + static_cast<ptrdiff_t>(i * k),
                                flat.begin() + static_cast<ptrdiff_t>((i + 1) * k));
  return Status::Ok();
}

// A trial's results (attributes result_names and result_values), as printed.
Status read_results_of(const std::string& path, hid_t g, const std::string& where,
                       TrialRecord* r) {
  r->results.clear();
  const htri_t has = H5Aexists(g, "result_names");
  H5_TRY(has);
  if (has == 0) return Status::Ok();
  auto names = read_attr_strings(path, g, ".", "result_names");
  if (!names.ok()) return names.error();
  auto values = store::read_attr_doubles(path, g, ".", "result_values");
  if (!values.ok()) return values.error();
  if (names->size() != values->size())
    return make_error(path, where + " has " + std::to_string(names->size()) + " result_names for " +
                                std::to_string(values->size()) + " result_values");
  for (size_t i = 0; i < names->size(); ++i) r->results.emplace_back((*names)[i], (*values)[i]);
  return Status::Ok();
}

// A trial's `update_ratio` dataset and its layer_names into the record.
Status read_update_ratio(const std::string& path, hid_t g, const std::string& where,
                         TrialRecord* r) {
  H5_OPEN(d, H5Dopen2(g, "update_ratio", H5P_DEFAULT), H5Dclose);
  H5_OPEN(space, H5Dget_space(d.get()), H5Sclose);
  if (H5Sget_simple_extent_ndims(space.get()) != 2) {
    return make_error(path, where + "/update_ratio is not 2-D");
  }
  hsize_t dims[2] = {0, 0};
  H5_TRY(H5Sget_simple_extent_dims(space.get(), dims, nullptr));
  auto names = read_attr_strings(path, g, "update_ratio", "layer_names");
  if (!names.ok()) return names.error();
  r->layer_names = std::move(*names);
  if (dims[1] != r->layer_names.size()) {
    return make_error(path, where + "/update_ratio has " + std::to_string(dims[1]) +
                                " columns for " + std::to_string(r->layer_names.size()) +
                                " layer_names");
  }
  std::vector<double> flat(dims[0] * dims[1]);
  if (!flat.empty()) {
    H5_TRY(H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, flat.data()));
  }
  r->update_ratio.assign(dims[0], {});
  for (hsize_t e = 0; e < dims[0]; ++e) {
    r->update_ratio[e].assign(flat.begin() + static_cast<ptrdiff_t>(e * dims[1]),
                              flat.begin() + static_cast<ptrdiff_t>((e + 1) * dims[1]));
  }
  return Status::Ok();
}

// A trial's group: status, host, error, curves, update ratios. The summary row gave the rest.
Status read_trial_group(const std::string& path, hid_t trials, hid_t curve_type,
                        const std::string& summary_status, TrialRecord* r) {
  const std::string name = trial_name(r->id);
  const std::string where = "/trials/" + name;
  const htri_t there = H5Lexists(trials, name.c_str(), H5P_DEFAULT);
  H5_TRY(there);
  if (there == 0) {
    return make_error(path, "trial " + std::to_string(r->id) + " is in /summary but its group " +
                                where + " is missing");
  }
  H5_OPEN(g, H5Gopen2(trials, name.c_str(), H5P_DEFAULT), H5Gclose);
  // The group's status and host are whole (the /summary cells are cut to 16 and 64 bytes).
  std::string status = summary_status;
  for (auto [attr, out] : {std::pair<const char*, std::string*>{"status", &status},
                           {"host", &r->host},
                           {"error", &r->error},
                           {"log_path", &r->log_path},
                           {"decision", &r->decision}}) {
    const htri_t has = H5Aexists(g.get(), attr);
    H5_TRY(has);
    if (has == 0) continue;
    auto v = read_attr_string(path, g.get(), ".", attr);
    if (!v.ok()) return v.error();
    *out = std::move(*v);
  }
  const htri_t has_n = H5Aexists(g.get(), "val_samples");  // absent: unknown (trial/tie.h)
  H5_TRY(has_n);
  if (has_n > 0) {
    H5_OPEN(attr, H5Aopen(g.get(), "val_samples", H5P_DEFAULT), H5Aclose);
    H5_TRY(H5Aread(attr.get(), H5T_NATIVE_INT64, &r->val_samples));
  }
  const std::optional<TrialStatus> known = parse_status(status);
  if (!known)
    return make_error(path, "trial " + std::to_string(r->id) + " has status \"" + status +
                                "\", which this hypersweep does not know (a newer one wrote it?)");
  r->status = *known;
  if (Status st = read_curves(path, g.get(), curve_type, r); !st.ok()) return st;
  if (Status st = read_results_of(path, g.get(), where, r); !st.ok()) return st;
  return read_update_ratio(path, g.get(), where, r);
}

// The open results layout at `group` of the open file (root: "/" or ""), its /summary, /trials
// and /space there; errors name the path and the group.
Result<H5Id> open_layout(const std::string& path, hid_t file, const std::string& group) {
  const bool root = group.empty() || group == "/";
  if (!root) {
    const htri_t has = H5Lexists(file, group.c_str(), H5P_DEFAULT);
    H5_TRY(has);
    if (has == 0) return make_error(path, "has no group " + group);
  }
  H5_OPEN(loc, H5Gopen2(file, root ? "/" : group.c_str(), H5P_DEFAULT), H5Gclose);
  for (const char* obj : {"summary", "trials", "space"}) {
    const htri_t has = H5Lexists(loc.get(), obj, H5P_DEFAULT);
    H5_TRY(has);
    if (has == 0) {
      return make_error(path, (root ? std::string() : "group " + group + " ") + "has no /" + obj +
                                  ", so it is not a hypersweep results " +
                                  (root ? "file" : "layout"));
    }
  }
  return loc;
}

}  // namespace

Status store::each_layout_trial(const std::string& path, const std::string& group, Share share,
                                const LayoutVisit& visit, bool* opened) {
  constexpr hsize_t kRows = 4096;
  auto file = store::open_for_reading(path, "results file");
  if (!file.ok()) return file.error();
  auto loc = open_layout(path, file->get(), group);
  if (!loc.ok()) return loc.error();
  *opened = true;
  auto header = read_header(path, loc->get());
  if (!header.ok()) return header.error();
  auto layout = make_layout(path, header->space);
  if (!layout.ok()) return layout.error();
  const Layout& l = *layout;
  std::optional<H5Id> mtype;  // /summary's rows as unpack_row reads them
  std::vector<bool> present;
  hssize_t n = 0;
  {
    H5_OPEN(summary, H5Dopen2(loc->get(), "summary", H5P_DEFAULT), H5Dclose);
    H5_OPEN(ftype, H5Dget_type(summary.get()), H5Tclose);
    if (H5Tget_class(ftype.get()) != H5T_COMPOUND) {
      return make_error(path, "/summary is not a table (compound dataset)");
    }
    for (size_t k = 0; k < l.cols.size(); ++k) {
      present.push_back(H5Tget_member_index(ftype.get(), l.cols[k].name.c_str()) >= 0);
      // Only initial_loss, num_classes, attempt, pruned_epoch, rung and bracket may be missing:
      // files from before they existed.
      const std::string& name = l.cols[k].name;
      if (!present.back() && name != "initial_loss" && name != "num_classes" && name != "attempt" &&
          name != "pruned_epoch" && name != "rung" && name != "bracket") {
        return make_error(path, "/summary has no column " + l.cols[k].name);
      }
    }
    H5Eclear2(H5E_DEFAULT);
    auto mt = make_row_type(path, l, ftype.get());
    if (!mt.ok()) return mt.error();
    mtype.emplace(*mt, H5Tclose);
    H5_OPEN(space, H5Dget_space(summary.get()), H5Sclose);
    n = H5Sget_simple_extent_npoints(space.get());
    H5_TRY(n);
  }
  visit.header(*header);
  H5Id curve_type(H5Tclose);
  if (Status st = make_curve_type(path, &curve_type); !st.ok()) return st;
  std::vector<char> rows;
  const hsize_t start = share.first / kRows * kRows;
  const hsize_t stop = std::min(share.end, static_cast<uint64_t>(n));
  for (hsize_t at = start; at < stop; at += kRows) {
    if (at > start) {  // afresh: what the last piece left in libhdf5's memory goes with the file
      loc->reset();
      file->reset();
      file = store::open_for_reading(path, "results file");
      if (!file.ok()) return file.error();
      loc = open_layout(path, file->get(), group);
      if (!loc.ok()) return loc.error();
    }
    const hsize_t count = std::min<hsize_t>(kRows, static_cast<hsize_t>(n) - at);
    rows.assign(static_cast<size_t>(count) * l.row_bytes, 0);
    {
      H5_OPEN(summary, H5Dopen2(loc->get(), "summary", H5P_DEFAULT), H5Dclose);
      H5_OPEN(space, H5Dget_space(summary.get()), H5Sclose);
      H5_TRY(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &at, nullptr, &count, nullptr));
      H5_OPEN(mspace, H5Screate_simple(1, &count, nullptr), H5Sclose);
      H5_TRY(H5Dread(summary.get(), mtype->get(), mspace.get(), space.get(), H5P_DEFAULT, rows.data()));
    }
    H5_OPEN(trials, H5Gopen2(loc->get(), "trials", H5P_DEFAULT), H5Gclose);
    for (hsize_t row = at; row < at + count; ++row) {
      if (!share.mine(row)) continue;
      std::string status;
      const char* packed = rows.data() + (row - at) * l.row_bytes;
      TrialRecord r = unpack_row(l, header->space, present, packed, &status);
      if (Status st = read_trial_group(path, trials.get(), curve_type.get(), status, &r); !st.ok())
        return st.error();
      visit.trial(r);
      const bool block_ends =
          (row + 1) % store::kBlockRows == 0 || row + 1 == static_cast<hsize_t>(n);
      if (block_ends) visit.block_end();
    }
  }
  return {};
}

namespace {

// The root layout's header and its /summary id and seconds columns alone.
Result<ResultsIndex> read_index_raw(const std::string& path) {
  auto file = store::open_for_reading(path, "results file");
  if (!file.ok()) return file.error();
  auto loc = open_layout(path, file->get(), "/");
  if (!loc.ok()) return loc.error();
  ResultsIndex out;
  auto header = read_header(path, loc->get());
  if (!header.ok()) return header.error();
  out.header = std::move(*header);
  H5_OPEN(summary, H5Dopen2(loc->get(), "summary", H5P_DEFAULT), H5Dclose);
  struct Cells {
    int64_t id;
    double seconds;
  };
  H5_OPEN(cells_type, H5Tcreate(H5T_COMPOUND, sizeof(Cells)), H5Tclose);
  H5_TRY(H5Tinsert(cells_type.get(), "id", HOFFSET(Cells, id), H5T_NATIVE_INT64));
  H5_TRY(H5Tinsert(cells_type.get(), "seconds", HOFFSET(Cells, seconds), H5T_NATIVE_DOUBLE));
  H5_OPEN(space, H5Dget_space(summary.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  H5_TRY(n);
  // A file without the seconds column leaves them NaN (HDF5 converts the members both have).
  std::vector<Cells> cells(static_cast<size_t>(n), Cells{0, std::nan("")});
  if (n > 0)
    H5_TRY(H5Dread(summary.get(), cells_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, cells.data()));
  out.ids.reserve(cells.size());
  out.seconds.reserve(cells.size());
  for (const Cells& c : cells) {
    out.ids.push_back(c.id);
    out.seconds.push_back(c.seconds);
  }
  return out;
}

// The child's answer through the pipe: 1 and what `body` writes of the value; or 0 and the
// error's fields. A damaged file fails in some HDF5 call: the user reads that it does not read,
// not the call.
template <typename T, typename Body>
std::string encode_answer(const Result<T>& out, Body body) {
  ByteWriter w;
  w.pod<uint8_t>(out.ok() ? 1 : 0);
  if (out.ok()) {
    body(*out, w);
    return w.take();
  }
  // A file HDF5 had no memory to read is not damaged.
  const Error e = store::plain_h5_error(
      out.error(), h5_out_of_memory(out.error()) ? "cannot be read as a results file"
                                                 : "cannot be read as a results file (damaged?)");
  w.str(e.file);
  w.pod<int32_t>(e.line);
  w.str(e.key);
  w.str(e.message);
  return w.take();
}

// encode_answer's bytes read back; `body` reads the value and says whether it decoded.
template <typename T, typename Body>
Result<T> decode_answer(const std::string& path, const std::string& bytes, Body body) {
  ByteReader r(bytes);
  if (r.pod<uint8_t>() == 1) {
    T d{};
    if (body(r, &d) && r.done()) return d;
  } else {
    Error e;
    e.file = r.str();
    e.line = r.pod<int32_t>();
    e.key = r.str();
    e.message = r.str();
    if (r.done()) return e;
  }
  return make_error(path, "cannot be read as a results file: the reading process gave back "
                          "bytes that do not decode");
}

void write_index(const ResultsIndex& d, ByteWriter& w) {
  w.str(encode_header(d.header));
  w.pod<uint64_t>(d.ids.size());
  for (int64_t id : d.ids) w.pod<int64_t>(id);
  for (double s : d.seconds) w.pod<double>(s);
}

bool read_index(ByteReader& r, ResultsIndex* d) {
  const bool good = decode_header(r.str(), &d->header);
  d->ids.resize(r.count(8));
  for (int64_t& id : d->ids) id = r.pod<int64_t>();
  d->seconds.resize(d->ids.size());
  for (double& s : d->seconds) s = r.pod<double>();
  return good;
}

}  // namespace

std::string store::encode_read_error(const Error& e) {
  return encode_answer(Result<bool>(e), [](bool, ByteWriter&) {});
}

Error store::decode_read_error(const std::string& path, const std::string& bytes) {
  auto e = decode_answer<bool>(path, bytes, [](ByteReader&, bool*) { return true; });
  if (!e.ok()) return e.error();
  return make_error(path, "cannot be read as a results file: the reading process gave back "
                          "bytes that do not decode");
}

Result<ResultsIndex> read_results_index(const std::string& path) {
  return store::settled_read(path, [&]() -> Result<ResultsIndex> {
    std::string bytes;
    const Status st = store::read_in_child(
        path, [&](store::PipeWriter& w) { w.add(encode_answer(read_index_raw(path), write_index)); },
        [&](int fd, bool* eof) { return store::read_to_end(fd, &bytes, eof); });
    if (!st.ok()) return st.error();
    return decode_answer<ResultsIndex>(path, bytes, read_index);
  });
}

namespace {

// copy_records' work in the child: /records' bytes to fd, 4 MiB at a time.
Result<bool> copy_records_raw(const std::string& path, int fd) {
  auto file = store::open_for_reading(path, "results file");
  if (!file.ok()) return file.error();
  const htri_t has = H5Lexists(file->get(), "records", H5P_DEFAULT);
  H5_TRY(has);
  if (has == 0) return false;
  H5_OPEN(d, H5Dopen2(file->get(), "records", H5P_DEFAULT), H5Dclose);
  H5_OPEN(space, H5Dget_space(d.get()), H5Sclose);
  if (H5Sget_simple_extent_ndims(space.get()) != 1)
    return make_error(path, "cannot be read as a results file: /records is not one row of bytes");
  hsize_t size = 0;
  H5_TRY(H5Sget_simple_extent_dims(space.get(), &size, nullptr));
  constexpr hsize_t kPiece = hsize_t{4} << 20;
  std::string buf;
  for (hsize_t at = 0; at < size; at += kPiece) {
    const hsize_t n = std::min(kPiece, size - at);
    buf.resize(n);
    H5_TRY(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &at, nullptr, &n, nullptr));
    H5_OPEN(mspace, H5Screate_simple(1, &n, nullptr), H5Sclose);
    H5_TRY(H5Dread(d.get(), H5T_NATIVE_UINT8, mspace.get(), space.get(), H5P_DEFAULT, buf.data()));
    if (!write_all_fd(fd, buf))
      return make_error(path, "cannot copy its /records to a temporary file: " + errno_text());
  }
  return true;
}

}  // namespace

Result<bool> store::copy_records(const std::string& path, int fd) {
  std::string bytes;
  const Status st = store::read_in_child(
      path,
      [&](store::PipeWriter& w) {
        w.add(encode_answer(copy_records_raw(path, fd), [](bool has, ByteWriter& b) {
          b.pod<uint8_t>(has ? 1 : 0);
        }));
      },
      [&](int in, bool* eof) { return store::read_to_end(in, &bytes, eof); });
  if (!st.ok()) return st.error();
  return decode_answer<bool>(path, bytes, [](ByteReader& r, bool* has) {
    *has = r.pod<uint8_t>() == 1;
    return true;
  });
}

Result<TrialRecord> store::read_layout_row(const std::string& path, uint64_t row, int64_t id) {
  const auto once = [&]() -> Result<TrialRecord> {
    auto alone = [&]() -> Result<TrialRecord> {
      std::optional<TrialRecord> found;
      bool opened = false;
      LayoutVisit visit{[](const SweepHeader&) {}, [&](const TrialRecord& r) { found = r; }, [] {}};
      const Status st = each_layout_trial(path, "/", Share{0, 1, row, row + 1}, visit, &opened);
      if (!st.ok()) return st.error();
      if (!found || found->id != id)
        return make_error(path, "changed while it was read: /summary row " + std::to_string(row) +
                                    " is no longer trial " + std::to_string(id) + "; read again");
      return std::move(*found);
    };
    std::string bytes;
    const Status st = store::read_in_child(
        path,
        [&](store::PipeWriter& w) {
          w.add(encode_answer(alone(), [](const TrialRecord& r, ByteWriter& b) {
            b.str(encode_record(r));
          }));
        },
        [&](int fd, bool* eof) { return store::read_to_end(fd, &bytes, eof); });
    if (!st.ok()) return st.error();
    return decode_answer<TrialRecord>(path, bytes, [](ByteReader& r, TrialRecord* t) {
      return decode_record(r.str(), t);
    });
  };
  return store::settled_read(path, once);
}

}  // namespace hs
