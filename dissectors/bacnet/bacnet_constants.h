#pragma once
// BACnet/IP codes and their names: BVLC functions, network-layer message types, APDU types,
// confirmed and unconfirmed service choices, error classes, reject and abort reasons and the
// standard object types, each an enum class (or code table) with a constexpr snake_case name
// table, and the mapping from a service to the cross-protocol Operation.
//
// Specification: ANSI/ASHRAE Standard 135-2020 "BACnet", Annex J (BVLL for BACnet/IP, J.2),
// clause 6.2 (NPCI) and 6.4 (network-layer messages), clause 20.1 (APDU encoding), 20.2 (tag
// encoding) and 21 (the ASN.1 production: service choices, BACnetObjectType, Error, reasons).
// Names of codes the tables do not know are "unknown": callers always keep the numeric code.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dissectors/core/operation.h"

namespace limen::dissect::bacnet {

inline constexpr std::uint16_t kPort = 47808;  // 0xBAC0
inline constexpr std::uint8_t kBvlcType = 0x81;   // BACnet/IP (Annex J)
inline constexpr std::size_t kBvlcHeader = 4;     // type, function, 16-bit length
inline constexpr std::uint8_t kNpduVersion = 1;
// The largest BACnet/IP message: a 1476-byte APDU plus BVLC, forwarded origin and a full NPCI.
inline constexpr std::size_t kMaxMessage = 1497;

enum class BvlcFunction : std::uint8_t {
  Result = 0x00,
  WriteBdt = 0x01,
  ReadBdt = 0x02,
  ReadBdtAck = 0x03,
  ForwardedNpdu = 0x04,
  RegisterForeignDevice = 0x05,
  ReadFdt = 0x06,
  ReadFdtAck = 0x07,
  DeleteFdtEntry = 0x08,
  DistributeBroadcastToNetwork = 0x09,
  OriginalUnicastNpdu = 0x0A,
  OriginalBroadcastNpdu = 0x0B,
  SecureBvll = 0x0C,
};

enum class PduType : std::uint8_t {
  ConfirmedRequest = 0,
  UnconfirmedRequest = 1,
  SimpleAck = 2,
  ComplexAck = 3,
  SegmentAck = 4,
  Error = 5,
  Reject = 6,
  Abort = 7,
};

namespace detail {
struct CodeName {
  std::uint16_t code;
  std::string_view name;
};
template <std::size_t N>
constexpr std::string_view lookup(const std::array<CodeName, N>& table, std::uint32_t code) {
  for (const auto& e : table)
    if (e.code == code) return e.name;
  return "unknown";
}
// Dense tables indexed by the code itself.
template <std::size_t N>
constexpr std::string_view dense(const std::array<std::string_view, N>& table,
                                 std::uint32_t code) {
  return code < N ? table[code] : std::string_view("unknown");
}
}  // namespace detail

inline constexpr std::array<std::string_view, 13> kBvlcNames{
    "bvlc_result",       "write_broadcast_distribution_table",
    "read_broadcast_distribution_table", "read_broadcast_distribution_table_ack",
    "forwarded_npdu",    "register_foreign_device",
    "read_foreign_device_table", "read_foreign_device_table_ack",
    "delete_foreign_device_table_entry", "distribute_broadcast_to_network",
    "original_unicast_npdu", "original_broadcast_npdu",
    "secure_bvll"};
constexpr std::string_view bvlc_name(std::uint8_t f) { return detail::dense(kBvlcNames, f); }

inline constexpr std::array<std::string_view, 8> kPduNames{
    "confirmed_request", "unconfirmed_request", "simple_ack", "complex_ack",
    "segment_ack",       "error",               "reject",     "abort"};
constexpr std::string_view pdu_name(std::uint8_t t) { return detail::dense(kPduNames, t); }

inline constexpr std::array<std::string_view, 34> kConfirmedNames{
    "acknowledge_alarm",        "confirmed_cov_notification",
    "confirmed_event_notification", "get_alarm_summary",
    "get_enrollment_summary",   "subscribe_cov",
    "atomic_read_file",         "atomic_write_file",
    "add_list_element",         "remove_list_element",
    "create_object",            "delete_object",
    "read_property",            "read_property_conditional",
    "read_property_multiple",   "write_property",
    "write_property_multiple",  "device_communication_control",
    "confirmed_private_transfer", "confirmed_text_message",
    "reinitialize_device",      "vt_open",
    "vt_close",                 "vt_data",
    "authenticate",             "request_key",
    "read_range",               "life_safety_operation",
    "subscribe_cov_property",   "get_event_information",
    "subscribe_cov_property_multiple", "confirmed_cov_notification_multiple",
    "confirmed_audit_notification", "audit_log_query"};
constexpr std::string_view confirmed_name(std::uint8_t s) {
  return detail::dense(kConfirmedNames, s);
}

inline constexpr std::array<std::string_view, 15> kUnconfirmedNames{
    "i_am",          "i_have",
    "unconfirmed_cov_notification", "unconfirmed_event_notification",
    "unconfirmed_private_transfer", "unconfirmed_text_message",
    "time_synchronization", "who_has",
    "who_is",        "utc_time_synchronization",
    "write_group",   "unconfirmed_cov_notification_multiple",
    "unconfirmed_audit_notification", "who_am_i",
    "you_are"};
constexpr std::string_view unconfirmed_name(std::uint8_t s) {
  return detail::dense(kUnconfirmedNames, s);
}

// Network-layer message types (clause 6.2.4); 0x80..0xFF are vendor proprietary.
inline constexpr std::array<detail::CodeName, 20> kNetworkMessageNames{{
    {0x00, "who_is_router_to_network"}, {0x01, "i_am_router_to_network"},
    {0x02, "i_could_be_router_to_network"}, {0x03, "reject_message_to_network"},
    {0x04, "router_busy_to_network"}, {0x05, "router_available_to_network"},
    {0x06, "initialize_routing_table"}, {0x07, "initialize_routing_table_ack"},
    {0x08, "establish_connection_to_network"}, {0x09, "disconnect_connection_to_network"},
    {0x0A, "challenge_request"}, {0x0B, "security_payload"}, {0x0C, "security_response"},
    {0x0D, "request_key_update"}, {0x0E, "update_key_set"}, {0x0F, "update_distribution_key"},
    {0x10, "request_master_key"}, {0x11, "set_master_key"}, {0x12, "what_is_network_number"},
    {0x13, "network_number_is"},
}};
constexpr std::string_view network_message_name(std::uint8_t m) {
  return m >= 0x80 ? std::string_view("proprietary") : detail::lookup(kNetworkMessageNames, m);
}

inline constexpr std::array<std::string_view, 8> kErrorClassNames{
    "device", "object", "property", "resources", "security", "services", "vt",
    "communication"};
constexpr std::string_view error_class_name(std::uint32_t c) {
  return detail::dense(kErrorClassNames, c);
}

inline constexpr std::array<std::string_view, 10> kRejectNames{
    "other", "buffer_overflow", "inconsistent_parameters", "invalid_parameter_data_type",
    "invalid_tag", "missing_required_parameter", "parameter_out_of_range",
    "too_many_arguments", "undefined_enumeration", "unrecognized_service"};
constexpr std::string_view reject_name(std::uint8_t r) { return detail::dense(kRejectNames, r); }

inline constexpr std::array<std::string_view, 12> kAbortNames{
    "other", "buffer_overflow", "invalid_apdu_in_this_state",
    "preempted_by_higher_priority_task", "segmentation_not_supported", "security_error",
    "insufficient_security", "window_size_out_of_range", "application_exceeded_reply_time",
    "out_of_resources", "tsm_timeout", "apdu_too_long"};
constexpr std::string_view abort_name(std::uint8_t r) { return detail::dense(kAbortNames, r); }

// BACnetObjectType (clause 21), the standard types 0..30 most devices expose.
inline constexpr std::array<std::string_view, 31> kObjectTypeNames{
    "analog_input", "analog_output", "analog_value", "binary_input", "binary_output",
    "binary_value", "calendar", "command", "device", "event_enrollment", "file", "group",
    "loop", "multi_state_input", "multi_state_output", "notification_class", "program",
    "schedule", "averaging", "multi_state_value", "trend_log", "life_safety_point",
    "life_safety_zone", "accumulator", "pulse_converter", "event_log", "global_group",
    "trend_log_multiple", "load_control", "structured_view", "access_door"};
constexpr std::string_view object_type_name(std::uint16_t t) {
  return detail::dense(kObjectTypeNames, t);
}

// A confirmed service's operation. Reasons for the less obvious rows are in README.md.
constexpr Operation confirmed_operation(std::uint8_t service) {
  switch (service) {
    case 3: case 4: case 5: case 12: case 13: case 14: case 26: case 28: case 29: case 30:
    case 33:
      return Operation::Read;
    case 0: case 8: case 9: case 10: case 11: case 15: case 16:
      return Operation::Write;
    case 1: case 2: case 19: case 31: case 32:
      return Operation::Report;
    case 6: case 7:
      return Operation::File;
    case 17: case 27:
      return Operation::Control;
    case 20:
      return Operation::Restart;
    case 21: case 22: case 23:
      return Operation::Session;
    case 24: case 25:
      return Operation::Auth;
    default:  // 18 private transfer: vendor-defined content; unknown codes
      return Operation::Unknown;
  }
}

constexpr Operation unconfirmed_operation(std::uint8_t service) {
  switch (service) {
    case 0: case 1: case 7: case 8: case 13:
      return Operation::Discovery;
    case 2: case 3: case 5: case 11: case 12:
      return Operation::Report;
    case 6: case 9: case 10: case 14:
      return Operation::Write;
    default:  // 4 private transfer: vendor-defined content; unknown codes
      return Operation::Unknown;
  }
}

// A BVLC function carrying no NPDU (a BBMD management message).
constexpr Operation bvlc_operation(std::uint8_t function) {
  switch (function) {
    case 0x02: case 0x03: case 0x06: case 0x07:
      return Operation::Read;
    case 0x01: case 0x08:
      return Operation::Write;
    case 0x05:
      return Operation::Session;
    default:
      return Operation::Unknown;
  }
}

constexpr Operation network_message_operation(std::uint8_t type) {
  switch (type) {
    case 0x00: case 0x01: case 0x02: case 0x12: case 0x13:
      return Operation::Discovery;
    case 0x03: case 0x04: case 0x05:
      return Operation::Diagnostic;
    case 0x06: case 0x07:
      return Operation::Write;
    case 0x08: case 0x09:
      return Operation::Session;
    case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x0E: case 0x0F: case 0x10: case 0x11:
      return Operation::Auth;
    default:
      return Operation::Unknown;
  }
}

}  // namespace limen::dissect::bacnet
