// lr_edge.h: the recipe's one rule for "the best lr sits at the edge of the range tried", which
// steps 3, 4 and 6 all apply, each to every lr tried up to it (step 3's, then step 4's, then
// step 5's), so a later step never sends the lr the other way from an earlier one without
// saying why.
//
// The best lr is at an edge when no lr beyond it, on that side, was tried in any step so far:
// then a better one may lie there. An lr beyond it that was tried is evidence: one that did
// worse puts the best inside the range; one that collapsed (diverged, or fell to far below the
// best's accuracy) says that way is closed, which the text names. The direction is named in
// one place, lr_edge_text.
//
// May depend on: nothing beyond the standard library. Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

namespace hs {

struct LrTried {
  double lr = 0;
  bool collapsed = false;  // diverged, or (steps 4-5) every trial at this lr collapsed
};

struct LrEdge {
  // +1: the best is the largest lr tried, so a larger one may be better; -1: the smallest, so a
  // smaller one may be; 0: inside (or fewer than two lrs tried).
  int side = 0;
  // The nearest lr tried above (below) the best, and whether it collapsed; 0 when none was.
  double above = 0, below = 0;
  bool above_collapsed = false, below_collapsed = false;
};

// Where `best` sits among `tried` (every lr tried so far; duplicates and `best` itself allowed).
LrEdge lr_edge(double best, const std::vector<LrTried>& tried);

// One sentence on `edge` for `best`, the one place that names a direction. At an edge: that a
// better lr may lie above (below) it, then `how` (the step's own way to look there, written
// without a direction: "extend lr_find_lrs that way"). Inside: the lrs tried either side,
// naming one that collapsed as the side that is closed.
std::string lr_edge_text(double best, const LrEdge& edge, const std::string& how);

}  // namespace hs
