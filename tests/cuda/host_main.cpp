// The Catch2 main of cuda_host_test (tests/cuda/CMakeLists.txt), which cannot link
// hs_catch_main: that brings the real hs_train, with its own GPU engine.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
