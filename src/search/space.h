// space.h: a search space (the [space] table of a sweep) and its map onto the unit cube.
//
// A space is an ordered list of parameters, each with a kind:
//   uniform [lo, hi]        a real, uniform in [lo, hi]
//   log_uniform [lo, hi]    a real, uniform in log space (lo > 0)
//   int [lo, hi]            an integer in [lo, hi], uniform (log = true: uniform in log, lo >= 1)
//   choice [v1, v2, ...]    categorical: numbers, strings or booleans
//   fixed v                 one value, never searched
// Grid search takes every value of a choice and every integer of an int range (unless `grid`
// says how many), and `grid` points of a real range (log-spaced for log ones, ends included).
//
// The unit cube: each searched (non-fixed) parameter has one coordinate u in [0, 1]. Reals and
// ints map their (log) range linearly; ints round to the nearest integer after the map; a choice
// of k values takes index floor(u k) (u = (index + 0.5) / k on the way back). Strategies that
// want a one-hot encoding build it from kind and choices.
//
// The space as text (values, ranges, the results file's /space attributes) is space_text.h.
//
// May depend on: core. Knows nothing of neural networks: names are plain strings, which the
// config layer checks against the trainer's keys. Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/error.h"

namespace hs {

// A parameter's value. bool comes first so that a variant built from `true` is a bool.
using ParamValue = std::variant<bool, int64_t, double, std::string>;

enum class ParamKind { kUniform, kLogUniform, kInt, kChoice, kFixed };
const char* param_kind_name(ParamKind kind);  // "uniform", "log_uniform", "int", "choice", "fixed"
bool is_number(const ParamValue& v);          // an int64 or a double

struct Param {
  std::string name;
  ParamKind kind = ParamKind::kFixed;
  double lo = 0, hi = 0;            // uniform, log_uniform, int
  bool log = false;                 // int: uniform in log space
  std::vector<ParamValue> choices;  // choice: the values; fixed: the one value
  int64_t grid = 0;                 // grid points of a range; 0: every integer of an int range
  std::string file;                 // where it was defined, for messages
  int line = 0;
};

struct SearchSpace {
  std::vector<Param> params;
};

// A parameter's name is a column of the results file's /summary and an attribute's name, so it
// is at most this many bytes.
inline constexpr size_t kMaxParamNameBytes = 100;
// An int range's ends are held as doubles, which are exact for every integer up to 2^53: a
// bound past it would be rounded to another number (and the range's end to a value never
// written), so ints stay within +-2^53.
inline constexpr int64_t kMaxIntExact = int64_t{1} << 53;
inline constexpr double kMaxIntBound = static_cast<double>(kMaxIntExact);

// Checks one parameter: a name of 1 to kMaxParamNameBytes bytes, lo < hi (lo <= hi for int),
// lo > 0 for log ranges (lo >= 1 for a log int), finite bounds (int ones within
// +-kMaxIntBound), a non-empty choice of one type (ints and reals may mix) and no NUL byte in a
// string value (it would end the value where the results file and the command line read it),
// grid >= 2 for ranges that give one (and at most kMaxTrials), no grid on a choice, no choice
// value twice unless `repeats_ok` (the list strategy's rows may share a value). The error names
// the file, line and parameter.
Status validate(const Param& p, bool repeats_ok = false);
// validate() on every parameter, and no name twice.
Status validate(const SearchSpace& s, bool repeats_ok = false);

// Number of searched (non-fixed) parameters: the unit cube's dimension.
int cube_dims(const SearchSpace& s);

// u (cube_dims) in [0, 1] -> one value per parameter (fixed ones included), in order.
// REQUIRES: validate(s) passed; u.size() == cube_dims(s). Coordinates are clamped to [0, 1].
std::vector<ParamValue> decode(const SearchSpace& s, const std::vector<double>& u);
// The inverse map for values decode() can give (or any in range): one coordinate per searched
// parameter. REQUIRES: values.size() == s.params.size().
std::vector<double> encode(const SearchSpace& s, const std::vector<ParamValue>& values);

// The most trials one sweep runs, and so the most points of a grid (each parameter's and their
// product): a million trials is beyond any sweep of this program, and a bound checked before
// anything is allocated keeps `grid = 9223372036854775807` an error rather than a bad_alloc.
// The one home of this limit: [sweep] trials, grid = N and grid sizes are checked against it.
inline constexpr int64_t kMaxTrials = 1000000;

// The grid: the cartesian product of each parameter's grid values (a fixed parameter has one),
// the last parameter varying fastest. grid_size is an error, naming the parameter, when a real
// range has no `grid` count or the product passes kMaxTrials. It allocates nothing per point.
Result<int64_t> grid_size(const SearchSpace& s);
// Point `index` of the grid. REQUIRES: 0 <= index < grid_size(s).
std::vector<ParamValue> grid_point(const SearchSpace& s, int64_t index);

}  // namespace hs
