// evaluate() and evaluate_transaction() do not allocate once warm, conditions
// included: a regex allocates its thread's match scratch on that thread's first
// search, then never again.
// Global operator new is counted in this binary.
#include <gtest/gtest.h>

#include "tests/filters/condition_test_util.h"
#include "tests/support/counting_allocator.h"

namespace limen::rules {
namespace {

using dissect::Operation;

TEST(RulesConditionAlloc, EvaluatingTransactionsDoesNotAllocate) {
  const auto r = test::compile_with_schemas(
      "list writes 5, 6, 15-16\n"
      "deny 10 any -> plc if operation in {stop, firmware} or dnp3.function == "
      "cold_restart\n"
      "allow 20 vendor -> plc if operation == read and not "
      "modbus.function_code in $writes\n"
      "alert 30 any -> plc if modbus.registers in {100-199} or modbus.unit_id "
      "!= 0\n"
      "alert 40 any -> plc if mqtt.topic matches \"plant/*\" or mqtt.topic in "
      "{\"a\", \"b\"}\n"
      "alert 50 any -> plc if mqtt.topic ~ /^plant\\/line[0-9]+$/ or modbus.function ~ "
      "/^wr/\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(test::errors(r));
  const RuleProgram &p = *r.program;
  const FlowFacts f = test::tcp("192.168.50.7", "10.20.1.5", 502);
  std::vector<dissect::Transaction> ts;
  ts.push_back(test::modbus(3, "read", Operation::Read));
  ts.push_back(test::modbus(16, "write", Operation::Write));
  ts.back().append(test::kMbRegisters, 150);
  ts.push_back(test::dnp3(13, "cold_restart", Operation::Restart));
  ts.push_back(test::mqtt("plant/line1"));
  EXPECT_GT(limen::testing::allocations(), 0U); // the counter sees allocations (compiling made many)
  for (const auto &t : ts) // warm: this thread's regex scratch
    (void)p.evaluate_transaction(f, p.evaluate(f), t);
  const std::size_t before = limen::testing::allocations();
  std::size_t findings = 0;
  for (int i = 0; i < 100; ++i) {
    const Verdict v = p.evaluate(f);
    for (const auto &t : ts)
      findings += p.evaluate_transaction(f, v, t).count;
  }
  EXPECT_EQ(limen::testing::allocations() - before, 0U);
  // read: none; write: unauthorized + alert 30; dnp3: denied + unauthorized;
  // mqtt: unauthorized + alert 40 + alert 50; alert 50 on the write too.
  EXPECT_EQ(findings, 100U * 8U);
}

} // namespace
} // namespace limen::rules
