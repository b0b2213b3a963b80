// Session tests: the same streams in every chunking give identical transactions; pairing by
// invoke id (out of order, errors, rejects, eviction), DT segmentation, resynchronisation.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dissectors/mms/mms_session.h"
#include "tests/dissectors/mms/mms_test_util.h"
#include "tests/dissectors/modbus/pcap_streams.h"

namespace limen::dissect::mms {
namespace {

using test::Bytes;
using test::dt;
using test::hex;
using test::tlv;
using test::wrap;
using testing::RecordingSink;

constexpr Direction kC = Direction::ToServer;
constexpr Direction kS = Direction::ToClient;

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Feeds `stream` in pieces of the given sizes (the last piece takes the rest), keeping
// unconsumed bytes as the TCP reassembler does.
void feed(MmsSession& s, Direction dir, const Bytes& stream, std::size_t piece,
          RecordingSink& sink, Bytes& held) {
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    const std::size_t n = std::min(piece, stream.size() - at);
    held.insert(held.end(), stream.begin() + static_cast<std::ptrdiff_t>(at),
                stream.begin() + static_cast<std::ptrdiff_t>(at + n));
    const std::size_t used = s.on_data(dir, held, Timestamp{}, sink);
    ASSERT_LE(used, held.size());
    held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(used));
  }
}

const Bytes kClient = cat({test::kConnect, test::kAttributesRequest, test::kReadRequest,
                           dt(wrap(hex("8b00")))});
const Bytes kServer = cat({test::kAccept, test::kAttributesError, test::kReadResponse,
                           dt(wrap(hex("8c00")))});

std::vector<std::string> run_split(std::size_t split, std::size_t piece) {
  MmsSession s;
  RecordingSink sink;
  Bytes held_c;
  Bytes held_s;
  const Bytes first(kClient.begin(), kClient.begin() + static_cast<std::ptrdiff_t>(split));
  const Bytes second(kClient.begin() + static_cast<std::ptrdiff_t>(split), kClient.end());
  feed(s, kC, first, piece, sink, held_c);
  feed(s, kC, second, piece, sink, held_c);
  feed(s, kS, kServer, piece, sink, held_s);
  s.on_close(Timestamp{}, sink);
  EXPECT_TRUE(held_c.empty());
  EXPECT_TRUE(held_s.empty());
  EXPECT_TRUE(sink.anomalies.empty());
  return sink.transactions;
}

TEST(MmsSession, AssociationPairsEveryRequest) {
  const auto t = run_split(0, kClient.size());
  ASSERT_EQ(t.size(), 4U);
  EXPECT_EQ(t[0],
            "session req resp spdu_code=13 spdu=connect acse=aarq pdu_code=8 pdu=initiate_request "
            "response_pdu_code=9 response_pdu=initiate_response");
  EXPECT_EQ(t[1],
            "read req resp spdu_code=1 spdu=data_transfer pdu_code=0 pdu=confirmed_request "
            "response_pdu_code=2 response_pdu=confirmed_error invoke_id=303731 service_code=6 "
            "service=get_variable_access_attributes domain=AA1E1Q01FP2LD0 item=LLN0$BR$rcb_B02 "
            "error_class_code=7 error_class=access error_code=2");
  EXPECT_EQ(t[2],
            "read req resp spdu_code=1 spdu=data_transfer pdu_code=0 pdu=confirmed_request "
            "response_pdu_code=1 response_pdu=confirmed_response invoke_id=303732 service_code=4 "
            "service=read domain=AA1E1Q01FP2LD0 item=LLN0$BR$rcb_B02");
  EXPECT_EQ(t[3],
            "session req resp spdu_code=1 spdu=data_transfer pdu_code=11 pdu=conclude_request "
            "response_pdu_code=12 response_pdu=conclude_response");
}

TEST(MmsSession, EveryChunkingGivesTheSameTransactions) {
  const auto whole = run_split(0, kClient.size() + kServer.size());
  ASSERT_EQ(whole.size(), 4U);
  EXPECT_EQ(run_split(0, 1), whole);
  for (std::size_t split = 1; split < kClient.size(); ++split)
    EXPECT_EQ(run_split(split, kClient.size()), whole) << split;
  for (std::size_t piece = 2; piece < 40; ++piece) EXPECT_EQ(run_split(0, piece), whole) << piece;
}

// A service element with an empty content: low-tag form below 31, high-tag form from 31.
Bytes service_tag(std::uint8_t service) {
  if (service < 31) return {static_cast<std::uint8_t>(0x80 | service), 0x00};
  return {0x9F, service, 0x00};
}
Bytes request(std::uint8_t invoke, std::uint8_t service) {
  return dt(wrap(tlv(0xA0, cat({hex("0201"), {invoke}, service_tag(service)}))));
}
Bytes response(std::uint8_t invoke, std::uint8_t service) {
  return dt(wrap(tlv(0xA1, cat({hex("0201"), {invoke}, service_tag(service)}))));
}

TEST(MmsSession, PairsOutOfOrderAndReportsLoneAnswers) {
  MmsSession s;
  RecordingSink sink;
  const Bytes c = cat({request(1, 4), request(2, 5)});
  EXPECT_EQ(s.on_data(kC, c, Timestamp{}, sink), c.size());
  EXPECT_EQ(s.outstanding(), 2U);
  const Bytes r = cat({response(2, 5), response(1, 4), response(9, 4),
                       dt(wrap(tlv(0xA4, hex("800103820101"))))});
  EXPECT_EQ(s.on_data(kS, r, Timestamp{}, sink), r.size());
  ASSERT_EQ(sink.operations.size(), 4U);
  EXPECT_EQ(sink.operations[0], Operation::Write);
  EXPECT_EQ(sink.operations[1], Operation::Read);
  EXPECT_EQ(sink.transactions[2].rfind("read resp ", 0), 0U);  // invoke 9 was never asked
  EXPECT_EQ(sink.operations[3], Operation::Session);           // a reject nobody asked for
  EXPECT_EQ(s.counters().unmatched_responses, 2U);
  EXPECT_EQ(s.outstanding(), 0U);
}

TEST(MmsSession, RejectAnswersItsRequest) {
  MmsSession s;
  RecordingSink sink;
  (void)s.on_data(kC, request(3, 41), Timestamp{}, sink);
  (void)s.on_data(kS, dt(wrap(tlv(0xA4, hex("800103820101")))), Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.operations[0], Operation::Stop);
  EXPECT_NE(sink.transactions[0].find("response_pdu=reject"), std::string::npos);
  EXPECT_NE(sink.transactions[0].find("reject_type=2 reject_code=1"), std::string::npos);
}

TEST(MmsSession, PendingRequestsAreBounded) {
  MmsSession s;
  RecordingSink sink;
  for (std::uint8_t i = 0; i < MmsSession::kMaxPending + 3; ++i)
    (void)s.on_data(kC, request(i, 4), Timestamp{}, sink);
  EXPECT_EQ(s.outstanding(), MmsSession::kMaxPending);
  EXPECT_EQ(s.counters().evicted_requests, 3U);
  EXPECT_EQ(sink.transactions.size(), 3U);
  (void)s.on_data(kC, request(5, 43), Timestamp{}, sink);  // invoke id reused: 5 unanswered
  EXPECT_EQ(sink.transactions.size(), 4U);
  s.on_close(Timestamp{}, sink);
  EXPECT_EQ(s.outstanding(), 0U);
  EXPECT_EQ(sink.transactions.size(), 4U + MmsSession::kMaxPending);
  EXPECT_EQ(sink.operations.back(), Operation::Restart);
}

TEST(MmsSession, SegmentedTsduIsReassembled) {
  const Bytes tsdu = test::tsdu_of(test::kReadRequest);
  Bytes split;
  for (std::size_t at = 0; at < tsdu.size(); at += 10) {
    const std::size_t n = std::min<std::size_t>(10, tsdu.size() - at);
    const Bytes part(tsdu.begin() + static_cast<std::ptrdiff_t>(at),
                     tsdu.begin() + static_cast<std::ptrdiff_t>(at + n));
    split = cat({split, dt(part, at + n == tsdu.size())});
  }
  MmsSession s;
  RecordingSink sink;
  Bytes held;
  feed(s, kC, split, 7, sink, held);
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_NE(sink.transactions[0].find("service=read domain=AA1E1Q01FP2LD0"), std::string::npos);
  EXPECT_EQ(s.counters().segmented, 1U);
}

TEST(MmsSession, GarbageAndGapsResynchronise) {
  MmsSession s;
  RecordingSink sink;
  const Bytes stream = cat({hex("ffffffffffffffffffff"), request(1, 4)});
  Bytes held;
  feed(s, kC, stream, stream.size(), sink, held);
  EXPECT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(s.outstanding(), 1U);
  s.on_gap(kC, 100);
  held.clear();
  const Bytes cut_short = request(2, 5);
  const Bytes tail(cut_short.begin() + 3, cut_short.end());
  feed(s, kC, cat({tail, request(3, 72)}), 4, sink, held);
  EXPECT_EQ(s.outstanding(), 2U);
  EXPECT_EQ(s.counters().gaps, 1U);
  // A COTP frame that is not session/MMS is a violation, and the stream continues.
  feed(s, kC, cat({dt(hex("32010000")), request(4, 1)}), 100, sink, held);
  EXPECT_EQ(s.outstanding(), 3U);
  EXPECT_EQ(sink.anomalies.back(), "not an ISO session SPDU carrying MMS (violation)");
  s.on_close(Timestamp{}, sink);
  EXPECT_EQ(sink.operations.back(), Operation::Discovery);
}

}  // namespace
}  // namespace limen::dissect::mms
