#pragma once
// Replaces the global operator new/delete of the test binary that includes this header, counting
// every allocation. Include it in exactly one source file of a binary of its own.
//
// Every form is replaced (plain, array, nothrow, aligned): a form left to the runtime would
// allocate behind the count, and under AddressSanitizer a block from the runtime's operator new
// freed by our operator delete is reported as an alloc-dealloc mismatch.

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

// GCC pairs the inlined std::allocator calls with these replacements and reports a mismatch
// that does not exist (both sides use malloc/free here).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace limen::testing {
inline std::atomic<std::size_t> g_allocations{0};
// Heap allocations made through operator new since the start of the binary.
inline std::size_t allocations() { return g_allocations.load(std::memory_order_relaxed); }
}  // namespace limen::testing

namespace limen::testing::detail {
inline void* counted(std::size_t n) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n != 0 ? n : 1);
}
inline void* counted_aligned(std::size_t n, std::align_val_t a) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const auto align = static_cast<std::size_t>(a);
  return std::aligned_alloc(align, (n + align - 1) / align * align);
}
}  // namespace limen::testing::detail

void* operator new(std::size_t n) {
  if (void* p = limen::testing::detail::counted(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = limen::testing::detail::counted(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return limen::testing::detail::counted(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return limen::testing::detail::counted(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = limen::testing::detail::counted_aligned(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = limen::testing::detail::counted_aligned(n, a)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
