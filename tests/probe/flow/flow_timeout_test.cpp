// Flow timeouts, all driven by packet time: idle per protocol class, the short timeouts of a
// half-open TCP flow and after a TCP close or reset, the active timeout with restart, expiry in deadline order across classes,
// and expire() ending only what is due (it walks list heads, not the table).

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "flow_test_util.h"
#include "probe/flow/flow_table.h"

namespace limen::flow {
namespace {

using test::kAck;
using test::kFinAck;
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
};

auto collect(std::vector<Ended>& out) {
  return [&out](Table::Entry& e, EndReason why) { out.push_back({e.flow, why, e.state.value}); };
}

FlowConfig config() {
  FlowConfig c;
  c.max_flows = 1024;
  c.tcp_idle_usec = 300 * kUsecPerSecond;
  c.tcp_half_open_usec = 30 * kUsecPerSecond;
  c.tcp_closed_usec = 10 * kUsecPerSecond;
  c.udp_idle_usec = 60 * kUsecPerSecond;
  c.other_idle_usec = 30 * kUsecPerSecond;
  c.active_timeout_usec = 1000 * kUsecPerSecond;
  return c;
}

TEST(FlowTimeout, IdleTimeoutPerProtocol) {
  Table t(config());
  t.track(test::tcp("10.0.0.1", 1, "10.0.0.2", 2, kAck), sec(100), 60);
  t.track(test::udp("10.0.0.1", 1, "10.0.0.2", 2), sec(100), 60);
  t.track(test::icmp("10.0.0.1", "10.0.0.2", 8), sec(100), 60);
  auto gre = test::packet("10.0.0.1", 0, "10.0.0.2", 0, 47);
  t.track(gre, sec(100), 60);

  std::vector<Ended> ended;
  t.expire(sec(129), collect(ended));
  EXPECT_TRUE(ended.empty());
  t.expire(sec(130), collect(ended));  // other: 30 s, both ICMP and GRE
  ASSERT_EQ(ended.size(), 2U);
  EXPECT_EQ(ended[0].flow.ip_proto, 1);  // created first, so first in its list
  EXPECT_EQ(ended[1].flow.ip_proto, 47);
  EXPECT_EQ(ended[0].why, EndReason::IdleTimeout);
  t.expire(sec(159), collect(ended));
  EXPECT_EQ(ended.size(), 2U);
  t.expire(sec(160), collect(ended));  // UDP: 60 s
  ASSERT_EQ(ended.size(), 3U);
  EXPECT_EQ(ended[2].flow.ip_proto, 17);
  t.expire(sec(399), collect(ended));
  EXPECT_EQ(ended.size(), 3U);
  t.expire(sec(400), collect(ended));  // TCP: 300 s
  ASSERT_EQ(ended.size(), 4U);
  EXPECT_EQ(ended[3].flow.ip_proto, 6);
  EXPECT_EQ(ended[3].why, EndReason::IdleTimeout);
  EXPECT_EQ(t.counters().active, 0U);
  EXPECT_EQ(t.counters().ended, 4U);
}

TEST(FlowTimeout, PacketsPushTheIdleDeadline) {
  Table t(config());
  const auto p = test::udp("10.0.0.1", 1, "10.0.0.2", 2);
  t.track(p, sec(0), 60);
  t.track(p, sec(50), 60);
  std::vector<Ended> ended;
  t.expire(sec(100), collect(ended));
  EXPECT_TRUE(ended.empty());
  t.expire(sec(110), collect(ended));
  ASSERT_EQ(ended.size(), 1U);
  EXPECT_EQ(ended[0].flow.last_seen, sec(50));
  EXPECT_EQ(ended[0].flow.packets[0], 2U);
}

TEST(FlowTimeout, ClosedAndResetUseTheShortTimeout) {
  Table t(config());
  const auto c = [](std::uint8_t f) { return test::tcp("10.0.0.2", 4000, "10.0.0.1", 80, f); };
  const auto s = [](std::uint8_t f) { return test::tcp("10.0.0.1", 80, "10.0.0.2", 4000, f); };
  t.track(c(kSyn), sec(0), 60);
  t.track(s(kSynAck), sec(0), 60);
  t.track(c(kAck), sec(0), 60);
  t.track(c(kFinAck), sec(5), 60);
  t.track(s(kFinAck), sec(6), 60);
  t.track(c(kAck), sec(6), 60);
  const auto r = test::tcp("10.0.0.3", 5000, "10.0.0.1", 80, kSyn);
  t.track(r, sec(7), 60);
  t.track(test::tcp("10.0.0.1", 80, "10.0.0.3", 5000, kRst | kAck), sec(7), 60);
  const auto half = test::tcp("10.0.0.4", 6000, "10.0.0.1", 80, kFinAck);  // one FIN only
  t.track(half, sec(7), 60);

  std::vector<Ended> ended;
  t.expire(sec(15), collect(ended));
  EXPECT_TRUE(ended.empty());
  t.expire(sec(17), collect(ended));
  ASSERT_EQ(ended.size(), 2U);
  EXPECT_EQ(ended[0].flow.client_port, 4000);
  EXPECT_EQ(ended[0].flow.tcp_state, TcpState::Closed);
  EXPECT_EQ(ended[0].why, EndReason::TcpClosed);
  EXPECT_EQ(ended[1].flow.client_port, 5000);
  EXPECT_EQ(ended[1].flow.tcp_state, TcpState::Reset);
  EXPECT_EQ(ended[1].why, EndReason::TcpClosed);
  t.expire(sec(306), collect(ended));
  EXPECT_EQ(ended.size(), 2U);  // Closing keeps the full TCP idle timeout
  t.expire(sec(307), collect(ended));
  ASSERT_EQ(ended.size(), 3U);
  EXPECT_EQ(ended[2].flow.tcp_state, TcpState::Closing);
  EXPECT_EQ(ended[2].why, EndReason::IdleTimeout);
}

TEST(FlowTimeout, HalfOpenTcpUsesItsOwnTimeout) {
  Table t(config());
  t.track(test::tcp("10.0.0.2", 4000, "10.0.0.1", 80, kSyn), sec(0), 60);  // SynSent
  t.track(test::tcp("10.0.0.2", 4001, "10.0.0.1", 80, kSyn), sec(0), 60);
  t.track(test::tcp("10.0.0.1", 80, "10.0.0.2", 4001, kSynAck), sec(1), 60);  // SynReceived
  const auto c = [](std::uint8_t f) { return test::tcp("10.0.0.2", 4002, "10.0.0.1", 80, f); };
  t.track(c(kSyn), sec(1), 60);
  t.track(test::tcp("10.0.0.1", 80, "10.0.0.2", 4002, kSynAck), sec(1), 60);
  t.track(c(kAck), sec(1), 60);  // established: the full TCP idle timeout
  // A retransmitted SYN is a packet like any other: it pushes the deadline.
  t.track(test::tcp("10.0.0.2", 4003, "10.0.0.1", 80, kSyn), sec(1), 60);
  t.track(test::tcp("10.0.0.2", 4003, "10.0.0.1", 80, kSyn), sec(3), 60);

  std::vector<Ended> ended;
  t.expire(sec(29), collect(ended));
  EXPECT_TRUE(ended.empty());
  t.expire(sec(31), collect(ended));
  ASSERT_EQ(ended.size(), 2U);
  EXPECT_EQ(ended[0].flow.client_port, 4000);
  EXPECT_EQ(ended[0].flow.tcp_state, TcpState::SynSent);
  EXPECT_EQ(ended[0].why, EndReason::IdleTimeout);
  EXPECT_EQ(ended[1].flow.client_port, 4001);
  EXPECT_EQ(ended[1].flow.tcp_state, TcpState::SynReceived);
  EXPECT_EQ(ended[1].why, EndReason::IdleTimeout);
  t.expire(sec(33), collect(ended));
  ASSERT_EQ(ended.size(), 3U);
  EXPECT_EQ(ended[2].flow.client_port, 4003);
  t.expire(sec(300), collect(ended));
  EXPECT_EQ(ended.size(), 3U);
  t.expire(sec(301), collect(ended));
  ASSERT_EQ(ended.size(), 4U);
  EXPECT_EQ(ended[3].flow.client_port, 4002);
  EXPECT_EQ(ended[3].flow.tcp_state, TcpState::Established);
}

TEST(FlowTimeout, CompletedHandshakeLeavesTheHalfOpenClass) {
  Table t(config());
  const auto c = [](std::uint8_t f) { return test::tcp("10.0.0.2", 4000, "10.0.0.1", 80, f); };
  t.track(c(kSyn), sec(0), 60);
  t.track(test::tcp("10.0.0.3", 5000, "10.0.0.1", 80, kAck), sec(10), 60);  // open, mid-stream
  t.track(test::tcp("10.0.0.1", 80, "10.0.0.2", 4000, kSynAck), sec(20), 60);
  t.track(c(kAck), sec(25), 60);
  std::vector<Ended> ended;
  t.expire(sec(100), collect(ended));  // would have ended at 55 as a half-open flow
  EXPECT_TRUE(ended.empty());
  // The flow joined the open list at its back: behind the one touched at 10.
  t.expire(sec(310), collect(ended));
  ASSERT_EQ(ended.size(), 1U);
  EXPECT_EQ(ended[0].flow.client_port, 5000);
  t.expire(sec(325), collect(ended));
  ASSERT_EQ(ended.size(), 2U);
  EXPECT_EQ(ended[1].flow.client_port, 4000);
  EXPECT_EQ(ended[1].why, EndReason::IdleTimeout);
  EXPECT_EQ(t.counters().active, 0U);
}

TEST(FlowTimeout, ActiveTimeoutReportsAndRestarts) {
  Table t(config());
  const auto p = test::tcp("10.0.0.2", 4000, "10.0.0.1", 80, kAck);
  const auto back = test::tcp("10.0.0.1", 80, "10.0.0.2", 4000, kAck);
  auto h = t.track(p, sec(0), 100);
  h.entry->state.value = 5;
  const std::uint64_t first_id = h.entry->flow.id;
  std::vector<Ended> ended;
  for (int s = 100; s <= 1000; s += 100) {
    t.track(p, sec(s), 100);
    t.expire(sec(s), collect(ended));
  }
  ASSERT_EQ(ended.size(), 1U);
  EXPECT_EQ(ended[0].why, EndReason::ActiveTimeout);
  EXPECT_EQ(ended[0].flow.id, first_id);
  EXPECT_EQ(ended[0].flow.packets[0], 11U);
  EXPECT_EQ(ended[0].flow.first_seen, sec(0));
  EXPECT_EQ(ended[0].flow.last_seen, sec(1000));
  EXPECT_EQ(ended[0].value, 5);

  // Same entry, state kept, new record with fresh counters, dated from the deadline until its
  // first packet gives it an id and a start.
  const Flow& f = h.entry->flow;
  EXPECT_EQ(f.packets[0], 0U);
  EXPECT_EQ(f.first_seen, sec(1000));
  EXPECT_EQ(f.tcp_state, TcpState::Established);
  EXPECT_EQ(h.entry->state.value, 5);
  auto again = t.track(back, sec(1010), 40);
  EXPECT_EQ(again.entry, h.entry);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.dir, Direction::ToClient);  // roles survive the restart
  EXPECT_EQ(f.first_seen, sec(1010));
  EXPECT_NE(f.id, first_id);
  EXPECT_EQ(f.packets[1], 1U);
  EXPECT_EQ(t.counters().created, 2U);
  EXPECT_EQ(t.counters().ended, 1U);
  EXPECT_EQ(t.counters().restarted, 1U);
  EXPECT_EQ(t.counters().active, 1U);

  // The restarted record runs its own active timeout from its first packet, as a new flow.
  t.track(p, sec(2009), 100);
  t.expire(sec(2009), collect(ended));
  EXPECT_EQ(ended.size(), 1U);
  t.track(p, sec(2010), 100);
  t.expire(sec(2010), collect(ended));
  ASSERT_EQ(ended.size(), 2U);
  EXPECT_EQ(ended[1].flow.first_seen, sec(1010));
  EXPECT_EQ(ended[1].flow.packets[0], 2U);
  EXPECT_EQ(ended[1].flow.packets[1], 1U);
}

TEST(FlowTimeout, ActiveAndIdleDueTogetherEndAsTheirDeadlinesSay) {
  Table t(config());
  t.track(test::udp("10.0.0.1", 1, "10.0.0.2", 2), sec(0), 60);
  t.track(test::udp("10.0.0.1", 1, "10.0.0.2", 2), sec(990), 60);
  std::vector<Ended> ended;
  // A late call, both deadlines passed: the reasons are those of the deadlines (active at 1000,
  // while the flow was live; idle at 1050, of the empty record that followed), not of the call,
  // so that they do not depend on when expire() happens to run.
  t.expire(sec(5000), collect(ended));
  ASSERT_EQ(ended.size(), 2U);
  EXPECT_EQ(ended[0].why, EndReason::ActiveTimeout);
  EXPECT_EQ(ended[0].flow.packets[0], 2U);
  EXPECT_EQ(ended[1].why, EndReason::IdleTimeout);
  EXPECT_EQ(ended[1].flow.packets[0] + ended[1].flow.packets[1], 0U);
  EXPECT_EQ(t.counters().active, 0U);
  EXPECT_EQ(t.counters().restarted, 1U);
}

TEST(FlowTimeout, AnEmptyRestartedRecordIsNotCutAgain) {
  auto c = config();
  c.active_timeout_usec = 100 * kUsecPerSecond;  // shorter than TCP's idle timeout (300 s)
  Table t(c);
  const auto p = test::tcp("10.0.0.2", 4000, "10.0.0.1", 80, kAck);
  t.track(p, sec(0), 100);
  t.track(p, sec(90), 100);
  std::vector<Ended> ended;
  // Active deadlines at 100, 200 and 300; the idle one at 390. Only the first cut has packets
  // to report: the empty record after it rolls on until its idle end, counted once.
  t.expire(sec(250), collect(ended));
  ASSERT_EQ(ended.size(), 1U);
  EXPECT_EQ(ended[0].why, EndReason::ActiveTimeout);
  EXPECT_EQ(t.counters().restarted, 1U);
  t.expire(sec(400), collect(ended));
  ASSERT_EQ(ended.size(), 2U);
  EXPECT_EQ(ended[1].why, EndReason::IdleTimeout);
  EXPECT_EQ(ended[1].flow.packets[0] + ended[1].flow.packets[1], 0U);
  EXPECT_EQ(t.counters().created, 2U);
  EXPECT_EQ(t.counters().ended, 2U);
  EXPECT_EQ(t.counters().active, 0U);
}

TEST(FlowTimeout, ActiveTimeoutZeroDisablesIt) {
  auto c = config();
  c.active_timeout_usec = 0;
  Table t(c);
  const auto p = test::udp("10.0.0.1", 1, "10.0.0.2", 2);
  std::vector<Ended> ended;
  for (int s = 0; s <= 5000; s += 50) {
    t.track(p, sec(s), 60);
    t.expire(sec(s), collect(ended));
  }
  EXPECT_TRUE(ended.empty());
}

TEST(FlowTimeout, ExpiryFollowsDeadlinesAcrossClasses) {
  Table t(config());
  // Deadlines: tcp(closed) 10+10=20, udp 0+60=60, icmp 45+30=75, udp 20+60=80, tcp 0+300=300.
  t.track(test::tcp("10.0.0.1", 1, "10.0.0.2", 2, kAck), sec(0), 60);
  t.track(test::udp("10.0.0.1", 3, "10.0.0.2", 4), sec(0), 60);
  t.track(test::tcp("10.0.0.1", 5, "10.0.0.2", 6, kSyn), sec(10), 60);
  t.track(test::tcp("10.0.0.2", 6, "10.0.0.1", 5, kRst), sec(10), 60);
  t.track(test::udp("10.0.0.1", 7, "10.0.0.2", 8), sec(20), 60);
  t.track(test::icmp("10.0.0.1", "10.0.0.2", 8), sec(45), 60);
  std::vector<Ended> ended;
  t.expire(sec(400), collect(ended));
  ASSERT_EQ(ended.size(), 5U);
  EXPECT_EQ(ended[0].flow.client_port, 5);
  EXPECT_EQ(ended[1].flow.client_port, 3);
  EXPECT_EQ(ended[2].flow.ip_proto, 1);
  EXPECT_EQ(ended[3].flow.client_port, 7);
  // Its first packet was an ACK without SYN (picked up mid-stream): the lower port serves.
  EXPECT_EQ(ended[4].flow.server_port, 1);
}

TEST(FlowTimeout, ExpireEndsOnlyWhatIsDueOldestFirst) {
  // One new UDP flow per second with an expire() per second, as a worker does per burst: each
  // call must end exactly the one flow created 60 s earlier and leave the younger ones alone
  // (it looks at list heads only); a late call then ends the rest in creation order.
  auto c = config();
  c.max_flows = 4096;
  Table t(c);
  std::vector<Ended> ended;
  for (std::uint16_t i = 0; i < 3000; ++i) {
    t.track(test::udp("10.0.0.1", static_cast<std::uint16_t>(10000 + i), "10.0.0.2", 53), sec(i),
            60);
    t.expire(sec(i), collect(ended));
    const std::size_t due = i >= 60 ? i - 59U : 0U;
    ASSERT_EQ(ended.size(), due) << i;
    if (due > 0) {
      ASSERT_EQ(ended.back().flow.client_port, 10000 + due - 1);
    }
  }
  EXPECT_EQ(t.counters().active, 60U);
  t.expire(sec(2999 + 59), collect(ended));
  EXPECT_EQ(ended.size(), 2999U);  // the last flow is due one second later
  t.expire(sec(2999 + 60), collect(ended));
  ASSERT_EQ(ended.size(), 3000U);
  for (std::size_t i = 0; i < ended.size(); ++i)
    ASSERT_EQ(ended[i].flow.client_port, 10000 + i) << i;
  EXPECT_EQ(t.counters().active, 0U);
}

TEST(FlowTimeout, ClockNeverRunsBackwards) {
  Table t(config());
  const auto a = test::udp("10.0.0.1", 1, "10.0.0.2", 2);
  const auto b = test::udp("10.0.0.1", 3, "10.0.0.2", 4);
  t.track(a, sec(100), 60);
  t.track(b, sec(90), 60);  // a capture stepping back ten seconds
  EXPECT_EQ(t.track(b, sec(80), 60).entry->flow.last_seen, sec(90));
  std::vector<Ended> ended;
  t.expire(sec(50), collect(ended));  // an old "now" does not resurrect or end anything
  EXPECT_TRUE(ended.empty());
  t.expire(sec(160), collect(ended));
  ASSERT_EQ(ended.size(), 2U);  // b was touched at table time 100, so both end together
  EXPECT_EQ(ended[0].flow.client_port, 1);
  EXPECT_EQ(ended[1].flow.client_port, 3);
  EXPECT_EQ(ended[1].flow.first_seen, sec(90));
}

TEST(FlowTimeout, EndedSlotsAreReused) {
  auto c = config();
  c.max_flows = 16;
  Table t(c);
  std::vector<Ended> ended;
  for (int round = 0; round < 10; ++round) {
    for (std::uint16_t i = 0; i < 16; ++i) {
      auto h = t.track(test::udp("10.0.0.1", static_cast<std::uint16_t>(round * 100 + i),
                                 "10.0.0.2", 53),
                       sec(round * 100), 60);
      ASSERT_NE(h.entry, nullptr);
      EXPECT_EQ(h.entry->state.value, 0);
      h.entry->state.value = round + 1;
    }
    t.expire(sec(round * 100 + 60), collect(ended));
    EXPECT_EQ(t.counters().active, 0U);
  }
  EXPECT_EQ(ended.size(), 160U);
  EXPECT_EQ(t.counters().overflow, 0U);
  EXPECT_EQ(t.counters().peak, 16U);
}

}  // namespace
}  // namespace limen::flow
