// text.h: internal to src/recipe: numbers and lists as the steps' reports write them.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "core/text.h"

namespace hs::recipe_text {

// 4 significant digits: enough to tell lrs and losses apart in a sentence.
inline std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

// "1 epoch", "10 epochs".
inline std::string epochs(int n) { return counted(n, "epoch"); }

// "a", "a and b", "a, b and c".
inline std::string listed(const std::vector<std::string>& items) {
  std::string s;
  for (size_t k = 0; k < items.size(); ++k)
    s += (k == 0 ? "" : k + 1 == items.size() ? " and " : ", ") + items[k];
  return s;
}

}  // namespace hs::recipe_text
