// HeapWatch: counts the heap allocations the calling thread makes while it is alive, so tests can
// state that a hot path does not allocate in every build.
//
// Two mechanisms, because neither covers every preset alone:
// - Without sanitizers, this test library replaces glibc's malloc family (malloc, calloc, realloc,
//   posix_memalign, aligned_alloc, memalign) with counting wrappers around glibc's own entry
//   points; every allocation — Eigen's, the standard library's, operator new's — goes through them.
// - Under the address/thread sanitizers (which own malloc themselves), the count is unavailable and
//   Eigen's runtime no-malloc check (EIGEN_RUNTIME_NO_MALLOC, assertions on in those presets)
//   stands in: HeapWatch forbids Eigen heap use while alive (a process-wide flag: use it where no
//   other thread runs Eigen code), so an Eigen allocation aborts the test.
#pragma once

namespace sbtg::testing {

class HeapWatch {
 public:
  HeapWatch();
  ~HeapWatch();
  HeapWatch(const HeapWatch&) = delete;
  HeapWatch& operator=(const HeapWatch&) = delete;

  // Whether Allocations() counts in this build (false under sanitizers).
  [[nodiscard]] static bool Counting();
  // Allocations made by this thread since construction (0 when !Counting()).
  [[nodiscard]] long Allocations() const;

 private:
  long start_;
  bool eigen_was_allowed_;
};

}  // namespace sbtg::testing
