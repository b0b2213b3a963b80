// GOOSE / SV session tests: state changes vs heartbeats, every sequencing anomaly, bursts,
// timeAllowedToLive, SV stream starts and smpCnt checks, and framing independence (padding).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dissectors/goose/goose_session.h"
#include "dissectors/goose/sv_session.h"
#include "tests/dissectors/goose/goose_frames.h"
#include "tests/dissectors/modbus/pcap_streams.h"

namespace limen::dissect::goose {
namespace {

using testing::Bytes;
using testing::GooseSpec;
using testing::RecordingSink;

constexpr auto kDir = Direction::ToClient;

Timestamp ms(std::int64_t v) { return Timestamp{v * 1000}; }

struct Feed {
  GooseSession session;
  RecordingSink sink;
  void frame(const GooseSpec& s, std::int64_t at_ms) {
    const Bytes f = testing::goose_frame(s);
    EXPECT_EQ(session.on_data(kDir, f, ms(at_ms), sink), f.size());
  }
};

GooseSpec state(std::uint32_t st, std::uint32_t sq) {
  GooseSpec s;
  s.st_num = st;
  s.sq_num = sq;
  return s;
}

TEST(GooseSession, StateChangesReportHeartbeatsCount) {
  Feed f;
  f.frame(state(5, 7), 0);     // stream start: reported
  f.frame(state(5, 8), 1000);  // heartbeats
  f.frame(state(5, 9), 2000);
  f.frame(state(6, 0), 2500);  // state change
  f.frame(state(6, 1), 2502);
  EXPECT_TRUE(f.sink.anomalies.empty());
  ASSERT_EQ(f.sink.transactions.size(), 2U);
  EXPECT_EQ(f.sink.operations[0], Operation::Report);
  EXPECT_NE(f.sink.transactions[0].find("st_num=5 sq_num=7"), std::string::npos);
  EXPECT_NE(f.sink.transactions[1].find("st_num=6 sq_num=0"), std::string::npos);
  EXPECT_NE(f.sink.transactions[1].find("heartbeats=2"), std::string::npos);
  EXPECT_NE(f.sink.transactions[0].find("gocb_ref=IED1LD0/LLN0$GO$gcb_A"), std::string::npos);
  EXPECT_EQ(f.session.counters().heartbeats, 3U);
  EXPECT_EQ(f.session.counters().state_changes, 1U);
}

TEST(GooseSession, SequencingAnomalies) {
  struct Case {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> frames;
    const char* reason;
  };
  const std::vector<Case> cases{
      {{{5, 3}, {5, 2}}, "GOOSE sqNum regression without stNum change"},
      {{{5, 3}, {5, 3}}, "GOOSE sqNum repeated"},
      {{{5, 3}, {4, 0}}, "GOOSE stNum regression"},
      {{{5, 3}, {8, 0}}, "GOOSE stNum skipped: state changes missed"},
      {{{5, 3}, {6, 4}}, "GOOSE stNum change without sqNum reset"},
  };
  for (const auto& c : cases) {
    Feed f;
    std::int64_t t = 0;
    for (const auto& [st, sq] : c.frames) f.frame(state(st, sq), t += 100);
    ASSERT_EQ(f.sink.anomalies.size(), 1U) << c.reason;
    EXPECT_EQ(f.sink.anomalies[0], c.reason);
  }
}

TEST(GooseSession, CountersWrapWithoutAnomaly) {
  Feed f;
  f.frame(state(7, 0xFFFFFFFFU), 0);
  f.frame(state(7, 1), 10);
  f.frame(state(0xFFFFFFFFU, 0), 20);  // a skip, reported
  f.frame(state(1, 0), 30);            // wrap of stNum: not a regression
  ASSERT_EQ(f.sink.anomalies.size(), 1U);
  EXPECT_EQ(f.sink.anomalies[0], "GOOSE stNum skipped: state changes missed");
  EXPECT_EQ(f.sink.transactions.size(), 3U);
}

TEST(GooseSession, TimeAllowedToLiveExceeded) {
  Feed f;
  f.frame(state(1, 0), 0);     // tal 2000 ms
  f.frame(state(1, 1), 2000);  // exactly on time
  f.frame(state(1, 2), 4001);  // late: a heartbeat was missed
  ASSERT_EQ(f.sink.anomalies.size(), 1U);
  EXPECT_EQ(f.sink.anomalies[0], "GOOSE timeAllowedToLive exceeded");
}

TEST(GooseSession, BurstReportedOncePerBurst) {
  Feed f;
  f.session = GooseSession(GooseConfig{3, 1'000'000});
  std::uint32_t st = 1;
  f.frame(state(st, 0), 0);
  for (int i = 0; i < 6; ++i) f.frame(state(++st, 0), 10 + i * 10);  // 6 changes in 60 ms
  ASSERT_EQ(f.sink.anomalies.size(), 1U);
  EXPECT_EQ(f.sink.anomalies[0], "GOOSE state change burst");
  for (int i = 0; i < 4; ++i) f.frame(state(++st, 0), 5000 + i * 1500);  // slow again
  for (int i = 0; i < 4; ++i) f.frame(state(++st, 0), 20000 + i * 10);   // a second burst
  EXPECT_EQ(f.session.counters().bursts, 2U);
  EXPECT_EQ(f.sink.transactions.size(), 15U);
}

TEST(GooseSession, HostileFramesAreData) {
  Feed f;
  const Bytes garbage{0x00, 0x01, 0x00, 0x0c, 0, 0, 0, 0, 0x30, 0x02, 0x00, 0x00};
  f.session.on_data(kDir, garbage, ms(0), f.sink);
  Bytes cut = testing::goose_frame({});
  cut.resize(cut.size() / 2);
  f.session.on_data(kDir, cut, ms(1), f.sink);
  f.session.on_data(kDir, {}, ms(2), f.sink);
  ASSERT_EQ(f.sink.anomalies.size(), 3U);
  EXPECT_EQ(f.sink.anomalies[0], "not a goosePdu (violation)");
  EXPECT_EQ(f.sink.anomalies[1], "GOOSE frame shorter than its length");
  EXPECT_EQ(f.session.counters().invalid, 3U);
  EXPECT_TRUE(f.sink.transactions.empty());
  Bytes reserved = testing::goose_frame({});
  reserved[7] = 1;  // reserved 2 must be 0
  f.frame({}, 3);
  f.session.on_data(kDir, reserved, ms(4), f.sink);
  EXPECT_EQ(f.sink.anomalies.back(), "GOOSE sqNum repeated");
  EXPECT_EQ(f.sink.anomalies[f.sink.anomalies.size() - 2], "GOOSE reserved header bits set");
}

// The same frames with any amount of Ethernet padding give identical reports: the declared
// length, not the captured size, frames the PDU.
TEST(GooseSession, PaddingDoesNotChangeReports) {
  std::vector<Bytes> frames;
  std::uint32_t st = 10;
  for (std::uint32_t i = 0; i < 12; ++i) {
    if (i % 4 == 0) ++st;
    frames.push_back(testing::goose_frame(state(st, i % 4 == 2 ? 9 : i % 4)));
  }
  std::vector<std::string> reference;
  for (std::size_t pad = 0; pad <= 46; ++pad) {
    GooseSession s;
    RecordingSink sink;
    std::int64_t t = 0;
    for (Bytes f : frames) {
      f.insert(f.end(), pad, static_cast<std::uint8_t>(pad));
      s.on_data(kDir, f, ms(t += 100), sink);
    }
    std::vector<std::string> all = sink.transactions;
    all.insert(all.end(), sink.anomalies.begin(), sink.anomalies.end());
    if (pad == 0) {
      reference = all;
      EXPECT_EQ(sink.transactions.size(), 3U);
      EXPECT_EQ(sink.anomalies.size(), 3U);  // sqNum 9 then 3 in each state: a regression
    }
    EXPECT_EQ(all, reference) << pad;
  }
}

TEST(SvSession, StreamStartAndSampleChecks) {
  SvSession s;
  RecordingSink sink;
  std::vector<testing::AsduSpec> asdus(4);
  for (std::uint16_t i = 0; i < 4; ++i) asdus[i].smp_cnt = i;
  s.on_data(kDir, testing::sv_frame(asdus), ms(0), sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.operations[0], Operation::Report);
  EXPECT_NE(sink.transactions[0].find("sv_id=MU01 smp_cnt=0 conf_rev=1 asdus=4 smp_synch=2"),
            std::string::npos);
  EXPECT_TRUE(sink.anomalies.empty());
  for (std::uint16_t i = 0; i < 4; ++i) asdus[i].smp_cnt = static_cast<std::uint16_t>(6 + i);
  asdus[2].smp_synch = 0;
  asdus[3].conf_rev = 2;
  s.on_data(kDir, testing::sv_frame(asdus), ms(1), sink);
  asdus = {testing::AsduSpec{"MU01", 3, 2, 2}, testing::AsduSpec{"MU01", 0, 2, 2},
           testing::AsduSpec{"MU02", 50, 1, 1}};
  s.on_data(kDir, testing::sv_frame(asdus), ms(2), sink);
  const std::vector<std::string> expected{"SV smpCnt jump: samples lost",
                                          "SV sample synchronisation lost", "SV confRev changed",
                                          "SV smpCnt regression"};
  EXPECT_EQ(sink.anomalies, expected);
  EXPECT_EQ(sink.transactions.size(), 2U);  // MU02 started
  EXPECT_EQ(s.counters().lost_samples, 2U);
  EXPECT_EQ(s.counters().asdus, 11U);
  s.on_data(kDir, testing::goose_frame({}), ms(3), sink);
  EXPECT_EQ(sink.anomalies.back(), "not a savPdu (violation)");
}

TEST(SvSession, StreamTableIsBounded) {
  SvSession s;
  RecordingSink sink;
  for (std::size_t i = 0; i < SvSession::kMaxStreams + 3; ++i) {
    testing::AsduSpec a;
    a.sv_id = "MU" + std::to_string(i);
    s.on_data(kDir, testing::sv_frame({a}), ms(0), sink);
  }
  EXPECT_EQ(sink.transactions.size(), SvSession::kMaxStreams);
  EXPECT_EQ(s.counters().untracked, 3U);
}

}  // namespace
}  // namespace limen::dissect::goose
