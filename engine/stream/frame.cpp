// FramePool (tagged Treiber stack of free frames) and FrameQueue (bounded moodycamel queue).
#include <concurrentqueue/blockingconcurrentqueue.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <utility>

#include "sbtg/frame.hpp"

namespace sbtg {

void Frame::SetSegment(std::string_view label) {
  const std::size_t len = std::min(label.size(), segment.size() - 1);
  std::memcpy(segment.data(), label.data(), len);
  segment[len] = '\0';
}

namespace {

constexpr std::uint32_t kEnd = 0xFFFFFFFFu;
std::uint64_t Pack(std::uint32_t tag, std::uint32_t index) { return (std::uint64_t{tag} << 32) | index; }
std::uint32_t IndexOf(std::uint64_t word) { return static_cast<std::uint32_t>(word & 0xFFFFFFFFu); }
std::uint32_t TagOf(std::uint64_t word) { return static_cast<std::uint32_t>(word >> 32); }

}  // namespace

FramePool::FramePool(Eigen::Index n, std::uint32_t capacity) : n_(n), capacity_(capacity) {
  if (n < 1) throw SetupError("FramePool: n must be >= 1");
  if (capacity == 0 || capacity == kEnd) throw SetupError("FramePool: capacity must be in [1, 2^32-2]");
  const auto total = static_cast<std::size_t>(n) * capacity;
  frames_ = std::make_unique<Frame[]>(capacity);
  values_ = std::make_unique<float[]>(total);
  valid_ = std::make_unique<std::uint8_t[]>(total);
  next_ = std::make_unique<std::atomic<std::uint32_t>[]>(capacity);
  for (std::uint32_t k = 0; k < capacity; ++k) {
    frames_[k].values = values_.get() + static_cast<std::size_t>(n) * k;
    frames_[k].valid = valid_.get() + static_cast<std::size_t>(n) * k;
    next_[k].store(k + 1 < capacity ? k + 1 : kEnd, std::memory_order_relaxed);
  }
  head_.store(Pack(0, 0), std::memory_order_relaxed);
  free_.store(capacity, std::memory_order_relaxed);
}

FrameHandle FramePool::TryAcquire() {
  // acquire: the popped frame's link (and the frame contents released before it) must be visible.
  std::uint64_t head = head_.load(std::memory_order_acquire);
  for (;;) {
    const std::uint32_t top = IndexOf(head);
    if (top == kEnd) return kNoFrame;
    // May read the link of a frame another thread popped meanwhile; the tagged CAS then fails.
    const std::uint32_t next = next_[top].load(std::memory_order_relaxed);
    if (head_.compare_exchange_weak(head, Pack(TagOf(head) + 1, next), std::memory_order_acq_rel,
                                    std::memory_order_acquire)) {
      free_.fetch_sub(1, std::memory_order_relaxed);
      Frame& f = frames_[top];
      f.has_missing = false;
      f.segment[0] = '\0';
      return top;
    }
  }
}

void FramePool::Release(FrameHandle h) {
  std::uint64_t head = head_.load(std::memory_order_relaxed);
  for (;;) {
    next_[h].store(IndexOf(head), std::memory_order_relaxed);
    // release: the link and this thread's last writes to the frame happen-before the next acquire.
    if (head_.compare_exchange_weak(head, Pack(TagOf(head) + 1, h), std::memory_order_release,
                                    std::memory_order_relaxed)) {
      free_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

Result<OverflowPolicy> ParseOverflowPolicy(std::string_view name) {
  if (name == "block") return OverflowPolicy::kBlock;
  if (name == "drop_oldest" || name == "drop-oldest") return OverflowPolicy::kDropOldest;
  if (name == "drop_newest" || name == "drop-newest") return OverflowPolicy::kDropNewest;
  return Status::InvalidArgument("unknown overflow policy '" + std::string(name) +
                                 "' (expected one of: block, drop_oldest, drop_newest)");
}

std::string_view ToString(OverflowPolicy policy) {
  switch (policy) {
    case OverflowPolicy::kBlock: return "block";
    case OverflowPolicy::kDropOldest: return "drop_oldest";
    case OverflowPolicy::kDropNewest: return "drop_newest";
  }
  return "?";
}

Status QueueOptions::Validate() const {
  if (capacity < 1 || capacity > (1u << 24)) {
    return Status::InvalidArgument("queue.capacity must be in [1, 16777216] frames, got " + std::to_string(capacity));
  }
  return Status::Ok();
}

struct FrameQueue::Impl {
  explicit Impl(std::uint32_t capacity)
      // Room for `capacity` handles plus two partially consumed blocks, so steady-state enqueues
      // reuse blocks instead of allocating.
      : queue(capacity + 2 * moodycamel::ConcurrentQueueDefaultTraits::BLOCK_SIZE, 1, 0),
        producer(queue),
        consumer(queue) {}
  moodycamel::BlockingConcurrentQueue<FrameHandle> queue;
  moodycamel::ProducerToken producer;
  moodycamel::ConsumerToken consumer;
};

FrameQueue::FrameQueue(FramePool& pool, const QueueOptions& options)
    : pool_(pool), options_(options), impl_(std::make_unique<Impl>(options.capacity)) {
  const Status s = options.Validate();
  if (!s.ok()) throw SetupError(s.message());
}

FrameQueue::~FrameQueue() {
  // Return whatever is still queued so the pool is whole again.
  std::array<FrameHandle, 64> buf{};
  std::size_t k = 0;
  while ((k = impl_->queue.try_dequeue_bulk(buf.begin(), buf.size())) > 0) {
    for (std::size_t i = 0; i < k; ++i) pool_.Release(buf[i]);
  }
}

PushOutcome FrameQueue::Push(FrameHandle h, const std::atomic<bool>& cancel) {
  pushed_.fetch_add(1, std::memory_order_relaxed);
  const auto cap = static_cast<std::int64_t>(options_.capacity);
  PushOutcome outcome = PushOutcome::kQueued;
  // Only this (producer) thread increments depth_, so once below capacity it stays below until we push.
  if (depth_.load(std::memory_order_acquire) >= cap) {
    switch (options_.policy) {
      case OverflowPolicy::kDropNewest:
        pool_.Release(h);
        dropped_newest_.fetch_add(1, std::memory_order_relaxed);
        return PushOutcome::kDroppedNew;
      case OverflowPolicy::kDropOldest: {
        FrameHandle oldest = kNoFrame;
        // Single producer ⇒ FIFO: the dequeued handle is the oldest one. The consumer may have
        // drained the queue meanwhile, in which case there is simply room now.
        if (impl_->queue.try_dequeue(oldest)) {
          depth_.fetch_sub(1, std::memory_order_acq_rel);
          pool_.Release(oldest);
          dropped_oldest_.fetch_add(1, std::memory_order_relaxed);
          outcome = PushOutcome::kQueuedDroppedOld;
        }
        break;
      }
      case OverflowPolicy::kBlock: {
        blocked_.fetch_add(1, std::memory_order_relaxed);
        int spins = 0;
        while (depth_.load(std::memory_order_acquire) >= cap) {
          if (cancel.load(std::memory_order_relaxed)) {
            pool_.Release(h);
            return PushOutcome::kCancelled;
          }
          if (++spins < 64) {
            std::this_thread::yield();
          } else {
            std::this_thread::sleep_for(std::chrono::microseconds(50));
          }
        }
        break;
      }
    }
  }
  impl_->queue.enqueue(impl_->producer, h);
  // release: publishes the frame contents written by this thread before the handle is counted.
  depth_.fetch_add(1, std::memory_order_release);
  return outcome;
}

std::size_t FrameQueue::PopBulk(FrameHandle* out, std::size_t max, std::chrono::microseconds timeout) {
  const std::size_t k = impl_->queue.wait_dequeue_bulk_timed(impl_->consumer, out, max, timeout.count());
  if (k > 0) depth_.fetch_sub(static_cast<std::int64_t>(k), std::memory_order_acq_rel);
  return k;
}

std::size_t FrameQueue::TryPopBulk(FrameHandle* out, std::size_t max) {
  const std::size_t k = impl_->queue.try_dequeue_bulk(impl_->consumer, out, max);
  if (k > 0) depth_.fetch_sub(static_cast<std::int64_t>(k), std::memory_order_acq_rel);
  return k;
}

}  // namespace sbtg
