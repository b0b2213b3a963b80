#pragma once
// S7comm and S7comm-plus codes with their names. Siemens publishes no specification: the codes
// follow the reverse-engineered Wireshark dissectors packet-s7comm.c / packet-s7comm_szl_ids.c
// (Thomas Wiens, Wireshark 4.x) and the s7comm-plus plugin (s7commplus.sourceforge.net), checked
// against the captures in ../shared/pcaps/ics/s7. Names are snake_case and stable: rules match on
// them. Lookups return "unknown" for codes outside the tables.

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace limen::dissect::s7comm {

inline constexpr std::uint8_t kProtocolId = 0x32;
inline constexpr std::uint8_t kPlusProtocolId = 0x72;

enum class Rosctr : std::uint8_t { Job = 1, Ack = 2, AckData = 3, Userdata = 7 };

enum class Function : std::uint8_t {
  CpuServices = 0x00,
  ReadVar = 0x04,
  WriteVar = 0x05,
  RequestDownload = 0x1A,
  DownloadBlock = 0x1B,
  DownloadEnded = 0x1C,
  StartUpload = 0x1D,
  Upload = 0x1E,
  EndUpload = 0x1F,
  PiService = 0x28,  // program invocation: start (P_PROGRAM), _INSE, _DELE, _MODU, _GARB ...
  PlcStop = 0x29,
  SetupCommunication = 0xF0,
};

// Userdata function groups (low nibble of the type/group byte).
enum class UserdataGroup : std::uint8_t {
  ModeTransition = 0x0,
  ProgrammerCommands = 0x1,
  CyclicData = 0x2,
  BlockFunctions = 0x3,
  CpuFunctions = 0x4,
  Security = 0x5,
  PbcBsend = 0x6,
  TimeFunctions = 0x7,
  NcProgramming = 0xF,
};

// Userdata type (high nibble of the type/group byte).
enum class UserdataType : std::uint8_t { Push = 0x0, Request = 0x4, Response = 0x8 };

// S7comm-plus opcodes and function codes.
enum class PlusOpcode : std::uint8_t {
  Request = 0x31, Response = 0x32, Notification = 0x33, Response2 = 0x02
};

struct CodeName {
  std::uint16_t code;
  std::string_view name;
};

inline constexpr std::array<CodeName, 4> kRosctrNames{{
    {1, "job"}, {2, "ack"}, {3, "ack_data"}, {7, "userdata"}}};

inline constexpr std::array<CodeName, 12> kFunctionNames{{
    {0x00, "cpu_services"},
    {0x04, "read_var"},
    {0x05, "write_var"},
    {0x1A, "request_download"},
    {0x1B, "download_block"},
    {0x1C, "download_ended"},
    {0x1D, "start_upload"},
    {0x1E, "upload"},
    {0x1F, "end_upload"},
    {0x28, "pi_service"},
    {0x29, "plc_stop"},
    {0xF0, "setup_communication"}}};

// Header error class of ack / ack_data.
inline constexpr std::array<CodeName, 8> kErrorClassNames{{
    {0x00, "no_error"},
    {0x81, "application_relationship_error"},
    {0x82, "object_definition_error"},
    {0x83, "no_resources_available"},
    {0x84, "error_on_service_processing"},
    {0x85, "error_on_supplies"},
    {0x87, "access_error"},
    {0xD2, "pi_service_error"}}};

// Return code of each data item in read/write responses.
inline constexpr std::array<CodeName, 9> kItemReturnNames{{
    {0x00, "reserved"},
    {0x01, "hardware_error"},
    {0x03, "access_not_allowed"},
    {0x05, "invalid_address"},
    {0x06, "data_type_not_supported"},
    {0x07, "data_type_inconsistent"},
    {0x0A, "object_does_not_exist"},
    {0x0B, "object_locked"},
    {0xFF, "success"}}};

// Memory areas of an S7ANY item address.
inline constexpr std::array<CodeName, 16> kAreaNames{{
    {0x03, "system_info_200"},
    {0x05, "system_flags_200"},
    {0x06, "analog_inputs_200"},
    {0x07, "analog_outputs_200"},
    {0x1C, "counter"},
    {0x1D, "timer"},
    {0x1E, "iec_counter_200"},
    {0x1F, "iec_timer_200"},
    {0x80, "peripheral"},
    {0x81, "inputs"},
    {0x82, "outputs"},
    {0x83, "flags"},
    {0x84, "data_block"},
    {0x85, "instance_data_block"},
    {0x86, "local_data"},
    {0x87, "previous_local_data"}}};

// Block types as they appear (two ASCII hex digits) in up/download file names.
inline constexpr std::array<CodeName, 7> kBlockTypeNames{{
    {0x08, "ob"}, {0x0A, "db"}, {0x0B, "sdb"}, {0x0C, "fc"}, {0x0D, "sfc"}, {0x0E, "fb"},
    {0x0F, "sfb"}}};

inline constexpr std::array<CodeName, 9> kUserdataGroupNames{{
    {0x0, "mode_transition"},
    {0x1, "programmer_commands"},
    {0x2, "cyclic_data"},
    {0x3, "block_functions"},
    {0x4, "cpu_functions"},
    {0x5, "security"},
    {0x6, "pbc_bsend_brecv"},
    {0x7, "time_functions"},
    {0xF, "nc_programming"}}};

inline constexpr std::array<CodeName, 7> kProgrammerSubfunctions{{
    {0x01, "request_diag_data"}, {0x02, "var_tab"}, {0x0C, "erase"},
    {0x0E, "read_diag_data"}, {0x0F, "remove_diag_data"}, {0x10, "forces"},
    {0x13, "request_diag_data_2"}}};
inline constexpr std::array<CodeName, 4> kCyclicSubfunctions{{
    {0x01, "cyclic_memory"}, {0x04, "cyclic_unsubscribe"}, {0x05, "cyclic_memory_2"},
    {0x07, "cyclic_change_driven"}}};
inline constexpr std::array<CodeName, 3> kBlockSubfunctions{{
    {0x01, "list_blocks"}, {0x02, "list_blocks_of_type"}, {0x03, "get_block_info"}}};
inline constexpr std::array<CodeName, 16> kCpuSubfunctions{{
    {0x01, "read_szl"},
    {0x02, "message_service"},
    {0x03, "diagnostic_message"},
    {0x05, "alarm8_indication"},
    {0x06, "notify_indication"},
    {0x07, "alarm8_lock"},
    {0x08, "alarm8_unlock"},
    {0x09, "scan_indication"},
    {0x0B, "alarm_ack"},
    {0x0C, "alarm_ack_indication"},
    {0x0D, "alarm_lock_indication"},
    {0x0E, "alarm_unlock_indication"},
    {0x11, "alarm_sq_indication"},
    {0x12, "alarm_s_indication"},
    {0x13, "alarm_query"},
    {0x16, "notify8_indication"}}};
inline constexpr std::array<CodeName, 2> kSecuritySubfunctions{{
    {0x01, "plc_password"}, {0x02, "clear_password"}}};
inline constexpr std::array<CodeName, 4> kTimeSubfunctions{{
    {0x01, "read_clock"}, {0x02, "set_clock"}, {0x03, "read_clock_following"},
    {0x04, "set_clock_2"}}};

inline constexpr std::array<CodeName, 4> kPlusOpcodeNames{{
    {0x31, "request"}, {0x32, "response"}, {0x33, "notification"}, {0x02, "response2"}}};

inline constexpr std::array<CodeName, 20> kPlusFunctionNames{{
    {0x04B1, "error"},
    {0x04BB, "explore"},
    {0x04CA, "create_object"},
    {0x04D4, "delete_object"},
    {0x04F2, "set_variable"},
    {0x04FC, "get_variable"},
    {0x0506, "add_link"},
    {0x051A, "remove_link"},
    {0x0524, "get_link"},
    {0x0542, "set_multi_variables"},
    {0x054C, "get_multi_variables"},
    {0x0556, "begin_sequence"},
    {0x0560, "end_sequence"},
    {0x056B, "invoke"},
    {0x057C, "set_var_sub_streamed"},
    {0x0586, "get_var_sub_streamed"},
    {0x0590, "get_variables_address"},
    {0x059A, "abort"},
    {0x05A9, "error2"},
    {0x05B3, "init_ssl"}}};

constexpr std::string_view lookup(std::span<const CodeName> table, std::uint16_t code) {
  for (const CodeName& entry : table)
    if (entry.code == code) return entry.name;
  return "unknown";
}

constexpr std::string_view rosctr_name(std::uint8_t v) { return lookup(kRosctrNames, v); }
constexpr std::string_view function_name(std::uint8_t v) { return lookup(kFunctionNames, v); }
constexpr std::string_view error_class_name(std::uint8_t v) {
  return lookup(kErrorClassNames, v);
}
constexpr std::string_view item_return_name(std::uint8_t v) {
  return lookup(kItemReturnNames, v);
}
constexpr std::string_view area_name(std::uint8_t v) { return lookup(kAreaNames, v); }
constexpr std::string_view block_type_name(std::uint8_t v) {
  return lookup(kBlockTypeNames, v);
}
constexpr std::string_view userdata_group_name(std::uint8_t v) {
  return lookup(kUserdataGroupNames, v);
}
constexpr std::string_view plus_opcode_name(std::uint8_t v) {
  return lookup(kPlusOpcodeNames, v);
}
constexpr std::string_view plus_function_name(std::uint16_t v) {
  return lookup(kPlusFunctionNames, v);
}
// The subfunction's name within its group.
constexpr std::string_view userdata_subfunction_name(std::uint8_t group, std::uint8_t sub) {
  switch (group) {
    case 0x0: return "mode_change";  // the subfunction holds the new mode
    case 0x1: return lookup(kProgrammerSubfunctions, sub);
    case 0x2: return lookup(kCyclicSubfunctions, sub);
    case 0x3: return lookup(kBlockSubfunctions, sub);
    case 0x4: return lookup(kCpuSubfunctions, sub);
    case 0x5: return lookup(kSecuritySubfunctions, sub);
    case 0x7: return lookup(kTimeSubfunctions, sub);
    default: return "unknown";
  }
}

}  // namespace limen::dissect::s7comm
