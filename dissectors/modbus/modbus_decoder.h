#pragma once
// Pure Modbus/TCP decoder: one ADU (MBAP header + PDU) at the front of a byte span, decoded into
// a value type whose variable parts are spans into that input. No state, no I/O, no allocation.
//
// Invariants: every length is hostile. The MBAP length must be 2..254 and the protocol id 0,
// else the bytes are not Modbus framing (Invalid). Inside a framed ADU, a byte count that does
// not match the bytes present or the quantity it describes makes the PDU Malformed: the frame
// size is still known, so a session skips exactly that ADU and stays in sync. A quantity outside
// the range the specification allows is not Malformed (a server answers it with exception 3):
// it is flagged in `Pdu::range_anomaly` for the session to report as an anomaly, as are
// padding bytes after a fixed-size PDU (seen in real captures, accepted by tshark).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace limen::dissect::modbus {

enum class DecodeStatus : std::uint8_t {
  Ok,         // `size` bytes form one ADU, decoded into the Pdu
  NeedMore,   // `size` is the number of bytes the ADU needs in total
  Malformed,  // framed (`size` bytes) but the PDU contradicts itself; `reason` says how.
              // The Pdu keeps the MBAP, function code and exception bit only.
  Invalid,    // not an MBAP header: framing is lost; `reason` says why
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::Invalid;
  std::size_t size = 0;
  std::string_view reason;  // static text; empty when Ok or NeedMore
};

struct Mbap {
  std::uint16_t transaction_id = 0;
  std::uint16_t protocol_id = 0;
  std::uint16_t length = 0;  // bytes after the length field: unit id + PDU
  std::uint8_t unit_id = 0;
};

// How `Pdu::values` is laid out.
enum class ValueKind : std::uint8_t {
  None,
  Coils,      // bits, least significant bit of the first byte first
  Registers,  // big-endian 16-bit words
};

struct Pdu {
  Mbap mbap;
  std::uint8_t function_code = 0;  // without the exception bit
  bool exception = false;
  std::uint8_t exception_code = 0;

  // Which of the optional fields below the message carries.
  bool has_address = false;       // start_address (also a FIFO pointer, a mask-write reference)
  bool has_quantity = false;      // quantity (coils or registers; the write part for 23)
  bool has_read_range = false;    // read_address / read_quantity (23 request)
  bool has_sub_function = false;  // sub_function (8)
  bool has_mei = false;           // mei_type (43)
  bool has_byte_count = false;
  bool has_masks = false;         // and_mask / or_mask (22)
  bool has_file = false;          // first sub-request of 20/21
  // Set when a value is outside the range the specification allows (a quantity of 0, a coil
  // value other than 0x0000/0xFF00): static text for the session to report as an anomaly.
  std::string_view range_anomaly;

  std::uint16_t start_address = 0;
  std::uint16_t quantity = 0;
  std::uint16_t read_address = 0;
  std::uint16_t read_quantity = 0;
  std::uint16_t sub_function = 0;
  std::uint8_t mei_type = 0;
  std::uint16_t byte_count = 0;
  std::uint16_t and_mask = 0;
  std::uint16_t or_mask = 0;
  std::uint8_t reference_type = 0;
  std::uint16_t file_number = 0;
  std::uint16_t record_number = 0;
  std::uint16_t record_length = 0;
  std::uint8_t file_requests = 0;  // sub-requests in a 20/21 message

  // Written values in a request (5, 6, 15, 16, 23's write part), read values in a response.
  ValueKind value_kind = ValueKind::None;
  std::uint16_t value_count = 0;
  std::span<const std::uint8_t> values;

  // Read Device Identification (43/14).
  std::uint8_t device_id_code = 0;  // request: 1..4; response: echoed
  std::uint8_t object_id = 0;       // request: first object; response: next object id
  std::uint8_t object_count = 0;    // response
  std::span<const std::uint8_t> vendor_name, product_code, revision;  // response objects 0..2

  std::span<const std::uint8_t> data;  // the PDU after the function code
};

// Frames one ADU: Ok (size = ADU bytes), NeedMore (size = bytes needed) or Invalid.
DecodeResult frame_adu(std::span<const std::uint8_t> bytes, Mbap& out);
// Frames and decodes one ADU sent by the client (a request) or by the server (a response).
DecodeResult decode_request(std::span<const std::uint8_t> bytes, Pdu& out);
DecodeResult decode_response(std::span<const std::uint8_t> bytes, Pdu& out);

// The i-th value of `values` (i < value_count): a register, or a coil as 0/1.
std::uint16_t value_at(const Pdu& pdu, std::size_t i);

}  // namespace limen::dissect::modbus
