// Frame pool, bounded frame queue (each overflow policy driven past capacity: acceptance 3 at the queue
// level) and the SPSC slot ring, including threaded stress tests.
#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "engine/stream/spsc.hpp"
#include "sbtg/frame.hpp"
#include "support/test_support.hpp"

using sbtg::FrameHandle;
using sbtg::FramePool;
using sbtg::FrameQueue;
using sbtg::OverflowPolicy;
using sbtg::PushOutcome;

namespace {

FrameHandle Make(FramePool& pool, std::uint64_t seq) {
  const FrameHandle h = pool.TryAcquire();
  REQUIRE(h != sbtg::kNoFrame);
  pool.at(h).sequence = seq;
  return h;
}

std::vector<std::uint64_t> Drain(FrameQueue& q, FramePool& pool) {
  std::vector<std::uint64_t> seqs;
  FrameHandle buf[16];
  while (std::size_t k = q.TryPopBulk(buf, 16)) {
    for (std::size_t i = 0; i < k; ++i) {
      seqs.push_back(pool.at(buf[i]).sequence);
      pool.Release(buf[i]);
    }
  }
  return seqs;
}

}  // namespace

TEST_SUITE("FrameQueue") {
  TEST_CASE("FrameQueue.DropNewestCountsEveryDroppedFrame") {
    FramePool pool(4, 64);
    FrameQueue q(pool, {8, OverflowPolicy::kDropNewest});
    const std::atomic<bool> cancel{false};
    int dropped = 0;
    for (std::uint64_t s = 0; s < 20; ++s) dropped += q.Push(Make(pool, s), cancel) == PushOutcome::kDroppedNew;
    CHECK(dropped == 12);
    CHECK(q.dropped_newest() == 12);
    CHECK(q.dropped_oldest() == 0);
    CHECK(q.pushed() == 20);
    const auto seqs = Drain(q, pool);
    CHECK(seqs == std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7});  // the queued frames are kept
    CHECK(pool.free_count() == 64);  // every frame, dropped or consumed, is back in the pool
  }

  TEST_CASE("FrameQueue.DropOldestKeepsTheNewest") {
    FramePool pool(4, 64);
    FrameQueue q(pool, {8, OverflowPolicy::kDropOldest});
    const std::atomic<bool> cancel{false};
    int dropped = 0;
    for (std::uint64_t s = 0; s < 20; ++s) dropped += q.Push(Make(pool, s), cancel) == PushOutcome::kQueuedDroppedOld;
    CHECK(dropped == 12);
    CHECK(q.dropped_oldest() == 12);
    CHECK(q.depth() == 8);
    const auto seqs = Drain(q, pool);
    CHECK(seqs == std::vector<std::uint64_t>{12, 13, 14, 15, 16, 17, 18, 19});
    CHECK(pool.free_count() == 64);
  }

  TEST_CASE("FrameQueue.BlockWaitsForSpaceAndLosesNothing" * doctest::timeout(10)) {
    FramePool pool(4, 32);
    FrameQueue q(pool, {4, OverflowPolicy::kBlock});
    const std::atomic<bool> cancel{false};
    constexpr std::uint64_t kFrames = 5000;
    std::thread producer([&] {
      for (std::uint64_t s = 0; s < kFrames; ++s) {
        FrameHandle h = sbtg::kNoFrame;
        while ((h = pool.TryAcquire()) == sbtg::kNoFrame) std::this_thread::yield();
        pool.at(h).sequence = s;
        (void)q.Push(h, cancel);
      }
    });
    std::vector<std::uint64_t> seen;
    FrameHandle buf[8];
    while (seen.size() < kFrames) {
      const std::size_t k = q.PopBulk(buf, 8, std::chrono::milliseconds(100));
      for (std::size_t i = 0; i < k; ++i) {
        seen.push_back(pool.at(buf[i]).sequence);
        pool.Release(buf[i]);
      }
    }
    producer.join();
    CHECK(q.dropped() == 0);
    CHECK(q.blocked_waits() > 0);  // the producer outran the consumer at least once
    bool in_order = true;
    for (std::uint64_t s = 0; s < kFrames; ++s) in_order = in_order && seen[s] == s;
    CHECK(in_order);
  }

  TEST_CASE("FrameQueue.BlockedPushIsCancelledByStop" * doctest::timeout(10)) {
    FramePool pool(2, 8);
    FrameQueue q(pool, {1, OverflowPolicy::kBlock});
    std::atomic<bool> cancel{false};
    CHECK(q.Push(Make(pool, 0), cancel) == PushOutcome::kQueued);
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      cancel.store(true);
    });
    CHECK(q.Push(Make(pool, 1), cancel) == PushOutcome::kCancelled);
    stopper.join();
    CHECK(Drain(q, pool) == std::vector<std::uint64_t>{0});
    CHECK(pool.free_count() == 8);
  }

  TEST_CASE("FramePool.ConcurrentAcquireReleaseNeverSharesAFrame" * doctest::timeout(20)) {
    FramePool pool(1, 16);
    std::atomic<int> owners[16] = {};
    std::atomic<bool> conflict{false};
    auto worker = [&] {
      for (int k = 0; k < 20000; ++k) {
        const FrameHandle h = pool.TryAcquire();
        if (h == sbtg::kNoFrame) continue;
        if (owners[h].fetch_add(1) != 0) conflict.store(true);
        owners[h].fetch_sub(1);
        pool.Release(h);
      }
    };
    std::thread a(worker), b(worker), c(worker);
    a.join();
    b.join();
    c.join();
    CHECK_FALSE(conflict.load());
    CHECK(pool.free_count() == 16);
    std::set<FrameHandle> all;
    for (int k = 0; k < 16; ++k) all.insert(pool.TryAcquire());
    CHECK(all.size() == 16);
    CHECK(all.count(sbtg::kNoFrame) == 0);
  }

  TEST_CASE("SpscSlots.ThreadedStressKeepsOrder" * doctest::timeout(20)) {
    sbtg::stream::SpscSlots ring(8);
    std::vector<std::uint64_t> storage(8);
    // Both threads spin; under the sanitizers on 2 shared cores fewer items keep it to about a second.
    const std::uint64_t kItems = sbtg::testing::SmallScale() ? 20000 : 200000;
    std::thread producer([&] {
      for (std::uint64_t v = 0; v < kItems;) {
        if (auto slot = ring.TryClaim()) {
          storage[*slot] = v++;
          ring.Publish();
        }
      }
    });
    std::uint64_t expected = 0;
    bool ok = true;
    while (expected < kItems) {
      if (auto slot = ring.Front()) {
        ok = ok && storage[*slot] == expected++;
        ring.Pop();
      }
    }
    producer.join();
    CHECK(ok);
    CHECK(ring.size() == 0);
  }
}
