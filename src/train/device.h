// device.h: where a trial trains: the CPU engine, or a CUDA GPU in a build with the CUDA backend
// (src/cuda; the top CMakeLists.txt builds it when it finds a CUDA compiler).
//
// May depend on: core; train/cuda_backend.h (inside device.cpp).
// Thread safety: pure functions, but device_problem() may fork (see there).
#pragma once

#include <string>
#include <string_view>

namespace hs {

enum class Device { kCpu, kCuda };

const char* device_name(Device d);  // cpu, cuda
bool parse_device(std::string_view s, Device* out);

// Why `d` cannot train in this process's environment ("" when it can): cpu always can; cuda
// needs a build with the CUDA backend, its module (cuda_backend.h) and a device the driver
// shows. In a build with the backend the question is put to a short-lived child process, so
// this process never loads the module nor initialises CUDA: a process that forks each trial's
// process (objective/forked_objective.h) must not, or the children's CUDA fails. A build without
// it answers here, with no child.
std::string device_problem(Device d);

// The words device_problem uses for cuda when the driver shows no device, `why` being the
// driver's reason (cuda/device.h: device_count), for a trial process that asked it itself.
std::string no_gpu_problem(const std::string& why);

}  // namespace hs
