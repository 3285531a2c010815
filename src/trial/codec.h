// codec.h: a trial record as bytes and back: the one encoding of a record, which the results
// journal's trial frames (store/) and the MPI messages between rank 0 and the workers (exec/)
// both carry. Host byte order, doubles bit-exact, strings length-prefixed; the status as its
// name (status_name), so a record reads back whatever the enum's order.
//
// Layout: id i64, status str, params (u64 n, then per value a u8 tag 0 bool u8 | 1 int i64 |
// 2 double f64 | 3 string str), best_epoch i32, best_metric f64, test_acc f64, initial_loss
// f64, num_classes i32, epochs i32, seconds f64, rank i32, host str, curves (u64 n, then per
// row epoch i32 and lr, train_loss, train_acc, val_loss, val_acc, seconds f64), layer_names
// (u64 n, str each), update_ratio (u64 rows, then per row u64 n and f64 each), error str,
// attempt i32 (absent in records written before it existed: they read as attempt 1), then
// curve_extra_names (u64 n, str each), curve_extra (u64 rows, then per row u64 n and f64 each),
// results (u64 n, then per entry str and f64), log_path str (all four absent in records written
// before them: they read empty), then rung i32, bracket i32, decision str (absent in records
// written before pruners: they read -1, -1 and "").
//
// May depend on: core, search (ParamValue), trial/record.h. Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "trial/record.h"

namespace hs {

std::string encode_record(const TrialRecord& r);
// The id of an encoded record (its first 8 bytes), without decoding the rest; false when there
// are fewer than 8 bytes.
bool peek_record_id(std::string_view bytes, int64_t* id);
// False for bytes that are not one whole record (a short or overlong buffer, a bad tag, an
// unknown status); *r is then unspecified.
bool decode_record(const std::string& bytes, TrialRecord* r);

// Parameter values in the record's encoding, for other encodings that hold values (the
// results file's header: store/header.h).
void put_values(ByteWriter& w, const std::vector<ParamValue>& values);
std::vector<ParamValue> take_values(ByteReader& r);

}  // namespace hs
