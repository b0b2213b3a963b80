#pragma once
// Frame building: hosts, the Internet checksum, and a per-direction header template holding the
// Ethernet and IPv4 fields that never change within a flow, so a packet costs one 34-byte copy,
// its variable fields and a checksum over its transport bytes.
//
// Frames are padded to the 60-byte Ethernet minimum, as a capture on a switch port shows them;
// the IPv4 total length says where the datagram ends, so the padding is a trailer, not payload.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace limen::bench {

struct Host {
  std::uint32_t ip = 0;  // host order: 10.1.2.3 is 0x0A010203
  std::array<std::uint8_t, 6> mac{};
  std::uint8_t ttl = 64;
};

constexpr std::uint32_t ipv4(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}
// A host on the capture's own network has a MAC derived from its address; a remote one is seen
// behind the site's router, with the router's MAC and a TTL already decremented on the way.
Host local_host(std::uint32_t ip, std::uint8_t ttl = 64);
Host remote_host(std::uint32_t ip, std::uint8_t ttl = 52);

// One's-complement sum of big-endian 16-bit words (odd tail padded), not yet folded.
std::uint64_t checksum_add(std::uint64_t sum, std::span<const std::uint8_t> bytes);
std::uint16_t checksum_fold(std::uint64_t sum);

namespace tcp_flag {
inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kPsh = 0x08;
inline constexpr std::uint8_t kAck = 0x10;
}  // namespace tcp_flag

inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;

// The headers of one direction of one flow. Each frame gets the next IP identification.
class FlowHeader {
 public:
  FlowHeader() = default;
  FlowHeader(const Host& src, std::uint16_t sport, const Host& dst, std::uint16_t dport,
             std::uint8_t proto, std::uint16_t first_ip_id);

  // Replaces `out` with a whole TCP frame. options must be a multiple of 4 bytes.
  void tcp(std::vector<std::uint8_t>& out, std::uint32_t seq, std::uint32_t ack, std::uint8_t flags,
           std::uint16_t window, std::span<const std::uint8_t> options,
           std::span<const std::uint8_t> payload);
  // Replaces `out` with a whole UDP frame.
  void udp(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> payload);

 private:
  // Writes Ethernet + IPv4 for a transport part of l4_len bytes; returns its start offset.
  std::size_t start(std::vector<std::uint8_t>& out, std::size_t l4_len);
  static void finish(std::vector<std::uint8_t>& out);
  std::array<std::uint8_t, 34> eth_ip_{};
  std::uint64_t pseudo_sum_ = 0;  // addresses and protocol; the length is added per packet
  std::uint16_t sport_ = 0;
  std::uint16_t dport_ = 0;
  std::uint16_t ip_id_ = 0;
};

}  // namespace limen::bench
