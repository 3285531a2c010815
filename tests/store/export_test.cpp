// Tests for src/store/export.*: the CSV files parsed back by a real CSV reader (Python's csv
// module), every double to the same bits, awkward strings intact, the union of layer columns.
#include "store/export.h"

#include <unistd.h>

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace hs;

namespace {

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("hs_export_test_" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

using Table = std::vector<std::vector<std::string>>;

// Parses `path` with Python's csv module; each field comes back hex-encoded (so commas, quotes
// and newlines in it cannot confuse this side), one record per line.
Table parse_csv(const fs::path& path) {
  const fs::path out = path.string() + ".hex";
  const std::string cmd =
      "/usr/bin/python3 -c 'import csv, sys\n"
      "with open(sys.argv[1], newline=\"\") as f, open(sys.argv[2], \"w\") as o:\n"
      "    for row in csv.reader(f, strict=True):\n"
      "        o.write(\" \".join(\"x\" + c.encode().hex() for c in row) + \"\\n\")\n' '" +
      path.string() + "' '" + out.string() + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  Table t;
  std::ifstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> row;
    std::istringstream words(line);
    std::string w;
    while (words >> w) {
      std::string s;
      for (size_t i = 1; i + 1 < w.size(); i += 2) {
        s += static_cast<char>(std::stoi(w.substr(i, 2), nullptr, 16));
      }
      row.push_back(s);
    }
    t.push_back(row);
  }
  return t;
}

// A field back to a double: "" is NaN; the rest must read back to exactly `want`'s bits.
bool same_number(const std::string& field, double want) {
  if (field.empty()) return std::isnan(want);
  char* end = nullptr;
  const double got = std::strtod(field.c_str(), &end);
  return *end == '\0' && std::bit_cast<uint64_t>(got) == std::bit_cast<uint64_t>(want);
}

Param param(const std::string& name, ParamKind kind, std::vector<ParamValue> choices = {}) {
  Param p;
  p.name = name;
  p.kind = kind;
  p.lo = 1e-4;
  p.hi = 0.1;
  p.choices = std::move(choices);
  return p;
}

ResultsData make_data() {
  ResultsData d;
  d.header.space.params = {param("lr", ParamKind::kLogUniform), param("width", ParamKind::kInt),
                           param("optimizer", ParamKind::kChoice, {std::string("sgd"), std::string("a,\"b\"\nc")}),
                           param("nesterov", ParamKind::kChoice, {true, false})};
  TrialRecord a;
  a.id = 0;
  a.status = TrialStatus::kCompleted;
  a.params = {ParamValue(1.0 / 3.0), ParamValue(int64_t{-7}), ParamValue(std::string("a,\"b\"\nc")), ParamValue(true)};
  a.best_epoch = 2;
  a.best_metric = 0.1 + 0.2;  // not 0.3: every bit must survive
  a.test_acc = 5e-324;        // the smallest subnormal
  a.initial_loss = std::log(10.0);
  a.num_classes = 10;
  a.epochs = 2;
  a.seconds = 1e300;
  a.rank = 3;
  a.host = "node, \"one\"";
  a.curves = {{1, 0.1, 2.3, 0.1, 2.2, 0.15, 0.5}, {2, 0.05, 1.1, 0.6, std::nan(""), 0.7, 1.0}};
  a.layer_names = {"dense1", "dense,2"};
  a.update_ratio = {{1e-3, 2e-3}, {std::nan(""), 4e-3}};
  TrialRecord b;  // failed: no epochs, NaNs, an error over several lines
  b.id = 7;
  b.status = TrialStatus::kFailed;
  b.params = {ParamValue(0.001), ParamValue(int64_t{3}), ParamValue(std::string("sgd")), ParamValue(false)};
  b.best_metric = b.test_acc = b.initial_loss = std::nan("");
  b.host = "h";
  b.error = "exit code 1\r\nTraceback: \"x\", line 2\n";
  TrialRecord c;  // other layers than a's; pruned at epoch 1, at rung 0 of bracket 1
  c.id = 3;
  c.status = TrialStatus::kPruned;
  c.rung = 0;
  c.bracket = 1;
  c.decision = "pruned at rung 0 (epoch 1)";
  c.params = {ParamValue(0.01), ParamValue(int64_t{16}), ParamValue(std::string("sgd")), ParamValue(true)};
  c.epochs = 1;
  c.curves = {{1, 0.01, 1.5, 0.4, 1.6, 0.35, 0.25}};
  c.layer_names = {"conv1", "dense1"};
  c.update_ratio = {{7e-3, 8e-3}};
  d.trials = {a, b, c};
  return d;
}

}  // namespace

TEST_CASE("csv_field quotes exactly the fields that need it", "[store][export]") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("") == "");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_field("cr\r") == "\"cr\r\"");
  CHECK(csv_number(std::nan("")) == "");
  CHECK(csv_number(0.1) == "0.10000000000000001");
}

TEST_CASE("csv_field defuses text a spreadsheet would run as a formula", "[store][export]") {
  // OWASP (CSV injection): a leading quote, and the cell quoted.
  CHECK(csv_field("=1+2") == "\"'=1+2\"");
  CHECK(csv_field("+cmd|' /C calc'!A0") == "\"'+cmd|' /C calc'!A0\"");
  CHECK(csv_field("-2+3+cmd") == "\"'-2+3+cmd\"");
  CHECK(csv_field("@SUM(A1:A9)") == "\"'@SUM(A1:A9)\"");
  CHECK(csv_field("\t=1") == "\"'\t=1\"");
  CHECK(csv_field("\r=1") == "\"'\r=1\"");
  CHECK(csv_field("=HYPERLINK(\"x\",\"y\")") == "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
  // Text that is a plain number is data, not a formula; numbers never pass through csv_field.
  CHECK(csv_field("-0.5") == "-0.5");
  CHECK(csv_field("+3") == "+3");
  CHECK(csv_field("-1e-3") == "-1e-3");
  CHECK(csv_field("a=b") == "a=b");
  CHECK(csv_number(-0.5) == "-0.5");

  ResultsData d = make_data();
  d.trials[0].params[2] = ParamValue(std::string("=cmd()"));
  d.trials[0].error = "-crash";
  d.trials[0].host = "@host";
  const std::string text = summary_csv(d);
  CHECK(text.find("\"'=cmd()\"") != std::string::npos);
  CHECK(text.find("\"'-crash\"") != std::string::npos);
  CHECK(text.find("\"'@host\"") != std::string::npos);
  CHECK(text.find(",=") == std::string::npos);
}

TEST_CASE("printed names that clash with a column are renamed as in the results file, never repeated",
          "[store][export]") {
  // A command printed results named like a parameter (lr), a fixed column (seconds, id), the
  // error column and an earlier rename (result_lr), and epoch columns named like fixed ones.
  ResultsData d = make_data();
  TrialRecord& a = d.trials[0];
  a.results = {{"lr", 1.5}, {"seconds", 2.5}, {"error", 3.5}, {"result_lr", 4.5}, {"id", 5.5}};
  a.curve_extra_names = {"seconds", "id", "extra_seconds", "epoch"};
  a.curve_extra = {{10, 11, 12, 13}, {20, 21, 22, 23}};
  Scratch s;
  REQUIRE(export_csv(d, s.dir.string()).ok());
  const Table sum = parse_csv(s.dir / "summary.csv");
  const std::vector<std::string> results(sum[0].begin() + 19, sum[0].end());
  CHECK(results == std::vector<std::string>{"result_lr", "result_seconds", "result_error",
                                            "result_result_lr", "result_id", "error"});
  CHECK(std::set<std::string>(sum[0].begin(), sum[0].end()).size() == sum[0].size());
  // Values under their own names: trial 0's row holds 1.5 under result_lr, its error under error.
  CHECK(sum[1][19] == "1.5");
  CHECK(sum[1][23] == "5.5");
  CHECK(sum[1].back().empty());

  const Table cur = parse_csv(s.dir / "curves.csv");
  const std::vector<std::string> extra(cur[0].begin() + 8, cur[0].begin() + 12);
  CHECK(extra == std::vector<std::string>{"extra_seconds", "extra_id", "extra_extra_seconds",
                                          "extra_epoch"});
  CHECK(std::set<std::string>(cur[0].begin(), cur[0].end()).size() == cur[0].size());
  CHECK(cur[1][0] == "0");  // id is the trial's
  CHECK(cur[1][9] == "11");
}

TEST_CASE("export_csv writes summary.csv and curves.csv that a CSV reader gets back exactly",
          "[store][export]") {
  Scratch s;
  const ResultsData d = make_data();
  const fs::path dir = s.dir / "new" / "folder";  // made, parents too
  REQUIRE(export_csv(d, dir.string()).ok());

  const Table sum = parse_csv(dir / "summary.csv");
  REQUIRE(sum.size() == 4);
  CHECK(sum[0] == std::vector<std::string>{"id", "status", "lr", "width", "optimizer", "nesterov",
                                           "best_epoch", "best_metric", "test_acc", "initial_loss",
                                           "num_classes", "epochs_run", "seconds", "rank", "host",
                                           "attempt", "pruned_epoch", "rung", "bracket",
                                           "error"});
  for (size_t i = 0; i < d.trials.size(); ++i) {
    const TrialRecord& r = d.trials[i];
    const std::vector<std::string>& f = sum[i + 1];
    INFO("trial " << r.id);
    REQUIRE(f.size() == sum[0].size());
    CHECK(f[0] == std::to_string(r.id));
    CHECK(f[1] == status_name(r.status));
    CHECK(same_number(f[2], std::get<double>(r.params[0])));
    CHECK(f[3] == std::to_string(std::get<int64_t>(r.params[1])));
    CHECK(f[4] == std::get<std::string>(r.params[2]));
    CHECK(f[5] == (std::get<bool>(r.params[3]) ? "true" : "false"));
    CHECK(f[6] == std::to_string(r.best_epoch));
    CHECK(same_number(f[7], r.best_metric));
    CHECK(same_number(f[8], r.test_acc));
    CHECK(same_number(f[9], r.initial_loss));
    CHECK(f[10] == std::to_string(r.num_classes));
    CHECK(f[11] == std::to_string(r.epochs));
    CHECK(same_number(f[12], r.seconds));
    CHECK(f[13] == std::to_string(r.rank));
    CHECK(f[14] == r.host);
    CHECK(f[15] == std::to_string(r.attempt));
    CHECK(f[16] == std::to_string(r.status == TrialStatus::kPruned ? r.epochs : 0));
    CHECK(f[17] == std::to_string(r.rung));
    CHECK(f[18] == std::to_string(r.bracket));
    CHECK(f[19] == r.error);
  }
  CHECK(sum[3][16] == "1");  // trial 3, pruned at epoch 1, at rung 0 of bracket 1
  CHECK(sum[3][17] == "0");
  CHECK(sum[3][18] == "1");
  CHECK(sum[1][17] == "-1");  // trial 0 reached no rung
  CHECK(sum[2][7].empty());  // NaN

  const Table cur = parse_csv(dir / "curves.csv");
  REQUIRE(cur.size() == 1 + 2 + 0 + 1);
  CHECK(cur[0] == std::vector<std::string>{"id", "epoch", "lr", "train_loss", "train_acc", "val_loss",
                                           "val_acc", "seconds", "update_ratio/dense1",
                                           "update_ratio/dense,2", "update_ratio/conv1"});
  size_t row = 1;
  for (const TrialRecord& r : d.trials) {
    for (size_t e = 0; e < r.curves.size(); ++e, ++row) {
      const std::vector<std::string>& f = cur[row];
      const EpochRow& c = r.curves[e];
      INFO("trial " << r.id << " epoch " << c.epoch);
      REQUIRE(f.size() == cur[0].size());
      CHECK(f[0] == std::to_string(r.id));
      CHECK(f[1] == std::to_string(c.epoch));
      CHECK(same_number(f[2], c.lr));
      CHECK(same_number(f[3], c.train_loss));
      CHECK(same_number(f[4], c.train_acc));
      CHECK(same_number(f[5], c.val_loss));
      CHECK(same_number(f[6], c.val_acc));
      CHECK(same_number(f[7], c.seconds));
      for (size_t j = 0; j < 3; ++j) {
        const std::string layer = cur[0][8 + j].substr(std::string("update_ratio/").size());
        double want = std::nan("");
        for (size_t k = 0; k < r.layer_names.size(); ++k) {
          if (r.layer_names[k] == layer) want = r.update_ratio[e][k];
        }
        CHECK(same_number(f[8 + j], want));
      }
    }
  }
  // Trial 3 has no dense,2 layer: blank. Trial 0 has no conv1: blank.
  CHECK(cur[3][9].empty());
  CHECK(cur[1][10].empty());
  CHECK(cur[3][10] == "0.0070000000000000001");

  SECTION("a second export replaces the files") {
    ResultsData one = d;
    one.trials.resize(1);
    REQUIRE(export_csv(one, dir.string()).ok());
    CHECK(parse_csv(dir / "summary.csv").size() == 2);
  }
  SECTION("a file where the folder should be is an error naming it") {
    const fs::path file = s.dir / "afile";
    std::ofstream(file) << "x";
    const Status st = export_csv(d, file.string());
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().str().find(file.string()) == 0);
  }
}

TEST_CASE("an export that cannot write curves.csv leaves the folder's old summary.csv", "[store][export]") {
  // summary.csv was renamed into place before curves.csv was written: a full disk or a Ctrl-C
  // left a new summary beside old curves.
  Scratch s;
  const fs::path dir = s.dir / "pair";
  fs::create_directories(dir / "curves.csv");  // a folder: curves.csv cannot be written
  std::ofstream(dir / "summary.csv") << "old summary\n";
  const Status st = export_csv(make_data(), dir.string());
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("not a file") != std::string::npos);
  std::ifstream in(dir / "summary.csv");
  std::string line;
  std::getline(in, line);
  CHECK(line == "old summary");
  for (const auto& e : fs::directory_iterator(dir))  // and no temporary file left behind
    CHECK(e.path().filename().string().find(".hypersweep-tmp.") == std::string::npos);
}
