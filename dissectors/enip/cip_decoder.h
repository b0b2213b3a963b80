#pragma once
// Pure CIP message decoder: a request (service, EPATH, data) or a response (service with the
// 0x80 bit, general status, additional status, data) from the bytes of a CPF data item, plus the
// two services that carry other services: Unconnected Send (0x52 to the connection manager,
// one embedded request) and Multiple Service Packet (0x0A, a table of offsets to members). No
// state, no I/O, no allocation; variable parts are spans into the input.
//
// Invariants: every length is hostile. A path size or additional-status size running past the
// message, an embedded message running past its carrier, or a member offset outside the packet
// is Malformed with a static reason. Path segments the decoder does not interpret (port,
// network, data, electronic key) are skipped by their declared size; an unknown segment type
// stops path interpretation and is reported in `path_anomaly`, the rest still decodes.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dissectors/enip/enip_constants.h"

namespace limen::dissect::enip {

struct CipMessage {
  std::uint8_t service = 0;  // without the response bit
  bool response = false;
  // Request path, first logical segment of each kind (kNoClass / absent otherwise).
  bool has_class = false, has_instance = false, has_attribute = false;
  std::uint32_t class_id = kNoClass;
  std::uint32_t instance = 0;
  std::uint32_t attribute = 0;
  std::span<const std::uint8_t> symbol;  // first ANSI extended symbolic segment (tag name)
  std::string_view path_anomaly;         // static text when the path was not fully understood
  // Response status.
  std::uint8_t general_status = 0;
  std::uint8_t extended_status_words = 0;
  bool has_extended_status = false;
  std::uint16_t extended_status = 0;  // the first word
  std::span<const std::uint8_t> data;  // request data or response data
};

enum class CipStatus : std::uint8_t { Ok, Malformed };

struct CipResult {
  CipStatus status = CipStatus::Malformed;
  std::string_view reason;  // static text when Malformed
};

// Decodes one CIP message. `response` says which layout to expect; a request with the response
// bit set (or the reverse) is Malformed.
CipResult decode_cip(std::span<const std::uint8_t> bytes, bool response, CipMessage& out);

// Unconnected Send request (service 0x52 to class 6): the embedded request it routes.
CipResult unwrap_unconnected_send(const CipMessage& carrier, CipMessage& embedded);

// Multiple Service Packet (0x0A): the number of members (request or response data), and the
// i-th member decoded (i < count). The count is as declared; callers bound what they walk.
CipResult multiple_service_count(const CipMessage& packet, std::uint16_t& count);
CipResult multiple_service_member(const CipMessage& packet, std::uint16_t index, CipMessage& out);

}  // namespace limen::dissect::enip
