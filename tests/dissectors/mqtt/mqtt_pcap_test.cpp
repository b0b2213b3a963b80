// Captures through the MQTT session. No capture under ../shared/pcaps carries MQTT (no TCP 1883
// traffic in any file), so the protocol is checked on captures/mqtt_crafted.pcap, built by
// make_mqtt_capture.py beside it and cross-checked with tshark:
//   tshark -r captures/mqtt_crafted.pcap -T fields -e tcp.stream -e mqtt.msgtype -e mqtt.topic
// gives stream 0: 1 2 8 9 3 3 4 3 5 6 7 12 13 10 11 14 and stream 1: 1 2 3 4 8 9 14.
// The real captures are used the other way: a real non-MQTT stream (AMQP) must be rejected as a
// violation and yield no transaction.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/mqtt/mqtt_session.h"
#include "tests/dissectors/modbus/pcap_streams.h"
#include "tests/support/test_paths.h"

namespace limen::dissect::mqtt {
namespace {

using limen::testing::RecordingSink;

// Counts packets per type from the transactions, as tshark counts mqtt.msgtype.
class TypeCountingSink : public RecordingSink {
 public:
  std::map<std::uint64_t, std::size_t> requests;
  void on_transaction(const Transaction& t) override {
    RecordingSink::on_transaction(t);
    if (const auto* v = t.find(field_index(MqttField::PacketType)); v != nullptr)
      ++requests[v->number];
  }
};

TEST(MqttPcap, CraftedCaptureMatchesTshark) {
  const auto file =
      limen::testing::source_dir() / "tests/dissectors/mqtt/captures/mqtt_crafted.pcap";
  const auto conversations = limen::testing::tcp_conversations(file, kPort);
  ASSERT_EQ(conversations.size(), 2U);
  std::vector<std::size_t> packets;
  TypeCountingSink sink;
  for (const auto& conversation : conversations) {
    MqttSession session;
    limen::testing::replay(conversation, session, sink);
    packets.push_back(session.counters().packets);
    EXPECT_EQ(session.counters().unanswered, 0U);
    EXPECT_EQ(session.counters().gaps, 0U);
  }
  EXPECT_EQ(packets, (std::vector<std::size_t>{16, 7}));  // tshark's mqtt.msgtype per stream
  EXPECT_TRUE(sink.anomalies.empty());
  // Reported under the initiating packet's type: tshark's 3 PUBLISH (3.1.1) + 1 (5.0) ...
  EXPECT_EQ(sink.requests[3], 4U);
  EXPECT_EQ(sink.requests[1], 2U);   // CONNECT, each paired with its CONNACK
  EXPECT_EQ(sink.requests[8], 2U);   // SUBSCRIBE + SUBACK
  EXPECT_EQ(sink.requests[14], 2U);  // DISCONNECT
  ASSERT_EQ(sink.transactions.size(), 13U);
  // The 5.0 PUBLISH was split over two TCP segments, and carries a content-type property.
  EXPECT_EQ(sink.transactions[10],
            "write req resp packet_type=3 packet=publish packet_id=10 topic=site/meter/power "
            "qos=1 retain=0 dup=0 payload_length=120 return_code=16");
  EXPECT_EQ(sink.operations[0], Operation::Auth);     // operator logs in with a password
  EXPECT_EQ(sink.operations[9], Operation::Session);  // sensor-5 connects anonymously
}

TEST(MqttPcap, RealAmqpStreamIsAViolation) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const auto file = pcaps / "it/pcap/amqp.pcap";
  ASSERT_TRUE(std::filesystem::exists(file)) << file;
  std::size_t conversations = 0;
  for (const auto& conversation : limen::testing::tcp_conversations(file, 5672)) {
    MqttSession session;
    RecordingSink sink;
    limen::testing::replay(conversation, session, sink);
    ++conversations;
    EXPECT_TRUE(sink.transactions.empty() || session.counters().anomalies > 0);
    ASSERT_FALSE(sink.anomalies.empty());
    EXPECT_NE(sink.anomalies[0].find("(violation)"), std::string::npos) << sink.anomalies[0];
  }
  EXPECT_EQ(conversations, 3U);  // tshark -z conv,tcp
}

}  // namespace
}  // namespace limen::dissect::mqtt
