#include "dissectors/mqtt/mqtt_decoder.h"

#include "common/byte_reader.h"

namespace limen::dissect::mqtt {
namespace {

// A variable byte integer (5.0 section 1.5.5) of at most 4 bytes; a longer one fails the reader.
std::uint32_t read_vbi(ByteReader& r) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < kMaxVbiBytes; ++i) {
    const std::uint8_t b = r.u8();
    value |= static_cast<std::uint32_t>(b & 0x7FU) << (7 * i);
    if ((b & 0x80U) == 0) return value;
  }
  r.fail();
  return 0;
}

// MQTT 5.0 properties (section 2.2.2): a length, then properties the dissector does not report.
void skip_properties(ByteReader& r, std::uint8_t level) {
  if (level >= kLevel5) r.skip(read_vbi(r));
}

// A UTF-8 string or binary data field: a 16-bit length, then that many bytes.
std::span<const std::uint8_t> read_string(ByteReader& r) { return r.bytes(r.be16()); }

bool equals(std::span<const std::uint8_t> bytes, std::string_view text) {
  if (bytes.size() != text.size()) return false;
  for (std::size_t i = 0; i < bytes.size(); ++i)
    if (bytes[i] != static_cast<std::uint8_t>(text[i])) return false;
  return true;
}

std::string_view decode_connect(ByteReader& r, Packet& p) {
  p.protocol_name = read_string(r);
  p.protocol_level = r.u8();
  p.connect_flags = r.u8();
  p.keep_alive = r.be16();
  if (!r.ok()) return "connect header truncated";
  if (!equals(p.protocol_name, "MQTT") && !equals(p.protocol_name, "MQIsdp"))
    return "connect protocol name is not MQTT";
  if ((p.connect_flags & 0x01U) != 0) return "connect reserved flag set";
  if (p.will_qos() == 3) return "connect will qos 3";
  if (!p.will_flag() && (p.will_qos() != 0 || p.will_retain()))
    return "connect will qos or retain without will";
  skip_properties(r, p.protocol_level);
  p.client_id = read_string(r);
  if (p.will_flag()) {
    skip_properties(r, p.protocol_level);
    p.will_topic = read_string(r);
    (void)read_string(r);  // will payload
  }
  p.has_username = (p.connect_flags & 0x80U) != 0;
  if (p.has_username) p.username = read_string(r);
  if ((p.connect_flags & 0x40U) != 0) {
    (void)read_string(r);  // the password: only its presence is reported
    p.password_present = true;
  }
  if (!r.ok()) return "connect field runs past the packet";
  return {};
}

// SUBSCRIBE and UNSUBSCRIBE lists: at least one entry, each inside the packet.
std::string_view decode_topic_list(ByteReader& r, Packet& p, bool with_options) {
  p.topic_list = r.rest();
  ByteReader list(p.topic_list);
  while (!list.empty()) {
    (void)read_string(list);
    if (with_options) {
      const std::uint8_t options = list.u8();
      if ((options & 0x03U) == 3) return "subscribe qos 3";
      const std::uint8_t reserved = p.protocol_level >= kLevel5 ? 0xC0U : 0xFCU;
      if ((options & reserved) != 0) return "subscribe reserved option bits set";
    }
    if (!list.ok()) return "topic filter runs past the packet";
    ++p.topic_count;
  }
  if (p.topic_count == 0) return "no topic filter";
  return {};
}

// PUBACK, PUBREC, PUBREL, PUBCOMP, and DISCONNECT/AUTH bodies in 5.0: an optional reason code,
// then optional properties.
void read_reason(ByteReader& r, Packet& p) {
  if (p.protocol_level < kLevel5 || r.empty()) return;
  p.has_return_code = true;
  p.return_code = r.u8();
  if (!r.empty()) skip_properties(r, p.protocol_level);
}

std::string_view decode_body(ByteReader& r, Packet& p) {
  const std::uint8_t level = p.protocol_level;
  switch (p.header.type) {
    case PacketType::Connect:
      if (auto reason = decode_connect(r, p); !reason.empty()) return reason;
      break;
    case PacketType::Connack:
      p.session_present = (r.u8() & 0x01U) != 0;
      p.return_code = r.u8();
      p.has_return_code = true;
      skip_properties(r, level);
      if (!r.ok()) return "connack truncated";
      break;
    case PacketType::Publish:
      p.qos = static_cast<std::uint8_t>((p.header.flags >> 1) & 0x03U);
      p.retain = (p.header.flags & 0x01U) != 0;
      p.dup = (p.header.flags & 0x08U) != 0;
      if (p.qos == 3) return "publish qos 3";
      p.topic = read_string(r);
      if (p.qos > 0) {
        p.has_packet_id = true;
        p.packet_id = r.be16();
      }
      skip_properties(r, level);
      if (!r.ok()) return "publish header runs past the packet";
      p.payload_length = r.rest().size();
      break;
    case PacketType::Puback:
    case PacketType::Pubrec:
    case PacketType::Pubrel:
    case PacketType::Pubcomp:
      p.has_packet_id = true;
      p.packet_id = r.be16();
      read_reason(r, p);
      if (!r.ok()) return "acknowledgement truncated";
      break;
    case PacketType::Subscribe:
    case PacketType::Unsubscribe:
      p.has_packet_id = true;
      p.packet_id = r.be16();
      skip_properties(r, level);
      if (!r.ok()) return "subscribe header truncated";
      return decode_topic_list(r, p, p.header.type == PacketType::Subscribe);
    case PacketType::Suback:
    case PacketType::Unsuback:
      p.has_packet_id = true;
      p.packet_id = r.be16();
      if (p.header.type == PacketType::Suback || level >= kLevel5) {
        skip_properties(r, level);
        p.return_codes = r.rest();
        if (p.return_codes.empty()) return "suback without return code";
      }
      if (!r.ok()) return "subscribe acknowledgement truncated";
      break;
    case PacketType::Pingreq:
    case PacketType::Pingresp:
      break;
    case PacketType::Auth:
      if (level < kLevel5) return "auth packet before MQTT 5.0";
      [[fallthrough]];
    case PacketType::Disconnect:
      read_reason(r, p);
      if (!r.ok()) return "properties run past the packet";
      break;
    case PacketType::Reserved:
      return "reserved packet type";
  }
  if (!r.empty()) return "bytes after the packet's fields";
  return {};
}

}  // namespace

bool TopicCursor::next(TopicEntry& out) {
  ByteReader r(list_.subspan(offset_));
  if (r.empty()) return false;
  out.filter = read_string(r);
  out.options = with_options_ ? r.u8() : 0;
  if (!r.ok()) return false;
  offset_ += r.offset();
  return true;
}

DecodeResult decode_fixed_header(std::span<const std::uint8_t> bytes, FixedHeader& out) {
  ByteReader r(bytes);
  if (r.empty()) return {DecodeStatus::NeedMore, 2, {}};
  const std::uint8_t first = r.u8();
  out.type = static_cast<PacketType>(first >> 4);
  out.flags = static_cast<std::uint8_t>(first & 0x0FU);
  if (out.type == PacketType::Reserved) return {DecodeStatus::Invalid, 0, "reserved packet type 0"};
  if (!flags_valid(out.type, out.flags))
    return {DecodeStatus::Invalid, 0, "fixed header flags invalid for the packet type"};
  std::uint32_t length = 0;
  for (std::size_t i = 0; i < kMaxVbiBytes; ++i) {
    if (r.empty()) return {DecodeStatus::NeedMore, i + 2, {}};
    const std::uint8_t b = r.u8();
    length |= static_cast<std::uint32_t>(b & 0x7FU) << (7 * i);
    if ((b & 0x80U) == 0) {
      out.remaining_length = length;
      out.header_size = static_cast<std::uint8_t>(i + 2);
      return {DecodeStatus::Ok, std::size_t{out.header_size} + length, {}};
    }
  }
  return {DecodeStatus::Invalid, 0, "remaining length longer than 4 bytes"};
}

DecodeResult decode_packet(std::span<const std::uint8_t> bytes, std::uint8_t protocol_level,
                           Packet& out) {
  out = Packet{};
  const DecodeResult framed = decode_fixed_header(bytes, out.header);
  if (framed.status != DecodeStatus::Ok) return framed;
  if (framed.size > kMaxPacket) return {DecodeStatus::TooLarge, framed.size, "packet over 256 KiB"};
  if (bytes.size() < framed.size) return {DecodeStatus::NeedMore, framed.size, {}};
  out.protocol_level = protocol_level;
  ByteReader body(bytes.subspan(out.header.header_size, out.header.remaining_length));
  const std::string_view reason = decode_body(body, out);
  if (!reason.empty()) return {DecodeStatus::Malformed, framed.size, reason};
  return {DecodeStatus::Ok, framed.size, {}};
}

}  // namespace limen::dissect::mqtt
