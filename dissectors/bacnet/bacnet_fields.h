#pragma once
// The BACnet field schema: every field a BACnet/IP transaction may carry, by full name, type and
// meaning. The rule engine and the JSON writer read transactions through this table only.
// Invariant: BacnetField values index kBacnetFields (checked at compile time in the .cpp).

#include <array>
#include <cstdint>
#include <span>

#include "dissectors/core/transaction.h"

namespace limen::dissect::bacnet {

enum class BacnetField : std::uint16_t {
  BvlcFunctionCode,
  BvlcFunction,
  BvlcResult,
  Forwarded,
  Dnet,
  Snet,
  HopCount,
  NetworkMessageType,
  NetworkMessage,
  PduTypeCode,
  PduType,
  InvokeId,
  Service,
  ServiceName,
  Segmented,
  ObjectTypeCode,
  ObjectType,
  ObjectInstance,
  Property,
  State,
  ResponsePduType,
  ErrorClassCode,
  ErrorClass,
  ErrorCode,
  RejectReason,
  AbortReason,
  Count,
};

inline constexpr std::array<FieldSpec, static_cast<std::size_t>(BacnetField::Count)> kBacnetFields{{
    {"bacnet.bvlc_function", FieldType::Uint, "BVLC function code (Annex J), e.g. 10"},
    {"bacnet.bvlc", FieldType::Text, "BVLC function name, e.g. original_unicast_npdu"},
    {"bacnet.bvlc_result", FieldType::Uint, "BVLC-Result code answering a BBMD request"},
    {"bacnet.forwarded", FieldType::Bool, "sent through a BBMD (forwarded NPDU)"},
    {"bacnet.dnet", FieldType::Uint, "NPCI destination network (routed messages)"},
    {"bacnet.snet", FieldType::Uint, "NPCI source network (routed messages)"},
    {"bacnet.hop_count", FieldType::Uint, "NPCI hop count (routed messages)"},
    {"bacnet.network_message_type", FieldType::Uint, "network-layer message type"},
    {"bacnet.network_message", FieldType::Text, "network-layer message name"},
    {"bacnet.pdu_type", FieldType::Uint, "APDU type of the request (0..7)"},
    {"bacnet.pdu", FieldType::Text, "APDU type name, e.g. confirmed_request"},
    {"bacnet.invoke_id", FieldType::Uint, "invoke id pairing a confirmed request and its answer"},
    {"bacnet.service", FieldType::Uint, "confirmed or unconfirmed service choice"},
    {"bacnet.service_name", FieldType::Text, "service name, e.g. write_property, who_is"},
    {"bacnet.segmented", FieldType::Bool, "the request or its answer was segmented"},
    {"bacnet.object_type", FieldType::Uint, "object type of the object acted on"},
    {"bacnet.object_type_name", FieldType::Text, "object type name, e.g. analog_output"},
    {"bacnet.object_instance", FieldType::Uint, "object instance (4194303: unspecified)"},
    {"bacnet.property", FieldType::Uint, "property identifier (first one for *_multiple)"},
    {"bacnet.state", FieldType::Uint,
     "reinitialize_device state (0 coldstart, 1 warmstart...) or DCC enable/disable"},
    {"bacnet.response_pdu", FieldType::Text,
     "answer to a confirmed request: simple_ack, complex_ack, error, reject or abort"},
    {"bacnet.error_class", FieldType::Uint, "error class of an error PDU"},
    {"bacnet.error_class_name", FieldType::Text, "error class name, e.g. property"},
    {"bacnet.error_code", FieldType::Uint, "error code of an error PDU"},
    {"bacnet.reject_reason", FieldType::Uint, "reject reason"},
    {"bacnet.abort_reason", FieldType::Uint, "abort reason"},
}};

// The schema as the Transaction constructor takes it.
std::span<const FieldSpec> bacnet_schema();

constexpr std::uint16_t field_index(BacnetField f) { return static_cast<std::uint16_t>(f); }

}  // namespace limen::dissect::bacnet
