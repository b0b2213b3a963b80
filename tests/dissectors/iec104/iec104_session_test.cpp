// IEC 104 session tests: transactions per I and U frame, S frames counted, sequence checks,
// resynchronisation after garbage and gaps, and every chunking giving the same transactions.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dissectors/iec104/iec104_session.h"
#include "tests/dissectors/modbus/pcap_streams.h"

namespace limen::dissect::iec104 {
namespace {

using Bytes = std::vector<std::uint8_t>;
using limen::testing::RecordingSink;

Bytes i_frame(const Bytes& asdu, std::uint16_t tx, std::uint16_t rx = 0) {
  Bytes out{0x68, static_cast<std::uint8_t>(asdu.size() + 4),
            static_cast<std::uint8_t>((tx << 1) & 0xFF), static_cast<std::uint8_t>(tx >> 7),
            static_cast<std::uint8_t>((rx << 1) & 0xFF), static_cast<std::uint8_t>(rx >> 7)};
  for (const std::uint8_t b : asdu) out.push_back(b);
  return out;
}
Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const Bytes kStartdtAct{0x68, 0x04, 0x07, 0x00, 0x00, 0x00};
const Bytes kSFrame{0x68, 0x04, 0x01, 0x00, 0x02, 0x00};
const Bytes kInterrogation{100, 0x01, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x14};
const Bytes kDoubleCommand{46, 0x01, 0x06, 0x00, 0x01, 0x00, 0x10, 0x00, 0x00, 0x02};

std::size_t feed(Iec104Session& s, Direction dir, const Bytes& stream,
                 const std::vector<std::size_t>& cuts, RecordingSink& sink) {
  Bytes buf;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    buf.insert(buf.end(), stream.begin() + static_cast<long>(from),
               stream.begin() + static_cast<long>(cut));
    from = cut;
    const std::size_t used = s.on_data(dir, buf, Timestamp{}, sink);
    EXPECT_LE(used, buf.size());
    buf.erase(buf.begin(), buf.begin() + static_cast<long>(used));
  }
  return buf.size();
}

TEST(Iec104Session, ReportsIAndUFramesNotSFrames) {
  Iec104Session s;
  RecordingSink sink;
  const Bytes stream = concat({kStartdtAct, i_frame(kInterrogation, 0), kSFrame,
                               i_frame(kDoubleCommand, 1)});
  EXPECT_EQ(feed(s, Direction::ToServer, stream, {stream.size()}, sink), 0U);
  ASSERT_EQ(sink.transactions.size(), 3U);
  EXPECT_EQ(sink.transactions[0], "session req frame=u u_function=startdt_act");
  EXPECT_EQ(sink.transactions[1],
            "read req frame=i tx_seq=0 rx_seq=0 type_id=100 type=C_IC_NA_1 "
            "category=system_control sq=0 objects=1 cot=6 cause=activation negative=0 test=0 "
            "originator=0 common_address=1 qualifier=20 ioa=0,");
  EXPECT_EQ(sink.transactions[2],
            "control req frame=i tx_seq=1 rx_seq=0 type_id=46 type=C_DC_NA_1 category=control "
            "sq=0 objects=1 cot=6 cause=activation negative=0 test=0 originator=0 "
            "common_address=1 qualifier=2 select=0 ioa=16,");
  EXPECT_TRUE(sink.anomalies.empty());
  EXPECT_EQ(s.counters().s_frames, 1U);
}

TEST(Iec104Session, SequenceJumpIsAnAnomaly) {
  Iec104Session s;
  RecordingSink sink;
  const Bytes stream = concat({i_frame(kInterrogation, 4), i_frame(kInterrogation, 9)});
  feed(s, Direction::ToServer, stream, {stream.size()}, sink);
  ASSERT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(sink.anomalies[0], "I frame send sequence number out of order");
  EXPECT_EQ(s.counters().sequence_errors, 1U);
}

TEST(Iec104Session, GarbageAndGapsResynchronise) {
  Iec104Session s;
  RecordingSink sink;
  const Bytes garbage{0x16, 0x03, 0x01, 0x68, 0x02, 0x00, 0x55};
  const Bytes stream = concat({garbage, kStartdtAct});
  EXPECT_EQ(feed(s, Direction::ToServer, stream, {stream.size()}, sink), 0U);
  ASSERT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(sink.anomalies[0], "APCI start octet not 0x68 (violation)");
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(s.counters().skipped_bytes, garbage.size());
  s.on_gap(Direction::ToServer, 10);
  const Bytes after_gap = concat({Bytes{0x00, 0x01}, i_frame(kDoubleCommand, 40)});
  EXPECT_EQ(s.on_data(Direction::ToServer, after_gap, Timestamp{}, sink), after_gap.size());
  EXPECT_EQ(sink.transactions.size(), 2U);
  EXPECT_EQ(sink.anomalies.size(), 1U);  // the sequence restarts after a gap: no jump reported
}

TEST(Iec104Session, EveryChunkingGivesTheSameTransactions) {
  const Bytes stream = concat({
      kStartdtAct, i_frame(kInterrogation, 0), kSFrame, i_frame(kDoubleCommand, 1),
      i_frame({13, 0x83, 0x14, 0, 0x02, 0x00, 100, 0, 0, 1, 2, 3, 4, 0, 5, 6, 7, 8, 0, 9, 10, 11,
               12, 0},
              2),
      Bytes{0x68, 0x04, 0x0F, 0, 0, 0},                              // malformed U frame
      i_frame({1, 0x05, 0x03, 0, 0x02, 0x00, 7, 0, 0, 1}, 3),        // count 5, one object
      Bytes{0x68, 0x04, 0x83, 0x00, 0x00, 0x00},
  });
  const auto run = [&](const std::vector<std::size_t>& cuts) {
    Iec104Session s;
    RecordingSink sink;
    EXPECT_EQ(feed(s, Direction::ToServer, stream, cuts, sink), 0U);
    s.on_close(Timestamp{}, sink);
    return sink;
  };
  const RecordingSink whole = run({stream.size()});
  ASSERT_EQ(whole.transactions.size(), 6U);
  EXPECT_EQ(whole.anomalies.size(), 2U);
  std::vector<std::size_t> bytewise;
  for (std::size_t i = 1; i <= stream.size(); ++i) bytewise.push_back(i);
  const RecordingSink by_byte = run(bytewise);
  EXPECT_EQ(by_byte.transactions, whole.transactions);
  EXPECT_EQ(by_byte.anomalies, whole.anomalies);
  for (std::size_t cut = 1; cut < stream.size(); ++cut) {
    const RecordingSink split = run({cut, stream.size()});
    EXPECT_EQ(split.transactions, whole.transactions) << cut;
    EXPECT_EQ(split.anomalies, whole.anomalies) << cut;
  }
}

}  // namespace
}  // namespace limen::dissect::iec104
