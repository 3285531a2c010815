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

}  // namespace hs::recipe_text
