#include "probe/flow/community_id.h"

#include <gcrypt.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <optional>
#include <span>
#include <utility>

namespace limen::flow {
namespace {

constexpr std::uint8_t kIcmp = 1;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kIcmpv6 = 58;
constexpr std::uint8_t kSctp = 132;

// Request/response pairs whose two halves belong to one flow, as in Zeek's ICMP4_counterpart /
// ICMP6_counterpart and pycommunityid's icmp.py / icmp6.py. Any other type is one-way and its
// code stands in for the destination port.
std::optional<std::uint8_t> icmp_counterpart(std::uint8_t type) {
  switch (type) {
    case 8: return 0;     // echo -> echo reply
    case 0: return 8;
    case 13: return 14;   // timestamp
    case 14: return 13;
    case 15: return 16;   // information request
    case 16: return 15;
    case 10: return 9;    // router solicitation -> advertisement
    case 9: return 10;
    case 17: return 18;   // address mask
    case 18: return 17;
    default: return std::nullopt;
  }
}

std::optional<std::uint8_t> icmpv6_counterpart(std::uint8_t type) {
  switch (type) {
    case 128: return 129;  // echo request -> reply
    case 129: return 128;
    case 130: return 131;  // multicast listener query -> report
    case 131: return 130;
    case 133: return 134;  // router solicitation -> advertisement
    case 134: return 133;
    case 135: return 136;  // neighbour solicitation -> advertisement
    case 136: return 135;
    case 139: return 140;  // node information ("who are you") query -> response
    case 140: return 139;
    case 144: return 145;  // home agent address discovery request -> reply
    case 145: return 144;
    default: return std::nullopt;
  }
}

bool endpoint_less(std::span<const std::uint8_t> a, std::uint16_t a_port,
                   std::span<const std::uint8_t> b, std::uint16_t b_port) {
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return a[i] < b[i];
  }
  return a_port < b_port;
}

// The spec's hash input; returns its length, 0 when the ID cannot be computed.
std::size_t hash_input(const IpAddress& src, const IpAddress& dst, std::uint16_t src_port,
                       std::uint16_t dst_port, std::uint8_t ip_proto, std::uint16_t seed,
                       std::array<std::uint8_t, 40>& input) {
  if (!src.valid() || src.family() != dst.family()) return 0;
  const bool has_ports = ip_proto == kTcp || ip_proto == kUdp || ip_proto == kSctp ||
                         ip_proto == kIcmp || ip_proto == kIcmpv6;
  bool one_way = false;
  if (ip_proto == kIcmp || ip_proto == kIcmpv6) {
    const auto type = static_cast<std::uint8_t>(src_port);
    const auto peer = ip_proto == kIcmp ? icmp_counterpart(type) : icmpv6_counterpart(type);
    src_port = type;
    if (peer) {
      dst_port = *peer;
    } else {
      one_way = true;  // dst_port already holds the code
    }
  }
  if (!has_ports) src_port = dst_port = 0;

  auto lo = src.bytes();
  auto hi = dst.bytes();
  std::uint16_t lo_port = src_port;
  std::uint16_t hi_port = dst_port;
  if (!one_way && !endpoint_less(lo, lo_port, hi, hi_port)) {
    std::swap(lo, hi);
    std::swap(lo_port, hi_port);
  }

  // seed(2) . saddr . daddr . proto(1) . pad(1) [. sport(2) . dport(2)], network byte order.
  std::size_t n = 0;
  auto put16 = [&](std::uint16_t v) {
    input[n++] = static_cast<std::uint8_t>(v >> 8);
    input[n++] = static_cast<std::uint8_t>(v & 0xFF);
  };
  put16(seed);
  for (auto b : lo) input[n++] = b;
  for (auto b : hi) input[n++] = b;
  input[n++] = ip_proto;
  input[n++] = 0;
  if (has_ports) {
    put16(lo_port);
    put16(hi_port);
  }

  return n;
}

constexpr std::size_t kDigest = 20;  // SHA-1

// "1:" + base64 (RFC 4648, padded) of the SHA-1 digest into out; returns kLength.
std::size_t encode(const std::array<unsigned char, kDigest>& digest, char* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out[0] = '1';
  out[1] = ':';
  char* p = out + 2;
  for (std::size_t i = 0; i < kDigest; i += 3) {  // 6 whole groups, then 2 bytes and one '='
    const std::uint32_t v = std::uint32_t{digest[i]} << 16 |
                            (i + 1 < kDigest ? std::uint32_t{digest[i + 1]} << 8 : 0) |
                            (i + 2 < kDigest ? std::uint32_t{digest[i + 2]} : 0);
    *p++ = kAlphabet[v >> 18 & 63];
    *p++ = kAlphabet[v >> 12 & 63];
    *p++ = i + 1 < kDigest ? kAlphabet[v >> 6 & 63] : '=';
    *p++ = i + 2 < kDigest ? kAlphabet[v & 63] : '=';
  }
  return CommunityIdHasher::kLength;
}

// libgcrypt (which nDPI already loads) rather than OpenSSL: its one-shot SHA-1 takes no lock
// and keeps no state, and leaving libcrypto out saves every start of the probe about 5 ms of
// loading and provider set-up. gcry_check_version must run before any other call, once.
bool sha1(std::span<const std::uint8_t> input, std::array<unsigned char, kDigest>& digest) {
  static const bool ready = gcry_check_version(nullptr) != nullptr;
  if (!ready) return false;
  gcry_md_hash_buffer(GCRY_MD_SHA1, digest.data(), input.data(), input.size());
  return true;
}

}  // namespace

std::string community_id_v1(const IpAddress& src, const IpAddress& dst, std::uint16_t src_port,
                            std::uint16_t dst_port, std::uint8_t ip_proto, std::uint16_t seed) {
  char text[CommunityIdHasher::kLength];
  CommunityIdHasher hasher;
  const std::size_t len = hasher.compute(src, dst, src_port, dst_port, ip_proto, text, seed);
  return std::string(text, len);
}

std::size_t CommunityIdHasher::compute(const IpAddress& src, const IpAddress& dst,
                                       std::uint16_t src_port, std::uint16_t dst_port,
                                       std::uint8_t ip_proto, char* out, std::uint16_t seed) {
  std::array<std::uint8_t, 40> input{};
  const std::size_t n = hash_input(src, dst, src_port, dst_port, ip_proto, seed, input);
  if (n == 0) return 0;
  std::array<unsigned char, kDigest> digest{};
  if (!sha1(std::span(input).first(n), digest)) return 0;
  return encode(digest, out);
}

}  // namespace limen::flow
