#include "search/space.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "core/text.h"
#include "search/space_text.h"

namespace hs {

namespace {

Error param_error(const Param& p, const std::string& message) {
  return Error{p.file, p.line, p.name, message};
}

std::string num(double v) { return param_to_string(ParamValue{v}); }

Error too_many_points(const Param& p) {
  return param_error(p, "grid = " + std::to_string(p.grid) + " is more points than a sweep runs (" +
                            std::to_string(kMaxTrials) + " trials at most)");
}

// How many values grid search takes for p (grid_values(p).size()), without listing them where
// they can be many: every integer of an int range, or `grid` points of a real range; -1 where
// rounding may merge points (they are listed then).
// REQUIRES: validate(p) passed.
double grid_count(const Param& p) {
  switch (p.kind) {
    case ParamKind::kFixed:
    case ParamKind::kChoice:
      return static_cast<double>(p.choices.size());
    case ParamKind::kInt:
      if (p.grid == 0) return p.hi - p.lo + 1;
      return -1;  // rounding may merge points: listed (p.grid <= kMaxTrials of them)
    case ParamKind::kUniform:
    case ParamKind::kLogUniform: {
      // A range so narrow that its points may round to the same doubles is listed (repeats
      // dropped, as an int range's); any other has its `grid` points.
      const bool log = p.kind == ParamKind::kLogUniform;
      const double a = log ? std::log10(p.lo) : p.lo, b = log ? std::log10(p.hi) : p.hi;
      const double step = (b - a) / static_cast<double>(p.grid - 1);
      return step > 1e-9 * (log ? 1.0 : std::max(std::abs(a), std::abs(b))) ? p.grid : -1;
    }
  }
  return 0;
}

// The log-space ends of an int range: each integer owns an equal width of u around it.
void int_ends(const Param& p, double* a, double* b) {
  if (p.log) {
    *a = std::log(p.lo - 0.5);
    *b = std::log(p.hi + 0.5);
  } else {
    *a = p.lo - 0.5;
    *b = p.hi + 0.5;
  }
}

int64_t clamp_int(double x, const Param& p) {
  return static_cast<int64_t>(std::clamp(std::round(x), p.lo, p.hi));
}

// Every value grid search takes for p, in order, without repeats.
std::vector<ParamValue> grid_values(const Param& p) {
  std::vector<ParamValue> out;
  switch (p.kind) {
    case ParamKind::kFixed:
    case ParamKind::kChoice:
      return p.choices;
    case ParamKind::kInt:
      if (p.grid == 0) {
        for (int64_t v = static_cast<int64_t>(p.lo); v <= static_cast<int64_t>(p.hi); ++v)
          out.emplace_back(v);
        return out;
      }
      [[fallthrough]];
    case ParamKind::kUniform:
    case ParamKind::kLogUniform: {
      const bool log = p.kind == ParamKind::kLogUniform || (p.kind == ParamKind::kInt && p.log);
      // Base-10 logs, so decades come out exact (1e-4, 1e-3, ... rather than 0.0010000000000000002).
      const double a = log ? std::log10(p.lo) : p.lo, b = log ? std::log10(p.hi) : p.hi;
      for (int64_t k = 0; k < p.grid; ++k) {
        // The ends exactly, not through pow(log()).
        double x = k == 0 ? p.lo : k == p.grid - 1 ? p.hi : a + (b - a) * k / (p.grid - 1.0);
        if (log && k > 0 && k < p.grid - 1) x = std::pow(10.0, x);
        if (p.kind == ParamKind::kInt) {
          const ParamValue v{clamp_int(x, p)};
          if (out.empty() || out.back() != v) out.push_back(v);
        } else if (out.empty() || std::get<double>(out.back()) != x) {
          out.emplace_back(x);  // a range narrow enough for points to round alike: once each
        }
      }
      return out;
    }
  }
  return out;
}

}  // namespace

bool is_number(const ParamValue& v) {
  return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v);
}

const char* param_kind_name(ParamKind kind) {
  switch (kind) {
    case ParamKind::kUniform: return "uniform";
    case ParamKind::kLogUniform: return "log_uniform";
    case ParamKind::kInt: return "int";
    case ParamKind::kChoice: return "choice";
    case ParamKind::kFixed: return "fixed";
  }
  return "?";
}

namespace {

// A choice's values: one type (numbers together), none twice unless `repeats_ok`.
Status validate_choice(const Param& p, bool repeats_ok) {
  if (p.choices.empty()) return param_error(p, "choice needs at least one value, got []");
  if (p.grid != 0) return param_error(p, "grid applies to ranges, not to a choice");
  for (const auto& c : p.choices) {
    const bool same = c.index() == p.choices[0].index() || (is_number(c) && is_number(p.choices[0]));
    if (!same)
      return param_error(p, "choice values must be all numbers, all strings or all booleans; got " +
                                param_to_string(p.choices[0]) + " and " + param_to_string(c));
  }
  if (repeats_ok) return {};
  // Numbers by value: 1 and 1.0, or 0 and -0.0, reach a command as the same text.
  const auto same_key = [](const ParamValue& c) {
    std::string key(1, 'n');  // appends: "n" + ... trips a false -Wrestrict in g++ 12
    if (const auto* d = std::get_if<double>(&c); d && *d == std::floor(*d) &&
                                                  std::abs(*d) < 9.2e18)
      key += std::to_string(static_cast<int64_t>(*d));
    else if (const auto* i = std::get_if<int64_t>(&c))
      key += std::to_string(*i);
    else
      key = 'v' + param_to_string(c);
    return key;
  };
  std::map<std::string, std::string> seen;  // key -> the value as first written
  for (const auto& c : p.choices) {
    const auto [it, fresh] = seen.emplace(same_key(c), param_to_string(c));
    if (fresh) continue;
    const std::string again = param_to_string(c);
    return param_error(p, "choice lists " + it->second + " twice" +
                              (again == it->second ? "" : " (as " + again + " too)"));
  }
  return {};
}

}  // namespace

Status validate(const Param& p, bool repeats_ok) {
  if (p.name.find('\0') != std::string::npos)
    return param_error(p, "a parameter's name holds a NUL byte (\\u0000)");
  if (p.name.size() > kMaxParamNameBytes)
    return param_error(p, "a parameter's name is at most " + std::to_string(kMaxParamNameBytes) +
                              " bytes, this one " + std::to_string(p.name.size()));
  for (const ParamValue& c : p.choices) {
    const auto* text = std::get_if<std::string>(&c);
    if (text && text->find('\0') != std::string::npos)
      return param_error(p, "a string value holds a NUL byte (\\u0000), which would cut it short "
                            "in the results file and on a command line");
  }
  switch (p.kind) {
    case ParamKind::kFixed:
      if (p.choices.size() != 1) return param_error(p, "a fixed parameter holds one value");
      return {};
    case ParamKind::kChoice:
      return validate_choice(p, repeats_ok);
    case ParamKind::kUniform:
    case ParamKind::kLogUniform:
    case ParamKind::kInt: {
      const std::string kind = param_kind_name(p.kind);
      // An int's bounds as the user wrote them (16, not 16.0) when they are whole numbers.
      const auto bound = [&](double x) {
        return p.kind == ParamKind::kInt && x == std::floor(x) && std::abs(x) <= kMaxIntBound
                   ? shortest(static_cast<int64_t>(x))
                   : num(x);
      };
      // Appends, not `"[" + num()`: the latter trips a false -Wrestrict in g++ 12.
      std::string range = "[";
      range += bound(p.lo);
      range += ", ";
      range += bound(p.hi);
      range += ']';
      if (!std::isfinite(p.lo) || !std::isfinite(p.hi))
        return param_error(p, kind + " bounds must be finite, got " + range);
      if (p.kind == ParamKind::kInt) {
        if (p.lo != std::floor(p.lo) || p.hi != std::floor(p.hi))
          return param_error(p, "int bounds must be integers, got " + range);
        if (std::abs(p.lo) > kMaxIntBound || std::abs(p.hi) > kMaxIntBound)
          return param_error(p, "int bounds are within +-2^53 (9007199254740992), where every "
                                "integer is exact, got " + range);
        if (p.lo > p.hi) return param_error(p, "int needs lo <= hi, got " + range);
        if (p.log && p.lo < 1) return param_error(p, "a log int range needs lo >= 1, got " + range);
        // Every integer of the range counts: the bound is checked as a double, which the
        // range's ends are, so no int64 overflows.
        const double count = p.hi - p.lo + 1;
        if (p.grid != 0 && count < 2)
          return param_error(p, "grid = " + std::to_string(p.grid) + " on int " + range +
                                    ", which holds one value: drop grid (or widen the range)");
        if (p.grid != 0 && (p.grid < 2 || static_cast<double>(p.grid) > count))
          return param_error(p, "grid for int " + range + " must be 2 to " +
                                    shortest(static_cast<int64_t>(
                                        std::min(count, static_cast<double>(kMaxTrials)))) +
                                    ", got " + std::to_string(p.grid));
        if (p.grid > kMaxTrials) return too_many_points(p);
        return {};
      }
      if (!(p.lo < p.hi)) return param_error(p, kind + " needs lo < hi, got " + range);
      if (!std::isfinite(p.hi - p.lo))  // its points are lo + x (hi - lo)
        return param_error(p, kind + " needs a width hi - lo that a double holds (at most "
                              "about 1.8e308), got " + range);
      if (p.kind == ParamKind::kLogUniform && p.lo <= 0)
        return param_error(p, "log_uniform needs lo > 0, got " + range);
      if (p.grid != 0 && p.grid < 2)
        return param_error(p, "grid must be >= 2 points, got " + std::to_string(p.grid));
      if (p.grid > kMaxTrials) return too_many_points(p);
      return {};
    }
  }
  return {};
}

Status validate(const SearchSpace& s, bool repeats_ok) {
  std::set<std::string> names;
  for (const Param& p : s.params) {
    if (Status st = validate(p, repeats_ok); !st) return st;
    if (!names.insert(p.name).second) return param_error(p, "defined twice in the space");
  }
  return {};
}

int cube_dims(const SearchSpace& s) {
  return static_cast<int>(std::count_if(s.params.begin(), s.params.end(),
                                        [](const Param& p) { return p.kind != ParamKind::kFixed; }));
}

std::vector<ParamValue> decode(const SearchSpace& s, const std::vector<double>& u) {
  std::vector<ParamValue> out;
  out.reserve(s.params.size());
  size_t j = 0;
  for (const Param& p : s.params) {
    if (p.kind == ParamKind::kFixed) {
      out.push_back(p.choices[0]);
      continue;
    }
    const double x = std::clamp(u[j++], 0.0, 1.0);
    switch (p.kind) {
      case ParamKind::kUniform:
        out.emplace_back(std::min(p.hi, p.lo + x * (p.hi - p.lo)));
        break;
      case ParamKind::kLogUniform: {
        const double a = std::log(p.lo), b = std::log(p.hi);
        out.emplace_back(std::clamp(std::exp(a + x * (b - a)), p.lo, p.hi));
        break;
      }
      case ParamKind::kInt: {
        double a, b;
        int_ends(p, &a, &b);
        const double t = a + x * (b - a);
        out.emplace_back(clamp_int(p.log ? std::exp(t) : t, p));
        break;
      }
      case ParamKind::kChoice: {
        const size_t k = p.choices.size();
        out.push_back(p.choices[std::min(k - 1, static_cast<size_t>(x * static_cast<double>(k)))]);
        break;
      }
      case ParamKind::kFixed:
        break;
    }
  }
  return out;
}

std::vector<double> encode(const SearchSpace& s, const std::vector<ParamValue>& values) {
  std::vector<double> u;
  for (size_t i = 0; i < s.params.size(); ++i) {
    const Param& p = s.params[i];
    const ParamValue& v = values[i];
    const double x = std::holds_alternative<int64_t>(v)  ? static_cast<double>(std::get<int64_t>(v))
                     : std::holds_alternative<double>(v) ? std::get<double>(v)
                                                         : 0.0;
    switch (p.kind) {
      case ParamKind::kFixed:
        continue;
      case ParamKind::kUniform:
        u.push_back((x - p.lo) / (p.hi - p.lo));
        break;
      case ParamKind::kLogUniform:
        u.push_back((std::log(x) - std::log(p.lo)) / (std::log(p.hi) - std::log(p.lo)));
        break;
      case ParamKind::kInt: {
        double a, b;
        int_ends(p, &a, &b);
        u.push_back(((p.log ? std::log(x) : x) - a) / (b - a));
        break;
      }
      case ParamKind::kChoice: {
        const auto it = std::find(p.choices.begin(), p.choices.end(), v);
        const double idx = it == p.choices.end() ? 0.0 : static_cast<double>(it - p.choices.begin());
        u.push_back((idx + 0.5) / static_cast<double>(p.choices.size()));
        break;
      }
    }
    u.back() = std::clamp(u.back(), 0.0, 1.0);
  }
  return u;
}

Result<int64_t> grid_size(const SearchSpace& s) {
  double total = 1;  // a double: the product of counts up to 2^63 each cannot overflow it
  for (const Param& p : s.params) {
    if ((p.kind == ParamKind::kUniform || p.kind == ParamKind::kLogUniform) && p.grid == 0)
      return param_error(p, std::string("grid search needs a number of points for a ") +
                                param_kind_name(p.kind) + " range: add grid = N");
    double count = grid_count(p);
    if (count > static_cast<double>(kMaxTrials))
      return param_error(p, "takes " + num(count) + " grid values, more than a sweep runs (" +
                                std::to_string(kMaxTrials) + " trials at most): give grid = N");
    if (count < 0) count = static_cast<double>(grid_values(p).size());
    total *= count;
    if (total > static_cast<double>(kMaxTrials))
      return param_error(p, "the grid passes " + std::to_string(kMaxTrials) +
                                " points here, more than a sweep runs: fewer grid values");
  }
  return static_cast<int64_t>(total);
}

std::vector<ParamValue> grid_point(const SearchSpace& s, int64_t index) {
  std::vector<ParamValue> out(s.params.size());
  for (size_t i = s.params.size(); i-- > 0;) {  // the last parameter varies fastest
    const Param& p = s.params[i];
    if (p.kind == ParamKind::kInt && p.grid == 0) {  // every integer: no list of them
      const auto k = static_cast<int64_t>(p.hi - p.lo + 1);
      out[i] = ParamValue{static_cast<int64_t>(p.lo) + index % k};
      index /= k;
      continue;
    }
    const auto values = grid_values(p);
    const auto k = static_cast<int64_t>(values.size());
    out[i] = values[index % k];
    index /= k;
  }
  return out;
}

}  // namespace hs
