// Conditions (`if ...`): parsing of every operator, precedence, value lists,
// evaluation against real dissect::Transaction objects built with fake schemas,
// and UintList/absent-field rules.
#include <gtest/gtest.h>

#include "filters/condition.h"
#include "tests/filters/condition_test_util.h"

namespace limen::rules {
namespace {

using dissect::Operation;
using test::compile_with_schemas;
using test::errors;

// The single conditional rule of `alert 1 any -> any if COND`, kept alive with
// its program.
struct Compiled {
  std::shared_ptr<const RuleProgram> program;
  const Rule *rule = nullptr;
};

Compiled cond(const std::string &condition, const std::string &lists = "") {
  const auto r =
      compile_with_schemas(lists + "alert 1 any -> any if " + condition + "\n");
  EXPECT_TRUE(r.ok()) << condition << ": "
                      << ::testing::PrintToString(errors(r));
  if (!r.ok())
    return {};
  return {r.program, r.program->find_rule(1)};
}

bool holds(const std::string &condition, const dissect::Transaction &t,
           const std::string &lists = "") {
  const Compiled c = cond(condition, lists);
  return c.rule != nullptr && c.rule->condition_holds(t);
}

TEST(RulesCondition, ComparisonOperatorsOnNumbers) {
  const auto t = test::modbus(16, "write_multiple_registers", Operation::Write);
  EXPECT_TRUE(holds("modbus.function_code == 16", t));
  EXPECT_TRUE(holds("modbus.function_code == 0x10", t));
  EXPECT_FALSE(holds("modbus.function_code == 15", t));
  EXPECT_TRUE(holds("modbus.function_code != 15", t));
  EXPECT_FALSE(holds("modbus.function_code != 16", t));
  EXPECT_TRUE(holds("modbus.function_code < 17", t));
  EXPECT_FALSE(holds("modbus.function_code < 16", t));
  EXPECT_TRUE(holds("modbus.function_code <= 16", t));
  EXPECT_FALSE(holds("modbus.function_code <= 15", t));
  EXPECT_TRUE(holds("modbus.function_code > 15", t));
  EXPECT_FALSE(holds("modbus.function_code > 16", t));
  EXPECT_TRUE(holds("modbus.function_code >= 16", t));
  EXPECT_FALSE(holds("modbus.function_code >= 17", t));
}

TEST(RulesCondition, SetsWithRangesAndLists) {
  const auto t = test::modbus(16, "write_multiple_registers", Operation::Write);
  EXPECT_TRUE(holds("modbus.function_code in {5, 6, 15, 16}", t));
  EXPECT_FALSE(holds("modbus.function_code in {1, 2, 3, 4}", t));
  EXPECT_TRUE(holds("modbus.function_code in {1-4, 0x0f-0x10}", t));
  EXPECT_FALSE(holds("modbus.function_code in {1-15, 17-20}", t));
  EXPECT_TRUE(
      holds("modbus.function_code in $writes", t, "list writes 5, 6, 15-16\n"));
  EXPECT_FALSE(holds("modbus.function_code in $reads", t, "list reads 1-4\n"));
  EXPECT_TRUE(
      holds("operation in $risky", t, "list risky write, program, stop\n"));
  EXPECT_TRUE(holds("modbus.function in $names", t,
                    "list names \"read_coils\", write_multiple_registers\n"));
}

TEST(RulesCondition, TextComparisonsRegexAndGlob) {
  const auto t = test::mqtt("plant/line1/Setpoint");
  EXPECT_TRUE(holds("mqtt.topic == \"plant/line1/Setpoint\"", t));
  EXPECT_FALSE(holds("mqtt.topic == \"plant/line1\"", t));
  EXPECT_TRUE(holds("mqtt.topic != \"plant\"", t));
  EXPECT_TRUE(holds("mqtt.topic in {\"a\", \"plant/line1/Setpoint\"}", t));
  EXPECT_FALSE(holds("mqtt.topic ~ /line[0-9]+\\/set/",
                     t)); // regexes are case-sensitive
  EXPECT_TRUE(
      holds("mqtt.topic ~ /line[0-9]+\\/Set/", t)); // search, unanchored
  EXPECT_FALSE(holds("mqtt.topic ~ /^line/", t));
  EXPECT_TRUE(
      holds("mqtt.topic matches \"plant/*/setpoint\"", t)); // glob ignores case
  EXPECT_TRUE(holds("mqtt.topic matches \"plant/line?/*\"", t));
  EXPECT_FALSE(holds("mqtt.topic matches \"*.example.org\"", t));
  const auto d = test::dnp3(13, "cold_restart", Operation::Restart);
  EXPECT_TRUE(holds("dnp3.function == cold_restart", d));
  EXPECT_FALSE(holds("dnp3.function == warm_restart", d));
}

TEST(RulesCondition, GlobMatching) {
  EXPECT_TRUE(glob_match("*.example.org", "www.Example.ORG"));
  EXPECT_FALSE(glob_match("*.example.org", "example.org"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYbZc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYYbZ"));
  EXPECT_TRUE(glob_match("??", "ab"));
  EXPECT_FALSE(glob_match("??", "abc"));
}

TEST(RulesCondition, OperationBoolAndSignedFields) {
  auto t = test::modbus(5, "write_single_coil", Operation::Write);
  t.set_bool(test::kMbException, true);
  t.set_int(test::kMbOffset, -5);
  EXPECT_TRUE(holds("operation == write", t));
  EXPECT_FALSE(holds("operation == read", t));
  EXPECT_TRUE(holds("operation != read", t));
  EXPECT_TRUE(holds("operation in {write, program, firmware, stop}", t));
  EXPECT_TRUE(holds("modbus.exception == true", t));
  EXPECT_FALSE(holds("modbus.exception == false", t));
  EXPECT_TRUE(holds("modbus.offset < 0", t));
  EXPECT_TRUE(holds("modbus.offset == -5", t));
  EXPECT_TRUE(holds("modbus.offset in {-10--3}", t));
  EXPECT_FALSE(holds("modbus.offset > -5", t));
}

TEST(RulesCondition, UintListMeansAnyElement) {
  dissect::Transaction t(dissect::Protocol::Modbus, test::kModbus);
  for (const std::uint64_t reg : {100U, 200U, 300U})
    t.append(test::kMbRegisters, reg);
  EXPECT_TRUE(holds("modbus.registers == 200", t));
  EXPECT_FALSE(holds("modbus.registers == 250", t));
  EXPECT_TRUE(holds("modbus.registers in {250-299, 300}", t));
  EXPECT_FALSE(holds("modbus.registers in {0-99, 301-400}", t));
  EXPECT_TRUE(holds("modbus.registers > 250", t)); // some element is
  EXPECT_FALSE(holds("modbus.registers > 300", t));
  EXPECT_TRUE(holds("modbus.registers != 250", t));  // no element equals 250
  EXPECT_FALSE(holds("modbus.registers != 200", t)); // one does
}

TEST(RulesCondition, AbsentFieldAndOtherProtocolNeverSatisfy) {
  const auto t = test::modbus(3, "read_holding_registers"); // no unit_id set
  EXPECT_FALSE(holds("modbus.unit_id == 1", t));
  EXPECT_FALSE(holds("modbus.unit_id != 1", t));
  EXPECT_TRUE(holds("not modbus.unit_id == 1", t));
  // A condition naming modbus fields is never met by a DNP3 transaction, even
  // through `not`.
  const auto d = test::dnp3(1, "read", Operation::Read);
  EXPECT_FALSE(holds("not modbus.function_code == 5", d));
  EXPECT_FALSE(holds("operation == read and not modbus.function_code == 5", d));
  // `operation` alone applies to every protocol.
  EXPECT_TRUE(holds("operation == read", d));
  // Naming two protocols lets a transaction of either satisfy it.
  EXPECT_TRUE(holds("modbus.function_code == 5 or dnp3.function == read", d));
}

TEST(RulesCondition, PrecedenceNotAndOr) {
  const auto t = test::modbus(
      3, "read_holding_registers"); // A true, B false, C true below
  const std::string a = "modbus.function_code == 3", b = "operation == write",
                    c = "modbus.function == read_holding_registers";
  // a or (b and not c) = true; (a or b) and not c would be false.
  EXPECT_TRUE(holds(a + " or " + b + " and not " + c, t));
  EXPECT_FALSE(holds("(" + a + " or " + b + ") and not " + c, t));
  // With a and b both false, (not b) and a is false while not (b and a) is
  // true.
  const auto w = test::modbus(6, "x", Operation::Read);
  EXPECT_FALSE(holds("not " + b + " and " + a, w)); // (not b) and a
  EXPECT_TRUE(holds("not (" + b + " and " + a + ")", w));
  EXPECT_TRUE(holds("not not " + a, t));
  EXPECT_TRUE(holds("((" + a + "))", t));
}

TEST(RulesCondition, SourceTextIsKeptNormalised) {
  const Compiled c =
      cond("( operation==write or modbus.function_code in{5 ,6} )and "
           "mqtt.topic ~ /a\\/b/ and not mqtt.topic matches \"x\"");
  ASSERT_NE(c.rule, nullptr);
  EXPECT_TRUE(c.rule->has_condition());
  EXPECT_EQ(c.rule->condition, "(operation == write or modbus.function_code in "
                               "{5, 6}) and mqtt.topic ~ /a\\/b/ "
                               "and not mqtt.topic matches \"x\"");
}

TEST(RulesCondition, OptionsAndMessageAfterTheCondition) {
  const auto r =
      compile_with_schemas("allow 120 vendor -> plc tcp/502 modbus if "
                           "operation == read severity high \"ro\"\n"
                           "alert 500 any -> plc modbus if "
                           "modbus.function_code in {5, 6} \"Modbus write\"\n"
                           "allow 130 scada -> plc if mqtt.topic == \"a b\" "
                           "\"quoted value, then message\"\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  const Rule *rule = r.program->find_rule(120);
  EXPECT_EQ(rule->app, "modbus");
  EXPECT_EQ(rule->transport.ip_proto, 6);
  EXPECT_EQ(rule->condition, "operation == read");
  EXPECT_EQ(rule->severity, Severity::High);
  EXPECT_EQ(rule->message, "ro");
  EXPECT_EQ(r.program->find_rule(500)->message, "Modbus write");
  EXPECT_EQ(r.program->find_rule(130)->message, "quoted value, then message");
  EXPECT_FALSE(r.program->find_rule(130)->condition.empty());
}

TEST(RulesCondition, OperationOnlyConditionsNeedNoSchemas) {
  const auto r = test::compile("zone a critical 10.0.0.0/8\nallow 1 any -> a "
                               "if operation in {read, diagnostic}\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  EXPECT_TRUE(r.program->find_rule(1)->condition_holds(
      test::dnp3(1, "read", Operation::Read)));
}

TEST(RulesCondition, AddressListsStillWorkBesideValueLists) {
  const auto r = compile_with_schemas(
      "list hosts 10.20.0.5, 10.20.0.6\nlist codes 1, 2\n"
      "allow 1 $hosts -> plc if modbus.function_code in $codes\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  const Verdict v =
      r.program->evaluate(test::tcp("10.20.0.5", "10.20.1.1", 502));
  EXPECT_EQ(v.decision, Decision::Allowed);
}

} // namespace
} // namespace limen::rules
