// layout_stream.cpp: a results file's HDF5 side read by children at once, each trial handed
// to this process in /summary order as it comes (each_hdf5_result, read_results: read_results.h).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/host.h"
#include "store/child_read.h"
#include "store/h5_util.h"
#include "store/header.h"
#include "store/layout_read.h"
#include "store/read_results.h"
#include "store/settled_read.h"
#include "trial/codec.h"

namespace hs {

namespace {

// A child's stream of its share of a layout (each_hdf5_result): frames of a kind, a length and
// the bytes: 'H' the header (the first child's alone), then for each of its blocks 'T' and a
// trial's record (as the journal encodes them: header.h, trial/codec.h, bit for bit) for each
// of the block's trials and 'B' at its end, written out there; then 'D' (done), or 'E' and an
// error's fields where the read failed.
void put_frame(store::PipeWriter& w, char kind, const std::string& payload) {
  ByteWriter b;
  b.pod<char>(kind);
  b.str(payload);
  w.add(b.take());
}

void stream_layout(const std::string& path, const std::string& group, store::Share share,
                   store::PipeWriter& w) {
  const bool root = group.empty() || group == "/";
  bool opened = false;
  store::LayoutVisit visit;
  visit.header = [&](const SweepHeader& h) {
    if (share.part == 0) put_frame(w, 'H', encode_header(h));
  };
  visit.trial = [&](const TrialRecord& r) { put_frame(w, 'T', encode_record(r)); };
  visit.block_end = [&] {
    put_frame(w, 'B', {});
    w.flush();  // for the parent, which takes the blocks in turn from each child
  };
  const Status st = store::each_layout_trial(path, group, share, visit, &opened);
  if (st.ok()) return put_frame(w, 'D', {});
  // Errors of opening the layout name the group already; the layout's own are put in it here.
  const Error e = opened && !root ? store::in_group(st.error(), group) : st.error();
  put_frame(w, 'E', store::encode_read_error(e));
}

// The frames of stream_layout read from the pipe as they come.
class FrameIn {
 public:
  explicit FrameIn(int fd) : fd_(fd) {}
  bool ended() const { return eof_; }  // whether the pipe's end was met
  // The next frame; false at the pipe's end, or at a frame cut short there.
  bool next(char* kind, std::string* payload) {
    if (!fill(9)) return false;
    uint64_t n = 0;
    *kind = buf_[pos_];
    std::memcpy(&n, buf_.data() + pos_ + 1, 8);
    if (n > (uint64_t{1} << 40) || !fill(9 + static_cast<size_t>(n))) return false;
    payload->assign(buf_, pos_ + 9, static_cast<size_t>(n));
    pos_ += 9 + static_cast<size_t>(n);
    return true;
  }
  bool at_end() { return !fill(1); }

 private:
  bool fill(size_t need) {
    if (buf_.size() - pos_ >= need) return true;
    buf_.erase(0, pos_);
    pos_ = 0;
    char piece[1 << 16];
    while (buf_.size() < need) {
      const ssize_t n = ::read(fd_, piece, sizeof piece);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        eof_ = true;
        return false;
      }
      buf_.append(piece, static_cast<size_t>(n));
    }
    return true;
  }
  int fd_;
  bool eof_ = false;
  std::string buf_;
  size_t pos_ = 0;
};

// The parent's side of the children's stream_layout: the header from the first child, then
// block b's trials from child b % children, handed over as they come in /summary order. The
// read ends at a block cut short (the last) or at a "done" where a block was due; a child
// reading a file that a sweep still writes may see more trials than another, and the trials
// handed over are then the rows every block before the end holds whole.
Status take_layout(const std::string& path, std::vector<FrameIn>& ins,
                   const std::function<void(const SweepHeader&)>& on_start,
                   const TrialVisitor& on_trial) {
  const Error bad = make_error(path, "cannot be read as a results file: the reading process "
                                     "gave back bytes that do not decode");
  char kind = 0;
  std::string payload;
  auto failed = [&]() -> Status { return store::decode_read_error(path, payload); };
  if (!ins[0].next(&kind, &payload)) return bad;
  if (kind == 'E') return failed();
  SweepHeader h;
  if (kind != 'H' || !decode_header(payload, &h)) return bad;
  on_start(h);
  size_t place = 0;
  auto done = [&](FrameIn& in) -> Status {
    return kind == 'D' && payload.empty() && in.at_end() ? Status() : Status(bad);
  };
  for (size_t b = 0;; ++b) {
    FrameIn& in = ins[b % ins.size()];
    uint64_t rows = 0;
    bool got = false;
    while ((got = in.next(&kind, &payload)) && kind == 'T' && rows < store::kBlockRows) {
      TrialRecord r;
      if (!decode_record(payload, &r)) return bad;
      on_trial(std::move(r), place++);
      ++rows;
    }
    if (!got) return bad;
    if (kind == 'E') return failed();
    if (rows == 0 && kind != 'B') return done(in);
    if (kind != 'B' || !payload.empty()) return bad;
    if (rows < store::kBlockRows) return in.next(&kind, &payload) ? done(in) : Status(bad);
  }
}

// each_hdf5_result's read by `children` children.
Status each_hdf5_result_by(const std::string& path, const std::string& group, int children,
                           const std::function<void(const SweepHeader&)>& on_start,
                           const TrialVisitor& on_trial) {
  return store::settled_read(path, [&]() -> Status {
    return store::read_in_children(
        path, children,
        [&](int part, store::PipeWriter& w) { stream_layout(path, group, {part, children}, w); },
        [&](const std::vector<int>& fds, std::vector<bool>* eofs) {
          std::vector<FrameIn> ins(fds.begin(), fds.end());
          const Status st = take_layout(path, ins, on_start, on_trial);
          for (size_t i = 0; i < ins.size(); ++i) (*eofs)[i] = ins[i].ended();
          return st;
        });
  });
}

}  // namespace

Status each_hdf5_result(const std::string& path, const std::string& group,
                        const std::function<void(const SweepHeader&)>& on_start,
                        const TrialVisitor& on_trial) {
  return each_hdf5_result_by(path, group, std::clamp(bound_cores(), 1, 8), on_start, on_trial);
}

Status each_hdf5_result(const std::string& path, const std::string& group, int readers,
                        const std::function<void(const SweepHeader&)>& on_start,
                        const TrialVisitor& on_trial) {
  return each_hdf5_result_by(path, group, std::max(readers, 1), on_start, on_trial);
}

Result<ResultsData> read_results(const std::string& path, const std::string& group) {
  ResultsData d;
  const Status st = each_hdf5_result(
      path, group, [&](const SweepHeader& h) { d = ResultsData{h, {}}; },
      [&](TrialRecord&& r, size_t) { d.trials.push_back(std::move(r)); });
  if (!st.ok()) return st.error();
  return d;
}

Result<ResultsData> read_results(const std::string& path) { return read_results(path, "/"); }

}  // namespace hs
