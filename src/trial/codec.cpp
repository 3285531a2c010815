#include "trial/codec.h"

#include <cstring>

namespace hs {

namespace {

void put_value(ByteWriter& w, const ParamValue& v) {
  w.pod<uint8_t>(static_cast<uint8_t>(v.index()));
  if (const bool* b = std::get_if<bool>(&v)) w.pod<uint8_t>(*b ? 1 : 0);
  if (const int64_t* i = std::get_if<int64_t>(&v)) w.pod<int64_t>(*i);
  if (const double* d = std::get_if<double>(&v)) w.pod<double>(*d);
  if (const std::string* s = std::get_if<std::string>(&v)) w.str(*s);
}

ParamValue take_value(ByteReader& r) {
  switch (r.pod<uint8_t>()) {
    case 0: return ParamValue(r.pod<uint8_t>() != 0);
    case 1: return ParamValue(r.pod<int64_t>());
    case 2: return ParamValue(r.pod<double>());
    case 3: return ParamValue(r.str());
    default: r.ok = false; return ParamValue(false);
  }
}

}  // namespace

void put_values(ByteWriter& w, const std::vector<ParamValue>& values) {
  w.pod<uint64_t>(values.size());
  for (const ParamValue& v : values) put_value(w, v);
}

std::vector<ParamValue> take_values(ByteReader& r) {
  std::vector<ParamValue> vs(r.count(2));
  for (ParamValue& v : vs) v = take_value(r);
  return vs;
}

bool peek_record_id(std::string_view bytes, int64_t* id) {
  if (bytes.size() < sizeof *id) return false;
  std::memcpy(id, bytes.data(), sizeof *id);  // as ByteWriter::pod wrote it
  return true;
}

std::string encode_record(const TrialRecord& t) {
  ByteWriter w;
  w.pod<int64_t>(t.id);
  w.str(status_name(t.status));
  put_values(w, t.params);
  w.pod<int32_t>(t.best_epoch);
  w.pod<double>(t.best_metric);
  w.pod<double>(t.test_acc);
  w.pod<double>(t.initial_loss);
  w.pod<int32_t>(t.num_classes);
  w.pod<int32_t>(t.epochs);
  w.pod<double>(t.seconds);
  w.pod<int32_t>(t.rank);
  w.str(t.host);
  w.pod<uint64_t>(t.curves.size());
  for (const EpochRow& e : t.curves) {
    w.pod<int32_t>(e.epoch);
    for (double v : {e.lr, e.train_loss, e.train_acc, e.val_loss, e.val_acc, e.seconds})
      w.pod<double>(v);
  }
  w.pod<uint64_t>(t.layer_names.size());
  for (const std::string& n : t.layer_names) w.str(n);
  w.pod<uint64_t>(t.update_ratio.size());
  for (const std::vector<double>& row : t.update_ratio) {
    w.pod<uint64_t>(row.size());
    for (double v : row) w.pod<double>(v);
  }
  w.str(t.error);
  w.pod<int32_t>(t.attempt);
  w.pod<uint64_t>(t.curve_extra_names.size());
  for (const std::string& n : t.curve_extra_names) w.str(n);
  w.pod<uint64_t>(t.curve_extra.size());
  for (const std::vector<double>& row : t.curve_extra) {
    w.pod<uint64_t>(row.size());
    for (double v : row) w.pod<double>(v);
  }
  w.pod<uint64_t>(t.results.size());
  for (const auto& [name, value] : t.results) {
    w.str(name);
    w.pod<double>(value);
  }
  w.str(t.log_path);
  w.pod<int32_t>(t.rung);
  w.pod<int32_t>(t.bracket);
  w.str(t.decision);
  w.pod<int64_t>(t.val_samples);
  return w.take();
}

bool decode_record(const std::string& bytes, TrialRecord* t) {
  ByteReader r(bytes);
  t->id = r.pod<int64_t>();
  const std::optional<TrialStatus> status = parse_status(r.str());
  t->status = status.value_or(TrialStatus::kFailed);
  t->params = take_values(r);
  t->best_epoch = r.pod<int32_t>();
  t->best_metric = r.pod<double>();
  t->test_acc = r.pod<double>();
  t->initial_loss = r.pod<double>();
  t->num_classes = r.pod<int32_t>();
  t->epochs = r.pod<int32_t>();
  t->seconds = r.pod<double>();
  t->rank = r.pod<int32_t>();
  t->host = r.str();
  t->curves.resize(r.count(52));  // a row is 4 + 6 x 8 bytes
  for (EpochRow& e : t->curves) {
    e.epoch = r.pod<int32_t>();
    for (double* v : {&e.lr, &e.train_loss, &e.train_acc, &e.val_loss, &e.val_acc, &e.seconds})
      *v = r.pod<double>();
  }
  t->layer_names.resize(r.count(8));
  for (std::string& n : t->layer_names) n = r.str();
  t->update_ratio.resize(r.count(8));
  for (std::vector<double>& row : t->update_ratio) {
    row.resize(r.count(8));
    for (double& v : row) v = r.pod<double>();
  }
  t->error = r.str();
  t->attempt = r.at_end() ? 1 : r.pod<int32_t>();  // records from before attempts: their first
  t->curve_extra_names.clear();
  t->curve_extra.clear();
  t->results.clear();
  t->log_path.clear();
  t->rung = -1;
  t->bracket = -1;
  t->decision.clear();
  t->val_samples = 0;
  if (!r.at_end()) {  // records from before the extra columns have none
    t->curve_extra_names.resize(r.count(8));
    for (std::string& n : t->curve_extra_names) n = r.str();
    t->curve_extra.resize(r.count(8));
    for (std::vector<double>& row : t->curve_extra) {
      row.resize(r.count(8));
      for (double& v : row) v = r.pod<double>();
    }
    t->results.resize(r.count(16));
    for (auto& [name, value] : t->results) {
      name = r.str();
      value = r.pod<double>();
    }
    t->log_path = r.str();
  }
  if (!r.at_end()) {  // records from before pruning reached no rung
    t->rung = r.pod<int32_t>();
    t->bracket = r.pod<int32_t>();
    t->decision = r.str();
  }
  if (!r.at_end()) t->val_samples = r.pod<int64_t>();  // records from before it: unknown
  return status.has_value() && t->attempt >= 1 && r.done();
}

}  // namespace hs
