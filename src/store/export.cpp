// export.cpp: the CSV export of a results file (export.h).
#include "store/export.h"

#include "core/file.h"
#include "store/layout.h"
#include "store/read_results.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>
#include <variant>

namespace hs {

namespace {

// Whether a text cell would start a spreadsheet formula (OWASP, CSV injection): it starts with
// =, +, -, @, tab or CR and is not a plain number ("-0.5", "+3", "-inf" are data, not formulas).
bool starts_formula(std::string_view s) {
  if (s.empty() || std::string_view("=+-@\t\r").find(s.front()) == std::string_view::npos)
    return false;
  if (s.front() != '+' && s.front() != '-') return true;
  const std::string text(s);
  char* end = nullptr;
  (void)std::strtod(text.c_str(), &end);
  return end != text.c_str() + text.size();
}

}  // namespace

namespace {

// The field's text appended to *out: quoted when it must be, a formula defused (export.h).
void append_field(std::string* out, std::string_view s) {
  const bool formula = starts_formula(s);
  if (!formula && s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(s);
    return;
  }
  *out += '"';
  if (formula) *out += '\'';
  for (const char c : s) {
    if (c == '"') *out += '"';
    *out += c;
  }
  *out += '"';
}

// %.17g appended to *out: to_chars with precision 17 writes what printf's %.17g writes,
// character for character, several times faster (a million-trial export formats tens of millions
// of numbers). NaN appends nothing.
void append_number(std::string* out, double v) {
  if (std::isnan(v)) return;
  char b[40];
  const auto end = std::to_chars(b, b + sizeof b, v, std::chars_format::general, 17).ptr;
  out->append(b, end);
}

}  // namespace

std::string csv_field(std::string_view s) {
  std::string out;
  append_field(&out, s);
  return out;
}

std::string csv_number(double v) {
  std::string out;
  append_number(&out, v);
  return out;
}

namespace {

// One CSV line written straight into the text it belongs to, a field at a time, its "\n" put
// when the Line goes: a trial's rows make no string of their own per field (a million-trial
// export writes tens of millions).
class Line {
 public:
  explicit Line(std::string* out) : out_(out) {}
  ~Line() { *out_ += '\n'; }
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;
  void number(double v) { append_number(next(), v); }  // NaN: blank
  void whole(int64_t v) {
    char b[24];
    next()->append(b, std::to_chars(b, b + sizeof b, v).ptr);
  }
  void text(std::string_view s) { append_field(next(), s); }
  void value(const ParamValue& v) {
    if (const bool* b = std::get_if<bool>(&v)) return void(next()->append(*b ? "true" : "false"));
    if (const int64_t* i = std::get_if<int64_t>(&v)) return whole(*i);
    if (const double* d = std::get_if<double>(&v)) return number(*d);
    text(std::get<std::string>(v));
  }

 private:
  std::string* next() {
    if (fields_++ > 0) *out_ += ',';
    return out_;
  }
  std::string* out_;
  size_t fields_ = 0;
};

// The columns beyond the fixed ones, from every trial's names (the union of each list, in
// first-recorded order), gathered a trial at a time in any order (each_result's places).
struct Columns {
  NamesByPlace results, layers, extra;
  void add(const TrialRecord& r, size_t place) {
    add_result_names(&results, r, place);
    for (size_t k = 0; k < r.layer_names.size(); ++k) layers.add(r.layer_names[k], place, k);
    for (size_t k = 0; k < r.curve_extra_names.size(); ++k)
      extra.add(r.curve_extra_names[k], place, k);
  }
  // Whether every name of r has its column.
  bool hold(const TrialRecord& r) const {
    const auto all = [](const NamesByPlace& in, const std::vector<std::string>& names) {
      return std::all_of(names.begin(), names.end(), [&](const std::string& n) { return in.has(n); });
    };
    return std::all_of(r.results.begin(), r.results.end(),
                       [&](const auto& kv) { return results.has(kv.first); }) &&
           all(layers, r.layer_names) && all(extra, r.curve_extra_names);
  }
};

Columns columns_of(const std::vector<TrialRecord>& trials) {
  Columns c;
  for (size_t i = 0; i < trials.size(); ++i) c.add(trials[i], i);
  return c;
}

// The two files' lines for a sweep whose columns are known: their heads, and a trial's rows.
class CsvRows {
 public:
  CsvRows(const SweepHeader& h, const Columns& c)
      : space_(h.space),
        results_(c.results.names()),
        layers_(c.layers.names()),
        extra_(c.extra.names()) {
    for (size_t j = 0; j < layers_.size(); ++j) layer_column_.emplace(layers_[j], j);
    for (size_t j = 0; j < extra_.size(); ++j) extra_column_.emplace(extra_[j], j);
  }

  std::string summary_head() const {
    std::string out;
    {
      Line head(&out);
      for (const char* c : {"id", "status"}) head.text(c);
      for (const Param& p : space_.params) head.text(p.name);
      for (const char* c : {"best_epoch", "best_metric", "test_acc", "initial_loss", "num_classes",
                            "epochs_run", "seconds", "rank", "host", "attempt", "pruned_epoch",
                            "rung", "bracket"}) {
        head.text(c);
      }
      // Named as /summary names them: a printed `x` or `error` beside a parameter x or the
      // error column is result_x, result_error, so no two columns share a name.
      for (const std::string& name : store::result_columns(space_, results_)) head.text(name);
      head.text("error");
    }
    return out;
  }

  void summary_row(const TrialRecord& r, std::string* out) const {
    Line f(out);
    f.whole(r.id);
    f.text(status_name(r.status));
    for (const ParamValue& v : r.params) f.value(v);
    f.whole(r.best_epoch);
    f.number(r.best_metric);
    f.number(r.test_acc);
    f.number(r.initial_loss);
    f.whole(r.num_classes);
    f.whole(r.epochs);
    f.number(r.seconds);
    f.whole(r.rank);
    f.text(r.host);
    f.whole(r.attempt);
    for (int v : {pruned_epoch(r), r.rung, r.bracket}) f.whole(v);
    for (const std::string& name : results_) f.number(result_value(r, name));
    f.text(r.error);
  }

  std::string curves_head() const {
    std::string out;
    {
      Line head(&out);
      for (const char* c : {"id", "epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc",
                            "seconds"}) {
        head.text(c);
      }
      // As the curves dataset names them (seconds printed: extra_seconds), and never id.
      for (const std::string& name : store::curve_extra_columns(extra_, {"id"})) head.text(name);
      for (const std::string& name : layers_) head.text("update_ratio/" + name);
    }
    return out;
  }

  void curves_rows(const TrialRecord& r, std::string* out) const {
    constexpr double kBlank = std::numeric_limits<double>::quiet_NaN();  // written as ""
    // The extra columns and the layers' ratios in the file's column order, blank where this
    // trial lacks the column or layer (a NaN is blank too).
    std::vector<double> extras(extra_.size()), ratios(layers_.size());
    for (size_t e = 0; e < r.curves.size(); ++e) {
      const EpochRow& c = r.curves[e];
      Line f(out);
      f.whole(r.id);
      f.whole(c.epoch);
      for (double v : {c.lr, c.train_loss, c.train_acc, c.val_loss, c.val_acc, c.seconds})
        f.number(v);
      std::fill(extras.begin(), extras.end(), kBlank);
      if (e < r.curve_extra.size()) {
        for (size_t j = 0; j < r.curve_extra_names.size() && j < r.curve_extra[e].size(); ++j)
          extras[extra_column_.at(r.curve_extra_names[j])] = r.curve_extra[e][j];
      }
      for (double v : extras) f.number(v);
      std::fill(ratios.begin(), ratios.end(), kBlank);
      if (e < r.update_ratio.size()) {
        for (size_t j = 0; j < r.layer_names.size() && j < r.update_ratio[e].size(); ++j)
          ratios[layer_column_.at(r.layer_names[j])] = r.update_ratio[e][j];
      }
      for (double v : ratios) f.number(v);
    }
  }

 private:
  const SearchSpace space_;
  const std::vector<std::string> results_, layers_, extra_;
  std::unordered_map<std::string, size_t> layer_column_, extra_column_;
};

// The two files' text in place order, rows appended as trials come (each_result's places): a
// trial recorded again comes when its latest record was written, so the places after it wait.
class RowsInOrder {
 public:
  explicit RowsInOrder(CsvRows rows) : rows_(std::move(rows)) {
    summary = rows_.summary_head();
    curves = rows_.curves_head();
  }
  std::string summary, curves;  // the text not yet written out: take it and clear it

  void add(const TrialRecord& r, size_t place) {
    if (place == written_) {  // the usual case: its rows go straight into the text
      rows_.summary_row(r, &summary);
      rows_.curves_rows(r, &curves);
      ++written_;
    } else if (auto [at, fresh] = early_.try_emplace(place); fresh) {
      rows_.summary_row(r, &at->second.first);
      rows_.curves_rows(r, &at->second.second);
    }
    for (auto it = early_.begin(); it != early_.end() && it->first == written_;
         it = early_.erase(it), ++written_) {
      summary += it->second.first;
      curves += it->second.second;
    }
  }
  // The places whose rows are in the text.
  size_t written() const { return written_; }

 private:
  const CsvRows rows_;
  std::map<size_t, std::pair<std::string, std::string>> early_;  // places ahead of written_
  size_t written_ = 0;
};

// Both files written before either is renamed: a full disk or a Ctrl-C while writing the second
// leaves the folder's old pair as it was, not a new summary beside old curves.
Status commit_pair(PendingFile& summary, PendingFile& curves) {
  if (Status st = summary.finish(); !st) return st;
  if (Status st = curves.finish(); !st) return st;
  const StopSignalsHeld held;  // a Ctrl-C between the two renames waits for both
  if (Status st = summary.commit(); !st) return st;
  return curves.commit();
}

// <dir> made where missing, and checked to be a folder.
Status make_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(dir, "cannot create the folder: " + ec.message());
  if (!fs::is_directory(dir, ec)) return make_error(dir, "is not a folder");
  return {};
}

std::string in_dir(const std::string& dir, const char* name) {
  return (std::filesystem::path(dir) / name).string();
}

// One go of export_results_csv: true in *changed when the file changed between its two reads
// (nothing is committed then). The trials are read twice (each_result_twice): first for the
// columns and how many trials there are, then for the rows.
Status export_once(const std::string& path, const std::string& dir, ExportCounts* counts,
                   bool* changed) {
  Columns columns;
  SweepHeader header;
  size_t trials = 0;
  ResultPass first;
  first.on_start = [&](const SweepHeader& h) {
    header = h;
    columns = Columns{};
    trials = 0;
  };
  first.on_trial = [&](TrialRecord&& r, size_t place) {
    columns.add(r, place);
    trials = std::max(trials, place + 1);
  };
  // Each file written in pieces of ~4 MiB.
  constexpr size_t kPiece = size_t{4} << 20;
  std::optional<RowsInOrder> text;
  std::optional<PendingFile> summary, curves;
  size_t epochs = 0, starts = 0;
  Status failed;
  const auto put = [&](std::string& out, PendingFile& f, size_t at_least) {
    if (out.size() < at_least || !failed) return;
    failed = f.append(out);
    out.clear();
  };
  ResultPass second;
  second.on_start = [&](const SweepHeader&) {
    if (++starts > 1 || !failed) return;  // started over: exported again (*changed)
    if (Status made = make_folder(dir); !made) {  // once the results read
      failed = made;
      return;
    }
    for (auto [f, name] : {std::pair{&summary, "summary.csv"}, std::pair{&curves, "curves.csv"}}) {
      auto made_file = PendingFile::create(in_dir(dir, name));
      if (!made_file) {
        failed = made_file.error();
        return;
      }
      f->emplace(std::move(*made_file));
    }
    text.emplace(CsvRows(header, columns));
  };
  second.on_trial = [&](TrialRecord&& r, size_t place) {
    if (starts != 1 || place >= trials || !failed) return;  // recorded since the first read
    if (!columns.hold(r)) *changed = true;  // a trial recorded again with other names
    epochs += r.curves.size();
    text->add(r, place);
    put(text->summary, *summary, kPiece);
    put(text->curves, *curves, kPiece);
  };
  if (Status st = each_result_twice(path, first, second); !st) return st;
  if (!failed) return failed;
  if (starts != 1 || text->written() != trials || *changed) {
    *changed = true;
    return {};
  }
  put(text->summary, *summary, 0);
  put(text->curves, *curves, 0);
  if (!failed) return failed;
  counts->trials = trials;
  counts->epochs = epochs;
  return commit_pair(*summary, *curves);
}

}  // namespace

std::string summary_csv(const ResultsData& d) {
  const CsvRows rows(d.header, columns_of(d.trials));
  std::string out = rows.summary_head();
  for (const TrialRecord& r : d.trials) rows.summary_row(r, &out);
  return out;
}

std::string curves_csv(const ResultsData& d) {
  const CsvRows rows(d.header, columns_of(d.trials));
  std::string out = rows.curves_head();
  for (const TrialRecord& r : d.trials) rows.curves_rows(r, &out);
  return out;
}

Status export_csv(const ResultsData& d, const std::string& dir) {
  // Each file is written whole beside its name and renamed over it (core/file.h): a link
  // planted as summary.csv is replaced, never written through.
  if (Status st = make_folder(dir); !st) return st;
  auto summary = PendingFile::write(in_dir(dir, "summary.csv"), summary_csv(d));
  if (!summary) return summary.error();
  auto curves = PendingFile::write(in_dir(dir, "curves.csv"), curves_csv(d));
  if (!curves) return curves.error();
  return commit_pair(*summary, *curves);
}

Status export_results_csv(const std::string& path, const std::string& dir, ExportCounts* counts) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    bool changed = false;
    if (Status st = export_once(path, dir, counts, &changed); !st || !changed) return st;
  }
  return make_error(path, "changed while it was read, three times (a sweep still writing it "
                          "records a trial again): export it again, or once the sweep has ended");
}

}  // namespace hs
