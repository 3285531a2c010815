// bench_batch: how the learning strategies' proposals hold up with trials pending (issue 17's
// batch-quality goal). Each run is a sweep of `evals` trials driven through the strategy's real
// ask()/tell() by W asynchronous virtual workers: W trials are asked at the start, and whenever
// one finishes (durations exponential, drawn from (seed, trial id), so trials finish out of
// order) it is told and the next trial is asked while the other W-1 are still pending. W = 1 is
// the sequential run.
//
//   bench_batch [--seeds 20] [--first-seed 0] [--evals 50] [--workers 1,4,16]
//               [--strategies bayes,tpe]
//               [--problems branin,hartmann6,mixed,hartmann3,camel,levy8,styblinski8] [--jobs 1]
//
// --first-seed S runs the seeds S to S + seeds - 1: a second set, independent of the first.
//
// For each problem, strategy and W it prints the median simple regret at `evals` evaluations
// (best value found minus the known optimum), its ratio to the same strategy's W = 1 median, and
// the repeated points: asks whose parameter values equal (exactly) a trial asked before, pending
// or told, summed over seeds. The goal: ratio <= 1.5 at W = 4 and 16, zero repeats.
//
// Problems: branin and hartmann6 (search/problems.h, bench_search's set), and `mixed`, our own
// space with an int and a categorical parameter beside two reals:
//   x0 in [-5, 10], x1 in [0, 15]   (Branin's domain)
//   k  int [1, 16]
//   c  choice ["a", "b", "c", "d", "e"]
//   f = (branin(x0, x1) - 0.397887) / 50 + ((k - 11) / 5)^2 + offset(c),
//   offset = {a: 0.6, b: 0.3, c: 0, d: 0.45, e: 0.8}; minimum 0 at a Branin minimiser, k = 11,
//   c = "c". For it the table also counts the runs whose best trial has k = 11 and c = "c".
// Held out, on request only (--problems hartmann3,camel): Hartmann-3 and the six-hump camel,
// where the rule for pending points, chosen on the three above, is checked.
// In 8 dimensions, on request (--problems levy8,styblinski8): Levy on [-10, 10]^8 (minimum 0 at
// x = 1) and Styblinski-Tang on [-5, 5]^8 (minimum -39.16617 x 8 at x = -2.903534), both with
// their minimiser inside the box: the issue saw bayes stop improving after 50 evaluations on an
// 8-D problem while 26-38% of its late proposals' coordinates sat exactly on a bound.
//
// The last column, "on a bound (late)": of the real coordinates of the later half of the asks
// (trial ids from evals / 2 on), the share exactly at the parameter's lower or upper end.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <queue>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "args.h"
#include "core/rng.h"
#include "search/problems.h"
#include "search/strategy.h"

namespace {

using namespace hs;

struct Problem {
  std::string name;
  SearchSpace space;
  double optimum;
  double (*value)(const std::vector<ParamValue>& v);
  bool (*right_discrete)(const std::vector<ParamValue>& v);  // mixed only: k and c right
};

Param real(const std::string& name, double lo, double hi) {
  Param q;
  q.name = name, q.kind = ParamKind::kUniform, q.lo = lo, q.hi = hi;
  return q;
}

double as_double(const ParamValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return static_cast<double>(std::get<int64_t>(v));
}

template <int Which>
double test_function(const std::vector<ParamValue>& v) {
  const auto p = Which == 0 ? problems::branin_problem() : problems::hartmann6_problem();
  Eigen::VectorXd x(p.dim);
  for (int j = 0; j < p.dim; ++j) x[j] = as_double(v[static_cast<size_t>(j)]);
  return p.f(x);
}

double mixed_value(const std::vector<ParamValue>& v) {
  static const std::map<std::string, double> offset = {
      {"a", 0.6}, {"b", 0.3}, {"c", 0.0}, {"d", 0.45}, {"e", 0.8}};
  const Eigen::Vector2d x(as_double(v[0]), as_double(v[1]));
  const double k = as_double(v[2]);
  const auto p = problems::branin_problem();
  return (problems::branin(x) - p.optimum) / 50.0 + std::pow((k - 11.0) / 5.0, 2) +
         offset.at(std::get<std::string>(v[3]));
}

// Held out (issue 17's pending-point rule was chosen on branin, hartmann6 and mixed; these two
// check it elsewhere): Hartmann-3 on [0,1]^3, minimum -3.86278 (Dixon and Szego 1978), and the
// six-hump camel on [-3,3] x [-2,2], minimum -1.0316284535.
double hartmann3_value(const std::vector<ParamValue>& v) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double a[4][3] = {{3, 10, 30}, {0.1, 10, 35}, {3, 10, 30}, {0.1, 10, 35}};
  static const double p[4][3] = {{0.3689, 0.1170, 0.2673},
                                 {0.4699, 0.4387, 0.7470},
                                 {0.1091, 0.8732, 0.5547},
                                 {0.0381, 0.5743, 0.8828}};
  double f = 0;
  for (int i = 0; i < 4; ++i) {
    double e = 0;
    for (int j = 0; j < 3; ++j) e += a[i][j] * std::pow(as_double(v[j]) - p[i][j], 2);
    f -= alpha[i] * std::exp(-e);
  }
  return f;
}

double camel_value(const std::vector<ParamValue>& v) {
  const double x = as_double(v[0]), y = as_double(v[1]);
  return (4 - 2.1 * x * x + std::pow(x, 4) / 3) * x * x + x * y + (-4 + 4 * y * y) * y * y;
}

double levy8_value(const std::vector<ParamValue>& v) {
  auto w = [&](size_t i) { return 1 + (as_double(v[i]) - 1) / 4; };
  const double pi = 3.14159265358979323846;
  double f = std::pow(std::sin(pi * w(0)), 2);
  for (size_t i = 0; i + 1 < v.size(); ++i)
    f += std::pow(w(i) - 1, 2) * (1 + 10 * std::pow(std::sin(pi * w(i) + 1), 2));
  const double last = w(v.size() - 1);
  return f + std::pow(last - 1, 2) * (1 + std::pow(std::sin(2 * pi * last), 2));
}

double styblinski8_value(const std::vector<ParamValue>& v) {
  double f = 0;
  for (const ParamValue& p : v) {
    const double x = as_double(p);
    f += std::pow(x, 4) - 16 * x * x + 5 * x;
  }
  return f / 2;
}

bool mixed_right(const std::vector<ParamValue>& v) {
  return as_double(v[2]) == 11.0 && std::get<std::string>(v[3]) == "c";
}

Problem make_problem(const std::string& name) {
  Problem pr{name, {}, 0.0, nullptr, nullptr};
  if (name == "branin" || name == "hartmann6") {
    const auto p = name == "branin" ? problems::branin_problem() : problems::hartmann6_problem();
    for (int j = 0; j < p.dim; ++j) {
      std::string n = "x";
      n += std::to_string(j);
      pr.space.params.push_back(real(n, p.lower[j], p.upper[j]));
    }
    pr.optimum = p.optimum;
    pr.value = name == "branin" ? &test_function<0> : &test_function<1>;
    return pr;
  }
  if (name == "hartmann3") {
    for (const char* n : {"x0", "x1", "x2"}) pr.space.params.push_back(real(n, 0, 1));
    pr.optimum = -3.86278214782076;
    pr.value = &hartmann3_value;
    return pr;
  }
  if (name == "camel") {
    pr.space.params = {real("x0", -3, 3), real("x1", -2, 2)};
    pr.optimum = -1.0316284534898774;
    pr.value = &camel_value;
    return pr;
  }
  if (name == "levy8" || name == "styblinski8") {
    const bool levy = name == "levy8";
    for (int j = 0; j < 8; ++j) {
      std::string n = "x";
      n += std::to_string(j);
      pr.space.params.push_back(real(n, levy ? -10 : -5, levy ? 10 : 5));
    }
    pr.optimum = levy ? 0.0 : -39.16616570377142 * 8;
    pr.value = levy ? &levy8_value : &styblinski8_value;
    // The formula against its known minimum, so a slip in either shows before any regret does.
    const std::vector<ParamValue> at(8, ParamValue(levy ? 1.0 : -2.903534027771178));
    if (std::fabs(pr.value(at) - pr.optimum) > 1e-9) {
      std::fprintf(stderr, "bench_batch: %s gives %.17g at its minimiser, not %.17g\n",
                   name.c_str(), pr.value(at), pr.optimum);
      std::exit(3);
    }
    return pr;
  }
  if (name != "mixed") {
    std::fprintf(stderr,
                 "bench_batch: unknown problem '%s' (branin, hartmann6, mixed, hartmann3, camel, "
                 "levy8, styblinski8)\n",
                 name.c_str());
    std::exit(2);
  }
  pr.space.params = {real("x0", -5, 10), real("x1", 0, 15)};
  Param k;
  k.name = "k", k.kind = ParamKind::kInt, k.lo = 1, k.hi = 16;
  Param c;
  c.name = "c", c.kind = ParamKind::kChoice;
  for (const char* s : {"a", "b", "c", "d", "e"}) c.choices.emplace_back(std::string(s));
  pr.space.params.push_back(k);
  pr.space.params.push_back(c);
  pr.value = &mixed_value;
  pr.right_discrete = &mixed_right;
  return pr;
}

struct RunResult {
  double regret = 0;
  int repeats = 0;
  bool right_discrete = false;
  int late_coords = 0,
      late_on_bound = 0;  // the later half's real coordinates, and those on a bound
};

// One sweep of `evals` trials with `workers` asynchronous workers.
RunResult run_async(const Problem& pr, StrategyKind kind, uint64_t seed, int evals, int workers) {
  StrategyOptions o;
  o.kind = kind, o.seed = seed, o.trials = evals, o.direction = Direction::kMinimize;
  auto made = make_strategy(o, pr.space, nullptr);
  if (!made) {
    std::fprintf(stderr, "bench_batch: %s\n", made.error().str().c_str());
    std::exit(2);
  }
  Strategy& st = *made.value();
  struct Running {
    double end;
    int64_t id;
    bool operator>(const Running& b) const { return end != b.end ? end > b.end : id > b.id; }
  };
  std::priority_queue<Running, std::vector<Running>, std::greater<>> running;
  std::map<int64_t, std::vector<ParamValue>> values;
  std::vector<std::vector<ParamValue>> asked;
  RunResult res;
  double now = 0, best = INFINITY;
  std::vector<ParamValue> best_values;
  auto ask = [&] {
    auto t = st.ask();
    if (!t) return;
    if (std::find(asked.begin(), asked.end(), t->values) != asked.end()) ++res.repeats;
    asked.push_back(t->values);
    if (t->id >= evals / 2)
      for (size_t j = 0; j < pr.space.params.size(); ++j) {
        const Param& q = pr.space.params[j];
        if (q.kind != ParamKind::kUniform) continue;
        const double x = as_double(t->values[j]);
        ++res.late_coords;
        res.late_on_bound += x == q.lo || x == q.hi;
      }
    Rng rng(derive_seed(seed, static_cast<uint64_t>(t->id), SeedPurpose::kTrial));
    running.push({now - std::log(1.0 - rng.uniform()), t->id});
    values[t->id] = t->values;
  };
  for (int w = 0; w < workers; ++w) ask();
  while (!running.empty()) {
    const Running r = running.top();
    running.pop();
    now = r.end;
    const double v = pr.value(values[r.id]);
    if (v < best) best = v, best_values = values[r.id];
    st.tell(r.id, Outcome::of(v));
    ask();
  }
  res.regret = best - pr.optimum;
  res.right_discrete = pr.right_discrete && pr.right_discrete(best_values);
  return res;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// Runs `seeds` seeds on `jobs` threads (each run is independent; results by seed index).
std::vector<RunResult> run_seeds(const Problem& pr, StrategyKind kind, uint64_t first, int seeds,
                                 int evals, int workers, int jobs) {
  std::vector<RunResult> out(static_cast<size_t>(seeds));
  std::atomic<int> next{0};
  auto work = [&] {
    for (int s = next++; s < seeds; s = next++)
      out[static_cast<size_t>(s)] =
          run_async(pr, kind, first + static_cast<uint64_t>(s), evals, workers);
  };
  std::vector<std::thread> pool;
  for (int j = 1; j < jobs; ++j) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return out;
}

const char* const kUsage =
    "usage: bench_batch [--seeds N] [--first-seed S] [--evals N] [--workers 1,4,16] "
    "[--strategies bayes,tpe] [--problems branin,hartmann6,mixed,hartmann3,camel,levy8,"
    "styblinski8] [--jobs N]\n";

int usage() {
  std::fprintf(stderr, "%s", kUsage);
  return 2;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& x : v) out += (out.empty() ? "" : ",") + x;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 20, evals = 50, jobs = 1;
  unsigned long long first = 0;  // printed with %llu
  std::vector<std::string> workers = {"1", "4", "16"}, strategies = {"bayes", "tpe"},
                           problem_names = {"branin", "hartmann6", "mixed"};
  const char* p = "bench_batch";
  using hs::bench::whole_arg;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("%s", kUsage);
      return 0;
    }
    if (i + 1 >= argc) return usage();
    const char* v = argv[++i];
    if (a == "--seeds") seeds = static_cast<int>(whole_arg(p, a, v, 1, 100'000));
    else if (a == "--first-seed") first = hs::bench::seed_arg(p, a, v);
    else if (a == "--evals") evals = static_cast<int>(whole_arg(p, a, v, 2, 100'000));
    else if (a == "--jobs") jobs = static_cast<int>(whole_arg(p, a, v, 1, 1'024));
    else if (a == "--workers") workers = split(v);
    else if (a == "--strategies") strategies = split(v);
    else if (a == "--problems") problem_names = split(v);
    else {
      std::fprintf(stderr, "bench_batch: unknown option %s\n", a.c_str());
      return usage();
    }
  }
  // Every name and W checked before the table starts; W = 1 first, the others' yardstick.
  std::vector<int> ws;
  for (const std::string& w : workers)
    ws.push_back(static_cast<int>(whole_arg(p, "--workers", w.c_str(), 1, 100'000)));
  std::sort(ws.begin(), ws.end());
  ws.erase(std::unique(ws.begin(), ws.end()), ws.end());
  std::vector<StrategyKind> kinds;
  for (const std::string& sn : strategies) {
    StrategyKind kind;
    if (!parse_strategy(sn, &kind) || (kind != StrategyKind::kBayes && kind != StrategyKind::kTpe &&
                                       kind != StrategyKind::kRandom))
      hs::bench::bad_value(p, "--strategies", sn.c_str(), "bayes, tpe or random");
    kinds.push_back(kind);
  }
  std::vector<Problem> problems_run;
  for (const std::string& pn : problem_names) problems_run.push_back(make_problem(pn));
  if (ws.empty() || kinds.empty() || problems_run.empty()) return usage();
  std::vector<std::string> w_text;
  for (int w : ws) w_text.push_back(std::to_string(w));
  std::printf("Median simple regret at %d evaluations over %d seeds (%llu to %llu), W "
              "asynchronous workers, `bench_batch --seeds %d --first-seed %llu --evals %d "
              "--workers %s --strategies %s --problems %s`:\n\n",
              evals, seeds, first, first + seeds - 1, seeds, first, evals, joined(w_text).c_str(),
              joined(strategies).c_str(), joined(problem_names).c_str());
  std::printf(
      "| problem | strategy | W | median regret | x sequential | repeated points (runs) "
      "| right k and c | on a bound (late) |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
  for (size_t pi = 0; pi < problems_run.size(); ++pi) {
    const Problem& pr = problems_run[pi];
    const std::string& pn = problem_names[pi];
    for (size_t si = 0; si < kinds.size(); ++si) {
      const StrategyKind kind = kinds[si];
      const std::string& sn = strategies[si];
      double sequential = NAN;
      for (const int w : ws) {
        const auto runs = run_seeds(pr, kind, first, seeds, evals, w, jobs);
        std::vector<double> regrets;
        int repeats = 0, runs_with = 0, right = 0;
        double coords = 0, on_bound = 0;
        for (const RunResult& r : runs) {
          regrets.push_back(r.regret);
          repeats += r.repeats, runs_with += r.repeats > 0, right += r.right_discrete;
          coords += r.late_coords, on_bound += r.late_on_bound;
        }
        const double med = median(regrets);
        if (w == 1) sequential = med;
        char ratio[32] = "-", rightk[32] = "-";
        if (w != 1 && std::isfinite(sequential) && sequential > 0)
          std::snprintf(ratio, sizeof ratio, "%.2f", med / sequential);
        if (pr.right_discrete) std::snprintf(rightk, sizeof rightk, "%d of %d", right, seeds);
        std::printf("| %s | %s | %d | %.3g | %s | %d (%d) | %s | %.0f%% |\n", pn.c_str(),
                    sn.c_str(), w, med, ratio, repeats, runs_with, rightk,
                    coords > 0 ? 100 * on_bound / coords : 0.0);
        std::fflush(stdout);
        std::fprintf(stderr, "[bench_batch] %s %s W=%d done\n", pn.c_str(), sn.c_str(), w);
      }
    }
  }
  return 0;
}
