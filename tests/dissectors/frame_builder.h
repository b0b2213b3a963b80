#pragma once
// Test helpers that build frames byte by byte: link headers, IPv4/IPv6 (with extension headers),
// TCP/UDP/ICMP. Lengths are filled in (tests overwrite them to be hostile); checksums stay zero
// since the decoder does not verify them.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <utility>
#include <vector>

namespace limen::decode::test {

using Bytes = std::vector<std::uint8_t>;

inline void put16(Bytes& b, std::uint32_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
inline void put32(Bytes& b, std::uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}
inline void set16(Bytes& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}
inline Bytes cat(std::initializer_list<std::span<const std::uint8_t>> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
inline Bytes filled(std::size_t n, std::uint8_t start = 0) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(start + i);
  return b;
}

struct Ipv4Opts {
  std::uint8_t proto = 6;
  std::uint8_t ttl = 64;
  std::uint16_t id = 0x1234;
  std::uint16_t flags_offset = 0;  // raw field: 0x2000 = MF, low 13 bits = offset / 8
  Bytes options{};                 // padded by the caller to a multiple of 4
  std::array<std::uint8_t, 4> src{10, 0, 0, 1};
  std::array<std::uint8_t, 4> dst{10, 0, 0, 2};
};

inline Bytes ipv4(const Ipv4Opts& o, std::span<const std::uint8_t> payload) {
  Bytes b;
  const std::size_t hl = 20 + o.options.size();
  b.push_back(static_cast<std::uint8_t>(0x40 | (hl / 4)));
  b.push_back(0);
  put16(b, static_cast<std::uint32_t>(hl + payload.size()));
  put16(b, o.id);
  put16(b, o.flags_offset);
  b.push_back(o.ttl);
  b.push_back(o.proto);
  put16(b, 0);
  b.insert(b.end(), o.src.begin(), o.src.end());
  b.insert(b.end(), o.dst.begin(), o.dst.end());
  b.insert(b.end(), o.options.begin(), o.options.end());
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

inline std::array<std::uint8_t, 16> v6addr(std::uint8_t last) {
  return {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last};
}

// `rest` is everything after the fixed header (extension headers + upper layer).
inline Bytes ipv6(std::uint8_t next, std::span<const std::uint8_t> rest, std::uint8_t hop = 55,
                  std::uint8_t src_last = 1, std::uint8_t dst_last = 2) {
  Bytes b{0x60, 0, 0, 0};
  put16(b, static_cast<std::uint32_t>(rest.size()));
  b.push_back(next);
  b.push_back(hop);
  const auto s = v6addr(src_last);
  const auto d = v6addr(dst_last);
  b.insert(b.end(), s.begin(), s.end());
  b.insert(b.end(), d.begin(), d.end());
  b.insert(b.end(), rest.begin(), rest.end());
  return b;
}

// A generic extension header (hop-by-hop, routing, destination options) of (units + 1) * 8 bytes.
inline Bytes ext_header(std::uint8_t next, std::uint8_t units) {
  Bytes b(std::size_t{units + 1U} * 8, 0);
  b[0] = next;
  b[1] = units;
  return b;
}
inline Bytes fragment_header(std::uint8_t next, std::uint32_t offset_bytes, bool more,
                             std::uint32_t id) {
  Bytes b{next, 0};
  put16(b, (offset_bytes & 0xFFF8U) | (more ? 1U : 0U));
  put32(b, id);
  return b;
}

inline Bytes tcp(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint32_t ack,
                 std::uint8_t flags, std::uint16_t window, std::span<const std::uint8_t> payload,
                 std::size_t option_words = 0) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, seq);
  put32(b, ack);
  b.push_back(static_cast<std::uint8_t>((5 + option_words) << 4));
  b.push_back(flags);
  put16(b, window);
  put32(b, 0);
  for (std::size_t i = 0; i < option_words; ++i) put32(b, 0x01010101);  // NOPs
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}
inline Bytes udp(std::uint16_t sport, std::uint16_t dport, std::span<const std::uint8_t> payload) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<std::uint32_t>(8 + payload.size()));
  put16(b, 0);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}
inline Bytes icmp(std::uint8_t type, std::uint8_t code, std::span<const std::uint8_t> body) {
  Bytes b{type, code, 0, 0};
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

// Ethernet II with optional tags: each tag is (TPID, VLAN id).
inline Bytes ethernet(std::uint16_t type, std::span<const std::uint8_t> payload,
                      std::initializer_list<std::pair<std::uint16_t, std::uint16_t>> tags = {}) {
  Bytes b{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  for (auto [tpid, vid] : tags) {
    put16(b, tpid);
    put16(b, 0x2000U | vid);  // priority 1, to check the id is masked out of the TCI
  }
  put16(b, type);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}
inline Bytes sll(std::uint16_t protocol, std::span<const std::uint8_t> payload,
                 std::uint16_t hatype = 1) {
  Bytes b{0, 0};
  put16(b, hatype);
  put16(b, 6);
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(i));
  put16(b, protocol);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}
inline Bytes sll2(std::uint16_t protocol, std::span<const std::uint8_t> payload,
                  std::uint16_t hatype = 1) {
  Bytes b;
  put16(b, protocol);
  put16(b, 0);
  put32(b, 3);  // interface index
  put16(b, hatype);
  b.push_back(0);  // packet type
  b.push_back(6);  // address length
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(i));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}
inline Bytes bsd_null(std::uint32_t family, bool little_endian,
                      std::span<const std::uint8_t> payload) {
  Bytes b;
  if (little_endian) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(family >> (8 * i)));
  } else {
    put32(b, family);
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

}  // namespace limen::decode::test
