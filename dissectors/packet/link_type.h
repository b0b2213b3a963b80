#pragma once
// LinkType: the capture link-layer header types the packet decoder understands. The numbers are
// the LINKTYPE_* values of https://www.tcpdump.org/linktypes.html, so a pcap header's network
// field converts directly (values outside this list decode as NotIp and are counted).

#include <cstdint>
#include <string_view>

namespace limen::decode {

enum class LinkType : std::uint16_t {
  Null = 0,         // BSD loopback: 4-byte address family in the capturing host's byte order
  Ethernet = 1,     // Ethernet II / 802.3, with 802.1Q and QinQ tags
  Raw = 101,        // raw IP; the version nibble says 4 or 6
  Loop = 108,       // OpenBSD loopback: 4-byte address family in network byte order
  LinuxSll = 113,   // Linux "cooked" capture v1, 16-byte header
  RawIpv4 = 228,    // raw IPv4
  RawIpv6 = 229,    // raw IPv6
  LinuxSll2 = 276,  // Linux "cooked" capture v2, 20-byte header
};

// "ethernet", "linux_sll", ...; "unknown" for values outside the enum.
std::string_view link_type_name(LinkType link);

}  // namespace limen::decode
