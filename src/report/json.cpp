// json.cpp: the JSON and HTML text of json.h.
#include "report/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace hs::report_json {

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                    static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
          out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void json_field(std::string& out, const char* key, std::string_view v) {
  out += '"';
  out += key;
  out += "\":";
  json_string(out, v);
  out += ',';
}

bool json_nonfinite(std::string& out, double x) {
  if (std::isnan(x)) out += "null";
  else if (std::isinf(x)) out += x > 0 ? "1e999" : "-1e999";
  else return false;
  return true;
}

void json_exponent_trimmed(std::string& out, std::string_view s) {
  const size_t e = s.find('e');
  if (e == std::string_view::npos) {
    out += s;
    return;
  }
  out += s.substr(0, e + 1);
  size_t k = e + 1;
  if (s[k] == '-') out += '-';
  if (s[k] == '-' || s[k] == '+') ++k;
  while (k + 1 < s.size() && s[k] == '0') ++k;
  out += s.substr(k);
}

void json_number(std::string& out, double x, int digits) {
  if (json_nonfinite(out, x)) return;
  if (x == std::floor(x) && std::fabs(x) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", x == 0 ? 0.0 : x);  // no "-0"
    out += buf;
    return;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", digits, x);
  json_exponent_trimmed(out, buf);
}

void json_exact(std::string& out, double x) {
  if (json_nonfinite(out, x)) return;
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, x == 0 ? 0.0 : x);  // no "-0"
  json_exponent_trimmed(out, std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
}

void json_int(std::string& out, int64_t v) { out += std::to_string(v); }

void json_param(std::string& out, const ParamValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) out += *b ? "true" : "false";
  else if (const int64_t* i = std::get_if<int64_t>(&v)) json_int(out, *i);
  else if (const double* d = std::get_if<double>(&v)) json_exact(out, *d);
  else json_string(out, std::get<std::string>(v));
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace hs::report_json
