#pragma once
// Modbus codes and their names: public function codes, exception codes, diagnostics
// sub-functions and MEI types, each an enum class with a constexpr snake_case name table, and
// the mapping from a function to the cross-protocol Operation.
//
// Specification: "MODBUS Application Protocol Specification V1.1b3" (modbus.org, 2012),
// section 5.1 (public function codes), 6.8 (diagnostics sub-functions), 6.19-6.21 (MEI), 7
// (exception codes); MBAP header: "MODBUS Messaging on TCP/IP Implementation Guide V1.0b", 3.1.3.
// Names of codes the tables do not know are "unknown": callers always keep the numeric code.

#include <array>
#include <cstdint>
#include <string_view>

#include "dissectors/core/operation.h"

namespace limen::dissect::modbus {

inline constexpr std::uint16_t kPort = 502;
inline constexpr std::size_t kMbapBytes = 7;     // transaction, protocol, length, unit id
inline constexpr std::uint16_t kMinLength = 2;   // MBAP length: unit id + function code
inline constexpr std::uint16_t kMaxLength = 254; // unit id + the 253-byte PDU limit
inline constexpr std::size_t kMaxAdu = 6 + kMaxLength;
inline constexpr std::uint8_t kExceptionBit = 0x80;

enum class FunctionCode : std::uint8_t {
  ReadCoils = 1,
  ReadDiscreteInputs = 2,
  ReadHoldingRegisters = 3,
  ReadInputRegisters = 4,
  WriteSingleCoil = 5,
  WriteSingleRegister = 6,
  ReadExceptionStatus = 7,
  Diagnostics = 8,
  GetCommEventCounter = 11,
  GetCommEventLog = 12,
  WriteMultipleCoils = 15,
  WriteMultipleRegisters = 16,
  ReportServerId = 17,
  ReadFileRecord = 20,
  WriteFileRecord = 21,
  MaskWriteRegister = 22,
  ReadWriteMultipleRegisters = 23,
  ReadFifoQueue = 24,
  EncapsulatedInterface = 43,
};

namespace detail {
struct CodeName {
  std::uint16_t code;
  std::string_view name;
};
template <std::size_t N>
constexpr std::string_view lookup(const std::array<CodeName, N>& table, std::uint16_t code) {
  for (const auto& e : table)
    if (e.code == code) return e.name;
  return "unknown";
}
}  // namespace detail

inline constexpr std::array<detail::CodeName, 19> kFunctionNames{{
    {1, "read_coils"},
    {2, "read_discrete_inputs"},
    {3, "read_holding_registers"},
    {4, "read_input_registers"},
    {5, "write_single_coil"},
    {6, "write_single_register"},
    {7, "read_exception_status"},
    {8, "diagnostics"},
    {11, "get_comm_event_counter"},
    {12, "get_comm_event_log"},
    {15, "write_multiple_coils"},
    {16, "write_multiple_registers"},
    {17, "report_server_id"},
    {20, "read_file_record"},
    {21, "write_file_record"},
    {22, "mask_write_register"},
    {23, "read_write_multiple_registers"},
    {24, "read_fifo_queue"},
    {43, "encapsulated_interface_transport"},
}};
// The function name of a code without its exception bit.
constexpr std::string_view function_name(std::uint8_t code) {
  return detail::lookup(kFunctionNames, code);
}

enum class ExceptionCode : std::uint8_t {
  IllegalFunction = 1,
  IllegalDataAddress = 2,
  IllegalDataValue = 3,
  ServerDeviceFailure = 4,
  Acknowledge = 5,
  ServerDeviceBusy = 6,
  MemoryParityError = 8,
  GatewayPathUnavailable = 10,
  GatewayTargetFailedToRespond = 11,
};
inline constexpr std::array<detail::CodeName, 9> kExceptionNames{{
    {1, "illegal_function"},
    {2, "illegal_data_address"},
    {3, "illegal_data_value"},
    {4, "server_device_failure"},
    {5, "acknowledge"},
    {6, "server_device_busy"},
    {8, "memory_parity_error"},
    {10, "gateway_path_unavailable"},
    {11, "gateway_target_device_failed_to_respond"},
}};
constexpr std::string_view exception_name(std::uint8_t code) {
  return detail::lookup(kExceptionNames, code);
}

// Diagnostics (function 8) sub-functions, section 6.8.1.
enum class DiagnosticSub : std::uint16_t {
  ReturnQueryData = 0,
  RestartCommunicationsOption = 1,
  ReturnDiagnosticRegister = 2,
  ChangeAsciiInputDelimiter = 3,
  ForceListenOnlyMode = 4,
  ClearCountersAndDiagnosticRegister = 10,
  ClearOverrunCounterAndFlag = 20,
};
inline constexpr std::array<detail::CodeName, 17> kDiagnosticNames{{
    {0, "return_query_data"},
    {1, "restart_communications_option"},
    {2, "return_diagnostic_register"},
    {3, "change_ascii_input_delimiter"},
    {4, "force_listen_only_mode"},
    {10, "clear_counters_and_diagnostic_register"},
    {11, "return_bus_message_count"},
    {12, "return_bus_communication_error_count"},
    {13, "return_bus_exception_error_count"},
    {14, "return_server_message_count"},
    {15, "return_server_no_response_count"},
    {16, "return_server_nak_count"},
    {17, "return_server_busy_count"},
    {18, "return_bus_character_overrun_count"},
    {19, "return_iop_overrun_count"},
    {20, "clear_overrun_counter_and_flag"},
    {21, "get_clear_modbus_plus_statistics"},
}};
constexpr std::string_view diagnostic_name(std::uint16_t sub) {
  return detail::lookup(kDiagnosticNames, sub);
}

// Encapsulated Interface Transport (function 43) MEI types, section 6.19.
enum class MeiType : std::uint8_t { CanopenGeneralReference = 13, ReadDeviceIdentification = 14 };
inline constexpr std::array<detail::CodeName, 2> kMeiNames{{
    {13, "canopen_general_reference"},
    {14, "read_device_identification"},
}};
constexpr std::string_view mei_name(std::uint8_t mei) { return detail::lookup(kMeiNames, mei); }

// The operation of a function (exception bit removed). `detail` is the diagnostics
// sub-function for 8 and the MEI type for 43, ignored otherwise. The table and its reasons are
// in dissectors/modbus/README.md.
constexpr Operation operation_of(std::uint8_t function, std::uint16_t detail) {
  switch (function) {
    case 1: case 2: case 3: case 4: case 24: return Operation::Read;
    case 5: case 6: case 15: case 16: case 22: case 23: return Operation::Write;
    case 7: case 11: case 12: return Operation::Diagnostic;
    case 8: return detail == 1 ? Operation::Restart : Operation::Diagnostic;
    case 17: return Operation::Discovery;
    case 20: case 21: return Operation::File;
    case 43: return detail == 14 ? Operation::Discovery : Operation::Unknown;
    default: return Operation::Unknown;
  }
}

}  // namespace limen::dissect::modbus
