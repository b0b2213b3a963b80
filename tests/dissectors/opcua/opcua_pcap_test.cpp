// The real OPC UA capture in ../shared/pcaps/ics/OPC through the session. The server listens on
// port 12001 (tshark needs `-d tcp.port==12001,opcua`). Expected values were read with
//   tshark -r F -d tcp.port==12001,opcua -Y opcua -T fields -e opcua.transport.type
//          -e opcua.security.rqid -e opcua.servicenodeid.numeric -e opcua.transport.scid
// Two connections, each: HEL/ACK, OPN (policy None, mode None) -> channel 6495 / 6496,
// GetEndpoints 428/431, CreateSession 461/464, ActivateSession 467/470, then Call 712 answered
// by an ERR (the server chokes on it) and the connection ends.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dissectors/opcua/opcua_session.h"
#include "tests/dissectors/modbus/pcap_streams.h"
#include "tests/support/test_paths.h"

namespace limen::dissect::opcua {
namespace {

using limen::testing::RecordingSink;

constexpr std::uint16_t kCapturePort = 12001;

TEST(OpcuaPcap, MethodCallCaptureAgreesWithTshark) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const auto conversations = limen::testing::tcp_conversations(
      pcaps / "ics/OPC/opc-ua-ap-method-wireshark-freeze.pcap", kCapturePort);
  ASSERT_EQ(conversations.size(), 2U);
  const std::vector<std::string> channels{"6495", "6496"};
  for (std::size_t i = 0; i < conversations.size(); ++i) {
    OpcuaSession session;
    RecordingSink sink;
    limen::testing::replay(conversations[i], session, sink);
    EXPECT_TRUE(sink.anomalies.empty());
    const auto& c = session.counters();
    EXPECT_EQ(c.requests, 6U);   // HEL, OPN, 428, 461, 467, 712
    EXPECT_EQ(c.responses, 6U);  // ACK, OPN, 431, 464, 470, ERR
    EXPECT_EQ(c.unanswered, 1U);
    EXPECT_EQ(c.hidden, 0U);
    ASSERT_EQ(sink.transactions.size(), 7U);
    const std::vector<Operation> ops{Operation::Session,   Operation::Session,
                                     Operation::Discovery, Operation::Session,
                                     Operation::Session,   Operation::Session,
                                     Operation::Control};
    EXPECT_EQ(sink.operations, ops);
    const auto& t = sink.transactions;
    EXPECT_NE(t[0].find("endpoint_url=opc.tcp://vm-xp-steven:12001/UA/StackTestServer"),
              std::string::npos);
    EXPECT_NE(t[1].find("secure_channel_id=" + channels[i]), std::string::npos);
    EXPECT_NE(t[1].find("security_mode=none"), std::string::npos);
    EXPECT_NE(t[2].find("request_id=2 encrypted=0 service_id=428 service=get_endpoints "
                        "status_code=0"),
              std::string::npos);
    EXPECT_NE(t[3].find("service_id=461 service=create_session status_code=0"),
              std::string::npos);
    EXPECT_NE(t[4].find("service_id=467 service=activate_session identity_token=anonymous "
                        "status_code=0"),
              std::string::npos);
    EXPECT_NE(t[5].find("message_type=ERR"), std::string::npos);
    EXPECT_EQ(t[6].substr(0, 12), "control req ");
    EXPECT_NE(t[6].find("request_id=5 encrypted=0 service_id=712 service=call"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace limen::dissect::opcua
