// journal_records.h (internal to hs_store): what a results file's journal frames mean, and the
// one check a trial record passes before it is written, whether append() was given it or open()
// read it back from the journal (results_file.h). Frames: 'H' the sweep header (header.h, the
// first frame, once), 'T' a trial record (trial/codec.h), 'C' a clean close (payload: u64 number
// of 'T' frames before it, then, since issue 17, u64 WordHash64 of the HDF5 file's bytes (core/
// hash.h), written after the HDF5 file was closed and fsync'd; a journal from before has the
// count alone).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/header.h"
#include "store/journal.h"
#include "trial/record.h"

namespace hs::store {

// What append() and open() require of a record, checked against the sweep's header: id >= 0,
// one parameter per space parameter and of its kind (a double for uniform and log_uniform, an
// int64 for int, one of the choices for choice and fixed), one update_ratio value per layer
// name in every row. The error names `path` and the trial (with `where`, e.g. "record 3 at byte
// 1234", in front when given).
Status check_record(const std::string& path, const SweepHeader& h, const TrialRecord& r,
                    const std::string& where = "");

// What append() alone requires (records already written are read as they are): at most
// kMaxExtraNames extra curve columns and results, names of at most kMaxExtraNameBytes
// (trial/record.h), which the HDF5 file can hold.
Status check_extras_fit(const std::string& path, const TrialRecord& r);

// What the journal's frames say: the header, every record (ids may repeat), whether it was
// closed cleanly, and a warning per damaged stretch that was skipped.
struct JournalRecords {
  SweepHeader header;
  std::vector<TrialRecord> records;  // empty when handed to a RecordVisitor instead
  size_t record_frames = 0;          // the 'T' frames decoded
  bool clean_close = false;  // the last frame is 'C' and its count matches
  // The last clean close's hash of the HDF5 file's bytes (0: none, a journal from before it).
  uint64_t h5_hash = 0;
  std::vector<std::string> warnings;
};

// The payload of a clean close's 'C' frame: the number of 'T' frames before it, then the HDF5
// file's hash (both u64, host byte order); scan_records reads it back.
std::string clean_close_payload(uint64_t trial_frames, uint64_t h5_hash);

// A record decoded and checked, with its frame (whose start reads it again: FrameReader).
using RecordVisitor = std::function<Status(TrialRecord&& r, const FrameView& f)>;

// The journal at `path`, scanned frame by frame (scan_journal) and decoded: each record goes to
// `on_record` as it is decoded and is not kept (the result's records stay empty), so a
// million-record journal is never held whole. *scan (when given) gets the scan's bytes and
// damaged stretches. A damaged stretch (checksum or length fails: a crash, a flipped bit) is
// skipped with a warning naming its bytes and the record before it. An intact frame (its
// checksum holds) that is not one a hypersweep writes is an error naming the journal, the record
// and its byte offset: those bytes were written as they are, by something else, and neither
// dropping nor keeping them is safe. So is a header that is missing, damaged or invalid.
// `trusted_until`: scan_journal's. Errors: those, scan_journal's, or on_record's.
Result<JournalRecords> scan_records(const std::string& path, const RecordVisitor& on_record,
                                    JournalScan* scan = nullptr, uint64_t trusted_until = 0);

// The sweep header, the journal's first frame, read and checked as scan_records does, the
// frames after it not read.
Result<SweepHeader> scan_header(const std::string& path);

// Whether two records are the same bit for bit (doubles compared by their bits, NaN included).
bool same_record(const TrialRecord& a, const TrialRecord& b);

}  // namespace hs::store
