// Tests for src/analysis/diagnosis.* on real runs: every induced cause of one held-out seed per
// data set of bench/diagnosis_corpus.py's corpus (tests/analysis/corpus_slice.txt, written by
// `/usr/bin/python3 bench/diagnosis_corpus.py --fixture tests/analysis/corpus_slice.txt`), each
// diagnosed as `hypersweep show` diagnoses it (its sweep's best val_acc; its weight_decay and
// dropout as space parameters) must get exactly the labels of its cause, scored as the bench
// scores them: diverged_at_start counts as diverged, update_ratio is not scored, and healthy
// means no scored label.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/diagnosis.h"

using namespace hs;

namespace {

struct Run {
  std::string name;
  TrialRecord record;
  SweepContext ctx;
  std::set<std::string> induced;
};

double number(const std::string& s) { return std::strtod(s.c_str(), nullptr); }  // nan, inf too

std::vector<Run> read_slice(const std::string& path) {
  std::ifstream f(path);
  REQUIRE(f.good());
  std::vector<Run> runs;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::vector<std::string> t;
    for (std::string w; in >> w;) t.push_back(w);
    if (t[0] == "run") {
      REQUIRE(t.size() == 9);
      Run r;
      r.name = t[1];
      r.ctx = SweepContext{number(t[2]), {"weight_decay", "dropout"}};
      r.record.initial_loss = number(t[3]);
      r.record.num_classes = std::stoi(t[4]);
      const std::optional<TrialStatus> status = parse_status(t[5]);
      REQUIRE(status);
      r.record.status = *status;
      r.record.params = {ParamValue{number(t[6])}, ParamValue{number(t[7])}};
      std::istringstream labels(t[8]);
      for (std::string l; std::getline(labels, l, ',');) r.induced.insert(l);
      runs.push_back(std::move(r));
    } else if (t[0] != "end") {
      REQUIRE(t.size() >= 6);
      TrialRecord& rec = runs.back().record;
      rec.curves.push_back({std::stoi(t[0]), number(t[1]), number(t[2]), number(t[3]), number(t[4]),
                            number(t[5]), 0});
      rec.update_ratio.emplace_back();
      for (size_t k = 6; k < t.size(); ++k) rec.update_ratio.back().push_back(number(t[k]));
      while (rec.layer_names.size() < t.size() - 6)
        rec.layer_names.push_back("dense" + std::to_string(rec.layer_names.size() + 1));
    }
  }
  return runs;
}

std::set<std::string> scored(const std::vector<Finding>& fs) {
  std::set<std::string> s;
  for (const Finding& f : fs) {
    if (f.label == "update_ratio") continue;
    s.insert(f.label == "diverged_at_start" ? "diverged" : f.label);
  }
  if (s.empty()) s.insert("healthy");
  return s;
}

std::string joined(const std::set<std::string>& s) {
  std::string out;
  for (const std::string& l : s) out += (out.empty() ? "" : ",") + l;
  return out;
}

}  // namespace

TEST_CASE("every induced cause of the corpus slice gets its labels and only those", "[analysis]") {
  const std::vector<Run> runs = read_slice(HS_SOURCE_DIR "/tests/analysis/corpus_slice.txt");
  REQUIRE(runs.size() == 22);  // 11 causes x 2 data sets
  for (const Run& r : runs) {
    const auto fs = diagnose(r.record, r.ctx);
    std::string evidence;
    for (const Finding& f : fs) evidence += f.label + ": " + f.evidence + " -> " + f.advice + "\n";
    INFO(r.name << "\n" << evidence);
    CHECK(joined(scored(fs)) == joined(r.induced));
  }
}

TEST_CASE("the corpus slice's advice never lowers a regularisation that is zero", "[analysis]") {
  for (const Run& r : read_slice(HS_SOURCE_DIR "/tests/analysis/corpus_slice.txt")) {
    const Regularisation reg = regularisation_of(r.record, r.ctx);
    for (const Finding& f : diagnose(r.record, r.ctx)) {
      INFO(r.name << " " << f.label << ": " << f.advice);
      if (reg.weight_decay == 0) CHECK(f.advice.find("lower the weight decay") == std::string::npos);
      if (reg.dropout == 0) CHECK(f.advice.find("dropout (") == std::string::npos);
      CHECK(f.advice.find("if the config sets") == std::string::npos);  // both are known here
    }
  }
}
