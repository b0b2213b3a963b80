#include "dissectors/modbus/modbus_decoder.h"

#include "common/byte_reader.h"
#include "dissectors/modbus/modbus_constants.h"

namespace limen::dissect::modbus {
namespace {

// A Malformed PDU keeps only what framing established (MBAP, function code, exception bit), so
// the session can still report the attempt: a malformed write is still a write.
DecodeResult malformed(Pdu& out, std::size_t size, std::string_view reason) {
  Pdu kept;
  kept.mbap = out.mbap;
  kept.function_code = out.function_code;
  kept.exception = out.exception;
  kept.data = out.data;
  out = kept;
  return {DecodeStatus::Malformed, size, reason};
}

void check_range(Pdu& out, std::uint16_t value, std::uint16_t max, std::string_view reason) {
  if ((value == 0 || value > max) && out.range_anomaly.empty()) out.range_anomaly = reason;
}

void set_values(Pdu& out, ValueKind kind, std::uint16_t count, std::span<const std::uint8_t> v) {
  out.value_kind = kind;
  out.value_count = count;
  out.values = v;
}

// Reads address + quantity; the quantity must be 1..max.
void address_quantity(ByteReader& r, Pdu& out, std::uint16_t max) {
  out.start_address = r.be16();
  out.quantity = r.be16();
  out.has_address = out.has_quantity = true;
  check_range(out, out.quantity, max, "quantity out of range");
}

// Byte count then exactly that many bytes, which must be `expected` when that is non-zero.
bool counted_values(ByteReader& r, Pdu& out, std::size_t expected, ValueKind kind,
                    std::uint16_t count) {
  out.byte_count = r.u8();
  out.has_byte_count = true;
  if (!r.ok() || out.byte_count != r.remaining()) return false;
  if (expected != 0 && out.byte_count != expected) return false;
  set_values(out, kind, count, r.bytes(out.byte_count));
  return r.ok();
}

void single_write(ByteReader& r, Pdu& out) {
  out.start_address = r.be16();
  out.has_address = true;
  const auto value = r.bytes(2);
  if (out.function_code == 5) {
    set_values(out, ValueKind::Coils, 1, value);
    if (r.ok() && !((value[0] == 0xFF || value[0] == 0) && value[1] == 0))
      out.range_anomaly = "coil value not 0x0000 or 0xFF00";
  } else {
    set_values(out, ValueKind::Registers, 1, value);
  }
}

// Read Device Identification response objects; the first three are the basic identity strings.
bool device_identification(ByteReader& r, Pdu& out) {
  out.device_id_code = r.u8();
  r.skip(2);  // conformity level, more follows
  out.object_id = r.u8();
  out.object_count = r.u8();
  for (std::uint8_t i = 0; i < out.object_count && r.ok(); ++i) {
    const std::uint8_t id = r.u8();
    const auto value = r.bytes(r.u8());
    if (id == 0) out.vendor_name = value;
    if (id == 1) out.product_code = value;
    if (id == 2) out.revision = value;
  }
  return r.ok() && r.empty();
}

bool file_request(ByteReader& r, Pdu& out, bool with_data) {
  out.byte_count = r.u8();
  out.has_byte_count = true;
  if (!r.ok() || out.byte_count != r.remaining()) return false;
  while (!r.empty()) {
    const std::uint8_t reference = r.u8();
    const std::uint16_t file = r.be16();
    const std::uint16_t record = r.be16();
    const std::uint16_t length = r.be16();
    if (with_data) r.skip(std::size_t{length} * 2);
    if (!r.ok()) return false;
    if (out.file_requests++ == 0) {
      out.reference_type = reference;
      out.file_number = file;
      out.record_number = record;
      out.record_length = length;
      out.has_file = true;
      if (reference != 6) out.range_anomaly = "file reference type not 6";
    }
  }
  return out.file_requests > 0;
}

// The end of a fixed-size body. Padding after it is common in the field (gateways, test tools;
// tshark accepts it), so it is an anomaly, not a reason to drop the message.
bool fixed_end(const ByteReader& r, Pdu& out) {
  if (!r.ok()) return false;
  if (!r.empty() && out.range_anomaly.empty()) out.range_anomaly = "trailing bytes after PDU";
  return true;
}

bool request_body(ByteReader& r, Pdu& out) {
  switch (out.function_code) {
    case 1: case 2: address_quantity(r, out, 2000); break;
    case 3: case 4: address_quantity(r, out, 125); break;
    case 5: case 6: single_write(r, out); break;
    case 7: case 11: case 12: case 17: break;
    case 8:
      out.sub_function = r.be16();
      out.has_sub_function = true;
      r.rest();
      return r.ok();
    case 15:
      address_quantity(r, out, 1968);
      return counted_values(r, out, (std::size_t{out.quantity} + 7) / 8, ValueKind::Coils,
                            out.quantity);
    case 16:
      address_quantity(r, out, 123);
      return counted_values(r, out, std::size_t{out.quantity} * 2, ValueKind::Registers,
                            out.quantity);
    case 20: return file_request(r, out, false);
    case 21: return file_request(r, out, true);
    case 22:
      out.start_address = r.be16();
      out.and_mask = r.be16();
      out.or_mask = r.be16();
      out.has_address = out.has_masks = true;
      break;
    case 23:
      out.read_address = r.be16();
      out.read_quantity = r.be16();
      out.has_read_range = true;
      check_range(out, out.read_quantity, 125, "read quantity out of range");
      address_quantity(r, out, 121);
      return counted_values(r, out, std::size_t{out.quantity} * 2, ValueKind::Registers,
                            out.quantity);
    case 24:
      out.start_address = r.be16();
      out.has_address = true;
      break;
    case 43:
      out.mei_type = r.u8();
      out.has_mei = true;
      if (out.mei_type == 14) {
        out.device_id_code = r.u8();
        out.object_id = r.u8();
        if (out.device_id_code == 0 || out.device_id_code > 4)
          out.range_anomaly = "read device id code out of range";
        break;
      }
      r.rest();
      return r.ok();
    default:  // user-defined or reserved: the body is opaque
      r.rest();
      return true;
  }
  return fixed_end(r, out);
}

bool response_body(ByteReader& r, Pdu& out) {
  switch (out.function_code) {
    case 1: case 2: {
      const std::uint8_t n = r.peek();
      return counted_values(r, out, 0, ValueKind::Coils, static_cast<std::uint16_t>(n * 8U));
    }
    case 3: case 4: case 23: {
      const std::uint8_t n = r.peek();
      if (n % 2 != 0) return false;
      return counted_values(r, out, 0, ValueKind::Registers, static_cast<std::uint16_t>(n / 2));
    }
    case 5: case 6: single_write(r, out); break;
    case 7: r.skip(1); break;
    case 8:
      out.sub_function = r.be16();
      out.has_sub_function = true;
      r.rest();
      return r.ok();
    case 11: r.skip(4); break;
    case 12:
      out.byte_count = r.u8();
      out.has_byte_count = true;
      if (out.byte_count < 6 || out.byte_count != r.remaining()) return false;
      r.rest();
      break;
    case 15: case 16:
      out.start_address = r.be16();
      out.quantity = r.be16();
      out.has_address = out.has_quantity = true;
      break;
    case 17: case 20:
      out.byte_count = r.u8();
      out.has_byte_count = true;
      if (!r.ok() || out.byte_count != r.remaining()) return false;
      r.rest();
      break;
    case 21: return file_request(r, out, true);
    case 22:
      out.start_address = r.be16();
      out.and_mask = r.be16();
      out.or_mask = r.be16();
      out.has_address = out.has_masks = true;
      break;
    case 24: {
      out.byte_count = r.be16();
      out.has_byte_count = true;
      const std::uint16_t fifo = r.be16();
      if (fifo > 31 || out.byte_count != 2 + std::size_t{fifo} * 2) return false;
      set_values(out, ValueKind::Registers, fifo, r.bytes(std::size_t{fifo} * 2));
      break;
    }
    case 43:
      out.mei_type = r.u8();
      out.has_mei = true;
      if (out.mei_type == 14) return device_identification(r, out);
      r.rest();
      return r.ok();
    default:
      r.rest();
      return true;
  }
  return fixed_end(r, out);
}

DecodeResult decode(std::span<const std::uint8_t> bytes, Pdu& out, bool request) {
  out = Pdu{};
  const DecodeResult framed = frame_adu(bytes, out.mbap);
  if (framed.status != DecodeStatus::Ok) return framed;
  ByteReader r(bytes.subspan(kMbapBytes, framed.size - kMbapBytes));
  const std::uint8_t code = r.u8();
  out.function_code = static_cast<std::uint8_t>(code & ~kExceptionBit);
  out.data = r.peek_rest();
  if (out.function_code == 0) out.range_anomaly = "function code 0";
  if ((code & kExceptionBit) != 0) {
    if (request) return malformed(out, framed.size, "exception bit set in a request");
    out.exception = true;
    out.exception_code = r.u8();
    if (!fixed_end(r, out)) return malformed(out, framed.size, "exception response length");
    return framed;
  }
  const bool ok = request ? request_body(r, out) : response_body(r, out);
  if (!ok) return malformed(out, framed.size, "PDU length or byte count inconsistent");
  return framed;
}

}  // namespace

DecodeResult frame_adu(std::span<const std::uint8_t> bytes, Mbap& out) {
  ByteReader r(bytes);
  out.transaction_id = r.be16();
  out.protocol_id = r.be16();
  out.length = r.be16();
  if (!r.ok()) return {DecodeStatus::NeedMore, kMbapBytes, {}};
  if (out.protocol_id != 0) return {DecodeStatus::Invalid, 0, "MBAP protocol id not 0"};
  if (out.length < kMinLength) return {DecodeStatus::Invalid, 0, "MBAP length below 2"};
  if (out.length > kMaxLength) return {DecodeStatus::Invalid, 0, "MBAP length above 254"};
  const std::size_t total = 6 + std::size_t{out.length};
  if (bytes.size() < total) return {DecodeStatus::NeedMore, total, {}};
  out.unit_id = r.u8();
  return {DecodeStatus::Ok, total, {}};
}

DecodeResult decode_request(std::span<const std::uint8_t> bytes, Pdu& out) {
  return decode(bytes, out, true);
}

DecodeResult decode_response(std::span<const std::uint8_t> bytes, Pdu& out) {
  return decode(bytes, out, false);
}

std::uint16_t value_at(const Pdu& pdu, std::size_t i) {
  if (i >= pdu.value_count) return 0;
  if (pdu.value_kind == ValueKind::Registers && 2 * i + 1 < pdu.values.size())
    return static_cast<std::uint16_t>(pdu.values[2 * i] << 8 | pdu.values[2 * i + 1]);
  if (pdu.value_kind == ValueKind::Coils && i / 8 < pdu.values.size())
    return static_cast<std::uint16_t>((static_cast<unsigned>(pdu.values[i / 8]) >> (i % 8)) & 1U);
  return 0;
}

}  // namespace limen::dissect::modbus
