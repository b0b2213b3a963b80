#pragma once
// Pure OPC UA binary decoder: one UA TCP chunk at the front of a byte span, decoded into a value
// type whose variable parts are spans into that input. No state, no I/O, no allocation.
//
// Invariants: every length is hostile. An unknown message type, a chunk type other than F/C/A,
// or a message size below the header or above kMaxChunkSize means the bytes are not UA TCP
// framing (Invalid). A chunk is decoded once its first min(size, kMaxChunk) bytes are present;
// `DecodeResult::size` is always the whole chunk, which may exceed the bytes given (the session
// skips the rest). Inside a framed chunk, a string or array that runs past the chunk makes it
// Malformed: the frame size is still known, so the session skips exactly that chunk. The fields
// decoded before the fault stay valid (their `has_*` flags say which).
// The body (service NodeId and what follows) is read only when the caller says it is plaintext
// (`body_visible`) and, for OPN, only under SecurityPolicy#None.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dissectors/opcua/opcua_constants.h"

namespace limen::dissect::opcua {

enum class DecodeStatus : std::uint8_t {
  Ok,         // one chunk of `size` bytes, decoded into the Chunk
  NeedMore,   // `size` is the number of bytes needed before the chunk can be decoded
  Malformed,  // framed (`size` bytes) but its content runs past the chunk; `reason` says how
  Invalid,    // not a UA TCP message header: framing is lost; `reason` says why
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::Invalid;
  std::size_t size = 0;
  std::string_view reason;  // static text; empty when Ok or NeedMore
};

struct Chunk {
  MessageType type = MessageType::Hello;
  char chunk_type = 'F';  // F final, C intermediate, A abort
  std::uint32_t size = 0;

  // HEL / ACK
  std::uint32_t protocol_version = 0;
  std::uint32_t receive_buffer_size = 0, send_buffer_size = 0;
  std::uint32_t max_message_size = 0, max_chunk_count = 0;
  std::span<const std::uint8_t> endpoint_url;  // HEL, RHE
  std::span<const std::uint8_t> server_uri;    // RHE

  // ERR, and the body of an abort chunk
  bool has_error = false;
  std::uint32_t error = 0;
  std::span<const std::uint8_t> reason;

  // OPN / MSG / CLO security and sequence headers
  bool has_sequence = false;  // secure_channel_id .. request_id are valid
  std::uint32_t secure_channel_id = 0;
  std::span<const std::uint8_t> security_policy;  // OPN: the full policy URI
  bool policy_none = false;                        // OPN: SecurityPolicy#None
  std::uint32_t token_id = 0;                      // MSG / CLO
  std::uint32_t sequence_number = 0;
  std::uint32_t request_id = 0;

  // The body, when visible
  bool has_service = false;
  std::uint16_t service_namespace = 0;
  std::uint32_t service_id = 0;  // numeric encoding id, e.g. 631 ReadRequest
  bool has_status = false;       // a response: ResponseHeader.ServiceResult
  std::uint32_t status_code = 0;
  bool has_open = false;         // OpenSecureChannel request (mode, type) or response (token)
  std::uint32_t request_type = 0;    // request: 0 issue, 1 renew
  std::uint32_t security_mode = 0;   // request: MessageSecurityMode
  std::uint32_t revised_channel_id = 0, revised_token_id = 0;  // response
  bool has_identity = false;         // ActivateSession request
  std::uint32_t identity_token = 0;  // encoding id of the UserIdentityToken (321 anonymous)
};

// Frames and decodes one chunk. `body_visible`: the caller knows the body is plaintext (MSG/CLO
// on a channel in security mode None; any first chunk for OPN, whose own policy then decides).
DecodeResult decode_chunk(std::span<const std::uint8_t> bytes, bool body_visible, Chunk& out);

}  // namespace limen::dissect::opcua
