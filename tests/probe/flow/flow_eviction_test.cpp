// A full flow table with eviction: the order victims are chosen in (a port-reused flow awaiting
// its report, half-open TCP, finished TCP, then the least recently touched), the callback and
// counters, eviction switched off, and a SYN flood that established connections survive.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "flow_test_util.h"
#include "probe/flow/flow_table.h"

namespace limen::flow {
namespace {

using test::kAck;
using test::kRst;
using test::kSyn;
using test::kSynAck;
using test::sec;

struct TestState {
  int value = 0;
};
using Table = FlowTable<TestState>;

struct Ended {
  Flow flow;
  EndReason why;
  int value;
  Table::Entry* entry;
};

auto collect(std::vector<Ended>& out) {
  return [&out](Table::Entry& e, EndReason why) {
    out.push_back({e.flow, why, e.state.value, &e});
  };
}

FlowConfig config(std::size_t max_flows) {
  FlowConfig c;
  c.max_flows = max_flows;
  return c;
}

decode::DecodedPacket udp_from(std::uint16_t port) {
  return test::udp("10.0.0.9", port, "10.0.0.1", 53);
}

TEST(FlowEviction, HalfOpenThenFinishedThenLeastRecentlyTouched) {
  Table t(config(4));
  std::vector<Ended> ended;
  auto evict = collect(ended);
  t.track(udp_from(1000), sec(1), 60, evict).entry->state.value = 1;                // idle UDP
  t.track(test::tcp("10.0.0.2", 2000, "10.0.0.1", 80, kAck), sec(2), 60, evict);    // open
  t.track(test::tcp("10.0.0.3", 3000, "10.0.0.1", 80, kSyn), sec(3), 60, evict);    // finished
  t.track(test::tcp("10.0.0.1", 80, "10.0.0.3", 3000, kRst), sec(3), 60, evict);
  auto half = t.track(test::tcp("10.0.0.4", 4000, "10.0.0.1", 80, kSyn), sec(4), 60, evict);
  half.entry->state.value = 4;
  ASSERT_TRUE(ended.empty());
  EXPECT_EQ(t.counters().active, 4U);

  // The newest flow of the table, but half-open: it goes first.
  auto e = t.track(udp_from(5000), sec(5), 60, evict);
  ASSERT_NE(e.entry, nullptr);
  EXPECT_TRUE(e.created);
  ASSERT_EQ(ended.size(), 1U);
  EXPECT_EQ(ended[0].flow.client_port, 4000);
  EXPECT_EQ(ended[0].flow.tcp_state, TcpState::SynSent);
  EXPECT_EQ(ended[0].why, EndReason::Evicted);
  EXPECT_EQ(ended[0].value, 4);  // seen before the slot was reused...
  EXPECT_EQ(e.entry, half.entry);  // ...by the new flow, whose state starts afresh
  EXPECT_EQ(e.entry->state.value, 0);
  EXPECT_EQ(e.entry->flow.client_port, 5000);

  t.track(udp_from(6000), sec(6), 60, evict);
  ASSERT_EQ(ended.size(), 2U);
  EXPECT_EQ(ended[1].flow.client_port, 3000);
  EXPECT_EQ(ended[1].flow.tcp_state, TcpState::Reset);
  EXPECT_EQ(ended[1].why, EndReason::Evicted);

  // Now only open flows: the least recently touched goes, whatever its class.
  t.track(udp_from(1000), sec(7), 60, evict);  // the UDP flow of second 1 is touched again
  t.track(udp_from(8000), sec(8), 60, evict);
  ASSERT_EQ(ended.size(), 3U);
  EXPECT_EQ(ended[2].flow.client_port, 2000);  // TCP, touched at 2
  t.track(udp_from(9000), sec(9), 60, evict);
  ASSERT_EQ(ended.size(), 4U);
  EXPECT_EQ(ended[3].flow.client_port, 5000);  // touched at 5; 1000 was touched at 7
  for (const auto& x : ended) EXPECT_EQ(x.why, EndReason::Evicted);

  const auto& c = t.counters();
  EXPECT_EQ(c.evicted, 4U);
  EXPECT_EQ(c.ended, 4U);
  EXPECT_EQ(c.created, 8U);
  EXPECT_EQ(c.active, 4U);
  EXPECT_EQ(c.active, c.created - c.ended);
  EXPECT_EQ(c.overflow, 0U);
  EXPECT_EQ(c.peak, 4U);

  // The survivors are the four most recent flows; flush reports each once more, not the victims.
  std::vector<Ended> rest;
  t.flush(EndReason::EndOfCapture, collect(rest));
  ASSERT_EQ(rest.size(), 4U);
  EXPECT_EQ(rest[0].flow.client_port, 1000);
  EXPECT_EQ(rest[0].value, 1);
}

TEST(FlowEviction, PortReusedFlowAwaitingItsReportGoesFirst) {
  Table t(config(2));
  std::vector<Ended> ended;
  auto evict = collect(ended);
  const auto c = [](std::uint8_t f) { return test::tcp("10.0.0.2", 4000, "10.0.0.1", 80, f); };
  t.track(c(kSyn), sec(1), 60, evict);
  t.track(test::tcp("10.0.0.1", 80, "10.0.0.2", 4000, kRst), sec(1), 60, evict);
  auto again = t.track(c(kSyn), sec(2), 60, evict);  // port reuse: the old record waits
  ASSERT_NE(again.entry, nullptr);
  EXPECT_EQ(t.counters().port_reused, 1U);
  EXPECT_EQ(t.counters().active, 2U);
  ASSERT_TRUE(ended.empty());

  // Full now, with a half-open flow in it; the finished record goes, with its own reason.
  auto u = t.track(udp_from(5000), sec(3), 60, evict);
  ASSERT_NE(u.entry, nullptr);
  ASSERT_EQ(ended.size(), 1U);
  EXPECT_EQ(ended[0].flow.tcp_state, TcpState::Reset);
  EXPECT_EQ(ended[0].why, EndReason::TcpClosed);
  EXPECT_EQ(t.counters().evicted, 0U);
  EXPECT_EQ(t.counters().ended, 1U);
  // The new connection on the same ports is still tracked.
  EXPECT_EQ(t.track(test::tcp("10.0.0.1", 80, "10.0.0.2", 4000, kSynAck), sec(3), 60, evict).entry,
            again.entry);
  std::vector<Ended> later;
  t.expire(sec(3), collect(later));  // nothing is left on the ending list to report twice
  EXPECT_TRUE(later.empty());
}

TEST(FlowEviction, SwitchedOffOrWithoutCallbackTheTableOverflows) {
  std::vector<Ended> ended;
  auto off = config(2);
  off.evict_when_full = false;
  Table t(off);
  t.track(udp_from(1), sec(1), 60, collect(ended));
  t.track(udp_from(2), sec(1), 60, collect(ended));
  EXPECT_EQ(t.track(udp_from(3), sec(2), 60, collect(ended)).entry, nullptr);
  EXPECT_TRUE(ended.empty());
  EXPECT_EQ(t.counters().overflow, 1U);
  EXPECT_EQ(t.counters().evicted, 0U);

  // The three-argument track() never evicts: it could not report the victim.
  Table u(config(2));
  u.track(udp_from(1), sec(1), 60);
  u.track(udp_from(2), sec(1), 60);
  EXPECT_EQ(u.track(udp_from(3), sec(2), 60).entry, nullptr);
  EXPECT_EQ(u.counters().overflow, 1U);
  EXPECT_EQ(u.counters().evicted, 0U);
  EXPECT_EQ(u.counters().active, 2U);
}

TEST(FlowEviction, ZeroCapacityHasNothingToEvict) {
  Table t(config(0));
  std::vector<Ended> ended;
  EXPECT_EQ(t.track(udp_from(1), sec(1), 60, collect(ended)).entry, nullptr);
  EXPECT_TRUE(ended.empty());
  EXPECT_EQ(t.counters().overflow, 1U);
}

TEST(FlowEviction, EstablishedConnectionsSurviveASynFlood) {
  constexpr std::uint32_t kCapacity = 1000;
  constexpr std::uint32_t kEstablished = 100;
  constexpr std::uint32_t kSyns = 100'000;
  Table t(config(kCapacity));
  std::vector<Ended> ended;
  auto evict = collect(ended);
  const auto client = [](std::uint32_t n, std::uint8_t f) {
    return test::tcp("10.1.0.1", static_cast<std::uint16_t>(10000 + n), "10.0.0.1", 502, f);
  };
  std::vector<Table::Entry*> conns;
  for (std::uint32_t n = 0; n < kEstablished; ++n) {
    auto h = t.track(client(n, kSyn), sec(0), 60, evict);
    t.track(test::tcp("10.0.0.1", 502, "10.1.0.1", static_cast<std::uint16_t>(10000 + n),
                      kSynAck),
            sec(0), 60, evict);
    t.track(client(n, kAck), sec(0), 60, evict);
    ASSERT_EQ(h.entry->flow.tcp_state, TcpState::Established);
    h.entry->state.value = static_cast<int>(n) + 1;
    conns.push_back(h.entry);
  }

  // SYNs from spoofed sources, one every 100 us for 10 s, with an expire() per 64 packets as a
  // worker runs one per burst. None completes its handshake.
  std::int64_t now = 1 * kUsecPerSecond;
  for (std::uint32_t n = 0; n < kSyns; ++n, now += 100) {
    auto p = test::tcp("10.2.0.1", static_cast<std::uint16_t>(1024 + n % 60000), "10.0.0.1", 502,
                       kSyn);
    p.src = IpAddress::v4(0xC0000000U + n);
    ASSERT_NE(t.track(p, Timestamp{now}, 60, evict).entry, nullptr);
    if (n % 64 == 63) t.expire(Timestamp{now}, collect(ended));
  }
  const std::int64_t flood_end = now - 100;
  for (const auto& e : ended) ASSERT_EQ(e.flow.tcp_state, TcpState::SynSent);
  const auto& c = t.counters();
  EXPECT_EQ(c.created, kEstablished + kSyns);
  EXPECT_EQ(c.evicted, kSyns - (kCapacity - kEstablished));
  EXPECT_EQ(c.ended, c.evicted);  // the flood lasts 10 s: no half-open flow timed out
  EXPECT_EQ(c.overflow, 0U);
  EXPECT_EQ(c.active, kCapacity);

  // Every connection is still there, with its state.
  for (std::uint32_t n = 0; n < kEstablished; ++n) {
    auto h = t.track(client(n, kAck), Timestamp{flood_end}, 60, evict);
    ASSERT_FALSE(h.created);
    ASSERT_EQ(h.entry, conns[n]);
    ASSERT_EQ(h.entry->state.value, static_cast<int>(n) + 1);
  }

  // The half-open flows left time out 30 s after their SYN; the connections stay.
  const std::size_t before = ended.size();
  t.expire(Timestamp{flood_end + 29 * kUsecPerSecond}, collect(ended));
  const std::size_t early = ended.size() - before;
  EXPECT_LT(early, kCapacity - kEstablished);
  t.expire(Timestamp{flood_end + 30 * kUsecPerSecond}, collect(ended));
  ASSERT_EQ(ended.size() - before, kCapacity - kEstablished);
  for (std::size_t i = before; i < ended.size(); ++i) {
    ASSERT_EQ(ended[i].why, EndReason::IdleTimeout);
    ASSERT_EQ(ended[i].flow.tcp_state, TcpState::SynSent);
  }
  EXPECT_EQ(t.counters().active, kEstablished);
  EXPECT_EQ(t.counters().evicted, kSyns - (kCapacity - kEstablished));
}

}  // namespace
}  // namespace limen::flow
