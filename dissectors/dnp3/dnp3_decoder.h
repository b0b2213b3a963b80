#pragma once
// The pure DNP3 decoder: link frames (with every CRC verified), transport headers and
// application fragments (header, IIN, object headers). No state, no I/O, no allocation; every
// read goes through limen::ByteReader and every length and count is treated as hostile.
//
// Invariants: spans in results point into the caller's input and live as long as it does. An
// application fragment is decoded only once transport reassembly made it complete, so object
// trouble stops the object walk (recorded in `objects_stop`) but never fails the message.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dissectors/dnp3/dnp3_constants.h"

namespace limen::dissect::dnp3 {

enum class Status : std::uint8_t { Ok, NeedMore, Invalid };

// DNP3 CRC-16 (polynomial 0x3D65, reflected, initial 0, final complement), as stored on the wire
// low byte first.
std::uint16_t crc16(std::span<const std::uint8_t> bytes);

// Total bytes on the wire of a link frame whose LENGTH byte is `length` (>= 5).
constexpr std::size_t link_frame_size(std::uint8_t length) {
  const std::size_t user = length >= kMinLinkLength ? length - kMinLinkLength : 0;
  return kLinkHeaderSize + user + 2 * ((user + kBlockSize - 1) / kBlockSize);
}

struct LinkHeader {
  std::uint8_t length = 0;   // LENGTH: control + addresses + user data, 5..255
  std::uint8_t control = 0;  // DIR PRM FCB FCV/DFC function
  std::uint16_t dst = 0;
  std::uint16_t src = 0;

  [[nodiscard]] bool dir() const { return (control & kLinkDir) != 0; }
  [[nodiscard]] bool primary() const { return (control & kLinkPrm) != 0; }
  [[nodiscard]] std::uint8_t function() const { return control & 0x0F; }
  [[nodiscard]] std::size_t user_data_size() const { return length - kMinLinkLength; }
};

struct LinkFrame {
  LinkHeader header;
  std::span<const std::uint8_t> wire;  // the whole frame, CRCs included
};

struct LinkResult {
  Status status = Status::Invalid;
  std::size_t needed = 0;        // NeedMore: total bytes the frame needs (at least)
  std::string_view reason;       // Invalid: static text
  bool header_valid = false;     // Invalid: the header CRC held, so `frame.wire` spans the frame
  LinkFrame frame;
};

// Decodes one link frame at the start of `bytes`. Invalid when the start bytes, LENGTH or any
// CRC is wrong; when only a data block CRC fails, header_valid is set and frame.wire covers the
// frame so the caller can skip exactly it.
LinkResult decode_link_frame(std::span<const std::uint8_t> bytes);

// Copies the user data of a decoded frame (CRCs removed) into `out`, which must hold at least
// header.user_data_size() bytes; returns the bytes written (0 when `out` is too small).
std::size_t copy_user_data(const LinkFrame& frame, std::span<std::uint8_t> out);

struct TransportHeader {
  bool fin = false;
  bool fir = false;
  std::uint8_t seq = 0;
};
constexpr TransportHeader decode_transport(std::uint8_t byte) {
  return {(byte & kTransportFin) != 0, (byte & kTransportFir) != 0,
          static_cast<std::uint8_t>(byte & kTransportSeqMask)};
}

// One object header of an application fragment.
struct ObjectHeader {
  std::uint8_t group = 0;
  std::uint8_t variation = 0;
  std::uint8_t qualifier = 0;
  std::uint32_t count = 0;  // objects it covers (0 for "all", qualifier range 6)

  [[nodiscard]] std::uint16_t type() const {
    return static_cast<std::uint16_t>((group << 8) | variation);
  }
};

// Why the object walk ended.
enum class ObjectStop : std::uint8_t {
  Complete,      // every object header was read and its data skipped
  UnknownSize,   // a variation whose data size this decoder does not know
  Malformed,     // bad qualifier, stop < start, or data running past the fragment
  TooMany,       // more headers than kMaxObjectHeaders (the rest are not listed)
};

inline constexpr std::size_t kMaxObjectHeaders = 32;

struct AppMessage {
  std::uint8_t control = 0;
  std::uint8_t function = 0;
  bool has_iin = false;  // responses (129..131) carry IIN
  std::uint16_t iin = 0;  // IIN1 << 8 | IIN2
  std::array<ObjectHeader, kMaxObjectHeaders> objects{};
  std::size_t object_count = 0;  // entries of `objects` in use
  ObjectStop objects_stop = ObjectStop::Complete;
  std::string_view objects_reason;  // static text when objects_stop != Complete
  std::span<const std::uint8_t> object_data;  // everything after the header (and IIN)

  [[nodiscard]] bool fir() const { return (control & kAppFir) != 0; }
  [[nodiscard]] bool fin() const { return (control & kAppFin) != 0; }
  [[nodiscard]] bool con() const { return (control & kAppCon) != 0; }
  [[nodiscard]] bool uns() const { return (control & kAppUns) != 0; }
  [[nodiscard]] std::uint8_t seq() const { return control & kAppSeqMask; }
};

struct AppResult {
  Status status = Status::Invalid;
  std::size_t needed = 0;
  std::string_view reason;
  AppMessage message;
};

// Decodes a complete application fragment (transport headers already removed).
AppResult decode_application(std::span<const std::uint8_t> fragment);

// Bits of data per object of a fixed-size variation, for packed (1- and 2-bit) and byte-sized
// objects alike; 0 when unknown or variable. Octet-string groups (110..113) use the variation as
// the length.
std::size_t object_bits(std::uint8_t group, std::uint8_t variation);

}  // namespace limen::dissect::dnp3
