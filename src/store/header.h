// header.h: what a sweep is, as its results file records it once (the root attributes and
// /space, and the journal's first frame), and how two sweeps are told apart: a results file is
// continued only by the sweep that wrote it, or by one that means the same (config_form).
//
// May depend on: core, search (the space), trial (the metric). Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "search/space.h"
#include "trial/record.h"
#include "trial/metric.h"

namespace hs {

// What a config text means, written one way (config/canonical.h: canonical_config gives a sweep
// file's): two texts with the same form are the same sweep.
using ConfigForm = std::string (*)(const std::string& config_text);

struct SweepHeader {
  std::string config_text;  // the config as given (TrainConfig::text(): files and --set lines)
  std::string config_hash;  // config_hash(config_text, config_form)
  std::string strategy;
  uint64_t seed = 0;
  std::string version;
  std::string start_time;   // ISO 8601, UTC
  Metric metric;            // root attributes metric and direction
  SearchSpace space;
  // The sweep's pruner ([sweep] pruner: "median", "asha", ...; "" none) and, for the bracketed
  // ones, its rungs (trial/record.h: Rung), as root attributes `pruner` and `rungs`. A header
  // written before pruners has none.
  std::string pruner;
  std::vector<Rung> rungs;
  // How config texts are compared when this header meets a file's (header_difference); not
  // stored, so a file's header read back has none. nullptr: the text's lines, "# file:" aside.
  ConfigForm config_form = nullptr;
};

// FNV-1a 64 of form(config_text), or with no form of the config text without its "# file: NAME"
// lines, as 16 hex digits: the same file reached by another path (a resume from another folder)
// is the same sweep.
std::string config_hash(const std::string& config_text, ConfigForm form = nullptr);

// What makes two sweeps' headers different, in words ("[sweep] seed: 0 in the file, 1 here";
// "[space] lr: ... in the file, ... here"; "[train] lr: 0.1 in the file, 0.2 here"; "--set
// epochs: 3 in the file, not given here"), or "" when they are the same sweep. With
// here.config_form the two config texts are compared by their forms (the file's text as stored:
// a file written before forms existed, whose config_hash is of its lines, is compared the same
// way); without, by their config hashes, and the texts line by line without "# file:" lines
// ("config line 12: `lr = 0.1` in the file, `lr = 0.2` here").
// `sides` names the two headers' places in the words ("in the file" and "here" by default;
// "in the file" and "in its journal" when a results file meets its own journal).
struct HeaderSides {
  std::string first = "in the file";
  std::string second = "here";
};
std::string header_difference(const SweepHeader& file, const SweepHeader& here,
                              const HeaderSides& sides = {});

// The header as bytes (the journal's first frame) and back: host byte order, doubles bit-exact.
// decode_header is false for bytes that are not one whole header; a header written before the
// direction was stored decodes with the metric's default direction, one written before pruners
// with no pruner and no rungs.
std::string encode_header(const SweepHeader& h);
bool decode_header(const std::string& bytes, SweepHeader* h);

}  // namespace hs
