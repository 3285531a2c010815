// ranked.h (hs_prune only): the values recorded at a rung or an epoch, kept in rank order so that
// a pruner's judge finds the k-th best in O(log n) instead of copying and sorting all n values
// per decision (issue 17: a judge's cost must not grow with the trials recorded).
//
// An order-statistics tree (libstdc++'s policy-based tree, the g++ this project is built with)
// keyed by (value, tag): `tag` tells equal values apart (a trial id, or an arrival count), so
// a value can be replaced or several trials can share one. The order among equal values does
// not matter to the callers: they read values, never tags.
//
// May depend on: the standard library. Not thread-safe: each pruner owns its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <functional>
#include <utility>

#include "core/check.h"

namespace hs {

class RankedValues {
 public:
  // descending: rank 0 is the largest value (a metric to maximise); else the smallest.
  explicit RankedValues(bool descending) : tree_(Order{descending}) {}

  // REQUIRES: v is not NaN (NaN has no rank), and (v, tag) is not already held.
  void insert(double v, int64_t tag) {
    HS_CHECK(v == v);
    tree_.insert({v, tag});
  }
  // Removes (v, tag) if held.
  void erase(double v, int64_t tag) { tree_.erase({v, tag}); }
  size_t size() const { return tree_.size(); }
  // The value of rank k (0-based). REQUIRES: k < size().
  double at_rank(size_t k) const {
    HS_CHECK(k < tree_.size());
    return tree_.find_by_order(k)->first;
  }

 private:
  struct Order {
    bool descending = false;
    bool operator()(const std::pair<double, int64_t>& a,
                    const std::pair<double, int64_t>& b) const {
      if (a.first != b.first) return descending ? a.first > b.first : a.first < b.first;
      return a.second < b.second;
    }
  };
  __gnu_pbds::tree<std::pair<double, int64_t>, __gnu_pbds::null_type, Order,
                   __gnu_pbds::rb_tree_tag, __gnu_pbds::tree_order_statistics_node_update>
      tree_;
};

}  // namespace hs
