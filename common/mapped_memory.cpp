#include "common/mapped_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <new>
#include <utility>

namespace limen {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

}  // namespace

MappedMemory::MappedMemory(std::size_t bytes, Pages pages) {
  if (bytes == 0) return;
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  if (bytes > std::numeric_limits<std::size_t>::max() - page) throw std::bad_alloc();
  bytes_ = (bytes + page - 1) / page * page;
  // A huge page backs only a whole, aligned 2 MiB: a huge-page mapping of 5.25 MiB that starts
  // anywhere gets one or two huge pages and hundreds of small ones. So it starts on a 2 MiB
  // boundary and ends on one (the extra is address space; it costs memory only when touched).
  const std::size_t align = pages == Pages::Huge && bytes_ >= kHugePage ? kHugePage : page;
  if (bytes_ > std::numeric_limits<std::size_t>::max() - 2 * align) throw std::bad_alloc();
  bytes_ = (bytes_ + align - 1) / align * align;
  const std::size_t mapped = bytes_ + align - page;
  void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    bytes_ = 0;
    throw std::bad_alloc();
  }
  const auto start = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t aligned = (start + align - 1) / align * align;
  if (aligned != start) ::munmap(p, aligned - start);
  if (const std::size_t tail = start + mapped - (aligned + bytes_); tail != 0)
    ::munmap(reinterpret_cast<void*>(aligned + bytes_), tail);
  data_ = reinterpret_cast<void*>(aligned);
  switch (pages) {
#if defined(MADV_NOHUGEPAGE) && defined(MADV_HUGEPAGE)
    case Pages::Small:
      static_cast<void>(::madvise(data_, bytes_, MADV_NOHUGEPAGE));
      break;
    case Pages::Huge:
      static_cast<void>(::madvise(data_, bytes_, MADV_HUGEPAGE));
      break;
#endif
    default:
      break;
  }
}

MappedMemory::MappedMemory(std::size_t count, std::size_t element_size, Pages pages)
    : MappedMemory(count != 0 && count > std::numeric_limits<std::size_t>::max() / element_size
                       ? throw std::bad_alloc()
                       : count * element_size,
                   pages) {}

bool MappedMemory::populate(std::size_t offset, std::size_t length) const {
  if (data_ == nullptr || offset >= bytes_ || length == 0) return true;
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t begin = offset / page * page;
  const std::size_t end = std::min(bytes_, (offset + std::min(length, bytes_ - offset) + page - 1) /
                                               page * page);
#ifdef MADV_POPULATE_WRITE
  return ::madvise(static_cast<char*>(data_) + begin, end - begin, MADV_POPULATE_WRITE) == 0;
#else
  static_cast<void>(begin);
  static_cast<void>(end);
  return false;
#endif
}

MappedMemory::~MappedMemory() {
  if (data_ != nullptr) ::munmap(data_, bytes_);
}

MappedMemory::MappedMemory(MappedMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

MappedMemory& MappedMemory::operator=(MappedMemory&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(data_, bytes_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

}  // namespace limen
