#pragma once
// Transport-layer decoding: TCP (RFC 9293), UDP (RFC 768), ICMP (RFC 792) and ICMPv6 (RFC 4443).
// Pure: fills ports, flags, type/code and payload of a DecodedPacket. The bytes given are the
// rest of a complete IP datagram, so a header that does not fit them is Malformed. Other
// protocols (and ESP, No Next Header) keep zero fields; their payload is all the bytes.
// ICMP errors quoting an inner IP header are not decoded further.

#include <cstdint>
#include <span>

#include "dissectors/packet/decoded_packet.h"

namespace limen::decode {

// Ok or Malformed.
DecodeStatus decode_transport(std::uint8_t proto, std::span<const std::uint8_t> l4,
                              DecodedPacket& out);

}  // namespace limen::decode
