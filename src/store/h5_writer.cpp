// h5_writer.cpp: a results file's HDF5 side, written (h5_writer.h).
#include "store/h5_writer.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include "core/file.h"
#include "search/space_text.h"
#include "store/h5_util.h"
#include "store/journal.h"
#include "trial/codec.h"

namespace hs::store {

Status H5Writer::set_layout(const std::string& path, const SearchSpace& space,
                            const std::vector<std::string>& results) {
  path_ = path;
  auto layout = make_layout(path, space, results);
  if (!layout.ok()) return layout.error();
  layout_ = std::move(*layout);
  auto rt = make_row_type(path, layout_);
  if (!rt.ok()) return rt.error();
  row_type_ = H5Id(*rt, H5Tclose);
  return Status::Ok();
}

// The root attributes and /space.
Status H5Writer::write_root(const SweepHeader& h) {
  const std::string& path = path_;
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
  if (Status s = attr_string(path, f, "pruner", h.pruner); !s.ok()) return s;
  std::vector<int64_t> rungs;  // [n][4]: bracket, rung, epoch, trials
  for (const Rung& g : h.rungs) rungs.insert(rungs.end(), {g.bracket, g.rung, g.epoch, g.trials});
  if (Status s = attr_int64_table(path, f, "rungs", rungs, 4); !s.ok()) return s;
  std::vector<std::string> names;
  for (const Param& p : h.space.params) names.push_back(p.name);
  if (Status s = attr_strings(path, f, "parameters", names); !s.ok()) return s;
  H5_OPEN(g, H5Gcreate2(f, "space", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  for (const Param& p : h.space.params)
    if (Status s = attr_string(path, g.get(), p.name.c_str(), space_entry(p)); !s.ok()) return s;
  return Status::Ok();
}

namespace {

// Groups and datasets made from here on in HDF5 1.8's object formats (any reader since 2008:
// h5py, HDF5 1.8 to 1.14): a trial's group keeps its two links in its own header, where the
// 1.6 format, HDF5's default, gives each group a symbol table (a B-tree node and a local heap,
// about 1 KB). The file is about a fifth smaller, and a copy without its journal reads in about
// a sixth less time (bench/README.md, "A million trials"). Set on the open file, not in the
// file access list: that would also raise the superblock's version, whose open-for-writing
// flag would then be set in the image write_image() takes, and the file would not open again.
// The superblock stays version 0; a file from before keeps its trials' groups as they are.
Status use_compact_groups(const std::string& path, hid_t file) {
  H5_TRY(H5Fset_libver_bounds(file, H5F_LIBVER_V18, H5F_LIBVER_V18));
  return Status::Ok();
}

}  // namespace

Status H5Writer::create(const std::string& path, const SweepHeader& h,
                        const std::vector<std::string>& results) {
  if (Status st = set_layout(path, h.space, results); !st.ok()) return st;
  // In memory (the core driver without a backing store): HDF5 writes nothing to disk, so a full
  // disk cannot fail inside it (where a failed create leaks a file HDF5 then cannot close at
  // exit); write_image() puts the bytes on disk with plain, checked writes. The image grows in
  // steps of kCoreIncrement, each zeroed as it is allocated: a new file is some 10 KB (more with
  // a long config), and a 1 MiB step cost a millisecond of page faults per file.
  constexpr size_t kCoreIncrement = 64 << 10;
  H5_OPEN(fapl, H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5_TRY(H5Pset_fapl_core(fapl.get(), kCoreIncrement, false));
  file_ = H5Id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
  if (file_.get() < 0) return h5_error(path, "H5Fcreate", __FILE__, __LINE__);
  if (Status st = use_compact_groups(path, file_.get()); !st.ok()) return st;
  if (Status st = write_root(h); !st.ok()) return st;
  const hid_t f = file_.get();
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
  return create_records(h);
}

// /records: bytes in chunks of 16 KiB, starting as the journal does, with its magic and the
// header. Small chunks, as a new file's first is allocated whole (a new sweep's file is some 10
// KB); uncompressed, as deflate took 1.5 ms a 64 KiB chunk here (gzip -1 halves these bytes), a
// cost each flush of rank 0 would pay again for its last chunk.
Status H5Writer::create_records(const SweepHeader& h) {
  const std::string& path = path_;
  const hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = hsize_t{16} << 10;
  H5_OPEN(space, H5Screate_simple(1, &zero, &unlimited), H5Sclose);
  H5_OPEN(dcpl, H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5_TRY(H5Pset_chunk(dcpl.get(), 1, &chunk));
  records_ = H5Id(H5Dcreate2(file_.get(), "records", H5T_NATIVE_UINT8, space.get(), H5P_DEFAULT,
                             dcpl.get(), H5P_DEFAULT),
                  H5Dclose);
  if (records_.get() < 0) return h5_error(path, "H5Dcreate2(\"records\")", __FILE__, __LINE__);
  records_bytes_ = 0;
  records_due_ = std::string(kJournalMagic, 8) + frame('H', encode_header(h));
  return write_records();
}

// The frames due, at the end of /records.
Status H5Writer::write_records() {
  if (records_.get() < 0 || records_due_.empty()) return Status::Ok();
  const std::string& path = path_;
  const hsize_t at = records_bytes_, n = records_due_.size(), end = at + n;
  H5_TRY(H5Dset_extent(records_.get(), &end));
  H5_OPEN(fspace, H5Dget_space(records_.get()), H5Sclose);
  H5_TRY(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &at, nullptr, &n, nullptr));
  H5_OPEN(mspace, H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5_TRY(H5Dwrite(records_.get(), H5T_NATIVE_UINT8, mspace.get(), fspace.get(), H5P_DEFAULT,
                  records_due_.data()));
  records_bytes_ = end;
  records_due_.clear();
  return Status::Ok();
}

Status H5Writer::open(const std::string& path, const SweepHeader& h, size_t rows,
                      const std::vector<std::string>& results) {
  if (Status st = set_layout(path, h.space, results); !st.ok()) return st;
  file_ = H5Id(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  if (file_.get() < 0) return h5_error(path, "H5Fopen", __FILE__, __LINE__);
  if (Status st = use_compact_groups(path, file_.get()); !st.ok()) return st;
  room_fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);  // for reserve(); -1: no reserving
  summary_ = H5Id(H5Dopen2(file_.get(), "summary", H5P_DEFAULT), H5Dclose);
  if (summary_.get() < 0) return h5_error(path, "H5Dopen2(\"summary\")", __FILE__, __LINE__);
  H5_OPEN(space, H5Dget_space(summary_.get()), H5Sclose);
  hsize_t n = 0;
  H5_TRY(H5Sget_simple_extent_dims(space.get(), &n, nullptr));
  if (n != rows) return make_error(path, "/summary rows differ from the journal");
  H5_OPEN(ftype, H5Dget_type(summary_.get()), H5Tclose);
  for (const Column& c : layout_.cols)
    if (H5Tget_member_index(ftype.get(), c.name.c_str()) < 0)
      return make_error(path, "/summary has no column " + c.name);
  rows_ = rows;
  const htri_t has_records = H5Lexists(file_.get(), "records", H5P_DEFAULT);
  H5_TRY(has_records);
  if (has_records == 0) return Status::Ok();
  records_ = H5Id(H5Dopen2(file_.get(), "records", H5P_DEFAULT), H5Dclose);
  if (records_.get() < 0) return h5_error(path, "H5Dopen2(\"records\")", __FILE__, __LINE__);
  H5_OPEN(rspace, H5Dget_space(records_.get()), H5Sclose);
  hsize_t bytes = 0;
  H5_TRY(H5Sget_simple_extent_dims(rspace.get(), &bytes, nullptr));
  records_bytes_ = bytes;
  return Status::Ok();
}

namespace {

// A trial's `curves`: the fixed columns (CurveRow), then the extra ones a command printed,
// doubles at 8-byte steps, their names as printed in the attribute extra_columns.
Status write_curves(const std::string& path, hid_t g, const TrialRecord& r) {
  H5Id t(H5Tclose);
  if (Status st = make_curve_type(path, &t); !st.ok()) return st;
  // The 4 bytes of padding after `epoch` go to the file as they are in memory: zeroed, so no
  // heap bytes of this process end up in the results file.
  std::vector<CurveRow> rows(r.curves.size());
  if (!rows.empty())  // memset of a null pointer is undefined, even for 0 bytes
    std::memset(static_cast<void*>(rows.data()), 0, rows.size() * sizeof(CurveRow));
  for (size_t i = 0; i < rows.size(); ++i) {
    const EpochRow& e = r.curves[i];
    CurveRow& c = rows[i];
    c.epoch = e.epoch;
    c.lr = e.lr;
    c.train_loss = e.train_loss;
    c.train_acc = e.train_acc;
    c.val_loss = e.val_loss;
    c.val_acc = e.val_acc;
    c.seconds = e.seconds;
  }
  // The extra columns a command printed follow the fixed ones, doubles at 8-byte steps.
  const std::vector<std::string> extra = curve_extra_columns(r.curve_extra_names);
  H5Id ft(H5Tclose);
  {
    H5_OPEN(whole, H5Tcreate(H5T_COMPOUND, sizeof(CurveRow) + 8 * extra.size()), H5Tclose);
    for (int j = 0; j < H5Tget_nmembers(t.get()); ++j) {
      char* name = H5Tget_member_name(t.get(), static_cast<unsigned>(j));
      H5_OPEN(mt, H5Tget_member_type(t.get(), static_cast<unsigned>(j)), H5Tclose);
      const herr_t in = H5Tinsert(whole.get(), name, H5Tget_member_offset(t.get(), static_cast<unsigned>(j)), mt.get());
      H5free_memory(name);
      H5_TRY(in);
    }
    for (size_t j = 0; j < extra.size(); ++j)
      H5_TRY(H5Tinsert(whole.get(), extra[j].c_str(), sizeof(CurveRow) + 8 * j, H5T_NATIVE_DOUBLE));
    ft = std::move(whole);
  }
  const size_t row_bytes = sizeof(CurveRow) + 8 * extra.size();
  std::vector<char> bytes(rows.size() * row_bytes, 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    std::memcpy(bytes.data() + i * row_bytes, &rows[i], sizeof(CurveRow));
    for (size_t j = 0; j < extra.size(); ++j) {
      const double v = i < r.curve_extra.size() && j < r.curve_extra[i].size() ? r.curve_extra[i][j] : NAN;
      std::memcpy(bytes.data() + i * row_bytes + sizeof(CurveRow) + 8 * j, &v, 8);
    }
  }
  const hsize_t n = rows.size();
  H5_OPEN(space, H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5_OPEN(d, H5Dcreate2(g, "curves", ft.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (n > 0) H5_TRY(H5Dwrite(d.get(), ft.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()));
  if (!r.curve_extra_names.empty())
    if (Status s = attr_strings(path, d.get(), "extra_columns", r.curve_extra_names); !s.ok()) return s;
  return Status::Ok();
}

}  // namespace

// The trial's group: its parameters (but one named like an attribute below), id, status, host, error, log_path, decision, val_samples
// and results as attributes, `curves`, and
// `update_ratio` with its layer_names. A group of the same id is replaced.
Status H5Writer::write_group(const TrialRecord& r) {
  const std::string& path = path_;
  const std::string name = trial_name(r.id);
  H5_OPEN(trials, H5Gopen2(file_.get(), "trials", H5P_DEFAULT), H5Gclose);
  const htri_t exists = H5Lexists(trials.get(), name.c_str(), H5P_DEFAULT);
  H5_TRY(exists);
  if (exists > 0) H5_TRY(H5Ldelete(trials.get(), name.c_str(), H5P_DEFAULT));
  H5_OPEN(g, H5Gcreate2(trials.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  for (size_t i = 0; i < r.params.size(); ++i) {
    const std::string& param = layout_.cols[2 + i].name;
    // A parameter named like one of the group's own attributes (a file made before such names
    // were refused, layout.h): in /summary only, where it is read from, so the attribute the
    // group needs can be written (HDF5 refused the second one, and the sweep stopped).
    if (!group_attribute_clash(param).empty()) continue;
    if (Status s = attr_value(path, g.get(), param.c_str(), r.params[i]); !s.ok()) return s;
  }
  if (Status s = attr_number<int64_t>(path, g.get(), "id", H5T_NATIVE_INT64, r.id); !s.ok()) return s;
  if (Status s = attr_string(path, g.get(), "status", status_name(r.status)); !s.ok()) return s;
  if (Status s = attr_string(path, g.get(), "host", r.host); !s.ok()) return s;
  if (!r.error.empty())
    if (Status s = attr_string(path, g.get(), "error", r.error); !s.ok()) return s;
  if (!r.log_path.empty())
    if (Status s = attr_string(path, g.get(), "log_path", r.log_path); !s.ok()) return s;
  if (!r.decision.empty())
    if (Status s = attr_string(path, g.get(), "decision", r.decision); !s.ok()) return s;
  if (r.val_samples > 0)
    if (Status s = attr_number<int64_t>(path, g.get(), "val_samples", H5T_NATIVE_INT64, r.val_samples);
        !s.ok())
      return s;
  if (!r.results.empty()) {  // whole and in printed order (/summary has them by column)
    std::vector<std::string> names;
    std::vector<double> values;
    for (const auto& [n, v] : r.results) {
      names.push_back(n);
      values.push_back(v);
    }
    if (Status s = attr_strings(path, g.get(), "result_names", names); !s.ok()) return s;
    if (Status s = attr_doubles(path, g.get(), "result_values", values); !s.ok()) return s;
  }
  if (Status st = write_curves(path, g.get(), r); !st.ok()) return st;
  const hsize_t dims[2] = {r.update_ratio.size(), r.layer_names.size()};
  std::vector<double> flat;
  for (const std::vector<double>& row : r.update_ratio) flat.insert(flat.end(), row.begin(), row.end());
  H5_OPEN(space, H5Screate_simple(2, dims, nullptr), H5Sclose);
  H5_OPEN(d, H5Dcreate2(g.get(), "update_ratio", H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!flat.empty()) H5_TRY(H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, flat.data()));
  return attr_strings(path, d.get(), "layer_names", r.layer_names);
}

// The trial's /summary row `at`: its own row again, or a new one at the end.
Status H5Writer::write_summary_row(const TrialRecord& r, size_t at) {
  const std::string& path = path_;
  if (at > rows_) return make_error(path, "/summary row " + std::to_string(at) + " past its end");
  const hsize_t row = at;
  if (at == rows_) {
    const hsize_t n = row + 1;
    H5_TRY(H5Dset_extent(summary_.get(), &n));
  }
  const std::vector<char> bytes = pack_row(layout_, r);
  H5_OPEN(fspace, H5Dget_space(summary_.get()), H5Sclose);
  const hsize_t one = 1;
  H5_TRY(H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &row, nullptr, &one, nullptr));
  H5_OPEN(mspace, H5Screate_simple(1, &one, nullptr), H5Sclose);
  H5_TRY(H5Dwrite(summary_.get(), row_type_.get(), mspace.get(), fspace.get(), H5P_DEFAULT, bytes.data()));
  if (at == rows_) ++rows_;
  return Status::Ok();
}

Status H5Writer::write(const TrialRecord& r, size_t row) {
  if (Status st = write_group(r); !st.ok()) return st;
  if (Status st = write_summary_row(r, row); !st.ok()) return st;
  if (records_.get() >= 0) records_due_ += frame('T', encode_record(r));
  return Status::Ok();
}

Status H5Writer::write_image(const std::string& dest) {
  const std::string& path = dest;
  if (Status st = write_records(); !st.ok()) return st;
  H5_TRY(H5Fflush(file_.get(), H5F_SCOPE_LOCAL));
  const ssize_t n = H5Fget_file_image(file_.get(), nullptr, 0);
  H5_TRY(n);
  std::string bytes(static_cast<size_t>(n), '\0');
  H5_TRY(H5Fget_file_image(file_.get(), bytes.data(), bytes.size()));
  if (Status st = close(); !st.ok()) return st;
  return write_new_file(dest, bytes);
}

Status H5Writer::flush() {
  const std::string& path = path_;
  if (Status st = write_records(); !st.ok()) return st;
  H5_TRY(H5Fflush(file_.get(), H5F_SCOPE_LOCAL));
  return Status::Ok();
}

Result<uint64_t> H5Writer::allocated_end() const {
  const std::string& path = path_;
  hsize_t size = 0;
  H5_TRY(H5Fget_filesize(file_.get(), &size));
  return static_cast<uint64_t>(size);
}

Status H5Writer::reserve(size_t bytes, uint64_t* end) {
  if (room_fd_ < 0) {
    if (end) *end = UINT64_MAX;  // nothing reserved, nothing to reserve again
    return Status::Ok();
  }
  struct stat st;
  if (::fstat(room_fd_, &st) != 0) return make_error(path_, "cannot stat: " + errno_text());
  if (end) *end = static_cast<uint64_t>(st.st_size) + bytes;
  // A file-size limit (ulimit -f) is no space fallocate sees: checked the same way, so that HDF5
  // never meets EFBIG halfway through a write either (its files then crashed it at exit).
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      static_cast<uint64_t>(st.st_size) + bytes > static_cast<uint64_t>(limit.rlim_cur)) {
    return make_error(path_, "no room to write to it: File too large: the file-size limit (ulimit "
                             "-f) is " + std::to_string(limit.rlim_cur / 1024) + " KiB, the file " +
                             std::to_string(st.st_size / 1024) + " KiB, and each write first "
                             "reserves " + std::to_string(bytes / 1024) + " KiB");
  }
  if (::fallocate(room_fd_, FALLOC_FL_KEEP_SIZE, st.st_size, static_cast<off_t>(bytes)) == 0)
    return Status::Ok();
  if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL) return Status::Ok();
  if (errno != ENOSPC && errno != EDQUOT)  // an immutable file, a read-only disk: no room issue
    return make_error(path_, "cannot write to it: " + errno_text());
  const std::string why = errno_text();
  struct statvfs fs;  // a df that shows room beside "No space left" says why there is none
  const std::string free_text =
      ::fstatvfs(room_fd_, &fs) == 0
          ? "; each write first reserves " + std::to_string(bytes / 1024) + " KiB and " +
                std::to_string(static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize / 1024) +
                " KiB are free there (a quota may allow less)"
          : "";
  return make_error(path_, "no room to write to it: " + why + free_text);
}

std::string H5Writer::gone_from_path() const {
  struct stat mine {}, there {};
  if (room_fd_ < 0 || ::fstat(room_fd_, &mine) != 0) return "";
  if (::stat(path_.c_str(), &there) != 0) return errno == ENOENT ? "removed" : "";
  if (mine.st_dev != there.st_dev || mine.st_ino != there.st_ino) return "replaced by another file";
  return "";
}

Status H5Writer::close() {
  const std::string& path = path_;
  Status result = file_.get() >= 0 ? write_records() : Status::Ok();
  records_due_.clear();
  records_.reset();
  summary_.reset();
  row_type_.reset();
  if (file_.get() >= 0 && file_.reset() < 0 && result.ok())
    result = h5_error(path, "H5Fclose", __FILE__, __LINE__);
  if (room_fd_ >= 0) {
    // The blocks reserve() set aside past the end go back to the file system.
    struct stat st;
    if (::fstat(room_fd_, &st) == 0) (void)::ftruncate(room_fd_, st.st_size);
    ::close(room_fd_);
    room_fd_ = -1;
  }
  return result;
}

}  // namespace hs::store
