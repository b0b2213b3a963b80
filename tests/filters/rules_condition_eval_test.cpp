// The three meanings of a condition: `allow ... if` (every transaction must
// satisfy it, or an unauthorized operation), `alert ... if` (a finding per
// matching transaction) and `deny ... if` (a denied operation per matching
// transaction), and their flow-level verdicts.
#include <gtest/gtest.h>

#include "tests/filters/condition_test_util.h"

namespace limen::rules {
namespace {

using dissect::Operation;
using test::tcp;

std::shared_ptr<const RuleProgram> program(std::string_view rules) {
  const auto r = test::compile_with_schemas(rules);
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(test::errors(r));
  return r.program;
}

TEST(RulesConditionEval, AllowIfGivesUnauthorizedOperation) {
  const auto p = program("allow 120 vendor -> plc tcp/502 modbus if "
                         "modbus.function_code in {1, 2, 3, 4} "
                         "\"vendor may only read\"\n");
  const FlowFacts f = tcp("192.168.50.7", "10.20.1.5", 502, "Modbus");
  const Verdict v = p->evaluate(f);
  EXPECT_EQ(
      v.decision,
      Decision::Allowed); // the condition takes no part in the flow decision
  ASSERT_NE(v.rule, nullptr);
  EXPECT_EQ(v.rule->id, 120U);
  EXPECT_EQ(v.conditional_count, 0U);

  TransactionVerdict tv =
      p->evaluate_transaction(f, v, test::modbus(3, "read_holding"));
  EXPECT_EQ(tv.count, 0U);
  tv = p->evaluate_transaction(
      f, v, test::modbus(16, "write_multiple", Operation::Write));
  ASSERT_EQ(tv.count, 1U);
  EXPECT_EQ(tv.findings[0].rule->id, 120U);
  EXPECT_EQ(tv.findings[0].kind, OperationFindingKind::UnauthorizedOperation);
  EXPECT_EQ(tv.findings[0].severity,
            Severity::High); // derived: a critical zone
  EXPECT_EQ(operation_finding_name(tv.findings[0].kind),
            "unauthorized operation");
  EXPECT_FALSE(tv.truncated);
  // A transaction of another protocol on that flow never satisfies a modbus
  // condition.
  tv = p->evaluate_transaction(f, v, test::dnp3(1, "read", Operation::Read));
  EXPECT_EQ(tv.count, 1U);
}

TEST(RulesConditionEval, AllowWithoutConditionJudgesNoTransaction) {
  const auto p = program("allow 100 scada -> plc tcp/502 modbus\n");
  const FlowFacts f = tcp("10.20.0.5", "10.20.1.5", 502, "Modbus");
  const Verdict v = p->evaluate(f);
  EXPECT_EQ(v.decision, Decision::Allowed);
  EXPECT_EQ(p->evaluate_transaction(
                 f, v, test::modbus(8, "diag", Operation::Diagnostic))
                .count,
            0U);
}

TEST(RulesConditionEval, AlertIfIsPerTransactionNotPerFlow) {
  const auto p = program("allow 100 scada -> plc tcp/502 modbus\n"
                         "alert 500 any -> plc modbus if modbus.function_code "
                         "in {5, 6, 15, 16} severity high "
                         "\"Modbus write\"\n"
                         "alert 510 any -> plc \"any flow to a PLC\"\n");
  const FlowFacts f = tcp("10.20.0.5", "10.20.1.5", 502, "Modbus");
  const Verdict v = p->evaluate(f);
  EXPECT_EQ(v.decision, Decision::Allowed);
  ASSERT_EQ(v.alert_count,
            1U); // only the alert without a condition is per flow
  EXPECT_EQ(v.alerts[0]->id, 510U);
  ASSERT_EQ(v.conditional_count, 1U);
  EXPECT_EQ(v.conditional[0]->id, 500U);

  EXPECT_EQ(p->evaluate_transaction(f, v, test::modbus(3, "read")).count, 0U);
  const auto tv =
      p->evaluate_transaction(f, v, test::modbus(6, "write", Operation::Write));
  ASSERT_EQ(tv.count, 1U);
  EXPECT_EQ(tv.findings[0].rule->id, 500U);
  EXPECT_EQ(tv.findings[0].kind, OperationFindingKind::Alert);
  EXPECT_EQ(tv.findings[0].severity, Severity::High);
}

TEST(RulesConditionEval, DenyIfDoesNotDenyTheFlow) {
  const auto p = program("deny 200 any -> plc if operation in {stop, program, "
                         "firmware} \"no PLC changes\"\n"
                         "allow 210 scada -> plc tcp/102\n");
  const FlowFacts f = tcp("10.20.0.5", "10.20.1.5", 102, "S7comm");
  const Verdict v = p->evaluate(f);
  // The conditional deny does not decide: the next rule allows the flow.
  EXPECT_EQ(v.decision, Decision::Allowed);
  EXPECT_EQ(v.rule->id, 210U);
  ASSERT_EQ(v.conditional_count, 1U);
  dissect::Transaction stop(dissect::Protocol::S7comm, {});
  stop.operation = Operation::Stop;
  auto tv = p->evaluate_transaction(f, v, stop);
  ASSERT_EQ(tv.count, 1U);
  EXPECT_EQ(tv.findings[0].rule->id, 200U);
  EXPECT_EQ(tv.findings[0].kind, OperationFindingKind::DeniedOperation);
  EXPECT_EQ(operation_finding_name(tv.findings[0].kind), "denied operation");
  dissect::Transaction read(dissect::Protocol::S7comm, {});
  read.operation = Operation::Read;
  EXPECT_EQ(p->evaluate_transaction(f, v, read).count, 0U);
  // With no allow after it, the flow falls to the default policy like any
  // undecided flow.
  const Verdict other = p->evaluate(tcp("192.168.50.7", "10.20.1.5", 102));
  EXPECT_EQ(other.decision, Decision::Unauthorized);
  EXPECT_EQ(other.conditional_count, 1U);
}

TEST(RulesConditionEval, ConditionalRulesWaitForTheFinalApp) {
  const auto p = program("alert 500 any -> plc modbus if operation == write\n");
  Verdict v = p->evaluate(tcp("10.20.0.5", "10.20.1.5", 502, "Modbus", false));
  EXPECT_TRUE(v.alerts_pending);
  EXPECT_EQ(v.conditional_count, 0U);
  v = p->evaluate(tcp("10.20.0.5", "10.20.1.5", 502, "Modbus", true));
  EXPECT_FALSE(v.alerts_pending);
  EXPECT_EQ(v.conditional_count, 1U);
  v = p->evaluate(tcp("10.20.0.5", "10.20.1.5", 502, "HTTP", true));
  EXPECT_EQ(v.conditional_count, 0U);
}

TEST(RulesConditionEval, AllThreeOnOneTransactionInOrder) {
  const auto p =
      program("deny 10 any -> plc if operation == write severity critical\n"
              "allow 20 vendor -> plc if operation == read\n"
              "alert 30 any -> plc if modbus.function_code == 6\n");
  const FlowFacts f = tcp("192.168.50.7", "10.20.1.5", 502);
  const Verdict v = p->evaluate(f);
  ASSERT_EQ(v.rule->id, 20U);
  const auto tv =
      p->evaluate_transaction(f, v, test::modbus(6, "write", Operation::Write));
  ASSERT_EQ(tv.count, 3U);
  EXPECT_EQ(tv.findings[0].kind, OperationFindingKind::UnauthorizedOperation);
  EXPECT_EQ(tv.findings[0].rule->id, 20U);
  EXPECT_EQ(tv.findings[1].kind, OperationFindingKind::DeniedOperation);
  EXPECT_EQ(tv.findings[1].severity, Severity::Critical);
  EXPECT_EQ(tv.findings[2].kind, OperationFindingKind::Alert);
  EXPECT_EQ(tv.findings[2].rule->id, 30U);
}

TEST(RulesConditionEval, TooManyConditionalRulesAreTruncated) {
  std::string rules;
  for (std::size_t i = 1; i <= kMaxAlertsPerFlow + 2; ++i)
    rules +=
        "alert " + std::to_string(i) + " any -> plc if operation == write\n";
  const auto p = program(rules);
  const FlowFacts f = tcp("10.20.0.5", "10.20.1.5", 502);
  const Verdict v = p->evaluate(f);
  EXPECT_EQ(v.conditional_count, kMaxAlertsPerFlow);
  EXPECT_TRUE(v.conditional_truncated);
  const auto tv =
      p->evaluate_transaction(f, v, test::modbus(6, "w", Operation::Write));
  EXPECT_EQ(tv.count, kMaxAlertsPerFlow);
  EXPECT_TRUE(tv.truncated);
}

} // namespace
} // namespace limen::rules
