#pragma once
// IEC 60870-5-104 codes and their names: ASDU type identifications, causes of transmission and
// U-frame functions, each with a constexpr snake_case name table; the size of each type's
// information element (to walk objects and check lengths), its category (monitor/control/
// system/parameter/file) and the mapping to the cross-protocol Operation.
//
// Specification: IEC 60870-5-104:2006 section 5 (APCI, I/S/U formats) and 7.2.1 (104 ASDU
// field sizes: COT 2 octets, common address 2, IOA 3); IEC 60870-5-101:2003 section 7.2.1.1
// (type identification), 7.2.3 (cause of transmission) and 7.3 (information elements).
// Unknown codes are named "unknown": callers always keep the numeric code.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dissectors/core/operation.h"

namespace limen::dissect::iec104 {

inline constexpr std::uint16_t kPort = 2404;
inline constexpr std::uint8_t kStart = 0x68;
inline constexpr std::uint8_t kMinLength = 4;    // control field only (S and U frames)
inline constexpr std::uint8_t kMaxLength = 253;  // 4 control octets + at most 249 ASDU octets
inline constexpr std::size_t kAsduHeader = 6;    // type, VSQ, COT, originator, common address
inline constexpr std::size_t kIoaBytes = 3;

enum class UFunction : std::uint8_t {
  StartdtAct = 0x04, StartdtCon = 0x08, StopdtAct = 0x10, StopdtCon = 0x20,
  TestfrAct = 0x40, TestfrCon = 0x80,
};

constexpr std::string_view u_function_name(std::uint8_t bits) {
  switch (bits) {
    case 0x04: return "startdt_act";
    case 0x08: return "startdt_con";
    case 0x10: return "stopdt_act";
    case 0x20: return "stopdt_con";
    case 0x40: return "testfr_act";
    case 0x80: return "testfr_con";
    default: return "unknown";
  }
}

struct TypeInfo {
  std::uint8_t id;
  std::string_view name;
  std::uint8_t element_bytes;  // information element size without the IOA; 0 = variable
};

// Type identifications of the 104 profile (101 section 7.2.1.1, 104 section 8).
inline constexpr std::array<TypeInfo, 67> kTypes{{
    {1, "M_SP_NA_1", 1},   {2, "M_SP_TA_1", 4},   {3, "M_DP_NA_1", 1},   {4, "M_DP_TA_1", 4},
    {5, "M_ST_NA_1", 2},   {6, "M_ST_TA_1", 5},   {7, "M_BO_NA_1", 5},   {8, "M_BO_TA_1", 8},
    {9, "M_ME_NA_1", 3},   {10, "M_ME_TA_1", 6},  {11, "M_ME_NB_1", 3},  {12, "M_ME_TB_1", 6},
    {13, "M_ME_NC_1", 5},  {14, "M_ME_TC_1", 8},  {15, "M_IT_NA_1", 5},  {16, "M_IT_TA_1", 8},
    {17, "M_EP_TA_1", 6},  {18, "M_EP_TB_1", 7},  {19, "M_EP_TC_1", 7},  {20, "M_PS_NA_1", 5},
    {21, "M_ME_ND_1", 2},  {30, "M_SP_TB_1", 8},  {31, "M_DP_TB_1", 8},  {32, "M_ST_TB_1", 9},
    {33, "M_BO_TB_1", 12}, {34, "M_ME_TD_1", 10}, {35, "M_ME_TE_1", 10}, {36, "M_ME_TF_1", 12},
    {37, "M_IT_TB_1", 12}, {38, "M_EP_TD_1", 10}, {39, "M_EP_TE_1", 11}, {40, "M_EP_TF_1", 11},
    {45, "C_SC_NA_1", 1},  {46, "C_DC_NA_1", 1},  {47, "C_RC_NA_1", 1},  {48, "C_SE_NA_1", 3},
    {49, "C_SE_NB_1", 3},  {50, "C_SE_NC_1", 5},  {51, "C_BO_NA_1", 4},  {58, "C_SC_TA_1", 8},
    {59, "C_DC_TA_1", 8},  {60, "C_RC_TA_1", 8},  {61, "C_SE_TA_1", 10}, {62, "C_SE_TB_1", 10},
    {63, "C_SE_TC_1", 12}, {64, "C_BO_TA_1", 11}, {70, "M_EI_NA_1", 1},  {100, "C_IC_NA_1", 1},
    {101, "C_CI_NA_1", 1}, {102, "C_RD_NA_1", 0}, {103, "C_CS_NA_1", 7},
    {104, "C_TS_NA_1", 2}, {105, "C_RP_NA_1", 1}, {106, "C_CD_NA_1", 2},
    {107, "C_TS_TA_1", 9}, {110, "P_ME_NA_1", 3}, {111, "P_ME_NB_1", 3},
    {112, "P_ME_NC_1", 5}, {113, "P_AC_NA_1", 1}, {120, "F_FR_NA_1", 6},
    {121, "F_SR_NA_1", 7}, {122, "F_SC_NA_1", 4}, {123, "F_LS_NA_1", 5},
    {124, "F_AF_NA_1", 4}, {125, "F_SG_NA_1", 0}, {126, "F_DR_TA_1", 13},
    {127, "F_SC_NB_1", 16},
}};

constexpr const TypeInfo* type_info(std::uint8_t id) {
  for (const auto& t : kTypes)
    if (t.id == id) return &t;
  return nullptr;
}
constexpr std::string_view type_name(std::uint8_t id) {
  const TypeInfo* t = type_info(id);
  return t != nullptr ? t->name : "unknown";
}
// C_RD_NA_1 carries no element (its size is genuinely 0); F_SG_NA_1 is variable.
constexpr bool element_size_known(std::uint8_t id) { return type_info(id) != nullptr && id != 125; }

// 101 section 7.2.3: causes of transmission (6 bits).
constexpr std::string_view cause_name(std::uint8_t cot) {
  constexpr std::array<std::string_view, 48> kNames{
      "unknown", "periodic", "background", "spontaneous", "initialized", "request",
      "activation", "activation_con", "deactivation", "deactivation_con",
      "activation_termination", "return_remote", "return_local", "file_transfer", "unknown",
      "unknown", "unknown", "unknown", "unknown", "unknown", "interrogated_by_station",
      "interrogated_by_group_1", "interrogated_by_group_2", "interrogated_by_group_3",
      "interrogated_by_group_4", "interrogated_by_group_5", "interrogated_by_group_6",
      "interrogated_by_group_7", "interrogated_by_group_8", "interrogated_by_group_9",
      "interrogated_by_group_10", "interrogated_by_group_11", "interrogated_by_group_12",
      "interrogated_by_group_13", "interrogated_by_group_14", "interrogated_by_group_15",
      "interrogated_by_group_16", "counter_interrogated_general", "counter_interrogated_group_1",
      "counter_interrogated_group_2", "counter_interrogated_group_3",
      "counter_interrogated_group_4", "unknown", "unknown", "unknown_type_id", "unknown_cause",
      "unknown_common_address", "unknown_ioa"};
  return cot < kNames.size() ? kNames[cot] : "unknown";
}

// The standard's five groups of type identifications.
constexpr std::string_view category_of(std::uint8_t id) {
  if (id >= 1 && id <= 44) return "monitor";
  if (id >= 45 && id <= 69) return "control";
  if (id >= 70 && id <= 99) return "system_monitor";
  if (id >= 100 && id <= 109) return "system_control";
  if (id >= 110 && id <= 119) return "parameter";
  if (id >= 120 && id <= 127) return "file";
  return "unknown";
}

// The operation of an ASDU (reasons in dissectors/iec104/README.md). Monitor data answering
// an interrogation (COT 20..41) or a read (5) is a read; otherwise it is the station's report.
constexpr Operation operation_of(std::uint8_t id, std::uint8_t cot) {
  if ((id >= 1 && id <= 40) || id == 70)
    return (cot == 5 || (cot >= 20 && cot <= 41)) ? Operation::Read : Operation::Report;
  switch (id) {
    case 45: case 46: case 47: case 51: case 58: case 59: case 60: case 64:
      return Operation::Control;
    case 48: case 49: case 50: case 61: case 62: case 63: return Operation::Write;
    case 100: case 101: case 102: return Operation::Read;
    case 103: return Operation::Write;
    case 104: case 106: case 107: return Operation::Diagnostic;
    case 105: return Operation::Restart;
    case 110: case 111: case 112: case 113: return Operation::Write;
    default: return id >= 120 && id <= 127 ? Operation::File : Operation::Unknown;
  }
}

constexpr Operation u_operation(std::uint8_t bits) {
  return (bits == 0x40 || bits == 0x80) ? Operation::Diagnostic : Operation::Session;
}

}  // namespace limen::dissect::iec104
