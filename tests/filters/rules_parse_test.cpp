// Every statement parsed and compiled: what ends up in the program.
#include <gtest/gtest.h>

#include "tests/filters/rules_test_util.h"

namespace limen::rules {
namespace {

using test::compile;
using test::errors;

TEST(RulesParse, ZoneWithKindsAddressesAndExcept) {
  const auto r = compile(
      "zone a critical 10.0.0.0/8, fd00::/16 except 10.1.0.0/16\n"
      "zone b third-party 192.168.1.1\n"
      "zone c other ::1\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  const auto zones = r.program->zones();
  ASSERT_EQ(zones.size(), 3U);
  EXPECT_EQ(zones[0].name, "a");
  EXPECT_EQ(zones[0].kind, ZoneKind::Critical);
  ASSERT_EQ(zones[0].addresses.size(), 2U);
  EXPECT_EQ(zones[0].addresses[1].to_string(), "fd00::/16");
  ASSERT_EQ(zones[0].excepts.size(), 1U);
  EXPECT_EQ(zones[0].excepts[0].to_string(), "10.1.0.0/16");
  EXPECT_EQ(zones[0].location, "t.rules:1");
  EXPECT_EQ(zones[1].kind, ZoneKind::ThirdParty);
  EXPECT_EQ(zones[1].addresses[0].to_string(), "192.168.1.1");
  EXPECT_EQ(zones[2].kind, ZoneKind::Other);
  EXPECT_EQ(zone_kind_name(zones[1].kind), "third-party");
}

TEST(RulesParse, RuleFields) {
  const auto r = compile(
      "zone s critical 10.0.0.0/24\nzone p critical 10.0.1.0/24\n"
      "allow 100 s -> p tcp/502 Modbus severity critical \"HMI to PLC\"\n"
      "deny 7 p -> any \"never\" severity low\n"
      "alert 8 any -> !p udp/{53,1024-65535,80}\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  const auto rules = r.program->rules();
  ASSERT_EQ(rules.size(), 3U);
  const Rule& a = rules[0];
  EXPECT_EQ(a.id, 100U);
  EXPECT_EQ(a.action, Action::Allow);
  EXPECT_EQ(a.app, "modbus");
  EXPECT_TRUE(a.severity_explicit);
  EXPECT_EQ(a.severity, Severity::Critical);
  EXPECT_EQ(a.message, "HMI to PLC");
  EXPECT_EQ(a.location, "t.rules:3");
  EXPECT_EQ(a.transport.ip_proto, 6);
  ASSERT_EQ(a.transport.ports.size(), 1U);
  EXPECT_EQ(a.transport.ports[0].first, 502);
  EXPECT_EQ(rules[1].message, "never");  // message and options in either order
  EXPECT_EQ(rules[1].severity, Severity::Low);
  const Rule& c = rules[2];
  EXPECT_FALSE(c.severity_explicit);
  EXPECT_EQ(c.transport.ip_proto, 17);
  ASSERT_EQ(c.transport.ports.size(), 3U);  // sorted by first port
  EXPECT_EQ(c.transport.ports[0].first, 53);
  EXPECT_EQ(c.transport.ports[1].first, 80);
  EXPECT_EQ(c.transport.ports[2].last, 65535);
  EXPECT_TRUE(c.transport.matches(17, 2000));
  EXPECT_FALSE(c.transport.matches(17, 443));
  EXPECT_FALSE(c.transport.matches(6, 53));
  EXPECT_EQ(action_name(c.action), "alert");
}

TEST(RulesParse, TransportsWithoutPorts) {
  const auto r = compile(
      "allow 1 any -> any icmp\nallow 2 any -> any icmp6\nallow 3 any -> any any\n"
      "allow 4 any -> any tcp\nallow 5 any -> any ssh\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  const auto rules = r.program->rules();
  EXPECT_EQ(rules[0].transport.ip_proto, 1);
  EXPECT_EQ(rules[1].transport.ip_proto, 58);
  EXPECT_EQ(rules[2].transport.ip_proto, 0);
  EXPECT_EQ(rules[3].transport.ip_proto, 6);
  EXPECT_TRUE(rules[3].transport.ports.empty());
  EXPECT_EQ(rules[4].transport.ip_proto, 0);
  EXPECT_EQ(rules[4].app, "ssh");
}

TEST(RulesParse, ListsAndEndpointsResolveInAnyOrder) {
  const auto r = compile(
      "allow 1 $l -> { z, 10.9.0.0/16, !$l } tcp\n"
      "list l 10.1.0.0/16, 10.2.0.1\nzone z other 10.3.0.0/16\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  const Rule& rule = r.program->rules()[0];
  EXPECT_TRUE(rule.src.matches(test::ip("10.2.0.1"), kNoZone));
  EXPECT_FALSE(rule.src.matches(test::ip("10.2.0.2"), kNoZone));
  ASSERT_EQ(rule.dst.terms.size(), 3U);
  EXPECT_TRUE(rule.dst.matches(test::ip("10.3.0.1"), 0));
  EXPECT_TRUE(rule.dst.matches(test::ip("10.9.1.1"), kNoZone));
  EXPECT_TRUE(rule.dst.matches(test::ip("8.8.8.8"), kNoZone));  // !$l
  EXPECT_FALSE(rule.dst.matches(test::ip("10.1.2.3"), kNoZone));
}

TEST(RulesParse, NegatedGroup) {
  const auto r =
      compile("zone a other 10.0.0.0/8\nzone b other 11.0.0.0/8\nallow 1 !{a, b} -> any\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  const Endpoint& src = r.program->rules()[0].src;
  EXPECT_FALSE(src.matches(test::ip("10.0.0.1"), 0));
  EXPECT_FALSE(src.matches(test::ip("11.0.0.1"), 1));
  EXPECT_TRUE(src.matches(test::ip("12.0.0.1"), kNoZone));
}

TEST(RulesParse, DefaultDenyAndSummary) {
  const auto r = compile(
      "zone a critical 10.0.0.0/8\nzone b critical 11.0.0.0/8\nzone c third-party 12.0.0.0/8\n"
      "zone d other 13.0.0.0/8\n"
      "allow 1 a -> b\nallow 2 b -> a\nalert 3 any -> a\ndeny 4 c -> a\n"
      "default deny severity medium\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  EXPECT_TRUE(r.program->default_severity_explicit());
  EXPECT_EQ(r.program->default_severity(), Severity::Medium);
  EXPECT_EQ(r.program->summary(),
            "4 zones (2 critical, 1 third-party, 1 other), 4 rules (2 allow, 1 alert, 1 deny), "
            "default deny severity medium");
  const auto plain = compile("zone a other 1.0.0.0/8\nallow 1 a -> any\ndefault deny\n");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain.program->default_severity_explicit());
  EXPECT_EQ(plain.program->summary(),
            "1 zone (0 critical, 0 third-party, 1 other), 1 rule (1 allow, 0 alert, 0 deny), "
            "default deny severity from zones");
}

TEST(RulesParse, EmptyTextIsAnEmptyProgram) {
  const auto r = compile("# nothing yet\n\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.program->zones().empty());
  EXPECT_TRUE(r.program->rules().empty());
}

TEST(RulesParse, AnyAppAcceptedWithoutAKnownList) {
  const auto r = compile_text("allow 1 any -> any whatever_proto\n", "t.rules");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.program->rules()[0].app, "whatever_proto");
}

TEST(RulesParse, FindRule) {
  const auto r = compile("allow 5 any -> any\nallow 9 any -> any\n");
  ASSERT_TRUE(r.ok());
  ASSERT_NE(r.program->find_rule(9), nullptr);
  EXPECT_EQ(r.program->find_rule(9)->location, "t.rules:2");
  EXPECT_EQ(r.program->find_rule(6), nullptr);
}

}  // namespace
}  // namespace limen::rules
