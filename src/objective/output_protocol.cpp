// output_protocol.cpp: the two line forms of output_protocol.h, read strictly.
#include "objective/output_protocol.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/reported_nan.h"
#include "core/text.h"
#include "trial/metric.h"

namespace hs {

namespace {

bool parse_number(std::string_view s, double* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (r.ptr != s.data() + s.size()) return false;
  // Past a double's range, as Python's float() reads it: 1e-400 is 0, 1e400 is inf (from_chars
  // leaves *out as it was; strtod, in the C locale this program keeps, rounds the same way).
  if (r.ec == std::errc::result_out_of_range) *out = std::strtod(std::string(s).c_str(), nullptr);
  if (std::isnan(*out)) *out = kReportedNaN;  // nan, -nan, nan(...): a value reported as NaN
  return r.ec == std::errc() || r.ec == std::errc::result_out_of_range;
}

// A strict reader of one flat JSON object.
class FlatJson {
 public:
  explicit FlatJson(std::string_view s) : s_(s) {}

  std::string twice;  // object()'s key given twice, when that refused the line

  std::optional<OutputLine> object() {
    OutputLine out;
    OutputFields& fields = out.fields;
    space();
    if (!eat('{')) return std::nullopt;
    space();
    if (!eat('}')) {
      while (true) {
        std::string key;
        OutputValue value;
        space();
        if (!string(&key)) return std::nullopt;
        space();
        if (!eat(':')) return std::nullopt;
        space();
        if (!this->value(&value)) return std::nullopt;
        if (fields.contains(key)) {  // which value is meant cannot be told
          twice = key;
          return std::nullopt;
        }
        out.order.push_back(key);
        fields[key] = std::move(value);
        space();
        if (eat('}')) break;
        if (!eat(',')) return std::nullopt;
      }
    }
    space();
    if (i_ != s_.size()) return std::nullopt;
    return out;
  }

 private:
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n'))
      ++i_;
  }
  static void utf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xC0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out += static_cast<char>(0xE0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (cp >> 18));
      *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(uint32_t* cp) {
    if (i_ + 4 > s_.size()) return false;
    const auto r = std::from_chars(s_.data() + i_, s_.data() + i_ + 4, *cp, 16);
    if (r.ptr != s_.data() + i_ + 4) return false;
    i_ += 4;
    return true;
  }
  bool string(std::string* out) {
    if (!eat('"')) return false;
    while (i_ < s_.size()) {
      const char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      static constexpr std::string_view kFrom = "\"\\/bfnrt", kTo = "\"\\/\b\f\n\r\t";
      if (const size_t k = kFrom.find(e); k != std::string_view::npos) {
        *out += kTo[k];
      } else if (e == 'u') {
        uint32_t cp = 0;
        if (!hex4(&cp)) return false;
        if (cp >= 0xD800 && cp < 0xDC00) {  // a surrogate pair
          uint32_t lo = 0;
          if (!word("\\u") || !hex4(&lo) || lo < 0xDC00 || lo >= 0xE000) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return false;
        }
        utf8(cp, out);
      } else {
        return false;
      }
    }
    return false;  // unterminated
  }
  bool number(double* out) {
    const size_t start = i_;
    auto digits = [&] {
      const size_t from = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      return i_ > from;
    };
    eat('-');
    if (eat('0')) {
    } else if (!digits()) {
      return false;
    }
    if (eat('.') && !digits()) return false;
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (!eat('+')) eat('-');
      if (!digits()) return false;
    }
    return parse_number(s_.substr(start, i_ - start), out);
  }
  bool value(OutputValue* v) {
    if (i_ < s_.size() && s_[i_] == '"') return string(&v->text);
    for (std::string_view w : {"true", "false", "null"}) {
      if (word(w)) return v->text = w, true;
    }
    // Python's json.dumps writes these for non-finite floats.
    v->is_number = true;
    if (word("NaN")) return v->number = kReportedNaN, true;
    if (word("Infinity")) return v->number = INFINITY, true;
    if (word("-Infinity")) return v->number = -INFINITY, true;
    return number(&v->number);
  }

  std::string_view s_;
  size_t i_ = 0;
};

bool blank(char c) { return c == ' ' || c == '\t'; }
size_t skip_blanks(std::string_view s, size_t i) {
  while (i < s.size() && blank(s[i])) ++i;
  return i;
}

// Where the number that is a word of its own and starts at s[i] ends (at the line's end, a blank,
// or one of , ; } ) after it), or npos: "0.5" in "loss: 0.5,", not "100" in "100%". Words past
// 40 bytes are no number (so that a 1 MiB line of "a:1a:1a..." takes no quadratic time).
size_t number_word_end(std::string_view s, size_t i) {
  size_t e = i;
  while (e < s.size() && std::string_view(" \t,;})").find(s[e]) == std::string_view::npos) {
    if (++e - i > 40) return std::string_view::npos;
  }
  double x = 0;
  const bool digit = e > i && (std::isdigit(static_cast<unsigned char>(s[e - 1])) || s[e - 1] == '.');
  return digit && parse_number(s.substr(i, e - i), &x) ? e : std::string_view::npos;
}

// The near misses of a k=v pair that scripts print, when one starts at the refused token
// line[i, end): `epoch: 1` or `epoch:1` (a colon) and `epoch = 1` (blanks around '='). The why
// that names it and says how to write it, or "".
std::string near_miss(std::string_view line, size_t i, size_t end) {
  constexpr size_t npos = std::string_view::npos;
  const std::string_view token = line.substr(i, end - i);
  // key, then its value at line[v, e)
  const auto fault = [&](std::string_view key, size_t v, size_t e, const char* what) {
    return hs::quoted(line.substr(i, e - i)) + " is no k=v pair (" + what + ": " +
           std::string(key) + "=" + std::string(line.substr(v, e - v)) + ")";
  };
  if (const size_t colon = token.find(':'); colon != npos) {
    const std::string_view key = token.substr(0, colon);
    const size_t v = colon + 1 == token.size() ? skip_blanks(line, end) : i + colon + 1;
    const size_t e = is_printed_name(key) ? number_word_end(line, v) : npos;
    return e == npos ? "" : fault(key, v, e, "a colon for =");
  }
  const size_t eq = token.find('=');
  const std::string_view key = token.substr(0, eq);
  if (!is_printed_name(key) || (eq != npos && eq + 1 != token.size())) return "";
  size_t v = end;
  if (eq == npos) {  // `key =`: the '=' comes after blanks
    v = skip_blanks(line, end);
    if (v == line.size() || line[v] != '=') return "";
    ++v;
  }
  v = skip_blanks(line, v);
  size_t e = v;
  while (e < line.size() && !blank(line[e]) && line[e] != ',') ++e;
  return e == v ? "" : fault(key, v, e, "blanks around =");
}

// `why`: what is at fault when the line is refused (a token of no k=v form, a key that is no
// name, a key given twice), named as a warning quotes it.
std::optional<OutputLine> parse_kv_line(std::string_view line, std::string* why) {
  OutputLine out;
  OutputFields& fields = out.fields;
  const auto refuse = [&](std::string text) -> std::optional<OutputLine> {
    if (why != nullptr) *why = std::move(text);
    return std::nullopt;
  };
  size_t i = 0;
  const auto sep = [](char c) { return c == ' ' || c == '\t' || c == ','; };
  while (true) {
    while (i < line.size() && sep(line[i])) ++i;
    if (i == line.size()) break;
    size_t end = i;
    while (end < line.size() && !sep(line[end])) ++end;
    const std::string_view token = line.substr(i, end - i);
    const size_t eq = token.find('=');
    if (eq == std::string_view::npos || eq + 1 == token.size()) {
      std::string near = near_miss(line, i, end);
      return refuse(near.empty() ? hs::quoted(token) + " is no k=v pair" : std::move(near));
    }
    std::string key(token.substr(0, eq));
    if (!is_printed_name(key))
      return refuse("key " + hs::quoted(key) + " is no name (ASCII: a letter or _, then letters, "
                    "digits or _ . / -)");
    if (fields.contains(key)) return refuse("key " + hs::quoted(key) + " is given twice");
    OutputValue v;
    v.text = std::string(token.substr(eq + 1));
    v.is_number = parse_number(v.text, &v.number);
    if (v.is_number) v.text.clear();
    out.order.push_back(key);
    fields[std::move(key)] = std::move(v);
    i = end;
  }
  if (fields.empty()) return refuse("no k=v pair");
  return out;
}

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Where a name that ends at line[end] starts, when it stands as a word: a letter or _, then
// letters, digits or _, at the line's start or after a blank, ',', '{' or '('. Else npos.
size_t word_start(std::string_view line, size_t end) {
  size_t b = end;
  while (b > 0 && name_char(line[b - 1])) --b;
  if (b == end || std::isdigit(static_cast<unsigned char>(line[b]))) return std::string_view::npos;
  if (b > 0 && std::string_view(" \t,{(").find(line[b - 1]) == std::string_view::npos)
    return std::string_view::npos;
  return b;
}

// Whether a number starts at line[i] (an optional sign, then a digit or a point and a digit).
bool number_at(std::string_view line, size_t i) {
  if (i < line.size() && (line[i] == '-' || line[i] == '+')) ++i;
  if (i < line.size() && line[i] == '.') ++i;
  return i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]));
}

}  // namespace

std::optional<OutputLine> read_output_line(std::string_view line, std::string* why) {
  const size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  if (line[first] != '{') return parse_kv_line(line, why);
  FlatJson json(line);
  std::optional<OutputLine> l = json.object();
  if (!l && why != nullptr) {
    // print(d) of a dict writes Python's repr: {'epoch': 1, 'ok': True}.
    const size_t key = skip_blanks(line, first + 1);
    *why = !json.twice.empty() ? "key " + hs::quoted(json.twice) + " is given twice"
           : key < line.size() && line[key] == '\''
               ? "it is a Python dict's repr, not JSON: JSON writes strings in double quotes "
                 "(print json.dumps(d), not d)"
               : "it is no flat JSON object (string keys, each once; numbers, strings, true, "
                 "false or null as values)";
  }
  return l;
}

std::optional<OutputFields> parse_output_line(std::string_view line) {
  std::optional<OutputLine> l = read_output_line(line);
  if (!l) return std::nullopt;
  return std::move(l->fields);
}

bool looks_like_metrics(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    // name=number: a name (ending at i) right before '='
    if (c == '=' && i > 0 && name_char(line[i - 1]) && number_at(line, i + 1)) return true;
    // "name": number, and 'name': number (a Python dict's repr)
    if (c == ':' && i > 1 && (line[i - 1] == '"' || line[i - 1] == '\'') &&
        name_char(line[i - 2]) && number_at(line, skip_blanks(line, i + 1)))
      return true;
  }
  return false;
}

bool looks_like_metrics_in_another_form(std::string_view line) {
  int near = 0;  // `name: number` and `name = number` pairs
  size_t near_from = std::string_view::npos, near_to = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c != ':' && c != '=') continue;
    size_t k = i;
    while (c == '=' && k > 0 && blank(line[k - 1])) --k;
    const size_t b = word_start(line, k);
    const size_t e = number_word_end(line, skip_blanks(line, i + 1));
    if (b != std::string_view::npos && e != std::string_view::npos) {
      ++near;
      near_from = std::min(near_from, b);
      near_to = e;
    }
  }
  // Prose has a `word: number` now and then ("ValueError: 3 is out of range"): one pair alone
  // counts only as the whole line ("Accuracy: 0.95").
  return near >= 2 || (near == 1 && near_from == line.find_first_not_of(" \t") &&
                       near_to == line.find_last_not_of(" \t") + 1);
}

double number_of(const OutputFields& f, std::string_view key) {
  const auto it = f.find(key);
  return it != f.end() && it->second.is_number ? it->second.number : NAN;
}


}  // namespace hs
