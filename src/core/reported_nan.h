// reported_nan.h: a NaN that a trial reported, told apart from the NaN that stands for a value it
// did not report. A command's epoch line that prints `val_acc=nan` reports a value (its run went
// wrong: Optuna's pruners stop such a trial), while a line without val_acc reports none (the
// epoch is not judged). Both are NaN wherever a value is a double: a curve's cell, an MPI
// message, the results file. What tells them apart is the NaN's payload: a reported NaN is
// kReportedNaN, any other NaN is a missing value (NAN, the default). The record's encoding
// (trial/codec.h), the journal and the results file keep a double's bits, so the mark travels
// with the record; what reads a file with h5py or pandas sees NaN either way.
//
// Only a copy keeps a payload: a NaN made by arithmetic is a missing value. Parse a reported NaN
// into kReportedNaN where it is read (objective/output_protocol.h) and compare with the functions
// below, never with == (NaN equals nothing).
//
// May depend on: the standard library. Thread safety: constants and pure functions.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace hs {

// A quiet NaN whose payload spells "nan" (0x6e616e); the sign is not part of the mark ("-nan").
inline constexpr uint64_t kReportedNaNBits = 0x7ff8'0000'006e'616eULL;
inline constexpr double kReportedNaN = std::bit_cast<double>(kReportedNaNBits);

// Whether `v` is a NaN that a trial reported.
inline bool is_reported_nan(double v) {
  return (std::bit_cast<uint64_t>(v) & ~(uint64_t{1} << 63)) == kReportedNaNBits;
}

// Whether `v` stands for a value not reported: a NaN other than kReportedNaN.
inline bool is_missing(double v) { return std::isnan(v) && !is_reported_nan(v); }

}  // namespace hs
