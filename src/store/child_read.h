// child_read.h (internal to hs_store): a file read in a forked child process, or in several at
// once, that hands what it reads to this process through a pipe, as it reads it. libhdf5 1.10
// can crash (SIGSEGV inside it) on a file whose metadata bytes were overwritten: a crash in the
// child is an error here, and this process never reads the damaged file itself (h5_reader.cpp).
//
// May depend on: core. Thread safety: forks; call from one thread, with no other thread inside
// HDF5.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/error.h"

namespace hs::store {

// Bytes a child writes to its pipe in pieces, and writes whole on flush() and at the end.
class PipeWriter {
 public:
  explicit PipeWriter(int fd) : fd_(fd) {}
  void add(const std::string& bytes);
  void flush();

 private:
  int fd_;
  std::string buf_;
};

// Forks. The child runs `child(writer)` with its memory bounded (the address space it has at
// the fork plus 1 GiB and 8 times the file's size: a damaged length in an HDF5 file's metadata
// can make the library allocate and clear gigabytes before it gives up) and HDF5's error
// printing silenced, and leaves by _exit (HDF5's exit handler would flush files this process
// has open for writing); it is killed should this process die. This process meanwhile runs
// `parent(fd)` on the pipe's read end: it reads what the child writes, and sets *eof once it met
// the pipe's end. Returns parent's status, unless the child ended by a signal, which is "<path>
// cannot be read as a results file: it is damaged (reading it crashed the HDF5 library with
// signal N)". A parent that returns before the pipe's end (it found the bytes wrong) has the
// child killed and its own error returned.
Status read_in_child(const std::string& path, const std::function<void(PipeWriter&)>& child,
                     const std::function<Status(int fd, bool* eof)>& parent);

// read_in_child with `children` children (1 or more), each with a pipe of its own: the i-th runs
// `child(i, writer)`, and this process runs `parent(fds, eofs)` on the read ends (fds[i] the
// i-th's), setting eofs[i] once it met the i-th pipe's end. Each pipe holds 1 MiB where the
// system allows, so that a child reads on while this process takes what another wrote. Children
// whose pipe's end was not met are killed (the parent needs nothing more from them); one that
// ended by a signal after its pipe's end was met is the damaged-file error above.
Status read_in_children(const std::string& path, int children,
                        const std::function<void(int index, PipeWriter&)>& child,
                        const std::function<Status(const std::vector<int>& fds,
                                                   std::vector<bool>* eofs)>& parent);

// Everything from fd to its end, for read_in_child's parent.
Status read_to_end(int fd, std::string* out, bool* eof);

}  // namespace hs::store
