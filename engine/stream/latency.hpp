// LatencyHistogram: log-linear buckets of nanosecond durations, recorded by one thread without locks
// and read (as counts) by another. 8 sub-buckets per power of two: percentiles are within ~9%.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

#include "sbtg/stream.hpp"

namespace sbtg::stream {

class LatencyHistogram {
 public:
  static constexpr int kSub = 8;
  static constexpr int kBuckets = 64 * kSub;
  using Counts = std::array<std::uint64_t, kBuckets>;

  void Record(std::int64_t ns) {
    const auto v = static_cast<std::uint64_t>(ns > 0 ? ns : 0);
    // relaxed: counters are statistics; readers tolerate a slightly stale view.
    counts_[static_cast<std::size_t>(Bucket(v))].fetch_add(1, std::memory_order_relaxed);
  }
  void Read(Counts& out) const {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = counts_[k].load(std::memory_order_relaxed);
  }
  // Percentiles of `now − before` (an interval), in microseconds at bucket upper edges.
  static LatencySummary Summarize(const Counts& now, const Counts& before);

  static int Bucket(std::uint64_t v) {
    if (v < kSub) return static_cast<int>(v);
    const int exp = 63 - std::countl_zero(v);  // ≥ 3
    const int sub = static_cast<int>((v >> (exp - 3)) & (kSub - 1));
    return (exp - 2) * kSub + sub;
  }
  static double UpperEdge(int bucket) {
    if (bucket < kSub) return bucket + 1.0;
    const int exp = bucket / kSub + 2;
    const int sub = bucket % kSub;
    return static_cast<double>((std::uint64_t{kSub} + static_cast<std::uint64_t>(sub) + 1) << (exp - 3));
  }

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> counts_{};
};

}  // namespace sbtg::stream
