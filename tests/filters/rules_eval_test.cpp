// Evaluation: boundary, first-match order, alerts, pending on the application, severities.
#include <gtest/gtest.h>

#include "tests/filters/rules_test_util.h"

namespace limen::rules {
namespace {

using test::tcp;

constexpr const char* kSite =
    "zone plc critical 10.20.1.0/24\n"
    "zone scada critical 10.20.0.0/24\n"
    "zone vendor third-party 192.168.50.0/24\n"
    "zone corp other 10.0.0.0/8 except 10.20.0.0/16\n";

std::shared_ptr<const RuleProgram> program(const std::string& rules) {
  const auto r = test::compile(std::string(kSite) + rules);
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(test::errors(r));
  return r.program;
}

TEST(RulesEval, BoundaryAndDefaultPolicy) {
  const auto p = program("");
  Verdict v = p->evaluate(tcp("10.20.0.5", "10.20.1.7", 502));
  EXPECT_TRUE(v.boundary);
  EXPECT_EQ(v.decision, Decision::Unauthorized);
  EXPECT_EQ(v.rule, nullptr);
  EXPECT_EQ(v.src_zone, 1);
  EXPECT_EQ(v.dst_zone, 0);
  v = p->evaluate(tcp("10.20.0.5", "10.20.0.6", 502));  // inside one zone
  EXPECT_FALSE(v.boundary);
  EXPECT_EQ(v.decision, Decision::NotReported);
  v = p->evaluate(tcp("8.8.8.8", "10.1.1.1", 80));  // no zone -> zone
  EXPECT_TRUE(v.boundary);
  EXPECT_EQ(v.decision, Decision::Unauthorized);
  v = p->evaluate(tcp("8.8.8.8", "9.9.9.9", 80));  // neither in a zone
  EXPECT_FALSE(v.boundary);
  EXPECT_EQ(v.decision, Decision::NotReported);
  v = p->evaluate(tcp("10.20.7.7", "10.20.8.8", 80));  // both excepted from corp: no zone
  EXPECT_FALSE(v.boundary);
}

TEST(RulesEval, FirstMatchingAllowOrDenyDecides) {
  const auto p = program(
      "allow 10 scada -> plc tcp/502\n"
      "deny 20 any -> plc\n"
      "allow 30 any -> plc tcp/502\n");
  Verdict v = p->evaluate(tcp("10.20.0.5", "10.20.1.7", 502));
  EXPECT_EQ(v.decision, Decision::Allowed);
  EXPECT_EQ(v.rule->id, 10U);
  v = p->evaluate(tcp("10.1.1.1", "10.20.1.7", 502));
  EXPECT_EQ(v.decision, Decision::Denied);
  EXPECT_EQ(v.rule->id, 20U);
  v = p->evaluate(tcp("10.20.0.5", "10.20.1.7", 503));
  EXPECT_EQ(v.rule->id, 20U);
  FlowFacts udp = tcp("10.20.0.5", "10.20.1.7", 502);
  udp.ip_proto = 17;
  EXPECT_EQ(p->evaluate(udp).rule->id, 20U);
}

TEST(RulesEval, AllowAppliesInsideAZoneToo) {
  const auto p = program("deny 1 scada -> scada tcp/23\n");
  const Verdict v = p->evaluate(tcp("10.20.0.5", "10.20.0.6", 23));
  EXPECT_FALSE(v.boundary);
  EXPECT_EQ(v.decision, Decision::Denied);
}

TEST(RulesEval, AlertsCollectedBesideTheDecision) {
  const auto p = program(
      "alert 1 any -> plc severity critical\n"
      "allow 2 scada -> plc\n"
      "alert 3 scada -> any tcp/502\n"
      "alert 4 vendor -> any\n");
  const Verdict v = p->evaluate(tcp("10.20.0.5", "10.20.1.7", 502));
  EXPECT_EQ(v.decision, Decision::Allowed);
  ASSERT_EQ(v.alert_count, 2U);
  EXPECT_EQ(v.alerts[0]->id, 1U);
  EXPECT_EQ(v.alert_severity[0], Severity::Critical);
  EXPECT_EQ(v.alerts[1]->id, 3U);
  EXPECT_EQ(v.alert_severity[1], Severity::High);  // derived: critical zones
  EXPECT_FALSE(v.alerts_truncated);
  const Verdict inside = p->evaluate(tcp("10.20.0.5", "10.20.0.6", 502));  // not boundary
  EXPECT_EQ(inside.alert_count, 1U);
  EXPECT_EQ(inside.decision, Decision::NotReported);
}

TEST(RulesEval, AlertsTruncatedAtTheLimit) {
  std::string rules;
  for (int i = 1; i <= 20; ++i) rules += "alert " + std::to_string(i) + " any -> any\n";
  const auto p = program(rules);
  const Verdict v = p->evaluate(tcp("1.1.1.1", "2.2.2.2", 1));
  EXPECT_EQ(v.alert_count, kMaxAlertsPerFlow);
  EXPECT_TRUE(v.alerts_truncated);
  EXPECT_EQ(v.alerts[kMaxAlertsPerFlow - 1]->id, 16U);
}

TEST(RulesEval, PendingUntilTheAppIsFinal) {
  const auto p = program(
      "allow 1 scada -> plc tcp/502 modbus\n"
      "deny 2 scada -> plc\n"
      "alert 3 any -> plc ssh\n");
  Verdict v = p->evaluate(tcp("10.20.0.5", "10.20.1.7", 502, "", false));
  EXPECT_TRUE(v.pending);
  EXPECT_EQ(v.decision, Decision::NotReported);
  EXPECT_EQ(v.rule, nullptr);
  EXPECT_TRUE(v.alerts_pending);
  EXPECT_EQ(v.alert_count, 0U);
  v = p->evaluate(tcp("10.20.0.5", "10.20.1.7", 502, "MODBUS", true));
  EXPECT_FALSE(v.pending);
  EXPECT_EQ(v.decision, Decision::Allowed);
  v = p->evaluate(tcp("10.20.0.5", "10.20.1.7", 502, "", true));  // unknown at flow end
  EXPECT_EQ(v.decision, Decision::Denied);
  EXPECT_EQ(v.rule->id, 2U);
  v = p->evaluate(tcp("10.20.0.5", "10.20.1.7", 502, "SSH", true));
  EXPECT_EQ(v.decision, Decision::Denied);
  ASSERT_EQ(v.alert_count, 1U);
  EXPECT_FALSE(v.alerts_pending);
  // A port the app rule cannot match: decided at once, no waiting.
  v = p->evaluate(tcp("10.20.0.5", "10.20.1.7", 80, "", false));
  EXPECT_FALSE(v.pending);
  EXPECT_EQ(v.decision, Decision::Denied);
}

TEST(RulesEval, DecisionBeforeAnAppRuleIsNotPending) {
  const auto p = program("deny 1 scada -> plc\nallow 2 scada -> plc modbus\n");
  const Verdict v = p->evaluate(tcp("10.20.0.5", "10.20.1.7", 502, "", false));
  EXPECT_FALSE(v.pending);
  EXPECT_EQ(v.decision, Decision::Denied);
}

TEST(RulesEval, SeverityDerivedFromZones) {
  const auto p = program(
      "deny 1 vendor -> corp\ndeny 2 corp -> any\n"
      "deny 4 vendor -> plc severity low\ndeny 3 any -> plc\n");
  EXPECT_EQ(p->evaluate(tcp("192.168.50.1", "10.1.1.1", 1)).severity, Severity::Medium);
  EXPECT_EQ(p->evaluate(tcp("10.1.1.1", "8.8.8.8", 1)).severity, Severity::Low);
  EXPECT_EQ(p->evaluate(tcp("8.8.8.8", "10.20.1.1", 1)).severity, Severity::High);
  EXPECT_EQ(p->evaluate(tcp("192.168.50.1", "10.20.1.1", 1)).severity, Severity::Low);
  EXPECT_EQ(p->zone_severity(kNoZone, kNoZone), Severity::Low);
  EXPECT_EQ(p->zone_severity(2, kNoZone), Severity::Medium);
}

TEST(RulesEval, UnauthorizedSeverity) {
  auto p = program("");
  EXPECT_EQ(p->evaluate(tcp("192.168.50.1", "10.1.1.1", 1)).severity, Severity::Medium);
  EXPECT_EQ(p->evaluate(tcp("192.168.50.1", "10.20.1.1", 1)).severity, Severity::High);
  p = program("default deny severity critical\n");
  EXPECT_EQ(p->evaluate(tcp("192.168.50.1", "10.1.1.1", 1)).severity, Severity::Critical);
  EXPECT_EQ(severity_name(Severity::Critical), "critical");
}

TEST(RulesEval, IcmpAndAnyTransport) {
  const auto p = program("deny 1 any -> scada icmp\nallow 2 any -> scada any\n");
  FlowFacts ping = tcp("10.1.1.1", "10.20.0.1", 0);
  ping.ip_proto = 1;
  EXPECT_EQ(p->evaluate(ping).rule->id, 1U);
  EXPECT_EQ(p->evaluate(tcp("10.1.1.1", "10.20.0.1", 443)).rule->id, 2U);
}

}  // namespace
}  // namespace limen::rules
