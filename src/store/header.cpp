#include "store/header.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"
#include "search/space_text.h"
#include "trial/codec.h"
#include "trial/rungs.h"

namespace hs {

namespace {
// The config text's lines, each with its '\n' (the last may lack one), without its "# file: NAME"
// lines: what the hash covers and the difference compares, so the same file reached by another
// path (a resume from another folder) is the same sweep.
std::vector<std::string> config_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    end = end == std::string::npos ? text.size() : end + 1;
    if (text.compare(pos, 8, "# file: ") != 0) lines.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return lines;
}

// The first "what = value" line of two config forms that differs, as "what: A in the file, B
// here" (a value given on one side only is "not given" on the other; for a [sweep] or
// [objective] key, "not given (or given its default)": config/canonical.h leaves out those keys
// given their defaults).
std::string form_difference(const std::string& file_form, const std::string& here_form,
                            const HeaderSides& sides) {
  auto values = [](const std::string& form) {
    std::map<std::string, std::string> m;
    std::vector<std::string> order;
    for (std::string l : config_lines(form)) {
      if (!l.empty() && l.back() == '\n') l.pop_back();
      const size_t eq = l.find(" = ");
      const std::string what = eq == std::string::npos ? l : l.substr(0, eq);
      if (m.emplace(what, eq == std::string::npos ? "" : l.substr(eq + 3)).second)
        order.push_back(what);
    }
    return std::pair{m, order};
  };
  const auto [a, order_a] = values(file_form);
  const auto [b, order_b] = values(here_form);
  auto shown = [](const std::map<std::string, std::string>& m, const std::string& what) {
    const auto it = m.find(what);
    if (it != m.end()) return it->second;
    const bool may_be_default = what.starts_with("[sweep] ") || what.starts_with("[objective] ");
    return std::string(may_be_default ? "not given (or given its default)" : "not given");
  };
  for (const auto* order : {&order_a, &order_b})
    for (const std::string& what : *order)
      if (shown(a, what) != shown(b, what))
        return what + ": " + shown(a, what) + " " + sides.first + ", " + shown(b, what) + " " +
               sides.second;
  return "the configs differ";  // the same values in another order (a --set's place)
}

}  // namespace

std::string config_hash(const std::string& config_text, ConfigForm form) {
  Fnv1a64 hash;
  if (form) {
    hash.add(form(config_text));
  } else {
    for (const std::string& line : config_lines(config_text)) hash.add(line);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash.value()));
  return buf;
}

std::string header_difference(const SweepHeader& file, const SweepHeader& here,
                              const HeaderSides& sides) {
  const ConfigForm form = here.config_form;
  std::string file_form, here_form;
  if (form) {
    file_form = form(file.config_text);
    here_form = form(here.config_text);
    const auto& a = file.space.params;
    const auto& b = here.space.params;
    const bool same_order = a.size() == b.size() &&
        std::equal(a.begin(), a.end(), b.begin(),
                   [](const Param& x, const Param& y) { return x.name == y.name; });
    // The order of [space] counts; the direction is compared as each header holds it (the
    // canonical form leaves it out: a default that changed keeps a file's own).
    if (file_form == here_form && same_order && file.metric.direction == here.metric.direction)
      return "";
  } else if (file.config_hash == here.config_hash) {
    return "";
  }
  auto differs = [&](const std::string& what, const std::string& a, const std::string& b) {
    return what + ": " + a + " " + sides.first + ", " + b + " " + sides.second;
  };
  if (file.strategy != here.strategy) return differs("[sweep] strategy", file.strategy, here.strategy);
  if (file.seed != here.seed)
    return differs("[sweep] seed", std::to_string(file.seed), std::to_string(here.seed));
  if (file.metric.name != here.metric.name)
    return differs("[sweep] metric", file.metric.name, here.metric.name);
  if (file.metric.direction != here.metric.direction) {
    const std::string was = direction_name(file.metric.direction);
    return differs("[sweep] direction", was, direction_name(here.metric.direction)) +
           " (direction = \"" + was + "\" in [sweep] continues it as it was)";
  }
  const auto& a = file.space.params;
  const auto& b = here.space.params;
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i >= a.size()) return "[space] " + b[i].name + " is " + sides.second + " only";
    if (i >= b.size()) return "[space] " + a[i].name + " is " + sides.first + " only";
    if (a[i].name != b[i].name)
      return differs("[space] parameter " + std::to_string(i + 1), a[i].name, b[i].name);
    const std::string va = describe_values(a[i]), vb = describe_values(b[i]);
    if (va != vb) return differs("[space] " + a[i].name, va, vb);
  }
  if (form) return form_difference(file_form, here_form, sides);
  const std::vector<std::string> la = config_lines(file.config_text), lb = config_lines(here.config_text);
  auto shown = [](const std::vector<std::string>& lines, size_t i) {
    if (i >= lines.size()) return std::string("nothing");
    std::string l = lines[i];
    if (!l.empty() && l.back() == '\n') l.pop_back();
    return "`" + l + "`";
  };
  for (size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    const std::string x = shown(la, i), y = shown(lb, i);
    if (x != y) return differs("config line " + std::to_string(i + 1), x, y);
  }
  return "the config hashes differ (" + file.config_hash + " " + sides.first + ", " +
         here.config_hash + " " + sides.second + ")";
}

std::string encode_header(const SweepHeader& h) {
  ByteWriter w;
  w.str(h.config_text);
  w.str(h.config_hash);
  w.str(h.strategy);
  w.pod<uint64_t>(h.seed);
  w.str(h.version);
  w.str(h.start_time);
  w.str(h.metric.name);
  w.pod<uint64_t>(h.space.params.size());
  for (const Param& p : h.space.params) {
    w.str(p.name);
    w.pod<uint8_t>(static_cast<uint8_t>(p.kind));
    w.pod<double>(p.lo);
    w.pod<double>(p.hi);
    w.pod<uint8_t>(p.log ? 1 : 0);
    put_values(w, p.choices);
    w.pod<int64_t>(p.grid);
    w.str(p.file);
    w.pod<int32_t>(p.line);
  }
  w.pod<uint8_t>(h.metric.direction == Direction::kMaximize ? 0 : 1);
  w.str(h.pruner);
  w.pod<uint64_t>(h.rungs.size());
  for (const Rung& g : h.rungs) {
    w.pod<int32_t>(g.bracket);
    w.pod<int32_t>(g.rung);
    w.pod<int32_t>(g.epoch);
    w.pod<int64_t>(g.trials);
  }
  return w.take();
}

bool decode_header(const std::string& bytes, SweepHeader* h) {
  ByteReader r(bytes);
  h->config_text = r.str();
  h->config_hash = r.str();
  h->strategy = r.str();
  h->seed = r.pod<uint64_t>();
  h->version = r.str();
  h->start_time = r.str();
  h->metric.name = r.str();
  h->space.params.resize(r.count(8));
  for (Param& p : h->space.params) {
    p.name = r.str();
    const uint8_t kind = r.pod<uint8_t>();
    if (kind > static_cast<uint8_t>(ParamKind::kFixed)) r.ok = false;
    p.kind = static_cast<ParamKind>(kind);
    p.lo = r.pod<double>();
    p.hi = r.pod<double>();
    p.log = r.pod<uint8_t>() != 0;
    p.choices = take_values(r);
    p.grid = r.pod<int64_t>();
    p.file = r.str();
    p.line = r.pod<int32_t>();
  }
  // The direction came last, after the first hypersweep journals: one without it takes the
  // metric's default direction.
  h->metric.direction = stored_default_direction(h->metric.name);
  if (r.ok && !r.at_end()) {
    const uint8_t d = r.pod<uint8_t>();
    if (d > 1) r.ok = false;
    h->metric.direction = d == 0 ? Direction::kMaximize : Direction::kMinimize;
  }
  // The pruner and its rungs came after the direction: a header without them had no pruner.
  h->pruner.clear();
  h->rungs.clear();
  if (r.ok && !r.at_end()) {
    h->pruner = r.str();
    h->rungs.resize(r.count(20));  // a rung is 3 x 4 + 8 bytes
    for (Rung& g : h->rungs) {
      g.bracket = r.pod<int32_t>();
      g.rung = r.pod<int32_t>();
      g.epoch = r.pod<int32_t>();
      g.trials = r.pod<int64_t>();
    }
    if (!schedule_fault(h->rungs).empty()) r.ok = false;  // a damaged one: never indexed by
  }
  return r.done();
}

}  // namespace hs
