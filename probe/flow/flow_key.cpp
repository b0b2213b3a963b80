#include "probe/flow/flow_key.h"

#include <xxhash.h>

#include <cstddef>
#include <span>

namespace limen::flow {
namespace {

constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kSctp = 132;

bool endpoint_less(const IpAddress& a, std::uint16_t a_port, const IpAddress& b,
                   std::uint16_t b_port) {
  if (a != b) return a < b;
  return a_port < b_port;
}

void put_u64(std::span<std::uint8_t> out, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (56 - 8 * i));
}

}  // namespace

bool has_ports(std::uint8_t ip_proto) {
  return ip_proto == kTcp || ip_proto == kUdp || ip_proto == kSctp;
}

NormalisedKey normalise(const decode::DecodedPacket& p) {
  NormalisedKey out;
  const bool ports = has_ports(p.ip_proto);
  const std::uint16_t sport = ports ? p.src_port : 0;
  const std::uint16_t dport = ports ? p.dst_port : 0;
  out.src_is_lo = !endpoint_less(p.dst, dport, p.src, sport);
  FlowKey& k = out.key;
  if (out.src_is_lo) {
    k.lo_ip = p.src;
    k.lo_port = sport;
    k.hi_ip = p.dst;
    k.hi_port = dport;
  } else {
    k.lo_ip = p.dst;
    k.lo_port = dport;
    k.hi_ip = p.src;
    k.hi_port = sport;
  }
  k.ip_proto = p.ip_proto;
  k.vlan = p.vlan_count > 0 ? p.vlan[0] : std::uint16_t{0};
  return out;
}

std::array<std::uint8_t, kKeyBytes> key_bytes(const FlowKey& key) {
  std::array<std::uint8_t, kKeyBytes> out{};
  std::size_t n = 0;
  out[n++] = static_cast<std::uint8_t>(key.lo_ip.family());
  const auto lo = key.lo_ip.bytes();
  for (std::size_t i = 0; i < lo.size(); ++i) out[n + i] = lo[i];
  n += 16;
  const auto hi = key.hi_ip.bytes();
  for (std::size_t i = 0; i < hi.size(); ++i) out[n + i] = hi[i];
  n += 16;
  for (std::uint16_t v : {key.lo_port, key.hi_port}) {
    out[n++] = static_cast<std::uint8_t>(v >> 8);
    out[n++] = static_cast<std::uint8_t>(v & 0xFF);
  }
  out[n++] = key.ip_proto;
  out[n++] = static_cast<std::uint8_t>(key.vlan >> 8);
  out[n++] = static_cast<std::uint8_t>(key.vlan & 0xFF);
  return out;
}

std::uint64_t key_hash(const FlowKey& key, std::uint64_t seed) {
  const auto bytes = key_bytes(key);
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

std::uint64_t make_flow_id(const FlowKey& key, Timestamp first_seen, std::uint64_t serial) {
  std::array<std::uint8_t, kKeyBytes + 16> in{};
  const auto kb = key_bytes(key);
  for (std::size_t i = 0; i < kb.size(); ++i) in[i] = kb[i];
  put_u64(std::span(in).subspan(kKeyBytes, 8), static_cast<std::uint64_t>(first_seen.usec));
  put_u64(std::span(in).subspan(kKeyBytes + 8, 8), serial);
  constexpr std::uint64_t kIdMask = (std::uint64_t{1} << 53) - 1;
  const std::uint64_t id = XXH3_64bits(in.data(), in.size()) & kIdMask;
  return id == 0 ? 1 : id;
}

}  // namespace limen::flow
