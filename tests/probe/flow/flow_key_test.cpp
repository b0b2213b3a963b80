// Flow keys: both directions normalise to one key (IPv4, IPv6, equal addresses), the outer VLAN
// separates flows, protocols without ports key on addresses, and flow ids stay JSON-safe.

#include "probe/flow/flow_key.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

#include "flow_test_util.h"

namespace limen::flow {
namespace {

using test::ip;

TEST(FlowKey, BothDirectionsGiveOneKeyV4) {
  const auto a = normalise(test::tcp("10.0.0.2", 40000, "10.0.0.1", 502, 0));
  const auto b = normalise(test::tcp("10.0.0.1", 502, "10.0.0.2", 40000, 0));
  EXPECT_EQ(a.key, b.key);
  EXPECT_FALSE(a.src_is_lo);
  EXPECT_TRUE(b.src_is_lo);
  EXPECT_EQ(a.key.lo_ip, ip("10.0.0.1"));
  EXPECT_EQ(a.key.lo_port, 502);
  EXPECT_EQ(a.key.hi_ip, ip("10.0.0.2"));
  EXPECT_EQ(a.key.hi_port, 40000);
  EXPECT_EQ(key_hash(a.key, 7), key_hash(b.key, 7));
}

TEST(FlowKey, BothDirectionsGiveOneKeyV6) {
  const auto a = normalise(test::udp("2001:db8::20", 5353, "2001:db8::3", 53));
  const auto b = normalise(test::udp("2001:db8::3", 53, "2001:db8::20", 5353));
  EXPECT_EQ(a.key, b.key);
  EXPECT_NE(a.src_is_lo, b.src_is_lo);
  EXPECT_EQ(a.key.lo_ip, ip("2001:db8::3"));
}

TEST(FlowKey, EqualAddressesOrderByPort) {
  const auto a = normalise(test::tcp("10.0.0.1", 9000, "10.0.0.1", 80, 0));
  const auto b = normalise(test::tcp("10.0.0.1", 80, "10.0.0.1", 9000, 0));
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.key.lo_port, 80);
  EXPECT_FALSE(a.src_is_lo);
  EXPECT_TRUE(b.src_is_lo);
}

TEST(FlowKey, OuterVlanSeparatesFlowsInnerDoesNot) {
  auto p = test::udp("10.0.0.1", 1000, "10.0.0.2", 2000);
  const auto untagged = normalise(p).key;
  p.vlan = {10, 20};
  p.vlan_count = 2;
  const auto tagged = normalise(p).key;
  p.vlan = {10, 30};
  const auto other_inner = normalise(p).key;
  p.vlan = {11, 20};
  const auto other_outer = normalise(p).key;
  EXPECT_EQ(tagged.vlan, 10);
  EXPECT_NE(untagged, tagged);
  EXPECT_EQ(tagged, other_inner);
  EXPECT_NE(tagged, other_outer);
}

TEST(FlowKey, PortsOnlyForTcpUdpSctp) {
  auto p = test::icmp("10.0.0.1", "10.0.0.2", 8);
  p.src_port = 77;  // whatever a decoder left there must not split ICMP flows
  const auto k = normalise(p).key;
  EXPECT_EQ(k.lo_port, 0);
  EXPECT_EQ(k.hi_port, 0);
  EXPECT_TRUE(has_ports(6));
  EXPECT_TRUE(has_ports(17));
  EXPECT_TRUE(has_ports(132));
  EXPECT_FALSE(has_ports(1));
  EXPECT_FALSE(has_ports(58));
  EXPECT_FALSE(has_ports(47));
}

TEST(FlowKey, ProtocolAndFamilySeparateKeys) {
  const auto t = normalise(test::tcp("10.0.0.1", 1, "10.0.0.2", 2, 0)).key;
  const auto u = normalise(test::udp("10.0.0.1", 1, "10.0.0.2", 2)).key;
  EXPECT_NE(t, u);
  EXPECT_NE(key_bytes(t), key_bytes(u));
  // ::a00:1 carries the same bytes as 10.0.0.1 in its last four; the family byte separates them.
  const auto v6 = normalise(test::tcp("::a00:1", 1, "::a00:2", 2, 0)).key;
  EXPECT_NE(key_bytes(t), key_bytes(v6));
}

TEST(FlowKey, HashDependsOnSeed) {
  const auto k = normalise(test::tcp("10.0.0.1", 1, "10.0.0.2", 2, 0)).key;
  EXPECT_NE(key_hash(k, 1), key_hash(k, 2));
}

TEST(FlowKey, FlowIdIsNonZeroBelow2Pow53AndDistinct) {
  std::set<std::uint64_t> ids;
  for (std::uint16_t port = 1; port <= 2000; ++port) {
    const auto k = normalise(test::udp("10.0.0.1", port, "10.0.0.2", 53)).key;
    for (std::uint64_t serial = 0; serial < 2; ++serial) {
      const auto id = make_flow_id(k, test::sec(100), serial);
      EXPECT_GT(id, 0U);
      EXPECT_LT(id, std::uint64_t{1} << 53);
      ids.insert(id);
    }
  }
  EXPECT_EQ(ids.size(), 4000U);
  const auto k = normalise(test::udp("10.0.0.1", 1, "10.0.0.2", 53)).key;
  EXPECT_EQ(make_flow_id(k, test::sec(5), 3), make_flow_id(k, test::sec(5), 3));  // replayable
  EXPECT_NE(make_flow_id(k, test::sec(5), 3), make_flow_id(k, test::sec(6), 3));
}

}  // namespace
}  // namespace limen::flow
