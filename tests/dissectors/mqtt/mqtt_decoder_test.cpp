// The pure MQTT decoder from hand-built byte arrays: every packet type, every hostile length
// (remaining length, strings, properties, topic lists) and a truncation sweep over every prefix
// of every reference packet.

#include <gtest/gtest.h>

#include <string_view>

#include "dissectors/mqtt/mqtt_decoder.h"
#include "tests/dissectors/mqtt/mqtt_test_util.h"

namespace limen::dissect::mqtt {
namespace {

using test::Bytes;
using test::cat;
using test::packet;
using test::str;
using test::u16;

std::string_view text(std::span<const std::uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};  // NOLINT: char view
}

DecodeResult decode(const Bytes& b, Packet& p, std::uint8_t level = kLevel311) {
  return decode_packet(b, level, p);
}

TEST(MqttDecoder, FixedHeaderNeedsMoreUntilTheLengthEnds) {
  FixedHeader h;
  EXPECT_EQ(decode_fixed_header({}, h).status, DecodeStatus::NeedMore);
  const Bytes partial{0x30, 0x80, 0x80};
  const auto r = decode_fixed_header(partial, h);
  EXPECT_EQ(r.status, DecodeStatus::NeedMore);
  EXPECT_EQ(r.size, 4U);
  const Bytes full{0x30, 0xC1, 0x02};  // 65 + 2 * 128 = 321
  const auto f = decode_fixed_header(full, h);
  ASSERT_EQ(f.status, DecodeStatus::Ok);
  EXPECT_EQ(h.remaining_length, 321U);
  EXPECT_EQ(h.header_size, 3U);
  EXPECT_EQ(f.size, 324U);
}

TEST(MqttDecoder, HostileFixedHeadersAreInvalid) {
  FixedHeader h;
  EXPECT_EQ(decode_fixed_header(Bytes{0x00, 0x00}, h).status, DecodeStatus::Invalid);
  EXPECT_EQ(decode_fixed_header(Bytes{0x80, 0x00}, h).status, DecodeStatus::Invalid);  // flags 0
  EXPECT_EQ(decode_fixed_header(Bytes{0xC1, 0x00}, h).status, DecodeStatus::Invalid);  // PINGREQ
  const auto five = decode_fixed_header(Bytes{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, h);
  EXPECT_EQ(five.status, DecodeStatus::Invalid);
  EXPECT_EQ(five.reason, "remaining length longer than 4 bytes");
}

TEST(MqttDecoder, LargestRemainingLengthIsTooLargeNotBuffered) {
  Packet p;
  const Bytes b{0x30, 0xFF, 0xFF, 0xFF, 0x7F};  // 268,435,455 bytes announced, none present
  const auto r = decode(b, p);
  EXPECT_EQ(r.status, DecodeStatus::TooLarge);
  EXPECT_EQ(r.size, 5U + 268435455U);
  // Just under the bound: wait for it.
  const Bytes ok{0x30, 0xFB, 0xFF, 0x0F};  // 262,139 + 4 = 262,143 < 256 KiB
  EXPECT_EQ(decode(ok, p).status, DecodeStatus::NeedMore);
}

TEST(MqttDecoder, ConnectReportsCredentialsPresenceOnly) {
  Packet p;
  const Bytes b = test::connect_v4();
  const auto r = decode(b, p);
  ASSERT_EQ(r.status, DecodeStatus::Ok) << r.reason;
  EXPECT_EQ(r.size, b.size());
  EXPECT_EQ(text(p.protocol_name), "MQTT");
  EXPECT_EQ(p.protocol_level, 4);
  EXPECT_EQ(text(p.client_id), "plc-gw-01");
  EXPECT_EQ(text(p.will_topic), "plant/status");
  EXPECT_EQ(text(p.username), "operator");
  EXPECT_TRUE(p.password_present);
  EXPECT_TRUE(p.clean_session());
  EXPECT_EQ(p.will_qos(), 1);
  EXPECT_TRUE(p.will_retain());
  EXPECT_EQ(p.keep_alive, 60);
}

TEST(MqttDecoder, ConnectHostileLengthsAreMalformed) {
  Packet p;
  // Client id claims 0xFFFF bytes.
  auto b = packet(1, 0, cat({str("MQTT"), {4, 0x02}, u16(60), u16(0xFFFF), {'a'}}));
  EXPECT_EQ(decode(b, p).status, DecodeStatus::Malformed);
  // Protocol name length runs past the packet.
  b = packet(1, 0, cat({u16(200), {'M', 'Q'}}));
  EXPECT_EQ(decode(b, p).status, DecodeStatus::Malformed);
  // Not MQTT's protocol name, reserved flag, will qos 3, will qos without will.
  b = packet(1, 0, cat({str("HTTP"), {4, 0x02}, u16(60), str("x")}));
  EXPECT_EQ(decode(b, p).reason, "connect protocol name is not MQTT");
  b = packet(1, 0, cat({str("MQTT"), {4, 0x03}, u16(60), str("x")}));
  EXPECT_EQ(decode(b, p).reason, "connect reserved flag set");
  b = packet(1, 0, cat({str("MQTT"), {4, 0x1C}, u16(60), str("x"), str("t"), str("m")}));
  EXPECT_EQ(decode(b, p).reason, "connect will qos 3");
  b = packet(1, 0, cat({str("MQTT"), {4, 0x08}, u16(60), str("x")}));
  EXPECT_EQ(decode(b, p).status, DecodeStatus::Malformed);
  // User name flag set but the packet ends.
  b = packet(1, 0, cat({str("MQTT"), {4, 0x80}, u16(60), str("x")}));
  EXPECT_EQ(decode(b, p).reason, "connect field runs past the packet");
  // 5.0: a property length past the packet; a 5-byte property length.
  b = packet(1, 0, cat({str("MQTT"), {5, 0x02}, u16(60), {0x7F}, str("x")}));
  EXPECT_EQ(decode(b, p).status, DecodeStatus::Malformed);
  b = packet(1, 0, cat({str("MQTT"), {5, 0x02}, u16(60), {0xFF, 0xFF, 0xFF, 0xFF, 0x01}}));
  EXPECT_EQ(decode(b, p).status, DecodeStatus::Malformed);
  // Trailing bytes after the last field.
  b = packet(1, 0, cat({str("MQTT"), {4, 0x02}, u16(60), str("x"), {0}}));
  EXPECT_EQ(decode(b, p).reason, "bytes after the packet's fields");
}

TEST(MqttDecoder, ConnectV5SkipsPropertiesAndWillProperties) {
  Packet p;
  const auto b = packet(1, 0, cat({str("MQTT"), {5, 0x04 | 0x80}, u16(10), {2, 0x21, 0x00},
                                   str("id"), {1, 0x01}, str("will/t"), str("bye"),
                                   str("user")}));
  ASSERT_EQ(decode(b, p, kLevel311).status, DecodeStatus::Ok);  // its own level counts
  EXPECT_EQ(text(p.client_id), "id");
  EXPECT_EQ(text(p.will_topic), "will/t");
  EXPECT_EQ(text(p.username), "user");
  EXPECT_FALSE(p.password_present);
}

TEST(MqttDecoder, PublishTopicPacketIdPayload) {
  Packet p;
  auto b = packet(3, 0x0B, cat({str("a/b"), u16(9), {1, 2, 3, 4}}));  // dup, qos 1, retain
  ASSERT_EQ(decode(b, p).status, DecodeStatus::Ok);
  EXPECT_EQ(text(p.topic), "a/b");
  EXPECT_EQ(p.qos, 1);
  EXPECT_TRUE(p.dup);
  EXPECT_TRUE(p.retain);
  ASSERT_TRUE(p.has_packet_id);
  EXPECT_EQ(p.packet_id, 9);
  EXPECT_EQ(p.payload_length, 4U);
  // QoS 0 has no packet id: the two bytes are payload.
  b = packet(3, 0, cat({str("a/b"), u16(9)}));
  ASSERT_EQ(decode(b, p).status, DecodeStatus::Ok);
  EXPECT_FALSE(p.has_packet_id);
  EXPECT_EQ(p.payload_length, 2U);
  // 5.0 properties are not payload.
  b = packet(3, 2, cat({str("a"), u16(1), {3, 0x01, 0x01, 0x09}, {7}}));
  ASSERT_EQ(decode(b, p, kLevel5).status, DecodeStatus::Ok);
  EXPECT_EQ(p.payload_length, 1U);
}

TEST(MqttDecoder, PublishHostile) {
  Packet p;
  EXPECT_EQ(decode(packet(3, 6, cat({str("a"), u16(1)})), p).reason, "publish qos 3");
  EXPECT_EQ(decode(packet(3, 0, cat({u16(50), {'a'}})), p).status, DecodeStatus::Malformed);
  EXPECT_EQ(decode(packet(3, 2, str("a")), p).status, DecodeStatus::Malformed);  // no id
  EXPECT_EQ(decode(packet(3, 2, cat({str("a"), u16(1), {9}})), p, kLevel5).status,
            DecodeStatus::Malformed);  // property length past the packet
}

TEST(MqttDecoder, SubscribeListIsValidatedAndWalked) {
  Packet p;
  auto b = packet(8, 2, cat({u16(4), str("x/#"), {2}, str("y"), {0}}));
  ASSERT_EQ(decode(b, p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.packet_id, 4);
  EXPECT_EQ(p.topic_count, 2);
  TopicCursor cursor(p.topic_list, true);
  TopicEntry e;
  ASSERT_TRUE(cursor.next(e));
  EXPECT_EQ(text(e.filter), "x/#");
  EXPECT_EQ(e.options, 2);
  ASSERT_TRUE(cursor.next(e));
  EXPECT_EQ(text(e.filter), "y");
  EXPECT_FALSE(cursor.next(e));

  EXPECT_EQ(decode(packet(8, 2, u16(4)), p).reason, "no topic filter");
  EXPECT_EQ(decode(packet(8, 2, cat({u16(4), str("x"), {3}})), p).reason, "subscribe qos 3");
  EXPECT_EQ(decode(packet(8, 2, cat({u16(4), str("x"), {0x04}})), p).reason,
            "subscribe reserved option bits set");
  EXPECT_EQ(decode(packet(8, 2, cat({u16(4), {0}, str("x"), {0x04}})), p, kLevel5).status,
            DecodeStatus::Ok);  // no-local is a 5.0 option
  EXPECT_EQ(decode(packet(8, 2, cat({u16(4), u16(300), {'x'}})), p).status,
            DecodeStatus::Malformed);
  EXPECT_EQ(decode(packet(8, 2, cat({u16(4), str("x")})), p).status,
            DecodeStatus::Malformed);  // options byte missing
  EXPECT_EQ(decode(packet(10, 2, cat({u16(4), str("x"), str("yz")})), p).status,
            DecodeStatus::Ok);
  EXPECT_EQ(p.topic_count, 2);
}

TEST(MqttDecoder, AcknowledgementsAndEmptyPackets) {
  Packet p;
  ASSERT_EQ(decode(packet(2, 0, {1, 5}), p).status, DecodeStatus::Ok);
  EXPECT_TRUE(p.session_present);
  EXPECT_EQ(p.return_code, 5);
  EXPECT_EQ(decode(packet(2, 0, {0}), p).status, DecodeStatus::Malformed);
  ASSERT_EQ(decode(packet(9, 0, cat({u16(1), {0, 0x80}})), p).status, DecodeStatus::Ok);
  EXPECT_EQ(p.return_codes.size(), 2U);
  EXPECT_EQ(decode(packet(9, 0, u16(1)), p).status, DecodeStatus::Malformed);
  EXPECT_EQ(decode(packet(4, 0, cat({u16(1), {0x10}})), p).status, DecodeStatus::Malformed);
  ASSERT_EQ(decode(packet(4, 0, cat({u16(1), {0x10}})), p, kLevel5).status, DecodeStatus::Ok);
  EXPECT_EQ(p.return_code, 0x10);
  EXPECT_EQ(decode(packet(4, 0, {1}), p).status, DecodeStatus::Malformed);
  EXPECT_EQ(decode(packet(12, 0, {1}), p).status, DecodeStatus::Malformed);
  EXPECT_EQ(decode(packet(14, 0, {0}), p).status, DecodeStatus::Malformed);
  EXPECT_EQ(decode(packet(14, 0, {0x8E, 0}), p, kLevel5).status, DecodeStatus::Ok);
  EXPECT_EQ(decode(packet(15, 0, {0x18, 0}), p).reason, "auth packet before MQTT 5.0");
  ASSERT_EQ(decode(packet(15, 0, {0x18, 0}), p, kLevel5).status, DecodeStatus::Ok);
  EXPECT_EQ(p.return_code, 0x18);
  EXPECT_EQ(decode(packet(11, 0, cat({u16(1), {0}, {0}})), p, kLevel5).status, DecodeStatus::Ok);
  EXPECT_EQ(decode(packet(11, 0, cat({u16(1), {0}})), p).status, DecodeStatus::Malformed);
}

// Every prefix of every reference packet needs more bytes; no prefix decodes or crashes. Every
// shortened remaining length (the body cut, header rewritten) is Malformed or Ok, never more.
TEST(MqttDecoder, TruncationSweep) {
  std::vector<std::pair<Bytes, std::uint8_t>> all;
  for (auto& [dir, b] : test::conversation_v4()) all.emplace_back(b, kLevel311);
  for (auto& [dir, b] : test::conversation_v5()) all.emplace_back(b, kLevel5);
  for (const auto& [b, level] : all) {
    Packet p;
    ASSERT_EQ(decode_packet(b, level, p).status, DecodeStatus::Ok);
    for (std::size_t n = 0; n < b.size(); ++n) {
      const auto r = decode_packet(std::span(b).first(n), level, p);
      EXPECT_EQ(r.status, DecodeStatus::NeedMore) << "prefix " << n;
      EXPECT_GT(r.size, n);
    }
    FixedHeader h;
    ASSERT_EQ(decode_fixed_header(b, h).status, DecodeStatus::Ok);
    const Bytes body(b.begin() + h.header_size, b.end());
    for (std::size_t n = 0; n < body.size(); ++n) {
      const Bytes cut = packet(static_cast<std::uint8_t>(h.type), h.flags,
                               Bytes(body.begin(), body.begin() + static_cast<long>(n)));
      const auto r = decode_packet(cut, level, p);
      EXPECT_TRUE(r.status == DecodeStatus::Malformed || r.status == DecodeStatus::Ok);
      EXPECT_EQ(r.size, cut.size());
    }
  }
}

}  // namespace
}  // namespace limen::dissect::mqtt
