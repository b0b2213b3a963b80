// MqttSession: pairing, operation mapping, bounds, out-of-sync handling, and the same stream in
// every chunking (whole, byte by byte, split at every offset) giving identical transactions.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dissectors/mqtt/mqtt_session.h"
#include "tests/dissectors/modbus/pcap_streams.h"
#include "tests/dissectors/mqtt/mqtt_test_util.h"

namespace limen::dissect::mqtt {
namespace {

using limen::testing::RecordingSink;
using test::Bytes;
using test::cat;
using test::packet;
using test::str;
using test::Turn;
using test::u16;

constexpr auto C = Direction::ToServer;
constexpr auto S = Direction::ToClient;

// Feeds each turn in pieces of `chunk` bytes (0: whole), holding unconsumed bytes per direction
// as the reassembler does, then closes.
RecordingSink run(const std::vector<Turn>& turns, std::size_t chunk, MqttSession& session) {
  RecordingSink sink;
  std::array<Bytes, 2> held;
  for (const auto& [dir, bytes] : turns) {
    auto& buf = held[static_cast<std::size_t>(dir)];
    const std::size_t step = chunk == 0 ? bytes.size() : chunk;
    for (std::size_t at = 0; at < bytes.size(); at += step) {
      const auto end = std::min(bytes.size(), at + step);
      buf.insert(buf.end(), bytes.begin() + static_cast<long>(at),
                 bytes.begin() + static_cast<long>(end));
      const std::size_t used = session.on_data(dir, buf, Timestamp{}, sink);
      EXPECT_LE(used, buf.size());
      buf.erase(buf.begin(), buf.begin() + static_cast<long>(used));
    }
  }
  session.on_close(Timestamp{}, sink);
  return sink;
}

RecordingSink run(const std::vector<Turn>& turns, std::size_t chunk = 0) {
  MqttSession session;
  return run(turns, chunk, session);
}

TEST(MqttSession, V311ConversationPairsEverything) {
  MqttSession session;
  const auto sink = run(test::conversation_v4(), 0, session);
  const std::vector<std::string> expected{
      "auth req resp packet_type=1 packet=connect protocol_name=MQTT protocol_level=4 "
      "client_id=plc-gw-01 username=operator password_present=1 clean_session=1 keep_alive=60 "
      "will_topic=plant/status will_qos=1 will_retain=1 return_code=0 session_present=0",
      "read req resp packet_type=8 packet=subscribe packet_id=1 "
      "topics=plant/+/temp,plant/alarms/# topic_count=2 requested_qos=1,2, return_codes=1,128,",
      "write req packet_type=3 packet=publish topic=plant/line1/setpoint qos=0 retain=0 dup=0 "
      "payload_length=2",
      "write req resp packet_type=3 packet=publish packet_id=2 topic=plant/line1/mode qos=1 "
      "retain=1 dup=0 payload_length=4",
      "report req resp packet_type=3 packet=publish packet_id=7 topic=plant/line1/temp qos=2 "
      "retain=0 dup=0 payload_length=2",
      "session req resp packet_type=6 packet=pubrel packet_id=7",
      "diagnostic req resp packet_type=12 packet=pingreq",
      "session req resp packet_type=10 packet=unsubscribe packet_id=3 topics=plant/alarms/# "
      "topic_count=1",
      "session req packet_type=14 packet=disconnect",
  };
  EXPECT_EQ(sink.transactions, expected);
  EXPECT_TRUE(sink.anomalies.empty());
  EXPECT_EQ(session.counters().packets, 16U);
  EXPECT_EQ(session.counters().unanswered, 0U);
  EXPECT_EQ(session.outstanding(), 0U);
  for (const auto& t : sink.transactions) EXPECT_EQ(t.find("secret"), std::string::npos);
}

TEST(MqttSession, V5ConversationSkipsPropertiesAndKeepsReasonCodes) {
  MqttSession session;
  const auto sink = run(test::conversation_v5(), 0, session);
  ASSERT_EQ(sink.transactions.size(), 4U);
  EXPECT_EQ(sink.transactions[0],
            "session req resp packet_type=1 packet=connect protocol_name=MQTT protocol_level=5 "
            "client_id=sensor-5 password_present=0 clean_session=1 keep_alive=30 return_code=0 "
            "session_present=0");
  EXPECT_EQ(sink.transactions[1],
            "write req resp packet_type=3 packet=publish packet_id=10 topic=site/meter/power "
            "qos=1 retain=0 dup=0 payload_length=3 return_code=16");
  EXPECT_EQ(sink.transactions[2],
            "read req resp packet_type=8 packet=subscribe packet_id=11 topics=site/cmd/# "
            "topic_count=1 requested_qos=1, return_codes=1,");
  EXPECT_EQ(sink.transactions[3], "session req packet_type=14 packet=disconnect return_code=0");
  EXPECT_TRUE(sink.anomalies.empty());
  EXPECT_EQ(session.protocol_level(), kLevel5);
}

TEST(MqttSession, EveryChunkingGivesTheSameTransactions) {
  for (const auto& turns : {test::conversation_v4(), test::conversation_v5()}) {
    const auto whole = run(turns);
    for (std::size_t chunk = 1; chunk <= 40; ++chunk) {
      const auto pieces = run(turns, chunk);
      EXPECT_EQ(pieces.transactions, whole.transactions) << "chunk " << chunk;
      EXPECT_EQ(pieces.anomalies, whole.anomalies) << "chunk " << chunk;
    }
    // One stream per direction, split at every offset into two deliveries.
    Bytes client;
    Bytes server;
    for (const auto& [dir, b] : turns) (dir == C ? client : server).insert(
        (dir == C ? client : server).end(), b.begin(), b.end());
    for (std::size_t at = 0; at <= client.size(); ++at) {
      MqttSession session;
      RecordingSink sink;
      Bytes buf(client.begin(), client.begin() + static_cast<long>(at));
      std::size_t used = session.on_data(C, buf, Timestamp{}, sink);
      buf.erase(buf.begin(), buf.begin() + static_cast<long>(used));
      buf.insert(buf.end(), client.begin() + static_cast<long>(at), client.end());
      used = session.on_data(C, buf, Timestamp{}, sink);
      EXPECT_EQ(used, buf.size());
      EXPECT_EQ(session.on_data(S, server, Timestamp{}, sink), server.size());
      session.on_close(Timestamp{}, sink);
      EXPECT_TRUE(sink.anomalies.empty()) << "split " << at;
      EXPECT_EQ(session.counters().packets, turns.size()) << "split " << at;
    }
  }
}

TEST(MqttSession, OperationsFollowDirectionAndCredentials) {
  const auto sink = run({
      {C, packet(1, 0, cat({str("MQTT"), {4, 0x02}, u16(5), str("anon")}))},
      {S, packet(3, 0, cat({str("t"), {1}}))},
      {C, packet(3, 0, cat({str("t"), {1}}))},
      {C, packet(12, 0, {})},
  });
  ASSERT_EQ(sink.operations.size(), 4U);
  EXPECT_EQ(sink.operations[0], Operation::Report);   // broker publish, reported at once
  EXPECT_EQ(sink.operations[1], Operation::Write);    // client publish
  EXPECT_EQ(sink.operations[2], Operation::Session);  // connect without user name, on close
  EXPECT_EQ(sink.operations[3], Operation::Diagnostic);
}

TEST(MqttSession, LoneRepliesAndWrongDirectionsAreReported) {
  const auto sink = run({
      {S, packet(4, 0, u16(77))},        // PUBACK nobody asked for: a client write was acked
      {C, packet(2, 0, {0, 0})},         // CONNACK from the client
      {S, packet(9, 0, cat({u16(5), {0}}))},
  });
  ASSERT_EQ(sink.transactions.size(), 3U);
  EXPECT_EQ(sink.transactions[0], "write resp packet_type=4 packet=puback packet_id=77");
  EXPECT_EQ(sink.anomalies, std::vector<std::string>{"packet type sent in the wrong direction"});
  EXPECT_EQ(sink.transactions[2],
            "read resp packet_type=9 packet=suback packet_id=5 return_codes=0,");
}

TEST(MqttSession, OutstandingRequestsAreBounded) {
  std::vector<Turn> turns;
  for (std::uint16_t id = 1; id <= 20; ++id)
    turns.push_back({C, packet(8, 2, cat({u16(id), str("a"), {0}}))});
  turns.push_back({S, packet(9, 0, cat({u16(20), {0}}))});
  MqttSession session;
  const auto sink = run(turns, 0, session);
  EXPECT_EQ(session.counters().evicted, 4U);
  EXPECT_EQ(session.counters().unanswered, 19U);
  EXPECT_EQ(sink.transactions.size(), 20U);
  EXPECT_EQ(sink.transactions[0], "read req packet_type=8 packet=subscribe packet_id=1 topics=a "
                                  "topic_count=1 requested_qos=0,");
}

TEST(MqttSession, OversizedPacketIsSkippedWithoutBuffering) {
  const std::size_t big = kMaxPacket + 1000;
  Bytes head = cat({{0x30}, test::vbi(big)});
  Bytes body(big, 0xAB);
  MqttSession session;
  RecordingSink sink;
  std::size_t used = session.on_data(C, head, Timestamp{}, sink);
  EXPECT_EQ(used, head.size());
  EXPECT_EQ(sink.anomalies, std::vector<std::string>{"packet over 256 KiB"});
  // The body arrives in pieces, with a hole inside it: framing survives.
  EXPECT_EQ(session.on_data(C, std::span(body).first(1000), Timestamp{}, sink), 1000U);
  session.on_gap(C, 5000);
  const Bytes tail_and_ping = cat({Bytes(big - 6000, 0xAB), packet(12, 0, {})});
  EXPECT_EQ(session.on_data(C, tail_and_ping, Timestamp{}, sink), tail_and_ping.size());
  session.on_data(S, packet(13, 0, {}), Timestamp{}, sink);
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.transactions[0], "diagnostic req resp packet_type=12 packet=pingreq");
  EXPECT_EQ(session.counters().too_large, 1U);
}

TEST(MqttSession, GarbageIsAViolationThenResyncs) {
  MqttSession session;
  RecordingSink sink;
  const Bytes stream = cat({Bytes(50, 0x00), test::connect_v4()});
  EXPECT_EQ(session.on_data(C, stream, Timestamp{}, sink), stream.size());
  session.on_data(S, packet(2, 0, {0, 0}), Timestamp{}, sink);
  ASSERT_EQ(sink.anomalies.size(), 1U);
  EXPECT_EQ(sink.anomalies[0], "reserved packet type 0 (violation)");
  ASSERT_EQ(sink.transactions.size(), 1U);
  EXPECT_EQ(sink.operations[0], Operation::Auth);
  EXPECT_EQ(session.counters().skipped_bytes, 50U);
}

TEST(MqttSession, GapLosesFramingUntilACleanPacket) {
  MqttSession session;
  RecordingSink sink;
  session.on_data(C, test::connect_v4(), Timestamp{}, sink);
  session.on_gap(C, 17);
  // The tail of a publish the gap cut, then a ping: the tail is skipped.
  const Bytes stream = cat({Bytes{'x', 'y', 0xFF}, packet(12, 0, {})});
  EXPECT_EQ(session.on_data(C, stream, Timestamp{}, sink), stream.size());
  EXPECT_EQ(session.counters().skipped_bytes, 3U);
  EXPECT_EQ(session.counters().gaps, 1U);
  EXPECT_EQ(session.outstanding(), 2U);  // the connect and the ping wait
  EXPECT_TRUE(sink.anomalies.empty());
}

TEST(MqttSession, MalformedPacketStaysInSyncAndIsStillReported) {
  const auto sink = run({
      {C, packet(3, 6, cat({str("t"), u16(1)}))},  // qos 3
      {C, packet(14, 0, {})},
  });
  EXPECT_EQ(sink.anomalies, std::vector<std::string>{"publish qos 3"});
  ASSERT_EQ(sink.transactions.size(), 2U);
  EXPECT_EQ(sink.operations[0], Operation::Write);
  EXPECT_EQ(sink.operations[1], Operation::Session);
}

TEST(MqttSession, LongTextIsBounded) {
  const std::string topic(5000, 't');
  const auto sink = run({{C, packet(3, 0, cat({str(topic), {1}}))}});
  ASSERT_EQ(sink.transactions.size(), 1U);
  const auto at = sink.transactions[0].find("topic=");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(sink.transactions[0].find(std::string(MqttSession::kMaxKeptText + 1, 't')),
            std::string::npos);
}

}  // namespace
}  // namespace limen::dissect::mqtt
