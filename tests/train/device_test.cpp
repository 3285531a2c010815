// device_test.cpp: where a trial trains (train/device.h, train/cuda_backend.h): a CPU run, and
// the question whether cuda could train here, leave this process without CUDA's libraries, and
// the answer to that question names what is missing.
#include "train/device.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "data/load.h"
#include "support/cli.h"
#include "support/synthetic_train.h"
#include "train/trainer.h"

using namespace hs;
using hs::test::contains;
using hs::test::slurp;

TEST_CASE("a CPU run and asking whether cuda can train map none of CUDA's libraries here",
          "[train][device]") {
  TrainOptions o = test::synthetic_options();
  o.epochs = 1;
  auto data = load_data(o.data);
  REQUIRE(data.ok());
  REQUIRE(train(o, *data).ok());
  const std::string why = device_problem(Device::kCuda);  // asked in a child
  INFO("device_problem: " << why);
  const std::string maps = slurp("/proc/self/maps");
  REQUIRE(contains(maps, "libc"));  // the file is read: the checks below can fail
  for (const char* lib : {"libcudart", "libcublas", "libhypersweep_cuda"}) {
    INFO(lib);
    CHECK_FALSE(contains(maps, lib));
  }
}

TEST_CASE("why cuda cannot train here names the missing part", "[train][device]") {
  const std::string why = device_problem(Device::kCuda);
  if (why.empty()) {
    WARN("a GPU can train here (tests/cuda train on it)");
    return;
  }
  // This test's executable sits beside the module in a build with the CUDA backend.
  const bool module = std::filesystem::exists(
      std::filesystem::read_symlink("/proc/self/exe").parent_path() / "libhypersweep_cuda.so");
  INFO(why);
  CHECK(contains(why, module ? "\"cuda\" needs a GPU, and none can be used here ("
                             : "this hypersweep was built without it"));
  CHECK(device_problem(Device::kCpu).empty());
}
