#include "probe/flow/reserved_array.h"

#include <sys/mman.h>
#include <unistd.h>

#include <limits>

namespace limen::flow::detail {

Reservation::Reservation(std::size_t count, std::size_t element_size,
                         [[maybe_unused]] bool huge_pages) {
  if (count == 0) return;
  if (count > std::numeric_limits<std::size_t>::max() / element_size) throw std::bad_alloc();
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t bytes = count * element_size;
  if (bytes > std::numeric_limits<std::size_t>::max() - page) throw std::bad_alloc();
  bytes_ = (bytes + page - 1) / page * page;
  void* p = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  data_ = p;
#ifdef MADV_NOHUGEPAGE
  // Advice only: without it the array works the same, just with coarser memory growth.
  if (!huge_pages) static_cast<void>(::madvise(data_, bytes_, MADV_NOHUGEPAGE));
#endif
}

Reservation::~Reservation() {
  if (data_ != nullptr) ::munmap(data_, bytes_);
}

}  // namespace limen::flow::detail
