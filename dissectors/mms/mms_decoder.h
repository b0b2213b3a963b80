#pragma once
// The pure MMS decoder: one COTP TSDU (the user data of a DT run up to EOT) -> the ISO session
// SPDU type, the ACSE APDU when there is one, and the MMS PDU with its invoke id, service,
// error, reject reason and the first variable's domain/item (or file) name. No state, no I/O,
// no allocation; all reads go through limen::ByteReader or the bounded BER reader.
//
// Invariants: every span in Pdu points into the TSDU given to decode(). The session, presentation
// and ACSE layers are skipped along fixed BER paths (bounded depth); the search for a variable or
// file name walks at most kMaxWalkDepth levels and kMaxWalkElements elements. Every length is
// checked against the bytes present: a short TSDU is NeedMore (the session reports it, since
// COTP already delimited it), a contradiction is Invalid with a static reason.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace limen::dissect::mms {

inline constexpr std::size_t kMaxWalkDepth = 10;
inline constexpr std::size_t kMaxWalkElements = 256;

enum class DecodeStatus : std::uint8_t { Ok, NeedMore, Invalid };

struct DecodeResult {
  DecodeStatus status = DecodeStatus::Invalid;
  std::size_t needed = 0;    // NeedMore: bytes the TSDU would need (at least)
  std::string_view reason;   // Invalid: static text
  bool violation = false;    // Invalid: the bytes are probably not ISO session/MMS at all
};

struct Pdu {
  std::uint8_t spdu = 0;       // ISO 8327 SPDU identifier (Spdu)
  std::uint8_t acse = 0;       // ACSE APDU identifier octet (Acse), 0 when none
  bool has_mms = false;
  std::uint8_t type = 0;       // PduType when has_mms
  bool has_invoke_id = false;
  std::uint32_t invoke_id = 0;
  bool has_service = false;    // confirmed or unconfirmed service tag
  std::uint32_t service = 0;
  bool has_error = false;      // confirmed/initiate/conclude/cancel error
  std::uint32_t error_class = 0;
  std::uint32_t error_code = 0;
  bool has_reject = false;
  std::uint32_t reject_type = 0;
  std::uint32_t reject_code = 0;
  std::span<const std::uint8_t> domain;  // first domain-specific ObjectName (VisibleString)
  std::span<const std::uint8_t> item;
  std::span<const std::uint8_t> file;    // first file name component (GraphicString)
};

// Decodes one TSDU. `cut` says the TSDU is the head of a larger one (the reassembly buffer was
// full): elements running past the end are then read as far as they go.
DecodeResult decode(std::span<const std::uint8_t> tsdu, Pdu& out, bool cut = false);

// Whether the first COTP DT user data of a port-102 connection is ISO session carrying MMS (as
// opposed to S7comm, 0x32, or S7comm-plus, 0x72), for the registry to choose the dissector.
bool looks_like_mms(std::span<const std::uint8_t> cotp_user_data);

}  // namespace limen::dissect::mms
