// DNP3 session: framing across every chunking, transport reassembly, request/response pairing,
// unsolicited reports, and the anomaly and resynchronisation paths.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "dissectors/dnp3/dnp3_session.h"
#include "tests/dissectors/dnp3/dnp3_test_util.h"

namespace limen::dissect::dnp3 {
namespace {

using test::Bytes;
using test::RecordingSink;
constexpr auto kToServer = Direction::ToServer;
constexpr auto kToClient = Direction::ToClient;

Bytes request(std::uint8_t seq, std::uint8_t function, const Bytes& objects,
              std::uint8_t& tseq) {
  Bytes app{static_cast<std::uint8_t>(0xC0 | seq), function};
  app.insert(app.end(), objects.begin(), objects.end());
  return test::app_frames(true, 10, 1, app, tseq);
}

Bytes response(std::uint8_t seq, std::uint8_t function, std::uint16_t iin, const Bytes& objects,
               std::uint8_t& tseq, std::size_t segment = 249, std::uint8_t extra_control = 0) {
  Bytes app{static_cast<std::uint8_t>(0xC0 | extra_control | seq), function,
            static_cast<std::uint8_t>(iin >> 8), static_cast<std::uint8_t>(iin & 0xFF)};
  app.insert(app.end(), objects.begin(), objects.end());
  return test::app_frames(false, 1, 10, app, tseq, segment);
}

const Bytes kClassPoll{0x3C, 0x02, 0x06, 0x3C, 0x03, 0x06, 0x3C, 0x04, 0x06, 0x3C, 0x01, 0x06};

// A large response: 150 analog inputs g30v1 (5 bytes each) = 750 bytes, several segments.
Bytes big_objects() {
  Bytes o{0x1E, 0x01, 0x01, 0x00, 0x00, 149, 0x00};
  for (std::size_t i = 0; i < 150 * 5; ++i) o.push_back(static_cast<std::uint8_t>(i));
  return o;
}

struct Exchange {
  Bytes to_server;
  Bytes to_client;
};

Exchange poll_exchange() {
  std::uint8_t ts = 0;
  std::uint8_t tc = 0;
  Exchange e;
  e.to_server = request(3, 1, kClassPoll, ts);
  e.to_client = response(3, 129, 0x8000, big_objects(), tc, 100);
  return e;
}

std::vector<std::string> run(const Exchange& e, const std::vector<std::size_t>& cuts_server,
                             const std::vector<std::size_t>& cuts_client,
                             std::vector<std::string>* anomalies = nullptr) {
  Dnp3Session s;
  RecordingSink sink;
  EXPECT_EQ(test::feed(s, kToServer, e.to_server, cuts_server, sink), 0U);
  EXPECT_EQ(test::feed(s, kToClient, e.to_client, cuts_client, sink), 0U);
  s.on_close(Timestamp{}, sink);
  if (anomalies != nullptr) *anomalies = sink.anomalies;
  return sink.transactions;
}

TEST(Dnp3Session, PairsReadWithMultiSegmentResponse) {
  std::vector<std::string> anomalies;
  const auto t = run(poll_exchange(), {}, {}, &anomalies);
  ASSERT_EQ(t.size(), 1U);
  EXPECT_TRUE(anomalies.empty());
  EXPECT_EQ(t[0],
            "read req resp dnp3.function_code=1 dnp3.function=read dnp3.src=1 dnp3.dst=10 "
            "dnp3.link_function_code=4 dnp3.link_function=unconfirmed_user_data dnp3.app_seq=3 "
            "dnp3.unsolicited=0 dnp3.objects=15362,15363,15364,15361, "
            "dnp3.object_counts=0,0,0,0, dnp3.response_function_code=129 dnp3.iin=32768 "
            "dnp3.iin_flags=device_restart dnp3.response_objects=7681, "
            "dnp3.objects_incomplete=0");
}

TEST(Dnp3Session, EveryChunkingGivesTheSameTransactions) {
  const Exchange e = poll_exchange();
  const auto whole = run(e, {}, {});
  ASSERT_EQ(whole.size(), 1U);
  std::vector<std::size_t> bytewise_s;
  std::vector<std::size_t> bytewise_c;
  for (std::size_t i = 1; i < e.to_server.size(); ++i) bytewise_s.push_back(i);
  for (std::size_t i = 1; i < e.to_client.size(); ++i) bytewise_c.push_back(i);
  EXPECT_EQ(run(e, bytewise_s, bytewise_c), whole);
  for (std::size_t cut = 1; cut < e.to_server.size(); ++cut)
    ASSERT_EQ(run(e, {cut}, {}), whole) << "server split at " << cut;
  for (std::size_t cut = 1; cut < e.to_client.size(); ++cut)
    ASSERT_EQ(run(e, {}, {cut}), whole) << "client split at " << cut;
  for (std::size_t step = 2; step < 40; step += 3) {
    std::vector<std::size_t> cuts;
    for (std::size_t i = step; i < e.to_client.size(); i += step) cuts.push_back(i);
    ASSERT_EQ(run(e, {}, cuts), whole) << "step " << step;
  }
}

TEST(Dnp3Session, ColdRestartAndRequestsWithoutResponse) {
  std::uint8_t ts = 0;
  std::uint8_t tc = 0;
  Dnp3Session s;
  RecordingSink sink;
  Bytes up = request(0, 13, {}, ts);
  const Bytes nr = request(1, 6, {0x0C, 0x01, 0x28, 0x01, 0x00, 0x07, 0x00, 0x41, 0x01, 0xE8,
                                  0x03, 0, 0, 0, 0, 0, 0, 0}, ts);
  up.insert(up.end(), nr.begin(), nr.end());
  const Bytes unanswered = request(2, 18, {}, ts);
  up.insert(up.end(), unanswered.begin(), unanswered.end());
  EXPECT_EQ(s.on_data(kToServer, up, Timestamp{}, sink), up.size());
  // direct_operate_nr is reported at once; cold restart and stop wait.
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.last_operation, Operation::Control);
  EXPECT_NE(sink.transactions[0].find("dnp3.function=direct_operate_nr"), std::string::npos);
  EXPECT_NE(sink.transactions[0].find("dnp3.objects=3073,"), std::string::npos);
  const Bytes down = response(0, 129, 0x0000, {0x34, 0x02, 0x07, 0x01, 0x10, 0x00}, tc);
  EXPECT_EQ(s.on_data(kToClient, down, Timestamp{}, sink), down.size());
  ASSERT_EQ(sink.transactions.size(), 2U);
  EXPECT_EQ(sink.last_operation, Operation::Restart);
  EXPECT_NE(sink.transactions[1].find("restart req resp dnp3.function_code=13 "
                                      "dnp3.function=cold_restart"), std::string::npos);
  EXPECT_NE(sink.transactions[1].find("dnp3.response_objects=13314,"), std::string::npos);
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 3U);
  EXPECT_EQ(sink.last_operation, Operation::Stop);
  EXPECT_NE(sink.transactions[2].find("stop req - "), std::string::npos);
  EXPECT_EQ(s.stats().unanswered_requests, 1U);
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(Dnp3Session, UnsolicitedReportAndConfirm) {
  std::uint8_t ts = 0;
  std::uint8_t tc = 0;
  Dnp3Session s;
  RecordingSink sink;
  const Bytes unsol = response(5, 130, 0x0200, {0x02, 0x01, 0x17, 0x01, 0x03, 0x81}, tc, 249,
                               0x30);
  EXPECT_EQ(s.on_data(kToClient, unsol, Timestamp{}, sink), unsol.size());
  const Bytes confirm = request(5, 0, {}, ts);
  EXPECT_EQ(s.on_data(kToServer, confirm, Timestamp{}, sink), confirm.size());
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.last_operation, Operation::Report);
  EXPECT_NE(sink.transactions[0].find("report - resp dnp3.function_code=130"), std::string::npos);
  EXPECT_NE(sink.transactions[0].find("dnp3.unsolicited=1"), std::string::npos);
  EXPECT_NE(sink.transactions[0].find("dnp3.iin_flags=class_1_events"), std::string::npos);
  EXPECT_EQ(s.stats().confirms, 1U);
  s.on_close(Timestamp{}, sink);
  EXPECT_EQ(sink.transactions.size(), 1U);
}

TEST(Dnp3Session, AuthChallengeKeepsTheChallengedRequest) {
  std::uint8_t ts = 0;
  std::uint8_t tc = 0;
  Dnp3Session s;
  RecordingSink sink;
  const Bytes op = request(6, 5, {}, ts);
  const Bytes challenge = response(6, 131, 0, {0x78, 0x01, 0x5B, 0x01, 0x02, 0x00, 1, 2}, tc);
  const Bytes reply = request(6, 32, {0x78, 0x02, 0x5B, 0x01, 0x01, 0x00, 9}, ts);
  const Bytes answer = response(6, 129, 0, {}, tc);
  s.on_data(kToServer, op, Timestamp{}, sink);
  s.on_data(kToClient, challenge, Timestamp{}, sink);
  s.on_data(kToServer, reply, Timestamp{}, sink);
  s.on_data(kToClient, answer, Timestamp{}, sink);
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 3U);
  EXPECT_NE(sink.transactions[0].find("auth - resp dnp3.function_code=131"), std::string::npos);
  EXPECT_NE(sink.transactions[1].find("auth req - dnp3.function_code=32"), std::string::npos);
  EXPECT_NE(sink.transactions[2].find("control req resp dnp3.function_code=5"),
            std::string::npos);
}

TEST(Dnp3Session, RetryAndPendingOverflowReportUnanswered) {
  std::uint8_t ts = 0;
  Dnp3Session s;
  RecordingSink sink;
  for (const int seq : {1, 1, 2, 3, 4, 5}) {
    const Bytes r = request(static_cast<std::uint8_t>(seq), 1, kClassPoll, ts);
    s.on_data(kToServer, r, Timestamp{}, sink);
  }
  // The retry of seq 1 flushed the first; the fifth waiting request flushed the oldest.
  EXPECT_EQ(sink.transactions.size(), 2U);
  s.on_close(Timestamp{}, sink);
  EXPECT_EQ(sink.transactions.size(), 6U);
  EXPECT_EQ(s.stats().unanswered_requests, 6U);
  std::uint8_t tc = 0;
  const Bytes late = response(1, 129, 0, {}, tc);
  s.on_data(kToClient, late, Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 7U);
  EXPECT_NE(sink.transactions[6].find("unknown - resp dnp3.function_code=129"),
            std::string::npos);
  EXPECT_EQ(s.stats().unmatched_responses, 1U);
}

TEST(Dnp3Session, BadCrcSkipsOnlyThatFrame) {
  std::uint8_t ts = 0;
  Bytes bad = request(0, 2, {0x50, 0x01, 0x00, 0x07, 0x07, 0x00}, ts);
  bad[12] ^= 0xFF;  // a data byte: the block CRC fails
  const Bytes good = request(1, 13, {}, ts);
  Bytes stream = bad;
  stream.insert(stream.end(), good.begin(), good.end());
  Dnp3Session s;
  RecordingSink sink;
  EXPECT_EQ(s.on_data(kToServer, stream, Timestamp{}, sink), stream.size());
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(sink.anomalies[0], "anomaly: link data CRC mismatch");
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_NE(sink.transactions[0].find("cold_restart"), std::string::npos);
  EXPECT_EQ(s.stats().crc_errors, 1U);
}

TEST(Dnp3Session, GarbageIsAViolationThenResyncs) {
  std::uint8_t ts = 0;
  Bytes stream{'G', 'E', 'T', ' ', '/', 0x05, 0x64, 0x00, 0x05};  // a false start inside
  const Bytes good = request(0, 14, {}, ts);
  stream.insert(stream.end(), good.begin(), good.end());
  Bytes noise{0x11, 0x05};
  stream.insert(stream.end(), noise.begin(), noise.end());
  stream.insert(stream.end(), good.begin(), good.end());
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    Dnp3Session s;
    RecordingSink sink;
    EXPECT_EQ(test::feed(s, kToServer, stream, {cut}, sink), 0U);
    s.on_close(Timestamp{}, sink);
    ASSERT_EQ(sink.anomalies.size(), 2U) << cut;
    EXPECT_EQ(sink.anomalies[0], "violation: bad start bytes");
    EXPECT_EQ(sink.anomalies[1], "anomaly: bad start bytes");
    // Two warm restarts with the same sequence: the second replaces the first.
    EXPECT_EQ(sink.transactions.size(), 2U) << cut;
    EXPECT_EQ(s.stats().resyncs, 2U);
  }
}

TEST(Dnp3Session, TransportErrors) {
  Dnp3Session s;
  RecordingSink sink;
  std::uint8_t ts = 0;
  // A middle segment with no FIR before it.
  Bytes mid = test::link_frame(0xC4, 10, 1, Bytes{0x05, 0xC0, 0x01});
  s.on_data(kToServer, mid, Timestamp{}, sink);
  // FIR without FIN, then a segment out of sequence.
  Bytes first = test::link_frame(0xC4, 10, 1, Bytes{0x40, 0xC0, 0x01});
  Bytes skip = test::link_frame(0xC4, 10, 1, Bytes{0x82, 0x3C, 0x01, 0x06});
  s.on_data(kToServer, first, Timestamp{}, sink);
  s.on_data(kToServer, skip, Timestamp{}, sink);
  // FIR without FIN, then FIR again.
  s.on_data(kToServer, first, Timestamp{}, sink);
  const Bytes again = request(0, 1, kClassPoll, ts);
  s.on_data(kToServer, again, Timestamp{}, sink);
  ASSERT_EQ(sink.anomalies.size(), 3U);
  EXPECT_EQ(sink.anomalies[0], "anomaly: transport segment without FIR");
  EXPECT_EQ(sink.anomalies[1], "anomaly: transport sequence out of order");
  EXPECT_EQ(sink.anomalies[2], "anomaly: transport FIR before the previous FIN");
  EXPECT_EQ(s.stats().transport_errors, 3U);
  s.on_close(Timestamp{}, sink);
  EXPECT_EQ(sink.transactions.size(), 1U);
}

TEST(Dnp3Session, OversizedFragmentIsDropped) {
  Bytes app{0xC0, 0x02};
  app.resize(kMaxFragment + 10, 0x00);
  std::uint8_t ts = 0;
  const Bytes frames = test::app_frames(true, 10, 1, app, ts);
  Dnp3Session s;
  RecordingSink sink;
  EXPECT_EQ(s.on_data(kToServer, frames, Timestamp{}, sink), frames.size());
  s.on_close(Timestamp{}, sink);
  EXPECT_TRUE(sink.transactions.empty());
  ASSERT_FALSE(sink.anomalies.empty());
  EXPECT_EQ(sink.anomalies[0], "anomaly: application fragment over 2048 bytes");
}

TEST(Dnp3Session, GapResynchronisesSilently) {
  std::uint8_t ts = 0;
  const Bytes a = request(0, 1, kClassPoll, ts);
  const Bytes b = request(1, 20, {0x3C, 0x02, 0x06}, ts);
  Dnp3Session s;
  RecordingSink sink;
  // The first frame is cut by capture loss: its tail arrives after the gap.
  EXPECT_EQ(s.on_data(kToServer, std::span(a).first(12), Timestamp{}, sink), 0U);
  s.on_gap(kToServer, 12);
  Bytes after(a.begin() + 12, a.end());
  after.insert(after.end(), b.begin(), b.end());
  EXPECT_EQ(s.on_data(kToServer, after, Timestamp{}, sink), after.size());
  s.on_close(Timestamp{}, sink);
  EXPECT_TRUE(sink.anomalies.empty());
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_NE(sink.transactions[0].find("enable_unsolicited"), std::string::npos);
  EXPECT_EQ(s.stats().gaps, 1U);
}

TEST(Dnp3Session, LinkOnlyFramesAreCounted) {
  Dnp3Session s;
  RecordingSink sink;
  const Bytes reset = test::link_frame(0xC0, 10, 1, {});
  const Bytes ack = test::link_frame(0x00, 1, 10, {});
  EXPECT_EQ(s.on_data(kToServer, reset, Timestamp{}, sink), reset.size());
  EXPECT_EQ(s.on_data(kToClient, ack, Timestamp{}, sink), ack.size());
  EXPECT_EQ(s.stats().link_only_frames, 2U);
  EXPECT_TRUE(sink.transactions.empty());
  EXPECT_TRUE(sink.anomalies.empty());
  // A read request under link function 5 (undefined) is not decoded, but noted.
  const Bytes odd = test::link_frame(0xC5, 10, 1, Bytes{0xC0, 0xC0, 0x01, 0x3C, 0x01, 0x06});
  EXPECT_EQ(s.on_data(kToServer, odd, Timestamp{}, sink), odd.size());
  EXPECT_TRUE(sink.transactions.empty());
  ASSERT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(sink.anomalies[0], "anomaly: user data under a non-data link function");
}

TEST(Dnp3Session, UnknownFunctionIsReportedWithAnomaly) {
  std::uint8_t ts = 0;
  const Bytes r = request(0, 0x55, {}, ts);
  Dnp3Session s;
  RecordingSink sink;
  s.on_data(kToServer, r, Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.last_operation, Operation::Unknown);
  ASSERT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(sink.anomalies[0], "anomaly: unknown application function code");
}

}  // namespace
}  // namespace limen::dissect::dnp3

namespace limen::dissect::dnp3 {
namespace {

// Every fuzz seed is a well-formed stream: it decodes without an anomaly.
TEST(Dnp3Corpus, SeedsDecodeCleanly) {
  std::size_t seeds = 0;
  for (const auto& e : std::filesystem::directory_iterator(LIMEN_DNP3_CORPUS_DIR)) {
    if (e.path().extension() == ".py") continue;
    std::ifstream in(e.path(), std::ios::binary);
    const test::Bytes bytes((std::istreambuf_iterator<char>(in)), {});
    ASSERT_GT(bytes.size(), 1U);
    test::Bytes stream(bytes.begin() + 1, bytes.end());
    if ((bytes[0] & 1) != 0) {
      // Records mode: (control, length, user data) wrapped into frames, as fuzz_dnp3 does.
      test::Bytes framed;
      for (std::size_t i = 0; i + 2 <= stream.size();) {
        const std::size_t n = std::min<std::size_t>(stream[i + 1], stream.size() - i - 2);
        const auto f = test::link_frame(stream[i], 10, 1, std::span(stream).subspan(i + 2, n));
        framed.insert(framed.end(), f.begin(), f.end());
        i += 2 + n;
      }
      stream = framed;
    }
    Dnp3Session s;
    test::RecordingSink sink;
    // Seeds mix directions; splitting by the DIR bit is not needed: one direction suffices.
    EXPECT_EQ(s.on_data(Direction::ToServer, stream, Timestamp{}, sink), stream.size());
    s.on_close(Timestamp{}, sink);
    EXPECT_TRUE(sink.anomalies.empty()) << e.path() << ": " << sink.anomalies.front();
    EXPECT_GT(s.stats().frames, 0U) << e.path();
    ++seeds;
  }
  EXPECT_GE(seeds, 10U);
}

}  // namespace
}  // namespace limen::dissect::dnp3
