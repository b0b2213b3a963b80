#pragma once
// The MMS field schema: every field an MMS transaction may carry, by full name, type and
// meaning. The rule engine and the JSON writer read transactions through this table only.
// Invariant: MmsField values index kMmsFields (checked at compile time in the .cpp).

#include <array>
#include <cstdint>
#include <span>

#include "dissectors/core/transaction.h"

namespace limen::dissect::mms {

enum class MmsField : std::uint16_t {
  SpduCode,
  Spdu,
  Acse,
  PduCode,
  Pdu,
  ResponsePduCode,
  ResponsePdu,
  InvokeId,
  ServiceCode,
  Service,
  Domain,
  Item,
  File,
  ErrorClassCode,
  ErrorClass,
  ErrorCode,
  RejectType,
  RejectCode,
  Count,
};

inline constexpr std::array<FieldSpec, static_cast<std::size_t>(MmsField::Count)> kMmsFields{{
    {"mms.spdu_code", FieldType::Uint, "ISO 8327 session SPDU identifier of the request"},
    {"mms.spdu", FieldType::Text, "session SPDU name: data_transfer, connect, finish ..."},
    {"mms.acse", FieldType::Text, "ACSE APDU: aarq, aare, release_request, release_response"},
    {"mms.pdu_code", FieldType::Uint, "MMSpdu tag of the request (or lone PDU)"},
    {"mms.pdu", FieldType::Text, "MMSpdu name, e.g. confirmed_request, initiate_request"},
    {"mms.response_pdu_code", FieldType::Uint, "MMSpdu tag of the paired answer"},
    {"mms.response_pdu", FieldType::Text, "answer name: confirmed_response, confirmed_error"},
    {"mms.invoke_id", FieldType::Uint, "invoke id pairing a confirmed request and its answer"},
    {"mms.service_code", FieldType::Uint, "confirmed (0..77) or unconfirmed (0..2) service tag"},
    {"mms.service", FieldType::Text, "service name, e.g. read, file_open, information_report"},
    {"mms.domain", FieldType::Text, "first variable's domain (logical device), bounded"},
    {"mms.item", FieldType::Text, "first variable's item name, e.g. LLN0$BR$rcb_B02"},
    {"mms.file", FieldType::Text, "first file name component of a file service"},
    {"mms.error_class_code", FieldType::Uint, "ServiceError error class tag"},
    {"mms.error_class", FieldType::Text, "error class name, e.g. access, definition"},
    {"mms.error_code", FieldType::Uint, "error code within the class"},
    {"mms.reject_type", FieldType::Uint, "reject reason tag (1..10: which PDU kind was bad)"},
    {"mms.reject_code", FieldType::Uint, "reject reason code within the type"},
}};

// The schema as the Transaction constructor takes it.
std::span<const FieldSpec> mms_schema();

constexpr std::uint16_t field_index(MmsField f) { return static_cast<std::uint16_t>(f); }

}  // namespace limen::dissect::mms
