// header.h: what a sweep is, as its results file records it once (the root attributes and
// /space, and the journal's first frame), and how two sweeps are told apart: a results file is
// continued only by the sweep that wrote it.
//
// May depend on: core, search (the space), trial (the metric). Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>

#include "search/space.h"
#include "trial/metric.h"

namespace hs {

struct SweepHeader {
  std::string config_text;  // the config as given (TrainConfig::text(): files and --set lines)
  std::string config_hash;  // config_hash(config_text)
  std::string strategy;
  uint64_t seed = 0;
  std::string version;
  std::string start_time;   // ISO 8601, UTC
  Metric metric;            // root attributes metric and direction
  SearchSpace space;
};

// FNV-1a 64 of the config text without its "# file: NAME" lines, as 16 hex digits: the same file
// reached by another path (a resume from another folder) is the same sweep.
std::string config_hash(const std::string& config_text);

// What makes two sweeps' headers different, in words ("[sweep] seed: 0 in the file, 1 here";
// "config line 12: `lr = 0.1` in the file, `lr = 0.2` here"), or "" when their config hashes
// agree. The config text is compared without its "# file:" lines.
std::string header_difference(const SweepHeader& file, const SweepHeader& here);

// The header as bytes (the journal's first frame) and back: host byte order, doubles bit-exact.
// decode_header is false for bytes that are not one whole header; a header written before the
// direction was stored decodes with the metric's default direction.
std::string encode_header(const SweepHeader& h);
bool decode_header(const std::string& bytes, SweepHeader* h);

}  // namespace hs
