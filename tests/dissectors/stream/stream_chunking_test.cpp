// Every way of cutting, reordering, duplicating and overlapping a stream must give the consumer
// the same bytes and the same messages: splitting a message into tiny segments cannot evade.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/dissectors/stream/stream_test_util.h"

namespace limen::stream::testing {
namespace {

// Three length-prefixed messages: "\x03abc" "\x05hello" "\x02xy" (13 bytes).
const std::string kStream = std::string("\x03" "abc") + "\x05" "hello" + "\x02" "xy";
const std::vector<std::string> kMessages{"0:abc", "0:hello", "0:xy"};

struct Piece {
  std::uint32_t offset;
  std::string data;
};

// Feeds `pieces` after a SYN with ISN `isn`, then FIN; returns the recorder's messages.
std::vector<std::string> run(std::uint32_t isn, const std::vector<Piece>& pieces,
                             Recorder::Mode mode, StreamCounters* counters = nullptr) {
  Flow f({}, mode);
  f.send(kC2S, isn, "", kTcpSyn);
  for (const Piece& p : pieces) f.send(kC2S, isn + 1 + p.offset, p.data);
  f.send(kC2S, isn + 1 + static_cast<std::uint32_t>(kStream.size()), "", kTcpFin | kTcpAck);
  f.close();
  EXPECT_EQ(f.recorder.stream[0], kStream);
  EXPECT_EQ(f.memory.in_use_bytes(), 0U);
  if (counters != nullptr) *counters = f.counters();
  return f.recorder.messages;
}

// Every composition of the stream into in-order segments (2^12 of them), at several ISNs
// including ones whose sequence numbers wrap inside the stream.
TEST(StreamChunking, EveryInOrderChunkingGivesTheSameMessages) {
  const std::size_t cuts = kStream.size() - 1;
  for (const std::uint32_t isn : {0U, 1000U, 0xFFFFFFF8U, 0xFFFFFFFFU}) {
    for (std::uint32_t mask = 0; mask < (1U << cuts); ++mask) {
      std::vector<Piece> pieces;
      std::size_t start = 0;
      for (std::size_t i = 1; i <= kStream.size(); ++i) {
        if (i == kStream.size() || ((mask >> (i - 1)) & 1U) != 0) {
          pieces.push_back({static_cast<std::uint32_t>(start), kStream.substr(start, i - start)});
          start = i;
        }
      }
      ASSERT_EQ(run(isn, pieces, Recorder::Mode::Framed), kMessages) << "mask " << mask;
    }
  }
}

TEST(StreamChunking, ByteByByteInEveryConsumerMode) {
  std::vector<Piece> pieces;
  for (std::size_t i = 0; i < kStream.size(); ++i) {
    pieces.push_back({static_cast<std::uint32_t>(i), kStream.substr(i, 1)});
  }
  StreamCounters c;
  EXPECT_EQ(run(7, pieces, Recorder::Mode::Framed, &c), kMessages);
  EXPECT_EQ(c.in_order, kStream.size());
  EXPECT_EQ(c.out_of_order, 0U);
  EXPECT_EQ(run(7, pieces, Recorder::Mode::Greedy).size(), 0U);
  EXPECT_EQ(run(7, pieces, Recorder::Mode::Limited).size(), 0U);
}

TEST(StreamChunking, ByteByByteBackwardsIsHeldThenDelivered) {
  for (const std::uint32_t isn : {5U, 0xFFFFFFFAU}) {
    std::vector<Piece> pieces;
    for (std::size_t i = kStream.size(); i-- > 0;) {
      pieces.push_back({static_cast<std::uint32_t>(i), kStream.substr(i, 1)});
    }
    // 12 islands would be needed at once: more than kMaxRanges unless adjacent ones merge,
    // which they do (each new byte touches the island after it).
    StreamCounters c;
    EXPECT_EQ(run(isn, pieces, Recorder::Mode::Framed, &c), kMessages);
    EXPECT_EQ(c.out_of_order, kStream.size() - 1);
    EXPECT_EQ(c.in_order, 1U);
    EXPECT_EQ(c.gaps, 0U);
  }
}

TEST(StreamChunking, OverlappingShuffledDuplicatedPiecesGiveTheSameMessages) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 3000; ++trial) {
    const std::uint32_t isn = trial % 2 == 0 ? 0xFFFFFFF0U + static_cast<std::uint32_t>(trial % 16)
                                             : static_cast<std::uint32_t>(rng());
    std::vector<Piece> pieces;
    // Random overlapping windows that together cover the stream.
    std::size_t covered = 0;
    while (covered < kStream.size()) {
      const std::size_t start = std::uniform_int_distribution<std::size_t>(0, covered)(rng);
      const std::size_t len = std::uniform_int_distribution<std::size_t>(1, 5)(rng);
      const std::size_t stop = std::min(kStream.size(), std::max(start + len, covered + 1));
      pieces.push_back({static_cast<std::uint32_t>(start), kStream.substr(start, stop - start)});
      covered = std::max(covered, stop);
    }
    for (std::size_t d = std::uniform_int_distribution<std::size_t>(0, 3)(rng); d > 0; --d) {
      pieces.push_back(pieces[rng() % pieces.size()]);
    }
    std::shuffle(pieces.begin(), pieces.end(), rng);
    StreamCounters c;
    ASSERT_EQ(run(isn, pieces, Recorder::Mode::Framed, &c), kMessages) << "trial " << trial;
    EXPECT_EQ(c.overlap_mismatch, 0U);
    EXPECT_EQ(c.gaps, 0U);
  }
}

TEST(StreamChunking, TwoDirectionsInterleavedStayApart) {
  Flow f({}, Recorder::Mode::Framed);
  f.send(kC2S, 100, "", kTcpSyn);
  f.send(kS2C, 900, "", kTcpSyn | kTcpAck, 101);
  f.send(kC2S, 101, "\x03" "ab");
  f.send(kS2C, 901, "\x02" "o");
  f.send(kC2S, 104, "c", kTcpAck, 903);
  f.send(kS2C, 903, "k", kTcpAck, 105);
  EXPECT_EQ(f.recorder.messages, (std::vector<std::string>{"0:abc", "1:ok"}));
  EXPECT_EQ(f.counters().gaps, 0U);
  EXPECT_EQ(f.reassembler.loss().seen_bytes, 7U);
  EXPECT_EQ(f.reassembler.loss().acked_unseen_bytes, 0U);
}

}  // namespace
}  // namespace limen::stream::testing
