// bayes.h: Bayesian-optimisation proposals on the unit cube: Expected Improvement over the GP of
// gp.h, with pending points handled greedy-first and then by the kriging believer, and a seeded
// Latin hypercube for the initial design. Candidates are scored where their trial would run
// (ProposalSpace), a point already asked is skipped, and the model's size is capped so an
// ask's cost is bounded.
//
// Conventions: points lie in [0,1]^d and outputs are MINIMISED. The caller (the bayes strategy)
// maps maximisation, log scales, integers and one-hot categoricals onto the cube and back, gives
// failed trials a bad value before they get here, and runs the initial design itself.
//
// Who may call: the search strategies. Thread safety: pure functions of their arguments (plus
// the in/out `warm`), no shared state; concurrent calls are safe if they do not share `warm`.
// May depend on: src/core, Eigen, NLopt (only inside bayes.cpp). Knows nothing of neural
// networks, data sets or MPI.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Core>

#include "search/gp.h"

namespace hs {

// ---- acquisition functions ---------------------------------------------------------------------
// Expected Improvement below `best` for a Gaussian N(mu, sigma^2):
//   EI = (best - mu) Phi(z) + sigma phi(z),  z = (best - mu) / sigma,
// and max(best - mu, 0) when sigma <= 0 (so exactly 0 where the model is certain and mu >= best).
double expected_improvement(double mu, double sigma, double best);
// log EI, accurate (to ~1e-10 relative in EI) where EI itself underflows, for z = (best - mu) /
// sigma down to about -1e150; -infinity where EI == 0.
// The proposal optimiser works on this: EI and its gradient vanish far from the incumbent, log EI
// keeps a slope there. dmu, dsigma (may be null) get d log EI / d mu and d / d sigma (0 when
// sigma <= 0).
double log_expected_improvement(double mu, double sigma, double best, double* dmu = nullptr,
                                double* dsigma = nullptr);
// Lower confidence bound mu - beta sigma (to minimise; the minimisation form of UCB).
inline double lower_confidence_bound(double mu, double sigma, double beta) {
  return mu - beta * sigma;
}

// ---- proposals ---------------------------------------------------------------------------------
// How a pending point (asked, not yet told) enters the model before a proposal.
enum class PendingLie {
  kMean,   // kriging believer: the posterior mean there (default)
  kBest,   // constant liar, optimistic: the best observed value
  kWorst,  // constant liar, pessimistic: the worst observed value (spreads points the most)
};

struct BayesOptions {
  GpFitOptions fit;                     // hyperparameter fitting (gp.h)
  PendingLie lie = PendingLie::kMean;   // how pending points are filled in
  // Greedy first: with trials pending, the proposal of the completed trials alone (the one a
  // sequential search makes) stands unless a pending point lies within this distance of it,
  // measured in length scales (the kernel's r); only then are the pending points believed
  // (`lie`) and the proposal made again (pending_kappa, below). Believing every pending point
  // flattens EI across the length-scale basin of each one, so the asks made beside one that
  // refines the incumbent went exploring: Hartmann-6's median regret at 50 evaluations with 4
  // workers was 27.5x the sequential run's, 13.2x with this rule (100 seeds; bench/README.md,
  // "Greedy first").
  // Infinity: always believe them.
  double pending_radius = 1.0;
  // And then the proposal, on the model with the pending points believed, minimises the lower
  // confidence bound mu - pending_kappa * sd instead of maximising EI (as GP-BUCB's batch rule
  // does: Desautels et al., JMLR 2014). EI there, with the believed points lowering the
  // incumbent and collapsing the variance near them, sent the ask away from the basin the
  // pending trials refine; the bound stays beside them where the model is good and not yet
  // certain. 100 seeds, 4 workers, ratios to the sequential median: camel 4.57 to 1.03,
  // mixed 1.30 to 0.04, Hartmann-6 13.2 to 9.1 (bench/README.md, "A lower confidence bound").
  // Negative: EI, as before.
  double pending_kappa = 1.0;
  double xi = 0.0;  // EI margin: improvement counted below best - xi*sd(y) (0: plain EI)
  int random_candidates = 2000;   // uniform candidates scored by EI in one batch
  int local_candidates = 400;     // Gaussian perturbations of the best observed points
  int local_centres = 5;          // how many of the best points get perturbed
  int refine_starts = 5;          // top candidates refined by L-BFGS on log EI
  int refine_evals = 60;          // evaluation budget of each refinement
  // Refinement moves each coordinate at most this far from its candidate: it polishes a
  // candidate, the candidates cover the cube. Unbounded, L-BFGS ran along directions where EI
  // barely changes to the cube's bounds (46% of late Hartmann-6 coordinates sat on one; 30%
  // with 0.1), and Hartmann-6's median regret at 50 evaluations halved with the box.
  double refine_box = 0.1;
  // Bounded cost: the model holds at most this many completed trials (model_subset) and this
  // many pending points (the most recently asked), whatever the history's size. The first
  // max_model_points trials of a search are modelled in full.
  int max_model_points = 128;
  int max_pending_points = 32;
  // Once the model is capped, fewer candidates: their scoring, O(candidates x points^2), is
  // most of an ask's cost, and a model of that many points has its optimum near the best ones.
  int capped_random_candidates = 400;
  int capped_local_candidates = 200;
  // false: no fit, *warm is used as the hyperparameters as it is (a caller refitting every few
  // asks once the model is capped; REQUIRES warm != null and warm->dim() == d).
  bool refit = true;
};

// What the caller's space makes of a point: bayes_propose scores each candidate where its trial
// would run, and never proposes a point already asked. All fields may be left empty.
struct ProposalSpace {
  // A point -> the point its trial runs at (ints rounded, a one-hot block made one-hot); empty:
  // the identity. Candidates are scored at project(x), so EI at a relaxed point that rounds onto
  // a trial already run is EI at that trial (~0), not at the relaxed point.
  std::function<Eigen::VectorXd(const Eigen::VectorXd&)> project;
  // One entry per coordinate, true where project() rounds it: refinement keeps those coordinates
  // as the candidate has them and moves the others. Empty: none.
  std::vector<bool> discrete;
  // True when the (projected) point was asked before, told or pending: it is skipped for the
  // next best candidate. Empty: nothing is taken.
  std::function<bool(const Eigen::VectorXd&)> taken;
};

// Which completed trials the model holds: all n when n <= cap; above it, the best cap/2 by y
// and the most recent cap - cap/2 of the others (the latest rows), in ascending order. The best
// keep the incumbent's region resolved; the recent ones follow where the search is now.
// Deterministic: it depends on y and cap alone. REQUIRES: cap >= 2.
std::vector<int> model_subset(const Eigen::VectorXd& y, int cap);

// The next point to evaluate, in [0,1]^d.
//   X (n,d), y (n): completed trials and their values (to minimise). pending (m,d): asked but
//   not yet told (m may be 0; pass an (0,d) matrix). seed: all randomness (same inputs and seed,
//   same point). warm: may be null; in, the previous call's hyperparameters, used as one more
//   start of the fit (ignored when warm->dim() != d, so an empty GpHyper means none); out, the
//   hyperparameters fitted here (unchanged when n < 2). Keep it between calls of one search.
// With n < 2 there is nothing to model and the point is uniform random from the seed.
// Above opt.max_model_points completed trials the model holds model_subset's rows; above
// opt.max_pending_points pending ones, the last rows of `pending` (the most recently asked).
// With pending points: the proposal without them, unless one lies within opt.pending_radius
// length scales of it; then, with each pending point believed (opt.lie), the proposal minimises
// mean - opt.pending_kappa * sd (EI again when pending_kappa < 0).
// space (may be null): the rounding and the points taken. The proposal is the best point by EI
// (or the bound; scored at its projection) that is not taken: the refined optima first, then
// the candidates; if every one is taken, seeded uniform points; if those are too, the best
// candidate (taken: the caller decides). The point returned is projected.
// REQUIRES: X.cols() == pending.cols() == d >= 1, y (n) finite, X and pending inside [0,1]^d,
// space->discrete empty or of size d.
Eigen::VectorXd bayes_propose(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                              const Eigen::MatrixXd& pending, uint64_t seed,
                              const BayesOptions& opt, GpHyper* warm,
                              const ProposalSpace* space = nullptr);

// The fit bayes_propose(X, y, ., seed, opt, warm) makes and leaves in *warm (the same `warm`
// rule), without proposing: for a search that rebuilds its warm start after a resume.
// REQUIRES: as bayes_propose, n >= 2.
GpHyper bayes_fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, uint64_t seed,
                  const BayesOptions& opt, const GpHyper* warm);

// ---- initial design ----------------------------------------------------------------------------
// n points of a Latin hypercube in [0,1]^d (n,d): each coordinate hits each of the n strata
// once, at a random offset inside it. Of `tries` seeded hypercubes the one with the largest
// smallest pairwise distance is kept (maximin), so points do not bunch. REQUIRES: n, d >= 1.
Eigen::MatrixXd latin_hypercube(int n, int d, uint64_t seed, int tries = 20);

}  // namespace hs
