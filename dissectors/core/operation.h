#pragma once
// Operation: the one vocabulary of operations across industrial and IT protocols. Every
// application transaction carries exactly one, so that one rule ("the vendor zone may only
// read") covers Modbus, DNP3, IEC 104, S7, CIP, BACnet, OPC UA and MMS alike.
// The meaning of each class, and how every protocol's codes map to them, is in docs/rules.md.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace limen::dissect {

enum class Operation : std::uint8_t {
  Unknown,     // the code is not one the dissector knows
  Read,        // read values, registers, attributes, files' metadata; poll
  Write,       // change values, registers, attributes or setpoints
  Control,     // operate or command a process: select/operate, direct operate, command ASDUs
  Program,     // download/upload/delete of logic, blocks or configuration
  Firmware,    // firmware update or its preparation
  Restart,     // cold/warm restart, reset, reinitialise
  Stop,        // put a controller in stop / program mode
  Start,       // put a controller in run mode
  File,        // file transfer and file management
  Diagnostic,  // diagnostics, test frames, counters, identity reading for maintenance
  Auth,        // authentication, passwords, security handshakes
  Discovery,   // who-is/i-am, list identity, browse, name lists
  Session,     // association and session management (setup, open/close channel, STARTDT)
  Report,      // data the field device sends on its own (unsolicited, spontaneous, cyclic)
};

inline constexpr std::array<std::string_view, 15> kOperationNames{
    "unknown", "read",       "write", "control",   "program", "firmware", "restart", "stop",
    "start",   "file",       "diagnostic", "auth", "discovery", "session", "report"};

constexpr std::string_view operation_name(Operation op) {
  return kOperationNames[static_cast<std::size_t>(op)];
}

constexpr std::optional<Operation> operation_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kOperationNames.size(); ++i)
    if (kOperationNames[i] == name) return static_cast<Operation>(i);
  return std::nullopt;
}

}  // namespace limen::dissect
