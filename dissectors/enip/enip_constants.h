#pragma once
// EtherNet/IP encapsulation commands and CIP codes (services, general status, classes) with
// constexpr snake_case name tables, and the mapping from a CIP service to the cross-protocol
// Operation.
//
// Specification: "The CIP Networks Library", Volume 2 (EtherNet/IP adaptation), chapter 2
// (encapsulation: 2-3 header, 2-4 commands, 2-6 common packet format); Volume 1, Appendix A
// (services, A-3 general status), Appendix C (logical segments, C-1.4), 3-5 (connection
// manager services). Object-specific service codes (0x4B..0x63) mean different things per
// class, so their names and operations take the class. Unknown codes are named "unknown":
// callers always keep the numeric code.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dissectors/core/operation.h"

namespace limen::dissect::enip {

inline constexpr std::uint16_t kPort = 44818;       // TCP explicit messaging, UDP list identity
inline constexpr std::size_t kHeaderBytes = 24;
inline constexpr std::uint16_t kMaxLength = 65511;  // encapsulated data limit, Vol 2 2-3.1
inline constexpr std::size_t kMaxFrame = kHeaderBytes + kMaxLength;
inline constexpr std::uint8_t kResponseBit = 0x80;

enum class Command : std::uint16_t {
  Nop = 0x0000,
  ListServices = 0x0004,
  ListIdentity = 0x0063,
  ListInterfaces = 0x0064,
  RegisterSession = 0x0065,
  UnregisterSession = 0x0066,
  SendRrData = 0x006F,
  SendUnitData = 0x0070,
  IndicateStatus = 0x0072,
  Cancel = 0x0073,
};

namespace detail {
struct CodeName {
  std::uint16_t code;
  std::string_view name;
};
template <std::size_t N>
constexpr std::string_view lookup(const std::array<CodeName, N>& table, std::uint16_t code) {
  for (const auto& e : table)
    if (e.code == code) return e.name;
  return "unknown";
}
}  // namespace detail

inline constexpr std::array<detail::CodeName, 10> kCommandNames{{
    {0x0000, "nop"},
    {0x0004, "list_services"},
    {0x0063, "list_identity"},
    {0x0064, "list_interfaces"},
    {0x0065, "register_session"},
    {0x0066, "unregister_session"},
    {0x006F, "send_rr_data"},
    {0x0070, "send_unit_data"},
    {0x0072, "indicate_status"},
    {0x0073, "cancel"},
}};
constexpr std::string_view command_name(std::uint16_t command) {
  return detail::lookup(kCommandNames, command);
}
constexpr bool known_command(std::uint16_t command) {
  return command_name(command) != "unknown";
}
// Commands that get no reply: they are reported as soon as they are seen.
constexpr bool command_has_reply(std::uint16_t command) {
  return command != 0x0000 && command != 0x0066 && command != 0x0070;
}

inline constexpr std::array<detail::CodeName, 5> kEncapStatusNames{{
    {0x0000, "success"},
    {0x0001, "invalid_command"},
    {0x0002, "insufficient_memory"},
    {0x0003, "incorrect_data"},
    {0x0064, "invalid_session_handle"},
}};

// Common packet format item types, Vol 2 2-6.
enum class ItemType : std::uint16_t {
  NullAddress = 0x0000,
  ListIdentity = 0x000C,
  ConnectedAddress = 0x00A1,
  ConnectedData = 0x00B1,
  UnconnectedData = 0x00B2,
  ListServices = 0x0100,
  SequencedAddress = 0x8002,
};

// Classes whose services the session treats specially.
enum class CipClass : std::uint16_t {
  Identity = 0x01,
  MessageRouter = 0x02,
  ConnectionManager = 0x06,
  File = 0x37,
  Pccc = 0x67,
  Symbol = 0x6B,
  Template = 0x6C,
  FirmwareUpdate = 0xA1,  // the class the brief names for firmware update; see README
};

enum class Service : std::uint8_t {
  GetAttributesAll = 0x01,
  SetAttributesAll = 0x02,
  GetAttributeList = 0x03,
  SetAttributeList = 0x04,
  Reset = 0x05,
  Start = 0x06,
  Stop = 0x07,
  Create = 0x08,
  Delete = 0x09,
  MultipleServicePacket = 0x0A,
  ApplyAttributes = 0x0D,
  GetAttributeSingle = 0x0E,
  SetAttributeSingle = 0x10,
  FindNextObjectInstance = 0x11,
  Restore = 0x15,
  Save = 0x16,
  NoOperation = 0x17,
  GetMember = 0x18,
  SetMember = 0x19,
  InsertMember = 0x1A,
  RemoveMember = 0x1B,
  GroupSync = 0x1C,
  // Connection manager (class 6), Vol 1 3-5.5.
  ForwardClose = 0x4E,
  UnconnectedSend = 0x52,
  ForwardOpen = 0x54,
  LargeForwardOpen = 0x5B,
};

inline constexpr std::array<detail::CodeName, 22> kCommonServiceNames{{
    {0x01, "get_attributes_all"},     {0x02, "set_attributes_all"},
    {0x03, "get_attribute_list"},     {0x04, "set_attribute_list"},
    {0x05, "reset"},                  {0x06, "start"},
    {0x07, "stop"},                   {0x08, "create"},
    {0x09, "delete"},                 {0x0A, "multiple_service_packet"},
    {0x0D, "apply_attributes"},       {0x0E, "get_attribute_single"},
    {0x10, "set_attribute_single"},   {0x11, "find_next_object_instance"},
    {0x15, "restore"},                {0x16, "save"},
    {0x17, "no_operation"},           {0x18, "get_member"},
    {0x19, "set_member"},             {0x1A, "insert_member"},
    {0x1B, "remove_member"},          {0x1C, "group_sync"},
}};
inline constexpr std::array<detail::CodeName, 7> kConnectionManagerNames{{
    {0x4E, "forward_close"},
    {0x52, "unconnected_send"},
    {0x54, "forward_open"},
    {0x56, "get_connection_data"},
    {0x57, "search_connection_data"},
    {0x5A, "get_connection_owner"},
    {0x5B, "large_forward_open"},
}};
// Logix controller tag services, addressed by symbol (no class) or the symbol/template classes.
inline constexpr std::array<detail::CodeName, 6> kTagServiceNames{{
    {0x4C, "read_tag"},
    {0x4D, "write_tag"},
    {0x4E, "read_modify_write_tag"},
    {0x52, "read_tag_fragmented"},
    {0x53, "write_tag_fragmented"},
    {0x55, "get_instance_attribute_list"},
}};

inline constexpr std::uint32_t kNoClass = 0xFFFFFFFFU;  // the path named no class

constexpr bool tag_services_apply(std::uint32_t cls) {
  return cls == kNoClass || cls == 0x6B || cls == 0x6C;
}

// The name of `service` (response bit removed) sent to `cls` (kNoClass when the path has none).
constexpr std::string_view service_name(std::uint8_t service, std::uint32_t cls) {
  if (service < 0x4B) return detail::lookup(kCommonServiceNames, service);
  if (cls == 0x06) return detail::lookup(kConnectionManagerNames, service);
  if (cls == 0x67 && service == 0x4B) return "execute_pccc";
  if (tag_services_apply(cls)) return detail::lookup(kTagServiceNames, service);
  return service <= 0x63 ? "object_specific" : "unknown";
}

inline constexpr std::array<detail::CodeName, 31> kGeneralStatusNames{{
    {0x00, "success"},
    {0x01, "connection_failure"},
    {0x02, "resource_unavailable"},
    {0x03, "invalid_parameter_value"},
    {0x04, "path_segment_error"},
    {0x05, "path_destination_unknown"},
    {0x06, "partial_transfer"},
    {0x07, "connection_lost"},
    {0x08, "service_not_supported"},
    {0x09, "invalid_attribute_value"},
    {0x0A, "attribute_list_error"},
    {0x0B, "already_in_requested_mode"},
    {0x0C, "object_state_conflict"},
    {0x0D, "object_already_exists"},
    {0x0E, "attribute_not_settable"},
    {0x0F, "privilege_violation"},
    {0x10, "device_state_conflict"},
    {0x11, "reply_data_too_large"},
    {0x12, "fragmentation_of_a_primitive_value"},
    {0x13, "not_enough_data"},
    {0x14, "attribute_not_supported"},
    {0x15, "too_much_data"},
    {0x16, "object_does_not_exist"},
    {0x17, "service_fragmentation_sequence_not_in_progress"},
    {0x18, "no_stored_attribute_data"},
    {0x19, "store_operation_failure"},
    {0x1A, "routing_failure_request_too_large"},
    {0x1B, "routing_failure_response_too_large"},
    {0x1C, "missing_attribute_list_entry_data"},
    {0x1D, "invalid_attribute_value_list"},
    {0x1E, "embedded_service_error"},
}};
constexpr std::string_view general_status_name(std::uint8_t status) {
  return detail::lookup(kGeneralStatusNames, status);
}

// The operation of one CIP service (response bit removed) on `cls`. Multiple Service Packet and
// Unconnected Send are resolved by the session from their members (see README).
constexpr Operation operation_of(std::uint8_t service, std::uint32_t cls) {
  if (cls == 0xA1) return Operation::Firmware;
  if (cls == 0x37) return Operation::File;
  switch (service) {
    case 0x01: case 0x03: case 0x0E: case 0x11: case 0x18: return Operation::Read;
    case 0x02: case 0x04: case 0x08: case 0x09: case 0x0D: case 0x10: case 0x15: case 0x16:
    case 0x19: case 0x1A: case 0x1B: return Operation::Write;
    case 0x05: return Operation::Restart;
    case 0x06: return Operation::Start;
    case 0x07: return Operation::Stop;
    case 0x17: return Operation::Diagnostic;
    case 0x1C: return Operation::Control;
    default: break;
  }
  if (cls == 0x06) {
    if (service == 0x4E || service == 0x54 || service == 0x5B) return Operation::Session;
    if (service == 0x56 || service == 0x57 || service == 0x5A) return Operation::Read;
    return Operation::Unknown;
  }
  if (tag_services_apply(cls)) {
    if (service == 0x4C || service == 0x52 || service == 0x55) return Operation::Read;
    if (service == 0x4D || service == 0x4E || service == 0x53) return Operation::Write;
  }
  return Operation::Unknown;
}

// The operation of an encapsulation command that carries no CIP message.
constexpr Operation command_operation(std::uint16_t command) {
  switch (command) {
    case 0x0004: case 0x0063: case 0x0064: return Operation::Discovery;
    case 0x0065: case 0x0066: return Operation::Session;
    case 0x0000: return Operation::Diagnostic;
    default: return Operation::Unknown;
  }
}

// Which operation wins when one message carries several (Multiple Service Packet): the one a
// rule most needs to see, so a stop hidden among reads is still a stop.
constexpr int operation_rank(Operation op) {
  switch (op) {
    case Operation::Firmware: return 14;
    case Operation::Stop: return 13;
    case Operation::Start: return 12;
    case Operation::Restart: return 11;
    case Operation::Program: return 10;
    case Operation::File: return 9;
    case Operation::Write: return 8;
    case Operation::Control: return 7;
    case Operation::Auth: return 6;
    case Operation::Session: return 5;
    case Operation::Read: return 4;
    case Operation::Discovery: return 3;
    case Operation::Diagnostic: return 2;
    case Operation::Report: return 1;
    case Operation::Unknown: return 0;
  }
  return 0;
}

}  // namespace limen::dissect::enip
