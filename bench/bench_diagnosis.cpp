// bench_diagnosis: every trial of results files labelled as `hypersweep show` labels them
// (analysis/analysed.h: analyse_file, the diagnosis with each file as the sweep around its
// trials), one line per trial, for bench/diagnosis_corpus.py to score against the causes it
// induced.
//
//   build/bin/bench_diagnosis FILE.h5...
//
// Prints `FILE<TAB>ID<TAB>LABELS<TAB>EVIDENCE`: LABELS comma-separated in the diagnosis's order,
// EVIDENCE each finding's "label: evidence -> advice" joined by " | ". Exit code 2 when a file
// does not read (its error on stderr). Not Google Benchmark: it measures the rules, not time.
#include <cstdio>
#include <string>

#include "analysis/analysed.h"

int main(int argc, char** argv) {
  for (int a = 1; a < argc; ++a) {
    const std::string path = argv[a];
    auto an = hs::analyse_file(path);
    if (!an) {
      std::fprintf(stderr, "%s\n", an.error().str().c_str());
      return 2;
    }
    for (size_t i = 0; i < an->results.trials.size(); ++i) {
      std::string evidence;
      for (const hs::Finding& f : an->findings[i])
        evidence += (evidence.empty() ? "" : " | ") + f.label + ": " + f.evidence +
                    (f.advice.empty() ? "" : " -> " + f.advice);
      std::printf("%s\t%lld\t%s\t%s\n", path.c_str(),
                  static_cast<long long>(an->results.trials[i].id),
                  hs::labels_of(an->findings[i]).c_str(), evidence.c_str());
    }
  }
  return 0;
}
