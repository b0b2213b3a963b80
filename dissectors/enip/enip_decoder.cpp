#include "dissectors/enip/enip_decoder.h"

#include "common/byte_reader.h"
#include "dissectors/enip/enip_constants.h"

namespace limen::dissect::enip {
namespace {

// A CPF list longer than this is not something any device sends (Vol 2 uses 2..4 items).
constexpr std::uint16_t kMaxItems = 16;

void decode_identity(ByteReader item, IdentityItem& out, bool& ok) {
  item.skip(2);   // encapsulation protocol version
  item.skip(16);  // socket address (big-endian sockaddr_in)
  out.vendor_id = item.le16();
  out.device_type = item.le16();
  out.product_code = item.le16();
  out.revision_major = item.u8();
  out.revision_minor = item.u8();
  item.skip(2);  // status
  out.serial = item.le32();
  const std::uint8_t name_length = item.u8();
  out.product_name = item.bytes(name_length);
  item.skip(1);  // state
  ok = item.ok();
}

// Reads the CPF item list; false when an item runs past the data.
bool decode_cpf(ByteReader& r, Message& out, std::string_view& reason) {
  out.has_cpf = true;
  out.item_count = r.le16();
  if (!r.ok()) {
    reason = "CPF item count missing";
    return false;
  }
  if (out.item_count > kMaxItems) {
    reason = "CPF item count above 16";
    return false;
  }
  for (std::uint16_t i = 0; i < out.item_count; ++i) {
    const std::uint16_t type = r.le16();
    const std::uint16_t length = r.le16();
    ByteReader item = r.sub(length);
    if (!r.ok()) {
      reason = "CPF item length past the message";
      return false;
    }
    switch (static_cast<ItemType>(type)) {
      case ItemType::ConnectedAddress:
        if (length != 4) {
          reason = "connected address item length not 4";
          return false;
        }
        out.has_connection_id = true;
        out.connection_id = item.le32();
        break;
      case ItemType::SequencedAddress:
        if (length != 8) {
          reason = "sequenced address item length not 8";
          return false;
        }
        out.has_connection_id = true;
        out.connection_id = item.le32();
        break;
      case ItemType::ConnectedData:
        if (length < 2) {
          reason = "connected data item shorter than its sequence count";
          return false;
        }
        out.has_sequence = true;
        out.sequence = item.le16();
        out.has_cip = true;
        out.cip = item.rest();
        break;
      case ItemType::UnconnectedData:
        out.has_cip = true;
        out.cip = item.rest();
        break;
      case ItemType::ListIdentity: {
        bool ok = false;
        if (!out.has_identity) decode_identity(item, out.identity, ok);
        if (!out.has_identity && !ok) {
          reason = "identity item shorter than its fields";
          return false;
        }
        out.has_identity = true;
        break;
      }
      default:
        break;  // null address, list services, socket address items: nothing to keep
    }
  }
  return true;
}

}  // namespace

DecodeResult frame_message(std::span<const std::uint8_t> bytes, Header& out) {
  if (bytes.size() < kHeaderBytes) return {DecodeStatus::NeedMore, kHeaderBytes, {}};
  ByteReader r(bytes);
  out.command = r.le16();
  out.length = r.le16();
  out.session = r.le32();
  out.status = r.le32();
  out.sender_context = r.le64();
  out.options = r.le32();
  if (!known_command(out.command))
    return {DecodeStatus::Invalid, 0, "unknown encapsulation command"};
  if (out.length > kMaxLength)
    return {DecodeStatus::Invalid, 0, "encapsulation length above 65511"};
  const std::size_t total = kHeaderBytes + out.length;
  if (bytes.size() < total) return {DecodeStatus::NeedMore, total, {}};
  return {DecodeStatus::Ok, total, {}};
}

DecodeResult decode_message(std::span<const std::uint8_t> bytes, Message& out) {
  out = Message{};
  DecodeResult framed = frame_message(bytes, out.header);
  if (framed.status != DecodeStatus::Ok) return framed;
  out.data = bytes.subspan(kHeaderBytes, out.header.length);
  ByteReader r(out.data);
  std::string_view reason;
  bool ok = true;
  switch (static_cast<Command>(out.header.command)) {
    case Command::SendRrData:
    case Command::SendUnitData:
      r.skip(4);  // interface handle: 0 for CIP
      r.skip(2);  // timeout
      if (!r.ok()) {
        reason = "send data shorter than its interface handle and timeout";
        ok = false;
        break;
      }
      ok = decode_cpf(r, out, reason);
      break;
    case Command::ListIdentity:
    case Command::ListServices:
    case Command::ListInterfaces:
      // Requests carry no data; replies carry a CPF list.
      if (!r.empty()) ok = decode_cpf(r, out, reason);
      break;
    case Command::RegisterSession:
      out.protocol_version = r.le16();
      r.skip(2);  // options flags
      if (!r.ok()) {
        reason = "register session shorter than 4 bytes";
        ok = false;
        break;
      }
      out.has_protocol_version = true;
      break;
    default:
      break;  // nop, unregister, indicate status, cancel: opaque data
  }
  if (!ok) return {DecodeStatus::Malformed, framed.size, reason};
  return framed;
}

}  // namespace limen::dissect::enip
