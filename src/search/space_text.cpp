#include "search/space_text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "core/text.h"

namespace hs {

namespace {
std::string num(double v) { return param_to_string(ParamValue{v}); }

// The control characters TOML writes with a letter (\b \t \n \f \r), and their letters.
constexpr char kNamedEscapes[] = "\b\t\n\f\r";
constexpr char kEscapeLetters[] = "btnfr";
}  // namespace

std::string param_to_string(const ParamValue& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    if (std::isnan(*d)) return "nan";
    if (std::isinf(*d)) return *d > 0 ? "inf" : "-inf";
    return shortest_float(*d);  // reads back exactly; TOML takes it as a float
  }
  // Escaped as TOML's basic strings are: a raw newline, tab or carriage return would break the
  // line or table it is printed in (and TOML does not allow it).
  std::string s = "\"";
  for (const char c : std::get<std::string>(v)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      s += '\\';
      s += c;
    } else if (const char* named = std::strchr(kNamedEscapes, c); named && u != 0 && u < 0x20) {
      s += '\\';
      s += kEscapeLetters[named - kNamedEscapes];
    } else if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\u%04X", static_cast<unsigned>(u));
      s += hex;
    } else {
      s += c;
    }
  }
  return s + "\"";
}

std::string describe_values(const Param& p) {
  std::string s;
  if (p.kind == ParamKind::kFixed || p.kind == ParamKind::kChoice) {
    for (const ParamValue& c : p.choices) s += (s.empty() ? "" : ", ") + param_to_string(c);
    return p.kind == ParamKind::kFixed ? s : "[" + s + "]";
  }
  auto bound = [&p](double v) {
    return p.kind == ParamKind::kInt ? std::to_string(static_cast<int64_t>(v)) : num(v);
  };
  s = "[";
  s += bound(p.lo);
  s += ", ";
  s += bound(p.hi);
  s += ']';
  if (p.log) s += " log";
  if (p.grid) s += " grid " + std::to_string(p.grid);
  return s;
}

std::string describe(const SearchSpace& s, const std::vector<ParamValue>& values, int digits) {
  std::string out;
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (s.params[i].kind == ParamKind::kFixed) continue;
    if (!out.empty()) out += ' ';
    out += s.params[i].name;
    out += '=';
    const auto* d = std::get_if<double>(&values[i]);
    if (d && digits > 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.*g", digits, *d);
      out += buf;
    } else {
      out += param_to_string(values[i]);
    }
  }
  return out;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool parse_double(std::string_view t, double* d) {
  const auto r = std::from_chars(t.data(), t.data() + t.size(), *d);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

// The character escaped at (*s)[i], just after a backslash, appended to `out`: \b \t \n \f \r,
// \uXXXX (as UTF-8), or the character itself (\" and \\; files from before control
// characters were escaped hold them raw). Returns the index of the escape's last character.
size_t take_escape(std::string_view s, size_t i, std::string* out) {
  if (const char* letter = std::strchr(kEscapeLetters, s[i]); letter && s[i] != 0) {
    *out += kNamedEscapes[letter - kEscapeLetters];
    return i;
  }
  unsigned code = 0;
  if (s[i] != 'u' || i + 4 >= s.size() ||
      std::from_chars(s.data() + i + 1, s.data() + i + 5, code, 16).ptr != s.data() + i + 5) {
    *out += s[i];
    return i;
  }
  if (code < 0x80) {
    *out += static_cast<char>(code);
  } else if (code < 0x800) {
    *out += static_cast<char>(0xC0 | (code >> 6));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    *out += static_cast<char>(0xE0 | (code >> 12));
    *out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (code & 0x3F));
  }
  return i + 4;
}

// One value as param_to_string() writes it: true/false, an int (digits only), a double (with one
// of ".en": 0.5, 1e-04, nan, inf), or a string in double quotes, escaped as TOML does.
// Consumes it from the front of `s`.
bool take_value(std::string_view* s, ParamValue* v) {
  *s = trim(*s);
  if (s->empty()) return false;
  if (s->front() == '"') {
    std::string out;
    size_t i = 1;
    for (; i < s->size() && (*s)[i] != '"'; ++i) {
      if ((*s)[i] == '\\' && i + 1 < s->size())
        i = take_escape(*s, i + 1, &out);
      else
        out += (*s)[i];
    }
    if (i >= s->size()) return false;  // no closing quote
    s->remove_prefix(i + 1);
    *v = std::move(out);
    return true;
  }
  const size_t end = std::min(s->find_first_of(",]"), s->size());
  const std::string_view t = trim(s->substr(0, end));
  s->remove_prefix(end);
  if (t == "true" || t == "false") {
    *v = t == "true";
    return true;
  }
  if (t.find_first_of(".en") != std::string_view::npos) {
    double d = 0;
    if (!parse_double(t, &d)) return false;
    *v = d;
    return true;
  }
  int64_t i = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), i);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return false;
  *v = i;
  return true;
}

}  // namespace

std::string space_entry(const Param& p) {
  return std::string(param_kind_name(p.kind)) + " " + describe_values(p);
}

Result<Param> parse_space_entry(const std::string& name, const std::string& text) {
  const Error bad = make_error("", "/space attribute " + name + " = \"" + text +
                                       "\" is not \"<kind> <values>\" as hypersweep writes it");
  Param p;
  p.name = name;
  const size_t sp = text.find(' ');
  if (sp == std::string::npos) return bad;
  const std::string kind = text.substr(0, sp);
  std::string_view rest = trim(std::string_view(text).substr(sp + 1));
  bool known = false;
  for (ParamKind k : {ParamKind::kUniform, ParamKind::kLogUniform, ParamKind::kInt,
                      ParamKind::kChoice, ParamKind::kFixed}) {
    if (kind == param_kind_name(k)) {
      p.kind = k;
      known = true;
    }
  }
  if (!known) return bad;
  if (p.kind == ParamKind::kFixed) {
    ParamValue v;
    if (!take_value(&rest, &v) || !trim(rest).empty()) return bad;
    p.choices.push_back(std::move(v));
    return p;
  }
  if (rest.empty() || rest.front() != '[') return bad;
  rest.remove_prefix(1);
  if (p.kind == ParamKind::kChoice) {
    if (trim(rest) == "]") return p;  // no values: validate() refuses it, the reader need not
    for (;;) {
      ParamValue v;
      if (!take_value(&rest, &v)) return bad;
      p.choices.push_back(std::move(v));
      rest = trim(rest);
      if (rest.empty()) return bad;
      if (rest.front() == ']') return trim(rest.substr(1)).empty() ? Result<Param>(p) : bad;
      if (rest.front() != ',') return bad;
      rest.remove_prefix(1);
    }
  }
  // A range: "[lo, hi]", then " log" and/or " grid N".
  const size_t close = rest.find(']');
  const size_t comma = rest.find(',');
  if (close == std::string_view::npos || comma > close) return bad;
  if (!parse_double(trim(rest.substr(0, comma)), &p.lo) ||
      !parse_double(trim(rest.substr(comma + 1, close - comma - 1)), &p.hi)) {
    return bad;
  }
  rest = trim(rest.substr(close + 1));
  if (rest.starts_with("log")) {
    p.log = true;
    rest = trim(rest.substr(3));
  }
  if (rest.starts_with("grid ")) {
    const std::string_view n = trim(rest.substr(5));
    const auto r = std::from_chars(n.data(), n.data() + n.size(), p.grid);
    if (r.ec != std::errc() || r.ptr != n.data() + n.size()) return bad;
    rest = {};
  }
  if (!rest.empty()) return bad;
  return p;
}

}  // namespace hs
