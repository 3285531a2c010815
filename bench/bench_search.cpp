// bench_search: the search strategies on standard functions, through the same ask/tell
// interface a sweep uses (issue 3's quality and speed goals).
//
// Cases (Google Benchmark, one core):
//   BM_Ask/bayes/trials:200     one bayes ask() after 200 completed trials of Hartmann-6 (6-D)
//   BM_Ask/bayes/trials:1000    the same after 1000
//   BM_Ask/tpe/trials:1000      one tpe ask() after 1000
// Each case first checks that its ask returns a point inside the domain.
//
// Bayes ask-cost mode: bench_search --bayes-ask-cost [asks=9] prints a bayes ask's median time with 250 to
// 10,000 completed trials and 16 or 4,096 pending (issue 17's bounded cost).
//
// Regret mode: bench_search --regret [seeds=20] [evals=50] prints, for random, bayes and tpe on
// Branin and Hartmann-6, the median over seeds of the simple regret (best found minus the known
// optimum) after `evals` evaluations, as a markdown table against the goals.
//
// Ask-cost mode: bench_search --ask-cost [pending=4096] [asks=200] prints tpe's ask latency on
// Hartmann-6 at 1k, 10k and 100k trials with `pending` trials pending (issue 17's bound): the
// trials are taken back by restore() at seeded uniform points and told their values, except the
// newest `pending` (at most half the trials); then `asks` asks are timed in thread CPU time (the
// median and the 90th percentile), each followed by the tell of the oldest pending trial, so that
// `pending` stay pending. The first ask, which takes the restored trials into tpe's history, is not
// timed.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <string>
#include <vector>

#include "core/rng.h"
#include "search/problems.h"
#include "search/strategy.h"

namespace {

using namespace hs;

SearchSpace space_of(const problems::TestProblem& p) {
  SearchSpace s;
  for (int j = 0; j < p.dim; ++j) {
    Param q;
    q.name = "x";
    q.name += std::to_string(j);  // not "x" + ...: a false -Wrestrict in g++ 12
    q.kind = ParamKind::kUniform;
    q.lo = p.lower[j], q.hi = p.upper[j];
    s.params.push_back(q);
  }
  return s;
}

double value_at(const problems::TestProblem& p, const Trial& t) {
  Eigen::VectorXd x(p.dim);
  for (int j = 0; j < p.dim; ++j) x[j] = std::get<double>(t.values[j]);
  return p.f(x);
}

std::unique_ptr<Strategy> strategy(StrategyKind kind, const problems::TestProblem& p,
                                   uint64_t seed, int64_t trials, int n_init = 0) {
  StrategyOptions o;
  o.kind = kind, o.seed = seed, o.trials = trials, o.n_init = n_init;
  o.direction = Direction::kMinimize;
  auto st = make_strategy(o, space_of(p), nullptr);
  if (!st) {
    std::fprintf(stderr, "bench_search: %s\n", st.error().str().c_str());
    std::exit(2);
  }
  return std::move(st.value());
}

// One ask() after n completed trials: the first n come from the initial design (n_init = n),
// which costs nothing to propose, so only the modelled ask is timed.
void BM_Ask(benchmark::State& state, StrategyKind kind) {
  const auto p = problems::hartmann6_problem();
  const int64_t n = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    auto st = strategy(kind, p, 1, n + 1, static_cast<int>(n));
    for (int64_t i = 0; i < n; ++i) {
      const Trial t = *st->ask();
      st->tell(t.id, Outcome::of(value_at(p, t)));
    }
    state.ResumeTiming();
    const auto t = st->ask();
    if (!t || !std::isfinite(value_at(p, *t))) state.SkipWithError("no valid point");
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

int regret_table(int seeds, int evals) {
  struct Goal {
    const char* problem;
    double random, optuna_tpe, sklearn_gp, bayes_goal;
  };
  const Goal goals[] = {{"branin", 0.75, 0.17, 0.0003, 0.001}, {"hartmann6", 1.55, 0.56, 0.26, 0.15}};
  std::printf("Median simple regret over %d seeds (0 to %d), %d evaluations each, "
              "`bench_search --regret %d %d`:\n\n",
              seeds, seeds - 1, evals, seeds, evals);
  std::printf("| function | random | bayes | tpe | goal: bayes | goal: tpe (Optuna 3.1 TPE) | "
              "random in the issue | plain sklearn GP + EI |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Goal& g : goals) {
    const auto p = std::strcmp(g.problem, "branin") == 0 ? problems::branin_problem()
                                                        : problems::hartmann6_problem();
    std::vector<double> r[3];
    const StrategyKind kinds[3] = {StrategyKind::kRandom, StrategyKind::kBayes, StrategyKind::kTpe};
    for (int k = 0; k < 3; ++k) {
      for (int seed = 0; seed < seeds; ++seed) {
        auto st = strategy(kinds[k], p, static_cast<uint64_t>(seed), evals);
        double best = INFINITY;
        while (auto t = st->ask()) {
          const double v = value_at(p, *t);
          best = std::min(best, v);
          st->tell(t->id, Outcome::of(v));
        }
        r[k].push_back(best - p.optimum);
      }
      std::fprintf(stderr, "[bench_search] %s %s done\n", g.problem, strategy_name(kinds[k]));
    }
    std::printf("| %s | %.3g | %.3g | %.3g | <= %g | <= %g | %g | %g |\n", g.problem, median(r[0]),
                median(r[1]), median(r[2]), g.bayes_goal, g.optuna_tpe, g.random, g.sklearn_gp);
  }
  return 0;
}

// This thread's CPU time in us: what sim_scheduler charges an ask, unmoved by other processes on
// a shared machine.
double thread_cpu_us() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) * 1e-3;
}

// One sweep of n trials, `pending` of them pending; the median and p90 of `asks` asks, in us.
std::pair<double, double> ask_cost(int64_t n, int64_t pending, int asks) {
  const auto p = problems::hartmann6_problem();
  auto st = strategy(StrategyKind::kTpe, p, 7, n + asks + 1);
  Rng rng(derive_seed(7, 0, SeedPurpose::kData));
  std::deque<int64_t> waiting;
  for (int64_t id = 0; id < n; ++id) {
    Trial t;
    t.id = id;
    for (int j = 0; j < p.dim; ++j)
      t.values.push_back(p.lower[j] + rng.uniform() * (p.upper[j] - p.lower[j]));
    if (const Status s = st->restore(t); !s) {
      std::fprintf(stderr, "bench_search: %s\n", s.error().str().c_str());
      std::exit(2);
    }
    if (id < n - pending)
      st->tell(id, Outcome::of(value_at(p, t)));
    else
      waiting.push_back(id);
  }
  std::vector<double> us;
  for (int i = 0; i <= asks; ++i) {
    const double t0 = thread_cpu_us();
    const auto t = st->ask();
    const double t1 = thread_cpu_us();
    if (!t || !std::isfinite(value_at(p, *t))) {
      std::fprintf(stderr, "bench_search: no valid point at %lld trials\n",
                   static_cast<long long>(n));
      std::exit(1);
    }
    if (i > 0) us.push_back(t1 - t0);
    waiting.push_back(t->id);
    const int64_t oldest = waiting.front();
    waiting.pop_front();
    st->tell(oldest, Outcome::of(rng.uniform() - 3.3));  // Hartmann-6's range of values
  }
  std::sort(us.begin(), us.end());
  return {median(us), us[us.size() * 9 / 10]};
}

int ask_cost_table(int64_t pending, int asks) {
  std::printf(
      "tpe's ask on Hartmann-6 with %lld trials pending, %d asks each, "
      "`bench_search --ask-cost %lld %d`:\n\n| trials | pending | ask median | ask p90 "
      "|\n|---:|---:|---:|---:|\n",
      static_cast<long long>(pending), asks, static_cast<long long>(pending), asks);
  for (const int64_t n : {1000, 10000, 100000}) {
    const int64_t m = std::min(pending, n / 2);
    const auto [med, p90] = ask_cost(n, m, asks);
    std::printf("| %lld | %lld | %.0f us | %.0f us |\n", static_cast<long long>(n),
                static_cast<long long>(m), med, p90);
    std::fflush(stdout);
  }
  return 0;
}

// Ask cost as the history grows (issue 17): one bayes ask on Hartmann-6 with n completed trials
// and P pending ones. The n + P earlier trials come from the start design (n_init = n + P, free
// to propose), the first n are told; then `asks` asks are timed one by one (each adds one more
// pending trial); the median and mean printed. The mean includes the asks that refit the
// hyperparameters (one in 16 once the model is capped), the median leaves them out.
int bayes_ask_cost_table(int asks) {
  const auto p = problems::hartmann6_problem();
  std::printf("bayes ask on Hartmann-6, %d asks each, `bench_search --bayes-ask-cost %d`:\n\n"
              "| completed trials | pending | ask, median (ms) | ask, mean (ms) |\n"
              "|---:|---:|---:|---:|\n",
              asks, asks);
  for (const int n : {250, 1000, 4096, 10000}) {
    for (const int pending : {16, 4096}) {
      auto st = strategy(StrategyKind::kBayes, p, 1, n + pending + asks, n + pending);
      std::vector<Trial> out;
      for (int i = 0; i < n + pending; ++i) out.push_back(*st->ask());
      for (int i = 0; i < n; ++i) st->tell(out[i].id, Outcome::of(value_at(p, out[i])));
      std::vector<double> ms;
      for (int k = 0; k < asks; ++k) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto t = st->ask();
        const auto dt = std::chrono::steady_clock::now() - t0;
        ms.push_back(std::chrono::duration<double, std::milli>(dt).count());
        if (!t || !std::isfinite(value_at(p, *t))) {
          std::fprintf(stderr, "bench_search: no valid point at n = %d\n", n);
          return 1;
        }
      }
      double mean = 0;
      for (double v : ms) mean += v / static_cast<double>(ms.size());
      std::printf("| %d | %d | %.1f | %.1f |\n", n, pending, median(ms), mean);
      std::fflush(stdout);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--ask-cost") == 0) {
    const int64_t pending = argc >= 3 ? std::atoll(argv[2]) : 4096;
    const int asks = argc >= 4 ? std::atoi(argv[3]) : 200;
    if (pending < 0 || asks < 10) {
      std::fprintf(stderr, "usage: bench_search --ask-cost [pending >= 0] [asks >= 10]\n");
      return 2;
    }
    return ask_cost_table(pending, asks);
  }
  if (argc >= 2 && std::strcmp(argv[1], "--regret") == 0) {
    const int seeds = argc >= 3 ? std::atoi(argv[2]) : 20;
    const int evals = argc >= 4 ? std::atoi(argv[3]) : 50;
    if (seeds < 1 || evals < 2) {
      std::fprintf(stderr, "usage: bench_search --regret [seeds >= 1] [evals >= 2]\n");
      return 2;
    }
    return regret_table(seeds, evals);
  }
  if (argc >= 2 && std::strcmp(argv[1], "--bayes-ask-cost") == 0) {
    const int asks = argc >= 3 ? std::atoi(argv[2]) : 9;
    if (asks < 1) {
      std::fprintf(stderr, "usage: bench_search --bayes-ask-cost [asks >= 1]\n");
      return 2;
    }
    return bayes_ask_cost_table(asks);
  }
  benchmark::RegisterBenchmark("BM_Ask/bayes", BM_Ask, StrategyKind::kBayes)
      ->ArgName("trials")->Arg(200)->Arg(1000)->Unit(benchmark::kMillisecond)->Iterations(5);
  benchmark::RegisterBenchmark("BM_Ask/tpe", BM_Ask, StrategyKind::kTpe)
      ->ArgName("trials")->Arg(1000)->Unit(benchmark::kMillisecond)->Iterations(20);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
