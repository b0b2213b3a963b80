// OPC UA session tests: HEL/ACK, OPN and MSG pairing by request id, the security mode gate on
// the service (never guessed on a secured or unseen channel), ActivateSession identity, chunked
// and oversized messages, resynchronisation after garbage and gaps, eviction, and the same
// stream in every chunking giving the same transactions.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "dissectors/opcua/opcua_constants.h"
#include "dissectors/opcua/opcua_session.h"
#include "tests/dissectors/modbus/pcap_streams.h"
#include "tests/dissectors/opcua/opcua_bytes.h"

namespace limen::dissect::opcua {
namespace {

using namespace test;  // NOLINT: the byte builders
using limen::testing::RecordingSink;

// Feeds `stream` in pieces ending at `cuts`, as the reassembler would; returns what is left.
std::size_t feed(OpcuaSession& s, Direction dir, const Bytes& stream,
                 const std::vector<std::size_t>& cuts, RecordingSink& sink) {
  Bytes buf;
  std::size_t from = 0;
  for (const std::size_t cut : cuts) {
    buf.insert(buf.end(), stream.begin() + static_cast<long>(from),
               stream.begin() + static_cast<long>(cut));
    from = cut;
    const std::size_t used = s.on_data(dir, buf, Timestamp{}, sink);
    EXPECT_LE(used, buf.size());
    buf.erase(buf.begin(), buf.begin() + static_cast<long>(used));
    EXPECT_LE(buf.size(), kMaxChunk);
  }
  return buf.size();
}
std::size_t whole(OpcuaSession& s, Direction dir, const Bytes& b, RecordingSink& sink) {
  return feed(s, dir, b, {b.size()}, sink);
}

const Bytes kClient = cat({hello("opc.tcp://plc:4840"), open_request(1, 1),
                           message(2, 631, request_header())});
const Bytes kServer = cat({ack(), open_response(1, 7), message(2, 634, response_header(0))});

TEST(OpcuaSession, HelloOpenAndReadArePaired) {
  OpcuaSession s;
  RecordingSink sink;
  EXPECT_EQ(whole(s, Direction::ToServer, kClient, sink), 0U);
  EXPECT_EQ(s.outstanding(), 3U);
  EXPECT_EQ(whole(s, Direction::ToClient, kServer, sink), 0U);
  ASSERT_EQ(sink.transactions.size(), 3U);
  EXPECT_EQ(sink.transactions[0],
            "session req resp message_type=HEL endpoint_url=opc.tcp://plc:4840 "
            "protocol_version=0 receive_buffer_size=65535 send_buffer_size=65535 "
            "max_message_size=0 max_chunk_count=0");
  EXPECT_EQ(sink.transactions[1],
            "session req resp message_type=OPN chunk=F secure_channel_id=7 sequence_number=1 "
            "request_id=1 security_policy=http://opcfoundation.org/UA/SecurityPolicy#None "
            "request_type=0 security_mode_code=1 security_mode=none encrypted=0 service_id=446 "
            "service=open_secure_channel status_code=0");
  EXPECT_EQ(sink.transactions[2],
            "read req resp message_type=MSG chunk=F secure_channel_id=7 token_id=1 "
            "sequence_number=102 request_id=2 encrypted=0 service_id=631 service=read "
            "status_code=0");
  EXPECT_TRUE(sink.anomalies.empty());
  EXPECT_EQ(s.outstanding(), 0U);
}

TEST(OpcuaSession, SecuredChannelNeverNamesTheService) {
  OpcuaSession s;
  RecordingSink sink;
  whole(s, Direction::ToServer, cat({open_request(1, 3, kPolicyBasic),
                                     message(2, 673, request_header())}), sink);
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 2U);
  EXPECT_NE(sink.transactions[0].find("encrypted=1"), std::string::npos);
  EXPECT_EQ(sink.transactions[1],
            "unknown req message_type=MSG chunk=F secure_channel_id=7 token_id=1 "
            "sequence_number=102 request_id=2 encrypted=1");
  EXPECT_EQ(s.counters().hidden, 2U);
}

TEST(OpcuaSession, ChannelNotSeenIsNotGuessed) {
  OpcuaSession s;
  RecordingSink sink;
  whole(s, Direction::ToServer, message(2, 673, request_header()), sink);
  whole(s, Direction::ToClient, message(2, 676, response_header(0)), sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.operations[0], Operation::Unknown);
  EXPECT_NE(sink.transactions[0].find("encrypted=1"), std::string::npos);
  EXPECT_EQ(sink.transactions[0].find("service="), std::string::npos);
}

TEST(OpcuaSession, ActivateSessionWithUserIsAuth) {
  OpcuaSession s;
  RecordingSink sink;
  whole(s, Direction::ToServer, cat({open_request(1, 1), activate_request(2, 324),
                                     activate_request(3, 321)}), sink);
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.operations.size(), 3U);
  EXPECT_EQ(sink.operations[1], Operation::Auth);
  EXPECT_NE(sink.transactions[1].find("identity_token=user_name"), std::string::npos);
  EXPECT_EQ(sink.operations[2], Operation::Session);
  EXPECT_NE(sink.transactions[2].find("identity_token=anonymous"), std::string::npos);
}

TEST(OpcuaSession, MultiChunkRequestIsOneTransaction) {
  OpcuaSession s;
  RecordingSink sink;
  const Bytes more = chunk("MSG", 'C', cat({le32(7), le32(1), le32(103), le32(2), Bytes(20, 9)}));
  const Bytes last = chunk("MSG", 'F', cat({le32(7), le32(1), le32(104), le32(2), Bytes(9, 9)}));
  whole(s, Direction::ToServer,
        cat({open_request(1, 1), message(2, 712, request_header(), 'C'), more, last}), sink);
  whole(s, Direction::ToClient, message(2, 715, response_header(0)), sink);
  ASSERT_EQ(sink.transactions.size(), 1U);  // the OPN still waits
  EXPECT_EQ(sink.operations[0], Operation::Control);
  EXPECT_NE(sink.transactions[0].find("chunk=C"), std::string::npos);
  EXPECT_NE(sink.transactions[0].find("chunks=3"), std::string::npos);
  EXPECT_EQ(s.counters().continuation_chunks, 2U);
}

TEST(OpcuaSession, OversizedChunkIsSkippedWithoutBuffering) {
  OpcuaSession s;
  RecordingSink sink;
  Bytes big = message(3, 826, request_header());
  big.resize(200000, 0);
  const Bytes declared = le32(200000);
  std::copy(declared.begin(), declared.end(), big.begin() + 4);
  const Bytes stream = cat({open_request(1, 1), big, message(4, 631, request_header())});
  std::vector<std::size_t> cuts;
  for (std::size_t at = 1000; at < stream.size(); at += 1000) cuts.push_back(at);
  cuts.push_back(stream.size());
  EXPECT_EQ(feed(s, Direction::ToServer, stream, cuts, sink), 0U);
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 3U);
  EXPECT_EQ(sink.operations[1], Operation::Report);  // publish
  EXPECT_EQ(sink.operations[2], Operation::Read);
}

TEST(OpcuaSession, ErrorAfterRequestLeavesItUnanswered) {
  OpcuaSession s;
  RecordingSink sink;
  whole(s, Direction::ToServer, cat({open_request(1, 1), message(5, 712, request_header())}),
        sink);
  whole(s, Direction::ToClient, cat({open_response(1, 7),
                                     chunk("ERR", 'F', cat({le32(0x80820000U), str("x")}))}),
        sink);
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 3U);
  EXPECT_EQ(sink.transactions[1], "session resp message_type=ERR error=2156003328 reason=x");
  EXPECT_EQ(sink.transactions[2].substr(0, 12), "control req ");
  EXPECT_EQ(s.counters().unanswered, 1U);
}

TEST(OpcuaSession, GarbageIsAViolationThenResynchronises) {
  OpcuaSession s;
  RecordingSink sink;
  const Bytes stream = cat({Bytes{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'}, kClient});
  EXPECT_EQ(whole(s, Direction::ToServer, stream, sink), 0U);
  ASSERT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(sink.anomalies[0], "unknown message type (violation)");
  EXPECT_EQ(s.outstanding(), 3U);
  EXPECT_EQ(s.counters().skipped_bytes, 10U);
}

// Regression (found by fuzz_opcua): a header plausible to resync but rejected by the decoder
// (an intermediate HEL) once made the session find it again forever.
TEST(OpcuaSession, RejectedPlausibleHeaderDoesNotStall) {
  OpcuaSession s;
  RecordingSink sink;
  const Bytes stream = cat({Bytes{'x'}, chunk("HEL", 'C', Bytes(8, 0)), kClient});
  EXPECT_EQ(whole(s, Direction::ToServer, stream, sink), 0U);
  EXPECT_EQ(s.outstanding(), 3U);
  EXPECT_EQ(s.counters().out_of_sync, 2U);
}

TEST(OpcuaSession, GapResynchronises) {
  OpcuaSession s;
  RecordingSink sink;
  const Bytes first = open_request(1, 1);
  whole(s, Direction::ToServer, Bytes(first.begin(), first.begin() + 20), sink);
  s.on_gap(Direction::ToServer, 30);
  const Bytes tail = cat({Bytes(first.begin() + 50, first.end()),
                          message(2, 631, request_header())});
  EXPECT_EQ(whole(s, Direction::ToServer, tail, sink), 0U);
  EXPECT_EQ(s.counters().gaps, 1U);
  EXPECT_EQ(s.outstanding(), 1U);  // only the read: the cut OPN is lost
}

TEST(OpcuaSession, OutstandingRequestsAreBounded) {
  OpcuaSession s;
  RecordingSink sink;
  whole(s, Direction::ToServer, open_request(1, 1), sink);
  for (std::uint32_t i = 0; i < OpcuaSession::kMaxOutstanding + 2; ++i)
    whole(s, Direction::ToServer, message(10 + i, 631, request_header()), sink);
  EXPECT_EQ(s.outstanding(), OpcuaSession::kMaxOutstanding);
  EXPECT_EQ(s.counters().evicted, 3U);
  ASSERT_EQ(sink.transactions.size(), 3U);
  EXPECT_NE(sink.transactions[0].find("message_type=OPN"), std::string::npos);
}

TEST(OpcuaSession, EveryChunkingGivesTheSameTransactions) {
  const auto run = [](const std::vector<std::size_t>& client_cuts,
                      const std::vector<std::size_t>& server_cuts) {
    OpcuaSession s;
    RecordingSink sink;
    EXPECT_EQ(feed(s, Direction::ToServer, kClient, client_cuts, sink), 0U);
    EXPECT_EQ(feed(s, Direction::ToClient, kServer, server_cuts, sink), 0U);
    s.on_close(Timestamp{}, sink);
    return sink.transactions;
  };
  const auto reference = run({kClient.size()}, {kServer.size()});
  ASSERT_EQ(reference.size(), 3U);
  std::vector<std::size_t> bytewise_client, bytewise_server;
  for (std::size_t i = 1; i <= kClient.size(); ++i) bytewise_client.push_back(i);
  for (std::size_t i = 1; i <= kServer.size(); ++i) bytewise_server.push_back(i);
  EXPECT_EQ(run(bytewise_client, bytewise_server), reference);
  for (std::size_t at = 1; at < kClient.size(); ++at)
    EXPECT_EQ(run({at, kClient.size()}, {kServer.size()}), reference) << at;
  for (std::size_t at = 1; at < kServer.size(); ++at)
    EXPECT_EQ(run({kClient.size()}, {at, kServer.size()}), reference) << at;
}

}  // namespace
}  // namespace limen::dissect::opcua
