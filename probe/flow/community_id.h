#pragma once
// Community ID v1 (https://github.com/corelight/community-id-spec): a direction-free flow hash
// that Zeek, Suricata, Wireshark and others compute identically, so an analyst can pivot from a
// Limen event to another tool's log by one string.
//
// Invariants: the result does not depend on which endpoint is passed as src (except for one-way
// ICMP messages, which the spec keeps in packet order); it is "1:" + base64(SHA-1), 30 characters.
// Not on the per-packet path: computed once per flow (the event writer caches it).

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/ip_address.h"

namespace limen::flow {

// For ICMP (1) and ICMPv6 (58) pass the ICMP type as src_port and the code as dst_port: the spec's
// type -> "counter-type" mapping is applied here. For protocols other than TCP, UDP, SCTP and the
// ICMPs the ports are ignored. Returns an empty string when the addresses are unset or of
// different families (the spec's "cannot compute" value).
[[nodiscard]] std::string community_id_v1(const IpAddress& src, const IpAddress& dst,
                                          std::uint16_t src_port, std::uint16_t dst_port,
                                          std::uint8_t ip_proto, std::uint16_t seed = 0);

// The same hash without allocating or taking a lock (SHA-1 by libgcrypt's one-shot call, where
// OpenSSL 3 looked the digest up in a locked store on every call). Stateless: any number of
// threads may share one.
class CommunityIdHasher {
 public:
  static constexpr std::size_t kLength = 30;  // "1:" + 28 base64 characters

  // Writes the ID into out (kLength bytes) and returns its length: kLength, or 0 for the spec's
  // "cannot compute" value. Same arguments as community_id_v1.
  std::size_t compute(const IpAddress& src, const IpAddress& dst, std::uint16_t src_port,
                      std::uint16_t dst_port, std::uint8_t ip_proto, char* out,
                      std::uint16_t seed = 0);
};

}  // namespace limen::flow
