// Crafted journals (label `crafted`, for the AddressSanitizer build): a small corpus of journals
// built by hand around a real one (records that do not fit the header, huge lengths, a byte
// flipped at every position, every truncation) and opened with ResultsFile::open, which must
// never crash and must give back either a valid results file or a clear error naming the journal.
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/hash.h"
#include "store/journal.h"
#include "store/read_results.h"
#include "store/results_file.h"
#include "store/sample_sweep.h"
#include "store/store_testing.h"
#include "trial/codec.h"
#include "support/records.h"

using namespace hs;
using hs::test::make_header;
using hs::test::make_record;
using hs::test::require_equal;
using hs::test::read_bytes;
using hs::test::temp_path;
using hs::test::write_bytes;

namespace {

// One journal frame as journal.cpp writes it: u32 length, u8 type, u64 FNV-1a 64 of (type,
// payload), payload. Written here again on purpose: the tests craft frames the writer never
// would, with checksums that hold.
std::string frame(char type, const std::string& payload, uint32_t length) {
  Fnv1a64 h;
  h.add(static_cast<unsigned char>(type));
  h.add(payload);
  ByteWriter w;
  w.pod<uint32_t>(length);
  w.pod<char>(type);
  w.pod<uint64_t>(h.value());
  return w.take() + payload;
}
std::string frame(char type, const std::string& payload) {
  return frame(type, payload, static_cast<uint32_t>(payload.size()));
}

// The positions the two exhaustive tests below damage: every one in the Release build, every
// third in the AddressSanitizer build (scripts/sanitize-check.sh), where each open and read-back
// costs about ten times as much and these two tests took 7 of its 10 minutes of tests.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kStep = 3;
#else
constexpr size_t kStep = 1;
#endif

// A results file of `n` records (make_record(0..n-1)), closed cleanly; its journal's bytes.
std::string make_file(const std::string& path, int64_t n) {
  auto f = ResultsFile::create(path, make_header(), true);
  REQUIRE(f.ok());
  for (int64_t i = 0; i < n; ++i) REQUIRE(f->append(make_record(i)).ok());
  REQUIRE(f->close().ok());
  return read_bytes(path + ".journal");
}

// Opens `path` and checks what the contract allows: an error naming the journal or the file, or
// a file whose trials are records the journal was written with (never made-up ones), whose HDF5
// file reads back as those trials. True when it opened.
bool require_valid_or_clear_error(const std::string& path, int64_t written) {
  auto f = ResultsFile::open(path);
  if (!f.ok()) {
    INFO(f.error().str());
    REQUIRE(f.error().str().find(path) == 0);
    return false;
  }
  for (const TrialRecord& r : hs::test::trials_of(*f)) {
    REQUIRE(r.id >= 0);
    REQUIRE(r.id < written);
    require_equal(r, make_record(r.id));
  }
  REQUIRE(f->close().ok());
  auto d = read_results(path);
  REQUIRE(d.ok());
  REQUIRE(d->trials.size() == hs::test::trials_of(*f).size());
  return true;
}

}  // namespace

TEST_CASE("a crafted record that does not fit the header is refused naming journal and record",
          "[store][crafted]") {
  const std::string path = temp_path("crafted_record.h5");
  struct Case {
    const char* what;
    TrialRecord r;
  };
  std::vector<Case> cases;
  auto with = [](auto change) {
    TrialRecord r = make_record(3);  // 3 epochs: curves, layer_names and update_ratio
    change(r);
    return r;
  };
  cases.push_back({"parameters", with([](TrialRecord& r) { r.params.push_back(ParamValue(1.0)); })});
  cases.push_back({"parameters", with([](TrialRecord& r) {
                     for (int k = 0; k < 1000; ++k) r.params.push_back(ParamValue(std::string(64, 'x')));
                   })});
  cases.push_back({"parameters", with([](TrialRecord& r) { r.params.pop_back(); })});
  cases.push_back({"update_ratio", with([](TrialRecord& r) { r.update_ratio[1].pop_back(); })});
  cases.push_back({"update_ratio", with([](TrialRecord& r) { r.update_ratio[0].clear(); })});
  cases.push_back({"update_ratio", with([](TrialRecord& r) { r.update_ratio[2].push_back(9); })});
  cases.push_back({"negative id", with([](TrialRecord& r) { r.id = -5; })});
  cases.push_back({"hidden", with([](TrialRecord& r) { r.params[1] = ParamValue(std::string("x")); })});
  cases.push_back({"optimizer", with([](TrialRecord& r) { r.params[2] = ParamValue(std::string("rmsprop")); })});
  cases.push_back({"lr", with([](TrialRecord& r) { r.params[0] = ParamValue(int64_t{1}); })});
  for (const Case& c : cases) {
    INFO(c.what);
    std::string bytes = make_file(path, 2);
    const size_t record_at = bytes.size();
    bytes += frame('T', encode_record(c.r));
    write_bytes(path + ".journal", bytes);
    const std::string h5_before = read_bytes(path);
    auto f = ResultsFile::open(path);
    REQUIRE_FALSE(f.ok());
    const std::string e = f.error().str();
    INFO(e);
    CHECK(e.find(path + ".journal: record 2 at byte " + std::to_string(record_at)) == 0);
    CHECK(e.find(c.what) != std::string::npos);
    // Refused before anything was written: the journal and the HDF5 file are as they were.
    CHECK(read_bytes(path + ".journal") == bytes);
    CHECK(read_bytes(path) == h5_before);
  }
}

TEST_CASE("a checksummed frame that is no record or no known frame is refused by name",
          "[store][crafted]") {
  const std::string path = temp_path("crafted_frame.h5");
  for (const std::string& extra : {frame('T', "not a record"), frame('T', ""),
                                   frame('X', "a frame from the future"), frame('C', "short"),
                                   frame('H', encode_header(make_header()))}) {
    const std::string bytes = make_file(path, 2) + extra;
    write_bytes(path + ".journal", bytes);
    auto f = ResultsFile::open(path);
    REQUIRE_FALSE(f.ok());
    INFO(f.error().str());
    CHECK(f.error().str().find(path + ".journal: ") == 0);
    CHECK(f.error().str().find("checksum holds") != std::string::npos);
    CHECK(read_bytes(path + ".journal") == bytes);
  }
}

TEST_CASE("scan_journal hashes no frame within trusted_until and every frame past it",
          "[store][crafted]") {
  const std::string path = temp_path("crafted_trusted.h5");
  const std::string good = make_file(path, 4);  // magic, header, 4 trial frames, clean close
  // Each frame's end, from an honest scan.
  std::vector<uint64_t> ends;
  auto scan = store::scan_journal(path + ".journal", [&](const store::FrameView& f,
                                                         const store::DamagedBytes*) {
    ends.push_back(f.end);
    return Status::Ok();
  });
  REQUIRE(scan.ok());
  REQUIRE(ends.size() == 6);
  // A byte of trial 1's record (frame 2) and one of trial 3's (frame 4) changed, checksums kept.
  std::string bent = good;
  const uint64_t in_1 = ends[1] + 20, in_3 = ends[3] + 20;
  bent[in_1] ^= 0x5a;
  bent[in_3] ^= 0x5a;
  write_bytes(path + ".journal", bent);
  const auto payloads = [&](uint64_t trusted_until) {
    std::vector<std::string> out;
    std::vector<uint64_t> damaged_at;
    auto s = store::scan_journal(
        path + ".journal",
        [&](const store::FrameView& f, const store::DamagedBytes* d) {
          out.emplace_back(f.payload);
          if (d) damaged_at.push_back(d->start);
          return Status::Ok();
        },
        0, trusted_until);
    REQUIRE(s.ok());
    return std::make_pair(out, damaged_at);
  };
  // Untrusted: both changed frames are damage, the others come.
  auto [all, damage] = payloads(0);
  CHECK(all.size() == 4);
  CHECK(damage.size() == 2);
  // Trusted through frame 3 (trial 1's and trial 2's): trial 1's frame comes as it now reads,
  // trial 3's is still found damaged.
  auto [trusted, damage_after] = payloads(ends[3]);
  REQUIRE(trusted.size() == 5);
  CHECK(trusted[2] == bent.substr(ends[1] + 13, ends[2] - ends[1] - 13));
  CHECK(trusted[2] != good.substr(ends[1] + 13, ends[2] - ends[1] - 13));
  REQUIRE(damage_after.size() == 1);
  CHECK(damage_after[0] == ends[3]);
  // A frame that ends one byte past trusted_until is hashed: trusted through part of frame 2.
  auto [part, damage_part] = payloads(ends[2] - 1);
  CHECK(part.size() == 4);
  CHECK(damage_part.size() == 2);
  // Nor is anything trusted in the search after such a frame: here a damaged frame whose payload
  // starts with what looks like an empty frame's head (its checksum wrong), trusted_until inside.
  ByteWriter fake;
  fake.pod<uint32_t>(0);
  fake.pod<char>('T');
  fake.pod<uint64_t>(0);
  std::string lie = frame('T', fake.take() + std::string(16, 'x'));
  lie[5] ^= 1;  // the outer frame's checksum: damaged
  write_bytes(path + ".journal", good.substr(0, ends[0]) + lie + good.substr(ends[0]));
  auto [after_lie, damage_lie] = payloads(ends[0] + lie.size() - 1);
  CHECK(after_lie.size() == 6);  // the header, then the four trials and the close after the lie
  for (const std::string& payload : after_lie) CHECK_FALSE(payload.empty());
  CHECK(damage_lie.size() == 1);
}

TEST_CASE("fnv1a64_add4 gives each of four strings the hash Fnv1a64 gives it", "[store][crafted]") {
  Fnv1a64 a;
  a.add(std::string_view("a"));
  CHECK(a.value() == 0xaf63dc4c8601ec8cULL);  // FNV-1a 64's published test vector
  std::mt19937_64 rng(7);
  const size_t lengths[] = {0, 1, 7, 31, 32, 33, 100, 870, 5000};
  for (int round = 0; round < 300; ++round) {
    std::string text[4];
    std::string_view views[4];
    uint64_t h[4], want[4];
    for (int k = 0; k < 4; ++k) {
      text[k].resize(lengths[rng() % std::size(lengths)]);
      for (char& c : text[k]) c = static_cast<char>(rng());
      views[k] = text[k];
      h[k] = round % 2 ? rng() : Fnv1a64::kStart;  // carried on from a value so far, or new
      want[k] = h[k];
      for (const char c : text[k])
        want[k] = Fnv1a64::with_byte(want[k], static_cast<unsigned char>(c));
    }
    fnv1a64_add4(h, views);
    for (int k = 0; k < 4; ++k) {
      INFO("round " << round << ", string " << k << " of " << text[k].size() << " bytes");
      CHECK(h[k] == want[k]);
    }
  }
}

TEST_CASE("scan_journal finds the frames and damage that a scan of one frame at a time finds",
          "[store][crafted]") {
  // The scan checks frames four at a time. Against it, one frame at a time as journal.h
  // describes the format: a frame is intact when its bytes are there and its checksum holds;
  // after one that is not, the next offset where an intact frame starts.
  const auto intact_at = [](const std::string& b, size_t pos, size_t* end) {
    if (b.size() - pos < 13) return false;
    uint32_t len = 0;
    uint64_t sum = 0;
    std::memcpy(&len, b.data() + pos, 4);
    std::memcpy(&sum, b.data() + pos + 5, 8);
    if (b.size() - pos - 13 < len) return false;
    Fnv1a64 h;
    h.add(static_cast<unsigned char>(b[pos + 4]));
    h.add(std::string_view(b).substr(pos + 13, len));
    *end = pos + 13 + len;
    return h.value() == sum;
  };
  const auto one_at_a_time = [&](const std::string& b) {
    std::vector<std::pair<size_t, bool>> frames;  // (start, after damage)
    size_t pos = 8, end = 0;
    while (pos < b.size()) {
      size_t next = pos;
      while (next < b.size() && !intact_at(b, next, &end)) ++next;
      if (next >= b.size()) break;
      frames.emplace_back(next, next != pos);
      pos = end;
    }
    return frames;
  };
  const std::string path = temp_path("crafted_runs.h5");
  // Records of unlike lengths (some with a long error text), so that runs end unevenly.
  auto f = ResultsFile::create(path, make_header(), true);
  REQUIRE(f.ok());
  for (int64_t i = 0; i < 9; ++i) {
    TrialRecord r = make_record(i);
    r.error = std::string(static_cast<size_t>(i * i * 37 % 500), 'e');
    REQUIRE(f->append(r).ok());
  }
  REQUIRE(f->close().ok());
  const std::string good = read_bytes(path + ".journal");
  for (size_t at = 8; at < good.size(); at += kStep) {
    INFO("byte " << at << " of " << good.size() << " flipped");
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x21);
    write_bytes(path + ".journal", bytes);
    std::vector<std::pair<size_t, bool>> scanned;
    auto scan = store::scan_journal(path + ".journal", [&](const store::FrameView& v,
                                                           const store::DamagedBytes* d) {
      scanned.emplace_back(v.start, d != nullptr);
      CHECK(v.payload == std::string_view(bytes).substr(v.start + 13, v.end - v.start - 13));
      return Status::Ok();
    });
    REQUIRE(scan.ok());
    CHECK(scanned == one_at_a_time(bytes));
  }
}

TEST_CASE("huge frame lengths are damage: the frames around them are kept", "[store][crafted]") {
  const std::string path = temp_path("crafted_huge.h5");
  for (const uint32_t length : {0xffffffffu, 0x7fffffffu, 1u << 20}) {
    INFO("length " << length);
    const std::string good = make_file(path, 3);
    // In the middle, before the clean-close frame, and at the end (a torn tail).
    const std::string lie = frame('T', encode_record(make_record(7)), length);
    const size_t close_at = good.size() - (4 + 1 + 8 + 8);
    write_bytes(path + ".journal", good.substr(0, close_at) + lie + good.substr(close_at));
    ::unlink(path.c_str());  // only the journal can give the trials back
    {
      auto f = ResultsFile::open(path);
      REQUIRE(f.ok());
      REQUIRE(hs::test::trials_of(*f).size() == 3);
      for (int64_t i = 0; i < 3; ++i) require_equal(hs::test::trials_of(*f)[i], make_record(i));
    }
    write_bytes(path + ".journal", good + lie);
    auto f = ResultsFile::open(path);
    REQUIRE(f.ok());
    REQUIRE(hs::test::trials_of(*f).size() == 3);
    REQUIRE(f->close().ok());
    CHECK(read_bytes(path + ".journal").size() < good.size() + lie.size());  // the tail cut off
  }
}

TEST_CASE("a byte flipped at every position of a small journal: a valid file or a clear error",
          "[store][crafted]") {
  const std::string path = temp_path("crafted_flip.h5");
  const std::string good = make_file(path, 3);
  const std::string h5 = read_bytes(path);
  REQUIRE(good.size() < 4000);
  size_t opened = 0;
  size_t tried = 0;
  for (size_t at = 0; at < good.size(); at += kStep, ++tried) {
    INFO("byte " << at << " of " << good.size());
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
    write_bytes(path + ".journal", bytes);
    write_bytes(path, h5);
    if (require_valid_or_clear_error(path, 3)) ++opened;
  }
  CHECK(opened > tried / 2);  // a flip in a record loses that record at most
}

TEST_CASE("a journal cut at every length: a valid file or a clear error", "[store][crafted]") {
  const std::string path = temp_path("crafted_cut.h5");
  const std::string good = make_file(path, 3);
  for (size_t n = 0; n <= good.size(); n += kStep) {
    INFO("first " << n << " bytes of " << good.size());
    write_bytes(path + ".journal", good.substr(0, n));
    ::unlink(path.c_str());
    require_valid_or_clear_error(path, 3);
  }
}

TEST_CASE("a clean close from before the HDF5 file's hash still opens and its damage is found",
          "[store][crafted]") {
  const std::string path = temp_path("crafted_old_close.h5");
  const std::string journal = make_file(path, 5);
  // The last frame is today's clean close: 13 bytes of frame header, the count and the hash.
  REQUIRE(journal.size() > 29);
  REQUIRE(journal[journal.size() - 29 + 4] == 'C');
  ByteWriter count;
  count.pod<uint64_t>(5);
  write_bytes(path + ".journal", journal.substr(0, journal.size() - 29) + frame('C', count.take()));
  std::string h5 = read_bytes(path);
  for (size_t k = h5.size() / 2; k < h5.size() / 2 + 64; ++k) h5[k] = '\x55';
  write_bytes(path, h5);
  {
    auto f = ResultsFile::open(path);
    INFO((f.ok() ? std::string() : f.error().str()));
    REQUIRE(f.ok());
    REQUIRE(hs::test::trials_of(*f).size() == 5);
  }
  auto d = read_results(path);
  REQUIRE(d.ok());
  REQUIRE(d->trials.size() == 5);
  for (int64_t i = 0; i < 5; ++i) require_equal(d->trials[i], make_record(i));
}
