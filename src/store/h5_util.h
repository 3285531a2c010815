// h5_util.h (internal to hs_store): what the results file (results_file.cpp) and the recipe
// file (recipe_file.cpp) share to write and read their HDF5 files: string, string-list, number
// and parameter-value attributes, opening a file to read without its lock, "group <g>: " in front
// of an error.
//
// Every HDF5 call goes through H5_TRY / H5_OPEN (h5/h5.h); every id is held by an H5Id, so it is
// closed on every return path. Callers silence HDF5's own error printing
// (QuietHdf5) around their calls. Thread safety: as for ResultsFile.
#pragma once

#include <fcntl.h>
#include <hdf5.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/file.h"
#include "h5/h5.h"
#include "search/space.h"

namespace hs::store {

// "group <g>: <message>": an error met inside group `g` of the file the error names.
inline Error in_group(Error e, const std::string& group) {
  e.message = "group " + group + ": " + e.message;
  return e;
}

// An HDF5 call's error (h5_error: "<call> failed (<source>:<line>): <HDF5's message>") as the user
// reads it: what was being done to the file, then HDF5's message, or the system's when errno says
// the disk is full (HDF5's own words for that are "unable to flush"). The call's text and source
// line are left out. Other errors come back as they are.
inline Error plain_h5_error(Error e, const std::string& doing, int err = 0) {
  // h5_error's form: the call (an H5 function, or the variable H5_TRY checked: `has`), then
  // " failed (<source>:<line>)".
  const size_t failed = e.message.find(" failed (");
  if (failed == std::string::npos) return e;
  const size_t close = e.message.find(')', failed);
  const size_t line = e.message.rfind(':', close);
  if (close == std::string::npos || line == std::string::npos || line < failed || line + 1 == close ||
      e.message.find_first_not_of("0123456789", line + 1) != close)
    return e;
  const size_t colon = e.message.find("): ", failed);
  std::string why = colon == std::string::npos ? "" : e.message.substr(colon + 3);
  if (err == ENOSPC || err == EDQUOT || err == EFBIG || err == EROFS || err == EIO)
    why = std::strerror(err);
  e.message = doing + (why.empty() ? "" : ": " + why);
  return e;
}

// Whether something is at `path`: a file, or a link (lstat: a dangling link counts, so it is
// refused or removed, never written through).
inline bool file_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// Whether a sweep may append to the existing file at `path`: this process may write it, and it
// has some write permission (a file made read-only is refused, though root would write it).
inline bool writable_results(const std::string& path) {
  struct stat mode {};
  return ::access(path.c_str(), W_OK) == 0 &&
         !(::stat(path.c_str(), &mode) == 0 && (mode.st_mode & 0222) == 0);
}

// Whether another program holds HDF5's lock on the file at `path` (HDF5 flock()s a file it
// opens: an h5py.File(path, "r") without locking=False, HDFView). Asked with a lock taken and let
// go at once; a file that cannot be opened is not held.
inline bool held_by_another(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // lets the lock go
  return held;
}

// Whether `path` is a folder (or a link to one).
inline bool is_folder(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Why `path` cannot be read as an HDF5 <what> ("results file", "recipe file"): "no such <what>",
// "is a folder, not a <what>", "not an HDF5 file (H5Fis_hdf5), so not a <what>"; {} when it can.
inline Status hdf5_file_at(const std::string& path, const std::string& what) {
  if (!file_exists(path)) return make_error(path, "no such " + what);
  // A link to nothing, or in a loop: said so, not "not an HDF5 file".
  if (struct stat st {}; ::stat(path.c_str(), &st) != 0) {
    const std::string why = std::strerror(errno);
    std::error_code ec;
    if (errno == ENOENT)
      return make_error(path, "is a symbolic link to " +
                                  std::filesystem::read_symlink(path, ec).string() +
                                  ", which does not exist, so not a " + what);
    return make_error(path, "cannot be read as a " + what + ": " + why);
  }
  // A FIFO there would hang H5Fis_hdf5's open (and a device feed it forever).
  if (const std::string is = not_replaceable(path); !is.empty())
    return make_error(path, "is " + is + ", not a " + what);
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  H5Eclear2(H5E_DEFAULT);
  if (is_hdf5 <= 0) return make_error(path, "not an HDF5 file (H5Fis_hdf5), so not a " + what);
  return {};
}

// Opens <path> read-only, its errors saying what the file should have been (hdf5_file_at).
// No file lock: HDF5 1.10 locks a file for as long as its writer holds it open, and reading a
// sweep's file while it runs is the point; what the writer flushed is consistent. When this
// process is the writer, HDF5 shares its open file, but only with the same locking flag, hence
// the second try with the default one.
inline Result<H5Id> open_for_reading(const std::string& path, const std::string& what) {
  if (Status st = hdf5_file_at(path, what); !st) return st.error();
  H5_OPEN(fapl, H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5_TRY(H5Pset_file_locking(fapl.get(), false, true));
  H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  if (!file.ok()) {
    const Error unlocked = h5_error(path, "H5Fopen(RDONLY, no file locking)", __FILE__, __LINE__);
    file.reset(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
    if (!file.ok()) return unlocked;
  }
  return file;
}

// ---- attributes ------------------------------------------------------------------------------

// A scalar variable-length UTF-8 string attribute (h5py reads it as str).
inline Status attr_string(const std::string& path, hid_t loc, const char* name,
                          const std::string& v) {
  H5_OPEN(type, H5Tcopy(H5T_C_S1), H5Tclose);
  H5_TRY(H5Tset_size(type.get(), H5T_VARIABLE));
  H5_TRY(H5Tset_cset(type.get(), H5T_CSET_UTF8));
  H5_OPEN(space, H5Screate(H5S_SCALAR), H5Sclose);
  H5_OPEN(attr, H5Acreate2(loc, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* p = v.c_str();
  H5_TRY(H5Awrite(attr.get(), type.get(), &p));
  return Status::Ok();
}

// A scalar number attribute of HDF5 type `type` (which must match T).
template <class T>
Status attr_number(const std::string& path, hid_t loc, const char* name, hid_t type, T v) {
  H5_OPEN(space, H5Screate(H5S_SCALAR), H5Sclose);
  H5_OPEN(attr, H5Acreate2(loc, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5_TRY(H5Awrite(attr.get(), type, &v));
  return Status::Ok();
}

// Attribute `name` of the object `obj` (relative to `loc`) as a string, variable- or
// fixed-length.
inline Result<std::string> read_attr_string(const std::string& path, hid_t loc, const char* obj,
                                            const char* name) {
  H5_OPEN(attr, H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5_OPEN(ftype, H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(ftype.get()) != H5T_STRING) {
    return make_error(path, std::string("attribute ") + name + " of " + obj + " is not a string");
  }
  H5_OPEN(mtype, H5Tcopy(H5T_C_S1), H5Tclose);
  H5_TRY(H5Tset_cset(mtype.get(), H5Tget_cset(ftype.get())));
  const htri_t var = H5Tis_variable_str(ftype.get());
  H5_TRY(var);
  if (var > 0) {
    H5_TRY(H5Tset_size(mtype.get(), H5T_VARIABLE));
    char* p = nullptr;
    H5_TRY(H5Aread(attr.get(), mtype.get(), &p));
    std::string v = p ? p : "";
    H5free_memory(p);
    return v;
  }
  const size_t n = H5Tget_size(ftype.get());
  H5_TRY(H5Tset_size(mtype.get(), n));
  std::string v(n, '\0');
  H5_TRY(H5Aread(attr.get(), mtype.get(), v.data()));
  v.resize(strnlen(v.data(), n));
  return v;
}

// A 1-D variable-length UTF-8 string attribute (parameters, layer_names).
inline Status attr_strings(const std::string& path, hid_t loc, const char* name,
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

// A 1-D double attribute (a trial's result_values).
inline Status attr_doubles(const std::string& path, hid_t loc, const char* name,
                           const std::vector<double>& v) {
  const hsize_t n = v.size();
  H5_OPEN(space, H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5_OPEN(attr, H5Acreate2(loc, name, H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!v.empty()) H5_TRY(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, v.data()));
  return Status::Ok();
}

// A 1-D double attribute back.
inline Result<std::vector<double>> read_attr_doubles(const std::string& path, hid_t loc,
                                                     const char* obj, const char* name) {
  H5_OPEN(attr, H5Aopen_by_name(loc, obj, name, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5_OPEN(space, H5Aget_space(attr.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  H5_TRY(n);
  std::vector<double> out(static_cast<size_t>(n));
  if (n > 0) H5_TRY(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, out.data()));
  return out;
}

// A 2-D int64 attribute of `rows` rows of `cols` values, row after row in `v` (the root's rungs).
inline Status attr_int64_table(const std::string& path, hid_t loc, const char* name,
                               const std::vector<int64_t>& v, size_t cols) {
  const hsize_t dims[2] = {v.size() / cols, cols};
  H5_OPEN(space, H5Screate_simple(2, dims, nullptr), H5Sclose);
  H5_OPEN(attr, H5Acreate2(loc, name, H5T_NATIVE_INT64, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!v.empty()) H5_TRY(H5Awrite(attr.get(), H5T_NATIVE_INT64, v.data()));
  return Status::Ok();
}

// A 2-D int64 attribute of `cols` columns back, row after row; another shape is an error.
inline Result<std::vector<int64_t>> read_attr_int64_table(const std::string& path, hid_t loc,
                                                          const char* name, size_t cols) {
  H5_OPEN(attr, H5Aopen(loc, name, H5P_DEFAULT), H5Aclose);
  H5_OPEN(space, H5Aget_space(attr.get()), H5Sclose);
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(space.get()) != 2 ||
      H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0 || dims[1] != cols)
    return make_error(path, std::string("attribute ") + name + " is not a table of " +
                                std::to_string(cols) + " columns");
  std::vector<int64_t> out(dims[0] * dims[1]);
  if (!out.empty()) H5_TRY(H5Aread(attr.get(), H5T_NATIVE_INT64, out.data()));
  return out;
}

// A parameter's value as a scalar attribute of its own type: int8 for a bool, int64, double, or
// a string.
inline Status attr_value(const std::string& path, hid_t loc, const char* name, const ParamValue& v) {
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

// A 1-D variable-length string attribute back (parameters, layer_names).
inline Result<std::vector<std::string>> read_attr_strings(const std::string& path, hid_t loc,
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
}  // namespace hs::store
