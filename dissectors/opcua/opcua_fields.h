#pragma once
// The OPC UA field schema: every field an OPC UA transaction may carry, by full name, type and
// meaning. The rule engine and the JSON writer read transactions through this table only.
// Invariant: OpcuaField values index kOpcuaFields (checked at compile time in the .cpp).

#include <array>
#include <cstdint>
#include <span>

#include "dissectors/core/transaction.h"

namespace limen::dissect::opcua {

enum class OpcuaField : std::uint16_t {
  MessageType,
  Chunk,
  SecureChannelId,
  TokenId,
  SequenceNumber,
  RequestId,
  SecurityPolicy,
  SecurityModeCode,
  SecurityMode,
  RequestType,
  Encrypted,
  ServiceId,
  Service,
  StatusCode,
  IdentityToken,
  EndpointUrl,
  ServerUri,
  ProtocolVersion,
  ReceiveBufferSize,
  SendBufferSize,
  MaxMessageSize,
  MaxChunkCount,
  Error,
  Reason,
  Chunks,
  Count,
};

inline constexpr std::array<FieldSpec, static_cast<std::size_t>(OpcuaField::Count)> kOpcuaFields{{
    {"opcua.message_type", FieldType::Text, "UA TCP message type: HEL ACK ERR RHE OPN MSG CLO"},
    {"opcua.chunk", FieldType::Text, "chunk type of the first chunk: F final, C more, A abort"},
    {"opcua.secure_channel_id", FieldType::Uint, "secure channel id (the server's, once issued)"},
    {"opcua.token_id", FieldType::Uint, "security token id of a MSG/CLO"},
    {"opcua.sequence_number", FieldType::Uint, "sequence number of the request's first chunk"},
    {"opcua.request_id", FieldType::Uint, "request id pairing a request and its response"},
    {"opcua.security_policy", FieldType::Text, "OPN security policy URI (first 128 bytes)"},
    {"opcua.security_mode_code", FieldType::Uint,
     "OPN MessageSecurityMode: 1 none, 2 sign, 3 sign and encrypt"},
    {"opcua.security_mode", FieldType::Text, "security mode name: none, sign, sign_and_encrypt"},
    {"opcua.request_type", FieldType::Uint, "OPN SecurityTokenRequestType: 0 issue, 1 renew"},
    {"opcua.encrypted", FieldType::Bool,
     "the body is not visible (channel signed or encrypted, or its mode never seen): no service"},
    {"opcua.service_id", FieldType::Uint, "request's binary encoding id, e.g. 631 (Read)"},
    {"opcua.service", FieldType::Text, "service name, e.g. read, call, activate_session"},
    {"opcua.status_code", FieldType::Uint, "response ServiceResult (0 good)"},
    {"opcua.identity_token", FieldType::Text,
     "ActivateSession identity: anonymous, user_name, x509, issued"},
    {"opcua.endpoint_url", FieldType::Text, "HEL / RHE endpoint URL (HEL: first 128 bytes)"},
    {"opcua.server_uri", FieldType::Text, "RHE server URI"},
    {"opcua.protocol_version", FieldType::Uint, "HEL protocol version"},
    {"opcua.receive_buffer_size", FieldType::Uint, "HEL receive buffer size"},
    {"opcua.send_buffer_size", FieldType::Uint, "HEL send buffer size"},
    {"opcua.max_message_size", FieldType::Uint, "HEL max message size (0 no limit)"},
    {"opcua.max_chunk_count", FieldType::Uint, "HEL max chunk count (0 no limit)"},
    {"opcua.error", FieldType::Uint, "ERR or abort-chunk error status code"},
    {"opcua.reason", FieldType::Text, "ERR or abort-chunk reason text"},
    {"opcua.chunks", FieldType::Uint, "chunks of the request message, when more than one"},
}};

// The schema as the Transaction constructor takes it.
std::span<const FieldSpec> opcua_schema();

constexpr std::uint16_t field_index(OpcuaField f) { return static_cast<std::uint16_t>(f); }

}  // namespace limen::dissect::opcua
