// json.h (internal to hs_report): the page's data written as JSON text, and text escaped for
// HTML: what report.cpp and large.cpp write with.
//
// May depend on: what report.h may. Thread safety: pure functions of their arguments.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "search/space.h"
#include "trial/record.h"

namespace hs::report_json {

// Appends s as a JSON string. Besides what JSON requires, '<', '>' and '&' become \u003c,
// \u003e, \u0026, so no data can close the <script> it sits in ("</script>") or open a comment
// ("<!--"); U+2028/U+2029 are escaped for older JavaScript parsers. Invalid UTF-8 passes
// through unchanged (the browser shows U+FFFD).
void json_string(std::string& out, std::string_view s);

// `"key":"value",` with the value escaped as json_string does.
void json_field(std::string& out, const char* key, std::string_view v);

// Appends a non-finite x and returns true: NaN (no value) is null; JSON has no inf, so +inf and
// -inf are 1e999 and -1e999, Infinity in JSON.parse (and Python's json): not a missing value.
bool json_nonfinite(std::string& out, double x);

// Appends printf's or to_chars' text of a number, as short as JSON allows: the exponent without
// '+' and leading zeros ("1.5e-4", not "1.5e-04").
void json_exponent_trimmed(std::string& out, std::string_view s);

// Appends x with `digits` significant digits: for what is only drawn (curves), where a few
// digits keep a large page small.
void json_number(std::string& out, double x, int digits);

// Appends x as the shortest text that reads back as x (std::to_chars): for the numbers the page
// ranks trials by, sorts, or shows as a trial's value (its metric, results, test accuracy,
// seconds, parameters). Rounded to 7 digits, metrics that differed in their 8th ranked as equal
// and the page named another best trial than show and export did.
void json_exact(std::string& out, double x);

void json_int(std::string& out, int64_t v);

void json_param(std::string& out, const ParamValue& v);

// A JSON list of `items`, f(item) appending each.
template <typename Items, typename F>
void json_list(std::string& out, const Items& items, F f) {
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    f(item);
  }
  out += ']';
}

// A column of the trials table: f(trial) appends one value.
template <typename F>
void json_column(std::string& out, const char* key, const std::vector<TrialRecord>& trials, F f) {
  out += '"';
  out += key;
  out += "\":";
  json_list(out, trials, f);
}

std::string html_escape(std::string_view s);

}  // namespace hs::report_json
