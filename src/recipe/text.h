// text.h: internal to src/recipe: numbers as the steps' reports write them.
#pragma once

#include <cstdio>
#include <string>

namespace hs::recipe_text {

// 4 significant digits: enough to tell lrs and losses apart in a sentence.
inline std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

// "1 epoch", "10 epochs".
inline std::string epochs(int n) { return std::to_string(n) + (n == 1 ? " epoch" : " epochs"); }

}  // namespace hs::recipe_text
