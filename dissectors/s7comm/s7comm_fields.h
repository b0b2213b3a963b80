#pragma once
// The S7comm field schema: every field an s7comm transaction can carry, by full name. The rule
// engine and the JSON writer read transactions through it. Numeric codes sit beside their names
// (`s7comm.function_code` 0x29 and `s7comm.function` "plc_stop"). S7comm-plus PDUs are reported
// under the same protocol with the `s7comm.plus_*` fields.
// Invariant: S7Field values index kFields in order (checked by a static_assert in the .cpp).

#include <array>
#include <cstdint>
#include <span>

#include "dissectors/core/transaction.h"

namespace limen::dissect::s7comm {

enum class S7Field : std::uint16_t {
  ProtocolId,
  Rosctr,
  RosctrName,
  PduRef,
  FunctionCode,
  Function,
  ErrorClass,
  ErrorCode,
  ErrorName,
  Items,
  Areas,
  Db,
  Addresses,
  Lengths,
  ReturnCodes,
  PduSize,
  BlockType,
  BlockTypeName,
  BlockNumber,
  PiService,
  UserdataType,
  UserdataGroup,
  UserdataGroupName,
  UserdataSubfunction,
  UserdataSubfunctionName,
  UserdataError,
  SzlId,
  SzlIndex,
  PlusVersion,
  PlusOpcode,
  PlusOpcodeName,
  PlusFunctionCode,
  PlusFunction,
  PlusSequence,
  PlusIntegrityProtected,
  Count_,
};

inline constexpr std::array<FieldSpec, static_cast<std::size_t>(S7Field::Count_)> kFields{{
    {"s7comm.protocol_id", FieldType::Uint, "0x32 S7comm, 0x72 S7comm-plus"},
    {"s7comm.rosctr", FieldType::Uint, "message type: 1 job, 2 ack, 3 ack_data, 7 userdata"},
    {"s7comm.rosctr_name", FieldType::Text, "job, ack, ack_data, userdata"},
    {"s7comm.pdu_ref", FieldType::Uint, "PDU reference pairing a job with its ack"},
    {"s7comm.function_code", FieldType::Uint, "job function, e.g. 0x04 read_var, 0x29 plc_stop"},
    {"s7comm.function", FieldType::Text, "job function name"},
    {"s7comm.error_class", FieldType::Uint, "ack/ack_data header error class (0 none)"},
    {"s7comm.error_code", FieldType::Uint, "ack/ack_data header error code"},
    {"s7comm.error_name", FieldType::Text, "error class name, e.g. access_error"},
    {"s7comm.items", FieldType::Uint, "number of items in read_var/write_var"},
    {"s7comm.areas", FieldType::UintList, "memory area per item (0x84 data_block, 0x83 flags)"},
    {"s7comm.db", FieldType::UintList, "data block number per item"},
    {"s7comm.addresses", FieldType::UintList, "byte address per item"},
    {"s7comm.lengths", FieldType::UintList, "element count per item"},
    {"s7comm.return_codes", FieldType::UintList, "item return codes (0xff success)"},
    {"s7comm.pdu_size", FieldType::Uint, "setup_communication PDU size"},
    {"s7comm.block_type", FieldType::Uint, "block type (0x08 OB, 0x0a DB, 0x0c FC ...)"},
    {"s7comm.block_type_name", FieldType::Text, "block type name: ob, db, sdb, fc, sfc, fb, sfb"},
    {"s7comm.block_number", FieldType::Uint, "block number of an up/download or PI service"},
    {"s7comm.pi_service", FieldType::Text, "PI service name: P_PROGRAM, _INSE, _DELE, _MODU ..."},
    {"s7comm.userdata_type", FieldType::Uint, "userdata type: 0 push, 4 request, 8 response"},
    {"s7comm.userdata_group", FieldType::Uint, "userdata function group (4 cpu_functions ...)"},
    {"s7comm.userdata_group_name", FieldType::Text, "userdata function group name"},
    {"s7comm.userdata_subfunction", FieldType::Uint, "userdata subfunction within the group"},
    {"s7comm.userdata_subfunction_name", FieldType::Text, "e.g. read_szl, plc_password"},
    {"s7comm.userdata_error", FieldType::Uint, "userdata parameter error code"},
    {"s7comm.szl_id", FieldType::Uint, "system status list id of read_szl"},
    {"s7comm.szl_index", FieldType::Uint, "system status list index of read_szl"},
    {"s7comm.plus_version", FieldType::Uint, "S7comm-plus protocol version (1, 2, 3; 254)"},
    {"s7comm.plus_opcode", FieldType::Uint, "S7comm-plus opcode (0x31 request ...)"},
    {"s7comm.plus_opcode_name", FieldType::Text, "request, response, notification"},
    {"s7comm.plus_function_code", FieldType::Uint, "S7comm-plus function (0x054c ...)"},
    {"s7comm.plus_function", FieldType::Text, "e.g. get_multi_variables, create_object"},
    {"s7comm.plus_sequence", FieldType::Uint, "S7comm-plus sequence number"},
    {"s7comm.plus_integrity_protected", FieldType::Bool,
     "the PDU carries an integrity part: only its header is interpreted"},
}};

constexpr std::uint16_t field(S7Field f) { return static_cast<std::uint16_t>(f); }

// The schema as the Transaction and the registry take it.
std::span<const FieldSpec> schema();

}  // namespace limen::dissect::s7comm
