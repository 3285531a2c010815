// layout_read.h (internal to hs_store): a results layout read a trial group at a time from its
// HDF5 file (h5_reader.cpp), for the children that read it at once and hand each trial to this
// process (layout_stream.cpp, each_hdf5_result in read_results.h).
//
// May depend on: core, trial, store's headers. Thread safety: as read_results.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/error.h"
#include "store/journal.h"
#include "store/results_file.h"

namespace hs::store {

// A layout's trials are read by one or more children at once, each its share: the blocks of
// kBlockRows rows of /summary, block b to child b % parts. A trial group costs a dozen HDF5
// calls, about 0.15 ms, and those calls are the whole time of a read without the journal.
// A share may also be held to the rows [first, end): one trial read alone (read_layout_row).
constexpr uint64_t kBlockRows = 64;

struct Share {
  int part = 0;  // 0 .. parts - 1
  int parts = 1;
  uint64_t first = 0, end = UINT64_MAX;
  bool mine(uint64_t row) const {
    return row >= first && row < end &&
           (row / kBlockRows) % static_cast<uint64_t>(parts) == static_cast<uint64_t>(part);
  }
};

// What each_layout_trial hands over: the header, each trial of its share, each block's end.
struct LayoutVisit {
  std::function<void(const SweepHeader&)> header;
  std::function<void(const TrialRecord&)> trial;
  std::function<void()> block_end;
};

// The layout at `group` of <path> ("/" or "": the root) read a trial at a time: its header to
// visit.header once /summary's columns check out, then each trial of the share in /summary order
// to visit.trial, and visit.block_end after the last trial of each of the share's blocks (a
// block's last is its 64th, or the last row). /summary and the trials' groups are read 4096 rows
// at a time, each piece with the file opened afresh: libhdf5 keeps what it read of the trials'
// groups while the file is open (about 5 KB a trial), and closing it lets that go, so that a
// million-trial file is read in bounded memory. *opened: whether the layout opened (its errors
// from then on are the layout's, not the file's). Errors: read_results'.
Status each_layout_trial(const std::string& path, const std::string& group, Share share,
                         const LayoutVisit& visit, bool* opened);

// The trial at /summary row `row` of <path>'s root layout alone, in a child process (read_results'
// reasons), /summary read only around that row and no other trial's group opened: milliseconds at
// a million trials, where each_layout_trial's whole read takes a minute. Its id must be `id` (the
// row was found in read_results_index: a file whose row is another trial, or none, changed
// since, and that is an error, "read again"). Errors: read_results', and that one.
Result<TrialRecord> read_layout_row(const std::string& path, uint64_t row, int64_t id);

// The bytes of <path>'s /records (h5_writer.h: the journal's frames, which read as a journal
// does) written to `fd` from where it stands, in a child process (read_results' reasons): true,
// or false for a file from before /records, which has none. Errors: read_results', and a
// failed write to fd (a full disk).
Result<bool> copy_records(const std::string& path, int fd);

// The frames of <path>'s /records to on_frame, in order, when they can stand for the HDF5 file
// as load_results (read_results.h) requires of a journal: true. False when they cannot, with
// *why_not saying why, as a clause ("it has no /records (a file from before them)"): none
// there, one damaged there, one whose /records do not hold what /summary holds (each trial's
// latest record is decoded and compared with its row), a /summary that does not read, no room
// for their copy under $TMPDIR. A record that is not /summary's is found as the frames are
// handed over, so some may have been. Errors: on_frame's.
Result<bool> each_records_frame(const std::string& path, const FrameVisitor& on_frame,
                                std::string* why_not);

// A reading child's error as bytes for the pipe, said in plain words where an HDF5 call failed
// ("cannot be read as a results file (damaged?)"), and those bytes read back (bytes that do
// not decode are an error of their own, naming path).
std::string encode_read_error(const Error& e);
Error decode_read_error(const std::string& path, const std::string& bytes);

}  // namespace hs::store
