#pragma once
// Pure IEC 60870-5-104 decoder: one APDU (APCI + optional ASDU) at the front of a byte span,
// decoded into a value type whose information objects are a span into that input. No state, no
// I/O, no allocation.
//
// Invariants: the start octet must be 0x68 and the length 4..253, else framing is lost
// (Invalid). Inside a framed APDU: S and U frames are exactly 4 control octets with a valid
// format; an I frame carries an ASDU of at least the 6-octet header (else Malformed: the size is
// still known, so a session skips exactly that APDU). An ASDU whose length disagrees with its
// type and object count is kept (`objects_consistent` false): the header is still trustworthy
// enough to report, and the disagreement is an anomaly, not a reason to lose the command.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace limen::dissect::iec104 {

enum class DecodeStatus : std::uint8_t {
  Ok,         // `size` bytes form one APDU
  NeedMore,   // `size` is the number of bytes the APDU needs in total
  Malformed,  // framed (`size` bytes) but the control field or ASDU header is impossible
  Invalid,    // no start octet or a length out of range: framing is lost
};

struct DecodeResult {
  DecodeStatus status = DecodeStatus::Invalid;
  std::size_t size = 0;
  std::string_view reason;  // static text; empty when Ok or NeedMore
};

enum class Format : std::uint8_t { I, S, U };

struct Asdu {
  std::uint8_t type_id = 0;
  bool sq = false;            // one IOA, then consecutive elements
  std::uint8_t count = 0;     // number of objects (VSQ low 7 bits)
  std::uint8_t cot = 0;       // cause of transmission (6 bits)
  bool negative = false;      // P/N bit: negative confirmation
  bool test = false;          // T bit
  std::uint8_t originator = 0;
  std::uint16_t common_address = 0;
  bool objects_consistent = false;  // length matches type and count (false when unknowable)
  std::span<const std::uint8_t> objects;  // everything after the ASDU header
};

struct Apdu {
  Format format = Format::I;
  std::uint8_t length = 0;      // APCI length octet
  std::uint16_t tx_seq = 0;     // I frames
  std::uint16_t rx_seq = 0;     // I and S frames
  std::uint8_t u_function = 0;  // U frames: the one function bit set (0x04 .. 0x80)
  Asdu asdu;                    // I frames
};

DecodeResult decode_apdu(std::span<const std::uint8_t> bytes, Apdu& out);

// The IOA of object i (i < count), or nothing when the objects do not reach it.
bool ioa_at(const Asdu& asdu, std::size_t i, std::uint32_t& ioa);
// The qualifier octet of object i for commands and system commands (SCO, DCO, RCO, QOS, QOI,
// QCC, QRP, QPA), or false for other types or when the objects do not reach it. Bit 7 of
// SCO/DCO/RCO/QOS is S/E: 1 = select, 0 = execute.
bool qualifier_at(const Asdu& asdu, std::size_t i, std::uint8_t& qualifier);

}  // namespace limen::dissect::iec104
