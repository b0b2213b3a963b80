#include "dissectors/mms/mms_ber.h"

#include "common/byte_reader.h"

namespace limen::dissect::mms::ber {

Result read(std::span<const std::uint8_t> bytes, Tlv& out, bool cut) {
  ByteReader r(bytes);
  if (r.remaining() < 2) return {Status::NeedMore, 2, {}};
  const std::uint8_t first = r.u8();
  out = Tlv{};
  out.first = first;
  out.cls = static_cast<std::uint8_t>(first >> 6);
  out.constructed = (first & 0x20U) != 0;
  out.number = first & 0x1FU;
  if (out.number == 0x1F) {
    out.number = 0;
    for (int i = 0;; ++i) {
      if (i == 3) return {Status::Invalid, 0, "BER tag number longer than 3 bytes"};
      if (r.empty()) return {Status::NeedMore, r.offset() + 2, {}};
      const std::uint8_t b = r.u8();
      out.number = (out.number << 7) | (b & 0x7FU);
      if ((b & 0x80U) == 0) break;
    }
  }
  if (r.empty()) return {Status::NeedMore, r.offset() + 1, {}};
  const std::uint8_t len0 = r.u8();
  std::size_t length = len0;
  if (len0 == 0x80) return {Status::Invalid, 0, "BER indefinite length"};
  if (len0 > 0x80) {
    const std::size_t n = len0 & 0x7FU;
    if (n > 4) return {Status::Invalid, 0, "BER length of more than 4 bytes"};
    if (r.remaining() < n) return {Status::NeedMore, r.offset() + n, {}};
    length = 0;
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | r.u8();
  }
  const std::size_t header = r.offset();
  if (length > r.remaining()) {
    if (!cut) return {Status::NeedMore, header + length, {}};
    length = r.remaining();
  }
  out.content = r.bytes(length);
  out.size = header + length;
  return {Status::Ok, 0, {}};
}

bool find(std::span<const std::uint8_t> level, std::uint8_t first,
          std::span<const std::uint8_t>& content, bool cut) {
  // Bounded by the level's size: each element consumes at least 2 bytes.
  while (!level.empty()) {
    Tlv tlv;
    if (read(level, tlv, cut).status != Status::Ok) return false;
    if (tlv.first == first) {
      content = tlv.content;
      return true;
    }
    level = level.subspan(tlv.size);
  }
  return false;
}

bool to_uint(std::span<const std::uint8_t> content, std::uint32_t& value) {
  if (content.empty()) return false;
  if (content.size() == 5 && content[0] == 0) content = content.subspan(1);
  if (content.size() > 4) return false;
  value = 0;
  for (const std::uint8_t b : content) value = (value << 8) | b;
  return true;
}

}  // namespace limen::dissect::mms::ber
