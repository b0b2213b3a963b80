#pragma once
// Fixed-capacity arrays over reserved, untouched virtual memory, for tables sized for the worst
// case and used far below it. The constructor only reserves address space; the kernel supplies a
// zero-filled page on first touch, so start-up time and resident memory follow what is used, not
// the capacity.
//
// ReservedArray<T>: elements are constructed on first use, in index order, and only those are
// destroyed: [0, constructed()) is valid, the rest is raw memory that must not be read.
// ZeroedArray<T>: for trivial T; every element reads as zero until written, nothing is
// constructed (the kernel's zero pages are the initial value).
//
// Both throw std::bad_alloc when the reservation fails (address space, overcommit policy) and are
// neither copyable nor movable: owners hold pointers into them.

#include <cassert>
#include <cstddef>
#include <new>
#include <type_traits>

#include "common/mapped_memory.h"

#if defined(__has_include)
#if __has_include(<sanitizer/asan_interface.h>)
#include <sanitizer/asan_interface.h>
#endif
#endif

namespace limen::flow {

template <class T>
class ReservedArray {
 public:
  explicit ReservedArray(std::size_t size)
      : memory_(size, sizeof(T), MappedMemory::Pages::Default),
        data_(static_cast<T*>(memory_.data())),
        size_(size) {
    poison_ahead();
  }
  ~ReservedArray() {
    for (std::size_t i = constructed_; i-- > 0;) data_[i].~T();
    // The shadow outlives the mapping: left poisoned, it would fault the next owner of the range.
    unpoison(data_ + constructed_, window_end() - constructed_);
  }
  ReservedArray(const ReservedArray&) = delete;
  ReservedArray& operator=(const ReservedArray&) = delete;

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t constructed() const { return constructed_; }

  // Constructs the next element (index constructed()) and returns it. Precondition:
  // constructed() < size().
  T& construct_next() {
    assert(constructed_ < size_);
    T* at = data_ + constructed_;
    unpoison(at, 1);
    ::new (static_cast<void*>(at)) T();
    ++constructed_;
    if (constructed_ == window_end()) poison_ahead();
    return *at;
  }

  T& operator[](std::size_t i) {
    assert(i < constructed_);
    return data_[i];
  }
  const T& operator[](std::size_t i) const {
    assert(i < constructed_);
    return data_[i];
  }
  // Index of an element of this array.
  [[nodiscard]] std::size_t index_of(const T& element) const {
    assert(&element >= data_ && &element < data_ + constructed_);
    return static_cast<std::size_t>(&element - data_);
  }

 private:
  // Under AddressSanitizer, the elements just past the constructed ones are poisoned, so reading
  // a slot before its construction is reported. Only a window is poisoned, not the whole
  // reservation: the shadow of a multi-gigabyte reservation would itself cost memory.
  static constexpr std::size_t kWindow =
      sizeof(T) < (std::size_t{64} << 10) ? (std::size_t{64} << 10) / sizeof(T) : 1;
  [[nodiscard]] std::size_t window_end() const {
    return size_ - poisoned_from_ < kWindow ? size_ : poisoned_from_ + kWindow;
  }
  void poison_ahead() {
    poisoned_from_ = constructed_;
#ifdef ASAN_POISON_MEMORY_REGION
    if (data_ != nullptr)
      ASAN_POISON_MEMORY_REGION(data_ + constructed_, (window_end() - constructed_) * sizeof(T));
#endif
  }
  static void unpoison([[maybe_unused]] const T* at, [[maybe_unused]] std::size_t count) {
#ifdef ASAN_UNPOISON_MEMORY_REGION
    if (at != nullptr && count > 0) ASAN_UNPOISON_MEMORY_REGION(at, count * sizeof(T));
#endif
  }

  MappedMemory memory_;
  T* data_;
  std::size_t size_;
  std::size_t constructed_ = 0;
  std::size_t poisoned_from_ = 0;
};

template <class T>
class ZeroedArray {
  // An all-zero object representation must be a valid T, and T must need no construction or
  // destruction, for untouched pages to stand in for elements.
  static_assert(std::is_trivial_v<T>, "ZeroedArray holds trivial types only");

 public:
  explicit ZeroedArray(std::size_t size)
      : memory_(size, sizeof(T), MappedMemory::Pages::Small),
        data_(static_cast<T*>(memory_.data())),
        size_(size) {}
  ZeroedArray(const ZeroedArray&) = delete;
  ZeroedArray& operator=(const ZeroedArray&) = delete;

  [[nodiscard]] std::size_t size() const { return size_; }
  T& operator[](std::size_t i) {
    assert(i < size_);
    return data_[i];
  }
  const T& operator[](std::size_t i) const {
    assert(i < size_);
    return data_[i];
  }

 private:
  MappedMemory memory_;
  T* data_;
  std::size_t size_;
};

}  // namespace limen::flow
