// libFuzzer target for the TCP reassembler. The input is a script of segments cut from one
// reference stream per direction (so a correct reassembler can only ever deliver reference
// bytes at their stream positions), with random cuts, reordering, overlaps, corrupted copies,
// acknowledgements, FIN/RST and a consumer that takes a random number of bytes per call.
// Invariants checked: delivered bytes never exceed the bytes given; delivered bytes sit at the
// right stream positions (until a corrupted copy was sent); memory stays within the caps and is
// all returned on close.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "probe/stream/stream_memory.h"
#include "probe/stream/tcp_reassembler.h"

namespace {

using limen::stream::Direction;

std::uint8_t reference(std::size_t dir, std::uint64_t pos) {
  return static_cast<std::uint8_t>((pos * 131U + dir * 17U + (pos >> 8)) & 0xFFU);
}

void check(bool ok) {
  if (!ok) std::abort();
}

class Checker final : public limen::stream::StreamConsumer {
 public:
  std::size_t on_data(Direction dir, std::span<const std::uint8_t> bytes,
                      limen::Timestamp) override {
    const auto d = static_cast<std::size_t>(dir);
    check(!ended[d] && !bytes.empty());
    const std::size_t take = take_next == 0 ? 0 : std::min<std::size_t>(bytes.size(), take_next);
    if (!tainted) {
      for (std::size_t i = 0; i < bytes.size(); ++i) check(bytes[i] == reference(d, pos[d] + i));
    }
    pos[d] += take;
    delivered[d] += take;
    return take;
  }
  void on_gap(Direction dir, std::size_t length) override {
    const auto d = static_cast<std::size_t>(dir);
    check(!ended[d] && length > 0);
    pos[d] += length;
  }
  void on_end(Direction dir) override {
    const auto d = static_cast<std::size_t>(dir);
    check(!ended[d]);
    ended[d] = true;
  }

  std::array<std::uint64_t, 2> pos{}, delivered{};
  std::array<bool, 2> ended{};
  std::size_t take_next = 1;
  bool tainted = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 9) return 0;
  // Small limits so caps, window and island bounds are reached quickly.
  const limen::stream::StreamLimits limits{.max_bytes = 4096U << (data[0] & 3U),
                                           .max_flow_bytes = 2048U << (data[1] & 1U),
                                           .max_direction_bytes = 512U << (data[1] >> 1 & 3U),
                                           .max_ack_ahead = 1U << 16};
  std::array<std::uint32_t, 2> isn{};
  isn[0] = static_cast<std::uint32_t>(data[2] << 24 | data[3] << 16 | data[4] << 8 | data[5]);
  isn[1] = isn[0] ^ static_cast<std::uint32_t>(data[6] << 24 | data[7] << 8);
  const bool syn = (data[8] & 1U) != 0;
  limen::stream::StreamMemory memory(limits);
  Checker checker;
  limen::stream::TcpReassembler flow;
  std::array<std::uint8_t, 2048> payload{};
  std::array<std::uint64_t, 2> given{};
  std::array<bool, 2> opened{};
  std::size_t i = 9;
  // Each op: [dir|flags|corrupt] [offset hi] [offset lo] [length] [ack delta hi] [take].
  while (i + 6 <= size) {
    const std::uint8_t op = data[i];
    const auto d = static_cast<std::size_t>(op & 1U);
    const std::uint32_t offset = static_cast<std::uint32_t>(data[i + 1] << 8 | data[i + 2]);
    const std::size_t len = std::size_t{data[i + 3]} * ((op & 0x80U) != 0 ? 8U : 1U);
    const std::uint32_t ack_off = static_cast<std::uint32_t>(data[i + 4]) << 6;
    checker.take_next = data[i + 5];
    i += 6;
    std::uint8_t flags = 0;
    if ((op & 0x02U) != 0) flags |= limen::stream::kTcpAck;
    if ((op & 0x04U) != 0 && (op & 0x18U) == 0x18U) flags |= limen::stream::kTcpFin;
    if ((op & 0x20U) != 0 && (op & 0x18U) == 0x18U && (op & 0x40U) != 0) {
      flags |= limen::stream::kTcpRst;
    }
    for (std::size_t k = 0; k < len; ++k) payload[k] = reference(d, offset + k);
    if ((op & 0x1CU) == 0x0CU && len > 0) {  // a differing copy: content checks stop here
      payload[len / 2] ^= 0x55U;
      checker.tainted = true;
    }
    const std::uint32_t first = isn[d] + (syn ? 1U : 0U);
    limen::stream::TcpSegment seg{static_cast<Direction>(d), first + offset,
                                  isn[d ^ 1U] + (syn ? 1U : 0U) + ack_off, flags,
                                  std::span<const std::uint8_t>(payload.data(), len),
                                  limen::Timestamp{}};
    if (!opened[d]) {
      opened[d] = true;
      if (syn) {
        // Announce the ISN first, so the stream starts at offset 0 whatever arrives next.
        limen::stream::TcpSegment open{static_cast<Direction>(d), isn[d], 0,
                                       limen::stream::kTcpSyn, {}, limen::Timestamp{}};
        flow.on_segment(open, memory, checker);
      } else {
        checker.pos[d] = offset;  // picked up mid-stream: it starts at the first segment
      }
    }
    given[d] += len;
    flow.on_segment(seg, memory, checker);
    check(memory.in_use_bytes() <= limits.max_bytes);
    check(memory.held_bytes() <= limits.max_bytes);
    check(flow.held_bytes() <= limits.max_flow_bytes);
  }
  flow.close(limen::Timestamp{}, memory, checker);
  check(memory.in_use_bytes() == 0);
  check(checker.ended[0] && checker.ended[1]);
  for (std::size_t d = 0; d < 2; ++d) check(checker.delivered[d] <= given[d]);
  const auto loss = flow.loss();
  check(loss.seen_bytes <= given[0] + given[1]);
  flow.reset(memory);
  return 0;
}
