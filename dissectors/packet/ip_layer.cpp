#include "dissectors/packet/ip_layer.h"

#include "common/byte_reader.h"

namespace limen::decode {
namespace {

IpResult fail(DecodeStatus s) {
  IpResult r;
  r.status = s;
  return r;
}

constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv6Header = 40;

}  // namespace

IpResult decode_ipv4(std::span<const std::uint8_t> l3, DecodedPacket& out, bool allow_fragment,
                     Fragment& fragment) {
  ByteReader r(l3);
  const std::uint8_t version_ihl = r.u8();
  if (!r.ok()) return fail(DecodeStatus::Truncated);
  if ((version_ihl >> 4) != 4) return fail(DecodeStatus::Malformed);
  if (l3.size() < kIpv4MinHeader) return fail(DecodeStatus::Truncated);
  const std::size_t ihl = std::size_t{version_ihl & 0x0FU} * 4;
  if (ihl < kIpv4MinHeader) return fail(DecodeStatus::Malformed);
  r.skip(1);  // DSCP / ECN
  const std::size_t total = r.be16();
  const std::uint16_t id = r.be16();
  const std::uint16_t flags_offset = r.be16();
  out.ttl = r.u8();
  const std::uint8_t proto = r.u8();
  r.skip(2);  // header checksum: not verified, NIC offload makes captured values unreliable
  out.src = IpAddress::v4(r.bytes(4));
  out.dst = IpAddress::v4(r.bytes(4));
  out.ip_proto = proto;
  if (total < ihl) return fail(DecodeStatus::Malformed);
  if (ihl > l3.size() || total > l3.size()) return fail(DecodeStatus::Truncated);
  out.ip = l3.first(total);  // drops Ethernet padding

  IpResult res;
  const bool more = (flags_offset & 0x2000U) != 0;
  const std::uint32_t offset = std::uint32_t{flags_offset & 0x1FFFU} * 8;
  if (!more && offset == 0) {
    res.l4 = out.ip.subspan(ihl);  // options are skipped with the header
    return res;
  }
  if (!allow_fragment) return fail(DecodeStatus::Malformed);
  res.is_fragment = true;
  fragment = Fragment{};
  fragment.key = FragmentKey{out.src, out.dst, id, proto, 4};
  fragment.header = out.ip.first(ihl);
  fragment.offset = offset;
  fragment.more = more;
  fragment.data = out.ip.subspan(ihl);
  return res;
}

IpResult decode_ipv6(std::span<const std::uint8_t> l3, DecodedPacket& out, bool allow_fragment,
                     Fragment& fragment) {
  ByteReader r(l3);
  const std::uint8_t first = r.u8();
  if (!r.ok()) return fail(DecodeStatus::Truncated);
  if ((first >> 4) != 6) return fail(DecodeStatus::Malformed);
  r.skip(3);  // traffic class, flow label
  const std::size_t payload_len = r.be16();
  std::uint8_t next = r.u8();
  out.ttl = r.u8();
  out.src = IpAddress::v6(r.bytes(16));
  out.dst = IpAddress::v6(r.bytes(16));
  if (!r.ok()) return fail(DecodeStatus::Truncated);
  if (kIpv6Header + payload_len > l3.size()) return fail(DecodeStatus::Truncated);
  out.ip = l3.first(kIpv6Header + payload_len);

  // Walk the chain inside the datagram: running past its end is Malformed, not Truncated,
  // since the datagram itself was captured whole.
  std::size_t pos = kIpv6Header;
  std::size_t next_at = 6;  // index of the byte that names the header at `pos`
  for (std::size_t n = 0; n <= kMaxIpv6ExtHeaders; ++n) {
    ByteReader ext(out.ip.subspan(pos));
    std::size_t len = 0;
    switch (next) {
      case kProtoHopByHop:
        if (n != 0) return fail(DecodeStatus::Malformed);  // RFC 8200 4.1: only right after
        [[fallthrough]];
      case kProtoIpv6Routing:
      case kProtoIpv6DestOpts: {
        const std::uint8_t nh = ext.u8();
        len = (std::size_t{ext.u8()} + 1) * 8;
        if (!ext.ok() || len > ext.remaining() + 2) return fail(DecodeStatus::Malformed);
        next_at = pos;
        next = nh;
        pos += len;
        continue;
      }
      case kProtoAh: {  // RFC 4302: length in 4-byte units, minus 2
        const std::uint8_t nh = ext.u8();
        len = (std::size_t{ext.u8()} + 2) * 4;
        if (!ext.ok() || len > ext.remaining() + 2) return fail(DecodeStatus::Malformed);
        next_at = pos;
        next = nh;
        pos += len;
        continue;
      }
      case kProtoIpv6Fragment: {
        const std::uint8_t nh = ext.u8();
        ext.skip(1);
        const std::uint16_t offset_flags = ext.be16();
        const std::uint32_t id = ext.be32();
        if (!ext.ok()) return fail(DecodeStatus::Malformed);
        const std::uint32_t offset = std::uint32_t{offset_flags & 0xFFF8U};
        const bool more = (offset_flags & 1U) != 0;
        if (offset == 0 && !more) {  // atomic fragment (RFC 6946): process as a whole packet
          next_at = pos;
          next = nh;
          pos += 8;
          continue;
        }
        if (!allow_fragment) return fail(DecodeStatus::Malformed);
        out.ip_proto = nh;
        IpResult res;
        res.is_fragment = true;
        fragment = Fragment{};
        fragment.key = FragmentKey{out.src, out.dst, id, 0, 6};
        fragment.header = out.ip.first(pos);
        fragment.next_header_at = next_at;
        fragment.next_header = nh;
        fragment.offset = offset;
        fragment.more = more;
        fragment.data = out.ip.subspan(pos + 8);
        return res;
      }
      default: {  // upper layer, ESP or No Next Header: the chain ends here
        out.ip_proto = next;
        IpResult res;
        res.l4 = out.ip.subspan(pos);
        return res;
      }
    }
  }
  return fail(DecodeStatus::Malformed);  // chain longer than kMaxIpv6ExtHeaders
}

}  // namespace limen::decode
