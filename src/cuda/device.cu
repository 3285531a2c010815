// device.cu: device discovery, Context (stream + cuBLAS handle) and Buffer.
#include <string>
#include <utility>

#include "core/check.h"
#include "cuda/check.cuh"
#include "cuda/device.h"

namespace hs::cuda {

int device_count(std::string* why) {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear it: the next runtime call must not see it
    if (why) *why = std::string("no usable CUDA driver or device: ") + cudaGetErrorString(err);
    return 0;
  }
  if (n == 0 && why) *why = "the CUDA driver sees no device (CUDA_VISIBLE_DEVICES may hide them)";
  return n;
}

std::string device_name(int device) {
  cudaDeviceProp p{};
  HS_CUDA(cudaGetDeviceProperties(&p, device));
  return std::string(p.name) + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) + ")";
}

Context::Context(int device) : device_(device) {
  HS_CHECK(device >= 0 && device < device_count());
  HS_CUDA(cudaSetDevice(device));
  cudaStream_t s = nullptr;
  HS_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  stream_ = s;
  cublasHandle_t h = nullptr;
  HS_CUBLAS(cublasCreate(&h));
  HS_CUBLAS(cublasSetStream(h, s));
  // Tensor-core TF32 would change results by ~1e-3 relative; the CPU engine is
  // the oracle.
  HS_CUBLAS(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));
  cublas_ = h;
}

Context::~Context() {
  if (cublas_) cublasDestroy(static_cast<cublasHandle_t>(cublas_));
  if (stream_) cudaStreamDestroy(static_cast<cudaStream_t>(stream_));
}

void Context::synchronize() const {
  HS_CUDA(cudaStreamSynchronize(static_cast<cudaStream_t>(stream_)));
}

template <class T>
Buffer<T>::Buffer(Context& ctx, size_t n) : ctx_(&ctx), n_(n) {
  HS_CUDA(cudaSetDevice(ctx.device()));
  if (n > 0) HS_CUDA(cudaMalloc(reinterpret_cast<void**>(&ptr_), n * sizeof(T)));
}

template <class T>
Buffer<T>::~Buffer() {
  if (ptr_) cudaFree(ptr_);
}

template <class T>
Buffer<T>::Buffer(Buffer&& o) noexcept
    : ctx_(std::exchange(o.ctx_, nullptr)),
      ptr_(std::exchange(o.ptr_, nullptr)),
      n_(std::exchange(o.n_, 0)) {}

template <class T>
Buffer<T>& Buffer<T>::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    if (ptr_) cudaFree(ptr_);
    ctx_ = std::exchange(o.ctx_, nullptr);
    ptr_ = std::exchange(o.ptr_, nullptr);
    n_ = std::exchange(o.n_, 0);
  }
  return *this;
}

template <class T>
void Buffer<T>::upload(const T* host, size_t n) {
  HS_CHECK(n <= n_);
  if (n == 0) return;
  auto s = static_cast<cudaStream_t>(ctx_->stream());
  HS_CUDA(cudaMemcpyAsync(ptr_, host, n * sizeof(T), cudaMemcpyHostToDevice, s));
  // The host memory may be freed or changed as soon as this returns.
  HS_CUDA(cudaStreamSynchronize(s));
}

template <class T>
void Buffer<T>::download(T* host, size_t n) const {
  HS_CHECK(n <= n_);
  if (n == 0) return;
  auto s = static_cast<cudaStream_t>(ctx_->stream());
  HS_CUDA(cudaMemcpyAsync(host, ptr_, n * sizeof(T), cudaMemcpyDeviceToHost, s));
  HS_CUDA(cudaStreamSynchronize(s));
}

template <class T>
void Buffer<T>::zero() {
  if (n_ == 0) return;
  HS_CUDA(cudaMemsetAsync(ptr_, 0, n_ * sizeof(T), static_cast<cudaStream_t>(ctx_->stream())));
}

template class Buffer<float>;
template class Buffer<double>;
template class Buffer<int32_t>;

}  // namespace hs::cuda
