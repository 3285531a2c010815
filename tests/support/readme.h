// readme.h: README.md's code blocks as the tests that run them read them.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "support/cli.h"

namespace hs::test {

// The python block that follows `marker` in README.md.
inline std::string readme_example(const std::string& marker) {
  const std::string readme = slurp(fs::path(HS_SOURCE_DIR) / "README.md");
  const size_t at = readme.find(marker);
  REQUIRE(at != std::string::npos);
  const size_t begin = readme.find("```python\n", at);
  REQUIRE(begin != std::string::npos);
  const size_t end = readme.find("```", begin + 10);
  return readme.substr(begin + 10, end - begin - 10);
}

}  // namespace hs::test
