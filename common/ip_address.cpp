#include "common/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace limen {

IpAddress IpAddress::v4(std::uint32_t host_order) {
  const std::array<std::uint8_t, 4> b{
      static_cast<std::uint8_t>(host_order >> 24), static_cast<std::uint8_t>(host_order >> 16),
      static_cast<std::uint8_t>(host_order >> 8), static_cast<std::uint8_t>(host_order)};
  return v4(b);
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton needs a terminated string; addresses are short, so a stack buffer suffices.
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::copy(text.begin(), text.end(), buf);
  buf[text.size()] = '\0';
  std::array<std::uint8_t, 16> raw{};
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, raw.data()) == 1) return v4(std::span(raw).first(4));
    return std::nullopt;
  }
  if (inet_pton(AF_INET6, buf, raw.data()) == 1) return v6(raw);
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buf[kMaxText];
  return std::string(buf, format(buf));
}

std::size_t IpAddress::format(char* out) const {
  static_assert(kMaxText >= INET6_ADDRSTRLEN);
  if (family_ == Family::V4) {
    // By hand: inet_ntop formats IPv4 with sprintf, which showed in the profile of every flow's
    // first event.
    char* p = out;
    for (std::size_t i = 0; i < 4; ++i) {
      const unsigned b = bytes_[i];
      if (b >= 100) *p++ = static_cast<char>('0' + b / 100);
      if (b >= 10) *p++ = static_cast<char>('0' + b / 10 % 10);
      *p++ = static_cast<char>('0' + b % 10);
      *p++ = i < 3 ? '.' : '\0';
    }
    return static_cast<std::size_t>(p - out - 1);
  }
  const char* s = nullptr;
  if (family_ == Family::V6) s = inet_ntop(AF_INET6, bytes_.data(), out, kMaxText);
  if (s == nullptr) {
    out[0] = '\0';
    return 0;
  }
  return std::strlen(out);
}

}  // namespace limen
