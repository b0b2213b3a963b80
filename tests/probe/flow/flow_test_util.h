#pragma once
// Packet builders for the flow tests: DecodedPacket values as the decoder would produce them,
// without bytes behind them (the flow table reads header fields only).

#include <cstdint>
#include <string_view>

#include "common/ip_address.h"
#include "common/timestamp.h"
#include "dissectors/packet/decoded_packet.h"
#include "probe/flow/tcp_state.h"

namespace limen::flow::test {

inline IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

inline decode::DecodedPacket packet(std::string_view src, std::uint16_t sport,
                                    std::string_view dst, std::uint16_t dport,
                                    std::uint8_t proto) {
  decode::DecodedPacket p;
  p.src = ip(src);
  p.dst = ip(dst);
  p.src_port = sport;
  p.dst_port = dport;
  p.ip_proto = proto;
  p.ttl = 64;
  return p;
}

inline decode::DecodedPacket tcp(std::string_view src, std::uint16_t sport, std::string_view dst,
                                 std::uint16_t dport, std::uint8_t flags) {
  auto p = packet(src, sport, dst, dport, decode::kProtoTcp);
  p.tcp_flags = flags;
  return p;
}

inline decode::DecodedPacket udp(std::string_view src, std::uint16_t sport, std::string_view dst,
                                 std::uint16_t dport) {
  return packet(src, sport, dst, dport, decode::kProtoUdp);
}

inline decode::DecodedPacket icmp(std::string_view src, std::string_view dst, std::uint8_t type) {
  auto p = packet(src, 0, dst, 0, decode::kProtoIcmp);
  p.icmp_type = type;
  return p;
}

inline Timestamp sec(std::int64_t s) { return Timestamp::from_seconds(s); }

inline constexpr std::uint8_t kSyn = kTcpSyn;
inline constexpr std::uint8_t kSynAck = kTcpSyn | kTcpAck;
inline constexpr std::uint8_t kAck = kTcpAck;
inline constexpr std::uint8_t kFinAck = kTcpFin | kTcpAck;
inline constexpr std::uint8_t kRst = kTcpRst;
inline constexpr std::uint8_t kPshAck = 0x08 | kTcpAck;

}  // namespace limen::flow::test
