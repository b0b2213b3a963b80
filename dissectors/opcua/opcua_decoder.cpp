#include "dissectors/opcua/opcua_decoder.h"

#include <algorithm>

#include "common/byte_reader.h"

namespace limen::dissect::opcua {
namespace {

constexpr std::uint32_t kOpenRequest = 446;
constexpr std::uint32_t kOpenResponse = 449;
constexpr std::uint32_t kActivateRequest = 467;
constexpr int kMaxDiagnosticDepth = 4;
constexpr std::string_view kPolicyNone = "http://opcfoundation.org/UA/SecurityPolicy#None";

DecodeResult ok(std::size_t size) { return {DecodeStatus::Ok, size, {}}; }
DecodeResult need(std::size_t size) { return {DecodeStatus::NeedMore, size, {}}; }
DecodeResult invalid(std::string_view why) { return {DecodeStatus::Invalid, 0, why}; }
DecodeResult malformed(std::size_t size, std::string_view why) {
  return {DecodeStatus::Malformed, size, why};
}

// String / ByteString (Part 6 5.2.2.4): int32 length, -1 for null. A negative length other
// than -1, or one past the end, fails the reader.
std::span<const std::uint8_t> string_of(ByteReader& r) {
  const auto length = static_cast<std::int32_t>(r.le32());
  if (length == -1) return {};
  if (length < 0) {
    r.fail();
    return {};
  }
  return r.bytes(static_cast<std::size_t>(length));
}

// Array length (int32, -1 null) bounded by the bytes left, each element at least `min_bytes`.
std::size_t array_length(ByteReader& r, std::size_t min_bytes) {
  const auto n = static_cast<std::int32_t>(r.le32());
  if (n == -1) return 0;
  if (n < 0 || static_cast<std::size_t>(n) > r.remaining() / min_bytes) {
    r.fail();
    return 0;
  }
  return static_cast<std::size_t>(n);
}

// NodeId or ExpandedNodeId (Part 6 5.2.2.9/5.2.2.10). Numeric identifiers are returned; other
// identifier kinds leave `id` at 0 and `numeric` false.
struct NodeId {
  std::uint16_t ns = 0;
  std::uint32_t id = 0;
  bool numeric = false;
};
NodeId node_id(ByteReader& r, bool expanded) {
  NodeId n;
  const std::uint8_t mask = r.u8();
  switch (mask & 0x0FU) {
    case 0: n.id = r.u8(); n.numeric = true; break;
    case 1: n.ns = r.u8(); n.id = r.le16(); n.numeric = true; break;
    case 2: n.ns = r.le16(); n.id = r.le32(); n.numeric = true; break;
    case 3: n.ns = r.le16(); (void)string_of(r); break;
    case 4: n.ns = r.le16(); r.skip(16); break;
    case 5: n.ns = r.le16(); (void)string_of(r); break;
    default: r.fail(); return n;
  }
  if ((mask & 0x30U) != 0 || (!expanded && (mask & 0xC0U) != 0)) {
    r.fail();
    return n;
  }
  if ((mask & 0x80U) != 0) (void)string_of(r);  // namespace URI
  if ((mask & 0x40U) != 0) r.skip(4);           // server index
  return n;
}

// ExtensionObject (Part 6 5.2.2.15): its type id; the body is skipped.
std::uint32_t extension_object(ByteReader& r) {
  const NodeId type = node_id(r, false);
  const std::uint8_t encoding = r.u8();
  if (encoding == 1 || encoding == 2) {
    (void)string_of(r);
  } else if (encoding != 0) {
    r.fail();
  }
  return type.numeric ? type.id : 0;
}

// DiagnosticInfo (Part 6 5.2.2.12), recursion bounded.
void diagnostic_info(ByteReader& r, int depth) {
  const std::uint8_t mask = r.u8();
  if ((mask & 0x80U) != 0 || depth > kMaxDiagnosticDepth) {
    r.fail();
    return;
  }
  for (const unsigned bit : {0x01U, 0x02U, 0x04U, 0x08U})
    if ((mask & bit) != 0) r.skip(4);
  if ((mask & 0x10U) != 0) (void)string_of(r);
  if ((mask & 0x20U) != 0) r.skip(4);
  if ((mask & 0x40U) != 0) diagnostic_info(r, depth + 1);
}

void request_header(ByteReader& r) {
  (void)node_id(r, false);  // authentication token
  r.skip(8 + 4 + 4);        // timestamp, request handle, return diagnostics
  (void)string_of(r);       // audit entry id
  r.skip(4);                // timeout hint
  (void)extension_object(r);
}

void response_header(ByteReader& r, Chunk& out) {
  r.skip(8 + 4);  // timestamp, request handle
  out.status_code = r.le32();
  out.has_status = r.ok();
  diagnostic_info(r, 0);
  const std::size_t strings = array_length(r, 4);
  for (std::size_t i = 0; i < strings && r.ok(); ++i) (void)string_of(r);
  (void)extension_object(r);
}

// The service body: its type id, then what the session reports of a few services.
void body(ByteReader& r, Chunk& out) {
  const NodeId type = node_id(r, true);
  if (!r.ok()) return;
  out.has_service = type.numeric;
  out.service_namespace = type.ns;
  out.service_id = type.id;
  if (!type.numeric || type.ns != 0) return;
  bool is_response = false;
  const bool known = find_service(type.id, is_response) != nullptr;
  if (type.id == kServiceFault || (known && is_response)) {
    response_header(r, out);
    if (type.id == kOpenResponse) {
      r.skip(4);  // server protocol version
      out.revised_channel_id = r.le32();
      out.revised_token_id = r.le32();
      out.has_open = r.ok();
    }
    return;
  }
  if (type.id == kOpenRequest) {
    request_header(r);
    r.skip(4);  // client protocol version
    out.request_type = r.le32();
    out.security_mode = r.le32();
    out.has_open = r.ok();
  } else if (type.id == kActivateRequest) {
    request_header(r);
    (void)string_of(r);  // client signature: algorithm, signature
    (void)string_of(r);
    const std::size_t certificates = array_length(r, 8);
    for (std::size_t i = 0; i < certificates && r.ok(); ++i) {
      (void)string_of(r);
      (void)string_of(r);
    }
    const std::size_t locales = array_length(r, 4);
    for (std::size_t i = 0; i < locales && r.ok(); ++i) (void)string_of(r);
    out.identity_token = extension_object(r);
    out.has_identity = r.ok();
  }
}

bool message_type(std::span<const std::uint8_t> b, MessageType& out) {
  for (std::size_t i = 0; i < kMessageTypeCodes.size(); ++i) {
    const auto code = kMessageTypeCodes[i];
    if (b[0] == static_cast<std::uint8_t>(code[0]) && b[1] == static_cast<std::uint8_t>(code[1]) &&
        b[2] == static_cast<std::uint8_t>(code[2])) {
      out = static_cast<MessageType>(i);
      return true;
    }
  }
  return false;
}

std::string_view as_text(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};  // NOLINT: char view of bytes
}

}  // namespace

DecodeResult decode_chunk(std::span<const std::uint8_t> bytes, bool body_visible, Chunk& out) {
  out = Chunk{};
  if (bytes.size() < kHeaderBytes) return need(kHeaderBytes);
  if (!message_type(bytes, out.type)) return invalid("unknown message type");
  out.chunk_type = static_cast<char>(bytes[3]);
  if (out.chunk_type != 'F' && out.chunk_type != 'C' && out.chunk_type != 'A')
    return invalid("unknown chunk type");
  ByteReader header(bytes.subspan(4, 4));
  out.size = header.le32();
  const bool secured = out.type == MessageType::Open || out.type == MessageType::Message ||
                       out.type == MessageType::Close;
  if (!secured && out.chunk_type != 'F') return invalid("connection message is not final");
  if (out.size < kHeaderBytes) return invalid("message size below header");
  if (out.size > kMaxChunkSize) return invalid("message size above 16 MiB");
  if (!secured && out.size > kMaxChunk) return invalid("connection message above 64 KiB");
  const std::size_t window = std::min<std::size_t>(out.size, kMaxChunk);
  if (bytes.size() < window) return need(window);

  const auto frame = bytes.first(std::min<std::size_t>(out.size, bytes.size()));
  ByteReader r(frame.subspan(kHeaderBytes));
  const std::size_t size = out.size;
  switch (out.type) {
    case MessageType::Hello:
    case MessageType::Acknowledge:
      out.protocol_version = r.le32();
      out.receive_buffer_size = r.le32();
      out.send_buffer_size = r.le32();
      out.max_message_size = r.le32();
      out.max_chunk_count = r.le32();
      if (out.type == MessageType::Hello) {
        out.endpoint_url = string_of(r);
        if (out.endpoint_url.size() > kMaxUrl) return malformed(size, "endpoint URL too long");
      }
      break;
    case MessageType::Error:
      out.error = r.le32();
      out.reason = string_of(r);
      out.has_error = r.ok();
      break;
    case MessageType::ReverseHello:
      out.server_uri = string_of(r);
      out.endpoint_url = string_of(r);
      if (out.endpoint_url.size() > kMaxUrl) return malformed(size, "endpoint URL too long");
      break;
    case MessageType::Open:
    case MessageType::Message:
    case MessageType::Close: {
      out.secure_channel_id = r.le32();
      if (out.type == MessageType::Open) {
        out.security_policy = string_of(r);
        out.policy_none = r.ok() && as_text(out.security_policy) == kPolicyNone;
        (void)string_of(r);  // sender certificate
        (void)string_of(r);  // receiver certificate thumbprint
        // An OPN body is plaintext only under policy None.
        body_visible = body_visible && out.policy_none;
      } else {
        out.token_id = r.le32();
      }
      out.sequence_number = r.le32();
      out.request_id = r.le32();
      out.has_sequence = r.ok();
      if (!out.has_sequence || !body_visible) break;
      if (out.chunk_type == 'A') {
        out.error = r.le32();
        out.reason = string_of(r);
        out.has_error = r.ok();
      } else {
        body(r, out);
      }
      break;
    }
  }
  if (!r.ok()) {
    return malformed(size, frame.size() < size ? "headers run past the 64 KiB window"
                                               : "field runs past the chunk");
  }
  return ok(size);
}

}  // namespace limen::dissect::opcua
