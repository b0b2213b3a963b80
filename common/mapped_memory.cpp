#include "common/mapped_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <limits>
#include <new>
#include <utility>

namespace limen {

MappedMemory::MappedMemory(std::size_t bytes, Pages pages) {
  if (bytes == 0) return;
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  if (bytes > std::numeric_limits<std::size_t>::max() - page) throw std::bad_alloc();
  bytes_ = (bytes + page - 1) / page * page;
  void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    bytes_ = 0;
    throw std::bad_alloc();
  }
  data_ = p;
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
