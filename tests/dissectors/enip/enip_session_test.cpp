// EtherNet/IP session tests: pairing (sender context, connected sequence count), the operation
// of each service family, unwrapped Unconnected Send, Multiple Service Packet lists, bounded
// outstanding requests, resynchronisation after garbage and gaps, and the same stream in every
// chunking giving the same transactions.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dissectors/enip/enip_fields.h"
#include "dissectors/enip/enip_session.h"
#include "tests/dissectors/enip/enip_test_util.h"
#include "tests/dissectors/modbus/pcap_streams.h"

namespace limen::dissect::enip {
namespace {

using namespace test;  // NOLINT: builders
using limen::testing::RecordingSink;

// Feeds `stream` in pieces that end at the given offsets, as the reassembler would.
std::size_t feed(EnipSession& s, Direction dir, const Bytes& stream,
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

void send(EnipSession& s, Direction dir, const Bytes& m, RecordingSink& sink) {
  EXPECT_EQ(s.on_data(dir, m, Timestamp{}, sink), m.size());
}

// One request/response exchange, closed; the transactions as text.
std::vector<std::string> exchange(const Bytes& req, const Bytes& resp) {
  EnipSession s;
  RecordingSink sink;
  send(s, Direction::ToServer, req, sink);
  if (!resp.empty()) send(s, Direction::ToClient, resp, sink);
  s.on_close(Timestamp{}, sink);
  EXPECT_TRUE(sink.anomalies.empty()) << sink.anomalies.front();
  return sink.transactions;
}

TEST(EnipSession, PairsGetAttributeSingle) {
  const auto t = exchange(rr(request(0x0E, path(0x01, 0x01, 0x07)), 9),
                          rr(response(0x0E, 0, {}, {4, 'a', 'b', 'c', 'd'}), 9));
  ASSERT_EQ(t.size(), 1U);
  EXPECT_EQ(t[0],
            "read req resp command=111 command_name=send_rr_data session=4660 sender_context=9 "
            "service=14 service_name=get_attribute_single class=1 instance=1 attribute=7 "
            "status=0 status=0 status_name=success")  // enip.status, cip.status
      << t[0];
}

TEST(EnipSession, ReportsErrorStatus) {
  const auto t = exchange(rr(request(0x10, path(0x01, 0x01, 0x07), {1}), 3),
                          rr(response(0x10, 0x0E, {0x01, 0x00}), 3));
  ASSERT_EQ(t.size(), 1U);
  EXPECT_NE(t[0].find("write req resp"), std::string::npos) << t[0];
  EXPECT_NE(t[0].find("status_name=attribute_not_settable extended_status=1"), std::string::npos)
      << t[0];
}

TEST(EnipSession, OperationPerServiceFamily) {
  struct Case {
    Bytes cip;
    const char* operation;
  };
  const std::vector<Case> cases{
      {request(0x05, path(0x01, 0x01)), "restart"},
      {request(0x06, path(0x8E, 0x01)), "start"},
      {request(0x07, path(0x8E, 0x01)), "stop"},
      {request(0x4B, path(0x37, 0x01)), "file"},
      {request(0x4C, {0x21, 0x00, 0xA1, 0x00, 0x24, 0x01}), "firmware"},
      {request(0x54, path(0x06, 0x01), Bytes(36, 0)), "session"},
      {request(0x5B, path(0x06, 0x01), Bytes(40, 0)), "session"},
      {request(0x4E, path(0x06, 0x01), Bytes(10, 0)), "session"},
      {request(0x4D, {0x91, 0x03, 't', 'a', 'g', 0}, {0xC4, 0, 1, 0}), "write"},
      {request(0x4B, path(0x67, 0x01)), "unknown"},
  };
  for (const auto& c : cases) {
    const auto t = exchange(rr(c.cip), {});
    ASSERT_EQ(t.size(), 1U);
    EXPECT_EQ(t[0].substr(0, t[0].find(' ')), c.operation) << t[0];
  }
}

TEST(EnipSession, EncapsulationCommands) {
  auto t = exchange(encap(0x0065, {1, 0, 0, 0}, 0), encap(0x0065, {1, 0, 0, 0}, 0x77));
  ASSERT_EQ(t.size(), 1U);
  EXPECT_EQ(t[0],
            "session req resp command=101 command_name=register_session session=119 "
            "sender_context=0 protocol_version=1 status=0");
  t = exchange(encap(0x0063, {}, 0), {});
  ASSERT_EQ(t.size(), 1U);
  EXPECT_EQ(t[0].substr(0, 13), "discovery req");
  t = exchange(encap(0x0066, {}), {});  // no reply expected: reported at once
  ASSERT_EQ(t.size(), 1U);
  EXPECT_EQ(t[0].substr(0, 11), "session req");
}

TEST(EnipSession, UnwrapsUnconnectedSend) {
  const auto t = exchange(rr(unconnected_send(request(0x07, path(0x8E, 0x01)))),
                          rr(response(0x07)));
  ASSERT_EQ(t.size(), 1U);
  EXPECT_NE(t[0].find("stop req resp"), std::string::npos) << t[0];
  EXPECT_NE(t[0].find("service=7 service_name=stop class=142 instance=1 routed=1"),
            std::string::npos)
      << t[0];
}

TEST(EnipSession, MultipleServicePacketTakesStrongestOperation) {
  const Bytes data = multiple_data({request(0x0E, path(0x01, 0x01, 0x01)),
                                    request(0x07, path(0x8E, 0x01)),
                                    request(0x0E, path(0x01, 0x01, 0x02))});
  const auto t = exchange(rr(request(0x0A, path(0x02, 0x01), data)),
                          rr(response(0x0A, 0, {}, multiple_data({response(0x0E), response(0x07),
                                                                  response(0x0E)}))));
  ASSERT_EQ(t.size(), 1U);
  EXPECT_NE(t[0].find("stop req resp"), std::string::npos) << t[0];
  EXPECT_NE(t[0].find("service_name=multiple_service_packet class=2 instance=1 services=14,7,14,"),
            std::string::npos)
      << t[0];
}

TEST(EnipSession, MultipleServicePacketListIsBounded) {
  std::vector<Bytes> members(40, request(0x0E, path(0x01, 0x01, 0x01)));
  Bytes data;
  le16(data, 40);
  std::size_t offset = 2 + 2 * 40;
  for (const auto& m : members) {
    le16(data, static_cast<unsigned>(offset));
    offset += m.size();
  }
  for (const auto& m : members) append(data, m);
  const auto t = exchange(rr(request(0x0A, path(0x02, 0x01), data)), {});
  ASSERT_EQ(t.size(), 1U);
  EXPECT_NE(t[0].find("services_truncated=1"), std::string::npos) << t[0];
}

TEST(EnipSession, PairsConnectedBySequenceCount) {
  EnipSession s;
  RecordingSink sink;
  send(s, Direction::ToServer, unit(request(0x4C, {0x91, 0x01, 'x', 0}), 0x100, 5), sink);
  send(s, Direction::ToServer, unit(request(0x4C, {0x91, 0x01, 'y', 0}), 0x100, 6), sink);
  send(s, Direction::ToClient, unit(response(0x4C, 0, {}, {0xC4, 0, 1, 0, 0, 0}), 0x200, 6),
       sink);
  send(s, Direction::ToClient, unit(response(0x4C, 0x04), 0x200, 5), sink);
  EXPECT_EQ(s.outstanding(), 0U);
  ASSERT_EQ(sink.transactions.size(), 2U);
  EXPECT_NE(sink.transactions[0].find("sequence=6 service=76 service_name=read_tag symbol=y"),
            std::string::npos)
      << sink.transactions[0];
  EXPECT_NE(sink.transactions[1].find("symbol=x"), std::string::npos);
  EXPECT_NE(sink.transactions[1].find("status_name=path_segment_error"), std::string::npos);
}

TEST(EnipSession, LoneResponseIsReportedWithItsService) {
  EnipSession s;
  RecordingSink sink;
  send(s, Direction::ToClient, unit(response(0x07), 0x200, 1), sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.transactions[0].substr(0, 10), "stop resp ");
  EXPECT_EQ(s.counters().unmatched_responses, 1U);
}

TEST(EnipSession, ListIdentityReplyCarriesIdentity) {
  Bytes item;
  le16(item, 1);
  append(item, Bytes(16, 0));
  le16(item, 1);
  le16(item, 0x0E);
  le16(item, 0x36);
  append(item, Bytes{20, 11, 0, 0});
  le32(item, 42);
  item.push_back(3);
  append(item, Bytes{'P', 'L', 'C', 0});  // state
  Bytes d;
  le16(d, 1);
  le16(d, 0x000C);
  le16(d, static_cast<unsigned>(item.size()));
  append(d, item);
  const auto t = exchange(encap(0x0063, {}, 0, 5), encap(0x0063, d, 0, 5));
  ASSERT_EQ(t.size(), 1U);
  EXPECT_NE(t[0].find("discovery req resp"), std::string::npos);
  EXPECT_NE(t[0].find("vendor_id=1 device_type=14 product_code=54 revision=5131 serial=42 "
                      "product_name=PLC"),
            std::string::npos)
      << t[0];
}

TEST(EnipSession, OutstandingRequestsAreBounded) {
  EnipSession s;
  RecordingSink sink;
  for (std::uint32_t i = 0; i < 20; ++i)
    send(s, Direction::ToServer, rr(request(0x0E, path(1, 1, 1)), i), sink);
  EXPECT_EQ(s.outstanding(), EnipSession::kMaxOutstanding);
  EXPECT_EQ(s.counters().evicted, 4U);
  ASSERT_EQ(sink.transactions.size(), 4U);
  EXPECT_NE(sink.transactions[0].find("sender_context=0 "), std::string::npos);
  s.on_close(Timestamp{}, sink);
  EXPECT_EQ(s.outstanding(), 0U);
  EXPECT_EQ(sink.transactions.size(), 20U);
  EXPECT_EQ(s.counters().unanswered, 20U);
}

TEST(EnipSession, GarbageIsAViolationThenResyncs) {
  EnipSession s;
  RecordingSink sink;
  const Bytes garbage(30, 0xEE);
  const Bytes stream = concat({garbage, rr(request(0x07, path(0x8E, 1)))});
  EXPECT_EQ(s.on_data(Direction::ToServer, stream, Timestamp{}, sink), stream.size());
  ASSERT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(sink.anomalies[0], "unknown encapsulation command (violation)");
  EXPECT_EQ(s.counters().skipped_bytes, 30U);
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.transactions[0].substr(0, 8), "stop req");
}

TEST(EnipSession, MalformedCipIsAnAnomalyAndStillReported) {
  EnipSession s;
  RecordingSink sink;
  send(s, Direction::ToServer, rr(Bytes{0x0E, 0x09, 0x20}), sink);
  ASSERT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(sink.anomalies[0], "CIP path size past the message");
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.transactions[0].substr(0, 11), "unknown req");
  EXPECT_EQ(s.counters().malformed, 1U);
}

TEST(EnipSession, GapResynchronises) {
  EnipSession s;
  RecordingSink sink;
  const Bytes a = rr(request(0x0E, path(1, 1, 1)), 1);
  const Bytes b = rr(request(0x07, path(0x8E, 1)), 2);
  s.on_gap(Direction::ToServer, 10);
  const Bytes stream = concat({Bytes(a.begin() + 10, a.end()), b});
  EXPECT_EQ(s.on_data(Direction::ToServer, stream, Timestamp{}, sink), stream.size());
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.transactions[0].substr(0, 8), "stop req");
  EXPECT_EQ(s.counters().gaps, 1U);
}

TEST(EnipSession, SameTransactionsInEveryChunking) {
  const Bytes requests = concat({
      encap(0x0065, {1, 0, 0, 0}, 0),
      rr(request(0x0E, path(1, 1, 7)), 1),
      rr(unconnected_send(request(0x07, path(0x8E, 1))), 2),
      unit(request(0x0A, path(2, 1),
                   multiple_data({request(0x4C, {0x91, 0x01, 'x', 0}),
                                  request(0x06, path(0x8E, 1))})),
           0x100, 3),
  });
  const Bytes responses = concat({
      encap(0x0065, {1, 0, 0, 0}, 0x99),
      rr(response(0x0E, 0, {}, {1, 2, 3}), 1),
      rr(response(0x07, 0x10), 2),
      unit(response(0x0A, 0, {}, multiple_data({response(0x4C), response(0x06)})), 0x200, 3),
  });
  const auto run = [&](const std::vector<std::size_t>& req_cuts,
                       const std::vector<std::size_t>& resp_cuts) {
    EnipSession s;
    RecordingSink sink;
    EXPECT_EQ(feed(s, Direction::ToServer, requests, req_cuts, sink), 0U);
    EXPECT_EQ(feed(s, Direction::ToClient, responses, resp_cuts, sink), 0U);
    s.on_close(Timestamp{}, sink);
    EXPECT_TRUE(sink.anomalies.empty());
    return sink.transactions;
  };
  const auto whole = run({requests.size()}, {responses.size()});
  ASSERT_EQ(whole.size(), 4U);
  EXPECT_EQ(whole[0].substr(0, 16), "session req resp");
  EXPECT_EQ(whole[1].substr(0, 13), "read req resp");
  EXPECT_EQ(whole[2].substr(0, 13), "stop req resp");
  EXPECT_EQ(whole[3].substr(0, 14), "start req resp");
  std::vector<std::size_t> bytewise_req, bytewise_resp;
  for (std::size_t i = 1; i <= requests.size(); ++i) bytewise_req.push_back(i);
  for (std::size_t i = 1; i <= responses.size(); ++i) bytewise_resp.push_back(i);
  EXPECT_EQ(run(bytewise_req, bytewise_resp), whole);
  for (std::size_t cut = 1; cut < requests.size(); ++cut)
    EXPECT_EQ(run({cut, requests.size()}, {std::min(cut, responses.size()), responses.size()}),
              whole)
        << cut;
}

}  // namespace
}  // namespace limen::dissect::enip
