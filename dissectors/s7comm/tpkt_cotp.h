#pragma once
// TPKT (RFC 1006) and COTP (ISO 8073 / X.224) framing, protocol-neutral: S7comm rides on it
// here and MMS will reuse it. Pure functions over spans: no state, no I/O, no allocation.
//
// Invariants: a TPKT frame is version 3, reserved 0, length 7..65535 including its 4-byte header
// (the shortest TPDU, class-0 DT, is 3 bytes); the COTP length indicator must fit in the frame.
// A TSDU split over several DT TPDUs is reassembled by scanning a run of complete frames up to
// the one with EOT (scan_dt_run) and copying their user data into a caller-provided buffer
// (gather_dt_run): the stream bytes stay with the TCP reassembler until the run is complete.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace limen::dissect::cotp {

enum class Status : std::uint8_t { Ok, NeedMore, Invalid };

inline constexpr std::size_t kTpktHeaderBytes = 4;
inline constexpr std::size_t kTpktMinLength = 7;
inline constexpr std::uint8_t kTpktVersion = 3;

struct TpktResult {
  Status status = Status::Invalid;
  std::size_t frame_bytes = 0;  // Ok: whole frame; NeedMore: bytes the frame needs in total
  std::string_view reason;      // Invalid: static text
  std::span<const std::uint8_t> tpdu;
};
// Frames one TPKT from the front of `bytes`.
TpktResult decode_tpkt(std::span<const std::uint8_t> bytes);

// ISO 8073 section 13.1 TPDU codes (high nibble of the code byte; CR/CC carry a credit below).
enum class TpduCode : std::uint8_t {
  Ed = 0x10, Ea = 0x20, Rj = 0x50, Ak = 0x60, Er = 0x70, Dr = 0x80, Dc = 0xC0, Cc = 0xD0,
  Cr = 0xE0, Dt = 0xF0
};
std::string_view tpdu_name(TpduCode code);

struct Tpdu {
  TpduCode code = TpduCode::Dt;
  bool eot = false;              // DT/ED: last TPDU of the TSDU
  std::uint8_t number = 0;       // DT/ED: TPDU number (7 bits)
  std::uint16_t dst_ref = 0;     // CR/CC/DR/DC/ER/AK/RJ and DT outside class 0
  std::uint16_t src_ref = 0;     // CR/CC/DR/DC
  std::uint8_t class_option = 0; // CR/CC: class and options; DR: reason; ER: cause
  std::span<const std::uint8_t> parameters;  // variable part of the header
  std::span<const std::uint8_t> user_data;   // after the header
};

struct TpduResult {
  Status status = Status::Invalid;  // never NeedMore: a TPDU is decoded from a whole frame
  std::string_view reason;
  Tpdu tpdu;
};
// Decodes the TPDU carried by one TPKT frame (the bytes after the TPKT header).
TpduResult decode_tpdu(std::span<const std::uint8_t> bytes);

// A run of DT TPDUs, each in a complete TPKT frame, from the front of `bytes` to the one with EOT.
struct DtRun {
  Status status = Status::Invalid;  // NeedMore: the run has not reached EOT in `bytes` yet
  std::size_t frame_bytes = 0;      // stream bytes of the frames scanned (whole frames only)
  std::size_t frames = 0;
  std::size_t user_bytes = 0;       // TSDU size so far
  bool over_limit = false;          // Invalid because the TSDU passed a bound, not bad framing
  std::string_view reason;
};
DtRun scan_dt_run(std::span<const std::uint8_t> bytes, std::size_t max_user_bytes,
                  std::size_t max_frames);
// Copies the user data of the first `frames` frames of a run scan_dt_run accepted into `out`,
// cut at out.size(); returns the bytes written.
std::size_t gather_dt_run(std::span<const std::uint8_t> bytes, std::size_t frames,
                          std::span<std::uint8_t> out);

// Whether a TPKT header that plausibly carries a COTP TPDU starts at the front of `bytes`
// (needs 6 bytes); used to resynchronise a stream after a gap or garbage.
bool plausible_frame_start(std::span<const std::uint8_t> bytes);

}  // namespace limen::dissect::cotp
