#pragma once
// ByteReader: the one bounds-checked cursor every parser reads through.
//
// Invariants: it never reads outside the span it was given. A read past the end returns zero (or
// an empty span), leaves the cursor at the end and sets a sticky failure flag, so a parser can
// read a whole record and check ok() once. Values are assembled from bytes: no casts over packet
// memory, no alignment assumptions.

#include <cstddef>
#include <cstdint>
#include <span>

namespace limen {

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

  [[nodiscard]] bool ok() const { return !failed_; }
  [[nodiscard]] std::size_t offset() const { return pos_; }
  [[nodiscard]] std::size_t remaining() const { return data_.size() - pos_; }
  [[nodiscard]] bool empty() const { return remaining() == 0; }
  // Marks the record bad without reading, e.g. when a field holds an impossible value.
  void fail() {
    failed_ = true;
    pos_ = data_.size();
  }

  std::uint8_t u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  std::uint16_t be16() { return static_cast<std::uint16_t>(big(2)); }
  std::uint32_t be24() { return static_cast<std::uint32_t>(big(3)); }
  std::uint32_t be32() { return static_cast<std::uint32_t>(big(4)); }
  std::uint64_t be64() { return big(8); }
  std::uint16_t le16() { return static_cast<std::uint16_t>(little(2)); }
  std::uint32_t le32() { return static_cast<std::uint32_t>(little(4)); }
  std::uint64_t le64() { return little(8); }

  // A view of the next n bytes (no copy); empty and failed when fewer remain.
  std::span<const std::uint8_t> bytes(std::size_t n) {
    if (!need(n)) return {};
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  void skip(std::size_t n) { (void)bytes(n); }
  // A reader over the next n bytes, so a nested record cannot run past its declared length.
  ByteReader sub(std::size_t n) {
    const auto view = bytes(n);  // sequenced first: it may set failed_
    return ByteReader(view, failed_);
  }
  // Everything not yet read; never fails.
  std::span<const std::uint8_t> rest() {
    auto out = data_.subspan(pos_);
    pos_ = data_.size();
    return out;
  }
  [[nodiscard]] std::span<const std::uint8_t> peek_rest() const { return data_.subspan(pos_); }
  // The byte at offset i from the cursor without consuming it; 0 and failed when out of range.
  std::uint8_t peek(std::size_t i = 0) {
    if (i >= remaining()) {
      failed_ = true;
      return 0;
    }
    return data_[pos_ + i];
  }

 private:
  ByteReader(std::span<const std::uint8_t> data, bool failed) : data_(data), failed_(failed) {}

  bool need(std::size_t n) {
    if (failed_ || n > remaining()) {
      fail();
      return false;
    }
    return true;
  }
  std::uint64_t big(std::size_t n) {
    if (!need(n)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += n;
    return v;
  }
  std::uint64_t little(std::size_t n) {
    if (!need(n)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | data_[pos_ + i];
    pos_ += n;
    return v;
  }

  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace limen
