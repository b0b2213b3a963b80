#pragma once
// The DNP3 field schema (what a dnp3 transaction may carry, for rules and events) and the map
// from application function codes to the shared Operation vocabulary. The schema order is the
// Dnp3Field numbering; README.md documents the operation table and its reasons.

#include <array>
#include <cstdint>
#include <span>

#include "dissectors/core/transaction.h"

namespace limen::dissect::dnp3 {

enum class Dnp3Field : std::uint16_t {
  FunctionCode,
  Function,
  Src,
  Dst,
  LinkFunctionCode,
  LinkFunction,
  AppSeq,
  Unsolicited,
  Objects,
  ObjectCounts,
  ObjectsIncomplete,
  ResponseFunctionCode,
  Iin,
  IinFlags,
  ResponseObjects,
};

inline constexpr std::array<FieldSpec, 15> kFields{{
    {"dnp3.function_code", FieldType::Uint,
     "application function code of the request (of the response when none was seen)"},
    {"dnp3.function", FieldType::Text, "name of dnp3.function_code, e.g. cold_restart"},
    {"dnp3.src", FieldType::Uint, "link source address of the transaction's first message"},
    {"dnp3.dst", FieldType::Uint, "link destination address of the transaction's first message"},
    {"dnp3.link_function_code", FieldType::Uint, "link control function code (0..15)"},
    {"dnp3.link_function", FieldType::Text,
     "name of the link function, e.g. unconfirmed_user_data"},
    {"dnp3.app_seq", FieldType::Uint, "application sequence number (0..15)"},
    {"dnp3.unsolicited", FieldType::Bool, "an unsolicited response (UNS bit, function 130)"},
    {"dnp3.objects", FieldType::UintList,
     "object headers of the request: group * 256 + variation (bounded)"},
    {"dnp3.object_counts", FieldType::UintList,
     "objects per header of dnp3.objects (0 means all)"},
    {"dnp3.objects_incomplete", FieldType::Bool,
     "object parsing stopped early (unknown size, malformed, or too many headers)"},
    {"dnp3.response_function_code", FieldType::Uint, "129 response, 130 unsolicited, 131 auth"},
    {"dnp3.iin", FieldType::Uint, "internal indications of the response, IIN1 << 8 | IIN2"},
    {"dnp3.iin_flags", FieldType::Text, "names of the IIN bits set, comma-separated"},
    {"dnp3.response_objects", FieldType::UintList,
     "object headers of the response: group * 256 + variation (bounded)"},
}};

constexpr std::uint16_t field_id(Dnp3Field f) { return static_cast<std::uint16_t>(f); }
inline std::span<const FieldSpec> schema() { return kFields; }

// The operation class of an application function code (request codes, 130 and 131; a bare
// response 129 without its request is Unknown).
Operation function_operation(std::uint8_t function);

}  // namespace limen::dissect::dnp3
