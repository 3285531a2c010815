// csv.cpp: CSV files of numbers, the label in the column label_column names (load.h). The file
// is read a block at a time and parsed in place with std::from_chars (no per-field strings), so
// 100k rows take a fraction of a second.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"
#include "data/internal.h"
#include "data/load.h"

namespace hs {
namespace {

// A file's lines, read a block at a time into one reused buffer (64 KiB, doubled for a longer
// line), never the whole file at once. Reading it whole into a string cost more than parsing:
// each fresh page of a file-sized buffer was faulted in and written twice (zeroed, then the
// copy), and a fault costs microseconds in a virtual machine (the data loads were a seventh of the
// recipe's CPU time on bench/recipe_bench.py's CSV data set, where three processes each read 5
// MB). Mapping the file instead would end this process with SIGBUS if it were truncated
// meanwhile; a read() just comes back short.
class LineReader {
 public:
  LineReader() = default;
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader() {
    if (fd_ >= 0) ::close(fd_);
  }

  Status open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return data_internal::open_error(path, errno);
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) size_ = static_cast<int64_t>(st.st_size);
    return Status::Ok();
  }

  // The next line, without its '\n' (valid until the next call); false at the end of the file
  // or on a read error (error()).
  bool next(std::string_view* line) {
    for (;;) {
      const char* from = buf_.get() + begin_;
      if (const void* nl = std::memchr(from, '\n', end_ - begin_)) {
        const auto len = static_cast<size_t>(static_cast<const char*>(nl) - from);
        *line = std::string_view(from, len);
        begin_ += len + 1;
        return true;
      }
      if (eof_) {
        if (begin_ == end_) return false;
        *line = std::string_view(from, end_ - begin_);  // the last line, without a newline
        begin_ = end_;
        return true;
      }
      fill();
    }
  }

  int error() const { return err_; }
  int64_t size() const { return size_; }  // the file's size in bytes (0: not a regular file)

 private:
  // Keeps the unfinished line, at the front, and reads more after it.
  void fill() {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    if (end_ == cap_) {
      auto bigger = std::make_unique_for_overwrite<char[]>(cap_ * 2);
      std::memcpy(bigger.get(), buf_.get(), end_);
      buf_ = std::move(bigger);
      cap_ *= 2;
    }
    ssize_t got = 0;
    do {
      got = ::read(fd_, buf_.get() + end_, cap_ - end_);
    } while (got < 0 && errno == EINTR);
    if (got < 0) err_ = errno;
    if (got <= 0) eof_ = true;
    if (got > 0) end_ += static_cast<size_t>(got);
  }

  int fd_ = -1;
  int64_t size_ = 0;
  size_t cap_ = size_t{1} << 16;
  std::unique_ptr<char[]> buf_ = std::make_unique_for_overwrite<char[]>(cap_);
  size_t begin_ = 0;  // the unread part of the buffer: [begin_, end_)
  size_t end_ = 0;
  bool eof_ = false;
  int err_ = 0;
};

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

// What the first non-blank line fixes for the rest of the file.
struct CsvRows {
  int64_t fields = -1;           // per line, as in the first non-blank line
  int64_t label = -1;            // the label's field, 0-based
  int first_line = 0;            // that line's number
  bool header = false;           // it was a header
  std::vector<std::string> names;  // the header's names (empty without one)
  bool whole = true;             // every feature so far a whole number
};

std::string unquoted(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return std::string(trim(s));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "field 3" or "field 3 (\"target\")": 1-based, as in every message of this file.
std::string field_text(const CsvRows& rows, int64_t i) {
  std::string s = "field " + std::to_string(i + 1);
  if (rows.header && i < static_cast<int64_t>(rows.names.size())) {
    s += " (" + quoted(clipped(rows.names[static_cast<size_t>(i)], 40)) + ")";
  }
  return s;
}

std::string choose_another() {
  return "; set label_column in [train] to the label's column: \"last\", \"first\", a 0-based "
         "index, or a header name";
}

// The label's field from label_column, once the first line's fields are known. "" or what is
// wrong.
std::string resolve_label(std::string_view column, CsvRows* rows) {
  const std::string where = "label_column = " + quoted(column);
  if (column == "last") {
    rows->label = rows->fields - 1;
    // Kaggle's CSVs (and others) put a column named as a label first: say so rather than
    // train on the last pixel.
    const auto label_name = [&](int64_t i) {
      const std::string n = lower(rows->names[static_cast<size_t>(i)]);
      return n == "label" || n == "labels" || n == "target" || n == "class";
    };
    for (int64_t i = 0; rows->header && i + 1 < rows->fields && !label_name(rows->fields - 1);
         ++i) {
      if (label_name(i)) {
        return "field " + std::to_string(i + 1) + " is named " +
               quoted(rows->names[static_cast<size_t>(i)]) + ", but " + where +
               " (the default) takes the last, " + field_text(*rows, rows->fields - 1) +
               ", as the label; set label_column = " +
               quoted(rows->names[static_cast<size_t>(i)]) + " (or to the 0-based index of the "
               "label's column)";
      }
    }
  } else if (column == "first") {
    rows->label = 0;
  } else if (!column.empty() && std::all_of(column.begin(), column.end(), [](char c) {
               return c >= '0' && c <= '9';
             })) {
    int64_t i = 0;
    const auto [p, ec] = std::from_chars(column.data(), column.data() + column.size(), i);
    if (ec != std::errc() || i >= rows->fields) {
      return where + " is past the last column: the file has " + std::to_string(rows->fields) +
             " columns, 0 to " + std::to_string(rows->fields - 1);
    }
    rows->label = i;
  } else {
    if (!rows->header) {
      return where + " names a column, but the file has no header line (its first line is all "
             "numbers); use \"last\", \"first\" or a 0-based index";
    }
    const auto it = std::find(rows->names.begin(), rows->names.end(), std::string(column));
    if (it == rows->names.end()) {
      std::string names;
      for (const std::string& n : rows->names) names += (names.empty() ? "" : ", ") + quoted(n);
      return "no header column is named " + quoted(column) + " (" + where + "); the header has " +
             clipped(names, 200);
    }
    rows->label = it - rows->names.begin();
  }
  if (rows->fields < 2) return "shape mismatch: a label but no features";
  // Another column of the label's name would be read as a feature: most likely the label again,
  // which training would learn to copy; or the label is the other one. Either way, said.
  if (rows->header) {
    const std::string& name = rows->names[static_cast<size_t>(rows->label)];
    for (int64_t i = 0; i < rows->fields && !name.empty(); ++i)
      if (i != rows->label && rows->names[static_cast<size_t>(i)] == name)
        return "fields " + std::to_string(std::min(i, rows->label) + 1) + " and " +
               std::to_string(std::max(i, rows->label) + 1) + " are both named " + quoted(name) +
               ", and " + where + " takes field " + std::to_string(rows->label + 1) +
               " as the label, so the other would be a feature; rename one of them, or set "
               "label_column to the 0-based index of the label's column and drop the other";
  }
  return {};
}

// The first non-blank line: its field count, whether it is a header (a field that is not a
// number; "0,1,...,label" and "0,1,...,n-1", as pandas writes a frame built from an array, are
// headers too), and the label's field. Sets *is_header. "" or what is wrong.
std::string read_first_line(std::string_view line, int line_no, std::string_view column,
                            CsvRows* rows, bool* is_header) {
  std::vector<std::string_view> fields;
  for (size_t start = 0;;) {
    const size_t comma = line.find(',', start);
    const size_t len = comma == std::string_view::npos ? comma : comma - start;
    fields.push_back(trim(line.substr(start, len)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  rows->fields = static_cast<int64_t>(fields.size());
  rows->first_line = line_no;
  rows->header = std::any_of(fields.begin(), fields.end(), [](std::string_view f) {
    double v = 0;
    return parse_number(f, &v) == Parse::kNotNumber;
  });
  // pandas names an array's columns 0, 1, ..., n - 1 and writes them as the header: read as
  // data, that line became a sample whose label is the last column's index.
  bool counted = fields.size() >= 3;
  for (size_t i = 0; counted && i < fields.size(); ++i) counted = fields[i] == std::to_string(i);
  rows->header = rows->header || counted;
  if (rows->header) {
    for (std::string_view f : fields) rows->names.push_back(unquoted(f));
  }
  *is_header = rows->header;
  return resolve_label(column, rows);
}

// "" for a label field holding an integer >= 0, else what is wrong with it.
std::string label_error(const CsvRows& rows, std::string_view column, std::string_view field) {
  double label = 0;
  const Parse parse = parse_number(field, &label);
  if (parse == Parse::kOk && label >= 0 && label == std::floor(label) && label < INT32_MAX) {
    return {};
  }
  if (parse == Parse::kOk && label >= INT32_MAX)
    return "label " + quoted(field) + " is more than the " + std::to_string(kMaxClasses) +
           " classes a label may have: the label is " + field_text(rows, rows.label) +
           ", by label_column = " + quoted(column) + choose_another();
  // Word labels: in a file without a header its first line was read as one.
  const std::string header =
      rows.header && parse == Parse::kNotNumber
          ? "; line " + std::to_string(rows.first_line) + " was read as the header, as it has a "
            "field that is not a number (labels must be class numbers)"
          : "";
  return "label " + quoted(field) + " is not an integer >= 0 (labels are class numbers 0, 1, "
         "...): the label is " + field_text(rows, rows.label) + ", by label_column = " +
         quoted(column) + header + choose_another();
}

// Reads the data line `line_no` into *d, its features only with Keep::kAll. "" or what is wrong
// with it.
std::string read_row(std::string_view line, std::string_view column, Keep keep, CsvRows* rows,
                     Dataset* d) {
  int64_t i = 0;
  for (size_t start = 0;; ++i) {
    // The common feature first: a finite number that runs right up to its comma (or the line's
    // end), read in one pass. Anything else (blanks, a '+', text, an error) takes the general
    // path below, which reads the field as it always did and names what is wrong with it.
    if (keep == Keep::kAll && i != rows->label && i < rows->fields) {
      const char* b = line.data() + start;
      const char* e = line.data() + line.size();
      float v = 0;
      const auto [p, ec] = std::from_chars(b, e, v);
      if (ec == std::errc() && p != b && (p == e || *p == ',') &&
          data_internal::finite_feature(v)) {
        rows->whole = rows->whole && v == std::floor(v);
        d->x.push_back(v);
        if (p == e) {
          ++i;
          break;
        }
        start = static_cast<size_t>(p - line.data()) + 1;
        continue;
      }
    }
    const size_t comma = line.find(',', start);
    const std::string_view field =
        trim(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (i >= rows->fields) {
      // This field and one after each comma left: the line's whole count, for the message.
      const std::string_view rest = line.substr(start);
      i = rows->fields + 1 + static_cast<int64_t>(std::count(rest.begin(), rest.end(), ','));
      break;
    }
    if (i == rows->label) {
      if (std::string msg = label_error(*rows, column, field); !msg.empty()) return msg;
      double label = 0;
      parse_number(field, &label);
      d->y.push_back(static_cast<int32_t>(label));
    } else if (keep == Keep::kAll) {
      float v = 0;
      const Parse p = parse_number(field, &v);
      if (p == Parse::kNotNumber) {
        return "non-numeric field " + std::to_string(i + 1) + ": " + quoted(field);
      }
      if (p == Parse::kNotFinite || !data_internal::finite_feature(v)) {
        return "field " + std::to_string(i + 1) + " " + data_internal::kNotFiniteFeature + ": " +
               quoted(field);
      }
      rows->whole = rows->whole && v == std::floor(v);
      d->x.push_back(v);
    }
    if (comma == std::string_view::npos) {
      ++i;
      break;
    }
    start = comma + 1;
  }
  if (i != rows->fields) {
    return "shape mismatch: " + std::to_string(i) + " fields, but line " +
           std::to_string(rows->first_line) + " has " + std::to_string(rows->fields);
  }
  return {};
}

}  // namespace

Result<Dataset> load_csv(const std::string& path, std::string_view label_column, Keep keep) {
  LineReader reader;
  if (Status s = reader.open(path); !s) return s.error();

  Dataset d;
  d.name = path;
  CsvRows rows;
  int line_no = 0;
  std::string_view raw;
  while (reader.next(&raw)) {
    // A UTF-8 byte order mark (Excel's "CSV UTF-8" writes one) is no part of the first field:
    // left in, it made a first data row read as a header, a header's first name start with an
    // invisible U+FEFF.
    if (line_no == 0 && raw.starts_with("\xEF\xBB\xBF")) raw.remove_prefix(3);
    // A binary file given as CSV: said what it is, not a shape mismatch over its raw bytes.
    if (line_no == 0 && raw.starts_with("\x1f\x8b"))
      return make_error(path, "is gzip-compressed: csv reads plain text (gunzip it first)");
    if (line_no == 0 && raw.starts_with("\x89HDF"))
      return make_error(path, "is an HDF5 file, not CSV: set dataset = \"hdf5\" for it");
    const std::string_view line = trim(raw);
    ++line_no;
    if (line.empty()) continue;
    if (rows.fields < 0) {
      bool header = false;
      std::string message = read_first_line(line, line_no, label_column, &rows, &header);
      if (!message.empty()) return Error{path, line_no, {}, std::move(message)};
      // One reservation for the whole file, its rows guessed from its size and this line's.
      const int64_t lines = reader.size() / static_cast<int64_t>(raw.size() + 1);
      if (keep == Keep::kAll) d.x.reserve(static_cast<size_t>((lines + 2) * (rows.fields - 1)));
      d.y.reserve(static_cast<size_t>(lines + 2));
      if (header) {
        d.header_line = line_no;
        for (int64_t i = 0; i < rows.fields; ++i)
          if (i != rows.label) d.features.push_back(rows.names[static_cast<size_t>(i)]);
        continue;
      }
    }
    std::string message = read_row(line, label_column, keep, &rows, &d);
    if (!message.empty()) return Error{path, line_no, {}, std::move(message)};
  }
  if (reader.error() != 0) {
    return make_error(path, std::string("cannot read: ") + std::strerror(reader.error()));
  }
  if (d.y.empty() && d.header_line > 0) {
    return make_error(path, "empty file: no data rows after the header on line " +
                                std::to_string(d.header_line));
  }
  if (d.y.empty()) return make_error(path, "empty file: no data rows");
  if (d.y.size() > INT32_MAX) return make_error(path, "too many rows");
  if (std::string why = data_internal::label_problem(d.y, kMaxClasses); !why.empty()) {
    return make_error(path, "the label column, " + field_text(rows, rows.label) +
                                " (label_column = " + quoted(label_column) + "), " + why +
                                ": it looks like a feature, not the label" + choose_another());
  }

  d.n = static_cast<int64_t>(d.y.size());
  d.height = 1;
  d.width = 1;
  d.channels = static_cast<int>(rows.fields - 1);
  d.is_image = false;
  d.integer_inputs = rows.whole;
  d.num_classes = *std::max_element(d.y.begin(), d.y.end()) + 1;
  return d;
}

}  // namespace hs
