#pragma once
// DNP3 protocol constants: link-layer, transport and application codes with their names.
// Specification: IEEE 1815-2012 (DNP3), clause 9 (data link layer: frame format, CRC, function
// codes, Table 9-1/9-2), clause 8 (transport function), clause 4.2.2 (application header,
// Table 4-1 function codes), 4.2.2.7 (IIN bits) and 4.2.2.7.x / Annex A (object headers,
// qualifier codes). Names are snake_case and stable: they appear in rules and events.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace limen::dissect::dnp3 {

inline constexpr std::uint16_t kDefaultPort = 20000;
inline constexpr std::uint8_t kStart0 = 0x05;
inline constexpr std::uint8_t kStart1 = 0x64;
inline constexpr std::size_t kLinkHeaderSize = 10;   // start(2) len ctrl dst(2) src(2) crc(2)
inline constexpr std::uint8_t kMinLinkLength = 5;    // ctrl + dst + src, no user data
inline constexpr std::size_t kBlockSize = 16;        // user data bytes per CRC'd block
inline constexpr std::size_t kMaxUserData = 250;     // 255 - 5
inline constexpr std::size_t kMaxLinkFrame = 292;    // 10 + 250 + 16 blocks * 2 CRC bytes
// Application fragments: IEEE 1815 recommends 2048 octets as the maximum fragment size and
// devices rarely exceed it; larger fragments are anomalies and are dropped.
inline constexpr std::size_t kMaxFragment = 2048;

// Link control byte (clause 9.2.4.1.3).
inline constexpr std::uint8_t kLinkDir = 0x80;
inline constexpr std::uint8_t kLinkPrm = 0x40;
inline constexpr std::uint8_t kLinkFcb = 0x20;
inline constexpr std::uint8_t kLinkFcvDfc = 0x10;

// Link function codes from a primary station (PRM = 1).
enum class LinkPrimary : std::uint8_t {
  ResetLinkStates = 0,
  ResetUserProcess = 1,
  TestLinkStates = 2,
  ConfirmedUserData = 3,
  UnconfirmedUserData = 4,
  RequestLinkStatus = 9,
};
// Link function codes from a secondary station (PRM = 0).
enum class LinkSecondary : std::uint8_t { Ack = 0, Nack = 1, LinkStatus = 11, NotSupported = 15 };

// The name of a link function code given the PRM bit; "unknown" when unassigned.
constexpr std::string_view link_function_name(bool primary, std::uint8_t code) {
  if (primary) {
    switch (code) {
      case 0: return "reset_link_states";
      case 1: return "reset_user_process";
      case 2: return "test_link_states";
      case 3: return "confirmed_user_data";
      case 4: return "unconfirmed_user_data";
      case 9: return "request_link_status";
      default: return "unknown";
    }
  }
  switch (code) {
    case 0: return "ack";
    case 1: return "nack";
    case 11: return "link_status";
    case 15: return "not_supported";
    default: return "unknown";
  }
}

// Transport header (clause 8.2): FIN bit 7, FIR bit 6, sequence 0..63.
inline constexpr std::uint8_t kTransportFin = 0x80;
inline constexpr std::uint8_t kTransportFir = 0x40;
inline constexpr std::uint8_t kTransportSeqMask = 0x3F;

// Application control (clause 4.2.2.4): FIR FIN CON UNS, sequence 0..15.
inline constexpr std::uint8_t kAppFir = 0x80;
inline constexpr std::uint8_t kAppFin = 0x40;
inline constexpr std::uint8_t kAppCon = 0x20;
inline constexpr std::uint8_t kAppUns = 0x10;
inline constexpr std::uint8_t kAppSeqMask = 0x0F;

// Application function codes (Table 4-1).
enum class Function : std::uint8_t {
  Confirm = 0,
  Read = 1,
  Write = 2,
  Select = 3,
  Operate = 4,
  DirectOperate = 5,
  DirectOperateNr = 6,
  ImmediateFreeze = 7,
  ImmediateFreezeNr = 8,
  FreezeClear = 9,
  FreezeClearNr = 10,
  FreezeAtTime = 11,
  FreezeAtTimeNr = 12,
  ColdRestart = 13,
  WarmRestart = 14,
  InitializeData = 15,
  InitializeApplication = 16,
  StartApplication = 17,
  StopApplication = 18,
  SaveConfiguration = 19,
  EnableUnsolicited = 20,
  DisableUnsolicited = 21,
  AssignClass = 22,
  DelayMeasure = 23,
  RecordCurrentTime = 24,
  OpenFile = 25,
  CloseFile = 26,
  DeleteFile = 27,
  GetFileInfo = 28,
  AuthenticateFile = 29,
  AbortFile = 30,
  ActivateConfig = 31,
  AuthenticationRequest = 32,
  AuthenticationError = 33,  // 1815-2012 names it AUTH_REQUEST_NO_ACK; Wireshark "error"
  Response = 129,
  UnsolicitedResponse = 130,
  AuthenticationResponse = 131,
};

inline constexpr std::array<std::string_view, 34> kRequestFunctionNames{
    "confirm",
    "read",
    "write",
    "select",
    "operate",
    "direct_operate",
    "direct_operate_nr",
    "immediate_freeze",
    "immediate_freeze_nr",
    "freeze_clear",
    "freeze_clear_nr",
    "freeze_at_time",
    "freeze_at_time_nr",
    "cold_restart",
    "warm_restart",
    "initialize_data",
    "initialize_application",
    "start_application",
    "stop_application",
    "save_configuration",
    "enable_unsolicited",
    "disable_unsolicited",
    "assign_class",
    "delay_measure",
    "record_current_time",
    "open_file",
    "close_file",
    "delete_file",
    "get_file_info",
    "authenticate_file",
    "abort_file",
    "activate_config",
    "authentication_request",
    "authentication_error",
};

constexpr std::string_view function_name(std::uint8_t code) {
  if (code < kRequestFunctionNames.size()) return kRequestFunctionNames[code];
  switch (code) {
    case 129: return "response";
    case 130: return "unsolicited_response";
    case 131: return "authentication_response";
    default: return "unknown";
  }
}

constexpr bool is_response_function(std::uint8_t code) { return code >= 129 && code <= 131; }

// Requests the outstation never answers (the "_nr" forms and the no-ack authentication).
constexpr bool expects_no_response(std::uint8_t code) {
  return code == 6 || code == 8 || code == 10 || code == 12 || code == 33;
}

// Internal indications (clause 4.2.2.7): IIN1 is the high byte of the 16-bit value, as in
// Wireshark's dnp3.al.iin, so bit 15 is device_restart and bit 0 is IIN2.0.
inline constexpr std::array<std::string_view, 16> kIinNames{
    // IIN2 bits 0..7
    "no_func_code_support", "object_unknown", "parameter_error", "event_buffer_overflow",
    "already_executing", "config_corrupt", "reserved_2", "reserved_1",
    // IIN1 bits 0..7
    "broadcast", "class_1_events", "class_2_events", "class_3_events", "need_time",
    "local_control", "device_trouble", "device_restart"};

}  // namespace limen::dissect::dnp3
