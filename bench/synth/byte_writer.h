#pragma once
// ByteWriter: appends integers and byte strings to a std::vector in a given byte order, and
// patches length fields once the body they count has been written. Every message the generator
// builds goes through it, so no struct is ever cast over bytes. Appends grow the vector; patches
// go through at(), so a wrong offset throws instead of writing past the message.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace limen::bench {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<std::uint8_t>& out) : out_(out) {}

  [[nodiscard]] std::size_t size() const { return out_.size(); }

  void u8(std::uint32_t v) { out_.push_back(static_cast<std::uint8_t>(v)); }
  void be16(std::uint32_t v) { big(v, 2); }
  void be24(std::uint32_t v) { big(v, 3); }
  void be32(std::uint32_t v) { big(v, 4); }
  void le16(std::uint32_t v) { little(v, 2); }
  void le24(std::uint32_t v) { little(v, 3); }
  void le32(std::uint32_t v) { little(v, 4); }
  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void str(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }

  // Patches a field written earlier (as a placeholder) at offset `at`.
  void put_be16(std::size_t at, std::size_t v) { patch_big(at, v, 2); }
  void put_be24(std::size_t at, std::size_t v) { patch_big(at, v, 3); }
  void put_le16(std::size_t at, std::size_t v) {
    out_.at(at) = static_cast<std::uint8_t>(v);
    out_.at(at + 1) = static_cast<std::uint8_t>(v >> 8);
  }

 private:
  void big(std::uint32_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void little(std::uint32_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void patch_big(std::size_t at, std::size_t v, int n) {
    for (int i = 0; i < n; ++i) {
      out_.at(at + static_cast<std::size_t>(i)) = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
    }
  }
  std::vector<std::uint8_t>& out_;
};

}  // namespace limen::bench
