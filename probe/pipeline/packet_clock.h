#pragma once
// PacketClock: the time of a capture, kept in one place ahead of the workers, so that every
// worker sees the same time at the same packet whatever share of the flows it holds.
//
// A packet's time is its recorded time, except one dated far ahead of the clock: that needs a
// second packet near the same time before the clock follows it, since one corrupt record (or a
// host clock stepped back by NTP) dated years ahead would otherwise freeze every timeout until
// real time caught up, and fill the flow table. The clock ("now") is the latest time admitted:
// it only moves forward, so a capture whose clock steps back does not resurrect timeouts, and
// several replayed files behave as one stream. Each packet also gets its number in the capture,
// from which flow ids are made.

#include <cstdint>
#include <optional>

#include "common/timestamp.h"

namespace limen::pipeline {

struct PacketTime {
  Timestamp ts;   // the packet's time, as admitted
  Timestamp now;  // the capture's clock with this packet
  std::uint64_t number = 0;  // 0 for the first packet of the run
};

class PacketClock {
 public:
  static constexpr std::int64_t kMaxUnconfirmedJumpUsec = 3600 * kUsecPerSecond;

  PacketTime admit(Timestamp recorded);
  // A new input starts: its first packet may move the clock without confirmation.
  void new_input() { trust_next_jump_ = true; }
  // Live capture with no traffic: timeouts run on the wall clock while the link is quiet.
  void advance(Timestamp now) {
    if (now.usec > now_.usec) now_ = now;
  }

  [[nodiscard]] Timestamp now() const { return now_; }
  [[nodiscard]] bool started() const { return packets_ != 0; }
  [[nodiscard]] Timestamp first() const { return first_; }
  [[nodiscard]] std::uint64_t packets() const { return packets_; }
  [[nodiscard]] std::uint64_t time_jumps() const { return time_jumps_; }

 private:
  Timestamp now_{};
  Timestamp first_{};
  std::uint64_t packets_ = 0;
  std::uint64_t time_jumps_ = 0;  // packets dated far ahead, not allowed to move the clock
  bool trust_next_jump_ = true;
  std::optional<Timestamp> jump_candidate_;
};

}  // namespace limen::pipeline
