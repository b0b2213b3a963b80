#pragma once
// The IEC 104 field schema: every field an IEC 104 transaction may carry, by full name, type
// and meaning. The rule engine and the JSON writer read transactions through this table only.
// Invariant: Iec104Field values index kIec104Fields (checked at compile time in the .cpp).

#include <array>
#include <cstdint>
#include <span>

#include "dissectors/core/transaction.h"

namespace limen::dissect::iec104 {

enum class Iec104Field : std::uint16_t {
  Frame,
  UFunction,
  TxSeq,
  RxSeq,
  TypeId,
  Type,
  Category,
  Sq,
  Objects,
  Cot,
  Cause,
  Negative,
  Test,
  Originator,
  CommonAddress,
  Ioa,
  IoaTruncated,
  Qualifier,
  Select,
  Count,
};

inline constexpr std::array<FieldSpec, static_cast<std::size_t>(Iec104Field::Count)> kIec104Fields{{
    {"iec104.frame", FieldType::Text, "APCI format: i, s or u"},
    {"iec104.u_function", FieldType::Text, "U frame: startdt/stopdt/testfr _act or _con"},
    {"iec104.tx_seq", FieldType::Uint, "I frame send sequence number N(S)"},
    {"iec104.rx_seq", FieldType::Uint, "I/S frame receive sequence number N(R)"},
    {"iec104.type_id", FieldType::Uint, "ASDU type identification"},
    {"iec104.type", FieldType::Text, "type name, e.g. C_SC_NA_1"},
    {"iec104.category", FieldType::Text,
     "monitor, control, system_monitor, system_control, parameter or file"},
    {"iec104.sq", FieldType::Bool, "objects are one IOA followed by consecutive elements"},
    {"iec104.objects", FieldType::Uint, "number of information objects (VSQ)"},
    {"iec104.cot", FieldType::Uint, "cause of transmission"},
    {"iec104.cause", FieldType::Text, "cause name, e.g. activation, spontaneous"},
    {"iec104.negative", FieldType::Bool, "negative confirmation (P/N bit)"},
    {"iec104.test", FieldType::Bool, "test bit"},
    {"iec104.originator", FieldType::Uint, "originator address"},
    {"iec104.common_address", FieldType::Uint, "common address of the ASDU (station)"},
    {"iec104.ioa", FieldType::UintList, "information object addresses (bounded)"},
    {"iec104.ioa_truncated", FieldType::Bool, "more objects than IOAs listed"},
    {"iec104.qualifier", FieldType::Uint,
     "first object's qualifier: SCO/DCO/RCO/QOS/QOI/QCC/QRP/QPA"},
    {"iec104.select", FieldType::Bool, "command is a select (S/E = 1), not an execute"},
}};

std::span<const FieldSpec> iec104_schema();

constexpr std::uint16_t field_index(Iec104Field f) { return static_cast<std::uint16_t>(f); }

}  // namespace limen::dissect::iec104
