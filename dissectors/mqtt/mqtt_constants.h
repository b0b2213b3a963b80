#pragma once
// MQTT codes and their names: control packet types, the fixed-header flags each type requires,
// the size bounds the dissector enforces, and the mapping from a packet to the cross-protocol
// Operation.
//
// Specification: "MQTT Version 3.1.1" (OASIS Standard, 2014), section 2.2 (fixed header,
// packet types and flags), 2.2.3 (remaining length), 3.1-3.14 (control packets); "MQTT Version
// 5.0" (OASIS Standard, 2019), sections 1.5.5 (variable byte integer), 2.2.2 (properties), 3.15
// (AUTH). Names of codes the table does not know are "unknown": callers keep the numeric code.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dissectors/core/operation.h"
#include "dissectors/core/transaction.h"

namespace limen::dissect::mqtt {

inline constexpr std::uint16_t kPort = 1883;  // 8883 is MQTT over TLS: not dissected
// Messages larger than this are skipped with an anomaly rather than waited for: the reassembler
// holds at most one partial message of this size per direction.
inline constexpr std::size_t kMaxPacket = 256 * 1024;
inline constexpr std::size_t kMaxVbiBytes = 4;  // variable byte integer: at most 4 bytes

inline constexpr std::uint8_t kLevel31 = 3;   // MQTT 3.1 ("MQIsdp")
inline constexpr std::uint8_t kLevel311 = 4;  // MQTT 3.1.1
inline constexpr std::uint8_t kLevel5 = 5;    // MQTT 5.0: properties after most headers

enum class PacketType : std::uint8_t {
  Reserved = 0,
  Connect = 1,
  Connack = 2,
  Publish = 3,
  Puback = 4,
  Pubrec = 5,
  Pubrel = 6,
  Pubcomp = 7,
  Subscribe = 8,
  Suback = 9,
  Unsubscribe = 10,
  Unsuback = 11,
  Pingreq = 12,
  Pingresp = 13,
  Disconnect = 14,
  Auth = 15,
};

inline constexpr std::array<std::string_view, 16> kPacketNames{
    "unknown",     "connect",  "connack", "publish",  "puback",     "pubrec",
    "pubrel",      "pubcomp",  "subscribe", "suback", "unsubscribe", "unsuback",
    "pingreq",     "pingresp", "disconnect", "auth"};

constexpr std::string_view packet_name(std::uint8_t type) {
  return type < kPacketNames.size() ? kPacketNames[type] : kPacketNames[0];
}

// Fixed-header flag bits every type but PUBLISH must carry (3.1.1 table 2.2; 5.0 table 2-3):
// 0b0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE, 0 otherwise. Anything else is not MQTT.
constexpr bool flags_valid(PacketType type, std::uint8_t flags) {
  switch (type) {
    case PacketType::Reserved: return false;
    case PacketType::Publish: return true;  // checked by the decoder (QoS 3 is malformed)
    case PacketType::Pubrel:
    case PacketType::Subscribe:
    case PacketType::Unsubscribe: return flags == 0x2;
    default: return flags == 0;
  }
}

// The operation a packet stands for. CONNECT presenting a user name is authentication (the
// credentials are checked, a password may travel), else session setup. PUBLISH from the client
// writes a value to the broker; from the broker it delivers data the client subscribed to, on
// the publisher's initiative: a report. SUBSCRIBE is a standing read of the topics. PUBREL and
// PUBCOMP (QoS 2 bookkeeping), CONNACK, UNSUBSCRIBE and DISCONNECT manage the session.
constexpr Operation operation_of(PacketType type, Direction dir, bool username) {
  switch (type) {
    case PacketType::Connect: return username ? Operation::Auth : Operation::Session;
    case PacketType::Publish:
    case PacketType::Puback:
    case PacketType::Pubrec:
      // An acknowledgement travels opposite to the publish it acknowledges.
      if (type != PacketType::Publish)
        dir = dir == Direction::ToServer ? Direction::ToClient : Direction::ToServer;
      return dir == Direction::ToServer ? Operation::Write : Operation::Report;
    case PacketType::Subscribe:
    case PacketType::Suback: return Operation::Read;
    case PacketType::Pingreq:
    case PacketType::Pingresp: return Operation::Diagnostic;
    case PacketType::Auth: return Operation::Auth;
    case PacketType::Connack:
    case PacketType::Pubrel:
    case PacketType::Pubcomp:
    case PacketType::Unsubscribe:
    case PacketType::Unsuback:
    case PacketType::Disconnect: return Operation::Session;
    case PacketType::Reserved: break;
  }
  return Operation::Unknown;
}

}  // namespace limen::dissect::mqtt
