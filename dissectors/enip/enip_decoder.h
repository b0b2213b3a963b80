#pragma once
// Pure EtherNet/IP encapsulation decoder: one encapsulation message (24-byte header + data) at
// the front of a byte span, with its common packet format (CPF) items, decoded into a value type
// whose variable parts are spans into the input. No state, no I/O, no allocation.
//
// Invariants: every length is hostile. An unknown command or a length above 65511 means the
// bytes are not EtherNet/IP framing (Invalid). Inside a framed message, a CPF item count or item
// length that runs past the data makes the message Malformed: the frame size is still known, so
// a session skips exactly that message and stays in sync. The CIP message inside the data item
// is decoded separately (cip_decoder.h).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace limen::dissect::enip {

enum class DecodeStatus : std::uint8_t {
  Ok,         // `size` bytes form one message, decoded
  NeedMore,   // `size` is the number of bytes the message needs in total
  Malformed,  // framed (`size` bytes) but the data contradicts itself; the header is valid
  Invalid,    // not an encapsulation header: framing is lost; `reason` says why
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::Invalid;
  std::size_t size = 0;
  std::string_view reason;  // static text; empty when Ok or NeedMore
};

struct Header {
  std::uint16_t command = 0;
  std::uint16_t length = 0;  // bytes after the header
  std::uint32_t session = 0;
  std::uint32_t status = 0;
  std::uint64_t sender_context = 0;  // 8 opaque bytes, read little-endian
  std::uint32_t options = 0;
};

// CIP Identity as carried by a List Identity reply (Vol 2 2-4.3.2).
struct IdentityItem {
  std::uint16_t vendor_id = 0;
  std::uint16_t device_type = 0;
  std::uint16_t product_code = 0;
  std::uint8_t revision_major = 0;
  std::uint8_t revision_minor = 0;
  std::uint32_t serial = 0;
  std::span<const std::uint8_t> product_name;
};

struct Message {
  Header header;
  bool has_cpf = false;  // send_rr_data / send_unit_data / list replies carry CPF items
  std::uint16_t item_count = 0;
  bool has_connection_id = false;  // connected (0xA1) or sequenced (0x8002) address item
  std::uint32_t connection_id = 0;
  bool has_sequence = false;  // connected data item's sequence count
  std::uint16_t sequence = 0;
  bool has_cip = false;
  std::span<const std::uint8_t> cip;  // the CIP message of the data item
  bool has_identity = false;
  IdentityItem identity;
  bool has_protocol_version = false;  // register_session
  std::uint16_t protocol_version = 0;
  std::span<const std::uint8_t> data;  // everything after the header
};

// Frames one message: Ok (size = message bytes), NeedMore (size = bytes needed) or Invalid.
DecodeResult frame_message(std::span<const std::uint8_t> bytes, Header& out);
// Frames and decodes one message (either direction: the layout does not depend on it).
DecodeResult decode_message(std::span<const std::uint8_t> bytes, Message& out);

}  // namespace limen::dissect::enip
