// config_edit.cpp: the recommended config's text (config_edit.h).
#include "recipe/config_edit.h"

#include <algorithm>
#include <cctype>

#include "config/table.h"

namespace hs {

namespace {

// The net count of '[' over ']' on a line outside strings and comments: a value that goes on
// over the next lines (a multi-line array) leaves it above 0.
int open_brackets(const std::string& line) {
  int n = 0;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      break;
    } else {
      n += c == '[' ? 1 : c == ']' ? -1 : 0;
    }
  }
  return n;
}

// The comment a line ends with ("# my lr"), outside strings; "" when none.
std::string trailing_comment(const std::string& line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      return line.substr(i);
    }
  }
  return "";
}

// `text`'s lines, without their newlines.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

// The last line (0-based) of the value that starts on lines[at]: a multi-line array goes on until
// its brackets close.
size_t value_end(const std::vector<std::string>& lines, size_t at) {
  size_t end = at;
  for (int open = open_brackets(lines[at]); open > 0 && end + 1 < lines.size();)
    open += open_brackets(lines[++end]);
  return end;
}

// The name of the top-level table a header line opens ("sweep" for "[sweep]" or "[sweep.x]"),
// or "" for a line that is no table header.
std::string table_opened(const std::string& line) {
  const size_t a = line.find_first_not_of(" \t");
  if (a == std::string::npos || line[a] != '[') return "";
  const size_t b = line.find(']', a);
  if (b == std::string::npos) return "";
  std::string name = line.substr(a + 1, b - a - 1);
  name.erase(0, name.find_first_not_of(" \t["));
  name = name.substr(0, name.find_first_of(" \t.]"));
  const bool bare = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? name : "";
}

// Every line of the top-level `tables` (their headers and sub-tables too) commented out, the
// first with why. A header is told apart from a line of a multi-line array by the brackets
// still open before it.
void comment_out_tables(std::vector<std::string>* lines, const std::vector<std::string>& tables) {
  int open = 0;
  bool inside = false, said = false;
  for (std::string& line : *lines) {
    if (open == 0) {
      if (const std::string t = table_opened(line); !t.empty())
        inside = std::find(tables.begin(), tables.end(), t) != tables.end();
    }
    open = std::max(0, open + open_brackets(line));
    const size_t text = line.find_first_not_of(" \t");
    if (!inside || (text != std::string::npos && line[text] == '#')) continue;  // already one
    line = text == std::string::npos ? "#" : "# " + line;
    if (!said)
      line += "  # recipe: [train] sets every key [space] swept now, so the sweep tables are "
              "commented out (hypersweep train trains [train]; add a [space] entry to sweep)";
    said = true;
  }
}

}  // namespace

Result<std::string> with_changes(const std::string& text, const std::string& name,
                                 const std::vector<KeyChange>& changes) {
  auto entries = read_table(text, name, "train");
  if (!entries) return entries.error();
  std::vector<std::string> lines = split_lines(text);
  std::vector<bool> dropped(lines.size());  // a replaced value's lines after its first
  // 1-based line after which keys are added: the end of [train]'s last value (a key added after
  // a multi-line array's first line went inside it), 0 for none.
  int last = 0;
  for (const TableEntry& e : *entries) {
    const size_t at = static_cast<size_t>(e.value.line) - 1;
    // A [train] of dotted keys (train.lr = ...) or an inline table: a line rewritten as
    // `lr = ...` would leave the table, so the file cannot be edited a line at a time.
    const std::string& line = lines[at];
    const std::string head = line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
    if (head.starts_with("train.") || head.starts_with("train ") || head.starts_with("train="))
      return Error{name, e.value.line, "train",
                   "written as dotted keys or an inline table; the recommended config is this "
                   "file with its changed lines, which needs a [train] table header: write the "
                   "keys under [train]"};
    last = std::max(last, static_cast<int>(value_end(lines, at)) + 1);
  }
  std::vector<std::string> added;
  for (const KeyChange& c : changes) {
    const std::string out = c.line + "  # recipe: " + c.why;
    auto it = std::find_if(entries->begin(), entries->end(),
                           [&](const TableEntry& e) { return e.key == c.key; });
    if (it == entries->end()) {
      added.push_back(out);
      continue;
    }
    const size_t at = static_cast<size_t>(it->value.line) - 1;
    const size_t end = value_end(lines, at);
    std::string theirs = trailing_comment(lines[end]);  // a multi-line value's last line, or its first
    if (theirs.empty()) theirs = trailing_comment(lines[at]);
    lines[at] = out + (theirs.empty() ? "" : "  " + theirs);
    for (size_t k = at + 1; k <= end; ++k) dropped[k] = true;
  }
  if (last == 0 && !added.empty()) {
    lines.push_back("[train]");
    dropped.push_back(false);
    last = static_cast<int>(lines.size());
  }
  std::string s;
  for (size_t k = 0; k <= lines.size(); ++k) {
    if (k == static_cast<size_t>(last))
      for (const std::string& a : added) s += a + "\n";
    if (k < lines.size() && !dropped[k]) s += lines[k] + "\n";
  }
  return s;
}

Result<std::string> comment_out_swept(const std::string& text, const std::string& name,
                                      const std::vector<std::string>& keys, int epochs,
                                      std::vector<std::string>* left) {
  auto space = read_table(text, name, "space");
  if (!space) return space.error();
  std::vector<std::string> lines = split_lines(text);
  size_t commented = 0;
  for (const TableEntry& e : *space) {
    if (std::find(keys.begin(), keys.end(), e.key) == keys.end()) continue;
    const size_t at = static_cast<size_t>(e.value.line) - 1;
    const std::string& first = lines[at];
    const size_t key_at = first.find_first_not_of(" \t");
    if (key_at == std::string::npos || first.compare(key_at, e.key.size(), e.key) != 0 ||
        first.find_first_not_of(" \t", key_at + e.key.size()) != first.find('=', key_at)) {
      left->push_back(e.key);
      continue;
    }
    const size_t end = value_end(lines, at);
    for (size_t k = at; k <= end; ++k) lines[k] = "# " + lines[k];
    lines[at] += "  # recipe: [train] sets " + e.key + " now; sweeping it would override that";
    ++commented;
  }
  // [pruner] epochs past the [train] epochs set: run and train refused the file ("max_epochs:
  // 15 is more than the 4 epochs each trial trains"). Left out, they default to it.
  auto pruner = read_table(text, name, "pruner");
  if (!pruner) return pruner.error();
  for (const TableEntry& e : *pruner)
    if ((e.key == "max_epochs" || e.key == "min_epochs") &&
        e.value.kind == TableValue::Kind::kInt && epochs > 0 && e.value.integer > epochs) {
      std::string& line = lines[static_cast<size_t>(e.value.line) - 1];
      line = "# " + line + "  # recipe: [train] epochs is " + std::to_string(epochs) +
             " now; left out, " + e.key + " defaults to " +
             (e.key == "max_epochs" ? "it" : "1");
    }
  if (commented > 0 && commented == space->size()) {
    comment_out_tables(&lines, {"sweep", "space", "pruner"});
  } else if (commented > 0) {
    auto sweep = read_table(text, name, "sweep");
    if (!sweep) return sweep.error();
    std::string strategy;
    for (const TableEntry& e : *sweep)
      if (e.key == "strategy") strategy = e.value.string;
    for (const TableEntry& e : *sweep)
      if (e.key == "trials" && (strategy == "grid" || strategy == "list"))
        lines[static_cast<size_t>(e.value.line) - 1] =
            "# " + lines[static_cast<size_t>(e.value.line) - 1] + "  # recipe: [space] has fewer "
            "points now; a " + strategy + " runs all of them without trials";
  }
  std::string s;
  for (const std::string& line : lines) s += line + "\n";
  return s;
}

}  // namespace hs
