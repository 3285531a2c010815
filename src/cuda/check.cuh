// check.cuh: the check every CUDA runtime and cuBLAS call of src/cuda goes
// through. A failure is a broken invariant once a Context exists: it stops the
// program with the call, its file and line and CUDA's own message (HS_CHECK's
// policy).
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>

namespace hs::cuda::detail {

[[noreturn]] inline void cuda_failed(const char* call, const char* file, int line,
                                     const char* what) {
  std::fprintf(stderr, "%s:%d: CUDA call failed: %s: %s\n", file, line, call, what);
  std::abort();
}

inline const char* cublas_message(cublasStatus_t s) { return cublasGetStatusString(s); }

}  // namespace hs::cuda::detail

#define HS_CUDA(call)                                                                          \
  do {                                                                                         \
    const cudaError_t hs_err_ = (call);                                                        \
    if (hs_err_ != cudaSuccess)                                                                \
      ::hs::cuda::detail::cuda_failed(#call, __FILE__, __LINE__, cudaGetErrorString(hs_err_)); \
  } while (0)

#define HS_CUBLAS(call)                                                            \
  do {                                                                             \
    const cublasStatus_t hs_st_ = (call);                                          \
    if (hs_st_ != CUBLAS_STATUS_SUCCESS)                                           \
      ::hs::cuda::detail::cuda_failed(#call, __FILE__, __LINE__,                   \
                                      ::hs::cuda::detail::cublas_message(hs_st_)); \
  } while (0)

// A kernel launch's own errors (a bad configuration) show at once; errors
// inside it show at the next synchronising call, which HS_CUDA checks.
#define HS_CUDA_LAUNCHED() HS_CUDA(cudaGetLastError())
