#pragma once
// A minimal BER (X.690) TLV reader for the session, presentation, ACSE and MMS layers. Pure
// functions over spans: no state, no allocation.
//
// Invariants: tags are at most 4 bytes (tag numbers < 2^21), lengths are definite and at most
// 4 bytes; the indefinite form (0x80) is rejected, as ISO 8825 DER-like MMS stacks never send
// it and it would need unbounded scanning. Nesting depth is bounded by the callers, which follow
// fixed paths or walk with an explicit depth limit. A content running past the input is
// NeedMore, or, in `cut` mode (the input is a known-truncated head of a larger PDU), clamped to
// what is there so the head can still be read.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace limen::dissect::mms::ber {

enum class Status : std::uint8_t { Ok, NeedMore, Invalid };

inline constexpr std::uint8_t kContext = 2;  // tag class of context-specific tags
inline constexpr std::uint8_t kApplication = 1;
inline constexpr std::uint8_t kUniversal = 0;

struct Tlv {
  std::uint8_t cls = 0;          // 0 universal, 1 application, 2 context, 3 private
  bool constructed = false;
  std::uint32_t number = 0;      // tag number
  std::uint8_t first = 0;        // first identifier octet, e.g. 0xA0
  std::span<const std::uint8_t> content;
  std::size_t size = 0;          // identifier + length + content bytes consumed
};

struct Result {
  Status status = Status::Invalid;
  std::size_t needed = 0;        // NeedMore: input bytes the element needs in total
  std::string_view reason;       // Invalid: static text
};

// Reads the element at the front of `bytes`.
Result read(std::span<const std::uint8_t> bytes, Tlv& out, bool cut = false);

// The content of the first element of one level (no descent) whose first identifier octet is
// `first`; empty and false when absent or when the level is malformed.
bool find(std::span<const std::uint8_t> level, std::uint8_t first,
          std::span<const std::uint8_t>& content, bool cut = false);

// An unsigned INTEGER content of at most 4 bytes (a leading zero byte is allowed).
bool to_uint(std::span<const std::uint8_t> content, std::uint32_t& value);

}  // namespace limen::dissect::mms::ber
