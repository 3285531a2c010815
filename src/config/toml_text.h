// toml_text.h: what the readers of TOML tables share for their messages (config.cpp,
// sweep_config.cpp, and the [recipe] reader in src/recipe): where a node is and how it was written.
// Include it only where toml++ is linked.
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <sstream>
#include <string>

#include "core/error.h"
#include "core/text.h"

namespace hs {

inline int line_of(const toml::source_region& r) { return static_cast<int>(r.begin.line); }
inline int line_of(const toml::node& n) { return line_of(n.source()); }

// The value as TOML prints it (a table as its contents), clipped() for a message.
inline std::string text_of(const toml::node& n) {
  // A float in its shortest form, as written (0.1, not toml++'s 0.10000000000000001).
  if (const auto* d = n.as_floating_point()) return shortest_float(d->get());
  if (const auto* a = n.as_array()) {
    std::string s = "[";
    for (size_t i = 0; i < a->size(); ++i) s += (i ? ", " : "") + text_of(*a->get(i));
    return clipped(s + "]");
  }
  std::ostringstream os;
  n.visit([&](const auto& x) { os << x; });
  return clipped(os.str());
}

// An integer or a float as a double; nullopt for any other node.
inline std::optional<double> toml_number(const toml::node& n) {
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  if (const auto* d = n.as_floating_point()) return d->get();
  return std::nullopt;
}

}  // namespace hs
