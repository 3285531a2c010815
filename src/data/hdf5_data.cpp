// hdf5_data.cpp: HDF5 files with inputs [N, D] or 4-D (NHWC, or NCHW transposed on loading) and
// labels [N], under the data set names DataOptions gives (X and y by default).
//
// Every HDF5 call is checked; a failure becomes an hs::Error naming the file, the call, this
// source file and line, and HDF5's own innermost message (h5/h5.h). Every id is held by an H5Id, so it is closed on every return path.
// HDF5's automatic error printing is off while a file loads (QuietHdf5); that setting is
// process-wide, so do not load HDF5 files from two threads at once.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "data/internal.h"
#include "h5/h5.h"
#include "data/load.h"

namespace hs {
namespace {

// "<call> failed (this file:line): <HDF5's innermost message>", and the error stack cleared.
#define H5_ERROR(call) ::hs::h5_error(path, (call), __FILE__, __LINE__)

std::string dims_text(const std::vector<hsize_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

// Opens dataset `name` of `file` into *ds and reads its dims. `integer` demands integer
// elements (labels); otherwise any integer or float type will do (HDF5 converts on reading).
// *is_integer says which it holds.
Status open_dataset(const std::string& path, hid_t file, const std::string& name_str,
                    const char* key, bool integer, H5Id* ds, std::vector<hsize_t>* dims,
                    bool* is_integer) {
  const char* name = name_str.c_str();
  const std::string q = std::string("\"") + name + "\"";
  const htri_t exists = H5Lexists(file, name, H5P_DEFAULT);
  if (exists < 0) return H5_ERROR("H5Lexists(" + q + ")");
  if (exists == 0) {
    return make_error(path, "missing dataset " + q + " (" + key + " names it; the file's " +
                                "data sets are listed by h5ls -r " + path + ")");
  }
  // A group of that name is no data set: said so, not as an HDF5 call failing.
  if (const H5Id group(H5Gopen2(file, name, H5P_DEFAULT), H5Gclose); group.ok())
    return make_error(path, q + " is a group, not a data set (" + key + " names it; the file's "
                            "data sets are listed by h5ls -r " + path + ")");
  ds->reset(H5Dopen2(file, name, H5P_DEFAULT));
  if (!ds->ok()) return H5_ERROR("H5Dopen2(" + q + ")");

  const H5Id type(H5Dget_type(ds->get()), H5Tclose);
  if (!type.ok()) return H5_ERROR("H5Dget_type(" + q + ")");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls == H5T_NO_CLASS) return H5_ERROR("H5Tget_class(" + q + ")");
  if (integer && cls != H5T_INTEGER) {
    return make_error(path, "dataset " + q + " must hold integers (the labels, named by " +
                                key + ")");
  }
  *is_integer = cls == H5T_INTEGER;
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    return make_error(path, "dataset " + q + " must hold numbers");
  }

  const H5Id space(H5Dget_space(ds->get()), H5Sclose);
  if (!space.ok()) return H5_ERROR("H5Dget_space(" + q + ")");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) return H5_ERROR("H5Sget_simple_extent_ndims(" + q + ")");
  dims->assign(static_cast<size_t>(rank), 0);
  if (H5Sget_simple_extent_dims(space.get(), dims->data(), nullptr) < 0) {
    return H5_ERROR("H5Sget_simple_extent_dims(" + q + ")");
  }
  return Status::Ok();
}

// The error for element `flat` of X (row-major, of shape `xd`) that breaks the feature rule,
// naming its index on every axis: "dataset X: X[12, 3] is not a finite float: nan".
Error not_finite(const std::string& path, const std::string& name, const std::vector<hsize_t>& xd,
                 int64_t flat, float v) {
  std::string index;
  auto rest = static_cast<hsize_t>(flat);
  for (size_t i = xd.size(); i-- > 0;) {
    index = std::to_string(rest % xd[i]) + (index.empty() ? "" : ", ") + index;
    rest /= xd[i];
  }
  return make_error(path, "dataset " + name + ": " + name + "[" + index + "] " +
                              data_internal::kNotFiniteFeature +
                              ": " + std::to_string(v) + " (the first such feature)");
}

// [n, c, h, w] -> [n, h, w, c], in place through one image-sized buffer.
void nchw_to_nhwc(std::vector<float>* x, int64_t n, int c, int h, int w) {
  const int64_t hw = static_cast<int64_t>(h) * w;
  std::vector<float> image(static_cast<size_t>(hw * c));
  for (int64_t i = 0; i < n; ++i) {
    float* at = x->data() + i * hw * c;
    for (int ch = 0; ch < c; ++ch) {
      for (int64_t p = 0; p < hw; ++p) image[static_cast<size_t>(p * c + ch)] = at[ch * hw + p];
    }
    std::copy(image.begin(), image.end(), at);
  }
}

// The ranks, N and sizes of the inputs and labels that a Dataset can hold.
Status check_shapes(const std::string& path, const std::string& inputs, const std::string& labels,
                    Layout layout, const std::vector<hsize_t>& xd,
                    const std::vector<hsize_t>& yd) {
  if (xd.size() != 2 && xd.size() != 4) {
    return make_error(path, "wrong rank: " + inputs + " is " + dims_text(xd) +
                                ", expected [N, D] or " +
                                (layout == Layout::kNhwc ? "[N, H, W, C] (layout = \"nhwc\")"
                                                         : "[N, C, H, W] (layout = \"nchw\")"));
  }
  if (yd.size() != 1) {
    return make_error(path, "wrong rank: " + labels + " is " + dims_text(yd) + ", expected [N]");
  }
  if (xd[0] != yd[0]) {
    return make_error(path, "shape mismatch: " + inputs + " has " + std::to_string(xd[0]) +
                                " rows, " + labels + " has " + std::to_string(yd[0]));
  }
  uint64_t dim = 1;
  for (size_t i = 1; i < xd.size(); ++i) dim *= xd[i];
  if (xd[0] == 0 || dim == 0) {
    return make_error(path, std::string(xd[0] == 0 ? "no samples" : "no features") + ": " +
                                inputs + " is " + dims_text(xd));
  }
  // int32 sample indices and int shape fields; the per-axis check keeps `dim` from overflowing.
  const bool too_big = xd[0] > INT32_MAX ||
                       std::any_of(xd.begin() + 1, xd.end(), [](hsize_t v) { return v > 65535; });
  if (too_big || dim > INT32_MAX) {
    return make_error(path, "too large: " + inputs + " is " + dims_text(xd));
  }
  return Status::Ok();
}

// Each label >= 0, and the whole a label set, not a feature (internal.h: label_problem).
Status check_labels(const std::string& path, const std::string& labels,
                    const std::vector<int64_t>& wide, std::vector<int32_t>* y) {
  // Read as int64, so a label too large for int32 is named as the file holds it (a uint64 past
  // int64's range is clipped to its largest, said as "at least").
  for (size_t i = 0; i < wide.size(); ++i) {
    const int64_t v = wide[i];
    if (v >= 0 && v < INT32_MAX) continue;
    const std::string at = "label out of range: " + labels + "[" + std::to_string(i) + "] = ";
    if (v < 0) return make_error(path, at + std::to_string(v) + " (labels are >= 0)");
    return make_error(path, at + (v == INT64_MAX ? "at least " : "") + std::to_string(v) +
                                ", more than the " + std::to_string(kMaxClasses) +
                                " classes a label may have");
  }
  y->assign(wide.begin(), wide.end());
  if (std::string why = data_internal::label_problem(*y, kMaxClasses); !why.empty()) {
    return make_error(path, "dataset \"" + labels + "\" (h5_labels), " + why +
                                ": it looks like a feature, not the labels; set h5_labels in "
                                "[train] to the data set that holds them");
  }
  return Status::Ok();
}

}  // namespace

Result<Dataset> load_hdf5(const std::string& path, const std::string& inputs,
                          const std::string& labels, Layout layout, Keep keep) {
  // fopen first, for the plain "missing file" message HDF5 would bury in its error stack.
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
  } else {
    return data_internal::open_error(path, errno);
  }
  const QuietHdf5 quiet;
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 == 0) return make_error(path, "not an HDF5 file");
  if (is_hdf5 < 0) return H5_ERROR("H5Fis_hdf5");
  const H5Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.ok()) return H5_ERROR("H5Fopen");

  H5Id x(H5Dclose);
  H5Id y(H5Dclose);
  std::vector<hsize_t> xd;
  std::vector<hsize_t> yd;
  bool x_integer = false;
  bool y_integer = false;
  if (Status s = open_dataset(path, file.get(), inputs, "h5_inputs", false, &x, &xd, &x_integer);
      !s) {
    return s.error();
  }
  if (Status s = open_dataset(path, file.get(), labels, "h5_labels", true, &y, &yd, &y_integer);
      !s) {
    return s.error();
  }
  if (Status st = check_shapes(path, inputs, labels, layout, xd, yd); !st) return st.error();
  uint64_t dim = 1;
  for (size_t i = 1; i < xd.size(); ++i) dim *= xd[i];

  Dataset d;
  d.name = path;
  d.n = static_cast<int64_t>(xd[0]);
  const bool nchw = layout == Layout::kNchw;
  if (xd.size() == 4) {
    d.height = static_cast<int>(xd[nchw ? 2 : 1]);
    d.width = static_cast<int>(xd[nchw ? 3 : 2]);
    d.channels = static_cast<int>(xd[nchw ? 1 : 3]);
    d.is_image = true;
  } else {
    d.channels = static_cast<int>(xd[1]);
  }
  std::vector<int64_t> wide(static_cast<size_t>(d.n));
  if (H5Dread(y.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, wide.data()) < 0) {
    return H5_ERROR("H5Dread(\"" + labels + "\")");
  }
  if (keep == Keep::kAll) {
    d.x.resize(static_cast<size_t>(d.n) * dim);
    if (H5Dread(x.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.x.data()) < 0) {
      return H5_ERROR("H5Dread(\"" + inputs + "\")");
    }
  }
  // Checked before the transpose, so the index named is the file's own.
  const auto bad = std::find_if(d.x.begin(), d.x.end(),
                                [](float v) { return !data_internal::finite_feature(v); });
  if (bad != d.x.end()) return not_finite(path, inputs, xd, bad - d.x.begin(), *bad);
  if (!d.x.empty() && nchw && xd.size() == 4)
    nchw_to_nhwc(&d.x, d.n, d.channels, d.height, d.width);
  d.integer_inputs = x_integer;
  if (Status st = check_labels(path, labels, wide, &d.y); !st) return st.error();
  d.num_classes = *std::max_element(d.y.begin(), d.y.end()) + 1;
  return d;
}

}  // namespace hs
