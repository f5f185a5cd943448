// State shared by the engine's threads: counters, the model slot, the pipeline→trainer window handoff
// and the pipeline→publisher snapshot exchange. Each member says who writes it.
#pragma once

#include <Eigen/Core>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/estimator/score_model.hpp"
#include "engine/stream/latency.hpp"
#include "engine/stream/sliding_estimator.hpp"
#include "engine/stream/spsc.hpp"
#include "sbtg/stream.hpp"

namespace sbtg::stream {

using Counter = std::atomic<std::uint64_t>;

// Single-writer counters, read by anyone (relaxed: they are statistics).
struct Counters {
  // pipeline thread
  Counter frames_processed{0}, gaps{0}, missing_frames{0}, duplicates{0}, out_of_order{0}, time_gaps{0};
  Counter segment_breaks{0}, incomplete_frames{0}, warmup_frames{0};
  Counter windows{0}, windows_unscored{0}, windows_to_trainer{0}, handoff_dropped{0};
  Counter snapshots_skipped{0};
  LatencyHistogram update_latency;
  // adapter thread
  Counter pool_exhausted{0};
  std::array<Counter, kIngestRejectKinds> rejected{};
  // trainer thread
  Counter trainer_steps{0}, trainer_windows{0};
  std::atomic<double> trainer_loss{0.0}, steps_per_second{0.0};
  // publisher thread
  Counter snapshots{0};
  LatencyHistogram publish_latency;
};

inline void Bump(Counter& c, std::uint64_t by = 1) { c.fetch_add(by, std::memory_order_relaxed); }

// The current model snapshot. The trainer (or the engine at start) publishes immutable models; the
// pipeline checks the version each batch and takes the new pointer with try_lock, so it never waits.
class ModelSlot {
 public:
  void Publish(std::shared_ptr<const est::ScoreModel> model) {
    std::lock_guard<std::mutex> lock(mu_);
    model_ = std::move(model);
    // release: pairs with the pipeline's acquire load before it takes the pointer.
    version_.store(version_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
  [[nodiscard]] std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  // Non-blocking: false when the trainer holds the lock right now (try again next batch).
  bool TryGet(std::shared_ptr<const est::ScoreModel>& out, std::uint64_t& version) {
    std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    out = model_;
    version = version_.load(std::memory_order_relaxed);
    return true;
  }
  std::shared_ptr<const est::ScoreModel> Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return model_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const est::ScoreModel> model_;
  std::atomic<std::uint64_t> version_{0};
};

// Windows (standardized, float) from the pipeline to the trainer: SPSC slots over a dim × capacity
// matrix, one window per column.
struct WindowHandoff {
  WindowHandoff(Eigen::Index dim, std::size_t capacity)
      : slots(capacity), windows(dim, static_cast<Eigen::Index>(capacity)) {}
  SpscSlots slots;
  Eigen::MatrixXf windows;
};

// What the pipeline hands the publisher for one snapshot (sized once, reused).
struct SnapshotBuffer {
  SlidingMoments moments;
  Eigen::VectorXd scale;  // standardization scale at the snapshot (effects in original units)
  std::uint64_t first_sequence = 0, last_sequence = 0;
  double first_time = 0, last_time = 0;
  std::uint64_t model_version = 0;
  std::int64_t newest_arrival_ns = 0;
  std::int64_t computed_ns = 0;
  std::uint64_t order = 0;  // pipeline snapshot counter (publish in this order)
  bool final = false;
};

// Two buffers handed back and forth: the pipeline fills a free one (or skips the snapshot and counts it
// when both are busy), the publisher takes ready ones in order and frees them.
class SnapshotExchange {
 public:
  enum State : int { kFree = 0, kFilling = 1, kReady = 2, kBusy = 3 };
  SnapshotExchange(Eigen::Index n, int lags, bool full_correction) {
    for (auto& b : buffers_) {
      b.moments.Resize(n, lags, full_correction);
      b.scale = Eigen::VectorXd::Ones(n);
    }
  }
  // Pipeline: a free buffer to fill, or −1.
  int Claim() {
    for (int k = 0; k < 2; ++k) {
      int expected = kFree;
      if (state_[k].compare_exchange_strong(expected, kFilling, std::memory_order_acquire)) return k;
    }
    return -1;
  }
  SnapshotBuffer& buffer(int k) { return buffers_[static_cast<size_t>(k)]; }
  // Pipeline: hands a filled buffer over and wakes the publisher.
  void MarkReady(int k) {
    // release: the buffer's contents are visible to the publisher's acquire in Take.
    state_[k].store(kReady, std::memory_order_release);
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_one();
  }
  // Publisher: the ready buffer with the lowest order, or −1.
  int Take() {
    int best = -1;
    for (int k = 0; k < 2; ++k) {
      if (state_[k].load(std::memory_order_acquire) != kReady) continue;
      if (best < 0 || buffers_[static_cast<size_t>(k)].order < buffers_[static_cast<size_t>(best)].order) best = k;
    }
    if (best >= 0) state_[best].store(kBusy, std::memory_order_relaxed);
    return best;
  }
  void Release(int k) { state_[k].store(kFree, std::memory_order_release); }
  // Publisher: waits until a buffer is ready, Wake() is called, or `timeout` passes.
  template <typename Duration>
  void Wait(Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return woken_ || AnyReady(); });
    woken_ = false;
  }
  void Wake() {
    std::lock_guard<std::mutex> lock(mu_);
    woken_ = true;
    cv_.notify_all();
  }

 private:
  bool AnyReady() const {
    return state_[0].load(std::memory_order_acquire) == kReady || state_[1].load(std::memory_order_acquire) == kReady;
  }
  std::array<SnapshotBuffer, 2> buffers_;
  std::array<std::atomic<int>, 2> state_{};
  std::mutex mu_;
  std::condition_variable cv_;
  bool woken_ = false;
};

}  // namespace sbtg::stream
