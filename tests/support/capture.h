// capture.h: what a piece of code prints on this process's stdout or stderr, for tests of its
// progress lines, notes and warnings.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace hs::test {

// What `f` writes on file descriptor `fd` (1 or 2) while it runs, through a temporary file.
template <class F>
std::string output_of(int fd, F f) {
  std::fflush(fd == 1 ? stdout : stderr);
  std::string name = (std::filesystem::temp_directory_path() / "hs_capture_XXXXXX").string();
  const int file = ::mkstemp(name.data());
  REQUIRE(file >= 0);
  const int saved = ::dup(fd);
  REQUIRE(saved >= 0);
  ::dup2(file, fd);
  ::close(file);
  f();
  std::fflush(fd == 1 ? stdout : stderr);
  ::dup2(saved, fd);
  ::close(saved);
  std::ifstream in(name);
  std::string out(std::istreambuf_iterator<char>(in), {});
  ::unlink(name.c_str());
  return out;
}

template <class F>
std::string stdout_of(F f) {
  return output_of(1, f);
}

template <class F>
std::string stderr_of(F f) {
  return output_of(2, f);
}

}  // namespace hs::test
