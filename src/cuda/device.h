// device.h: the CUDA devices this process can use, memory on one of them, and
// the stream and cuBLAS handle its kernels run on (Context). Plain C++: no CUDA
// header is needed to call it, so the trainer and the tests are compiled by the
// host compiler and only src/cuda/*.cu by nvcc.
//
// Failures: device_count() never fails (no driver and no device read as 0
// devices, with the reason); a CUDA or cuBLAS call that fails once a Context
// exists is a broken invariant and stops the program naming the call, its file
// and line and CUDA's message (HS_CHECK's policy: the trial's process ends, and
// the sweep records it failed).
//
// May depend on: src/core, the CUDA runtime and cuBLAS (only inside the .cu
// files). Thread safety: a Context is used by one thread at a time; buffers
// belong to their Context's device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hs::cuda {

// How many CUDA devices this process may use (CUDA_VISIBLE_DEVICES applies); 0
// when there is no driver or no device, and then *why (may be null) says which,
// in words a user can act on.
int device_count(std::string* why = nullptr);

// The device's name and compute capability, e.g. "NVIDIA H200 (sm_90)".
// REQUIRES: device < device_count().
std::string device_name(int device);

// One device, the stream every kernel of this Context is queued on, and a
// cuBLAS handle bound to that stream. Kernels run in the order they were
// called; download() waits for them.
class Context {
 public:
  explicit Context(int device);  // REQUIRES: 0 <= device < device_count()
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int device() const { return device_; }
  void* stream() const { return stream_; }  // cudaStream_t
  void* cublas() const { return cublas_; }  // cublasHandle_t
  void synchronize() const;                 // waits for every kernel queued so far

 private:
  int device_ = 0;
  void* stream_ = nullptr;
  void* cublas_ = nullptr;
};

// n elements of T in device memory, freed with the object. Copies are queued on
// the Context's stream; download() returns once the data (and everything queued
// before it) is there.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(Context& ctx, size_t n);
  ~Buffer();
  Buffer(Buffer&& o) noexcept;
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  T* data() { return ptr_; }
  const T* data() const { return ptr_; }
  size_t size() const { return n_; }

  void upload(const T* host, size_t n);    // REQUIRES: n <= size()
  void download(T* host, size_t n) const;  // REQUIRES: n <= size()
  void zero();                             // every element to 0 (all-zero bytes)
  // Convenience: a buffer holding `host`, and the whole buffer back.
  static Buffer from(Context& ctx, const std::vector<T>& host) {
    Buffer b(ctx, host.size());
    b.upload(host.data(), host.size());
    return b;
  }
  std::vector<T> to_host() const {
    std::vector<T> out(n_);
    download(out.data(), n_);
    return out;
  }

 private:
  Context* ctx_ = nullptr;
  T* ptr_ = nullptr;
  size_t n_ = 0;
};

}  // namespace hs::cuda
