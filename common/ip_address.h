#pragma once
// IpAddress: an IPv4 or IPv6 address held by value (17 bytes), comparable and hashable, so it can
// sit inside flow keys and rule tables without allocation. IPv4 occupies the first four bytes.

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace limen {

class IpAddress {
 public:
  enum class Family : std::uint8_t { None = 0, V4 = 4, V6 = 6 };

  IpAddress() = default;
  // Takes the first four (sixteen) bytes; fewer leave the rest zero. Inline: the decoder builds
  // two per packet, and an out-of-line copy byte by byte stalled the wide load that follows it.
  static IpAddress v4(std::span<const std::uint8_t> four_bytes) {
    IpAddress a;
    a.family_ = Family::V4;
    if (four_bytes.size() >= 4)
      std::memcpy(a.bytes_.data(), four_bytes.data(), 4);
    else if (!four_bytes.empty())
      std::memcpy(a.bytes_.data(), four_bytes.data(), four_bytes.size());
    return a;
  }
  static IpAddress v4(std::uint32_t host_order);
  static IpAddress v6(std::span<const std::uint8_t> sixteen_bytes) {
    IpAddress a;
    a.family_ = Family::V6;
    if (sixteen_bytes.size() >= 16)
      std::memcpy(a.bytes_.data(), sixteen_bytes.data(), 16);
    else if (!sixteen_bytes.empty())
      std::memcpy(a.bytes_.data(), sixteen_bytes.data(), sixteen_bytes.size());
    return a;
  }
  // Parses dotted-quad IPv4 or RFC 4291 IPv6 text; nullopt when it is neither.
  static std::optional<IpAddress> parse(std::string_view text);

  [[nodiscard]] Family family() const { return family_; }
  [[nodiscard]] bool is_v4() const { return family_ == Family::V4; }
  [[nodiscard]] bool is_v6() const { return family_ == Family::V6; }
  [[nodiscard]] bool valid() const { return family_ != Family::None; }
  // 4 bytes for IPv4, 16 for IPv6, none when unset; network byte order.
  [[nodiscard]] std::span<const std::uint8_t> bytes() const {
    return {bytes_.data(), family_ == Family::V4 ? 4U : family_ == Family::V6 ? 16U : 0U};
  }
  [[nodiscard]] std::string to_string() const;
  // The same text written into `out` (at least kMaxText bytes) without allocating; returns its
  // length (0 when unset).
  static constexpr std::size_t kMaxText = 46;
  std::size_t format(char* out) const;

  // Family, then the bytes as one big-endian number: the order the defaulted comparison gave,
  // in two 8-byte loads. The defaulted one called memcmp twice per packet (flow key
  // normalisation and the table's lookup), 3% of a replay.
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.family_ == b.family_ && ((a.half(0) ^ b.half(0)) | (a.half(1) ^ b.half(1))) == 0;
  }
  friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
    if (a.family_ != b.family_) return a.family_ <=> b.family_;
    if (a.half(0) != b.half(0)) return a.number(0) <=> b.number(0);
    return a.number(1) <=> b.number(1);
  }

 private:
  // Family first so that ordering puts all IPv4 before all IPv6.
  Family family_ = Family::None;
  std::array<std::uint8_t, 16> bytes_{};

  [[nodiscard]] std::uint64_t half(std::size_t i) const {
    std::uint64_t v;
    std::memcpy(&v, bytes_.data() + 8 * i, 8);
    return v;
  }
  // The half read as a big-endian number, so that comparing numbers compares bytes in order.
  [[nodiscard]] std::uint64_t number(std::size_t i) const {
    if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(half(i));
    return half(i);
  }
};

}  // namespace limen
