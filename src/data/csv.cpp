// csv.cpp: "label,f1,f2,..." files. The file is read whole and parsed in place with
// std::from_chars (no per-field strings), so 100k rows take a fraction of a second.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "data/internal.h"
#include "data/load.h"

namespace hs {
namespace {

Status read_file(const std::string& path, std::string* text) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return data_internal::open_error(path, errno);
  text->clear();
  char buf[1 << 16];
  size_t got = 0;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) text->append(buf, got);
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) return make_error(path, std::string("cannot read: ") + std::strerror(err));
  return Status::Ok();
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

enum class Parse { kOk, kNotNumber, kNotFinite };

template <class T>
Parse parse_number(std::string_view s, T* out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') ++b;  // from_chars takes no leading '+'
  const auto [p, ec] = std::from_chars(b, e, *out);
  if (b == e || p != e || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return Parse::kNotNumber;
  }
  if (ec == std::errc::result_out_of_range || !std::isfinite(*out)) return Parse::kNotFinite;
  return Parse::kOk;
}

std::string quoted(std::string_view s) {
  std::string q(1, '"');
  q += s;
  q += '"';
  return q;
}

// What the rows read so far fix for the rest of the file.
struct CsvRows {
  int64_t features = -1;  // per row, as in the first data row
  int first_row_line = 0;
  bool header_possible = true;
  int32_t max_label = -1;
};

// "" for a label field holding an integer >= 0, else what is wrong with it.
std::string label_error(std::string_view field, Parse parse, double label) {
  if (parse != Parse::kOk) return "non-numeric field 1 (label): " + quoted(field);
  if (label < 0 || label != std::floor(label) || label >= INT32_MAX) {
    return "label out of range: " + quoted(field) + " (labels are integers >= 0)";
  }
  return {};
}

// Appends the fields of `line` after the comma at `comma` (npos: none) to *x, counting them in
// *count. "" or what is wrong with the first bad field.
std::string read_features(std::string_view line, size_t comma, std::vector<float>* x,
                          int64_t* count) {
  while (comma != std::string_view::npos) {
    const size_t start = comma + 1;
    comma = line.find(',', start);
    const std::string_view field =
        trim(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    float v = 0;
    const Parse p = parse_number(field, &v);
    ++*count;
    if (p == Parse::kNotNumber) {
      return "non-numeric field " + std::to_string(*count + 1) + ": " + quoted(field);
    }
    if (p == Parse::kNotFinite || !data_internal::finite_feature(v)) {
      return "field " + std::to_string(*count + 1) + " " + data_internal::kNotFiniteFeature +
             ": " + quoted(field);
    }
    x->push_back(v);
  }
  return {};
}

// Reads the non-blank line `line_no` into *d (nothing for a header). "" or what is wrong with
// it. The rest of the file, text from pos on, sizes the one reservation at the first data row.
std::string read_row(std::string_view line, int line_no, const std::string& text, size_t pos,
                     CsvRows* rows, Dataset* d) {
  // Field 0 is the label; an unparsable first field on the first non-blank line is a header.
  const size_t comma = line.find(',');
  const std::string_view field = trim(line.substr(0, comma));
  double label = 0;
  const Parse label_parse = parse_number(field, &label);
  if (rows->header_possible) {
    rows->header_possible = false;
    if (label_parse == Parse::kNotNumber) return {};
  }
  if (std::string msg = label_error(field, label_parse, label); !msg.empty()) return msg;
  const auto y = static_cast<int32_t>(label);
  rows->max_label = std::max(rows->max_label, y);
  d->y.push_back(y);

  int64_t count = 0;
  if (std::string msg = read_features(line, comma, &d->x, &count); !msg.empty()) return msg;
  if (rows->features < 0) {
    if (count == 0) return "shape mismatch: a label but no features";
    rows->features = count;
    rows->first_row_line = line_no;
    // One reservation for the whole file, from its line count.
    // (pos is past the end when this row is the file's last line and has no newline.)
    const auto from = text.begin() + static_cast<int64_t>(std::min(pos, text.size()));
    const auto lines = std::count(from, text.end(), '\n');
    d->x.reserve(static_cast<size_t>((lines + 2) * count));
    d->y.reserve(static_cast<size_t>(lines + 2));
  } else if (count != rows->features) {
    return "shape mismatch: " + std::to_string(count) + " features, but line " +
           std::to_string(rows->first_row_line) + " has " + std::to_string(rows->features);
  }
  return {};
}

}  // namespace

Result<Dataset> load_csv(const std::string& path) {
  std::string text;
  if (Status s = read_file(path, &text); !s) return s.error();

  Dataset d;
  d.name = path;
  CsvRows rows;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string_view line = trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    std::string message = read_row(line, line_no, text, pos, &rows, &d);
    if (!message.empty()) return Error{path, line_no, {}, std::move(message)};
  }
  if (d.y.empty()) return make_error(path, "empty file: no data rows");
  if (d.y.size() > INT32_MAX) return make_error(path, "too many rows");

  d.n = static_cast<int64_t>(d.y.size());
  d.height = 1;
  d.width = 1;
  d.channels = static_cast<int>(rows.features);
  d.is_image = false;
  d.num_classes = rows.max_label + 1;
  return d;
}

}  // namespace hs
