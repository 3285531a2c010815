// ranked.h (hs_prune only): the values recorded at a rung or an epoch, kept in rank order so that
// a pruner's judge finds the k-th best in O(log n) instead of copying and sorting all n values
// per decision (issue 17: a judge's cost must not grow with the trials recorded).
//
// Sorted blocks of 256 to 512 (value, tag) pairs with a Fenwick tree of their sizes: the k-th in
// O(log n), an insert or erase in O(log n + 512) (moving a block's values), about 16 to 21 bytes
// a value (issue 17: a continued sweep's pruner takes back every completed trial's every epoch;
// the order-statistics tree this replaces took 64 bytes a node). Inserts wait until the next
// read or erase, and many are merged in at once (kBulk below). `tag` tells equal values apart
// (a trial id, or an arrival count), so a value can be replaced or several trials can share one.
// The order among equal values does not matter to the callers: they read values, never tags.
//
// May depend on: the standard library. Not thread-safe: each pruner owns its own.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/check.h"

namespace hs {

class RankedValues {
  using Item = std::pair<double, int64_t>;

 public:
  // descending: rank 0 is the largest value (a metric to maximise); else the smallest.
  explicit RankedValues(bool descending) : descending_(descending) {}

  // REQUIRES: v is not NaN (NaN has no rank), and (v, tag) is not already held.
  void insert(double v, int64_t tag) {
    HS_CHECK(v == v);
    pending_.emplace_back(v, tag);
    if (pending_.size() >= std::max(kBulk, size_ / 4)) settle();
  }
  // Removes (v, tag) if held.
  void erase(double v, int64_t tag) {
    settle();
    const Item x{v, tag};
    const size_t b = block_of(x);
    if (b >= blocks_.size()) return;
    std::vector<Item>& block = blocks_[b];
    auto it = std::lower_bound(block.begin(), block.end(), x, less());
    if (it == block.end() || it->first != v || it->second != tag) return;
    block.erase(it);
    --size_;
    if (!block.empty()) {
      add_count(b, -1);
      return;
    }
    blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(b));
    rebuild_counts();
  }
  size_t size() const { return size_ + pending_.size(); }
  // The value of rank k (0-based). REQUIRES: k < size(). Not const: it puts pending inserts in
  // place first.
  double at_rank(size_t k) {
    settle();
    HS_CHECK(k < size_);
    // The Fenwick tree's descent: the last block whose blocks before it hold <= k values.
    size_t b = 0, step = 1;
    while (step * 2 <= counts_.size()) step *= 2;
    for (; step > 0; step /= 2)
      if (b + step <= counts_.size() && counts_[b + step - 1] <= k) {
        b += step;
        k -= counts_[b - 1];
      }
    return blocks_[b][k].first;
  }

 private:
  // Blocks of kBlock to 2 * kBlock values (the last may hold fewer): about 21 bytes a value
  // (16 and the spare room of its block) where a tree node took 64.
  static constexpr size_t kBlock = 256;
  // Inserts wait in pending_ until a read, an erase, or kBulk of them and a quarter of the values
  // held: a few are then put in place one at a time, many at once by merging them in (sorted)
  // and cutting the blocks anew. A continued sweep's pruner takes back millions of values with
  // no read between them; put in place one at a time, each cost a few cache misses in its block
  // (8 s for 6.5 million), merged in they cost a sort.
  static constexpr size_t kBulk = 4096;

  struct Less {
    bool descending;
    bool operator()(const Item& a, const Item& b) const {
      if (a.first != b.first) return descending ? a.first > b.first : a.first < b.first;
      return a.second < b.second;
    }
  };
  Less less() const { return Less{descending_}; }
  // The first block whose last item is not before x (blocks_.size(): none).
  size_t block_of(const Item& x) const {
    auto it = std::lower_bound(
        blocks_.begin(), blocks_.end(), x,
        [l = less()](const std::vector<Item>& block, const Item& y) { return l(block.back(), y); });
    return static_cast<size_t>(it - blocks_.begin());
  }
  // The pending inserts put in place.
  void settle() {
    if (pending_.empty()) return;
    if (pending_.size() < kBulk) {
      for (const Item& x : pending_) place(x);
      pending_.clear();
    } else {
      merge_pending();
      pending_ = {};  // its room too: a quarter of the values held, most likely not needed again
    }
  }
  void place(const Item& x) {
    if (blocks_.empty()) {
      blocks_.emplace_back(1, x);
      rebuild_counts();
      ++size_;
      return;
    }
    const size_t b = std::min(block_of(x), blocks_.size() - 1);
    std::vector<Item>& block = blocks_[b];
    block.insert(std::lower_bound(block.begin(), block.end(), x, less()), x);
    ++size_;
    if (block.size() <= 2 * kBlock) {
      add_count(b, 1);
      return;
    }
    // Split: the upper half becomes a block of its own; the lower keeps no spare room.
    std::vector<Item> upper(block.begin() + kBlock, block.end());
    block.resize(kBlock);
    block.shrink_to_fit();
    blocks_.insert(blocks_.begin() + static_cast<std::ptrdiff_t>(b) + 1, std::move(upper));
    rebuild_counts();
  }
  // Every value held and pending, in rank order, cut into blocks of 1.5 kBlock (the last fewer).
  void merge_pending() {
    std::sort(pending_.begin(), pending_.end(), less());
    std::vector<Item> all;
    all.reserve(size_ + pending_.size());
    for (const std::vector<Item>& block : blocks_)
      all.insert(all.end(), block.begin(), block.end());
    const auto held = static_cast<std::ptrdiff_t>(all.size());
    all.insert(all.end(), pending_.begin(), pending_.end());
    std::inplace_merge(all.begin(), all.begin() + held, all.end(), less());
    blocks_.clear();
    for (size_t at = 0; at < all.size(); at += kBlock + kBlock / 2) {
      const size_t end = std::min(all.size(), at + kBlock + kBlock / 2);
      blocks_.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(at),
                           all.begin() + static_cast<std::ptrdiff_t>(end));
    }
    size_ = all.size();
    rebuild_counts();
  }
  // counts_: a Fenwick tree of the blocks' sizes (counts_[i] sums blocks (i & (i + 1)) .. i).
  void rebuild_counts() {
    counts_.assign(blocks_.size(), 0);
    for (size_t i = 0; i < blocks_.size(); ++i) {
      counts_[i] += blocks_[i].size();
      if (const size_t up = i | (i + 1); up < counts_.size()) counts_[up] += counts_[i];
    }
  }
  void add_count(size_t b, int delta) {
    for (size_t i = b; i < counts_.size(); i |= i + 1) counts_[i] += static_cast<size_t>(delta);
  }

  bool descending_;
  std::vector<std::vector<Item>> blocks_;  // each sorted and not empty, in rank order
  std::vector<Item> pending_;              // inserted, not yet in a block (settle)
  std::vector<size_t> counts_;
  size_t size_ = 0;
};

}  // namespace hs
