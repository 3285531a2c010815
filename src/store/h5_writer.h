// h5_writer.h (internal to hs_store): the HDF5 side of a results file, written: the root
// attributes, /space, the /summary table and a group per trial (results_file.h has the layout).
// It writes what it is given; results_file.cpp checks records and keeps the journal, the source
// of truth this file is a view of. Beside the trials' groups, /records holds the journal's own
// frames (journal.h): its magic, the sweep's header and a frame for each write(), so that a copy
// of the file without its journal reads in one pass (read_results.h) instead of a group a trial.
//
// Every HDF5 call goes through H5_TRY / H5_OPEN (h5/h5.h); callers silence HDF5's own error
// printing (QuietHdf5). Thread safety: one writer per file, on one thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "h5/h5.h"
#include "store/header.h"
#include "store/layout.h"
#include "trial/record.h"

namespace hs::store {

class H5Writer {
 public:
  H5Writer() = default;
  H5Writer(const H5Writer&) = delete;
  H5Writer& operator=(const H5Writer&) = delete;
  ~H5Writer() { (void)close(); }

  // Creates a file in memory (`path` names it in errors) with the root attributes, /space, an
  // empty /summary (with a column for each of `results`, layout.h) and /trials; write() adds to
  // it, write_image() puts it on disk.
  Status create(const std::string& path, const SweepHeader& h,
                const std::vector<std::string>& results = {});
  // After create(): closes the file and writes its bytes as the new file `dest` (fsync'd), which
  // must not exist (a link there, even a dangling one, is an error, never followed; a partly
  // written file is removed).
  Status write_image(const std::string& dest);
  // Opens a file this class wrote and closed cleanly, of `rows` /summary rows (an error when it
  // has another number), `results` its result columns (an error when /summary lacks one). A
  // file from before /records gains none: its trials are read a group at a time.
  Status open(const std::string& path, const SweepHeader& h, size_t rows,
              const std::vector<std::string>& results = {});
  // Whether /summary has a column for each result of `r` (else the file must be built anew
  // with one more column: write() would leave the result out of /summary).
  bool has_columns_for(const TrialRecord& r) const { return has_results_of(layout_, r); }
  // Writes (or replaces) the trial's group, then its summary row `row` (so a row is there only
  // when its group is complete): the trial's own row again, or rows() for a new one at the end
  // (the caller keeps which id is in which row), and its frame for /records, which flush()
  // writes. Not flushed. REQUIRES: row <= rows().
  Status write(const TrialRecord& r, size_t row);
  size_t rows() const { return rows_; }
  // Writes the frames write() left for /records, then flushes the file.
  Status flush();
  // Sets `bytes` of disk aside past the end of the opened file (fallocate, keeping its size), so
  // that the next write()s and flush() find room: a full disk is then this call's error, in
  // words, before HDF5 writes anything. HDF5 1.10 cannot recover from a flush that failed for
  // room (the file can then never be closed, and exit() crashes in H5F__close_cb). A file
  // system without fallocate reserves nothing (OK). With `end`: where the room set aside ends
  // (the file's size on disk + bytes).
  Status reserve(size_t bytes, uint64_t* end = nullptr);
  // The end of the file as HDF5 has allocated it (its end of address space: what it has written
  // and what its caches will write), which a writer that reserves ahead compares with reserve's
  // end.
  Result<uint64_t> allocated_end() const;
  Status close();
  // After open(): "" while the file this writes is the one at its path, else what became of it
  // ("removed", "replaced by another file"); "" also when that cannot be told.
  std::string gone_from_path() const;

 private:
  Status set_layout(const std::string& path, const SearchSpace& space,
                    const std::vector<std::string>& results);
  Status write_root(const SweepHeader& h);
  Status write_group(const TrialRecord& r);
  Status write_summary_row(const TrialRecord& r, size_t at);
  Status create_records(const SweepHeader& h);
  Status write_records();

  std::string path_;
  Layout layout_;
  H5Id file_{-1, H5Fclose};
  H5Id summary_{-1, H5Dclose};
  H5Id row_type_{-1, H5Tclose};
  H5Id records_{-1, H5Dclose};  // -1: a file from before /records
  std::string records_due_;     // frames for /records, not yet written
  uint64_t records_bytes_ = 0;  // /records' length
  size_t rows_ = 0;   // /summary's rows
  int room_fd_ = -1;  // the opened file, for reserve()
};

}  // namespace hs::store
