#pragma once
// Pure BACnet/IP decoder: one UDP payload (BVLC header, optional forwarded origin, NPDU, APDU)
// decoded into a value type whose variable parts are spans into that input. No state, no I/O,
// no allocation.
//
// Invariants: every length is hostile. The BVLC length must be at least 4 and covers the whole
// message; a datagram shorter than it is NeedMore (size = the bytes it claims), a longer one is
// decoded within the length and flagged. A BVLC type other than 0x81 or an NPDU version other
// than 1 is Invalid with `violation` set (probably not BACnet). NPCI address lengths, tag lengths
// and nesting are checked against the bytes present: the header part that framed correctly is
// kept, and a problem in the service data is only flagged in `Message::anomaly`, so the service
// choice (the operation) is never hidden behind a bad parameter.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace limen::dissect::bacnet {

enum class DecodeStatus : std::uint8_t {
  Ok,        // `size` bytes (the BVLC length) decoded into the Message
  NeedMore,  // `size` is the number of bytes the BVLC length claims
  Invalid,   // the bytes contradict the BVLC/NPCI/APDU header; `reason` says why
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::Invalid;
  std::size_t size = 0;
  std::string_view reason;  // static text; empty when Ok or NeedMore
  bool violation = false;   // Invalid because the bytes are probably not BACnet at all
};

struct Npdu {
  std::uint8_t control = 0;
  bool network_message = false;
  bool expecting_reply = false;
  std::uint8_t priority = 0;
  bool has_dnet = false, has_snet = false;
  std::uint16_t dnet = 0, snet = 0;
  std::span<const std::uint8_t> dadr, sadr;
  std::uint8_t hop_count = 0;
  std::uint8_t message_type = 0;  // network_message only
  std::uint16_t vendor_id = 0;    // proprietary message types (0x80..0xFF) only
};

struct Apdu {
  std::uint8_t pdu_type = 0;  // PduType
  bool segmented = false, more_follows = false;
  bool has_invoke_id = false;
  std::uint8_t invoke_id = 0;
  std::uint8_t sequence_number = 0;  // segmented messages and segment ack
  bool has_service = false;
  std::uint8_t service = 0;          // confirmed or unconfirmed choice (ack: the acked one)
  bool server = false;               // abort / segment ack sent by the server
  std::uint8_t reason = 0;           // reject or abort reason

  // Service parameters found in the first (or only) segment; absent ones are false.
  bool has_object = false;
  std::uint16_t object_type = 0;
  std::uint32_t object_instance = 0;
  bool has_property = false;
  std::uint32_t property = 0;
  bool has_error = false;
  std::uint32_t error_class = 0, error_code = 0;
  bool has_state = false;  // reinitialize_device: reinitialized state;
  std::uint32_t state = 0; // device_communication_control: enable/disable

  std::span<const std::uint8_t> data;  // service parameters (after the service choice)
};

struct Message {
  std::uint8_t bvlc_function = 0;
  std::uint16_t bvlc_length = 0;
  bool has_bvlc_result = false;
  std::uint16_t bvlc_result = 0;
  std::span<const std::uint8_t> origin;  // forwarded NPDU: 4-byte IPv4 address + port
  bool has_npdu = false;
  Npdu npdu;
  bool has_apdu = false;
  Apdu apdu;
  // Framing held, but something is odd (trailing bytes, a tag running past the data, a
  // segment that is not the first): static text for the session to report as an anomaly.
  std::string_view anomaly;
};

// Decodes one BACnet/IP message at the front of `bytes`.
DecodeResult decode(std::span<const std::uint8_t> bytes, Message& out);

// One BACnet tag (clause 20.2.1): the header is bounds-checked, the value is a span.
struct Tag {
  std::uint8_t number = 0;
  bool context = false;
  bool opening = false, closing = false;
  std::uint32_t length = 0;             // application/context primitive: value bytes
  std::span<const std::uint8_t> value;  // empty for opening/closing tags
};
// Reads one tag from the front of `data`; false when the header or value runs past the end.
bool read_tag(std::span<const std::uint8_t> data, Tag& out, std::size_t& consumed);

}  // namespace limen::dissect::bacnet
