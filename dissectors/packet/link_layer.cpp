#include "dissectors/packet/link_layer.h"

#include <algorithm>

#include "common/byte_reader.h"

namespace limen::decode {
namespace {

// BSD address families that mean IPv4 / IPv6 on the loopback encapsulations: AF_INET is 2
// everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS). Linux's 10 does not
// occur in these link types.
enum class Family : std::uint8_t { Ipv4, Ipv6, Other };
Family bsd_family(std::uint32_t af) {
  if (af == 2) return Family::Ipv4;
  if (af == 24 || af == 28 || af == 30) return Family::Ipv6;
  return Family::Other;
}

LinkResult not_ip() { return LinkResult{DecodeStatus::NotIp, NetLayer::ByVersion, {}, false}; }
LinkResult status_only(DecodeStatus s) { return LinkResult{s, NetLayer::ByVersion, {}, false}; }

LinkResult from_family(Family f, ByteReader& r) {
  if (f == Family::Other) return not_ip();
  return LinkResult{DecodeStatus::Ok, f == Family::Ipv4 ? NetLayer::Ipv4 : NetLayer::Ipv6,
                    r.rest(), false};
}

// Dispatches on an ethertype, peeling 802.1Q / QinQ tags; `r` sits just after the type field.
LinkResult by_ethertype(std::uint16_t type, ByteReader& r, DecodedPacket& out) {
  for (std::size_t tags = 0;; ++tags) {
    if (type != kEtherVlan && type != kEtherQinQ && type != kEtherQinQOld &&
        type != kEtherQinQOld2) {
      break;
    }
    if (tags == kMaxVlanTags) return status_only(DecodeStatus::Malformed);
    const std::uint16_t tci = r.be16();
    type = r.be16();
    if (!r.ok()) return status_only(DecodeStatus::Truncated);
    if (out.vlan_count < out.vlan.size()) out.vlan[out.vlan_count++] = tci & 0x0FFF;
  }
  if (type == kEtherIpv4) return LinkResult{DecodeStatus::Ok, NetLayer::Ipv4, r.rest(), false};
  if (type == kEtherIpv6) return LinkResult{DecodeStatus::Ok, NetLayer::Ipv6, r.rest(), false};
  // Values up to 1500 are 802.3 lengths (LLC follows); everything else is another protocol,
  // handed on as is for the Ethernet-level dissectors.
  if (type > 1500) {
    out.ether_type = type;
    out.l2_payload = r.peek_rest();
  }
  return not_ip();
}

LinkResult ethernet(ByteReader& r, DecodedPacket& out) {
  const auto dst = r.bytes(6);
  const auto src = r.bytes(6);
  if (r.ok()) {
    std::copy(dst.begin(), dst.end(), out.dst_mac.begin());
    std::copy(src.begin(), src.end(), out.src_mac.begin());
  }
  const std::uint16_t type = r.be16();
  if (!r.ok()) return status_only(DecodeStatus::Truncated);
  return by_ethertype(type, r, out);
}

// Linux cooked capture (LINKTYPE_LINUX_SLL): packet type, ARPHRD type, address length,
// 8 address bytes, protocol.
LinkResult sll(ByteReader& r, DecodedPacket& out) {
  r.skip(2);
  const std::uint16_t hatype = r.be16();
  r.skip(10);
  const std::uint16_t protocol = r.be16();
  if (!r.ok()) return status_only(DecodeStatus::Truncated);
  if (hatype == 824) return not_ip();  // ARPHRD_NETLINK: protocol is a netlink family
  return by_ethertype(protocol, r, out);
}

// LINKTYPE_LINUX_SLL2: protocol, reserved, interface index, ARPHRD type, packet type,
// address length, 8 address bytes.
LinkResult sll2(ByteReader& r, DecodedPacket& out) {
  const std::uint16_t protocol = r.be16();
  r.skip(6);
  const std::uint16_t hatype = r.be16();
  r.skip(10);
  if (!r.ok()) return status_only(DecodeStatus::Truncated);
  if (hatype == 824) return not_ip();
  return by_ethertype(protocol, r, out);
}

// LINKTYPE_NULL stores the family in the capturing host's byte order, which need not be ours:
// try little-endian (most capture hosts) and then big-endian.
LinkResult null_link(ByteReader& r) {
  const auto raw = r.bytes(4);
  if (!r.ok()) return status_only(DecodeStatus::Truncated);
  ByteReader le(raw);
  ByteReader be(raw);
  const Family f = bsd_family(le.le32());
  return from_family(f != Family::Other ? f : bsd_family(be.be32()), r);
}

LinkResult loop_link(ByteReader& r) {
  const std::uint32_t af = r.be32();
  if (!r.ok()) return status_only(DecodeStatus::Truncated);
  return from_family(bsd_family(af), r);
}

LinkResult raw_ip(ByteReader& r, NetLayer net) {
  if (r.empty()) return status_only(DecodeStatus::Truncated);
  return LinkResult{DecodeStatus::Ok, net, r.rest(), false};
}

}  // namespace

std::string_view link_type_name(LinkType link) {
  switch (link) {
    case LinkType::Null: return "null";
    case LinkType::Ethernet: return "ethernet";
    case LinkType::Raw: return "raw";
    case LinkType::Loop: return "loop";
    case LinkType::LinuxSll: return "linux_sll";
    case LinkType::RawIpv4: return "ipv4";
    case LinkType::RawIpv6: return "ipv6";
    case LinkType::LinuxSll2: return "linux_sll2";
  }
  return "unknown";
}

LinkResult decode_link(LinkType link, std::span<const std::uint8_t> frame, DecodedPacket& out) {
  ByteReader r(frame);
  switch (link) {
    case LinkType::Ethernet: return ethernet(r, out);
    case LinkType::LinuxSll: return sll(r, out);
    case LinkType::LinuxSll2: return sll2(r, out);
    case LinkType::Null: return null_link(r);
    case LinkType::Loop: return loop_link(r);
    case LinkType::Raw: return raw_ip(r, NetLayer::ByVersion);
    case LinkType::RawIpv4: return raw_ip(r, NetLayer::Ipv4);
    case LinkType::RawIpv6: return raw_ip(r, NetLayer::Ipv6);
  }
  LinkResult unknown = not_ip();
  unknown.unknown_link = true;
  return unknown;
}

}  // namespace limen::decode
