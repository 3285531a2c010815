// journal_records.cpp: the journal's frames as a sweep header and trial records, and the one
// check of a record (journal_records.h).
#include "store/journal_records.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "core/bytes.h"
#include "search/space_text.h"
#include "store/layout.h"
#include "trial/codec.h"

namespace hs::store {

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool same_value(const ParamValue& a, const ParamValue& b) {
  if (a.index() != b.index()) return false;
  if (const double* x = std::get_if<double>(&a)) return same_bits(*x, std::get<double>(b));
  return a == b;
}

// Whether `v` is a value the space parameter `p` can take, as its /summary column holds it.
bool fits(const Param& p, const ParamValue& v) {
  switch (p.kind) {
    case ParamKind::kUniform:
    case ParamKind::kLogUniform: return std::holds_alternative<double>(v);
    case ParamKind::kInt: return std::holds_alternative<int64_t>(v);
    case ParamKind::kChoice:
    case ParamKind::kFixed: break;
  }
  for (const ParamValue& c : p.choices)
    if (same_value(c, v)) return true;
  return false;
}

}  // namespace

Status check_record(const std::string& path, const SweepHeader& h, const TrialRecord& r,
                    const std::string& where) {
  const std::string who = (where.empty() ? "" : where + ": ") + "trial " + std::to_string(r.id);
  if (r.id < 0) return make_error(path, who + ": a negative id");
  if (r.params.size() != h.space.params.size()) {
    return make_error(path, who + ": " + std::to_string(r.params.size()) +
                                " parameters, the space has " +
                                std::to_string(h.space.params.size()));
  }
  for (size_t i = 0; i < r.params.size(); ++i) {
    const Param& p = h.space.params[i];
    if (!fits(p, r.params[i]))
      return make_error(path, who + ": parameter " + p.name + " = " +
                                  param_to_string(r.params[i]) + " is not a value of its " +
                                  param_kind_name(p.kind) + " range");
  }
  for (const std::vector<double>& row : r.update_ratio) {
    if (row.size() != r.layer_names.size()) {
      return make_error(path, who + ": an update_ratio row has " + std::to_string(row.size()) +
                                  " values for " + std::to_string(r.layer_names.size()) +
                                  " layers");
    }
  }
  // A command's extra columns: one row per curves row, one value per name, names unique and
  // not empty (each is an HDF5 column).
  if (!r.curve_extra_names.empty() && r.curve_extra.size() != r.curves.size())
    return make_error(path, who + ": " + std::to_string(r.curve_extra.size()) +
                                " rows of extra curve columns for " +
                                std::to_string(r.curves.size()) + " curve rows");
  for (const std::vector<double>& row : r.curve_extra) {
    if (row.size() != r.curve_extra_names.size())
      return make_error(path, who + ": a row of extra curve columns has " +
                                  std::to_string(row.size()) + " values for " +
                                  std::to_string(r.curve_extra_names.size()) + " names");
  }
  std::unordered_map<std::string, int> seen;
  for (const std::string& n : r.curve_extra_names)
    if (n.empty() || seen[n]++ > 0)
      return make_error(path, who + ": extra curve column \"" + n + "\" is empty or given twice");
  seen.clear();
  for (const auto& [n, v] : r.results)
    if (n.empty() || seen[n]++ > 0)
      return make_error(path, who + ": result \"" + n + "\" is empty or given twice");
  return {};
}

Status check_extras_fit(const std::string& path, const TrialRecord& r) {
  const std::string who = "trial " + std::to_string(r.id);
  if (r.curve_extra_names.size() > kMaxExtraNames || r.results.size() > kMaxExtraNames)
    return make_error(path, who + ": " + std::to_string(r.curve_extra_names.size()) +
                                " extra curve columns and " + std::to_string(r.results.size()) +
                                " results, more than " + std::to_string(kMaxExtraNames));
  const auto too_long = [](const std::string& n) { return n.size() > kMaxExtraNameBytes; };
  const bool long_result = std::any_of(r.results.begin(), r.results.end(),
                                       [&](const auto& nv) { return too_long(nv.first); });
  if (std::any_of(r.curve_extra_names.begin(), r.curve_extra_names.end(), too_long) || long_result)
    return make_error(path, who + ": an extra curve column's or result's name is longer than " +
                                std::to_string(kMaxExtraNameBytes) + " bytes");
  return {};
}

std::string clean_close_payload(uint64_t trial_frames, uint64_t h5_hash) {
  std::string out(16, '\0');
  std::memcpy(out.data(), &trial_frames, 8);
  std::memcpy(out.data() + 8, &h5_hash, 8);
  return out;
}

namespace {

// The journal's frames read one at a time into *out (scan_records, scan_header): records to
// `on_record` when given, else into out->records.
class Decoder {
 public:
  Decoder(const std::string& path, JournalRecords* out, const RecordVisitor* on_record)
      : path_(path), out_(*out), on_record_(on_record) {}

  void damaged(const DamagedBytes& d) {
    out_.warnings.push_back(
        path_ + ": bytes " + std::to_string(d.start) + " to " + std::to_string(d.end) +
        " (after record " + std::to_string(static_cast<int64_t>(out_.record_frames) - 1) +
        ") are damaged (length or checksum fails): skipped; the records after them are kept");
    any_damage_ = true;
  }

  Status frame(const FrameView& f) {
    const size_t k = frames_++;
    if (k == 0) return header(f);
    const std::string where =
        "record " + std::to_string(out_.record_frames) + " at byte " + std::to_string(f.start);
    if (f.type == 'T') {
      TrialRecord t;
      if (!decode_record(std::string(f.payload), &t))
        return make_error(path_, where + ": its checksum holds but it is not a trial record");
      if (Status st = check_record(path_, out_.header, t, where); !st) return st.error();
      ++out_.record_frames;
      out_.clean_close = false;
      if (on_record_) return (*on_record_)(std::move(t), f);
      out_.records.push_back(std::move(t));
    } else if (f.type == 'C' && (f.payload.size() == 8 || f.payload.size() == 16)) {
      uint64_t n = 0;
      std::memcpy(&n, f.payload.data(), 8);
      out_.clean_close = n == out_.record_frames;
      out_.h5_hash = 0;
      if (f.payload.size() == 16) std::memcpy(&out_.h5_hash, f.payload.data() + 8, 8);
    } else {
      return make_error(path_,
                        "frame " + std::to_string(k) + " at byte " + std::to_string(f.start) +
                            ": its checksum holds but it is no frame this hypersweep writes");
    }
    return {};
  }

  Status finish() {
    if (frames_ == 0) return no_header();
    if (any_damage_) out_.clean_close = false;
    return {};
  }

 private:
  Error no_header() const {
    return make_error(path_, "journal does not start with an intact sweep header");
  }
  Status header(const FrameView& f) {
    if (f.type != 'H' || f.start != 8 || !decode_header(std::string(f.payload), &out_.header))
      return no_header();
    if (Status st = validate(out_.header.space, true); !st)
      return make_error(path_,
                        "the journal's sweep header has an invalid space: " + st.error().str());
    if (auto l = make_layout(path_, out_.header.space); !l) return l.error();
    return {};
  }

  const std::string& path_;
  JournalRecords& out_;
  const RecordVisitor* on_record_;
  size_t frames_ = 0;
  bool any_damage_ = false;
};

}  // namespace

Result<JournalRecords> scan_records(const std::string& path, const RecordVisitor& on_record,
                                    JournalScan* scan, uint64_t trusted_until) {
  JournalRecords out;
  Decoder d(path, &out, &on_record);
  auto s = scan_journal(
      path,
      [&](const FrameView& f, const DamagedBytes* damaged) {
        if (damaged) d.damaged(*damaged);
        return d.frame(f);
      },
      0, trusted_until);
  if (!s) return s.error();
  if (Status st = d.finish(); !st) return st.error();
  if (scan) *scan = std::move(*s);
  return out;
}

Result<SweepHeader> scan_header(const std::string& path) {
  JournalRecords out;
  Decoder d(path, &out, nullptr);
  auto s = scan_journal(
      path, [&](const FrameView& f, const DamagedBytes*) { return d.frame(f); }, 1);
  if (!s) return s.error();
  if (Status st = d.finish(); !st) return st.error();
  return std::move(out.header);
}

bool same_record(const TrialRecord& a, const TrialRecord& b) {
  // The encoding holds every field, doubles bit for bit.
  return encode_record(a) == encode_record(b);
}

}  // namespace hs::store
