#pragma once
// MappedMemory: an anonymous private mapping, zero-filled by the kernel on first touch, for
// large buffers and tables whose start-up must not cost their size. Reserved without swap
// accounting (MAP_NORESERVE): resident memory follows what is touched, not what is mapped.
//
// Pages says how the kernel should back it with transparent huge pages:
//   Small:   never (tables written at random, where a 2 MiB page per touch defeats laziness);
//   Default: the system's policy;
//   Huge:    ask for them (buffers that will be touched whole, such as a ring cycled through:
//            a 16 MiB ring costs 8 page faults instead of 4,096).
// The advice is only advice: without it the memory works the same.
//
// Throws std::bad_alloc when the mapping fails (address space, overcommit policy). Movable, not
// copyable.

#include <cstddef>

namespace limen {

class MappedMemory {
 public:
  enum class Pages : unsigned char { Small, Default, Huge };

  MappedMemory() = default;
  MappedMemory(std::size_t bytes, Pages pages);
  // count * element_size bytes, or std::bad_alloc when that overflows.
  MappedMemory(std::size_t count, std::size_t element_size, Pages pages);
  ~MappedMemory();
  MappedMemory(MappedMemory&& other) noexcept;
  MappedMemory& operator=(MappedMemory&& other) noexcept;
  MappedMemory(const MappedMemory&) = delete;
  MappedMemory& operator=(const MappedMemory&) = delete;

  [[nodiscard]] void* data() const { return data_; }
  // Rounded up to whole pages; for Pages::Huge from 2 MiB on, to whole 2 MiB pages.
  [[nodiscard]] std::size_t bytes() const { return bytes_; }

  // Backs the whole mapping with zeroed pages now, as writing it would, without changing what
  // it holds. For a buffer that will be touched whole anyway, on a thread that has the time:
  // first touch is dear (a 2 MiB page costs 0.2 to 2 ms to clear, most under a hypervisor)
  // and is better not paid on the hot path. False when the kernel cannot (before Linux 5.14,
  // or out of memory); the memory then works the same, its pages arriving on first touch.
  bool populate() const { return populate(0, bytes_); }
  // The same for [offset, offset + length), clipped to the mapping and widened to whole pages.
  bool populate(std::size_t offset, std::size_t length) const;

 private:
  void* data_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace limen
