// config.cpp: TrainConfig over the key table of keys.cpp: the TOML walk of a file, --set parsing,
// the cross-key checks of finish(), train_keys() and to_toml().
#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "config/keys.h"
#include "core/text.h"
#include "config/toml_text.h"

namespace hs {

using config_internal::find_spec;
using config_internal::Fields;
using config_internal::Kind;
using config_internal::kind_expected;
using config_internal::kind_name;
using config_internal::KeySpec;
using config_internal::quote;
using config_internal::render;
using config_internal::specs;
using config_internal::suggestion;
using config_internal::unknown_key;

namespace {

// ---- TOML nodes ------------------------------------------------------------------------------

// The node as ConfigValue; nullopt for types no key takes (tables, dates, lists of non-integers).
std::optional<ConfigValue> from_node(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::boolean: return ConfigValue(n.as_boolean()->get());
    case toml::node_type::integer: return ConfigValue(n.as_integer()->get());
    case toml::node_type::floating_point: return ConfigValue(n.as_floating_point()->get());
    case toml::node_type::string: return ConfigValue(n.as_string()->get());
    case toml::node_type::array: {
      std::vector<int64_t> list;
      for (const toml::node& e : *n.as_array()) {
        if (!e.is_integer()) return std::nullopt;
        list.push_back(e.as_integer()->get());
      }
      return ConfigValue(std::move(list));
    }
    default: return std::nullopt;
  }
}

std::string node_text(const toml::node& n) { return n.is_table() ? "a table" : text_of(n); }

std::string parse_error_text(const toml::parse_error& e) {
  return "TOML syntax error: " + std::string(e.description());
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Letters, digits and _ - . / ~ : + (names and paths); taken as a string in --set.
bool is_bare_word(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && !std::strchr("_-./~:+", c)) return false;
  }
  return true;
}

// Applies a parsed document to `config`, reporting the first fault in document order.
Status apply_document(TrainConfig& config, const toml::table& root, const std::string& name,
                      const std::string& dir) {
  struct Entry {
    int line;
    std::string key;
    const toml::node* node;
    bool top_level;  // an unknown or malformed top-level key, else a [train] key
  };
  std::vector<Entry> entries;
  for (const auto& [k, node] : root) {
    const std::string key(k.str());
    if (key == "train" && node.is_table()) {
      for (const auto& [tk, tnode] : *node.as_table()) {
        entries.push_back({line_of(tk.source()), std::string(tk.str()), &tnode, false});
      }
    } else if ((key == "sweep" || key == "space" || key == "objective" || key == "recipe" ||
                key == "pruner") &&
               node.is_table()) {
      continue;
    } else {
      entries.push_back({line_of(k.source()), key, &node, true});
    }
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.line < b.line; });

  for (const Entry& e : entries) {
    if (e.top_level) {
      std::string msg;
      if (e.key == "train" || e.key == "sweep" || e.key == "space" || e.key == "objective" ||
          e.key == "recipe" || e.key == "pruner") {
        msg = "expected a table ([" + e.key + "]), got " + node_text(*e.node);
      } else if (find_spec(e.key)) {
        msg = "trainer keys belong in the [train] table";
      } else {
        std::string hint =
            suggestion(e.key, {"train", "sweep", "space", "objective", "pruner", "recipe"}, false);
        if (hint.empty())
          hint = " (the top level holds [train], [sweep], [space], [objective], [pruner] and "
                 "[recipe])";
        msg = std::string(e.node->is_table() ? "unknown table" : "unknown top-level key") + hint;
      }
      return Error{name, e.line, e.key, msg};
    }
    const ConfigWhere where{name, e.line, dir};
    const KeySpec* spec = find_spec(e.key);
    if (!spec) return unknown_key(e.key, where);
    std::optional<ConfigValue> value = from_node(*e.node);
    if (!value) {
      return Error{name, e.line, e.key,
                   std::string("expected ") + kind_expected(spec->kind) + ", got " +
                       node_text(*e.node)};
    }
    Status st = config.set_value(e.key, *value, where);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

// The value of a --set: a string key takes the text as it stands unless it is quoted; any other
// key parses it as TOML, with a bare word taken as a string (for the type error that follows).
Result<ConfigValue> parse_set_value(const KeySpec& spec, std::string_view raw) {
  const Error fail{"--set", 0, spec.key, ""};
  const bool text = spec.kind == Kind::kString || spec.kind == Kind::kPath;
  if (text && (raw.empty() || (raw[0] != '"' && raw[0] != '\''))) {
    return ConfigValue(std::string(raw));
  }
  if (raw.empty()) {
    Error e = fail;
    e.message = "no value after '='";
    return e;
  }
  try {
    const toml::table t = toml::parse("v = " + std::string(raw), std::string_view("--set"));
    const toml::node* n = t.get("v");
    if (t.size() != 1 || !n) {
      Error e = fail;
      e.message = "cannot read " + quote(raw) + " as one value";
      return e;
    }
    if (std::optional<ConfigValue> v = from_node(*n)) return *v;
    Error e = fail;
    e.message = std::string("expected ") + kind_expected(spec.kind) + ", got " + node_text(*n);
    return e;
  } catch (const toml::parse_error& err) {
    if (is_bare_word(raw)) return ConfigValue(std::string(raw));
    Error e = fail;
    e.message = "cannot read " + quote(raw) + " as a value (" + parse_error_text(err) + ")";
    return e;
  }
}

// A --set as one comment line of text().
std::string set_line(std::string_view assignment) {
  std::string line = "# --set ";
  for (char c : assignment) {
    if (c == '\n') {
      line += "\\n";
    } else if (c == '\r') {
      line += "\\r";
    } else {
      line += c;
    }
  }
  return line + "\n";
}

}  // namespace

// ---- public ----------------------------------------------------------------------------------

std::string config_folder(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? std::string() : abs.parent_path().lexically_normal().string();
}

const std::vector<KeyInfo>& train_keys() {
  static const std::vector<KeyInfo> keys = [] {
    static std::vector<std::string> helps;  // owns the strings KeyInfo::help points into
    const TrainOptions defaults;
    helps.reserve(specs().size());
    std::vector<KeyInfo> out;
    for (const KeySpec& s : specs()) {
      const std::string def = s.get ? render(s.get(defaults)) : std::string(s.default_text);
      helps.push_back(std::string(s.help) + " (default " + def + ")");
      out.push_back({s.key, kind_name(s.kind), helps.back().c_str()});
    }
    return out;
  }();
  return keys;
}

Status TrainConfig::load_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Error{path, 0, "", std::string("cannot open: ") + std::strerror(errno)};
  std::string text;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) return Error{path, 0, "", std::string("cannot read: ") + std::strerror(err)};
  return load_text(text, path, config_folder(path));
}

Status TrainConfig::load_text(std::string_view text, const std::string& name,
                              const std::string& dir) {
  TrainConfig next = *this;  // applied to a copy, so a failed load changes nothing
  try {
    const toml::table root = toml::parse(text, std::string_view(name));
    Status st = apply_document(next, root, name, dir);
    if (!st.ok()) return st;
    for (const auto& [k, node] : root)
      if (node.is_table()) next.tables_.emplace(std::string(k.str()), line_of(k.source()));
  } catch (const toml::parse_error& e) {
    return Error{name, line_of(e.source()), "", parse_error_text(e)};
  } catch (const std::exception& e) {
    return Error{name, 0, "", std::string("cannot read the configuration: ") + e.what()};
  }
  next.last_file_ = name;
  // One line whatever the name holds (a newline in it would start a line of config), in UTF-8
  // as the results file's strings are.
  next.text_ += "# file: " + printable(name) + "\n";
  next.text_ += text;
  if (!text.empty() && text.back() != '\n') next.text_ += '\n';
  *this = std::move(next);
  return Status::Ok();
}

Status TrainConfig::set(std::string_view assignment) {
  const size_t eq = assignment.find('=');
  const std::string_view key = trim(assignment.substr(0, eq));
  if (eq == std::string_view::npos || key.empty()) {
    return Error{"--set", 0, "", "expected key=value, got " + clipped(quote(assignment))};
  }
  const KeySpec* spec = find_spec(key);
  if (!spec) return unknown_key(key, ConfigWhere{"--set", 0});
  try {
    Result<ConfigValue> value = parse_set_value(*spec, trim(assignment.substr(eq + 1)));
    if (!value.ok()) return value.error();
    std::error_code ec;
    const std::filesystem::path here = std::filesystem::current_path(ec);
    const ConfigWhere where{"--set", 0, ec ? std::string() : here.string()};
    Status st = set_value(key, *value, where);
    if (!st.ok()) return st;
  } catch (const std::exception& e) {
    return Error{"--set", 0, std::string(key), std::string("cannot read the value: ") + e.what()};
  }
  text_ += set_line(assignment);
  return Status::Ok();
}

Status TrainConfig::set_value(std::string_view key, const ConfigValue& value,
                              const ConfigWhere& where) {
  const KeySpec* spec = find_spec(key);
  if (!spec) return unknown_key(key, where);
  Fields fields{&opt_, &depth_, &width_};
  ConfigValue v = value;
  std::string given;  // a relative path as given, when it resolves
  if (auto* s = std::get_if<std::string>(&v);
      s && spec->kind == Kind::kPath && !where.dir.empty() && !s->empty() &&
      std::filesystem::path(*s).is_relative()) {
    given = *s;
    *s = (std::filesystem::path(where.dir) / *s).lexically_normal().string();
  }
  std::string msg = spec->set(fields, v);
  if (!msg.empty()) return Error{where.file, where.line, std::string(key), std::move(msg)};
  where_[std::string(key)] = where;
  if (given.empty()) {
    relative_.erase(std::string(key));
  } else {
    relative_[std::string(key)] = given;
  }
  return Status::Ok();
}

bool TrainConfig::given(std::string_view key) const { return where_.find(key) != where_.end(); }

std::vector<std::string> keys_setting(std::string_view key) {
  if (key == "hidden") return {"hidden", "width", "depth"};
  return {std::string(key)};
}

ConfigWhere TrainConfig::where(std::string_view key) const {
  for (const std::string& k : keys_setting(key))
    if (auto it = where_.find(k); it != where_.end()) return it->second;
  return ConfigWhere{"<default>", 0};
}

Error TrainConfig::locate(Error e) const {
  if (!e.file.empty() || e.key.empty()) return e;
  for (const std::string& k : keys_setting(e.key)) {
    if (auto it = where_.find(k); it != where_.end()) {
      return Error{it->second.file, it->second.line, k, std::move(e.message)};
    }
  }
  // A default that does not fit is named where the key that brought it in was given.
  const std::string_view by = brought_in_by(e.key);
  if (auto it = where_.find(by); !by.empty() && it != where_.end())
    return at_bringer(it->second.file, it->second.line, e);
  // Set nowhere: named in the (last) file loaded, which left it at its default. Only a key the
  // config has: "not set, so its default" of any other would send the user after a key that
  // does not exist.
  if (!last_file_.empty() && find_spec(e.key)) return Error{last_file_, 0, e.key, "not set, so its default: " + e.message};
  return e;
}

Error at_bringer(const std::string& file, int line, const Error& e) {
  return Error{file, line, std::string(brought_in_by(e.key)),
               e.key + " is its default here: " + e.message};
}

std::string_view brought_in_by(std::string_view key) {
  static constexpr std::string_view kConvKeys[] = {"conv_channels", "kernel_size", "padding",
                                                   "stride", "pool"};
  return std::find(std::begin(kConvKeys), std::end(kConvKeys), key) != std::end(kConvKeys)
             ? "arch"
             : "";
}

Error TrainConfig::locate_data_error(Error e) const {
  // An option's error (a split, a limit, a synthetic size) names its key: placed where that key
  // was given, not where the data was chosen.
  if (e.file.empty() && !e.key.empty()) return locate(std::move(e));
  const DataOptions& d = opt_.data;
  const char* key = !d.test_path.empty() && e.file == d.test_path ? "test_path"
                    : given("data_path")                           ? "data_path"
                                                                   : "dataset";
  if (!given(key)) return e;
  const ConfigWhere& w = where_.find(key)->second;
  std::string text = e.str();
  if (auto rel = relative_.find(key); rel != relative_.end()) {
    // The path as the user wrote it first, then where it led.
    const std::string& resolved = key == std::string_view("test_path") ? d.test_path : d.path;
    if (text.compare(0, resolved.size(), resolved) == 0) {
      text.replace(0, resolved.size(), rel->second);
    }
    text += " (" + std::string(key) + " " + quote(rel->second) + " is relative to " +
            (w.file == "--set" ? std::string("the current folder") : "the folder of " + w.file) +
            ": " + resolved + ")";
  }
  return Error{w.file, w.line, key, text};
}

std::vector<std::string> TrainConfig::unused_warnings(
    const TrainOptions& opt, const std::function<bool(std::string_view)>& searched) const {
  std::vector<std::string> out;
  for (const KeySpec& s : specs()) {
    const auto it = where_.find(s.key);
    if (it == where_.end() || !s.get) continue;
    if (searched) {
      const std::vector<std::string> by = deciders(s.key);
      if (searched(s.key) || std::any_of(by.begin(), by.end(), searched)) continue;
    }
    const std::string why = unused_reason(s.key, opt);
    if (why.empty()) continue;
    std::string w = it->second.file;
    if (it->second.line > 0) w += ":" + std::to_string(it->second.line);
    w += ": ";
    w += s.key;
    w += " = " + render(s.get(opt)) + " is not used: " + why;
    out.push_back(std::move(w));
  }
  return out;
}

Result<TrainOptions> TrainConfig::finish() const {
  TrainOptions o = opt_;
  // The error names `key` where it was given, else `fallback` (the key that made it matter).
  const auto fail = [&](std::string_view key, std::string_view fallback, std::string msg) {
    const std::string_view at = given(key) ? key : fallback;
    const ConfigWhere w = where_.count(at) ? where_.find(at)->second : ConfigWhere{"<default>", 0};
    return Error{w.file, w.line, std::string(at), std::move(msg)};
  };

  ModelOptions& m = o.model;
  if (m.arch == Arch::kCnn && !given("hidden") && !given("depth")) m.hidden.clear();
  if (given("depth")) {
    const int w = given("width") ? width_ : !m.hidden.empty() ? m.hidden[0] : 256;
    m.hidden.assign(static_cast<size_t>(depth_), w);
  } else if (given("width")) {
    for (int& h : m.hidden) h = width_;
  }

  if (m.arch == Arch::kCnn && m.conv_channels.empty()) {
    return fail("conv_channels", "arch", "arch cnn needs at least one conv layer, got []");
  }
  if (o.schedule.kind == ScheduleKind::kStep && o.schedule.milestones.empty()) {
    return fail("milestones", "schedule", "schedule step needs at least one milestone, got []");
  }
  if (o.schedule.unit == ScheduleUnit::kEpoch && o.schedule.warmup >= o.epochs) {
    return fail("warmup", "epochs",
                "must be < epochs (" + std::to_string(o.epochs) +
                    ") when schedule_unit is epoch, got " + std::to_string(o.schedule.warmup));
  }
  if ((o.data.source == DataSource::kCsv || o.data.source == DataSource::kHdf5) &&
      !given("data_path")) {
    return fail("dataset", "dataset",
                std::string(data_source_name(o.data.source)) +
                    " needs data_path (the default is the fashion_mnist directory)");
  }
  return o;
}

std::string to_toml(const TrainOptions& opt) {
  std::string out = "[train]\n";
  for (const KeySpec& s : specs()) {
    if (s.get) out += std::string(s.key) + " = " + render(s.get(opt)) + "\n";
  }
  return out;
}

}  // namespace hs
