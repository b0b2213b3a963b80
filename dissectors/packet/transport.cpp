#include "dissectors/packet/transport.h"

#include "common/byte_reader.h"

namespace limen::decode {
namespace {

DecodeStatus tcp(std::span<const std::uint8_t> l4, DecodedPacket& out) {
  ByteReader r(l4);
  out.src_port = r.be16();
  out.dst_port = r.be16();
  out.tcp_seq = r.be32();
  out.tcp_ack = r.be32();
  const std::size_t data_offset = std::size_t{r.u8()} >> 4;
  out.tcp_flags = r.u8();
  out.tcp_window = r.be16();
  r.skip(4);  // checksum, urgent pointer
  if (!r.ok()) return DecodeStatus::Malformed;
  const std::size_t header = data_offset * 4;
  if (data_offset < 5 || header > l4.size()) return DecodeStatus::Malformed;
  out.payload = l4.subspan(header);  // options skipped
  return DecodeStatus::Ok;
}

DecodeStatus udp(std::span<const std::uint8_t> l4, DecodedPacket& out) {
  ByteReader r(l4);
  out.src_port = r.be16();
  out.dst_port = r.be16();
  const std::size_t length = r.be16();
  r.skip(2);  // checksum
  if (!r.ok() || length < 8 || length > l4.size()) return DecodeStatus::Malformed;
  out.payload = l4.subspan(8, length - 8);
  return DecodeStatus::Ok;
}

DecodeStatus icmp(std::span<const std::uint8_t> l4, DecodedPacket& out) {
  ByteReader r(l4);
  out.icmp_type = r.u8();
  out.icmp_code = r.u8();
  r.skip(2);  // checksum
  if (!r.ok()) return DecodeStatus::Malformed;
  out.payload = r.rest();
  return DecodeStatus::Ok;
}

}  // namespace

DecodeStatus decode_transport(std::uint8_t proto, std::span<const std::uint8_t> l4,
                              DecodedPacket& out) {
  switch (proto) {
    case kProtoTcp: return tcp(l4, out);
    case kProtoUdp: return udp(l4, out);
    case kProtoIcmp:
    case kProtoIcmpv6: return icmp(l4, out);
    default: out.payload = l4; return DecodeStatus::Ok;
  }
}

}  // namespace limen::decode
