#include "recipe/lr_edge.h"

#include "recipe/text.h"

namespace hs {

using recipe_text::num;

LrEdge lr_edge(double best, const std::vector<LrTried>& tried) {
  LrEdge e;
  for (const LrTried& t : tried) {
    if (t.lr > best && (e.above == 0 || t.lr < e.above)) e.above = t.lr;
    if (t.lr < best && (e.below == 0 || t.lr > e.below)) e.below = t.lr;
  }
  // An lr tried at several weight decays collapsed only when each of its trials did.
  bool up = e.above > 0, down = e.below > 0;
  for (const LrTried& t : tried) {
    if (t.lr == e.above) up = up && t.collapsed;
    if (t.lr == e.below) down = down && t.collapsed;
  }
  e.above_collapsed = up;
  e.below_collapsed = down;
  if (e.above > 0 && e.below == 0) e.side = -1;
  if (e.below > 0 && e.above == 0) e.side = +1;
  return e;
}

std::string lr_edge_text(double best, const LrEdge& edge, const std::string& how) {
  if (edge.side != 0)
    return "lr " + num(best) + " is the " + (edge.side > 0 ? "largest" : "smallest") +
           " lr tried so far, so a better one may lie " + (edge.side > 0 ? "above" : "below") +
           " it: " + how + ".";
  if (edge.above == 0) return "";  // the only lr tried
  auto side = [](double lr, bool collapsed) {
    return "lr " + num(lr) + (collapsed ? " (collapsed)" : "");
  };
  std::string s = "lr " + num(best) + " lies inside the lrs tried, between " +
                  side(edge.below, edge.below_collapsed) + " and " +
                  side(edge.above, edge.above_collapsed);
  if (edge.above_collapsed || edge.below_collapsed)
    s += std::string(", so ") + (edge.above_collapsed ? "larger" : "smaller") +
         " lrs are ruled out" + (edge.above_collapsed && edge.below_collapsed ? " and so are smaller ones" : "");
  return s + ".";
}

}  // namespace hs
