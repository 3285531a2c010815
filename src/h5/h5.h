// h5.h: what every HDF5 user in hypersweep shares (the data loader, the results store): an id
// that closes itself, a guard that silences HDF5's automatic error printing, and the check that
// every HDF5 call goes through: H5_TRY / H5_OPEN turn a failure into an hs::Error naming the
// file, the call, the source file and line, and HDF5's message for the call (or that it ran out
// of memory).
//
// May depend on: core, HDF5 (C API). Thread safety: QuietHdf5 changes a process-wide setting,
// so HDF5 must not be used from two threads at once while one is alive.
#pragma once

#include <hdf5.h>

#include <string>

#include "core/error.h"

namespace hs {

// An HDF5 id, closed with its close function when it goes out of scope or is reset.
class H5Id {
 public:
  explicit H5Id(herr_t (*close)(hid_t)) : close_(close) {}
  H5Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  H5Id(H5Id&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  H5Id& operator=(H5Id&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      close_ = o.close_;
      o.id_ = -1;
    }
    return *this;
  }
  ~H5Id() { reset(); }

  // Closes the id held (returning the close call's status, 0 when none) and takes `id`.
  herr_t reset(hid_t id = -1) {
    herr_t rc = 0;
    if (id_ >= 0) rc = close_(id_);
    id_ = id;
    return rc;
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }
  hid_t release() {  // the caller closes it
    const hid_t id = id_;
    id_ = -1;
    return id;
  }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t);
};

// Turns HDF5's automatic error-stack printing off for its lifetime, then restores it.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// What HDF5's error stack says, read and cleared: `call`, the message of the API call that failed
// (its outermost record, the one H5Eprint shows first: "can't read data"), and `allocation`, the
// message of the innermost record that is a failed memory allocation (major "Resource
// unavailable", minor "No space available for allocation"), "" when none is: a call can fail
// for want of memory (ulimit -v, a job's memory limit) on a file that is fine.
struct H5Stack {
  std::string call, allocation;
};
inline H5Stack h5_error_stack() {
  H5Stack out;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
        auto* s = static_cast<H5Stack*>(data);
        if (n == 0 && e->desc) s->call = e->desc;
        if (e->maj_num == H5E_RESOURCE && e->min_num == H5E_NOSPACE)
          s->allocation = e->desc && *e->desc ? e->desc : "memory allocation failed";
        return 0;
      },
      &out);
  H5Eclear2(H5E_DEFAULT);
  return out;
}

// How h5_error words a failed allocation; h5_out_of_memory tells such an error by it.
inline constexpr char kH5OutOfMemory[] = "out of memory";
inline bool h5_out_of_memory(const Error& e) {
  return e.message.find(std::string(": ") + kH5OutOfMemory + " (HDF5: ") != std::string::npos;
}

// "<call> failed (<source>:<line>): <HDF5's message>" about the file `path`; when HDF5 ran out
// of memory, "...: out of memory (HDF5: <its allocation's message>; ...)" instead.
inline Error h5_error(const std::string& path, const std::string& call, const char* file, int line) {
  const H5Stack stack = h5_error_stack();
  const std::string detail =
      stack.allocation.empty()
          ? stack.call
          : std::string(kH5OutOfMemory) + " (HDF5: " + stack.allocation +
                "; is a memory limit set, such as ulimit -v or the job's?)";
  return make_error(path, call + " failed (" + file + ":" + std::to_string(line) + ")" +
                              (detail.empty() ? "" : ": " + detail));
}

// Both need `path` (the file the error is about) in scope, and return an Error from the
// enclosing function (which returns a Status or a Result).
#define H5_TRY(call)                                                      \
  do {                                                                    \
    if ((call) < 0) return ::hs::h5_error(path, #call, __FILE__, __LINE__); \
  } while (0)
#define H5_OPEN(var, call, close)                 \
  ::hs::H5Id var((call), (close));                \
  if (var.get() < 0) return ::hs::h5_error(path, #call, __FILE__, __LINE__)

}  // namespace hs
