// The flow table on packets: client/server and direction (SYN-ACK first too), counters per
// direction, TCP state through the table, per-flow state reset on reuse, port reuse, overflow at
// max_flows, flush, and no allocation in track().

#include "probe/flow/flow_table.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <vector>

#include "flow_test_util.h"

// Counts global allocations while `g_counting` is set, to prove that track() allocates nothing.
namespace {
bool g_counting = false;
std::size_t g_allocations = 0;
}  // namespace

// The replacements pair malloc with free on purpose; GCC cannot see that new and delete match.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace limen::flow {
namespace {

using test::ip;
using test::kAck;
using test::kFinAck;
using test::kPshAck;
using test::kRst;
using test::kSyn;
using test::kSynAck;
using test::sec;

struct TestState {
  int touched = 0;
};
using Table = FlowTable<TestState>;

struct Ended {
  Flow flow;
  EndReason why;
};

auto collect(std::vector<Ended>& out) {
  return [&out](Table::Entry& e, EndReason why) { out.push_back({e.flow, why}); };
}

FlowConfig small(std::size_t max_flows = 64) {
  FlowConfig c;
  c.max_flows = max_flows;
  return c;
}

TEST(FlowTable, FirstSenderIsClientAndDirectionsFollow) {
  Table t(small());
  auto h1 = t.track(test::udp("10.0.0.9", 5000, "10.0.0.1", 53), sec(1), 80);
  ASSERT_NE(h1.entry, nullptr);
  EXPECT_TRUE(h1.created);
  EXPECT_EQ(h1.dir, Direction::ToServer);
  const Flow& f = h1.entry->flow;
  EXPECT_EQ(f.client_ip, ip("10.0.0.9"));  // the higher address: the role is not the key order
  EXPECT_EQ(f.client_port, 5000);
  EXPECT_EQ(f.server_ip, ip("10.0.0.1"));
  EXPECT_EQ(f.server_port, 53);
  EXPECT_EQ(f.ip_proto, 17);

  auto h2 = t.track(test::udp("10.0.0.1", 53, "10.0.0.9", 5000), sec(2), 120);
  EXPECT_EQ(h2.entry, h1.entry);
  EXPECT_FALSE(h2.created);
  EXPECT_EQ(h2.dir, Direction::ToClient);
  auto h3 = t.track(test::udp("10.0.0.9", 5000, "10.0.0.1", 53), sec(3), 90);
  EXPECT_EQ(h3.dir, Direction::ToServer);

  EXPECT_EQ(f.packets[0], 2U);
  EXPECT_EQ(f.packets[1], 1U);
  EXPECT_EQ(f.bytes[0], 170U);
  EXPECT_EQ(f.bytes[1], 120U);
  EXPECT_EQ(f.first_seen, sec(1));
  EXPECT_EQ(f.last_seen, sec(3));
  EXPECT_EQ(f.tcp_state, TcpState::None);
  EXPECT_EQ(t.counters().created, 1U);
  EXPECT_EQ(t.counters().active, 1U);
}

TEST(FlowTable, SynAckFirstMakesTheSenderTheServer) {
  Table t(small());
  auto h1 = t.track(test::tcp("10.0.0.1", 502, "10.0.0.2", 40000, kSynAck), sec(1), 60);
  ASSERT_NE(h1.entry, nullptr);
  EXPECT_EQ(h1.dir, Direction::ToClient);
  const Flow& f = h1.entry->flow;
  EXPECT_EQ(f.server_ip, ip("10.0.0.1"));
  EXPECT_EQ(f.server_port, 502);
  EXPECT_EQ(f.client_ip, ip("10.0.0.2"));
  EXPECT_EQ(f.client_port, 40000);
  EXPECT_EQ(f.tcp_state, TcpState::SynReceived);
  auto h2 = t.track(test::tcp("10.0.0.2", 40000, "10.0.0.1", 502, kAck), sec(1), 60);
  EXPECT_EQ(h2.dir, Direction::ToServer);
  EXPECT_EQ(f.tcp_state, TcpState::Established);
  EXPECT_EQ(f.packets[0], 1U);
  EXPECT_EQ(f.packets[1], 1U);
  EXPECT_EQ(f.tcp_flags[1], kSynAck);
  EXPECT_EQ(f.tcp_flags[0], kAck);
}

TEST(FlowTable, MidStreamPickupMakesTheServicePortTheServer) {
  // Capture starts while an HMI polls a PLC: the first packet seen is the PLC's reply from 502.
  // Taking its sender for the client would make the PLC look like it opened the connection.
  Table t(small());
  auto h = t.track(test::tcp("10.20.1.10", 502, "10.20.0.5", 50300, kAck), sec(1), 60);
  ASSERT_NE(h.entry, nullptr);
  EXPECT_EQ(h.dir, Direction::ToClient);
  EXPECT_EQ(h.entry->flow.server_ip, ip("10.20.1.10"));
  EXPECT_EQ(h.entry->flow.server_port, 502);
  EXPECT_EQ(h.entry->flow.client_port, 50300);
  // IEC 104 on 2404 against an ephemeral port: the lower port serves too.
  auto h2 = t.track(test::tcp("10.20.1.11", 2404, "10.20.0.5", 50301, kAck), sec(1), 60);
  EXPECT_EQ(h2.entry->flow.server_port, 2404);
  // A DNS answer seen before its query: a well-known port talking to a high one serves.
  auto h3 = t.track(test::udp("10.0.0.53", 53, "10.0.0.9", 53011), sec(1), 60);
  EXPECT_EQ(h3.entry->flow.server_port, 53);
  EXPECT_EQ(h3.dir, Direction::ToClient);
  // UDP between two high ports keeps the first-sender rule (no reliable hint).
  auto h4 = t.track(test::udp("10.0.0.1", 40000, "10.0.0.2", 20000), sec(1), 60);
  EXPECT_EQ(h4.entry->flow.client_port, 40000);
  // A DNP3 master on an old host's low client port (1024-5000) talking to 20000: the port a
  // dissector serves wins over the lower-port fallback.
  auto h6 = t.track(test::tcp("10.0.0.3", 2902, "10.0.0.4", 20000, kAck), sec(1), 60);
  EXPECT_EQ(h6.entry->flow.server_port, 20000);
  EXPECT_EQ(h6.entry->flow.client_port, 2902);
  // A SYN is a SYN, whatever the ports.
  auto h5 = t.track(test::tcp("10.0.0.1", 80, "10.0.0.2", 8080, test::kSyn), sec(1), 60);
  EXPECT_EQ(h5.entry->flow.client_port, 80);
}

TEST(FlowTable, TcpHandshakeDataAndCloseThroughTheTable) {
  Table t(small());
  const auto c = [](std::uint8_t fl) { return test::tcp("192.168.1.5", 51000, "192.168.1.1",
                                                         102, fl); };
  const auto s = [](std::uint8_t fl) { return test::tcp("192.168.1.1", 102, "192.168.1.5",
                                                         51000, fl); };
  Flow* f = &t.track(c(kSyn), sec(1), 74).entry->flow;
  EXPECT_EQ(f->tcp_state, TcpState::SynSent);
  t.track(s(kSynAck), sec(1), 74);
  EXPECT_EQ(f->tcp_state, TcpState::SynReceived);
  t.track(c(kAck), sec(1), 66);
  EXPECT_EQ(f->tcp_state, TcpState::Established);
  t.track(c(kPshAck), sec(2), 100);
  t.track(s(kPshAck), sec(2), 200);
  t.track(c(kFinAck), sec(3), 66);
  EXPECT_EQ(f->tcp_state, TcpState::Closing);
  t.track(s(kFinAck), sec(3), 66);
  EXPECT_EQ(f->tcp_state, TcpState::Closed);
  EXPECT_EQ(f->tcp_flags[0], kSyn | kPshAck | kFinAck);
  EXPECT_EQ(f->tcp_flags[1], kSynAck | kPshAck | kFinAck);
  EXPECT_EQ(f->packets[0], 4U);
  EXPECT_EQ(f->packets[1], 3U);
  EXPECT_EQ(f->bytes[0], 74U + 66 + 100 + 66);
  EXPECT_EQ(t.counters().created, 1U);
}

TEST(FlowTable, VlanAndFamilySeparateFlows) {
  Table t(small());
  auto p = test::udp("10.0.0.1", 1000, "10.0.0.2", 2000);
  auto a = t.track(p, sec(1), 60);
  p.vlan = {100, 0};
  p.vlan_count = 1;
  auto b = t.track(p, sec(1), 60);
  EXPECT_TRUE(b.created);
  EXPECT_NE(a.entry, b.entry);
  EXPECT_EQ(b.entry->flow.vlan_count, 1);
  EXPECT_EQ(b.entry->flow.vlan[0], 100);
  auto c = t.track(test::udp("::1", 1000, "::2", 2000), sec(1), 80);
  EXPECT_TRUE(c.created);
  EXPECT_EQ(t.counters().active, 3U);
}

TEST(FlowTable, IcmpPairsOnAddressesOnly) {
  Table t(small());
  auto a = t.track(test::icmp("10.0.0.1", "10.0.0.2", 8), sec(1), 98);
  auto b = t.track(test::icmp("10.0.0.2", "10.0.0.1", 0), sec(1), 98);
  EXPECT_EQ(a.entry, b.entry);
  EXPECT_EQ(b.dir, Direction::ToClient);
  EXPECT_EQ(a.entry->flow.client_port, 0);
}

TEST(FlowTable, PortReuseAfterCloseStartsNewFlowAndReportsOld) {
  Table t(small());
  const auto c = [](std::uint8_t fl) { return test::tcp("10.0.0.2", 40000, "10.0.0.1", 502,
                                                         fl); };
  const auto s = [](std::uint8_t fl) { return test::tcp("10.0.0.1", 502, "10.0.0.2", 40000,
                                                         fl); };
  auto first = t.track(c(kSyn), sec(1), 60);
  first.entry->state.touched = 42;
  const std::uint64_t old_id = first.entry->flow.id;
  t.track(s(kRst | kAck), sec(1), 60);
  EXPECT_EQ(first.entry->flow.tcp_state, TcpState::Reset);
  // Retransmissions after the reset still belong to the old flow.
  auto late = t.track(c(kAck), sec(2), 60);
  EXPECT_FALSE(late.created);
  EXPECT_EQ(late.entry, first.entry);

  auto again = t.track(c(kSyn), sec(3), 60);
  ASSERT_NE(again.entry, nullptr);
  EXPECT_TRUE(again.created);
  EXPECT_NE(again.entry, first.entry);
  EXPECT_NE(again.entry->flow.id, old_id);
  EXPECT_EQ(again.entry->flow.tcp_state, TcpState::SynSent);
  EXPECT_EQ(again.entry->flow.packets[0], 1U);
  EXPECT_EQ(again.entry->state.touched, 0);
  EXPECT_EQ(t.counters().port_reused, 1U);
  EXPECT_EQ(t.counters().active, 2U);

  // The old flow is reported at the next expire, whatever the time.
  std::vector<Ended> ended;
  t.expire(sec(3), collect(ended));
  ASSERT_EQ(ended.size(), 1U);
  EXPECT_EQ(ended[0].flow.id, old_id);
  EXPECT_EQ(ended[0].why, EndReason::TcpClosed);
  EXPECT_EQ(ended[0].flow.packets[0], 2U);
  EXPECT_EQ(t.counters().active, 1U);
  // The new flow is the one packets now find.
  EXPECT_EQ(t.track(s(kSynAck), sec(3), 60).entry, again.entry);
}

TEST(FlowTable, SynOnOpenFlowIsARetransmission) {
  Table t(small());
  auto a = t.track(test::tcp("10.0.0.2", 40000, "10.0.0.1", 502, kSyn), sec(1), 60);
  auto b = t.track(test::tcp("10.0.0.2", 40000, "10.0.0.1", 502, kSyn), sec(2), 60);
  EXPECT_EQ(a.entry, b.entry);
  EXPECT_FALSE(b.created);
  EXPECT_EQ(t.counters().port_reused, 0U);
}

TEST(FlowTable, OverflowAtMaxFlowsIsCountedAndSlotsComeBack) {
  auto c = small(16);
  c.evict_when_full = false;  // flow_eviction_test.cpp covers a full table that evicts
  Table t(c);
  EXPECT_EQ(t.capacity(), 16U);
  for (std::uint16_t i = 0; i < 16; ++i) {
    ASSERT_NE(t.track(test::udp("10.0.0.1", static_cast<std::uint16_t>(1000 + i), "10.0.0.2",
                                53),
                      sec(1), 60)
                  .entry,
              nullptr);
  }
  auto miss = t.track(test::udp("10.0.0.1", 999, "10.0.0.2", 53), sec(2), 60);
  EXPECT_EQ(miss.entry, nullptr);
  EXPECT_FALSE(miss.created);
  // Known flows are still tracked while full.
  EXPECT_NE(t.track(test::udp("10.0.0.2", 53, "10.0.0.1", 1000), sec(2), 60).entry, nullptr);
  EXPECT_EQ(t.counters().overflow, 1U);
  EXPECT_EQ(t.counters().active, 16U);
  EXPECT_EQ(t.counters().peak, 16U);

  std::vector<Ended> ended;
  t.flush(EndReason::EndOfCapture, collect(ended));
  EXPECT_EQ(ended.size(), 16U);
  EXPECT_EQ(t.counters().active, 0U);
  auto after = t.track(test::udp("10.0.0.1", 999, "10.0.0.2", 53), sec(3), 60);
  EXPECT_NE(after.entry, nullptr);
  EXPECT_EQ(t.counters().peak, 16U);
}

TEST(FlowTable, ZeroCapacityTracksNothing) {
  Table t(small(0));
  EXPECT_EQ(t.track(test::udp("10.0.0.1", 1, "10.0.0.2", 2), sec(1), 60).entry, nullptr);
  EXPECT_EQ(t.counters().overflow, 1U);
  std::vector<Ended> ended;
  t.expire(sec(100000), collect(ended));
  t.flush(EndReason::EndOfCapture, collect(ended));
  EXPECT_TRUE(ended.empty());
}

TEST(FlowTable, FlushEndsEverythingOldestFirstAndStateIsResetOnReuse) {
  Table t(small(4));
  for (std::uint16_t i = 0; i < 4; ++i) {
    auto h = t.track(test::udp("10.0.0.1", static_cast<std::uint16_t>(100 + i), "10.0.0.2", 53),
                     sec(10 + i), 60);
    h.entry->state.touched = 7;
  }
  t.track(test::udp("10.0.0.1", 100, "10.0.0.2", 53), sec(20), 60);  // touch does not reorder
  std::vector<Ended> ended;
  t.flush(EndReason::EndOfCapture, collect(ended));
  ASSERT_EQ(ended.size(), 4U);
  for (std::uint16_t i = 0; i < 4; ++i) {
    EXPECT_EQ(ended[i].flow.client_port, 100 + i);
    EXPECT_EQ(ended[i].why, EndReason::EndOfCapture);
  }
  EXPECT_EQ(t.counters().ended, 4U);
  EXPECT_EQ(t.counters().created, 4U);
  for (std::uint16_t i = 0; i < 4; ++i) {
    auto h = t.track(test::udp("10.0.0.3", i, "10.0.0.4", 53), sec(30), 60);
    ASSERT_NE(h.entry, nullptr);
    EXPECT_EQ(h.entry->state.touched, 0);
    EXPECT_EQ(h.entry->flow.packets[1], 0U);
  }
}

TEST(FlowTable, LandPacketsDoNotConfuseDirections) {
  Table t(small());
  auto a = t.track(test::tcp("10.0.0.1", 80, "10.0.0.1", 80, kSyn), sec(1), 60);
  auto b = t.track(test::tcp("10.0.0.1", 80, "10.0.0.1", 80, kSyn), sec(1), 60);
  EXPECT_EQ(a.entry, b.entry);
  EXPECT_EQ(a.entry->flow.packets[0], 2U);
}

TEST(FlowTable, ManyFlowsAllFoundAgain) {
  Table t(small(4096));
  std::vector<Table::Entry*> entries;
  for (std::uint32_t i = 0; i < 4096; ++i) {
    auto p = test::udp("10.0.0.1", static_cast<std::uint16_t>(i), "10.0.0.2", 53);
    p.src = IpAddress::v4(0x0A000000U + (i % 7));
    entries.push_back(t.track(p, sec(1), 60).entry);
  }
  for (std::uint32_t i = 0; i < 4096; ++i) {
    auto p = test::udp("10.0.0.2", 53, "10.0.0.1", static_cast<std::uint16_t>(i));
    p.dst = IpAddress::v4(0x0A000000U + (i % 7));
    auto h = t.track(p, sec(2), 60);
    ASSERT_EQ(h.entry, entries[i]) << i;
    EXPECT_EQ(h.dir, Direction::ToClient);
  }
  EXPECT_EQ(t.counters().overflow, 0U);
}

TEST(FlowTable, TrackDoesNotAllocate) {
  Table t(small(1024));
  const auto tcp = test::tcp("10.0.0.1", 1, "10.0.0.2", 2, kSyn);
  g_allocations = 0;
  g_counting = true;
  std::size_t tracked = 0;
  for (std::uint16_t i = 0; i < 2000; ++i) {
    auto p = test::udp("10.0.0.1", i, "10.0.0.2", 53);
    tracked += t.track(p, sec(i), 60).entry != nullptr ? 1U : 0U;
    tracked += t.track(tcp, sec(i), 60).entry != nullptr ? 1U : 0U;
  }
  int ended = 0;
  t.expire(sec(5000), [&ended](Table::Entry&, EndReason) { ++ended; });
  g_counting = false;
  EXPECT_EQ(g_allocations, 0U);
  EXPECT_GT(tracked, 1024U);
  EXPECT_GT(ended, 0);
}

}  // namespace
}  // namespace limen::flow
