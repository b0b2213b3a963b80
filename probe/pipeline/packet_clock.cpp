#include "probe/pipeline/packet_clock.h"

#include <cstdlib>

namespace limen::pipeline {

PacketTime PacketClock::admit(Timestamp recorded) {
  Timestamp ts = recorded;
  if (packets_ == 0 || trust_next_jump_ || ts.usec <= now_.usec + kMaxUnconfirmedJumpUsec) {
    trust_next_jump_ = false;
    jump_candidate_.reset();
  } else if (jump_candidate_ &&
             std::abs(ts.usec - jump_candidate_->usec) <= kMaxUnconfirmedJumpUsec) {
    jump_candidate_.reset();  // confirmed: the capture really moved on (a pause in recording)
  } else {
    jump_candidate_ = ts;
    ++time_jumps_;
    ts = now_;
  }
  if (packets_ == 0) first_ = ts;
  if (ts.usec > now_.usec) now_ = ts;
  return PacketTime{ts, now_, packets_++};
}

}  // namespace limen::pipeline
