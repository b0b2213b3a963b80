#pragma once
// The probe -> collector wire format, shared by both sides. A probe's DEALER socket connects to
// the collector's ROUTER socket. One event is one ZeroMQ multipart message of four frames:
//
//   0  protocol   "limen/2": name and version; a collector refuses versions it does not know
//   1  probe      the probe's name: 1..64 characters from [A-Za-z0-9._-]
//   2  position   16 bytes: run id (u64 big-endian, fixed for one probe process) then sequence
//                 number (u64 big-endian, 1 for the first event of a run, +1 per event)
//   3  event      one EVE JSON object (UTF-8, no trailing newline), as in docs/events.md
//
// (probe, run, seq) names an event uniquely, so a receiver drops duplicates and counts gaps.
// The collector answers, once the events are committed to its store, with an acknowledgement
// of four frames:
//
//   0  "limen-ack/3"
//   1  probe      the probe name of the events acknowledged
//   2  last       (run, seq) of the last event acknowledged
//   3  first      (run, seq) of the first
//
// It acknowledges the events that one connection delivered from `first` to `last`, in the
// order they came (messages on one connection arrive in order). The probe accepts it only when
// `first` is its oldest unacknowledged event: a DEALER socket reconnects by itself, so what the
// probe sent may have reached a collector that died, and then a later connection's
// acknowledgement must not cover it. A probe resends, from its spool, whatever is not
// acknowledged after a reconnect, a timeout or a restart; so delivery is at least once and,
// with the duplicate check, storage exactly once.
// A probe also sends, every few seconds and once at the end of its run, a heartbeat that is not
// an event (it is never spooled, stored as an event or acknowledged):
//
//   0  "limen-heartbeat/1"
//   1  probe      as above
//   2  position   run id, then the last sequence number this probe gave an event for this
//                 collector (0 before the first)
//   3  health     a JSON object: the probe's wall clock ("time", RFC 3339), capture counters,
//                 spool state, "ended" at the end of the run (docs/collector.md, "Probe health")
//
// This header knows nothing of ZeroMQ: it turns frames into an Envelope and back.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace limen::wire {

inline constexpr std::string_view kProtocol = "limen/2";
inline constexpr std::string_view kAckProtocol = "limen-ack/3";
inline constexpr std::string_view kHeartbeatProtocol = "limen-heartbeat/1";
inline constexpr std::size_t kAckFrameCount = 4;
inline constexpr std::size_t kFrameCount = 4;
inline constexpr std::size_t kMaxProbeName = 64;
inline constexpr std::size_t kMaxEventBytes = 1 << 20;
inline constexpr std::size_t kMaxHeartbeatBytes = 4096;

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

// Checks and splits a heartbeat: as decode(), with the heartbeat protocol, and seq (the last
// sequence number given) may be 0.
[[nodiscard]] std::string decode_heartbeat(std::span<const std::string_view> frames,
                                           Envelope& out);

struct Ack {
  std::string_view probe;
  std::uint64_t run = 0;  // the last event acknowledged
  std::uint64_t seq = 0;
  std::uint64_t first_run = 0;  // the first
  std::uint64_t first_seq = 0;
};
// Checks and splits an acknowledgement; empty string on success, else why it is refused.
[[nodiscard]] std::string decode_ack(std::span<const std::string_view> frames, Ack& out);

}  // namespace limen::wire
