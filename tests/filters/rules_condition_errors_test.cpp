// Condition errors: each mistake gives exactly one diagnostic, with its exact
// text, at the line and column of the token at fault (rules are on line 5,
// after the four zones).
#include <gtest/gtest.h>

#include "filters/condition.h"
#include "tests/filters/condition_test_util.h"

namespace limen::rules {
namespace {

struct Case {
  const char *name;
  const char *rules;
  const char *expected;
};

class RulesConditionErrors : public ::testing::TestWithParam<Case> {};

TEST_P(RulesConditionErrors, ExactMessageAndPlace) {
  const auto r = test::compile_with_schemas(GetParam().rules);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(test::errors(r), std::vector<std::string>{GetParam().expected});
}

// Columns:
// 1234567890123456789012345678901234567890123456789012345678901234567890
const Case kCases[] = {
    {"UnknownField", "alert 1 any -> plc if modbus.fuction_code == 5",
     "t.rules:5:23: unknown field 'modbus.fuction_code' (did you mean "
     "'modbus.function_code'?)"},
    {"UnknownFieldNoSuggestion", "alert 1 any -> plc if modbus.colour == 5",
     "t.rules:5:23: unknown field 'modbus.colour'"},
    {"FieldOfNoDissector", "alert 1 any -> plc if bacnet.service == 5",
     "t.rules:5:23: no dissector publishes field 'bacnet.service'"},
    {"MisspeltOperationField", "alert 1 any -> plc if opration == read",
     "t.rules:5:23: unknown field 'opration' (did you mean 'operation'?)"},
    {"NumberFieldWithName",
     "alert 1 any -> plc if modbus.function_code == write_single_coil",
     "t.rules:5:47: modbus.function_code is a number; 'write_single_coil' is "
     "not (did you mean "
     "'modbus.function'?)"},
    {"NumberFieldWithString",
     "alert 1 any -> plc if modbus.unit_id in {1, \"two\"}",
     "t.rules:5:45: modbus.unit_id is a number; '\"two\"' is not (write a "
     "number such as 5 or "
     "0x05)"},
    {"TextFieldWithNumber", "alert 1 any -> plc if dnp3.function == 13",
     "t.rules:5:40: dnp3.function is text; '13' is a number (did you mean "
     "'dnp3.function_code'?)"},
    {"TextFieldWithNumberNoSibling", "alert 1 any -> plc if mqtt.topic == 7",
     "t.rules:5:37: mqtt.topic is text; '7' is a number (quote it to compare "
     "text: \"7\")"},
    {"OrderingOnText", "alert 1 any -> plc if mqtt.topic < \"b\"",
     "t.rules:5:34: '<' needs a number field; mqtt.topic is text"},
    {"OrderingOnOperation", "alert 1 any -> plc if operation >= read",
     "t.rules:5:33: '>=' needs a number field; operation is an operation"},
    {"RegexOnNumber", "alert 1 any -> plc if modbus.function_code ~ /1/",
     "t.rules:5:44: '~' needs a text field; modbus.function_code is a number"},
    {"BadRegex", "alert 1 any -> plc if mqtt.topic ~ /a(b/",
     "t.rules:5:36: invalid regular expression /a(b/: missing closing parenthesis (at byte 3 of "
     "the pattern)"},
    {"UnterminatedRegex", "alert 1 any -> plc if mqtt.topic ~ /abc",
     "t.rules:5:36: unterminated regular expression (it ends with '/' on the "
     "same line)"},
    {"RegexWithoutSlashes", "alert 1 any -> plc if mqtt.topic ~ \"abc\"",
     "t.rules:5:36: expected a regular expression /.../ after '~'"},
    {"GlobWithoutQuotes", "alert 1 any -> plc if mqtt.topic matches abc",
     "t.rules:5:42: expected a quoted pattern after 'matches', e.g. "
     "\"*.example.org\""},
    {"UnknownOperation", "alert 1 any -> plc if operation == wrte",
     "t.rules:5:36: unknown operation 'wrte' (did you mean 'write'?)"},
    {"UnknownOperationNoSuggestion",
     "alert 1 any -> plc if operation in {read, fly}",
     "t.rules:5:43: unknown operation 'fly' (expected read, write, control, "
     "program, firmware, "
     "restart, stop, start, file, diagnostic, auth, discovery, session, "
     "report)"},
    {"UnterminatedSet", "alert 1 any -> plc if operation in {read, write",
     "t.rules:5:48: expected ',' or '}' to continue the set"},
    {"SetMissingComma", "alert 1 any -> plc if operation in {read write}",
     "t.rules:5:42: expected ',' or '}' in the set, found 'write'"},
    {"EmptySet", "alert 1 any -> plc if operation in {}",
     "t.rules:5:36: empty set '{}'"},
    {"InWithoutSet", "alert 1 any -> plc if operation in read",
     "t.rules:5:36: expected '{' or a $list after 'in', found 'read'"},
    {"SetAfterEquals", "alert 1 any -> plc if operation == {read}",
     "t.rules:5:36: a set of values goes after 'in', not after '=='"},
    {"SingleEquals", "alert 1 any -> plc if operation = read",
     "t.rules:5:33: '=' is not an operator (did you mean '=='?)"},
    {"MissingOperator", "alert 1 any -> plc if operation",
     "t.rules:5:32: expected an operator (==, !=, <, <=, >, >=, in, ~ or "
     "matches) after "
     "'operation'"},
    {"MissingValue", "alert 1 any -> plc if operation ==",
     "t.rules:5:35: expected a value after '=='"},
    {"MissingCondition", "alert 1 any -> plc if",
     "t.rules:5:22: expected a condition after 'if'"},
    {"DanglingAnd", "alert 1 any -> plc if operation == read and",
     "t.rules:5:44: expected a comparison such as 'operation == read'"},
    {"UnclosedParen", "alert 1 any -> plc if (operation == read",
     "t.rules:5:41: expected ')' to close the '(' at column 23"},
    {"JunkAfterCondition",
     "alert 1 any -> plc if operation == read modbus.unit_id == 1",
     "t.rules:5:41: expected 'and', 'or', the options or the message after the "
     "condition, "
     "found 'modbus.unit_id'"},
    {"ReversedRange", "alert 1 any -> plc if modbus.unit_id in {9-2}",
     "t.rules:5:42: range '9-2' is reversed (did you mean '2-9'?)"},
    {"RangeOutsideSet", "alert 1 any -> plc if modbus.unit_id == 1-5",
     "t.rules:5:41: invalid number '1-5' for modbus.unit_id"},
    {"ConditionAfterMessage", "alert 1 any -> plc \"m\" if operation == read",
     "t.rules:5:24: the condition goes before the options and the message"},
    {"TwoConditions",
     "alert 1 any -> plc if operation == read severity low if operation == "
     "read",
     "t.rules:5:54: the rule already has a condition"},
    {"AppAfterCondition", "alert 1 any -> plc if operation == read modbus",
     "t.rules:5:41: expected 'and', 'or', the options or the message after the "
     "condition, "
     "found 'modbus'"},
    {"UnknownValueList",
     "list writes 5, 6\nalert 1 any -> plc if operation in $write",
     "t.rules:6:36: unknown list '$write' (did you mean '$writes'?)"},
    {"AddressListInCondition",
     "list h 10.0.0.1\nalert 1 any -> plc if operation in $h",
     "t.rules:6:36: '$h' is a list of addresses; a condition needs a list of "
     "values"},
    {"ValueListAsEndpoint", "list codes 1, 2\nalert 1 $codes -> plc",
     "t.rules:6:9: list '$codes' holds values, not addresses"},
    {"ValueListItemOfWrongType",
     "list codes 1, read\nalert 1 any -> plc if modbus.unit_id in $codes",
     "t.rules:5:15: modbus.unit_id is a number; 'read' is not (write a number "
     "such as 5 or 0x05)"},
    {"BoolWithWord", "alert 1 any -> plc if modbus.exception == yes",
     "t.rules:5:43: modbus.exception is true or false; found 'yes'"},
    {"FieldIsAKeyword", "alert 1 any -> plc if and == 1",
     "t.rules:5:23: expected a field name (such as operation or "
     "modbus.function_code) or '(', "
     "found 'and'"},
};

INSTANTIATE_TEST_SUITE_P(All, RulesConditionErrors, ::testing::ValuesIn(kCases),
                         [](const auto &p) {
                           return std::string(p.param.name);
                         });

TEST(RulesConditionErrorsMore, NoSchemasMeansNoProtocolFields) {
  const auto r = test::compile("zone plc critical 10.20.1.0/24\nalert 1 any -> "
                               "plc if modbus.function_code == 5\n");
  EXPECT_EQ(test::errors(r), std::vector<std::string>{
                                 "t.rules:2:23: no dissector publishes field "
                                 "'modbus.function_code'"});
}

TEST(RulesConditionErrorsMore, NestingIsBounded) {
  std::string deep;
  for (std::size_t i = 0; i < kMaxConditionDepth + 1; ++i)
    deep += "not ";
  const auto r = test::compile_with_schemas("alert 1 any -> plc if " + deep +
                                            "operation == read");
  const auto e = test::errors(r);
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0],
            "t.rules:5:" + std::to_string(23 + 4 * (kMaxConditionDepth - 1)) +
                ": the condition is nested too deeply (more than 32 levels)");
  // Just under the bound compiles.
  deep.resize(4 * (kMaxConditionDepth - 1));
  EXPECT_TRUE(test::compile_with_schemas("alert 1 any -> plc if " + deep +
                                         "operation == read")
                  .ok());
}

TEST(RulesConditionErrorsMore, RegexLengthIsBounded) {
  const std::string rule = "alert 1 any -> plc if mqtt.topic ~ /";
  EXPECT_TRUE(test::compile_with_schemas(rule + std::string(512, 'a') + "/").ok());
  EXPECT_EQ(test::errors(test::compile_with_schemas(rule + std::string(513, 'a') + "/")),
            std::vector<std::string>{"t.rules:5:36: regular expression longer than 512 bytes"});
}

TEST(RulesConditionErrorsMore, EveryBadComparisonIsReported) {
  const auto r = test::compile_with_schemas(
      "alert 1 any -> plc if modbus.fuction_code == 5 or operation == wrte\n"
      "alert 2 any -> plc if mqtt.topic ~ /(/\n");
  EXPECT_EQ(
      test::errors(r),
      (std::vector<std::string>{
          "t.rules:5:23: unknown field 'modbus.fuction_code' (did you mean "
          "'modbus.function_code'?)",
          "t.rules:5:64: unknown operation 'wrte' (did you mean 'write'?)",
          "t.rules:6:36: invalid regular expression /(/: missing closing "
          "parenthesis (at byte 1 of the pattern)"}));
}

} // namespace
} // namespace limen::rules
