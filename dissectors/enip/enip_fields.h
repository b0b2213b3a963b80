#pragma once
// The EtherNet/IP + CIP field schema: every field an EtherNet/IP transaction may carry, by full
// name, type and meaning. Encapsulation fields are named "enip.*", CIP fields "cip.*" in the one
// schema (the JSON writer splits at the first dot, so CIP lands in its own object).
// Invariant: EnipField values index kEnipFields (checked at compile time in the .cpp).

#include <array>
#include <cstdint>
#include <span>

#include "dissectors/core/transaction.h"

namespace limen::dissect::enip {

enum class EnipField : std::uint16_t {
  Command,
  CommandName,
  Session,
  Status,
  SenderContext,
  ConnectionId,
  Sequence,
  ProtocolVersion,
  VendorId,
  DeviceType,
  ProductCode,
  Revision,
  Serial,
  ProductName,
  Service,
  ServiceName,
  Class,
  Instance,
  Attribute,
  Symbol,
  Routed,
  CipStatus,
  CipStatusName,
  ExtendedStatus,
  Services,
  ServicesTruncated,
  Count,
};

inline constexpr std::array<FieldSpec, static_cast<std::size_t>(EnipField::Count)> kEnipFields{{
    {"enip.command", FieldType::Uint, "encapsulation command code"},
    {"enip.command_name", FieldType::Text, "encapsulation command name, e.g. send_rr_data"},
    {"enip.session", FieldType::Uint, "session handle"},
    {"enip.status", FieldType::Uint, "encapsulation status of the reply (0: success)"},
    {"enip.sender_context", FieldType::Uint, "sender context (8 bytes, little-endian)"},
    {"enip.connection_id", FieldType::Uint, "connection id of a connected message"},
    {"enip.sequence", FieldType::Uint, "connected data sequence count"},
    {"enip.protocol_version", FieldType::Uint, "register_session protocol version"},
    {"enip.vendor_id", FieldType::Uint, "list_identity reply: vendor id"},
    {"enip.device_type", FieldType::Uint, "list_identity reply: device type"},
    {"enip.product_code", FieldType::Uint, "list_identity reply: product code"},
    {"enip.revision", FieldType::Uint, "list_identity reply: revision, major * 256 + minor"},
    {"enip.serial", FieldType::Uint, "list_identity reply: serial number"},
    {"enip.product_name", FieldType::Text, "list_identity reply: product name"},
    {"cip.service", FieldType::Uint, "CIP service code, without the response bit; the embedded "
                                     "request's for an unconnected send"},
    {"cip.service_name", FieldType::Text, "CIP service name, e.g. get_attribute_single"},
    {"cip.class", FieldType::Uint, "class id from the request path"},
    {"cip.instance", FieldType::Uint, "instance id from the request path"},
    {"cip.attribute", FieldType::Uint, "attribute id from the request path"},
    {"cip.symbol", FieldType::Text, "symbolic path segment (a Logix tag name)"},
    {"cip.routed", FieldType::Bool, "the request came through an unconnected send"},
    {"cip.status", FieldType::Uint, "CIP general status of the response"},
    {"cip.status_name", FieldType::Text, "CIP general status name, e.g. privilege_violation"},
    {"cip.extended_status", FieldType::Uint, "first word of the additional status"},
    {"cip.services", FieldType::UintList, "member service codes of a multiple service packet"},
    {"cip.services_truncated", FieldType::Bool, "more members than listed in cip.services"},
}};

// The schema as the Transaction constructor takes it.
std::span<const FieldSpec> enip_schema();

constexpr std::uint16_t field_index(EnipField f) { return static_cast<std::uint16_t>(f); }

}  // namespace limen::dissect::enip
