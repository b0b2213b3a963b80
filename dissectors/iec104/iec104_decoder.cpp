#include "dissectors/iec104/iec104_decoder.h"

#include "common/byte_reader.h"
#include "dissectors/iec104/iec104_constants.h"

namespace limen::dissect::iec104 {
namespace {

// Bytes the objects of this ASDU take, or 0 when the type's element size is unknown.
std::size_t expected_object_bytes(const Asdu& a) {
  if (!element_size_known(a.type_id)) return 0;
  const std::size_t element = type_info(a.type_id)->element_bytes;
  if (a.sq) return kIoaBytes + element * a.count;
  return (kIoaBytes + element) * a.count;
}

// Offset of object i's element within `objects`, if the objects reach past it by `need`.
bool element_offset(const Asdu& a, std::size_t i, std::size_t& offset) {
  if (!element_size_known(a.type_id) || i >= a.count) return false;
  const std::size_t element = type_info(a.type_id)->element_bytes;
  offset = a.sq ? kIoaBytes + element * i : (kIoaBytes + element) * i + kIoaBytes;
  return offset + element <= a.objects.size() && element > 0;
}

}  // namespace

DecodeResult decode_apdu(std::span<const std::uint8_t> bytes, Apdu& out) {
  out = Apdu{};
  ByteReader r(bytes);
  const std::uint8_t start = r.u8();
  out.length = r.u8();
  if (!r.ok()) return {DecodeStatus::NeedMore, 2, {}};
  if (start != kStart) return {DecodeStatus::Invalid, 0, "APCI start octet not 0x68"};
  if (out.length < kMinLength || out.length > kMaxLength)
    return {DecodeStatus::Invalid, 0, "APCI length out of range"};
  const std::size_t total = 2 + std::size_t{out.length};
  if (bytes.size() < total) return {DecodeStatus::NeedMore, total, {}};
  const auto malformed = [total](std::string_view reason) {
    return DecodeResult{DecodeStatus::Malformed, total, reason};
  };
  const std::uint8_t c1 = r.u8(), c2 = r.u8(), c3 = r.u8(), c4 = r.u8();
  if ((c1 & 0x01U) == 0) {
    out.format = Format::I;
    out.tx_seq = static_cast<std::uint16_t>((c1 | c2 << 8) >> 1);
    out.rx_seq = static_cast<std::uint16_t>((c3 | c4 << 8) >> 1);
    if ((c3 & 0x01U) != 0) return malformed("I frame receive field has bit 0 set");
  } else if ((c1 & 0x03U) == 0x01) {
    out.format = Format::S;
    out.rx_seq = static_cast<std::uint16_t>((c3 | c4 << 8) >> 1);
    if (out.length != kMinLength) return malformed("S frame with an ASDU");
    if (c1 != 0x01 || c2 != 0 || (c3 & 0x01U) != 0) return malformed("S frame control field");
    return {DecodeStatus::Ok, total, {}};
  } else {
    out.format = Format::U;
    out.u_function = static_cast<std::uint8_t>(c1 & 0xFCU);
    if (out.length != kMinLength) return malformed("U frame with an ASDU");
    if (u_function_name(out.u_function) == "unknown" || c2 != 0 || c3 != 0 || c4 != 0)
      return malformed("U frame control field");
    return {DecodeStatus::Ok, total, {}};
  }
  ByteReader a = r.sub(out.length - 4U);
  Asdu& asdu = out.asdu;
  asdu.type_id = a.u8();
  const std::uint8_t vsq = a.u8();
  const std::uint8_t cot = a.u8();
  asdu.originator = a.u8();
  asdu.common_address = a.le16();
  if (!a.ok()) return malformed("I frame shorter than an ASDU header");
  asdu.sq = (vsq & 0x80U) != 0;
  asdu.count = static_cast<std::uint8_t>(vsq & 0x7FU);
  asdu.cot = static_cast<std::uint8_t>(cot & 0x3FU);
  asdu.negative = (cot & 0x40U) != 0;
  asdu.test = (cot & 0x80U) != 0;
  asdu.objects = a.rest();
  const std::size_t expected = expected_object_bytes(asdu);
  asdu.objects_consistent = asdu.count > 0 && (expected != 0 || asdu.type_id == 102)
                                ? asdu.objects.size() == expected
                                : false;
  if (asdu.type_id == 102 && asdu.count > 0)  // C_RD_NA_1: IOAs only
    asdu.objects_consistent = asdu.objects.size() == (asdu.sq ? kIoaBytes : kIoaBytes * asdu.count);
  return {DecodeStatus::Ok, total, {}};
}

bool ioa_at(const Asdu& a, std::size_t i, std::uint32_t& ioa) {
  if (i >= a.count) return false;
  std::size_t offset = 0;
  if (!a.sq && i > 0) {
    if (!element_size_known(a.type_id)) return false;
    offset = (kIoaBytes + type_info(a.type_id)->element_bytes) * i;
  }
  ByteReader r(a.objects);
  r.skip(offset);
  const std::uint32_t base = r.u8() | static_cast<std::uint32_t>(r.u8()) << 8 |
                             static_cast<std::uint32_t>(r.u8()) << 16;
  if (!r.ok()) return false;
  ioa = a.sq ? (base + static_cast<std::uint32_t>(i)) & 0xFFFFFFU : base;
  return true;
}

bool qualifier_at(const Asdu& a, std::size_t i, std::uint8_t& qualifier) {
  std::size_t at = 0;  // position of the qualifier inside the element
  switch (a.type_id) {
    case 45: case 46: case 47: case 58: case 59: case 60:  // SCO, DCO, RCO
    case 100: case 101: case 105: case 113:                 // QOI, QCC, QRP, QPA
      break;
    case 48: case 49: case 61: case 62: at = 2; break;      // QOS after a 16-bit value
    case 50: case 63: at = 4; break;                        // QOS after a float
    default: return false;
  }
  std::size_t offset = 0;
  if (!element_offset(a, i, offset)) return false;
  qualifier = a.objects[offset + at];
  return true;
}

}  // namespace limen::dissect::iec104
