#pragma once
// FlowKey: the bidirectional identity of a flow, normalised so that both directions of a
// conversation give the same key: (address, port) of the lower endpoint first, then the higher
// one, the IP protocol and the outer VLAN id.
//
// Ports are kept for TCP, UDP and SCTP only; every other protocol (ICMP included) keys on the
// address pair, so an ICMP echo exchange and the errors between the same hosts share one flow.
// The key is hashed from an explicit byte layout (never the struct's memory, which has padding).

#include <array>
#include <cstdint>

#include "common/ip_address.h"
#include "common/timestamp.h"
#include "dissectors/packet/decoded_packet.h"

namespace limen::flow {

struct FlowKey {
  IpAddress lo_ip, hi_ip;
  std::uint16_t lo_port = 0, hi_port = 0;
  std::uint8_t ip_proto = 0;
  std::uint16_t vlan = 0;  // outer VLAN id, 0 when untagged

  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

struct NormalisedKey {
  FlowKey key;
  bool src_is_lo = true;  // the packet's source is the key's lower endpoint
};

// True for the protocols whose ports are part of the key (TCP, UDP, SCTP).
[[nodiscard]] bool has_ports(std::uint8_t ip_proto);

[[nodiscard]] NormalisedKey normalise(const decode::DecodedPacket& p);

// The key's bytes in a fixed layout: family, lo address (16), hi address (16), lo port, hi port,
// protocol, VLAN id; unused address bytes are zero.
inline constexpr std::size_t kKeyBytes = 1 + 16 + 16 + 2 + 2 + 1 + 2;
[[nodiscard]] std::array<std::uint8_t, kKeyBytes> key_bytes(const FlowKey& key);

// XXH3 of key_bytes() with a seed; the table seeds it at random against hash flooding.
[[nodiscard]] std::uint64_t key_hash(const FlowKey& key, std::uint64_t seed);

// The flow_id of events: deterministic for a replay (fixed seed), never 0, below 2^53 so that
// JSON readers holding numbers as doubles keep it exact. `serial` tells apart two flows of one
// key starting in the same microsecond (port reuse, restart).
[[nodiscard]] std::uint64_t make_flow_id(const FlowKey& key, Timestamp first_seen,
                                         std::uint64_t serial);

}  // namespace limen::flow
