// Session tests: the same conversation in every chunking gives the same transactions; pairing,
// bounds, gaps, garbage, segmented TSDUs and S7comm-plus.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "dissectors/s7comm/s7comm_session.h"
#include "tests/dissectors/s7comm/s7comm_test_util.h"

namespace limen::dissect::s7comm {
namespace {

using test::Bytes;
using test::dt;

struct Segment {
  Direction dir;
  Bytes bytes;
};

// Delivers the conversation cut at `cuts` (offsets in the concatenation of all segments; segment
// boundaries are always cuts), keeping unconsumed bytes per direction as the TCP reassembler does.
std::vector<std::string> run(const std::vector<Segment>& conversation,
                             const std::set<std::size_t>& cuts, S7commSession* out = nullptr) {
  S7commSession session;
  test::RecordingSink sink;
  std::array<Bytes, 2> held;
  std::size_t base = 0;
  for (const Segment& seg : conversation) {
    std::size_t from = 0;
    for (std::size_t i = 1; i <= seg.bytes.size(); ++i) {
      if (i != seg.bytes.size() && cuts.count(base + i) == 0) continue;
      Bytes& buf = held[static_cast<std::size_t>(seg.dir)];
      buf.insert(buf.end(), seg.bytes.begin() + static_cast<std::ptrdiff_t>(from),
                 seg.bytes.begin() + static_cast<std::ptrdiff_t>(i));
      const std::size_t used = session.on_data(seg.dir, buf, Timestamp{}, sink);
      EXPECT_LE(used, buf.size());
      buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(used));
      from = i;
    }
    base += seg.bytes.size();
  }
  session.on_close(Timestamp{}, sink);
  if (out != nullptr) *out = session;
  return sink.lines;
}

std::vector<Segment> conversation() {
  const auto c = Direction::ToServer;
  const auto s = Direction::ToClient;
  // The read job arrives split over three DT TPDUs (EOT on the last).
  const Bytes& read = test::kReadJob;
  const Bytes read_split = test::cat({dt(Bytes(read.begin(), read.begin() + 5), false, 0),
                                      dt(Bytes(read.begin() + 5, read.begin() + 20), false, 1),
                                      dt(Bytes(read.begin() + 20, read.end()), true, 2)});
  return {{c, test::cotp_connect(false)},
          {s, test::cotp_connect(true)},
          {c, dt(test::kSetupJob)},
          {s, dt(test::kSetupAck)},
          {c, test::cat({dt(test::kWriteJob), read_split})},
          {s, test::cat({dt(test::kReadAck), dt(test::kWriteAck)})},
          {c, dt(test::kSzlReq)},
          {s, dt(test::kSzlResp)},
          {c, dt(test::kDownloadJob)},
          {s, dt(test::kDownloadAck)},
          {c, dt(test::kInseJob)},
          {s, dt(test::kInseAck)},
          {c, dt(test::kStopJob)},
          {s, dt(test::kStopAck)},
          {c, dt(test::kPlusReq)},
          {s, dt(test::kPlusResp)}};
}

std::size_t total_size(const std::vector<Segment>& conv) {
  std::size_t n = 0;
  for (const Segment& s : conv) n += s.bytes.size();
  return n;
}

TEST(S7commSession, ReportsEveryOperationPaired) {
  S7commSession session;
  const auto lines = run(conversation(), {}, &session);
  ASSERT_EQ(lines.size(), 8U) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0],
            "T op=session req=1 resp=1 s7comm.protocol_id=50 s7comm.rosctr=1 "
            "s7comm.rosctr_name=job s7comm.pdu_ref=256 s7comm.function_code=240 "
            "s7comm.function=setup_communication s7comm.error_class=0 s7comm.error_code=0 "
            "s7comm.error_name=no_error s7comm.pdu_size=240");
  EXPECT_EQ(lines[1],
            "T op=read req=1 resp=1 s7comm.protocol_id=50 s7comm.rosctr=1 s7comm.rosctr_name=job "
            "s7comm.pdu_ref=768 s7comm.function_code=4 s7comm.function=read_var "
            "s7comm.error_class=0 s7comm.error_code=0 s7comm.error_name=no_error s7comm.items=2 "
            "s7comm.areas=131,132, s7comm.db=0,7, s7comm.addresses=10,2, s7comm.lengths=4,1, "
            "s7comm.return_codes=255,10,");
  EXPECT_NE(lines[2].find("op=write req=1 resp=1"), std::string::npos);
  EXPECT_NE(lines[2].find("s7comm.db=1, s7comm.addresses=4,"), std::string::npos);
  EXPECT_NE(lines[3].find("op=diagnostic req=1 resp=1"), std::string::npos);
  EXPECT_NE(lines[3].find("s7comm.userdata_subfunction_name=read_szl s7comm.szl_id=306 "
                          "s7comm.szl_index=4"),
            std::string::npos);
  EXPECT_NE(lines[4].find("op=program req=1 resp=1"), std::string::npos);
  EXPECT_NE(lines[4].find("s7comm.block_type_name=fc s7comm.block_number=42"), std::string::npos);
  EXPECT_NE(lines[5].find("op=program"), std::string::npos);
  EXPECT_NE(lines[5].find("s7comm.error_class=210 s7comm.error_code=9"), std::string::npos);
  EXPECT_NE(lines[5].find("s7comm.pi_service=_INSE"), std::string::npos);
  EXPECT_NE(lines[6].find("op=stop req=1 resp=1"), std::string::npos);
  EXPECT_NE(lines[6].find("s7comm.function=plc_stop"), std::string::npos);
  EXPECT_EQ(lines[7],
            "T op=session req=1 resp=1 s7comm.protocol_id=114 s7comm.plus_version=1 "
            "s7comm.plus_opcode=49 s7comm.plus_opcode_name=request s7comm.plus_function_code=1226 "
            "s7comm.plus_function=create_object s7comm.plus_sequence=1 "
            "s7comm.plus_integrity_protected=0");
  EXPECT_EQ(session.counters().segmented, 1U);
  EXPECT_EQ(session.counters().anomalies, 0U);
  EXPECT_EQ(session.counters().unmatched_responses, 0U);
}

TEST(S7commSession, EveryChunkingGivesTheSameTransactions) {
  const auto conv = conversation();
  const auto expected = run(conv, {});
  const std::size_t total = total_size(conv);
  std::set<std::size_t> every;
  for (std::size_t i = 1; i < total; ++i) every.insert(i);
  EXPECT_EQ(run(conv, every), expected) << "byte by byte";
  for (std::size_t k = 1; k < total; ++k) EXPECT_EQ(run(conv, {k}), expected) << "split at " << k;
  for (std::size_t step : {2U, 3U, 7U, 13U}) {
    std::set<std::size_t> cuts;
    for (std::size_t i = step; i < total; i += step) cuts.insert(i);
    EXPECT_EQ(run(conv, cuts), expected) << "chunks of " << step;
  }
}

TEST(S7commSession, UnansweredAndUnmatched) {
  const auto c = Direction::ToServer;
  const auto s = Direction::ToClient;
  S7commSession session;
  const auto lines = run({{s, dt(test::kStopAck)}, {c, dt(test::kStopJob)}}, {}, &session);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_NE(lines[0].find("op=stop req=0 resp=1"), std::string::npos);
  EXPECT_NE(lines[1].find("op=stop req=1 resp=0"), std::string::npos);  // flushed at close
  EXPECT_EQ(session.counters().unmatched_responses, 1U);
}

TEST(S7commSession, PendingRequestsAreBounded) {
  std::vector<Segment> conv;
  for (std::uint16_t ref = 0; ref < 20; ++ref)
    conv.push_back({Direction::ToServer, dt(test::s7(1, ref, {0x29, 0, 0, 0, 0, 0, 0}, {}))});
  // The answer to the newest still pairs.
  conv.push_back({Direction::ToClient, dt(test::s7(3, 19, {0x29}, {}))});
  S7commSession session;
  const auto lines = run(conv, {}, &session);
  ASSERT_EQ(lines.size(), 20U);
  EXPECT_EQ(session.counters().evicted_requests, 20U - S7commSession::kMaxPending);
  EXPECT_NE(lines[20 - S7commSession::kMaxPending].find("req=1 resp=1"), std::string::npos);
  EXPECT_NE(lines[0].find("s7comm.pdu_ref=0 "), std::string::npos);
}

TEST(S7commSession, GarbageIsAViolationThenResyncs) {
  const auto c = Direction::ToServer;
  Bytes garbage{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'};
  S7commSession session;
  const auto lines =
      run({{c, test::cat({garbage, dt(test::kStopJob)})}}, {}, &session);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0], "A TPKT version is not 3 violation");
  EXPECT_NE(lines[1].find("op=stop req=1 resp=0"), std::string::npos);
  EXPECT_EQ(session.counters().skipped_bytes, garbage.size());
}

TEST(S7commSession, GapResynchronises) {
  S7commSession session;
  test::RecordingSink sink;
  const Bytes first = dt(test::kStopJob);
  // The first frame's tail was lost: the stream resumes mid-frame.
  const Bytes resumed = test::cat({Bytes(first.begin() + 9, first.end()), dt(test::kSetupJob)});
  session.on_gap(Direction::ToServer, 9);
  const std::size_t used = session.on_data(Direction::ToServer, resumed, Timestamp{}, sink);
  EXPECT_EQ(used, resumed.size());
  session.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.lines.size(), 1U) << ::testing::PrintToString(sink.lines);
  EXPECT_NE(sink.lines[0].find("setup_communication"), std::string::npos);
  EXPECT_EQ(session.counters().gaps, 1U);
}

TEST(S7commSession, OversizedTsduIsDroppedUpToEot) {
  const auto c = Direction::ToServer;
  std::vector<Segment> conv;
  const Bytes chunk(1000, 0x00);
  conv.push_back({c, dt(test::cat({Bytes{0x32}, chunk}), false)});
  for (std::size_t i = 0; i < S7commSession::kMaxDtFrames + 4; ++i)
    conv.push_back({c, dt(chunk, false)});
  conv.push_back({c, dt(chunk, true)});
  conv.push_back({c, dt(test::kStopJob)});
  S7commSession session;
  const auto lines = run(conv, {}, &session);
  ASSERT_EQ(lines.size(), 2U) << ::testing::PrintToString(lines);
  EXPECT_EQ(lines[0], "A COTP TSDU over the reassembly limit");
  EXPECT_NE(lines[1].find("plc_stop"), std::string::npos);
}

TEST(S7commSession, NotS7AndBadPduAreAnomalies) {
  const auto c = Direction::ToServer;
  Bytes short_pdu = test::kStopJob;
  short_pdu[7] = 0x40;  // parameter length past the TSDU
  const auto lines = run({{c, test::cat({dt({0x10, 0x20, 0x30}), dt(short_pdu),
                                        dt(Bytes{0x72, 0x01, 0x00, 0x10, 0x99}),
                                        dt(test::kStopJob)})}},
                         {});
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(lines[0], "A COTP payload is neither S7comm (0x32) nor S7comm-plus (0x72) violation");
  EXPECT_EQ(lines[1], "A S7comm PDU shorter than its parameter and data lengths");
  EXPECT_EQ(lines[2], "A S7comm-plus unparseable: unknown opcode");
  EXPECT_NE(lines[3].find("plc_stop"), std::string::npos);
}

TEST(S7commSession, IntegrityProtectedPlusIsFlagged) {
  Bytes v3 = test::kPlusReq;
  v3[1] = 0x03;
  const auto lines = run({{Direction::ToServer, dt(v3)}}, {});
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_NE(lines[0].find("s7comm.plus_integrity_protected=1"), std::string::npos);
}

}  // namespace
}  // namespace limen::dissect::s7comm
