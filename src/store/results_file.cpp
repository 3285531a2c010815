// results_file.cpp: the HDF5 view of the journal and the ResultsFile glue (results_file.h).
//
// Every HDF5 call goes through H5_TRY / H5_OPEN (store/h5_util.h), which turn a failure into an
// hs::Error naming the results file, the call, this file and line, and HDF5's innermost message.
// Every id is held by an H5Id, so it is closed on every return path.
#include "store/results_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include "core/file.h"
#include "h5/h5.h"
#include "store/h5_util.h"
#include "store/journal.h"
#include "trial/codec.h"

namespace hs {
namespace {

using store::attr_number;
using store::attr_string;
using store::file_exists;
using store::read_attr_string;

// ---- attributes ------------------------------------------------------------------------------

Status attr_strings(const std::string& path, hid_t loc, const char* name,
                    const std::vector<std::string>& v) {
  H5_OPEN(type, H5Tcopy(H5T_C_S1), H5Tclose);
  H5_TRY(H5Tset_size(type.get(), H5T_VARIABLE));
  H5_TRY(H5Tset_cset(type.get(), H5T_CSET_UTF8));
  const hsize_t n = v.size();
  H5_OPEN(space, H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5_OPEN(attr, H5Acreate2(loc, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  std::vector<const char*> ptrs;
  for (const std::string& s : v) ptrs.push_back(s.c_str());
  if (!ptrs.empty()) H5_TRY(H5Awrite(attr.get(), type.get(), ptrs.data()));
  return Status::Ok();
}

Status attr_value(const std::string& path, hid_t loc, const char* name, const ParamValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) {
    return attr_number<int8_t>(path, loc, name, H5T_NATIVE_INT8, *b ? 1 : 0);
  }
  if (const int64_t* i = std::get_if<int64_t>(&v)) {
    return attr_number(path, loc, name, H5T_NATIVE_INT64, *i);
  }
  if (const double* d = std::get_if<double>(&v)) {
    return attr_number(path, loc, name, H5T_NATIVE_DOUBLE, *d);
  }
  return attr_string(path, loc, name, std::get<std::string>(v));
}

// ---- the /summary row layout -----------------------------------------------------------------

enum class Col { kI8, kI32, kI64, kF64, kStr };

struct Column {
  std::string name;
  Col kind;
  size_t size;  // bytes; strings: the fixed length
  size_t offset = 0;
};

constexpr size_t kStatusLen = 16;
constexpr size_t kHostLen = 64;
const char* const kReserved[] = {"id",           "status",      "best_epoch", "best_metric",
                                 "test_acc",     "initial_loss", "num_classes", "epochs_run",
                                 "seconds",      "rank",        "host",       "error"};

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

struct Layout {
  std::vector<Column> cols;  // id, status, params..., the rest
  size_t row_bytes = 0;
};

Result<Layout> make_layout(const std::string& path, const SearchSpace& space) {
  Layout l;
  l.cols.push_back({"id", Col::kI64, 8});
  l.cols.push_back({"status", Col::kStr, kStatusLen});
  for (const Param& p : space.params) {
    for (const char* r : kReserved) {
      if (p.name == r) {
        return make_error(path, "parameter \"" + p.name +
                                    "\" has the name of a /summary column (id, status, best_epoch, "
                                    "best_metric, test_acc, initial_loss, num_classes, "
                                    "epochs_run, seconds, rank, host) or error (a failed "
                                    "trial's message): rename it in [space]");
      }
    }
    l.cols.push_back(param_column(p));
  }
  for (const Column& c : std::vector<Column>{{"best_epoch", Col::kI32, 4},
                                             {"best_metric", Col::kF64, 8},
                                             {"test_acc", Col::kF64, 8},
                                             {"initial_loss", Col::kF64, 8},
                                             {"num_classes", Col::kI32, 4},
                                             {"epochs_run", Col::kI32, 4},
                                             {"seconds", Col::kF64, 8},
                                             {"rank", Col::kI32, 4},
                                             {"host", Col::kStr, kHostLen}}) {
    l.cols.push_back(c);
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
Result<hid_t> make_row_type(const std::string& path, const Layout& l, hid_t only_in = -1) {
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
  return row;
}

std::string trial_name(int64_t id) {
  char b[32];
  std::snprintf(b, sizeof b, "%06lld", static_cast<long long>(id));
  return b;
}

// ---- the HDF5 file ---------------------------------------------------------------------------

struct CurveRow {
  int32_t epoch;
  double lr, train_loss, train_acc, val_loss, val_acc, seconds;
};

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

// The open HDF5 file and where each trial's summary row is.
class H5File {
 public:
  H5File() = default;
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;
  ~H5File() { (void)close(); }

  // Creates `path` (truncating) with the root attributes, /space, an empty /summary, /trials.
  Status create(const std::string& path, const SweepHeader& h) {
    if (Status st = set_layout(path, h.space); !st.ok()) return st;
    file_ = H5Id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (file_.get() < 0) return h5_error(path, "H5Fcreate", __FILE__, __LINE__);
    const hid_t f = file_.get();
    for (auto [name, value] : {std::pair<const char*, const std::string*>{"config", &h.config_text},
                               {"config_hash", &h.config_hash},
                               {"strategy", &h.strategy},
                               {"metric", &h.metric.name},
                               {"hypersweep_version", &h.version},
                               {"start_time", &h.start_time}}) {
      if (Status s = attr_string(path, f, name, *value); !s.ok()) return s;
    }
    if (Status s = attr_string(path, f, "direction", direction_name(h.metric.direction)); !s.ok())
      return s;
    if (Status s = attr_number(path, f, "seed", H5T_NATIVE_UINT64, h.seed); !s.ok()) return s;
    std::vector<std::string> names;
    for (const Param& p : h.space.params) names.push_back(p.name);
    if (Status s = attr_strings(path, f, "parameters", names); !s.ok()) return s;
    {
      H5_OPEN(g, H5Gcreate2(f, "space", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
      for (const Param& p : h.space.params) {
        if (Status s = attr_string(path, g.get(), p.name.c_str(), std::string(param_kind_name(p.kind)) + " " + describe_values(p)); !s.ok()) return s;
      }
    }
    {
      H5_OPEN(g, H5Gcreate2(f, "trials", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    }
    const hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = 64;
    H5_OPEN(space, H5Screate_simple(1, &zero, &unlimited), H5Sclose);
    H5_OPEN(dcpl, H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5_TRY(H5Pset_chunk(dcpl.get(), 1, &chunk));
    summary_ = H5Id(H5Dcreate2(f, "summary", row_type_.get(), space.get(), H5P_DEFAULT, dcpl.get(),
                               H5P_DEFAULT),
                    H5Dclose);
    if (summary_.get() < 0) return h5_error(path, "H5Dcreate2(\"summary\")", __FILE__, __LINE__);
    return Status::Ok();
  }

  // Opens a file this class wrote and closed cleanly; `ids` are its summary rows in order.
  Status open(const std::string& path, const SweepHeader& h, const std::vector<int64_t>& ids) {
    if (Status st = set_layout(path, h.space); !st.ok()) return st;
    file_ = H5Id(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    if (file_.get() < 0) return h5_error(path, "H5Fopen", __FILE__, __LINE__);
    summary_ = H5Id(H5Dopen2(file_.get(), "summary", H5P_DEFAULT), H5Dclose);
    if (summary_.get() < 0) return h5_error(path, "H5Dopen2(\"summary\")", __FILE__, __LINE__);
    H5_OPEN(space, H5Dget_space(summary_.get()), H5Sclose);
    hsize_t n = 0;
    H5_TRY(H5Sget_simple_extent_dims(space.get(), &n, nullptr));
    if (n != ids.size()) return make_error(path, "/summary rows differ from the journal");
    for (size_t i = 0; i < ids.size(); ++i) rows_[ids[i]] = i;
    return Status::Ok();
  }

  // Writes (or replaces) the trial's group and its summary row. Not flushed.
  Status write(const TrialRecord& r) {
    const std::string& path = path_;
    const std::string name = trial_name(r.id);
    H5_OPEN(trials, H5Gopen2(file_.get(), "trials", H5P_DEFAULT), H5Gclose);
    const htri_t exists = H5Lexists(trials.get(), name.c_str(), H5P_DEFAULT);
    H5_TRY(exists);
    if (exists > 0) H5_TRY(H5Ldelete(trials.get(), name.c_str(), H5P_DEFAULT));
    H5_OPEN(g, H5Gcreate2(trials.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    for (size_t i = 0; i < r.params.size(); ++i) {
      if (Status s = attr_value(path, g.get(), layout_.cols[2 + i].name.c_str(), r.params[i]); !s.ok()) {
        return s;
      }
    }
    if (Status s = attr_number<int64_t>(path, g.get(), "id", H5T_NATIVE_INT64, r.id); !s.ok()) return s;
    if (Status s = attr_string(path, g.get(), "status", status_name(r.status)); !s.ok()) return s;
    if (Status s = attr_string(path, g.get(), "host", r.host); !s.ok()) return s;
    if (!r.error.empty()) {
      if (Status s = attr_string(path, g.get(), "error", r.error); !s.ok()) return s;
    }
    {  // curves
      H5Id t(H5Tclose);
      if (Status st = make_curve_type(path, &t); !st.ok()) return st;
      std::vector<CurveRow> rows;
      for (const EpochRow& e : r.curves) {
        rows.push_back({e.epoch, e.lr, e.train_loss, e.train_acc, e.val_loss, e.val_acc, e.seconds});
      }
      const hsize_t n = rows.size();
      H5_OPEN(space, H5Screate_simple(1, &n, nullptr), H5Sclose);
      H5_OPEN(d, H5Dcreate2(g.get(), "curves", t.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
      if (n > 0) H5_TRY(H5Dwrite(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()));
    }
    {  // update_ratio
      const hsize_t dims[2] = {r.update_ratio.size(), r.layer_names.size()};
      std::vector<double> flat;
      for (const std::vector<double>& row : r.update_ratio) flat.insert(flat.end(), row.begin(), row.end());
      H5_OPEN(space, H5Screate_simple(2, dims, nullptr), H5Sclose);
      H5_OPEN(d, H5Dcreate2(g.get(), "update_ratio", H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
      if (!flat.empty()) H5_TRY(H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, flat.data()));
      if (Status s = attr_strings(path, d.get(), "layer_names", r.layer_names); !s.ok()) return s;
    }
    // The summary row last: a row is there only when its group is complete.
    hsize_t row = rows_.size();
    if (auto it = rows_.find(r.id); it != rows_.end()) {
      row = it->second;
    } else {
      const hsize_t n = row + 1;
      H5_TRY(H5Dset_extent(summary_.get(), &n));
    }
    const std::vector<char> bytes = pack_row(layout_, r);
    H5_OPEN(fspace, H5Dget_space(summary_.get()), H5Sclose);
    const hsize_t one = 1;
    H5_TRY(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &row, nullptr, &one, nullptr));
    H5_OPEN(mspace, H5Screate_simple(1, &one, nullptr), H5Sclose);
    H5_TRY(H5Dwrite(summary_.get(), row_type_.get(), mspace.get(), fspace.get(), H5P_DEFAULT, bytes.data()));
    rows_.emplace(r.id, row);
    return Status::Ok();
  }

  Status flush() {
    const std::string& path = path_;
    H5_TRY(H5Fflush(file_.get(), H5F_SCOPE_LOCAL));
    return Status::Ok();
  }

  bool is_open() const { return file_.get() >= 0; }

  Status close() {
    const std::string& path = path_;
    const bool was_open = file_.get() >= 0;
    summary_.reset();
    row_type_.reset();
    if (was_open) H5_TRY(file_.reset());
    return Status::Ok();
  }

 private:
  // The /summary layout and its HDF5 row type for `space`, which create() and open() share.
  Status set_layout(const std::string& path, const SearchSpace& space) {
    path_ = path;
    auto layout = make_layout(path, space);
    if (!layout.ok()) return layout.error();
    layout_ = std::move(*layout);
    auto rt = make_row_type(path, layout_);
    if (!rt.ok()) return rt.error();
    row_type_ = H5Id(*rt, H5Tclose);
    return Status::Ok();
  }

  std::string path_;
  Layout layout_;
  H5Id file_{-1, H5Fclose};
  H5Id summary_{-1, H5Dclose};
  H5Id row_type_{-1, H5Tclose};
  std::unordered_map<int64_t, hsize_t> rows_;
};

// Keeps the latest record of each id, in first-recorded order.
std::vector<TrialRecord> latest_by_id(std::vector<TrialRecord> records) {
  std::vector<TrialRecord> out;
  std::unordered_map<int64_t, size_t> at;
  for (TrialRecord& r : records) {
    if (auto it = at.find(r.id); it != at.end()) {
      out[it->second] = std::move(r);
    } else {
      at.emplace(r.id, out.size());
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace

struct ResultsFile::State {
  std::string path;
  std::string journal_path;
  SweepHeader header;
  std::vector<TrialRecord> trials;
  std::unordered_map<int64_t, size_t> index;  // id -> position in trials
  uint64_t trial_frames = 0;                  // 'T' frames in the journal
  int journal_fd = -1;
  H5File h5;
  bool broken = false;  // an HDF5 write failed: the file no longer mirrors the journal
  bool closed = false;
};

ResultsFile::ResultsFile(std::unique_ptr<State> s) : s_(std::move(s)) {}
ResultsFile::ResultsFile(ResultsFile&&) noexcept = default;
ResultsFile& ResultsFile::operator=(ResultsFile&& o) noexcept {
  if (this != &o) {
    if (s_) (void)close();
    s_ = std::move(o.s_);
  }
  return *this;
}
ResultsFile::~ResultsFile() {
  if (s_) (void)close();
}

const std::string& ResultsFile::path() const { return s_->path; }
const SweepHeader& ResultsFile::header() const { return s_->header; }
const std::vector<TrialRecord>& ResultsFile::trials() const { return s_->trials; }

namespace {
// The journal's writer lock (flock, released when its descriptor closes): one writer per results
// file, so two runs pointed at the same file (a resubmitted job while the first still runs,
// srun without an MPI plugin starting N copies) cannot interleave records. A file system without
// flock support lets the open go on unlocked.
Status lock_journal(int fd, const std::string& journal_path) {
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return {};
  if (errno == EWOULDBLOCK)
    return make_error(journal_path, "is locked: another hypersweep run is writing this results "
                                    "file; wait for it to end or stop it first");
  if (errno == ENOLCK || errno == EOPNOTSUPP || errno == ENOSYS) return {};
  return make_error(journal_path, "cannot lock: " + errno_text());
}
}  // namespace

Result<ResultsFile> ResultsFile::create(const std::string& path, const SweepHeader& h, bool force) {
  const QuietHdf5 quiet;
  auto st = std::make_unique<State>();
  st->path = path;
  st->journal_path = path + ".journal";
  st->header = h;
  if (force && file_exists(st->journal_path)) {  // not while another run writes it
    const int fd = ::open(st->journal_path.c_str(), O_RDONLY | O_CLOEXEC);
    const Status locked = fd < 0 ? Status{} : lock_journal(fd, st->journal_path);
    if (fd >= 0) ::close(fd);
    if (!locked.ok()) return locked.error();
  }
  for (const std::string& p : {path, st->journal_path}) {
    if (!file_exists(p)) continue;
    if (!force) return make_error(p, "file exists; refusing to overwrite it without --force");
    if (::unlink(p.c_str()) != 0) return make_error(p, "cannot remove: " + errno_text());
  }
  if (auto layout = make_layout(path, h.space); !layout.ok()) return layout.error();
  // The journal first: from here on a crash leaves something open() can rebuild.
  st->journal_fd = ::open(st->journal_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (st->journal_fd < 0) return make_error(st->journal_path, "cannot create journal: " + errno_text());
  if (Status r = lock_journal(st->journal_fd, st->journal_path); !r.ok()) {
    ::close(st->journal_fd);
    return r.error();
  }
  ResultsFile out(std::move(st));
  State& s = *out.s_;
  const std::string data = std::string(store::kJournalMagic, 8) + store::frame('H', store::encode_header(h));
  if (Status r = store::write_all_sync(s.journal_fd, data, s.journal_path); !r.ok()) return r.error();
  if (Status r = sync_parent_dir(s.journal_path); !r.ok()) return r.error();
  if (Status r = s.h5.create(path, h); !r.ok()) return r.error();
  if (Status r = s.h5.flush(); !r.ok()) return r.error();
  return out;
}

Result<ResultsFile> ResultsFile::open(const std::string& path) {
  const QuietHdf5 quiet;
  auto st = std::make_unique<State>();
  st->path = path;
  st->journal_path = path + ".journal";
  if (!file_exists(st->journal_path)) {
    if (!file_exists(path)) return make_error(path, "no such results file");
    const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
    H5Eclear2(H5E_DEFAULT);
    if (is_hdf5 <= 0) return make_error(path, "not an HDF5 file (H5Fis_hdf5), so not a results file");
    return make_error(path, "its journal " + st->journal_path +
                                " is missing; a results file can be resumed only with its journal");
  }
  // Open the journal for appending and lock it before reading it, so no other writer is
  // appending while it is read (a torn tail is cut off below).
  st->journal_fd = ::open(st->journal_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (st->journal_fd < 0) return make_error(st->journal_path, "cannot open journal: " + errno_text());
  if (Status r = lock_journal(st->journal_fd, st->journal_path); !r.ok()) {
    ::close(st->journal_fd);
    return r.error();
  }
  auto j = store::read_journal(st->journal_path);
  if (!j.ok()) {
    ::close(st->journal_fd);
    return j.error();
  }
  st->header = std::move(j->header);
  st->trial_frames = j->records.size();
  st->trials = latest_by_id(std::move(j->records));
  for (size_t i = 0; i < st->trials.size(); ++i) st->index.emplace(st->trials[i].id, i);
  ResultsFile out(std::move(st));
  State& s = *out.s_;
  if (j->valid_bytes != j->file_bytes) {
    if (::ftruncate(s.journal_fd, static_cast<off_t>(j->valid_bytes)) != 0 || ::fdatasync(s.journal_fd) != 0) {
      return make_error(s.journal_path, "cannot cut the torn tail off the journal: " + errno_text());
    }
  }
  std::vector<int64_t> ids;
  for (const TrialRecord& r : s.trials) ids.push_back(r.id);
  if (j->clean_close && file_exists(path) && s.h5.open(path, s.header, ids).ok()) return out;
  (void)s.h5.close();
  // Rebuild the HDF5 file from the journal, then swap it in atomically.
  const std::string tmp = path + ".rebuild";
  {
    H5File fresh;
    if (Status r = fresh.create(tmp, s.header); !r.ok()) return r.error();
    for (const TrialRecord& r : s.trials) {
      if (Status w = fresh.write(r); !w.ok()) return w.error();
    }
    if (Status r = fresh.close(); !r.ok()) return r.error();
  }
  if (Status r = replace_durably(tmp, path); !r.ok()) return r.error();
  if (Status r = s.h5.open(path, s.header, ids); !r.ok()) return r.error();
  return out;
}

Status ResultsFile::append(const TrialRecord& r) {
  State& s = *s_;
  if (s.closed) return make_error(s.path, "append after close");
  if (s.broken) {
    return make_error(s.path, "an earlier HDF5 write failed; open the file again to repair it");
  }
  const std::string who = "trial " + std::to_string(r.id);
  if (r.params.size() != s.header.space.params.size()) {
    return make_error(s.path, who + ": " + std::to_string(r.params.size()) + " parameters, the space has " +
                                  std::to_string(s.header.space.params.size()));
  }
  for (const std::vector<double>& row : r.update_ratio) {
    if (row.size() != r.layer_names.size()) {
      return make_error(s.path, who + ": an update_ratio row has " + std::to_string(row.size()) +
                                    " values for " + std::to_string(r.layer_names.size()) + " layers");
    }
  }
  if (Status w = store::write_all_sync(s.journal_fd, store::frame('T', encode_record(r)), s.journal_path);
      !w.ok()) {
    s.broken = true;  // a partial frame may be there; open() cuts it off
    return w;
  }
  ++s.trial_frames;
  if (auto it = s.index.find(r.id); it != s.index.end()) {
    s.trials[it->second] = r;
  } else {
    s.index.emplace(r.id, s.trials.size());
    s.trials.push_back(r);
  }
  const QuietHdf5 quiet;
  Status w = s.h5.write(r);
  if (w.ok()) w = s.h5.flush();
  if (!w.ok()) s.broken = true;
  return w;
}

Status ResultsFile::close() {
  State& s = *s_;
  if (s.closed) return Status::Ok();
  s.closed = true;
  const QuietHdf5 quiet;
  Status result = s.h5.close();
  if (result.ok() && !s.broken && file_exists(s.path)) {
    result = fsync_path(s.path);
    if (result.ok()) {
      std::string count(8, '\0');
      std::memcpy(count.data(), &s.trial_frames, 8);
      result = store::write_all_sync(s.journal_fd, store::frame('C', count), s.journal_path);
    }
  }
  if (s.journal_fd >= 0) ::close(s.journal_fd);
  s.journal_fd = -1;
  return result;
}

// ---- reading the HDF5 side alone (read_results) ---------------------------------------------

namespace {

// A 1-D variable-length string attribute (parameters, layer_names).
Result<std::vector<std::string>> read_attr_strings(const std::string& path, hid_t loc,
                                                   const char* obj, const char* name) {
  H5_OPEN(attr, H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5_OPEN(ftype, H5Aget_type(attr.get()), H5Tclose);
  const htri_t var = H5Tis_variable_str(ftype.get());
  H5_TRY(var);
  if (var == 0) {
    return make_error(path, std::string("attribute ") + name + " of " + obj +
                                " is not a list of variable-length strings");
  }
  H5_OPEN(space, H5Aget_space(attr.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  H5_TRY(n);
  H5_OPEN(mtype, H5Tcopy(H5T_C_S1), H5Tclose);
  H5_TRY(H5Tset_cset(mtype.get(), H5Tget_cset(ftype.get())));
  H5_TRY(H5Tset_size(mtype.get(), H5T_VARIABLE));
  std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
  std::vector<std::string> out;
  if (n == 0) return out;
  H5_TRY(H5Aread(attr.get(), mtype.get(), ptrs.data()));
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool parse_double(std::string_view t, double* d) {
  const auto r = std::from_chars(t.data(), t.data() + t.size(), *d);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

// One value as param_to_string() writes it: true/false, an int (digits only), a double (with one
// of ".en": 0.5, 1e-04, nan, inf), or a string in double quotes with \" and \\ escaped.
// Consumes it from the front of `s`.
bool take_value(std::string_view* s, ParamValue* v) {
  *s = trim(*s);
  if (s->empty()) return false;
  if (s->front() == '"') {
    std::string out;
    size_t i = 1;
    for (; i < s->size() && (*s)[i] != '"'; ++i) {
      if ((*s)[i] == '\\' && i + 1 < s->size()) ++i;
      out += (*s)[i];
    }
    if (i >= s->size()) return false;  // no closing quote
    s->remove_prefix(i + 1);
    *v = std::move(out);
    return true;
  }
  const size_t end = std::min(s->find_first_of(",]"), s->size());
  const std::string_view t = trim(s->substr(0, end));
  s->remove_prefix(end);
  if (t == "true" || t == "false") {
    *v = t == "true";
    return true;
  }
  if (t.find_first_of(".en") != std::string_view::npos) {
    double d = 0;
    if (!parse_double(t, &d)) return false;
    *v = d;
    return true;
  }
  int64_t i = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), i);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return false;
  *v = i;
  return true;
}

// A /space entry as create() writes it: "<kind> <describe_values(p)>".
Result<Param> parse_space_entry(const std::string& path, const std::string& name,
                                const std::string& text) {
  const Error bad = make_error(path, "/space attribute " + name + " = \"" + text +
                                         "\" is not \"<kind> <values>\" as hypersweep writes it");
  Param p;
  p.name = name;
  const size_t sp = text.find(' ');
  if (sp == std::string::npos) return bad;
  const std::string kind = text.substr(0, sp);
  std::string_view rest = trim(std::string_view(text).substr(sp + 1));
  bool known = false;
  for (ParamKind k : {ParamKind::kUniform, ParamKind::kLogUniform, ParamKind::kInt,
                      ParamKind::kChoice, ParamKind::kFixed}) {
    if (kind == param_kind_name(k)) {
      p.kind = k;
      known = true;
    }
  }
  if (!known) return bad;
  if (p.kind == ParamKind::kFixed) {
    ParamValue v;
    if (!take_value(&rest, &v) || !trim(rest).empty()) return bad;
    p.choices.push_back(std::move(v));
    return p;
  }
  if (rest.empty() || rest.front() != '[') return bad;
  rest.remove_prefix(1);
  if (p.kind == ParamKind::kChoice) {
    if (trim(rest) == "]") return p;  // no values: validate() refuses it, the reader need not
    for (;;) {
      ParamValue v;
      if (!take_value(&rest, &v)) return bad;
      p.choices.push_back(std::move(v));
      rest = trim(rest);
      if (rest.empty()) return bad;
      if (rest.front() == ']') return trim(rest.substr(1)).empty() ? Result<Param>(p) : bad;
      if (rest.front() != ',') return bad;
      rest.remove_prefix(1);
    }
  }
  // A range: "[lo, hi]", then " log" and/or " grid N".
  const size_t close = rest.find(']');
  const size_t comma = rest.find(',');
  if (close == std::string_view::npos || comma > close) return bad;
  if (!parse_double(trim(rest.substr(0, comma)), &p.lo) ||
      !parse_double(trim(rest.substr(comma + 1, close - comma - 1)), &p.hi)) {
    return bad;
  }
  rest = trim(rest.substr(close + 1));
  if (rest.starts_with("log")) {
    p.log = true;
    rest = trim(rest.substr(3));
  }
  if (rest.starts_with("grid ")) {
    const std::string_view n = trim(rest.substr(5));
    const auto r = std::from_chars(n.data(), n.data() + n.size(), p.grid);
    if (r.ec != std::errc() || r.ptr != n.data() + n.size()) return bad;
    rest = {};
  }
  if (!rest.empty()) return bad;
  return p;
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
  h.metric.direction = default_direction(h.metric.name);
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
  auto names = read_attr_strings(path, file, ".", "parameters");
  if (!names.ok()) return names.error();
  for (const std::string& name : *names) {
    auto text = read_attr_string(path, file, "space", name.c_str());
    if (!text.ok()) return text.error();
    auto p = parse_space_entry(path, name, *text);
    if (!p.ok()) return p.error();
    h.space.params.push_back(std::move(*p));
  }
  return h;
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

// A trial's group: status, host, error, curves, update ratios. The summary row gave the rest.
Status read_trial_group(const std::string& path, hid_t trials, const std::string& summary_status,
                        TrialRecord* r) {
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
                           {"error", &r->error}}) {
    const htri_t has = H5Aexists(g.get(), attr);
    H5_TRY(has);
    if (has == 0) continue;
    auto v = read_attr_string(path, g.get(), ".", attr);
    if (!v.ok()) return v.error();
    *out = std::move(*v);
  }
  const std::optional<TrialStatus> known = parse_status(status);
  if (!known)
    return make_error(path, "trial " + std::to_string(r->id) + " has status \"" + status +
                                "\", which this hypersweep does not know (a newer one wrote it?)");
  r->status = *known;
  {
    H5Id t(H5Tclose);
    if (Status st = make_curve_type(path, &t); !st.ok()) return st;
    H5_OPEN(d, H5Dopen2(g.get(), "curves", H5P_DEFAULT), H5Dclose);
    H5_OPEN(space, H5Dget_space(d.get()), H5Sclose);
    const hssize_t n = H5Sget_simple_extent_npoints(space.get());
    H5_TRY(n);
    std::vector<CurveRow> rows(static_cast<size_t>(n));
    if (n > 0) H5_TRY(H5Dread(d.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()));
    r->curves.clear();
    for (const CurveRow& c : rows) {
      r->curves.push_back({c.epoch, c.lr, c.train_loss, c.train_acc, c.val_loss, c.val_acc, c.seconds});
    }
  }
  {
    H5_OPEN(d, H5Dopen2(g.get(), "update_ratio", H5P_DEFAULT), H5Dclose);
    H5_OPEN(space, H5Dget_space(d.get()), H5Sclose);
    if (H5Sget_simple_extent_ndims(space.get()) != 2) {
      return make_error(path, where + "/update_ratio is not 2-D");
    }
    hsize_t dims[2] = {0, 0};
    H5_TRY(H5Sget_simple_extent_dims(space.get(), dims, nullptr));
    auto names = read_attr_strings(path, g.get(), "update_ratio", "layer_names");
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
  }
  return Status::Ok();
}

// The results layout whose root is the open group `loc` of <path>: its attributes, /space,
// /summary and /trials, the objects' presence already checked.
Result<ResultsData> read_layout(const std::string& path, hid_t loc) {
  ResultsData out;
  auto header = read_header(path, loc);
  if (!header.ok()) return header.error();
  out.header = std::move(*header);
  auto layout = make_layout(path, out.header.space);
  if (!layout.ok()) return layout.error();
  const Layout& l = *layout;

  H5_OPEN(summary, H5Dopen2(loc, "summary", H5P_DEFAULT), H5Dclose);
  H5_OPEN(ftype, H5Dget_type(summary.get()), H5Tclose);
  if (H5Tget_class(ftype.get()) != H5T_COMPOUND) {
    return make_error(path, "/summary is not a table (compound dataset)");
  }
  std::vector<bool> present;
  for (size_t k = 0; k < l.cols.size(); ++k) {
    present.push_back(H5Tget_member_index(ftype.get(), l.cols[k].name.c_str()) >= 0);
    // Only initial_loss and num_classes may be missing: files from before they existed.
    if (!present.back() && l.cols[k].name != "initial_loss" && l.cols[k].name != "num_classes") {
      return make_error(path, "/summary has no column " + l.cols[k].name);
    }
  }
  H5Eclear2(H5E_DEFAULT);
  auto mt = make_row_type(path, l, ftype.get());
  if (!mt.ok()) return mt.error();
  const H5Id mtype(*mt, H5Tclose);
  H5_OPEN(space, H5Dget_space(summary.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  H5_TRY(n);
  std::vector<char> rows(static_cast<size_t>(n) * l.row_bytes, 0);
  if (n > 0) H5_TRY(H5Dread(summary.get(), mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()));

  H5_OPEN(trials, H5Gopen2(loc, "trials", H5P_DEFAULT), H5Gclose);
  const size_t np = out.header.space.params.size();
  for (hssize_t i = 0; i < n; ++i) {
    const char* row = rows.data() + static_cast<size_t>(i) * l.row_bytes;
    TrialRecord r;
    size_t k = 0;
    r.id = get<int64_t>(row, l.cols[k++]);
    const std::string status = get_string(row, l.cols[k++]);
    for (size_t j = 0; j < np; ++j, ++k) r.params.push_back(get_param(row, l.cols[k], out.header.space.params[j]));
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
    if (Status s = read_trial_group(path, trials.get(), status, &r); !s.ok()) return s.error();
    out.trials.push_back(std::move(r));
  }
  return out;
}

}  // namespace

Result<ResultsData> read_results(const std::string& path) { return read_results(path, "/"); }

Result<ResultsData> read_results(const std::string& path, const std::string& group) {
  const QuietHdf5 quiet;
  auto file = store::open_for_reading(path, "results file");
  if (!file.ok()) return file.error();
  const bool root = group.empty() || group == "/";
  if (!root) {
    const htri_t has = H5Lexists(file->get(), group.c_str(), H5P_DEFAULT);
    H5_TRY(has);
    if (has == 0) return make_error(path, "has no group " + group);
  }
  H5_OPEN(loc, H5Gopen2(file->get(), root ? "/" : group.c_str(), H5P_DEFAULT), H5Gclose);
  for (const char* obj : {"summary", "trials", "space"}) {
    const htri_t has = H5Lexists(loc.get(), obj, H5P_DEFAULT);
    H5_TRY(has);
    if (has == 0) {
      return make_error(path, (root ? std::string() : "group " + group + " ") + "has no /" + obj +
                                  ", so it is not a hypersweep results " +
                                  (root ? "file" : "layout"));
    }
  }
  auto out = read_layout(path, loc.get());
  if (!out.ok() && !root) return store::in_group(out.error(), group);
  return out;
}


}  // namespace hs
