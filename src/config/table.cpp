#include "config/table.h"

#include <algorithm>

#include "config/toml_text.h"

namespace hs {

namespace {

TableValue value_of(const toml::node& n) {
  TableValue v;
  v.text = text_of(n);
  v.line = line_of(n);
  if (const auto* b = n.as_boolean()) {
    v.kind = TableValue::Kind::kBool;
    v.boolean = b->get();
  } else if (const auto* i = n.as_integer()) {
    v.kind = TableValue::Kind::kInt;
    v.integer = i->get();
    v.number = static_cast<double>(i->get());
  } else if (const auto* d = n.as_floating_point()) {
    v.kind = TableValue::Kind::kFloat;
    v.number = d->get();
  } else if (const auto* s = n.as_string()) {
    v.kind = TableValue::Kind::kString;
    v.string = s->get();
  } else if (const auto* a = n.as_array()) {
    v.kind = TableValue::Kind::kArray;
    for (const auto& e : *a) v.items.push_back(value_of(e));
  }
  return v;
}

}  // namespace

Result<std::vector<TableEntry>> read_table(std::string_view text, const std::string& file,
                                           const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    return Error{file, static_cast<int>(e.source().begin.line), "", std::string(e.description())};
  }
  std::vector<TableEntry> out;
  const toml::node* node = root.get(name);
  if (!node) return out;
  const toml::table* t = node->as_table();
  if (!t) return Error{file, line_of(*node), name, "expected a table ([" + name + "])"};
  for (const auto& [k, v] : *t) out.push_back({std::string(k.str()), value_of(v)});
  std::stable_sort(out.begin(), out.end(), [](const TableEntry& a, const TableEntry& b) {
    return a.value.line < b.value.line;
  });
  return out;
}

}  // namespace hs
