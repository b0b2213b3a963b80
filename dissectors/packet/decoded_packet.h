#pragma once
// DecodedPacket, DecodeStatus and DecodeCounters: what the packet decoder hands to the rest of the
// probe. A DecodedPacket is a value type whose spans view either the captured frame or the
// decoder's reassembly buffer; it is valid until the next PacketDecoder::decode() call. Fields of
// layers that are absent keep their zero defaults. Only an Ok result is complete: after any other
// status the fields decoded so far are left in place, for diagnostics only.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/ip_address.h"

namespace limen::decode {

// IANA protocol numbers the decoder interprets (RFC 791, RFC 8200 section 4, IANA registry).
inline constexpr std::uint8_t kProtoHopByHop = 0;
inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIpv6Routing = 43;
inline constexpr std::uint8_t kProtoIpv6Fragment = 44;
inline constexpr std::uint8_t kProtoEsp = 50;
inline constexpr std::uint8_t kProtoAh = 51;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;
inline constexpr std::uint8_t kProtoIpv6NoNext = 59;
inline constexpr std::uint8_t kProtoIpv6DestOpts = 60;

struct DecodedPacket {
  std::array<std::uint16_t, 2> vlan{};  // VLAN ids, outer first (QinQ); deeper tags not kept
  std::uint8_t vlan_count = 0;          // entries of `vlan` in use (0..2)
  IpAddress src, dst;
  std::uint8_t ip_proto = 0;  // transport protocol after IPv6 extension headers (6, 17, 1, 58..)
  std::uint8_t ttl = 0;       // TTL / hop limit
  bool reassembled = false;   // built from IP fragments
  std::span<const std::uint8_t> ip;  // whole IP datagram (header + payload, trimmed to IP length)
  std::uint16_t src_port = 0, dst_port = 0;  // TCP/UDP
  std::uint8_t tcp_flags = 0;                // CWR ECE URG ACK PSH RST SYN FIN (bit 7..0)
  std::uint32_t tcp_seq = 0, tcp_ack = 0;
  std::uint16_t tcp_window = 0;
  std::uint8_t icmp_type = 0, icmp_code = 0;  // ICMP and ICMPv6
  // L4 payload: TCP data after options, UDP data trimmed to the UDP length, the ICMP/ICMPv6 body
  // after the 4-byte type/code/checksum, or everything after the IP headers for other protocols.
  std::span<const std::uint8_t> payload;
  // Frames that carry no IP (NotIp) but an Ethertype, for the Ethernet-level protocols (IEC 61850
  // GOOSE 0x88B8, Sampled Values 0x88BA): the type after VLAN tags, and the bytes after it.
  std::uint16_t ether_type = 0;
  std::span<const std::uint8_t> l2_payload;
  std::array<std::uint8_t, 6> src_mac{};  // Ethernet only
  std::array<std::uint8_t, 6> dst_mac{};
};

enum class DecodeStatus : std::uint8_t {
  Ok,            // out is filled: an IP packet (ports/flags for TCP/UDP/ICMP; others keep 0)
  NotIp,         // valid frame that carries no IP (ARP, LLDP, STP...), or an unknown link type
  FragmentHeld,  // an IP fragment was consumed (stored, or dropped by a reassembly limit and
                 // counted as frag_overflow); no packet until the datagram completes
  Truncated,     // a header claims more bytes than captured
  Malformed,     // impossible field values (bad version, IHL < 5, bad ext-header chain ...)
};

// "ok", "not_ip", "fragment_held", "truncated", "malformed".
std::string_view decode_status_name(DecodeStatus status);

// Per-decoder totals; each worker owns its decoder, so plain integers suffice and the owner sums
// them off the hot path. Datagram counters (ipv4 .. other_ip) count packets decoded Ok, a
// reassembled datagram once.
struct DecodeCounters {
  std::uint64_t packets = 0;          // frames given to decode()
  std::uint64_t ipv4 = 0;             // IPv4 datagrams decoded Ok
  std::uint64_t ipv6 = 0;             // IPv6 datagrams decoded Ok
  std::uint64_t tcp = 0;
  std::uint64_t udp = 0;
  std::uint64_t icmp = 0;
  std::uint64_t icmpv6 = 0;
  std::uint64_t other_ip = 0;         // IP datagrams of any other protocol (GRE, ESP, SCTP ...)
  std::uint64_t not_ip = 0;           // frames without IP
  std::uint64_t unknown_link = 0;     // frames of a link type the decoder does not know (in not_ip)
  std::uint64_t vlan = 0;             // frames carrying at least one VLAN tag
  std::uint64_t truncated = 0;
  std::uint64_t malformed = 0;
  std::uint64_t fragments = 0;        // IP fragments seen (IPv4 and IPv6)
  std::uint64_t reassembled = 0;      // datagrams completed from fragments
  std::uint64_t frag_timeouts = 0;    // incomplete datagrams dropped by the timeout
  std::uint64_t frag_overflow = 0;    // fragments dropped because a reassembly limit was reached
  std::uint64_t frag_overlaps = 0;    // fragments overlapping held data with different bytes
  std::uint64_t frag_duplicates = 0;  // fragments overlapping held data with identical bytes
  std::uint64_t frag_malformed = 0;   // fragments inconsistent with their train (in malformed)

  // f(std::string_view name, std::uint64_t value) for every counter, in declaration order.
  template <class F>
  void for_each(F&& f) const {
    visit(*this, f);
  }
  // The same, with each counter by reference (const or not, as `c` is): a sum over workers
  // adds them field by field.
  template <class Self, class F>
  static void visit(Self& c, F&& f) {
    f(std::string_view("packets"), c.packets);
    f(std::string_view("ipv4"), c.ipv4);
    f(std::string_view("ipv6"), c.ipv6);
    f(std::string_view("tcp"), c.tcp);
    f(std::string_view("udp"), c.udp);
    f(std::string_view("icmp"), c.icmp);
    f(std::string_view("icmpv6"), c.icmpv6);
    f(std::string_view("other_ip"), c.other_ip);
    f(std::string_view("not_ip"), c.not_ip);
    f(std::string_view("unknown_link"), c.unknown_link);
    f(std::string_view("vlan"), c.vlan);
    f(std::string_view("truncated"), c.truncated);
    f(std::string_view("malformed"), c.malformed);
    f(std::string_view("fragments"), c.fragments);
    f(std::string_view("reassembled"), c.reassembled);
    f(std::string_view("frag_timeouts"), c.frag_timeouts);
    f(std::string_view("frag_overflow"), c.frag_overflow);
    f(std::string_view("frag_overlaps"), c.frag_overlaps);
    f(std::string_view("frag_duplicates"), c.frag_duplicates);
    f(std::string_view("frag_malformed"), c.frag_malformed);
  }
};

}  // namespace limen::decode
