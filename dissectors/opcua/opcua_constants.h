#pragma once
// OPC UA binary (UA TCP, "opc.tcp") codes and their names: message types, security modes,
// identity token types, the service encoding ids (binary "DefaultBinary" NodeIds) with their
// snake_case names, and the mapping from a service to the cross-protocol Operation.
//
// Specification: OPC 10000-6 (UA Part 6, Mappings) 7.1.2 (message header, HEL/ACK/ERR/RHE),
// 6.7.2 (OPN/MSG/CLO security headers and sequence header), 5.2.2 (built-in binary encodings);
// OPC 10000-4 (Part 4, Services) 5.6.3 (ActivateSession), 7.35/7.36 (UserIdentityToken);
// numeric ids from the standard NodeIds.csv. A response's encoding id is its request's + 3.
// Names of ids the tables do not know are "unknown": callers always keep the numeric id.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dissectors/core/operation.h"

namespace limen::dissect::opcua {

inline constexpr std::uint16_t kPort = 4840;
inline constexpr std::size_t kHeaderBytes = 8;  // type (3), chunk (1), message size (le32)
// The session waits for at most this many bytes of one chunk (the common negotiated buffer
// size); a larger chunk is decoded from its first kMaxChunk bytes and the rest skipped.
inline constexpr std::size_t kMaxChunk = 65536;
// A message size above this is not OPC UA framing (no stack negotiates chunks this large).
inline constexpr std::uint32_t kMaxChunkSize = 16U * 1024U * 1024U;
inline constexpr std::size_t kMaxUrl = 4096;  // Part 6 7.1.2.3: EndpointUrl at most 4096 bytes
inline constexpr std::uint32_t kServiceFault = 397;
inline constexpr std::uint32_t kResponseOffset = 3;

enum class MessageType : std::uint8_t {
  Hello, Acknowledge, Error, ReverseHello, Open, Message, Close
};
inline constexpr std::array<std::string_view, 7> kMessageTypeCodes{"HEL", "ACK", "ERR", "RHE",
                                                                   "OPN", "MSG", "CLO"};
constexpr std::string_view message_type_code(MessageType t) {
  return kMessageTypeCodes[static_cast<std::size_t>(t)];
}

// MessageSecurityMode (Part 4 7.20); 0 is "invalid" on the wire.
enum class SecurityMode : std::uint32_t { Invalid = 0, None = 1, Sign = 2, SignAndEncrypt = 3 };
constexpr std::string_view security_mode_name(std::uint32_t mode) {
  switch (mode) {
    case 1: return "none";
    case 2: return "sign";
    case 3: return "sign_and_encrypt";
    default: return "invalid";
  }
}

// The user identity of ActivateSession, by the encoding id of its ExtensionObject.
enum class IdentityToken : std::uint16_t {
  Anonymous = 321, UserName = 324, X509 = 327, Issued = 940
};
constexpr std::string_view identity_token_name(std::uint32_t id) {
  switch (id) {
    case 321: return "anonymous";
    case 324: return "user_name";
    case 327: return "x509";
    case 940: return "issued";
    default: return "unknown";
  }
}

namespace detail {
struct Service {
  std::uint32_t request_id;  // binary encoding id of the request
  std::string_view name;
  Operation operation;
};
}  // namespace detail

// Every service of Part 4, by request encoding id. The operation column is explained in
// dissectors/opcua/README.md.
inline constexpr std::array<detail::Service, 40> kServices{{
    {422, "find_servers", Operation::Discovery},
    {12208, "find_servers_on_network", Operation::Discovery},
    {428, "get_endpoints", Operation::Discovery},
    {437, "register_server", Operation::Discovery},
    {12211, "register_server2", Operation::Discovery},
    {446, "open_secure_channel", Operation::Session},
    {452, "close_secure_channel", Operation::Session},
    {461, "create_session", Operation::Session},
    {467, "activate_session", Operation::Session},  // Auth with a user identity: operation_of
    {473, "close_session", Operation::Session},
    {479, "cancel", Operation::Session},
    {488, "add_nodes", Operation::Write},
    {494, "add_references", Operation::Write},
    {500, "delete_nodes", Operation::Write},
    {506, "delete_references", Operation::Write},
    {527, "browse", Operation::Discovery},
    {533, "browse_next", Operation::Discovery},
    {554, "translate_browse_paths_to_node_ids", Operation::Discovery},
    {560, "register_nodes", Operation::Read},
    {566, "unregister_nodes", Operation::Read},
    {615, "query_first", Operation::Read},
    {621, "query_next", Operation::Read},
    {631, "read", Operation::Read},
    {664, "history_read", Operation::Read},
    {673, "write", Operation::Write},
    {700, "history_update", Operation::Write},
    {712, "call", Operation::Control},
    {751, "create_monitored_items", Operation::Report},
    {763, "modify_monitored_items", Operation::Report},
    {769, "set_monitoring_mode", Operation::Report},
    {775, "set_triggering", Operation::Report},
    {781, "delete_monitored_items", Operation::Report},
    {787, "create_subscription", Operation::Report},
    {793, "modify_subscription", Operation::Report},
    {799, "set_publishing_mode", Operation::Report},
    {826, "publish", Operation::Report},
    {832, "republish", Operation::Report},
    {841, "transfer_subscriptions", Operation::Report},
    {847, "delete_subscriptions", Operation::Report},
    {15901, "session_less_invoke", Operation::Unknown},
}};

// The service entry of a request or response encoding id, or nullptr (also for ServiceFault,
// which answers any request).
constexpr const detail::Service* find_service(std::uint32_t id, bool& is_response) {
  for (const auto& s : kServices) {
    if (s.request_id == id) {
      is_response = false;
      return &s;
    }
    if (s.request_id + kResponseOffset == id) {
      is_response = true;
      return &s;
    }
  }
  return nullptr;
}

// The name of a request id ("service_fault" for 397), "unknown" otherwise.
constexpr std::string_view service_name(std::uint32_t id) {
  if (id == kServiceFault) return "service_fault";
  bool response = false;
  const auto* s = find_service(id, response);
  return s != nullptr && !response ? s->name : "unknown";
}

// The request encoding id a response id answers; ServiceFault stays 397 (it answers anything).
constexpr std::uint32_t request_of_response(std::uint32_t response_id) {
  return response_id == kServiceFault || response_id < kResponseOffset
             ? response_id
             : response_id - kResponseOffset;
}

// The operation of a request encoding id. `user_identity` is true for an ActivateSession that
// carries a user name, certificate or issued token (see README.md).
constexpr Operation operation_of(std::uint32_t request_id, bool user_identity) {
  bool response = false;
  const auto* s = find_service(request_id, response);
  if (s == nullptr || response) return Operation::Unknown;
  if (s->request_id == 467 && user_identity) return Operation::Auth;
  return s->operation;
}

}  // namespace limen::dissect::opcua
