#include "common/wire.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace limen::wire {
namespace {

std::string position_frame(std::uint64_t run, std::uint64_t seq) {
  const auto p = encode_position(run, seq);
  return {reinterpret_cast<const char*>(p.data()), p.size()};
}

TEST(Wire, RoundTripsAnEnvelope) {
  const std::string pos = position_frame(0x1122334455667788ULL, 42);
  const std::array<std::string_view, 4> frames{kProtocol, "probe-1", pos, R"({"a":1})"};
  Envelope e;
  ASSERT_EQ(decode(frames, e), "");
  EXPECT_EQ(e.probe, "probe-1");
  EXPECT_EQ(e.run, 0x1122334455667788ULL);
  EXPECT_EQ(e.seq, 42U);
  EXPECT_EQ(e.event_json, R"({"a":1})");
}

TEST(Wire, RefusesBadMessagesWithAReason) {
  const std::string pos = position_frame(1, 1);
  Envelope e;
  const std::array<std::string_view, 3> three{kProtocol, "p", pos};
  EXPECT_EQ(decode(three, e), "expected 4 frames, got 3");
  const std::array<std::string_view, 4> version{"limen/9", "p", pos, "{}"};
  EXPECT_NE(decode(version, e).find("unknown protocol 'limen/9'"), std::string::npos);
  const std::array<std::string_view, 4> name{kProtocol, "bad name", pos, "{}"};
  EXPECT_EQ(decode(name, e), "invalid probe name");
  const std::array<std::string_view, 4> short_pos{kProtocol, "p", "1234", "{}"};
  EXPECT_EQ(decode(short_pos, e), "position frame must be 16 bytes");
  const std::string zero = position_frame(1, 0);
  const std::array<std::string_view, 4> seq0{kProtocol, "p", zero, "{}"};
  EXPECT_EQ(decode(seq0, e), "sequence number 0 is reserved");
  const std::array<std::string_view, 4> not_json{kProtocol, "p", pos, "hello"};
  EXPECT_EQ(decode(not_json, e), "event is not a JSON object");
}

TEST(Wire, ProbeNames) {
  EXPECT_TRUE(valid_probe_name("substation-3.north_A"));
  EXPECT_FALSE(valid_probe_name(""));
  EXPECT_FALSE(valid_probe_name(std::string(65, 'a')));
  EXPECT_FALSE(valid_probe_name("a/b"));
}

}  // namespace
}  // namespace limen::wire

namespace limen::wire {
namespace {

TEST(Wire, AcknowledgementsNameTheirFirstAndLastEvent) {
  const auto last = encode_position(9, 40), first = encode_position(9, 31);
  const std::string l(last.begin(), last.end()), f(first.begin(), first.end());
  const std::array<std::string_view, 4> frames{kAckProtocol, "plant-a", l, f};
  Ack ack;
  ASSERT_EQ(decode_ack(frames, ack), "");
  EXPECT_EQ(ack.probe, "plant-a");
  EXPECT_EQ(ack.run, 9U);
  EXPECT_EQ(ack.seq, 40U);
  EXPECT_EQ(ack.first_run, 9U);
  EXPECT_EQ(ack.first_seq, 31U);
  const std::array<std::string_view, 3> old{"limen-ack/2", "plant-a", l};
  EXPECT_NE(decode_ack(old, ack), "");
  const std::array<std::string_view, 4> wrong{"limen-ack/2", "plant-a", l, f};
  EXPECT_EQ(decode_ack(wrong, ack), "not an acknowledgement");
}

TEST(Wire, HeartbeatsMayComeBeforeTheFirstEvent) {
  const auto none = encode_position(9, 0);
  const std::string p(none.begin(), none.end());
  const std::array<std::string_view, 4> frames{kHeartbeatProtocol, "plant-a", p, "{\"time\":1}"};
  Envelope hb;
  ASSERT_EQ(decode_heartbeat(frames, hb), "");
  EXPECT_EQ(hb.seq, 0U);
  const std::string big = "{" + std::string(kMaxHeartbeatBytes, ' ') + "}";
  const std::array<std::string_view, 4> too_big{kHeartbeatProtocol, "plant-a", p, big};
  EXPECT_EQ(decode_heartbeat(too_big, hb), "heartbeat is not a small JSON object");
}

}  // namespace
}  // namespace limen::wire
