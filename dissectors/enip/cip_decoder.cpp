#include "dissectors/enip/cip_decoder.h"

#include "common/byte_reader.h"

namespace limen::dissect::enip {
namespace {

constexpr CipResult ok() { return {CipStatus::Ok, {}}; }
constexpr CipResult malformed(std::string_view reason) { return {CipStatus::Malformed, reason}; }

// Reads a logical value of format `format` (0: 8-bit, 1: 16-bit, 2: 32-bit; the wider formats
// have a pad byte in a padded EPATH, Vol 1 C-1.4.2).
std::uint32_t logical_value(ByteReader& r, unsigned format) {
  switch (format) {
    case 0: return r.u8();
    case 1: r.skip(1); return r.le16();
    case 2: r.skip(1); return r.le32();
    default: r.fail(); return 0;
  }
}

void decode_path(std::span<const std::uint8_t> path, CipMessage& out) {
  ByteReader r(path);
  while (!r.empty()) {
    const std::uint8_t segment = r.u8();
    const unsigned type = segment >> 5U;
    if (type == 1) {  // logical segment: 001 ttt ff
      const unsigned logical = (segment >> 2U) & 0x7U;
      const unsigned format = segment & 0x3U;
      if (logical == 5) {  // special (electronic key): key format byte + 8 bytes
        r.skip(1 + 8);
      } else {
        const std::uint32_t value = logical_value(r, format);
        if (!r.ok()) break;
        if (logical == 0 && !out.has_class) {
          out.has_class = true;
          out.class_id = value;
        } else if (logical == 1 && !out.has_instance) {
          out.has_instance = true;
          out.instance = value;
        } else if (logical == 4 && !out.has_attribute) {
          out.has_attribute = true;
          out.attribute = value;
        }
      }
    } else if (type == 0) {  // port segment: port in the low nibble, link address after
      const bool extended_link = (segment & 0x10U) != 0;
      if (extended_link) {
        const std::uint8_t size = r.u8();
        if ((segment & 0x0FU) == 0x0F) r.skip(2);
        r.skip(size + (size & 1U));
      } else {
        if ((segment & 0x0FU) == 0x0F) r.skip(2);
        r.skip(1);
      }
    } else if (segment == 0x91) {  // ANSI extended symbolic: length, name, pad to even
      const std::uint8_t size = r.u8();
      const auto name = r.bytes(size);
      if ((size & 1U) != 0) r.skip(1);
      if (r.ok() && out.symbol.empty()) out.symbol = name;
    } else if (segment == 0x80) {  // simple data segment: size in words
      const std::uint8_t words = r.u8();
      r.skip(std::size_t{words} * 2);
    } else if (type == 2 || type == 3) {  // network / symbolic other than 0x91: stop here
      out.path_anomaly = "unsupported path segment";
      return;
    } else {
      out.path_anomaly = "unknown path segment type";
      return;
    }
    if (!r.ok()) break;
  }
  if (!r.ok()) out.path_anomaly = "path segment runs past the path";
}

}  // namespace

CipResult decode_cip(std::span<const std::uint8_t> bytes, bool response, CipMessage& out) {
  out = CipMessage{};
  ByteReader r(bytes);
  const std::uint8_t service = r.u8();
  if (!r.ok()) return malformed("CIP message empty");
  out.service = static_cast<std::uint8_t>(service & 0x7FU);
  out.response = (service & kResponseBit) != 0;
  if (out.response != response)
    return malformed(response ? "CIP response without the response bit"
                              : "CIP request with the response bit");
  if (!response) {
    const std::uint8_t words = r.u8();
    const auto path = r.bytes(std::size_t{words} * 2);
    if (!r.ok()) return malformed("CIP path size past the message");
    decode_path(path, out);
  } else {
    r.skip(1);  // reserved
    out.general_status = r.u8();
    out.extended_status_words = r.u8();
    ByteReader extended = r.sub(std::size_t{out.extended_status_words} * 2);
    if (!r.ok()) return malformed("CIP additional status size past the message");
    if (out.extended_status_words > 0) {
      out.has_extended_status = true;
      out.extended_status = extended.le16();
    }
  }
  out.data = r.rest();
  return ok();
}

CipResult unwrap_unconnected_send(const CipMessage& carrier, CipMessage& embedded) {
  ByteReader r(carrier.data);
  r.skip(2);  // priority/tick time, timeout ticks
  const std::uint16_t size = r.le16();
  const auto message = r.bytes(size);
  if (!r.ok()) return malformed("unconnected send message size past the request");
  return decode_cip(message, false, embedded);
}

CipResult multiple_service_count(const CipMessage& packet, std::uint16_t& count) {
  ByteReader r(packet.data);
  count = r.le16();
  if (!r.ok()) return malformed("multiple service packet without a count");
  // Each member needs a 2-byte offset: a count the data cannot hold is hostile.
  if (std::size_t{count} * 2 > r.remaining())
    return malformed("multiple service count past the packet");
  return ok();
}

CipResult multiple_service_member(const CipMessage& packet, std::uint16_t index, CipMessage& out) {
  std::uint16_t count = 0;
  if (const CipResult c = multiple_service_count(packet, count); c.status != CipStatus::Ok)
    return c;
  if (index >= count) return malformed("multiple service index past the count");
  ByteReader r(packet.data);
  r.skip(2 + std::size_t{index} * 2);
  const std::uint16_t start = r.le16();
  // Offsets count from the start of the count field; a member ends where the next begins.
  std::size_t end = packet.data.size();
  if (index + 1U < count) end = r.le16();
  const std::size_t table_end = 2 + std::size_t{count} * 2;
  if (!r.ok() || start < table_end || end < start || end > packet.data.size())
    return malformed("multiple service offset outside the packet");
  return decode_cip(packet.data.subspan(start, end - start), packet.response, out);
}

}  // namespace limen::dissect::enip
