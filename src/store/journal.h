// journal.h (internal to hs_store): the append-only journal beside a results file, the source
// of truth that results_file.h describes.
//
// File: the 8-byte magic "HSJRNL02", then frames: u32 payload length, u8 type, u64 FNV-1a 64 of
// (type, payload), payload. Types: 'H' the sweep header (first frame, once), 'T' a trial
// record, 'C' a clean close (payload: u64 number of 'T' frames before it). Integers and doubles
// in host byte order, doubles bit-exact. A frame whose length runs past the end or whose
// checksum fails ends the journal: it is a write that kill -9 cut short.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/results_file.h"

namespace hs::store {

inline constexpr char kJournalMagic[9] = "HSJRNL02";
// The format before TrialRecord had initial_loss and num_classes: refused with a clear error.
inline constexpr char kJournalMagicV1[9] = "HSJRNL01";

// The header frame's payload. Trial frames hold encode_record() (trial/codec.h).
std::string encode_header(const SweepHeader& h);
bool decode_header(const std::string& payload, SweepHeader* h);

// One frame, ready to write.
std::string frame(char type, const std::string& payload);

struct JournalContents {
  SweepHeader header;
  std::vector<TrialRecord> records;  // every 'T' frame, in order (ids may repeat)
  bool clean_close = false;          // the last frame is 'C' and its count matches
  uint64_t valid_bytes = 0;          // length of the intact prefix
  uint64_t file_bytes = 0;
};

// Reads and checks a whole journal. An error when it cannot be read, lacks the magic, or its
// first frame is not an intact header.
Result<JournalContents> read_journal(const std::string& path);

// Writes all of `data` to fd (retrying short writes and EINTR), then fdatasync. errno text on
// failure.
Status write_all_sync(int fd, const std::string& data, const std::string& path);

}  // namespace hs::store
