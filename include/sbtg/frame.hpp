// Frames, the frame pool and the bounded per-adapter frame queue of the live engine (DESIGN §3).
//
// A Frame is one time point of a stream: n float values with a validity mask, the source's sequence
// number and timestamp, the steady-clock arrival time and a segment label. Frames live in a FramePool
// allocated once at engine start; queues carry 32-bit handles, so the ingest path never allocates.
//
// FrameQueue is a bounded lock-free queue (moodycamel) between exactly one producer thread (an adapter)
// and one consumer thread (the pipeline), with an explicit overflow policy: block the producer, drop the
// oldest queued frame, or drop the new frame. Every drop is counted; nothing is lost silently.
//
// Thread safety: FramePool::TryAcquire/Release may be called from any thread concurrently (a tagged
// Treiber stack). A Frame belongs to whoever holds its handle. FrameQueue::Push is for the single
// producer, Pop* for the single consumer; counters may be read from any thread.
#pragma once

#include <Eigen/Core>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "sbtg/status.hpp"

namespace sbtg {

using FrameHandle = std::uint32_t;
inline constexpr FrameHandle kNoFrame = 0xFFFFFFFFu;
inline constexpr std::size_t kSegmentLabelBytes = 48;  // labels are truncated to 47 bytes + NUL

struct Frame {
  std::uint64_t sequence = 0;     // source sequence number (consecutive frames differ by 1)
  double source_time = 0.0;       // seconds on the rig's clock; NaN = not provided
  std::int64_t arrival_ns = 0;    // steady clock, when the adapter received/produced the frame
  std::array<char, kSegmentLabelBytes> segment{};  // NUL-terminated segment/condition label
  bool has_missing = false;       // some values are not measured (see valid)
  float* values = nullptr;        // n values (pool storage)
  std::uint8_t* valid = nullptr;  // n flags, 1 = measured; only meaningful when has_missing

  // Copies `label` (truncated) into `segment`.
  void SetSegment(std::string_view label);
  [[nodiscard]] std::string_view segment_label() const { return {segment.data()}; }
};

// Steady-clock nanoseconds, the engine's arrival/latency time base.
inline std::int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class FramePool {
 public:
  // Allocates `capacity` frames of n values each (setup; throws SetupError on capacity 0 or n < 1).
  FramePool(Eigen::Index n, std::uint32_t capacity);
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;

  // A free frame, or kNoFrame when every frame is in use. Lock-free.
  [[nodiscard]] FrameHandle TryAcquire();
  void Release(FrameHandle h);
  Frame& at(FrameHandle h) { return frames_[h]; }
  [[nodiscard]] const Frame& at(FrameHandle h) const { return frames_[h]; }
  [[nodiscard]] Eigen::Index n() const { return n_; }
  [[nodiscard]] std::uint32_t capacity() const { return capacity_; }
  [[nodiscard]] std::uint32_t free_count() const { return free_.load(std::memory_order_relaxed); }

 private:
  Eigen::Index n_;
  std::uint32_t capacity_;
  std::unique_ptr<Frame[]> frames_;
  std::unique_ptr<float[]> values_;
  std::unique_ptr<std::uint8_t[]> valid_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> next_;  // free-list links
  // (ABA tag << 32) | top index; the tag changes on every successful pop so a stale CAS fails.
  alignas(64) std::atomic<std::uint64_t> head_;
  alignas(64) std::atomic<std::uint32_t> free_;
};

enum class OverflowPolicy {
  kBlock,       // the producer waits for space (backpressure to the source; nothing dropped here)
  kDropOldest,  // the oldest queued frame is released and counted; freshest data wins (live rigs)
  kDropNewest,  // the new frame is released and counted; queued frames are kept
};
Result<OverflowPolicy> ParseOverflowPolicy(std::string_view name);  // block|drop_oldest|drop_newest
std::string_view ToString(OverflowPolicy policy);

struct QueueOptions {
  std::uint32_t capacity = 1024;  // frames; at 30 Hz this is half a minute of slack
  OverflowPolicy policy = OverflowPolicy::kBlock;
  [[nodiscard]] Status Validate() const;
};

enum class PushOutcome {
  kQueued,           // queued, nothing dropped
  kQueuedDroppedOld, // queued after dropping the oldest queued frame (counted)
  kDroppedNew,       // the pushed frame was dropped (counted) and returned to the pool
  kCancelled,        // block policy: stop was requested while waiting; frame returned to the pool
};

class FrameQueue {
 public:
  FrameQueue(FramePool& pool, const QueueOptions& options);
  ~FrameQueue();
  FrameQueue(const FrameQueue&) = delete;
  FrameQueue& operator=(const FrameQueue&) = delete;

  // Producer only. Takes ownership of `h` in every outcome. Under kBlock waits until there is space
  // or `cancel` becomes true.
  PushOutcome Push(FrameHandle h, const std::atomic<bool>& cancel);
  // Consumer only: up to `max` handles in FIFO order, waiting at most `timeout` for the first one.
  std::size_t PopBulk(FrameHandle* out, std::size_t max, std::chrono::microseconds timeout);
  std::size_t TryPopBulk(FrameHandle* out, std::size_t max);

  [[nodiscard]] std::uint32_t capacity() const { return options_.capacity; }
  [[nodiscard]] OverflowPolicy policy() const { return options_.policy; }
  [[nodiscard]] std::int64_t depth() const { return depth_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t pushed() const { return pushed_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t dropped_oldest() const { return dropped_oldest_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t dropped_newest() const { return dropped_newest_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_oldest() + dropped_newest(); }
  [[nodiscard]] std::uint64_t blocked_waits() const { return blocked_.load(std::memory_order_relaxed); }

 private:
  struct Impl;
  FramePool& pool_;
  QueueOptions options_;
  std::unique_ptr<Impl> impl_;
  // Frames inside the queue; bounds the moodycamel queue (which is itself unbounded).
  alignas(64) std::atomic<std::int64_t> depth_{0};
  alignas(64) std::atomic<std::uint64_t> pushed_{0};
  std::atomic<std::uint64_t> dropped_oldest_{0};
  std::atomic<std::uint64_t> dropped_newest_{0};
  std::atomic<std::uint64_t> blocked_{0};
};

}  // namespace sbtg
