// device.cpp: the device names and whether a device can train here.
#include "train/device.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "train/cuda_backend.h"

namespace hs {

const char* device_name(Device d) { return d == Device::kCuda ? "cuda" : "cpu"; }

bool parse_device(std::string_view s, Device* out) {
  if (s == "cpu") return *out = Device::kCpu, true;
  if (s == "cuda") return *out = Device::kCuda, true;
  return false;
}

std::string no_gpu_problem(const std::string& why) {
  return "\"cuda\" needs a GPU, and none can be used here (" + why + ")";
}

namespace {
// cuda_problem_here in a forked child; its answer ("" or why not) through a pipe.
[[maybe_unused]] std::string ask_a_child() {  // unused in a build without the backend
  int fds[2];
  if (::pipe(fds) != 0) return std::string("cannot ask for CUDA devices: pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]), ::close(fds[1]);
    return "cannot ask for CUDA devices: fork failed";
  }
  if (pid == 0) {
    ::close(fds[0]);
    const std::string answer = cuda_problem_here();
    (void)!::write(fds[1], answer.data(), answer.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string answer;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return "the process that asked the CUDA driver for devices crashed";
  return answer;
}
}  // namespace

std::string device_problem(Device d) {
  if (d == Device::kCpu) return "";
#if HYPERSWEEP_CUDA_BACKEND == 0
  // A build without the backend has nothing to load or initialise: the answer needs no child.
  return cuda_problem_here();
#else
  return ask_a_child();
#endif
}

}  // namespace hs
