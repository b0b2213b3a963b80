// Addresses, prefix sets and the zone table: longest prefix wins, `except` makes holes.
#include <gtest/gtest.h>

#include "filters/address_set.h"
#include "tests/filters/rules_test_util.h"

namespace limen::rules {
namespace {

using test::ip;

Cidr cidr(std::string_view text) {
  const CidrParse p = parse_cidr(text);
  EXPECT_TRUE(p.ok) << text << ": " << p.error;
  return p.cidr;
}

TEST(RulesCidr, ParsesAddressesAndPrefixes) {
  EXPECT_EQ(cidr("10.0.0.0/8").length, 8);
  EXPECT_EQ(cidr("10.0.0.1").length, 32);
  EXPECT_EQ(cidr("fd00::/16").length, 16);
  EXPECT_EQ(cidr("::1").length, 128);
  EXPECT_EQ(cidr("0.0.0.0/0").to_string(), "0.0.0.0/0");
  EXPECT_EQ(cidr("fd00:20::/64").to_string(), "fd00:20::/64");
  EXPECT_TRUE(cidr("10.0.0.0/8").contains(ip("10.255.1.2")));
  EXPECT_FALSE(cidr("10.0.0.0/8").contains(ip("11.0.0.0")));
  EXPECT_FALSE(cidr("0.0.0.0/0").contains(ip("::1")));  // families never mix
  EXPECT_TRUE(cidr("10.0.0.0/8").contains(cidr("10.20.0.0/16")));
  EXPECT_FALSE(cidr("10.20.0.0/16").contains(cidr("10.0.0.0/8")));
}

TEST(RulesCidr, RejectsBadInput) {
  for (const char* bad : {"10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0/8", "1.2.3.4.5",
                          "fd00::/200", "10.0.0.1/31", "::1/64", "/8", "10.0.0.0/08000000000"}) {
    const CidrParse p = parse_cidr(bad);
    EXPECT_FALSE(p.ok) << bad;
    EXPECT_FALSE(p.error.empty()) << bad;
  }
}

TEST(RulesPrefixSet, MergedIntervalsAcrossFamilies) {
  PrefixSet s;
  for (const char* t : {"10.0.0.0/8", "10.1.0.0/16", "192.168.1.7", "fd00::/16", "::1"})
    s.add(cidr(t));
  s.finalize();
  EXPECT_EQ(s.interval_count(), 4U);  // 10.1/16 merged into 10/8
  EXPECT_TRUE(s.contains(ip("10.1.2.3")));
  EXPECT_TRUE(s.contains(ip("10.255.255.255")));
  EXPECT_FALSE(s.contains(ip("11.0.0.0")));
  EXPECT_TRUE(s.contains(ip("192.168.1.7")));
  EXPECT_FALSE(s.contains(ip("192.168.1.8")));
  EXPECT_TRUE(s.contains(ip("fd00:1234::1")));
  EXPECT_TRUE(s.contains(ip("::1")));
  EXPECT_FALSE(s.contains(ip("::2")));
  EXPECT_FALSE(s.contains(ip("0.0.0.1")));
  EXPECT_FALSE(s.contains(IpAddress()));
}

TEST(RulesZoneTable, LongestPrefixWithExceptV4AndV6) {
  ZoneTable t;
  t.add(cidr("10.0.0.0/8"), 0, false);      // corp
  t.add(cidr("10.20.0.0/16"), 0, true);     // corp except 10.20/16
  t.add(cidr("10.20.0.0/24"), 1, false);    // scada
  t.add(cidr("10.20.0.128/25"), 2, false);  // plc, inside scada
  t.add(cidr("0.0.0.0/0"), 3, false);       // internet
  t.add(cidr("fd00::/16"), 0, false);
  t.add(cidr("fd00:20::/48"), 0, true);
  t.add(cidr("fd00:20::/64"), 1, false);
  t.add(cidr("fd00:20::1"), 2, false);
  t.finalize();
  EXPECT_EQ(t.lookup(ip("10.1.2.3")), 0);
  EXPECT_EQ(t.lookup(ip("10.20.0.5")), 1);
  EXPECT_EQ(t.lookup(ip("10.20.0.200")), 2);
  EXPECT_EQ(t.lookup(ip("10.20.7.7")), 3);  // excepted from corp: the next zone containing it
  EXPECT_EQ(t.lookup(ip("8.8.8.8")), 3);
  EXPECT_EQ(t.lookup(ip("fd00:1::1")), 0);
  EXPECT_EQ(t.lookup(ip("fd00:20::2")), 1);
  EXPECT_EQ(t.lookup(ip("fd00:20::1")), 2);
  EXPECT_EQ(t.lookup(ip("fd00:20:0:1::1")), ZoneTable::kNone);  // excepted, no other zone
  EXPECT_EQ(t.lookup(ip("2001:db8::1")), ZoneTable::kNone);
  EXPECT_EQ(t.lookup(IpAddress()), ZoneTable::kNone);
}

TEST(RulesZoneTable, EmptyTable) {
  ZoneTable t;
  t.finalize();
  EXPECT_EQ(t.lookup(ip("1.2.3.4")), ZoneTable::kNone);
  EXPECT_EQ(t.lookup(ip("::1")), ZoneTable::kNone);
}

TEST(RulesZoneTable, ProgramZoneOf) {
  const auto r = test::compile(
      "zone plc_cell critical 10.20.1.0/24\n"
      "zone scada critical 10.20.0.0/24, fd00:20::/64\n"
      "zone historian other 10.30.5.10\n"
      "zone corp_it other 10.0.0.0/8, fd00::/16 except 10.20.0.0/16, fd00:20::/48\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(test::errors(r));
  const RuleProgram& p = *r.program;
  EXPECT_EQ(p.zone(p.zone_of(ip("10.20.1.9"))).name, "plc_cell");
  EXPECT_EQ(p.zone(p.zone_of(ip("10.20.0.9"))).name, "scada");
  EXPECT_EQ(p.zone(p.zone_of(ip("fd00:20::9"))).name, "scada");
  EXPECT_EQ(p.zone(p.zone_of(ip("10.30.5.10"))).name, "historian");
  EXPECT_EQ(p.zone(p.zone_of(ip("10.30.5.11"))).name, "corp_it");
  EXPECT_EQ(p.zone(p.zone_of(ip("fd00:99::1"))).name, "corp_it");
  EXPECT_EQ(p.zone_of(ip("10.20.2.1")), kNoZone);
  EXPECT_EQ(p.zone_of(ip("fd00:20:0:5::1")), kNoZone);
  EXPECT_EQ(p.zone_of(ip("172.16.0.1")), kNoZone);
}

}  // namespace
}  // namespace limen::rules
