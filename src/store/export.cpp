// export.cpp: the CSV export of a results file (export.h).
#include "store/export.h"

#include "core/file.h"
#include "store/layout.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

std::string csv_field(std::string_view s) {
  if (starts_formula(s)) {
    std::string defused(1, '\'');  // two appends: `"'" + string` trips a false -Wrestrict in g++ 12
    defused += s;
    return csv_field_quoted(defused);
  }
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  return csv_field_quoted(s);
}

std::string csv_field_quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "";
  // to_chars with precision 17 writes what printf's %.17g writes, character for character,
  // several times faster (a million-trial export formats tens of millions of numbers).
  char b[40];
  const auto end = std::to_chars(b, b + sizeof b, v, std::chars_format::general, 17).ptr;
  return std::string(b, end);
}

namespace {

std::string csv_value(const ParamValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const int64_t* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const double* d = std::get_if<double>(&v)) return csv_number(*d);
  return csv_field(std::get<std::string>(v));
}

// The union of a name list of every record (layer_names, curve_extra_names), in first-seen
// order.
std::vector<std::string> union_of(const std::vector<TrialRecord>& trials,
                                  const std::vector<std::string> TrialRecord::*names) {
  std::vector<std::string> out;
  std::unordered_map<std::string, size_t> seen;
  for (const TrialRecord& r : trials)
    for (const std::string& n : r.*names)
      if (seen.emplace(n, out.size()).second) out.push_back(n);
  return out;
}

void add_line(std::string* out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) *out += ',';
    *out += fields[i];
  }
  *out += '\n';
}

}  // namespace

std::string summary_csv(const ResultsData& d) {
  std::vector<std::string> head = {"id", "status"};
  for (const Param& p : d.header.space.params) head.push_back(csv_field(p.name));
  for (const char* c : {"best_epoch", "best_metric", "test_acc", "initial_loss", "num_classes",
                        "epochs_run", "seconds", "rank", "host", "attempt", "pruned_epoch", "rung",
                        "bracket"}) {
    head.push_back(c);
  }
  // Named as /summary names them: a printed `x` or `error` beside a parameter x or the error
  // column is result_x, result_error, so no two columns share a name.
  const std::vector<std::string> results = result_names(d.trials);
  for (const std::string& name : store::result_columns(d.header.space, results))
    head.push_back(csv_field(name));
  head.push_back("error");
  std::string out;
  add_line(&out, head);
  for (const TrialRecord& r : d.trials) {
    std::vector<std::string> f = {std::to_string(r.id), csv_field(status_name(r.status))};
    for (const ParamValue& v : r.params) f.push_back(csv_value(v));
    f.push_back(std::to_string(r.best_epoch));
    f.push_back(csv_number(r.best_metric));
    f.push_back(csv_number(r.test_acc));
    f.push_back(csv_number(r.initial_loss));
    f.push_back(std::to_string(r.num_classes));
    f.push_back(std::to_string(r.epochs));
    f.push_back(csv_number(r.seconds));
    f.push_back(std::to_string(r.rank));
    f.push_back(csv_field(r.host));
    f.push_back(std::to_string(r.attempt));
    for (int v : {pruned_epoch(r), r.rung, r.bracket}) f.push_back(std::to_string(v));
    for (const std::string& name : results) f.push_back(csv_number(result_value(r, name)));
    f.push_back(csv_field(r.error));
    add_line(&out, f);
  }
  return out;
}

std::string curves_csv(const ResultsData& d) {
  const std::vector<std::string> layers = union_of(d.trials, &TrialRecord::layer_names);
  const std::vector<std::string> extra = union_of(d.trials, &TrialRecord::curve_extra_names);
  std::unordered_map<std::string, size_t> column, extra_column;
  for (size_t j = 0; j < layers.size(); ++j) column.emplace(layers[j], j);
  for (size_t j = 0; j < extra.size(); ++j) extra_column.emplace(extra[j], j);
  std::vector<std::string> head = {"id",       "epoch",   "lr",     "train_loss",
                                   "train_acc", "val_loss", "val_acc", "seconds"};
  // As the curves dataset names them (seconds printed: extra_seconds), and never id.
  for (const std::string& name : store::curve_extra_columns(extra, {"id"}))
    head.push_back(csv_field(name));
  for (const std::string& name : layers) head.push_back(csv_field("update_ratio/" + name));
  std::string out;
  add_line(&out, head);
  for (const TrialRecord& r : d.trials) {
    for (size_t e = 0; e < r.curves.size(); ++e) {
      const EpochRow& c = r.curves[e];
      std::vector<std::string> f = {std::to_string(r.id),    std::to_string(c.epoch),
                                    csv_number(c.lr),        csv_number(c.train_loss),
                                    csv_number(c.train_acc), csv_number(c.val_loss),
                                    csv_number(c.val_acc),   csv_number(c.seconds)};
      std::vector<std::string> extras(extra.size());  // blank where this trial lacks the column
      if (e < r.curve_extra.size()) {
        for (size_t j = 0; j < r.curve_extra_names.size() && j < r.curve_extra[e].size(); ++j)
          extras[extra_column.at(r.curve_extra_names[j])] = csv_number(r.curve_extra[e][j]);
      }
      f.insert(f.end(), extras.begin(), extras.end());
      std::vector<std::string> ratios(layers.size());  // blank where this trial lacks the layer
      if (e < r.update_ratio.size()) {
        for (size_t j = 0; j < r.layer_names.size() && j < r.update_ratio[e].size(); ++j) {
          ratios[column.at(r.layer_names[j])] = csv_number(r.update_ratio[e][j]);
        }
      }
      f.insert(f.end(), ratios.begin(), ratios.end());
      add_line(&out, f);
    }
  }
  return out;
}

Status export_csv(const ResultsData& d, const std::string& dir) {
  // Each file is written whole beside its name and renamed over it (core/file.h): a link
  // planted as summary.csv is replaced, never written through.
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(dir, "cannot create the folder: " + ec.message());
  if (!fs::is_directory(dir, ec)) return make_error(dir, "is not a folder");
  // Both written before either is renamed: a full disk or a Ctrl-C while writing the second
  // leaves the folder's old pair as it was, not a new summary beside old curves.
  auto summary = PendingFile::write((fs::path(dir) / "summary.csv").string(), summary_csv(d));
  if (!summary) return summary.error();
  auto curves = PendingFile::write((fs::path(dir) / "curves.csv").string(), curves_csv(d));
  if (!curves) return curves.error();
  const StopSignalsHeld held;  // a Ctrl-C between the two renames waits for both
  if (Status st = summary->commit(); !st) return st;
  return curves->commit();
}

}  // namespace hs
