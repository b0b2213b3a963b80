#pragma once
// Network-layer decoding: IPv4 (RFC 791) and IPv6 with its extension-header chain (RFC 8200).
// Pure functions: they fill the IP fields of a DecodedPacket and either point at the transport
// bytes or describe a fragment for the reassembler. No state, no allocation.
//
// Length policy: a length field larger than the captured bytes is Truncated (the capture cut
// it); a length that contradicts the datagram's own structure is Malformed. Link-layer padding
// after the IP total length is trimmed away.

#include <cstddef>
#include <cstdint>
#include <span>

#include "dissectors/ip/fragment_reassembler.h"
#include "dissectors/packet/decoded_packet.h"

namespace limen::decode {

// Extension headers followed in one IPv6 chain; a longer chain is Malformed.
inline constexpr std::size_t kMaxIpv6ExtHeaders = 8;

struct IpResult {
  DecodeStatus status = DecodeStatus::Ok;  // Ok, Truncated or Malformed
  bool is_fragment = false;                // the caller's Fragment is filled; `l4` is empty
  std::span<const std::uint8_t> l4;        // the transport header onward (ip_proto names it)
};

// `allow_fragment` is false when re-decoding a reassembled datagram: a fragment inside one is
// Malformed, so reassembly can never recurse. `fragment` is written only for a fragment (it is
// 100 bytes, and clearing it for every packet showed in profiles).
IpResult decode_ipv4(std::span<const std::uint8_t> l3, DecodedPacket& out, bool allow_fragment,
                     Fragment& fragment);
IpResult decode_ipv6(std::span<const std::uint8_t> l3, DecodedPacket& out, bool allow_fragment,
                     Fragment& fragment);

}  // namespace limen::decode
