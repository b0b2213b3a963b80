// Modbus session tests: pairing by transaction id, exceptions, unanswered and evicted requests,
// resynchronisation after garbage and gaps, and the same stream in every chunking giving the
// same transactions.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dissectors/modbus/modbus_fields.h"
#include "dissectors/modbus/modbus_session.h"
#include "tests/dissectors/modbus/pcap_streams.h"

namespace limen::dissect::modbus {
namespace {

using Bytes = std::vector<std::uint8_t>;
using limen::testing::RecordingSink;

Bytes adu(const Bytes& pdu, std::uint16_t tid, std::uint8_t unit = 1) {
  const auto length = static_cast<std::uint16_t>(pdu.size() + 1);
  Bytes out{static_cast<std::uint8_t>(tid >> 8), static_cast<std::uint8_t>(tid & 0xFF), 0, 0,
            static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length & 0xFF),
            unit};
  out.reserve(out.size() + pdu.size());
  for (const std::uint8_t b : pdu) out.push_back(b);  // (insert trips a GCC 12 false positive)
  return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Feeds `stream` in pieces that end at the given offsets, as the reassembler would: the
// unconsumed tail is presented again with the next piece appended.
std::size_t feed(ModbusSession& s, Direction dir, const Bytes& stream,
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

const Bytes kWriteRequest = adu({0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02}, 7);
const Bytes kWriteResponse = adu({0x10, 0x00, 0x01, 0x00, 0x02}, 7);

TEST(ModbusSession, PairsRequestAndResponse) {
  ModbusSession s;
  RecordingSink sink;
  EXPECT_EQ(s.on_data(Direction::ToServer, kWriteRequest, Timestamp{}, sink), kWriteRequest.size());
  EXPECT_TRUE(sink.transactions.empty());
  EXPECT_EQ(s.outstanding(), 1U);
  EXPECT_EQ(s.on_data(Direction::ToClient, kWriteResponse, Timestamp{}, sink),
            kWriteResponse.size());
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.transactions[0],
            "write req resp transaction_id=7 unit_id=1 function_code=16 "
            "function=write_multiple_registers start_address=1 quantity=2 byte_count=4 "
            "values=10,258,");
  EXPECT_EQ(sink.operations[0], Operation::Write);
  EXPECT_TRUE(sink.anomalies.empty());
  EXPECT_EQ(s.outstanding(), 0U);
}

TEST(ModbusSession, ExceptionIsReportedWithTheRequest) {
  ModbusSession s;
  RecordingSink sink;
  s.on_data(Direction::ToServer, adu({0x08, 0x00, 0x01, 0x00, 0x00}, 3), Timestamp{}, sink);
  s.on_data(Direction::ToClient, adu({0x88, 0x01}, 3), Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.transactions[0],
            "restart req resp transaction_id=3 unit_id=1 function_code=8 function=diagnostics "
            "sub_function=1 diagnostic=restart_communications_option exception_code=1 "
            "exception=illegal_function");
}

TEST(ModbusSession, PipelinedResponsesOutOfOrder) {
  ModbusSession s;
  RecordingSink sink;
  s.on_data(Direction::ToServer,
            concat({adu({0x03, 0x00, 0x00, 0x00, 0x01}, 1),
                    adu({0x04, 0x00, 0x00, 0x00, 0x01}, 2)}),
            Timestamp{}, sink);
  s.on_data(Direction::ToClient,
            concat({adu({0x04, 0x02, 0x00, 0x01}, 2), adu({0x03, 0x02, 0x00, 0x09}, 1)}),
            Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 2U);
  EXPECT_NE(sink.transactions[0].find("function_code=4"), std::string::npos);
  EXPECT_NE(sink.transactions[1].find("function_code=3"), std::string::npos);
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(ModbusSession, ResponseByteCountMustMatchTheQuantity) {
  ModbusSession s;
  RecordingSink sink;
  s.on_data(Direction::ToServer, adu({0x03, 0x00, 0x00, 0x00, 0x02}, 1), Timestamp{}, sink);
  s.on_data(Direction::ToClient, adu({0x03, 0x02, 0x00, 0x01}, 1), Timestamp{}, sink);
  ASSERT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(sink.anomalies[0], "response byte count does not match quantity");
  EXPECT_EQ(sink.transactions.size(), 1U);
}

TEST(ModbusSession, UnansweredOnCloseAndEvictionBound) {
  ModbusSession s;
  RecordingSink sink;
  for (std::uint16_t tid = 0; tid < ModbusSession::kMaxOutstanding + 3; ++tid)
    s.on_data(Direction::ToServer, adu({0x01, 0x00, 0x00, 0x00, 0x08}, tid), Timestamp{}, sink);
  EXPECT_EQ(s.outstanding(), ModbusSession::kMaxOutstanding);
  ASSERT_EQ(sink.transactions.size(), 3U);  // the three oldest were pushed out
  EXPECT_EQ(sink.transactions[0].rfind("read req transaction_id=0 ", 0), 0U);
  EXPECT_EQ(sink.transactions[2].rfind("read req transaction_id=2 ", 0), 0U);
  s.on_close(Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), ModbusSession::kMaxOutstanding + 3);
  EXPECT_EQ(sink.transactions[3].rfind("read req transaction_id=3 ", 0), 0U);
  EXPECT_EQ(sink.transactions.back().rfind("read req transaction_id=34 ", 0), 0U);
  EXPECT_EQ(s.counters().unanswered, ModbusSession::kMaxOutstanding + 3);
  EXPECT_EQ(s.counters().evicted, 3U);
  EXPECT_EQ(s.outstanding(), 0U);
}

TEST(ModbusSession, ResponseWithoutRequestIsReportedAlone) {
  ModbusSession s;
  RecordingSink sink;
  s.on_data(Direction::ToClient, adu({0x06, 0x00, 0x01, 0x00, 0x03}, 9), Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.transactions[0],
            "write resp transaction_id=9 unit_id=1 function_code=6 function=write_single_register "
            "start_address=1 values=3,");
  EXPECT_EQ(s.counters().unmatched_responses, 1U);
}

TEST(ModbusSession, GarbageIsSkippedThenFramingResumes) {
  ModbusSession s;
  RecordingSink sink;
  // Protocol id 0x1234: a violation. The next plausible header is the real request.
  const Bytes garbage{0x00, 0x01, 0x12, 0x34, 0x00, 0x06, 0x01, 0x03, 0xAA};
  const Bytes stream = concat({garbage, kWriteRequest});
  EXPECT_EQ(feed(s, Direction::ToServer, stream, {stream.size()}, sink), 0U);
  ASSERT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(sink.anomalies[0], "MBAP protocol id not 0 (violation)");
  s.on_data(Direction::ToClient, kWriteResponse, Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.operations[0], Operation::Write);
  EXPECT_EQ(s.counters().skipped_bytes, garbage.size());
  // A hostile length is an anomaly, not a violation.
  ModbusSession t;
  RecordingSink sink2;
  t.on_data(Direction::ToServer, Bytes{0, 1, 0, 0, 0xFF, 0xFF, 1, 3}, Timestamp{}, sink2);
  ASSERT_EQ(sink2.anomalies.size(), 1U);
  EXPECT_EQ(sink2.anomalies[0], "MBAP length above 254");
}

TEST(ModbusSession, GapResynchronises) {
  ModbusSession s;
  RecordingSink sink;
  s.on_gap(Direction::ToServer, 100);
  // The tail of a lost ADU, then a whole one.
  const Bytes stream = concat({Bytes{0x0A, 0x01}, kWriteRequest});
  EXPECT_EQ(s.on_data(Direction::ToServer, stream, Timestamp{}, sink), stream.size());
  s.on_data(Direction::ToClient, kWriteResponse, Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(s.counters().gaps, 1U);
}

TEST(ModbusSession, EveryChunkingGivesTheSameTransactions) {
  const Bytes requests = concat({
      adu({0x03, 0x00, 0x6B, 0x00, 0x03}, 1), kWriteRequest,
      adu({0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01}, 8),
      adu({0x2B, 0x0E, 0x01, 0x00}, 9), adu({0x03, 0x00, 0x00, 0x00, 0x00}, 10),
      adu({0x10, 0x00, 0x01, 0x00, 0x02, 0x02, 0x00, 0x0A}, 11),  // malformed byte count
  });
  const Bytes responses = concat({
      adu({0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64}, 1), kWriteResponse,
      adu({0x0F, 0x00, 0x13, 0x00, 0x0A}, 8),
      adu({0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x03, 'A', 'c', 'm'}, 9),
      adu({0x83, 0x03}, 10),
  });
  const auto run = [&](const std::vector<std::size_t>& req_cuts,
                       const std::vector<std::size_t>& resp_cuts) {
    ModbusSession s;
    RecordingSink sink;
    EXPECT_EQ(feed(s, Direction::ToServer, requests, req_cuts, sink), 0U);
    EXPECT_EQ(feed(s, Direction::ToClient, responses, resp_cuts, sink), 0U);
    s.on_close(Timestamp{}, sink);
    return sink;
  };
  const RecordingSink whole = run({requests.size()}, {responses.size()});
  ASSERT_EQ(whole.transactions.size(), 6U);
  // The malformed write is still reported (unanswered, at close), with what framing gave.
  EXPECT_EQ(whole.transactions[5],
            "write req transaction_id=11 unit_id=1 function_code=16 "
            "function=write_multiple_registers");
  EXPECT_EQ(whole.anomalies.size(), 2U);  // quantity 0, byte count inconsistent
  EXPECT_NE(whole.transactions[3].find("vendor_name=Acm"), std::string::npos);
  EXPECT_EQ(whole.operations[3], Operation::Discovery);
  EXPECT_NE(whole.transactions[4].find("exception=illegal_data_value"), std::string::npos);
  std::vector<std::size_t> bytewise_req, bytewise_resp;
  for (std::size_t i = 1; i <= requests.size(); ++i) bytewise_req.push_back(i);
  for (std::size_t i = 1; i <= responses.size(); ++i) bytewise_resp.push_back(i);
  const RecordingSink bytewise = run(bytewise_req, bytewise_resp);
  EXPECT_EQ(bytewise.transactions, whole.transactions);
  EXPECT_EQ(bytewise.anomalies, whole.anomalies);
  for (std::size_t cut = 1; cut < requests.size(); ++cut) {
    const RecordingSink split =
        run({cut, requests.size()}, {std::min(cut, responses.size()), responses.size()});
    EXPECT_EQ(split.transactions, whole.transactions) << cut;
    EXPECT_EQ(split.anomalies, whole.anomalies) << cut;
  }
}

}  // namespace
}  // namespace limen::dissect::modbus
