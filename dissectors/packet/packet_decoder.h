#pragma once
// PacketDecoder: one captured frame in, one DecodedPacket out. It runs link layer -> VLAN ->
// IPv4/IPv6 (+ extension headers) -> TCP/UDP/ICMP/ICMPv6, and hands IP fragments to a bounded
// reassembler; a datagram completed by a fragment comes out Ok with `reassembled` set.
//
// Invariants: never reads outside the frame; no exceptions; no allocation per packet (the
// reassembly output buffer is reserved once, fragment buffers are pooled and bounded by
// DecoderConfig). One decoder per worker; not thread-safe. Views in the DecodedPacket stay valid
// until the next decode() call on the same decoder. Design notes: dissectors/README.md.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/timestamp.h"
#include "dissectors/ip/fragment_reassembler.h"
#include "dissectors/packet/decoded_packet.h"
#include "dissectors/packet/link_type.h"

namespace limen::decode {

struct DecoderConfig {  // fragment reassembly limits (all bounded)
  std::size_t max_datagrams = 4096;                 // datagrams being reassembled at once
  std::size_t max_bytes = 32U << 20;                // total bytes held in reassembly buffers
  std::int64_t fragment_timeout_usec = 30'000'000;  // packet time
};

class PacketDecoder {
 public:
  explicit PacketDecoder(const DecoderConfig& cfg = {});

  // Decodes one frame captured at `ts`. `out` is reset first; its views stay valid until the
  // next decode() call on this decoder.
  DecodeStatus decode(LinkType link, std::span<const std::uint8_t> frame, Timestamp ts,
                      DecodedPacket& out);
  // Drops fragment trains older than the timeout (counted as frag_timeouts).
  void expire(Timestamp now);
  [[nodiscard]] const DecodeCounters& counters() const { return counters_; }
  // Fragment trains currently held, and the bytes their pooled buffers take.
  [[nodiscard]] std::size_t fragment_trains() const { return reassembler_.active(); }
  [[nodiscard]] std::size_t fragment_bytes() const { return reassembler_.held_bytes(); }

 private:
  DecodeStatus decode_ip(std::span<const std::uint8_t> l3, int version, Timestamp ts,
                         DecodedPacket& out, bool allow_fragment);
  DecodeStatus reassemble(const Fragment& frag, Timestamp ts, DecodedPacket& out);
  DecodeStatus count(DecodeStatus status, const DecodedPacket& out);

  FragmentReassembler reassembler_;
  std::vector<std::uint8_t> datagram_;  // the last reassembled datagram; reserved once
  Fragment fragment_;                   // the fragment being decoded, while it is
  DecodeCounters counters_;
};

}  // namespace limen::decode
