#include "support/heap_watch.hpp"

#include <Eigen/Core>
#include <cerrno>
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SBTG_HEAP_COUNTING 0
#else
#define SBTG_HEAP_COUNTING 1
#endif

namespace {
// Allocations by this thread since it started (plain thread-locals in the executable: no allocation
// of their own, usable from inside malloc).
thread_local long t_allocations = 0;
}  // namespace

#if SBTG_HEAP_COUNTING
// glibc's own implementations (exported under these names); the public names below replace the
// public symbols for the whole test executable, as glibc's manual allows ("Replacing malloc").
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void __libc_free(void* p);

void* malloc(std::size_t size) noexcept {
  ++t_allocations;
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) noexcept {
  ++t_allocations;
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t size) noexcept {
  ++t_allocations;
  return __libc_realloc(p, size);
}
void* memalign(std::size_t alignment, std::size_t size) noexcept {
  ++t_allocations;
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  ++t_allocations;
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return EINVAL;
  ++t_allocations;
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr && size != 0) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) noexcept { __libc_free(p); }
}
#endif

namespace sbtg::testing {

HeapWatch::HeapWatch()
    : start_(t_allocations), eigen_was_allowed_(Eigen::internal::is_malloc_allowed()) {
  Eigen::internal::set_is_malloc_allowed(false);
}

HeapWatch::~HeapWatch() { Eigen::internal::set_is_malloc_allowed(eigen_was_allowed_); }

bool HeapWatch::Counting() { return SBTG_HEAP_COUNTING != 0; }

long HeapWatch::Allocations() const { return t_allocations - start_; }

}  // namespace sbtg::testing
