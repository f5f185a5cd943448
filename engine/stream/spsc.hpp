// SpscSlots: a bounded single-producer/single-consumer ring of slot indices (after rigtorp/SPSCQueue).
//
// The ring only hands out slot numbers; the owner keeps the slot storage (e.g. rows of a matrix), so
// variable-size payloads such as windows move without allocation. The producer claims a slot, fills it,
// and publishes it; the consumer reads the oldest published slot and releases it.
// Thread safety: exactly one producer thread and one consumer thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace sbtg::stream {

class SpscSlots {
 public:
  explicit SpscSlots(std::size_t capacity) : capacity_(capacity) {}
  SpscSlots(const SpscSlots&) = delete;
  SpscSlots& operator=(const SpscSlots&) = delete;

  // Producer: the slot to fill next, or nullopt when full (the caller drops and counts).
  [[nodiscard]] std::optional<std::size_t> TryClaim() {
    const std::uint64_t w = write_.load(std::memory_order_relaxed);
    if (w - read_cache_ >= capacity_) {
      // acquire: the consumer's reads of the slot finished before it advanced read_.
      read_cache_ = read_.load(std::memory_order_acquire);
      if (w - read_cache_ >= capacity_) return std::nullopt;
    }
    return static_cast<std::size_t>(w % capacity_);
  }
  // Producer: makes the claimed slot visible.
  void Publish() {
    // release: the slot's contents are written before the consumer can see the new index.
    write_.store(write_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  // Consumer: the oldest published slot, or nullopt when empty.
  [[nodiscard]] std::optional<std::size_t> Front() {
    const std::uint64_t r = read_.load(std::memory_order_relaxed);
    if (r == write_cache_) {
      // acquire: pairs with Publish so the slot's contents are visible.
      write_cache_ = write_.load(std::memory_order_acquire);
      if (r == write_cache_) return std::nullopt;
    }
    return static_cast<std::size_t>(r % capacity_);
  }
  // Consumer: frees the slot returned by Front.
  void Pop() {
    // release: our reads of the slot complete before the producer may reuse it.
    read_.store(read_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  [[nodiscard]] std::size_t size() const {
    return static_cast<std::size_t>(write_.load(std::memory_order_acquire) - read_.load(std::memory_order_acquire));
  }

 private:
  static constexpr std::size_t kLine = 64;
  const std::size_t capacity_;
  alignas(kLine) std::atomic<std::uint64_t> write_{0};
  alignas(kLine) std::uint64_t read_cache_ = 0;  // producer's view of read_
  alignas(kLine) std::atomic<std::uint64_t> read_{0};
  alignas(kLine) std::uint64_t write_cache_ = 0;  // consumer's view of write_
};

static_assert(alignof(SpscSlots) == 64, "indices sit on separate cache lines");

}  // namespace sbtg::stream
