// BACnet session tests: pairing by requester direction and invoke id, every kind of answer,
// lone requests and answers, retries and eviction, BBMD management pairing, bad datagrams, and
// the same exchange in every interleaving giving the same transactions.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "dissectors/bacnet/bacnet_session.h"
#include "tests/dissectors/bacnet/bacnet_test_util.h"

namespace limen::dissect::bacnet {
namespace {

using test::Bytes;
using test::RecordingSink;
using test::unicast;

constexpr Direction kUp = Direction::ToServer;
constexpr Direction kDown = Direction::ToClient;

void send(BacnetSession& s, Direction d, const Bytes& b, RecordingSink& sink) {
  EXPECT_EQ(s.on_data(d, b, Timestamp{}, sink), b.size());
}

TEST(BacnetSession, PairsReadPropertyWithComplexAck) {
  BacnetSession s;
  RecordingSink sink;
  send(s, kUp, test::kReadPropertyRequest, sink);
  EXPECT_TRUE(sink.transactions.empty());
  EXPECT_EQ(s.outstanding(), 1U);
  send(s, kDown, test::kReadPropertyAck, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.transactions[0],
            "read req resp bvlc_function=10 bvlc=original_unicast_npdu pdu_type=0 "
            "pdu=confirmed_request invoke_id=1 service=12 service_name=read_property "
            "object_type=8 object_type_name=device object_instance=4194303 property=75 "
            "response_pdu=complex_ack");
  EXPECT_TRUE(sink.anomalies.empty());
  EXPECT_EQ(s.outstanding(), 0U);
}

TEST(BacnetSession, WriteAnsweredByErrorOrSimpleAck) {
  BacnetSession s;
  RecordingSink sink;
  send(s, kUp, test::kWritePropertyRequest, sink);
  send(s, kDown, test::kErrorWrite, sink);
  send(s, kUp, test::kWritePropertyRequest, sink);
  send(s, kDown, test::kSimpleAckWrite, sink);
  ASSERT_EQ(sink.transactions.size(), 2U);
  EXPECT_EQ(sink.operations[0], Operation::Write);
  EXPECT_NE(sink.transactions[0].find("property=85 response_pdu=error error_class=2 "
                                      "error_class_name=property error_code=40"),
            std::string::npos)
      << sink.transactions[0];
  EXPECT_NE(sink.transactions[1].find("response_pdu=simple_ack"), std::string::npos);
}

TEST(BacnetSession, RejectAndAbortsCloseRequests) {
  BacnetSession s;
  RecordingSink sink;
  send(s, kUp, test::kReinitialize, sink);  // invoke 3
  send(s, kDown, unicast({0x60, 0x03, 0x09}, false), sink);
  send(s, kUp, test::kReinitialize, sink);
  send(s, kUp, unicast({0x70, 0x03, 0x00}, false), sink);  // the client aborts its own
  send(s, kUp, test::kReinitialize, sink);
  send(s, kDown, unicast({0x71, 0x03, 0x04}, false), sink);  // the server aborts it
  ASSERT_EQ(sink.transactions.size(), 3U);
  for (const auto op : sink.operations) EXPECT_EQ(op, Operation::Restart);
  EXPECT_NE(sink.transactions[0].find("state=1 response_pdu=reject reject_reason=9"),
            std::string::npos) << sink.transactions[0];
  EXPECT_NE(sink.transactions[1].find("response_pdu=abort abort_reason=0"), std::string::npos);
  EXPECT_NE(sink.transactions[2].find("response_pdu=abort abort_reason=4"), std::string::npos);
  EXPECT_EQ(s.outstanding(), 0U);
}

TEST(BacnetSession, ServerInitiatedRequestPairsTheOtherWay) {
  BacnetSession s;
  RecordingSink sink;
  send(s, kDown, test::kWritePropertyRequest, sink);
  send(s, kDown, test::kSimpleAckWrite, sink);  // same direction: not its answer
  send(s, kUp, test::kSimpleAckWrite, sink);    // unmatched earlier; now no request left
  EXPECT_EQ(s.counters().unmatched_responses, 1U);
  ASSERT_EQ(sink.transactions.size(), 2U);
  EXPECT_EQ(sink.transactions[0].rfind("write resp ", 0), 0U) << sink.transactions[0];
  EXPECT_EQ(sink.transactions[1].rfind("write req resp ", 0), 0U) << sink.transactions[1];
}

TEST(BacnetSession, UnconfirmedAndNetworkMessagesAreReportedAlone) {
  BacnetSession s;
  RecordingSink sink;
  send(s, kUp, test::kWhoIs, sink);
  send(s, kUp, test::bvlc(0x0B, {0x01, 0x80, 0x00}), sink);
  send(s, kUp, unicast({0x10, 0x06, 0xa4, 0x7e, 0x0b, 0x19, 0x03, 0xb4, 0x0c, 0x00, 0x00,
                        0x00}, false), sink);  // time_synchronization
  ASSERT_EQ(sink.transactions.size(), 3U);
  EXPECT_EQ(sink.operations[0], Operation::Discovery);
  EXPECT_EQ(sink.transactions[0],
            "discovery req bvlc_function=11 bvlc=original_broadcast_npdu dnet=65535 "
            "hop_count=255 pdu_type=1 pdu=unconfirmed_request service=8 service_name=who_is");
  EXPECT_EQ(sink.operations[1], Operation::Discovery);
  EXPECT_NE(sink.transactions[1].find("network_message=who_is_router_to_network"),
            std::string::npos);
  EXPECT_EQ(sink.operations[2], Operation::Write);
  EXPECT_EQ(s.outstanding(), 0U);
}

TEST(BacnetSession, RetryAndCloseReportUnanswered) {
  BacnetSession s;
  RecordingSink sink;
  send(s, kUp, test::kReadPropertyRequest, sink);
  send(s, kUp, test::kReadPropertyRequest, sink);  // same invoke id: the first is unanswered
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.transactions[0].rfind("read req bvlc", 0), 0U);
  s.on_close(Timestamp{}, sink);
  EXPECT_EQ(sink.transactions.size(), 2U);
  EXPECT_EQ(s.counters().unanswered, 2U);
  EXPECT_EQ(s.outstanding(), 0U);
}

TEST(BacnetSession, EvictsTheOldestBeyondTheBound) {
  BacnetSession s;
  RecordingSink sink;
  for (std::size_t i = 0; i <= BacnetSession::kMaxOutstanding; ++i) {
    Bytes b = test::kReadPropertyRequest;
    b[8] = static_cast<std::uint8_t>(i);  // invoke id
    send(s, kUp, b, sink);
  }
  EXPECT_EQ(s.counters().evicted, 1U);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_NE(sink.transactions[0].find("invoke_id=0 "), std::string::npos);
  EXPECT_EQ(s.outstanding(), BacnetSession::kMaxOutstanding);
  s.on_close(Timestamp{}, sink);
  EXPECT_EQ(sink.transactions.size(), BacnetSession::kMaxOutstanding + 1);
  EXPECT_NE(sink.transactions[1].find("invoke_id=1 "), std::string::npos);  // oldest first
}

TEST(BacnetSession, BbmdManagementPairsWithResult) {
  BacnetSession s;
  RecordingSink sink;
  send(s, kUp, {0x81, 0x02, 0x00, 0x04}, sink);
  send(s, kDown, {0x81, 0x00, 0x00, 0x06, 0x00, 0x20}, sink);
  send(s, kUp, {0x81, 0x05, 0x00, 0x06, 0x00, 0x10}, sink);
  send(s, kDown, {0x81, 0x00, 0x00, 0x06, 0x00, 0x10}, sink);
  ASSERT_EQ(sink.transactions.size(), 2U);
  EXPECT_EQ(sink.transactions[0],
            "read req resp bvlc_function=2 bvlc=read_broadcast_distribution_table "
            "bvlc_result=32");
  EXPECT_EQ(sink.operations[1], Operation::Session);
}

TEST(BacnetSession, BadDatagramsAreAnomaliesNotCrashes) {
  BacnetSession s;
  RecordingSink sink;
  send(s, kUp, {}, sink);
  send(s, kUp, {0x45, 0x00, 0x00, 0x04}, sink);
  send(s, kUp, {0x81, 0x0a, 0x00, 0x20, 0x01}, sink);
  send(s, kUp, test::bvlc(0x0A, {0x02, 0x00}), sink);
  send(s, kDown, test::kSimpleAckWrite, sink);  // still works afterwards
  ASSERT_EQ(sink.anomalies.size(), 4U);
  EXPECT_EQ(sink.anomalies[0], "datagram shorter than a BVLC header");
  EXPECT_EQ(sink.anomalies[1], "BVLC type not 0x81 (violation)");
  EXPECT_EQ(sink.anomalies[2], "datagram shorter than its BVLC length");
  EXPECT_EQ(sink.anomalies[3], "NPDU version not 1 (violation)");
  EXPECT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(s.counters().invalid, 4U);
}

TEST(BacnetSession, SegmentsAfterTheFirstAreCountedNotReported) {
  BacnetSession s;
  RecordingSink sink;
  send(s, kUp, test::kReadPropertyRequest, sink);
  // Complex ack segment 0 (more follows), segment ack, segment 1 (last).
  send(s, kDown, unicast({0x3c, 0x01, 0x00, 0x04, 0x0c, 0x0c, 0x02, 0x3f, 0xff, 0xff, 0x19,
                          0x4b, 0x3e, 0x75, 0xfe}, false), sink);
  send(s, kUp, unicast({0x40, 0x01, 0x00, 0x04}, false), sink);
  send(s, kDown, unicast({0x38, 0x01, 0x01, 0x04, 0x0c, 0x00, 0x3f}, false), sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_NE(sink.transactions[0].find("response_pdu=complex_ack segmented=1"), std::string::npos)
      << sink.transactions[0];
  EXPECT_EQ(s.counters().segments, 2U);
  EXPECT_TRUE(sink.anomalies.empty());
}

// Datagrams are whole messages, so "every chunking" for BACnet/IP means every interleaving of
// two independent requesters' exchanges: each must give the same set of transactions.
TEST(BacnetSession, EveryInterleavingGivesTheSameTransactions) {
  const std::vector<std::pair<Direction, Bytes>> a{{kUp, test::kReadPropertyRequest},
                                                   {kDown, test::kReadPropertyAck}};
  const std::vector<std::pair<Direction, Bytes>> b{{kDown, test::kWritePropertyRequest},
                                                   {kUp, test::kErrorWrite}};
  std::vector<std::string> expected;
  for (std::size_t mask = 0; mask < 16; ++mask) {
    // Merge a and b: bit i of the order picks which list the i-th datagram comes from.
    std::size_t ia = 0, ib = 0;
    BacnetSession s;
    RecordingSink sink;
    bool valid = true;
    for (std::size_t i = 0; i < 4; ++i) {
      const bool take_a = ((mask >> i) & 1U) != 0;
      if ((take_a && ia == 2) || (!take_a && ib == 2)) {
        valid = false;
        break;
      }
      const auto& [dir, bytes] = take_a ? a[ia++] : b[ib++];
      send(s, dir, bytes, sink);
    }
    if (!valid) continue;
    s.on_close(Timestamp{}, sink);
    std::sort(sink.transactions.begin(), sink.transactions.end());
    ASSERT_EQ(sink.transactions.size(), 2U);
    if (expected.empty()) expected = sink.transactions;
    EXPECT_EQ(sink.transactions, expected) << mask;
  }
  EXPECT_FALSE(expected.empty());
}

}  // namespace
}  // namespace limen::dissect::bacnet
