#include "dissectors/opcua/opcua_session.h"

#include <algorithm>

#include "dissectors/opcua/opcua_constants.h"
#include "dissectors/opcua/opcua_fields.h"

namespace limen::dissect::opcua {
namespace {

using Summary = OpcuaSession::Summary;

enum : std::uint16_t {
  kHasSequence = 1U << 0,
  kHasService = 1U << 1,
  kHasOpen = 1U << 2,
  kHasIdentity = 1U << 3,
  kHasHello = 1U << 4,
  kHasText = 1U << 5,
  kEncrypted = 1U << 6,
};

constexpr bool is_connection(MessageType t) {
  return t == MessageType::Hello || t == MessageType::Acknowledge || t == MessageType::Error ||
         t == MessageType::ReverseHello;
}

std::string_view as_text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};  // NOLINT: char view
}

void put(Transaction& t, OpcuaField f, std::uint64_t v) { t.set_uint(field_index(f), v); }
void put_text(Transaction& t, OpcuaField f, std::string_view v) { t.set_text(field_index(f), v); }

// A plausible chunk header at the front of `b` (at least 8 bytes).
bool plausible_header(std::span<const std::uint8_t> b) {
  bool known = false;
  for (const auto code : kMessageTypeCodes)
    known = known || (b[0] == static_cast<std::uint8_t>(code[0]) &&
                      b[1] == static_cast<std::uint8_t>(code[1]) &&
                      b[2] == static_cast<std::uint8_t>(code[2]));
  const std::uint32_t size = static_cast<std::uint32_t>(b[4]) |
                             static_cast<std::uint32_t>(b[5]) << 8U |
                             static_cast<std::uint32_t>(b[6]) << 16U |
                             static_cast<std::uint32_t>(b[7]) << 24U;
  return known && (b[3] == 'F' || b[3] == 'C' || b[3] == 'A') && size >= kHeaderBytes &&
         size <= kMaxChunkSize;
}

}  // namespace

std::size_t OpcuaSession::on_data(Direction dir, std::span<const std::uint8_t> bytes,
                                  Timestamp /*ts*/, TransactionSink& sink) {
  const auto d = static_cast<std::size_t>(dir);
  std::size_t used = 0;
  while (used < bytes.size()) {
    auto rest = bytes.subspan(used);
    if (skip_[d] > 0) {
      const std::size_t n = std::min(skip_[d], rest.size());
      skip_[d] -= n;
      used += n;
      continue;
    }
    if (out_of_sync_[d]) {
      used += resync(dir, rest);
      if (out_of_sync_[d]) break;  // no header yet: wait for more bytes
      continue;
    }
    // MSG/CLO bodies are plaintext only in mode None; an OPN body depends on its own policy,
    // which the decoder checks. A continuation chunk carries no type id to read.
    const bool visible = !in_message_[d] && (mode_ == ChannelMode::None || rest[0] == 'O');
    Chunk chunk;
    const DecodeResult r = decode_chunk(rest, visible, chunk);
    if (r.status == DecodeStatus::NeedMore) break;
    if (r.status == DecodeStatus::Invalid) {
      ++counters_.out_of_sync;
      out_of_sync_[d] = true;
      in_message_[d] = false;
      anomaly(dir, r.reason, !framed_[d], sink);
      // Step past the bad header's first byte: resync must not find the same header again.
      ++used;
      ++counters_.skipped_bytes;
      continue;
    }
    framed_[d] = true;
    const std::size_t taken = std::min(r.size, rest.size());
    used += taken;
    skip_[d] = r.size - taken;
    if (r.status == DecodeStatus::Malformed) {
      ++counters_.malformed;
      anomaly(dir, r.reason, false, sink);
      // Still reported when the message-level headers were read: a bad string later in the
      // chunk must not hide the request.
      if (!chunk.has_sequence) continue;
    }
    on_chunk(dir, chunk, sink);
  }
  return used;
}

void OpcuaSession::on_chunk(Direction dir, const Chunk& chunk, TransactionSink& sink) {
  const auto d = static_cast<std::size_t>(dir);
  if (!is_connection(chunk.type) && in_message_[d]) {
    // A later chunk of a message already pending or reported: it carries no type id.
    ++counters_.continuation_chunks;
    if (chunk.chunk_type != 'C') in_message_[d] = false;
    if (chunk.chunk_type == 'A') {
      ++counters_.aborted;
      anomaly(dir, "message aborted by its sender", false, sink);
    }
    if (dir == Direction::ToServer) {
      Pending* p = find_pending(chunk.type, message_request_id_[d]);
      if (p != nullptr && p->request.chunks < 0xFFFF) ++p->request.chunks;
    }
    return;
  }
  if (!is_connection(chunk.type)) {
    in_message_[d] = chunk.chunk_type == 'C';
    message_request_id_[d] = chunk.request_id;
    if (chunk.chunk_type == 'A') {
      ++counters_.aborted;
      anomaly(dir, "message aborted by its sender", false, sink);
    }
  }
  if (chunk.type == MessageType::Open && dir == Direction::ToServer) {
    // The client's choice governs every later MSG of the channel. Policy None with a mode other
    // than None contradicts Part 4 7.20: treated as secured, never as readable.
    if (!chunk.policy_none) {
      mode_ = ChannelMode::Secured;
    } else if (chunk.has_open) {
      mode_ = chunk.security_mode == 1 ? ChannelMode::None : ChannelMode::Secured;
      if (chunk.security_mode != 1)
        anomaly(dir, "security policy None with a security mode other than None", false, sink);
    }
  }
  const bool from_client = chunk.type == MessageType::Hello || chunk.type == MessageType::Close ||
                           ((chunk.type == MessageType::Open ||
                             chunk.type == MessageType::Message) && dir == Direction::ToServer);
  if ((dir == Direction::ToServer) != from_client) {
    anomaly(dir, "message type in the wrong direction", false, sink);
    return;
  }
  if (from_client) {
    on_request(chunk, sink);
  } else {
    on_reply(chunk, sink);
  }
}

void OpcuaSession::on_request(const Chunk& chunk, TransactionSink& sink) {
  ++counters_.requests;
  const Summary s = summarize(chunk);
  if ((s.flags & kEncrypted) != 0) ++counters_.hidden;
  if (chunk.type == MessageType::Close) {  // no response exists: the channel closes
    report(&s, nullptr, sink);
    return;
  }
  if (pending_count_ == kMaxOutstanding) {
    Pending* oldest = &pending_[0];
    for (std::size_t i = 1; i < pending_count_; ++i)
      if (pending_[i].order < oldest->order) oldest = &pending_[i];
    ++counters_.evicted;
    ++counters_.unanswered;
    const Summary evicted = oldest->request;
    take(oldest);
    report(&evicted, nullptr, sink);
  }
  pending_[pending_count_++] = Pending{s, next_order_++};
}

void OpcuaSession::on_reply(const Chunk& chunk, TransactionSink& sink) {
  ++counters_.responses;
  if (chunk.type == MessageType::ReverseHello) {  // the server's first word: nothing to pair
    report(nullptr, &chunk, sink);
    return;
  }
  // ACK answers HEL; ERR answers HEL when one waits, else ends the connection on its own.
  const bool connection = chunk.type == MessageType::Acknowledge ||
                          chunk.type == MessageType::Error;
  Pending* match = connection ? find_pending(MessageType::Hello, 0)
                              : find_pending(chunk.type, chunk.request_id);
  if (match == nullptr) {
    if (chunk.type != MessageType::Error) ++counters_.unmatched_responses;
    report(nullptr, &chunk, sink);
    return;
  }
  const Summary request = match->request;
  take(match);
  if ((request.flags & kHasService) != 0 && chunk.has_service &&
      chunk.service_id != kServiceFault &&
      request_of_response(chunk.service_id) != request.service_id)
    anomaly(Direction::ToClient, "response service differs from request", false, sink);
  report(&request, &chunk, sink);
}

OpcuaSession::Pending* OpcuaSession::find_pending(MessageType type, std::uint32_t request_id) {
  Pending* match = nullptr;
  for (std::size_t i = 0; i < pending_count_; ++i) {
    Pending& p = pending_[i];
    const std::uint32_t id = type == MessageType::Hello ? 0 : p.request.request_id;
    if (p.request.type == type && id == request_id &&
        (match == nullptr || p.order < match->order))
      match = &p;
  }
  return match;
}

void OpcuaSession::take(Pending* p) { *p = pending_[--pending_count_]; }

Summary OpcuaSession::summarize(const Chunk& c) const {
  Summary s;
  s.type = c.type;
  s.chunk_type = c.chunk_type;
  const auto flag = [&s](bool on, std::uint16_t bit) {
    if (on) s.flags = static_cast<std::uint16_t>(s.flags | bit);
  };
  flag(c.has_sequence, kHasSequence);
  flag(c.has_service, kHasService);
  flag(c.has_open, kHasOpen);
  flag(c.has_identity, kHasIdentity);
  flag(c.type == MessageType::Hello, kHasHello);
  const bool body_hidden = c.type == MessageType::Open ? !c.policy_none
                                                       : mode_ != ChannelMode::None;
  flag(c.has_sequence && body_hidden && !is_connection(c.type), kEncrypted);
  s.secure_channel_id = c.secure_channel_id;
  s.token_id = c.token_id;
  s.sequence_number = c.sequence_number;
  s.request_id = c.request_id;
  s.service_id = c.service_id;
  s.security_mode = c.security_mode;
  s.request_type = c.request_type;
  s.identity_token = c.identity_token;
  s.protocol_version = c.protocol_version;
  s.receive_buffer_size = c.receive_buffer_size;
  s.send_buffer_size = c.send_buffer_size;
  s.max_message_size = c.max_message_size;
  s.max_chunk_count = c.max_chunk_count;
  const auto text = c.type == MessageType::Open ? c.security_policy : c.endpoint_url;
  if (!text.empty() && c.type != MessageType::ReverseHello) {
    s.flags = static_cast<std::uint16_t>(s.flags | kHasText);
    s.text_length = static_cast<std::uint8_t>(std::min(text.size(), kMaxText));
    std::copy_n(text.begin(), s.text_length, s.text.begin());
  }
  return s;
}

std::size_t OpcuaSession::resync(Direction dir, std::span<const std::uint8_t> bytes) {
  std::size_t i = 0;
  for (; i + kHeaderBytes <= bytes.size(); ++i) {
    if (plausible_header(bytes.subspan(i, kHeaderBytes))) {
      out_of_sync_[static_cast<std::size_t>(dir)] = false;
      break;
    }
  }
  counters_.skipped_bytes += i;
  return i;
}

void OpcuaSession::on_gap(Direction dir, std::size_t length) {
  if (length == 0) return;
  const auto d = static_cast<std::size_t>(dir);
  ++counters_.gaps;
  if (skip_[d] >= length) {
    skip_[d] -= length;  // the hole lies inside the oversized chunk being skipped
    return;
  }
  // The next byte may fall anywhere inside a chunk: find a header again.
  skip_[d] = 0;
  out_of_sync_[d] = true;
  in_message_[d] = false;
}

void OpcuaSession::on_close(Timestamp /*ts*/, TransactionSink& sink) {
  // Oldest first, so the report order is the order the requests were sent.
  std::sort(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pending_count_),
            [](const Pending& a, const Pending& b) { return a.order < b.order; });
  for (std::size_t i = 0; i < pending_count_; ++i) {
    ++counters_.unanswered;
    report(&pending_[i].request, nullptr, sink);
  }
  pending_count_ = 0;
}

void OpcuaSession::report(const Summary* request, const Chunk* response,
                          TransactionSink& sink) {
  Transaction t(Protocol::Opcua, opcua_schema());
  t.has_request = request != nullptr;
  t.has_response = response != nullptr;
  const Summary s = request != nullptr ? *request : summarize(*response);
  put_text(t, OpcuaField::MessageType, message_type_code(s.type));
  if (!is_connection(s.type)) put_text(t, OpcuaField::Chunk, std::string_view(&s.chunk_type, 1));
  if ((s.flags & kHasSequence) != 0) {
    // An OPN request carries channel 0: the channel is the one the server's response names.
    const bool use_response = s.secure_channel_id == 0 && response != nullptr;
    put(t, OpcuaField::SecureChannelId,
        use_response ? response->secure_channel_id : s.secure_channel_id);
    if (s.type != MessageType::Open) put(t, OpcuaField::TokenId, s.token_id);
    put(t, OpcuaField::SequenceNumber, s.sequence_number);
    put(t, OpcuaField::RequestId, s.request_id);
  }
  if ((s.flags & kHasText) != 0) {
    const std::string_view text(s.text.data(), s.text_length);
    put_text(t, s.type == MessageType::Open ? OpcuaField::SecurityPolicy : OpcuaField::EndpointUrl,
             text);
  }
  if ((s.flags & kHasOpen) != 0 && request != nullptr) {
    put(t, OpcuaField::RequestType, s.request_type);
    put(t, OpcuaField::SecurityModeCode, s.security_mode);
    put_text(t, OpcuaField::SecurityMode, security_mode_name(s.security_mode));
  }
  if ((s.flags & kHasSequence) != 0)
    t.set_bool(field_index(OpcuaField::Encrypted), (s.flags & kEncrypted) != 0);
  std::uint32_t service = 0;
  if ((s.flags & kHasService) != 0) {
    // Always the request's id, so that one rule matches a request, a response or both.
    service = request != nullptr ? s.service_id : request_of_response(s.service_id);
    put(t, OpcuaField::ServiceId, service);
    put_text(t, OpcuaField::Service, service_name(service));
  }
  bool user_identity = false;
  if ((s.flags & kHasIdentity) != 0) {
    put_text(t, OpcuaField::IdentityToken, identity_token_name(s.identity_token));
    user_identity = s.identity_token != static_cast<std::uint32_t>(IdentityToken::Anonymous);
  }
  if ((s.flags & kHasHello) != 0) {
    put(t, OpcuaField::ProtocolVersion, s.protocol_version);
    put(t, OpcuaField::ReceiveBufferSize, s.receive_buffer_size);
    put(t, OpcuaField::SendBufferSize, s.send_buffer_size);
    put(t, OpcuaField::MaxMessageSize, s.max_message_size);
    put(t, OpcuaField::MaxChunkCount, s.max_chunk_count);
  }
  if (request != nullptr && s.chunks > 1) put(t, OpcuaField::Chunks, s.chunks);
  if (response != nullptr) {
    if (response->has_status) put(t, OpcuaField::StatusCode, response->status_code);
    if (response->has_error) {
      put(t, OpcuaField::Error, response->error);
      put_text(t, OpcuaField::Reason, as_text(response->reason));
    }
    if (response->type == MessageType::ReverseHello) {
      put_text(t, OpcuaField::ServerUri, as_text(response->server_uri));
      put_text(t, OpcuaField::EndpointUrl, as_text(response->endpoint_url));
    }
  }
  if (s.type == MessageType::Message) {
    t.operation = service != 0 ? operation_of(service, user_identity) : Operation::Unknown;
  } else {
    t.operation = Operation::Session;
  }
  ++counters_.transactions;
  sink.on_transaction(t);
}

void OpcuaSession::anomaly(Direction dir, std::string_view reason, bool violation,
                           TransactionSink& sink) {
  ++counters_.anomalies;
  sink.on_anomaly(Anomaly{Protocol::Opcua, dir, reason, violation});
}

}  // namespace limen::dissect::opcua
