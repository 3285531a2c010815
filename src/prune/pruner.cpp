#include "prune/pruner.h"

#include <cmath>
#include <cstdio>

#include "core/rng.h"
#include "core/text.h"
#include "prune/internal.h"

namespace hs {

namespace {

constexpr struct {
  PrunerKind kind;
  const char* name;
} kNames[] = {{PrunerKind::kNone, "none"},           {PrunerKind::kMedian, "median"},
              {PrunerKind::kPercentile, "percentile"}, {PrunerKind::kAsha, "asha"},
              {PrunerKind::kHyperband, "hyperband"}, {PrunerKind::kSha, "sha"}};

int64_t power(int64_t base, int exp) {
  int64_t p = 1;
  for (int i = 0; i < exp; ++i) p *= base;
  return p;
}

// Hyperband's n for bracket s: ceil((s_max + 1) / (s + 1) * eta^s).
int64_t hyperband_n(int s_max, int s, int eta) {
  const int64_t num = (s_max + 1) * power(eta, s);
  return (num + s) / (s + 1);
}

}  // namespace

std::string value_text(const Metric& metric, double v) {
  // 4 places, or 4 significant digits where fixed point would not do (a diverging val_loss of
  // 2e37 was written out in 38 digits)
  return metric.name + " " + fixed_text(v);
}

const char* pruner_name(PrunerKind kind) {
  for (const auto& n : kNames)
    if (n.kind == kind) return n.name;
  return "none";
}

bool parse_pruner(std::string_view name, PrunerKind* out) {
  for (const auto& n : kNames)
    if (name == n.name) {
      *out = n.kind;
      return true;
    }
  return false;
}

bool is_bracketed(PrunerKind kind) {
  return kind == PrunerKind::kAsha || kind == PrunerKind::kHyperband || kind == PrunerKind::kSha;
}

int max_bracket(const PrunerOptions& o) {
  int s = 0;
  int64_t e = o.min_epochs;
  while (e * o.reduction <= o.max_epochs) {
    e *= o.reduction;
    ++s;
  }
  return s;
}

int64_t sha_bracket_trials(const PrunerOptions& o) {
  return o.bracket_trials > 0 ? o.bracket_trials : power(o.reduction, max_bracket(o));
}

std::vector<int> rung_epochs(const PrunerOptions& o, int s) {
  std::vector<int> epochs;
  for (int k = 0; k <= s; ++k)
    epochs.push_back(static_cast<int>(o.max_epochs / power(o.reduction, s - k)));
  return epochs;
}

int hyperband_bracket(const PrunerOptions& o, uint64_t seed, int64_t id) {
  const int s_max = max_bracket(o);
  int64_t total = 0;
  for (int s = s_max; s >= 0; --s) total += hyperband_n(s_max, s, o.reduction);
  Rng rng(derive_seed(seed, static_cast<uint64_t>(id), SeedPurpose::kPrune));
  int64_t u = static_cast<int64_t>(rng.below(static_cast<uint64_t>(total)));
  for (int s = s_max; s > 0; --s) {
    u -= hyperband_n(s_max, s, o.reduction);
    if (u < 0) return s;
  }
  return 0;
}

std::vector<Rung> rung_schedule(const PrunerOptions& o, int64_t trials) {
  std::vector<Rung> out;
  const int s_max = is_bracketed(o.kind) ? max_bracket(o) : 0;
  auto add = [&](int bracket, int s, int64_t n) {
    const std::vector<int> epochs = rung_epochs(o, s);
    for (int k = 0; k <= s; ++k) {
      out.push_back(Rung{bracket, k, epochs[static_cast<size_t>(k)], n});
      if (o.kind == PrunerKind::kHyperband) n /= o.reduction;
      else if (n > 0) n = std::max<int64_t>(1, n / o.reduction);
    }
  };
  if (o.kind == PrunerKind::kAsha) add(-1, s_max, 0);
  if (o.kind == PrunerKind::kHyperband)
    for (int s = s_max; s >= 0; --s) add(s, s, hyperband_n(s_max, s, o.reduction));
  if (o.kind == PrunerKind::kSha) {
    const int64_t per = sha_bracket_trials(o);
    for (int64_t b = 0; b * per < trials; ++b)
      add(static_cast<int>(b), s_max, std::min(per, trials - b * per));
  }
  return out;
}

std::string check_pruner(const PrunerOptions& o) {
  if (!(o.percentile > 0 && o.percentile < 100))
    return "percentile must be above 0 and below 100, got " + std::to_string(o.percentile);
  if (o.startup_trials < 0) return "startup_trials must be >= 0";
  if (o.warmup_epochs < 0) return "warmup_epochs must be >= 0";
  if (o.interval < 1) return "interval must be >= 1";
  if (o.min_trials < 1) return "min_trials must be >= 1";
  if (!is_bracketed(o.kind)) return "";
  if (o.reduction < 2 || o.reduction > 100) return "reduction must be 2 to 100";
  if (o.min_epochs < 1) return "min_epochs must be >= 1";
  if (o.max_epochs < o.min_epochs)
    return "max_epochs (" + std::to_string(o.max_epochs) + ") must be at least min_epochs (" +
           std::to_string(o.min_epochs) + ")";
  if (o.max_epochs > 100000) return "max_epochs must be at most 100000";
  if (o.bracket_trials < 0) return "bracket_trials must be >= 1 (0: reduction^s_max)";
  if (o.kind == PrunerKind::kSha && sha_bracket_trials(o) > 1000000)
    return "a sha bracket of " + std::to_string(sha_bracket_trials(o)) +
           " trials: set bracket_trials";
  return "";
}

std::unique_ptr<Pruner> make_pruner(const PrunerOptions& o, const Metric& metric, uint64_t seed,
                                    int64_t trials) {
  switch (o.kind) {
    case PrunerKind::kNone: return nullptr;
    case PrunerKind::kMedian:
    case PrunerKind::kPercentile: return make_percentile_pruner(o, metric);
    case PrunerKind::kAsha:
    case PrunerKind::kHyperband: return make_asha_pruner(o, metric, seed);
    case PrunerKind::kSha: return make_sha_pruner(o, metric, trials);
  }
  return nullptr;
}

}  // namespace hs
