#pragma once
// Emitter: puts the frames of many interleaved sessions into the file in time order.
//
// A session step may queue frames up to an RTT or so ahead of the simulation clock. Frames wait
// in a min-heap on (timestamp, queue order) until advance() moves the clock past them; sessions
// only ever queue at or after the clock, so once written nothing earlier can arrive. Written
// timestamps are made strictly increasing (a frame that ties the previous one moves 1 µs on),
// as a single capture interface records them.

#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

#include "pcap_writer.h"

namespace limen::bench {

class Emitter {
 public:
  // size_limit: the file never grows beyond this many bytes; the frame that would cross it, and
  // every later one, is dropped and full() turns true.
  explicit Emitter(PcapWriter& writer,
                   std::uint64_t size_limit = std::numeric_limits<std::uint64_t>::max());

  // A cleared buffer for a frame seen at ts_us; fill it before the next call to queue().
  std::vector<std::uint8_t>& queue(std::uint64_t ts_us);
  // Writes every queued frame stamped at or before now_us.
  void advance(std::uint64_t now_us);
  // Writes everything still queued.
  void drain() { advance(std::numeric_limits<std::uint64_t>::max()); }
  [[nodiscard]] bool full() const { return full_; }
  [[nodiscard]] std::uint64_t clock() const { return clock_; }
  // Timestamp of the last frame written, and how many frames the size limit dropped.
  [[nodiscard]] std::uint64_t last_written() const { return last_written_; }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }

 private:
  struct Pending {
    std::uint64_t ts;
    std::uint64_t order;
    std::uint32_t slot;
  };
  static bool later(const Pending& a, const Pending& b) {
    return a.ts != b.ts ? a.ts > b.ts : a.order > b.order;
  }
  PcapWriter& writer_;
  std::uint64_t size_limit_;
  std::vector<Pending> heap_;
  std::deque<std::vector<std::uint8_t>> slots_;  // a deque: queue()'s reference stays valid
  std::vector<std::uint32_t> free_;
  std::uint64_t order_ = 0;
  std::uint64_t clock_ = 0;
  std::uint64_t last_written_ = 0;
  std::uint64_t dropped_ = 0;
  bool full_ = false;
};

}  // namespace limen::bench
