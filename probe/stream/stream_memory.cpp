#include "probe/stream/stream_memory.h"

#include <bit>
#include <cassert>
#include <cstring>
#include <new>

namespace limen::stream {

namespace {

std::uint8_t* next_of(std::uint8_t* block) {
  std::uint8_t* next = nullptr;
  std::memcpy(&next, block, sizeof next);  // blocks are byte arrays: no aliasing games
  return next;
}

void set_next(std::uint8_t* block, std::uint8_t* next) { std::memcpy(block, &next, sizeof next); }

}  // namespace

StreamMemory::StreamMemory(const StreamLimits& limits)
    : limits_(limits),
      window_(std::bit_ceil(limits.max_direction_bytes < kMinBlock ? kMinBlock
                                                                    : limits.max_direction_bytes)) {
  if (window_ > (std::size_t{1} << 30)) window_ = std::size_t{1} << 30;  // offsets stay 32-bit
}

StreamMemory::~StreamMemory() {
  assert(in_use_ == 0 && "a TcpReassembler still holds blocks: call close() or reset()");
  for (auto& head : free_) {
    while (head != nullptr) {
      std::uint8_t* block = head;
      head = next_of(block);
      ::operator delete(block);
    }
  }
}

std::size_t StreamMemory::block_size(std::size_t n) const {
  return n <= kMinBlock ? kMinBlock : std::bit_ceil(n);
}

std::size_t StreamMemory::class_of(std::size_t size) {
  return static_cast<std::size_t>(std::countr_zero(size));
}

void StreamMemory::trim_cache(std::size_t need) {
  // Gives cached blocks back to the heap, largest first, until `need` more bytes fit the cap.
  for (std::size_t c = kClasses; c-- > 0 && in_use_ + cached_ + need > limits_.max_bytes;) {
    while (free_[c] != nullptr && in_use_ + cached_ + need > limits_.max_bytes) {
      std::uint8_t* block = free_[c];
      free_[c] = next_of(block);
      cached_ -= std::size_t{1} << c;
      ::operator delete(block);
    }
  }
}

std::uint8_t* StreamMemory::allocate(std::size_t size) {
  assert(std::has_single_bit(size) && size >= kMinBlock);
  const std::size_t c = class_of(size);
  if (free_[c] != nullptr) {
    std::uint8_t* block = free_[c];
    free_[c] = next_of(block);
    cached_ -= size;
    in_use_ += size;
    return block;
  }
  if (in_use_ + size > limits_.max_bytes) return nullptr;
  trim_cache(size);
  void* raw = ::operator new(size, std::nothrow);
  if (raw == nullptr) return nullptr;
  in_use_ += size;
  return static_cast<std::uint8_t*>(raw);
}

void StreamMemory::release(std::uint8_t* block, std::size_t size) {
  if (block == nullptr) return;
  assert(in_use_ >= size);
  in_use_ -= size;
  const std::size_t c = class_of(size);
  set_next(block, free_[c]);
  free_[c] = block;
  cached_ += size;
}

}  // namespace limen::stream
