// cuda_backend.cpp: finding the CUDA backend (cuda_backend.h). HYPERSWEEP_CUDA_BACKEND says
// where it is: 0, nowhere (a build without a CUDA compiler); 1, the module beside the executable;
// 2, linked into this program (tests/cuda's host stand-in, which links cuda_trainer.cpp itself).
#include "train/cuda_backend.h"

#include <dlfcn.h>
#include <unistd.h>

#include <string>

#include "train/device.h"
#include "train/trainer.h"

namespace hs {

namespace {

Error device_error(std::string message) { return Error{{}, 0, "device", std::move(message)}; }

#if HYPERSWEEP_CUDA_BACKEND == 1
// The folder of this process's executable, with its slash; "" when /proc cannot say.
std::string exe_folder() {
  std::string path(4096, '\0');
  const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size());
  if (n <= 0 || static_cast<size_t>(n) >= path.size()) return "";
  path.resize(static_cast<size_t>(n));
  return path.substr(0, path.rfind('/') + 1);
}

Result<const CudaBackend*> load_module() {
  const std::string path = exe_folder() + "libhypersweep_cuda.so";
  const std::string needs = "\"cuda\" needs the CUDA backend, and ";
  if (::access(path.c_str(), F_OK) != 0)
    return device_error(needs + "there is no " + path +
                        ": a build with the CUDA backend makes it beside the hypersweep "
                        "executable (README \"The CUDA backend\"); keep the two together");
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return device_error(needs + "its module does not load (" + ::dlerror() +
                        "); the CUDA runtime and cuBLAS it was built with must be where the build "
                        "found them or on LD_LIBRARY_PATH");
  using Entry = const CudaBackend* (*)();
  const auto entry = reinterpret_cast<Entry>(::dlsym(handle, "hypersweep_cuda_backend"));
  if (!entry) return device_error(needs + path + " has no hypersweep_cuda_backend");
  return entry();
}
#endif

Result<const CudaBackend*> find_backend() {
#if HYPERSWEEP_CUDA_BACKEND == 0
  return device_error(
      "\"cuda\" needs the CUDA backend, and this hypersweep was built without it (no CUDA "
      "compiler was found when it was configured; install the CUDA toolkit and build again, "
      "see README \"The CUDA backend\"); set device = \"cpu\"");
#else
#if HYPERSWEEP_CUDA_BACKEND == 1
  auto loaded = load_module();
  if (!loaded) return loaded.error();
  const CudaBackend* b = *loaded;
#else
  const CudaBackend* b = hypersweep_cuda_backend();
#endif
  if (std::string(b->version) != HYPERSWEEP_VERSION || b->options_size != sizeof(TrainOptions) ||
      b->network_size != sizeof(Network))
    return device_error("\"cuda\" needs the CUDA backend, and the one found (version " +
                        std::string(b->version) + ") belongs to another build than this " +
                        "hypersweep " HYPERSWEEP_VERSION "; build the two together");
  return b;
#endif
}

}  // namespace

Result<const CudaBackend*> cuda_backend() {
  static const Result<const CudaBackend*> found = find_backend();  // once, thread-safe
  return found;
}

std::string cuda_problem_here() {
  auto b = cuda_backend();
  if (!b) return b.error().message;
  std::string why;
  return (*b)->device_count(&why) > 0 ? "" : no_gpu_problem(why);
}

Result<std::unique_ptr<Engine>> make_cuda_engine(const TrainOptions& opt, Network net,
                                                 int64_t eval_batch) {
  auto b = cuda_backend();
  if (!b) return b.error();
  return (*b)->make_engine(opt, std::move(net), eval_batch);
}

}  // namespace hs
