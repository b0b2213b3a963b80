// Reassembler policy: zero copy, partial consumption, retransmissions and overlaps, gaps (ACK,
// FIN, RST, limits, close), wraparound, mid-stream pickup, memory caps and capture loss.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/dissectors/stream/stream_test_util.h"

namespace limen::stream::testing {
namespace {

using Events = std::vector<std::string>;

TEST(StreamReassembly, InOrderSegmentsAreDeliveredWithoutCopy) {
  Flow f;
  f.send(kC2S, 10, "", kTcpSyn);
  f.send(kC2S, 11, "hello ");
  f.send(kC2S, 17, "world");
  EXPECT_EQ(f.recorder.stream[0], "hello world");
  EXPECT_EQ(f.counters().zero_copy_deliveries, 2U);
  EXPECT_EQ(f.counters().copied_bytes, 0U);
  EXPECT_EQ(f.counters().in_order, 2U);
  EXPECT_EQ(f.reassembler.held_bytes(), 0U);
}

TEST(StreamReassembly, PartialConsumptionKeepsOnlyTheRemainder) {
  Flow f({}, Recorder::Mode::Framed);
  f.send(kC2S, 0, "\x02" "ab" "\x04" "cd");  // one and a half messages
  EXPECT_EQ(f.recorder.messages, (std::vector<std::string>{"0:ab"}));
  EXPECT_EQ(f.counters().copied_bytes, 3U);
  EXPECT_GT(f.reassembler.held_bytes(), 0U);
  f.send(kC2S, 6, "ef" "\x01" "g");
  EXPECT_EQ(f.recorder.messages, (std::vector<std::string>{"0:ab", "0:cdef", "0:g"}));
  EXPECT_EQ(f.reassembler.held_bytes(), 0U);  // emptied: the block went back to the pool
  EXPECT_EQ(f.memory.in_use_bytes(), 0U);
}

TEST(StreamReassembly, ConsumerTakingOneByteAtATimeSeesEveryByteOnce) {
  Flow f({}, Recorder::Mode::Limited, 1);
  f.send(kC2S, 0, "abc");
  f.send(kC2S, 5, "f");
  f.send(kC2S, 3, "de");
  EXPECT_EQ(f.recorder.stream[0], "abcdef");
}

TEST(StreamReassembly, OutOfOrderIsHeldUntilTheHoleFills) {
  Flow f;
  f.send(kC2S, 0, "ab");
  f.send(kC2S, 4, "ef");
  f.send(kC2S, 8, "ij");
  EXPECT_EQ(f.recorder.stream[0], "ab");
  f.send(kC2S, 2, "cd");
  EXPECT_EQ(f.recorder.stream[0], "abcdef");
  f.send(kC2S, 6, "gh");
  EXPECT_EQ(f.recorder.stream[0], "abcdefghij");
  EXPECT_EQ(f.counters().out_of_order, 2U);
  EXPECT_EQ(f.counters().in_order, 3U);
  EXPECT_EQ(f.counters().gaps, 0U);
}

TEST(StreamReassembly, RetransmissionsAreCountedAndNotDeliveredTwice) {
  Flow f({}, Recorder::Mode::Framed);
  f.send(kC2S, 0, "\x03" "ab");
  f.send(kC2S, 0, "\x03" "ab");   // same bytes, still held: compared, equal
  f.send(kC2S, 3, "c" "\x01" "z");
  f.send(kC2S, 0, "\x03" "abc");  // consumed already: old
  EXPECT_EQ(f.recorder.messages, (std::vector<std::string>{"0:abc", "0:z"}));
  EXPECT_EQ(f.counters().retransmitted, 2U);
  EXPECT_EQ(f.counters().overlap_mismatch, 0U);
}

TEST(StreamReassembly, FirstDataWinsAndDifferingOverlapsAreCounted) {
  Flow f;
  f.send(kC2S, 0, "ab");
  f.send(kC2S, 4, "EF");       // held island
  f.send(kC2S, 2, "cdXYgh");   // fills the hole, disagrees with the island, extends it
  EXPECT_EQ(f.recorder.stream[0], "abcdEFgh");
  EXPECT_EQ(f.counters().overlaps, 1U);
  EXPECT_EQ(f.counters().overlap_mismatch, 1U);

  Flow g({}, Recorder::Mode::Never);
  g.send(kC2S, 0, "abcd");
  g.send(kC2S, 2, "cdef");  // agrees with held bytes, adds two
  g.send(kC2S, 1, "Bc");    // differs from held bytes, adds none
  EXPECT_EQ(g.counters().overlaps, 1U);
  EXPECT_EQ(g.counters().retransmitted, 1U);
  EXPECT_EQ(g.counters().overlap_mismatch, 1U);
  EXPECT_EQ(g.recorder.stream[0], "");
  g.close();
  EXPECT_EQ(g.recorder.events, (Events{"end0", "end1"}));
}

TEST(StreamReassembly, AckPastAHoleSkipsItAndCountsCaptureLoss) {
  Flow f;
  f.send(kC2S, 100, "", kTcpSyn);
  f.send(kS2C, 500, "", kTcpSyn | kTcpAck, 101);
  f.send(kC2S, 101, "abcd");
  f.send(kC2S, 109, "ijkl");            // 105..108 never captured
  f.send(kS2C, 501, "", kTcpAck, 113);  // but the server had them
  EXPECT_EQ(f.recorder.stream[0], "abcd|ijkl");
  EXPECT_EQ(f.recorder.events, (Events{"gap0:4"}));
  EXPECT_EQ(f.counters().acked_unseen_bytes, 4U);
  EXPECT_EQ(f.reassembler.loss(kC2S).acked_unseen_bytes, 4U);
  EXPECT_EQ(f.reassembler.loss(kC2S).seen_bytes, 8U);
  EXPECT_EQ(f.reassembler.loss(kC2S).gaps, 1U);
  EXPECT_EQ(f.reassembler.loss(kS2C).gaps, 0U);
  // Acknowledged bytes never seen at all: skipped at once.
  f.send(kS2C, 501, "", kTcpAck, 120);
  EXPECT_EQ(f.recorder.events, (Events{"gap0:4", "gap0:7"}));
  f.send(kC2S, 120, "z");
  EXPECT_EQ(f.recorder.stream[0], "abcd|ijkl|z");
  EXPECT_EQ(f.reassembler.loss().acked_unseen_bytes, 11U);
}

TEST(StreamReassembly, AckSkipDropsPresentedButUnconsumedBytes) {
  Flow f({}, Recorder::Mode::Framed);
  f.send(kC2S, 0, "\x09" "abc");       // waits for six more bytes
  f.send(kS2C, 50, "", kTcpAck, 12);   // two of them are never seen
  EXPECT_EQ(f.recorder.events, (Events{"gap0:12"}));
  f.send(kC2S, 12, "\x01" "q");
  EXPECT_EQ(f.recorder.messages, (std::vector<std::string>{"0:q"}));
  EXPECT_EQ(f.counters().acked_unseen_bytes, 8U);
}

TEST(StreamReassembly, ImplausibleAckIsIgnored) {
  Flow f;
  f.send(kC2S, 0, "ab");
  f.send(kS2C, 9, "", kTcpAck, 2U + (32U << 20));
  f.send(kS2C, 9, "", kTcpAck, 0xFFFFFFF0U);  // behind: old
  EXPECT_TRUE(f.recorder.events.empty());
  f.send(kC2S, 2, "cd");
  EXPECT_EQ(f.recorder.stream[0], "abcd");
}

TEST(StreamReassembly, FinAfterAHoleSkipsItThenEnds) {
  Flow f;
  f.send(kC2S, 0, "ab");
  f.send(kC2S, 5, "fg", kTcpFin);
  EXPECT_EQ(f.recorder.stream[0], "ab|fg");
  EXPECT_EQ(f.recorder.events, (Events{"gap0:3", "end0"}));
  EXPECT_TRUE(f.reassembler.ended(kC2S));
  f.send(kC2S, 2, "cde");  // too late: the direction is over
  EXPECT_EQ(f.recorder.stream[0], "ab|fg");
  // The skipped bytes become capture loss once the peer acknowledges them.
  EXPECT_EQ(f.counters().acked_unseen_bytes, 0U);
  f.send(kS2C, 0, "", kTcpAck, 8);
  EXPECT_EQ(f.counters().acked_unseen_bytes, 3U);
}

TEST(StreamReassembly, DataPastTheFinIsNotDelivered) {
  Flow f;
  f.send(kC2S, 0, "ab");
  f.send(kC2S, 10, "zz");
  f.send(kC2S, 4, "ef");
  f.send(kC2S, 2, "", kTcpFin);
  EXPECT_EQ(f.recorder.stream[0], "ab");
  EXPECT_EQ(f.recorder.events, (Events{"end0"}));
  EXPECT_EQ(f.memory.in_use_bytes(), 0U);
}

TEST(StreamReassembly, RstEndsBothDirections) {
  Flow f;
  f.send(kC2S, 0, "ab");
  f.send(kC2S, 4, "ef");
  f.send(kS2C, 0, "xy", kTcpRst);
  EXPECT_EQ(f.recorder.stream[0], "ab|ef");
  EXPECT_EQ(f.recorder.stream[1], "xy");
  EXPECT_EQ(f.recorder.events, (Events{"gap0:2", "end0", "end1"}));
  f.close();  // nothing left to end
  EXPECT_EQ(f.recorder.events.size(), 3U);
}

TEST(StreamReassembly, CloseSkipsHolesDeliversAndEnds) {
  Flow f;
  f.send(kS2C, 7, "ab");
  f.send(kS2C, 12, "xyz");
  f.close();
  EXPECT_EQ(f.recorder.stream[1], "ab|xyz");
  EXPECT_EQ(f.recorder.events, (Events{"end0", "gap1:3", "end1"}));
  EXPECT_EQ(f.reassembler.loss(kS2C).gaps, 1U);
  EXPECT_EQ(f.memory.in_use_bytes(), 0U);
}

TEST(StreamReassembly, TooManyIslandsSkipTheFirstHole) {
  Flow f;
  f.send(kC2S, 0, "a");
  for (std::uint32_t i = 1; i <= TcpReassembler::kMaxRanges; ++i) {
    f.send(kC2S, 2 * i, std::string(1, static_cast<char>('a' + i)));
  }
  EXPECT_EQ(f.recorder.stream[0], "a");
  f.send(kC2S, 2 * (TcpReassembler::kMaxRanges + 1), "!");  // a ninth island
  EXPECT_EQ(f.recorder.stream[0], "a|b");
  EXPECT_EQ(f.counters().gaps, 1U);
  EXPECT_EQ(f.counters().memcap_drops, 0U);
}

TEST(StreamReassembly, SequenceNumbersWrapAround) {
  Flow f({}, Recorder::Mode::Framed);
  f.send(kC2S, 0xFFFFFFFDU, "", kTcpSyn);      // data starts at 0xFFFFFFFE
  f.send(kC2S, 0x00000003U, "ef" "\x01" "g");  // after the wrap: held
  f.send(kC2S, 0xFFFFFFFEU, "\x06" "abcd");    // crosses the wrap and fills the hole
  EXPECT_EQ(f.recorder.messages, (std::vector<std::string>{"0:abcdef", "0:g"}));
  f.send(kS2C, 0, "", kTcpAck, 0x00000007U);
  EXPECT_TRUE(f.recorder.events.empty());
  f.send(kS2C, 0, "", kTcpAck, 0x00000010U);   // past everything, across the wrap
  EXPECT_EQ(f.recorder.events, (Events{"gap0:9"}));
  EXPECT_TRUE(seq_lt(0xFFFFFFFFU, 0U));
  EXPECT_TRUE(seq_le(5U, 5U));
  EXPECT_EQ(seq_diff(1U, 0xFFFFFFFFU), 2);
}

TEST(StreamReassembly, MidStreamPickupStartsAtTheFirstSegment) {
  Flow f({}, Recorder::Mode::Framed);
  f.send(kS2C, 77, "", kTcpAck, 4000);  // the server's ACK before anything of the client
  f.send(kC2S, 4000, "\x02" "hi", kTcpAck, 77);
  f.send(kC2S, 3990, "old bytes!");     // before the pickup point: old
  EXPECT_EQ(f.recorder.messages, (std::vector<std::string>{"0:hi"}));
  EXPECT_EQ(f.counters().gaps, 0U);
}

TEST(StreamReassembly, MessageLargerThanTheWindowIsDroppedAsAGap) {
  StreamLimits limits;
  limits.max_direction_bytes = 1024;
  Flow f(limits, Recorder::Mode::Never);
  for (std::uint32_t off = 0; off < 3000; off += 100) f.send(kC2S, off, std::string(100, 'x'));
  EXPECT_EQ(f.counters().oversize_drops, 2U);
  EXPECT_EQ(f.recorder.events, (Events{"gap0:1024", "gap0:1024"}));
  EXPECT_LE(f.reassembler.held_bytes(), 1024U);
  // A single segment bigger than the window that the consumer refuses: dropped at once.
  Flow g(limits, Recorder::Mode::Never);
  g.send(kC2S, 0, std::string(1500, 'y'));
  EXPECT_EQ(g.counters().oversize_drops, 1U);
  EXPECT_EQ(g.recorder.events, (Events{"gap0:1500"}));
  EXPECT_EQ(g.memory.in_use_bytes(), 0U);
}

TEST(StreamReassembly, PerFlowCapRefusesTheSecondDirection) {
  StreamLimits limits;
  limits.max_direction_bytes = 1024;
  limits.max_flow_bytes = 1024;
  Flow f(limits, Recorder::Mode::Never);
  f.send(kC2S, 0, std::string(600, 'a'));
  EXPECT_EQ(f.reassembler.held_bytes(), 1024U);
  f.send(kS2C, 0, "waiting");  // no room left in this flow
  EXPECT_EQ(f.counters().memcap_drops, 1U);
  EXPECT_EQ(f.recorder.events, (Events{"gap1:7"}));
  EXPECT_EQ(f.reassembler.held_bytes(), 1024U);
}

TEST(StreamReassembly, WorkerCapIsSharedByAllFlows) {
  StreamLimits limits;
  limits.max_bytes = 2048;
  limits.max_direction_bytes = 1024;
  StreamMemory memory(limits);
  Recorder recorder(Recorder::Mode::Never);
  TcpReassembler flows[3];
  const std::string data(700, 'd');
  for (auto& flow : flows) {
    flow.on_segment(TcpSegment{kC2S, 0, 0, 0, bytes_of(data), Timestamp{}}, memory, recorder);
  }
  EXPECT_EQ(memory.in_use_bytes(), 2048U);
  EXPECT_EQ(memory.counters().memcap_drops, 1U);
  EXPECT_EQ(flows[2].held_bytes(), 0U);
  // Out-of-order data refused by the pool: the hole is given up and the data delivered.
  Recorder greedy;
  flows[2].on_segment(TcpSegment{kC2S, 800, 0, 0, bytes_of("late"), Timestamp{}}, memory,
                      greedy);
  flows[2].on_segment(TcpSegment{kC2S, 900, 0, 0, bytes_of("later"), Timestamp{}}, memory,
                      greedy);
  // Its first 700 bytes were refused and skipped; each island refused in turn is skipped to.
  EXPECT_EQ(greedy.stream[0], "|late|later");
  EXPECT_EQ(greedy.events, (Events{"gap0:100", "gap0:96"}));
  EXPECT_EQ(memory.counters().memcap_drops, 3U);
  // Closing gives everything back; the cache stays within the cap and is reused.
  for (auto& flow : flows) flow.close(Timestamp{}, memory, recorder);
  EXPECT_EQ(memory.in_use_bytes(), 0U);
  EXPECT_LE(memory.held_bytes(), limits.max_bytes);
  flows[0].reset(memory);
  flows[0].on_segment(TcpSegment{kC2S, 0, 0, 0, bytes_of(data), Timestamp{}}, memory, recorder);
  EXPECT_EQ(memory.in_use_bytes(), 1024U);
  flows[0].reset(memory);
}

TEST(StreamReassembly, CountersAreListedByName) {
  StreamCounters c;
  c.gap_bytes = 9;
  std::vector<std::string> names;
  std::uint64_t gap_bytes = 0;
  c.for_each([&](std::string_view name, std::uint64_t value) {
    names.emplace_back(name);
    if (name == "gap_bytes") gap_bytes = value;
  });
  EXPECT_EQ(names.size(), 14U);
  EXPECT_EQ(names.front(), "segments");
  EXPECT_EQ(names.back(), "copied_bytes");
  EXPECT_EQ(gap_bytes, 9U);
}

}  // namespace
}  // namespace limen::stream::testing
