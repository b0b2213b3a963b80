#pragma once
// Link-layer decoding: from a captured frame to the network-layer bytes it carries. Pure
// functions, no state, no allocation. VLAN tags met on the way are recorded in the packet.

#include <cstdint>
#include <span>

#include "dissectors/packet/decoded_packet.h"
#include "dissectors/packet/link_type.h"

namespace limen::decode {

// Ethertypes (IEEE 802 numbers) the link layer acts on.
inline constexpr std::uint16_t kEtherIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherIpv6 = 0x86DD;
inline constexpr std::uint16_t kEtherVlan = 0x8100;     // 802.1Q C-tag
inline constexpr std::uint16_t kEtherQinQ = 0x88A8;     // 802.1ad S-tag
inline constexpr std::uint16_t kEtherQinQOld = 0x9100;  // pre-standard QinQ
inline constexpr std::uint16_t kEtherQinQOld2 = 0x9200;
// Tags accepted in one frame; a deeper stack is Malformed (nobody stacks more than a few).
inline constexpr std::size_t kMaxVlanTags = 4;

enum class NetLayer : std::uint8_t { Ipv4, Ipv6, ByVersion };

struct LinkResult {
  DecodeStatus status = DecodeStatus::Ok;  // Ok, NotIp, Truncated or Malformed
  NetLayer net = NetLayer::ByVersion;
  std::span<const std::uint8_t> l3;  // network-layer bytes when status is Ok
  bool unknown_link = false;         // NotIp because the link type itself is unknown
};

LinkResult decode_link(LinkType link, std::span<const std::uint8_t> frame, DecodedPacket& out);

}  // namespace limen::decode
