#include "dissectors/packet/packet_decoder.h"

#include "dissectors/packet/ip_layer.h"
#include "dissectors/packet/link_layer.h"
#include "dissectors/packet/transport.h"

namespace limen::decode {

std::string_view decode_status_name(DecodeStatus status) {
  switch (status) {
    case DecodeStatus::Ok: return "ok";
    case DecodeStatus::NotIp: return "not_ip";
    case DecodeStatus::FragmentHeld: return "fragment_held";
    case DecodeStatus::Truncated: return "truncated";
    case DecodeStatus::Malformed: return "malformed";
  }
  return "unknown";
}

PacketDecoder::PacketDecoder(const DecoderConfig& cfg)
    : reassembler_(ReassemblyLimits{cfg.max_datagrams, cfg.max_bytes,
                                    cfg.fragment_timeout_usec}) {
  datagram_.reserve(FragmentReassembler::kMaxDatagram);
}

DecodeStatus PacketDecoder::decode(LinkType link, std::span<const std::uint8_t> frame,
                                   Timestamp ts, DecodedPacket& out) {
  out = DecodedPacket{};
  ++counters_.packets;
  const LinkResult l2 = decode_link(link, frame, out);
  if (out.vlan_count != 0) ++counters_.vlan;
  if (l2.unknown_link) ++counters_.unknown_link;
  if (l2.status != DecodeStatus::Ok) return count(l2.status, out);
  int version = l2.net == NetLayer::Ipv4 ? 4 : l2.net == NetLayer::Ipv6 ? 6 : 0;
  if (version == 0) version = l2.l3.empty() ? 4 : l2.l3[0] >> 4;  // raw IP: the nibble decides
  return count(decode_ip(l2.l3, version, ts, out, true), out);
}

DecodeStatus PacketDecoder::decode_ip(std::span<const std::uint8_t> l3, int version, Timestamp ts,
                                      DecodedPacket& out, bool allow_fragment) {
  IpResult ip;
  if (version == 4) {
    ip = decode_ipv4(l3, out, allow_fragment, fragment_);
  } else if (version == 6) {
    ip = decode_ipv6(l3, out, allow_fragment, fragment_);
  } else {
    return DecodeStatus::Malformed;
  }
  if (ip.status != DecodeStatus::Ok) return ip.status;
  if (ip.is_fragment) return reassemble(fragment_, ts, out);
  return decode_transport(out.ip_proto, ip.l4, out);
}

DecodeStatus PacketDecoder::reassemble(const Fragment& frag, Timestamp ts, DecodedPacket& out) {
  ++counters_.fragments;
  const FragmentResult res = reassembler_.add(frag, ts, datagram_);
  counters_.frag_timeouts += res.timed_out;
  if (res.overlap) ++counters_.frag_overlaps;
  if (res.duplicate) ++counters_.frag_duplicates;
  switch (res.outcome) {
    case FragmentOutcome::Held: return DecodeStatus::FragmentHeld;
    case FragmentOutcome::Overflow: ++counters_.frag_overflow; return DecodeStatus::FragmentHeld;
    case FragmentOutcome::Malformed: ++counters_.frag_malformed; return DecodeStatus::Malformed;
    case FragmentOutcome::Complete: break;
  }
  ++counters_.reassembled;
  // Decode the rebuilt datagram as an ordinary packet; the link-layer fields stay.
  DecodedPacket whole;
  whole.vlan = out.vlan;
  whole.vlan_count = out.vlan_count;
  whole.reassembled = true;
  out = whole;
  return decode_ip(datagram_, frag.key.version, ts, out, false);
}

DecodeStatus PacketDecoder::count(DecodeStatus status, const DecodedPacket& out) {
  switch (status) {
    case DecodeStatus::Ok: break;
    case DecodeStatus::NotIp: ++counters_.not_ip; return status;
    case DecodeStatus::FragmentHeld: return status;
    case DecodeStatus::Truncated: ++counters_.truncated; return status;
    case DecodeStatus::Malformed: ++counters_.malformed; return status;
  }
  ++(out.src.is_v4() ? counters_.ipv4 : counters_.ipv6);
  switch (out.ip_proto) {
    case kProtoTcp: ++counters_.tcp; break;
    case kProtoUdp: ++counters_.udp; break;
    case kProtoIcmp: ++counters_.icmp; break;
    case kProtoIcmpv6: ++counters_.icmpv6; break;
    default: ++counters_.other_ip; break;
  }
  return status;
}

void PacketDecoder::expire(Timestamp now) { counters_.frag_timeouts += reassembler_.expire(now); }

}  // namespace limen::decode
