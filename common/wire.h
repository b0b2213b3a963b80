#pragma once
// The probe -> collector wire format, shared by both sides. One event is one ZeroMQ multipart
// message of four frames:
//
//   0  protocol   "limen/1": name and version; a collector refuses versions it does not know
//   1  probe      the probe's name: 1..64 characters from [A-Za-z0-9._-]
//   2  position   16 bytes: run id (u64 big-endian, fixed for one probe process) then sequence
//                 number (u64 big-endian, 1 for the first event of a run, +1 per event)
//   3  event      one EVE JSON object (UTF-8, no trailing newline), as in docs/events.md
//
// (probe, run, seq) names an event uniquely, so a receiver can drop duplicates and count gaps;
// acknowledgements and retransmission build on this without changing the frames.
// This header knows nothing of ZeroMQ: it turns frames into an Envelope and back.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace limen::wire {

inline constexpr std::string_view kProtocol = "limen/1";
inline constexpr std::size_t kFrameCount = 4;
inline constexpr std::size_t kMaxProbeName = 64;
inline constexpr std::size_t kMaxEventBytes = 1 << 20;

struct Envelope {
  std::string_view probe;
  std::uint64_t run = 0;
  std::uint64_t seq = 0;
  std::string_view event_json;
};

[[nodiscard]] bool valid_probe_name(std::string_view name);

// The 16-byte position frame for (run, seq).
[[nodiscard]] std::array<std::uint8_t, 16> encode_position(std::uint64_t run, std::uint64_t seq);

// Checks and splits a received message. Returns an empty string on success, or why the message
// was refused (the receiver counts and logs it; it never stops on one bad message).
[[nodiscard]] std::string decode(std::span<const std::string_view> frames, Envelope& out);

}  // namespace limen::wire
