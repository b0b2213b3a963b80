#pragma once
// MMS codes and their names: the ISO session SPDU types that carry MMS, the MMSpdu choice, the
// confirmed and unconfirmed service tags, the service-error classes, and the mapping from a
// confirmed service to the cross-protocol Operation.
//
// Specification: ISO 9506-2:2003 (MMS protocol), section 7 (MMSpdu, ConfirmedServiceRequest
// tags 0..77), 7.4 (ServiceError); ISO 8327-1 (session SPDU codes, section 8.3); ISO 8823-1
// (presentation CP/CPA/TD PPDUs); ISO 8650 (ACSE APDUs). Unknown codes are named "unknown":
// callers always keep the numeric code beside the name.

#include <array>
#include <cstdint>
#include <string_view>

#include "dissectors/core/operation.h"

namespace limen::dissect::mms {

inline constexpr std::uint16_t kPort = 102;

// ISO 8327-1 SPDU identifiers (SI) seen ahead of MMS.
enum class Spdu : std::uint8_t {
  GiveTokensOrData = 0x01,  // GT (category 0) concatenated with DT: ordinary data transfer
  NotFinished = 0x08,
  Finish = 0x09,
  Disconnect = 0x0A,
  Refuse = 0x0C,
  Connect = 0x0D,
  Accept = 0x0E,
  Abort = 0x19,
};

constexpr std::string_view spdu_name(std::uint8_t si) {
  switch (si) {
    case 0x00: return "none";  // MMS straight on COTP
    case 0x01: return "data_transfer";
    case 0x08: return "not_finished";
    case 0x09: return "finish";
    case 0x0A: return "disconnect";
    case 0x0C: return "refuse";
    case 0x0D: return "connect";
    case 0x0E: return "accept";
    case 0x19: return "abort";
    default: return "unknown";
  }
}

// ACSE APDUs (ISO 8650, [APPLICATION n]) that wrap MMS or end the association.
enum class Acse : std::uint8_t { None = 0, Aarq = 0x60, Aare = 0x61, Rlrq = 0x62, Rlre = 0x63,
                                 Abrt = 0x64 };

constexpr std::string_view acse_name(std::uint8_t tag) {
  switch (tag) {
    case 0x60: return "aarq";
    case 0x61: return "aare";
    case 0x62: return "release_request";
    case 0x63: return "release_response";
    case 0x64: return "abort";
    default: return "unknown";
  }
}

// MMSpdu CHOICE alternatives: the context tag number of the outermost MMS element.
enum class PduType : std::uint8_t {
  ConfirmedRequest = 0,
  ConfirmedResponse = 1,
  ConfirmedError = 2,
  Unconfirmed = 3,
  Reject = 4,
  CancelRequest = 5,
  CancelResponse = 6,
  CancelError = 7,
  InitiateRequest = 8,
  InitiateResponse = 9,
  InitiateError = 10,
  ConcludeRequest = 11,
  ConcludeResponse = 12,
  ConcludeError = 13,
};
inline constexpr std::size_t kPduTypes = 14;

inline constexpr std::array<std::string_view, kPduTypes> kPduNames{
    "confirmed_request", "confirmed_response", "confirmed_error", "unconfirmed", "reject",
    "cancel_request",    "cancel_response",    "cancel_error",    "initiate_request",
    "initiate_response", "initiate_error",     "conclude_request", "conclude_response",
    "conclude_error"};

constexpr std::string_view pdu_name(std::uint8_t type) {
  return type < kPduNames.size() ? kPduNames[type] : "unknown";
}

// ConfirmedServiceRequest/Response CHOICE tags 0..77 (ISO 9506-2 section 7.1).
enum class Service : std::uint8_t {
  Status = 0, GetNameList = 1, Identify = 2, Rename = 3, Read = 4, Write = 5,
  GetVariableAccessAttributes = 6, DefineNamedVariableList = 11,
  GetNamedVariableListAttributes = 12, DeleteNamedVariableList = 13, TakeControl = 19,
  RelinquishControl = 20, InitiateDownloadSequence = 26, InitiateUploadSequence = 29,
  DeleteDomain = 36, GetDomainAttributes = 37, DeleteProgramInvocation = 39, Start = 40,
  Stop = 41, Resume = 42, Reset = 43, Kill = 44, ObtainFile = 46, GetAlarmSummary = 63,
  FileOpen = 72, FileRead = 73, FileClose = 74, FileRename = 75, FileDelete = 76,
  FileDirectory = 77,
};
inline constexpr std::size_t kServices = 78;

inline constexpr std::array<std::string_view, kServices> kServiceNames{
    "status", "get_name_list", "identify", "rename", "read", "write",
    "get_variable_access_attributes", "define_named_variable", "define_scattered_access",
    "get_scattered_access_attributes", "delete_variable_access", "define_named_variable_list",
    "get_named_variable_list_attributes", "delete_named_variable_list", "define_named_type",
    "get_named_type_attributes", "delete_named_type", "input", "output", "take_control",
    "relinquish_control", "define_semaphore", "delete_semaphore", "report_semaphore_status",
    "report_pool_semaphore_status", "report_semaphore_entry_status",
    "initiate_download_sequence", "download_segment", "terminate_download_sequence",
    "initiate_upload_sequence", "upload_segment", "terminate_upload_sequence",
    "request_domain_download", "request_domain_upload", "load_domain_content",
    "store_domain_content", "delete_domain", "get_domain_attributes",
    "create_program_invocation", "delete_program_invocation", "start", "stop", "resume",
    "reset", "kill", "get_program_invocation_attributes", "obtain_file",
    "define_event_condition", "delete_event_condition", "get_event_condition_attributes",
    "report_event_condition_status", "alter_event_condition_monitoring", "trigger_event",
    "define_event_action", "delete_event_action", "get_event_action_attributes",
    "report_event_action_status", "define_event_enrollment", "delete_event_enrollment",
    "alter_event_enrollment", "report_event_enrollment_status",
    "get_event_enrollment_attributes", "acknowledge_event_notification", "get_alarm_summary",
    "get_alarm_enrollment_summary", "read_journal", "write_journal", "initialize_journal",
    "report_journal_status", "create_journal", "delete_journal", "get_capability_list",
    "file_open", "file_read", "file_close", "file_rename", "file_delete", "file_directory"};

constexpr std::string_view service_name(std::uint32_t service) {
  return service < kServiceNames.size() ? kServiceNames[service] : "unknown";
}

// The operation class of each confirmed service, by tag (see README.md for the reasoning).
namespace detail {
using enum Operation;
inline constexpr std::array<Operation, kServices> kServiceOperations{
    Diagnostic, Discovery, Discovery, Write, Read, Write, Read,       // 0..6
    Write, Write, Read, Write, Write, Read, Write,                     // 7..13
    Write, Read, Write, Read, Write, Control, Control,                 // 14..20
    Write, Write, Read, Read, Read,                                    // 21..25
    Program, Program, Program, Program, Program, Program,              // 26..31
    Program, Program, Program, Program, Program, Read,                 // 32..37
    Program, Program, Start, Stop, Start, Restart, Stop, Read,         // 38..45
    File,                                                              // 46
    Write, Write, Read, Read, Write, Control, Write, Write, Read, Read, // 47..56
    Write, Write, Write, Read, Read, Write, Read, Read,                 // 57..64
    Read, Write, Write, Read, Write, Write, Discovery,                  // 65..71
    File, File, File, File, File, File};                               // 72..77
}  // namespace detail

constexpr Operation service_operation(std::uint32_t service) {
  return service < kServices ? detail::kServiceOperations[service] : Operation::Unknown;
}

// UnconfirmedService CHOICE (ISO 9506-2 section 7.2).
constexpr std::string_view unconfirmed_name(std::uint32_t service) {
  switch (service) {
    case 0: return "information_report";
    case 1: return "unsolicited_status";
    case 2: return "event_notification";
    default: return "unknown";
  }
}

// ServiceError.errorClass CHOICE (ISO 9506-2 section 7.4).
inline constexpr std::array<std::string_view, 13> kErrorClassNames{
    "vmd_state", "application_reference", "definition", "resource", "service",
    "service_preempt", "time_resolution", "access", "initiate", "conclude", "cancel", "file",
    "others"};

constexpr std::string_view error_class_name(std::uint32_t cls) {
  return cls < kErrorClassNames.size() ? kErrorClassNames[cls] : "unknown";
}

// RejectPDU.rejectReason CHOICE (ISO 9506-2 section 7.3), by tag 1..10.
constexpr std::string_view reject_type_name(std::uint32_t tag) {
  constexpr std::array<std::string_view, 11> kNames{
      "unknown", "confirmed_request", "confirmed_response", "confirmed_error", "unconfirmed",
      "pdu_error", "cancel_request", "cancel_response", "cancel_error", "conclude_request",
      "conclude_response"};
  return tag < kNames.size() ? kNames[tag] : "unknown";
}

}  // namespace limen::dissect::mms
