// Every error message: exact text and line:col, one diagnostic per mistake.
#include <gtest/gtest.h>

#include "tests/filters/rules_test_util.h"

namespace limen::rules {
namespace {

using test::compile;
using test::errors;

struct ErrorCase {
  const char* name;
  const char* text;
  const char* expected;  // the one diagnostic
};

constexpr const char* kZones =
    "zone plc_cell critical 10.20.1.0/24\n"
    "zone scada critical 10.20.0.0/24\n";  // the case's text starts on line 3

class RulesErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RulesErrors, ExactlyOneDiagnostic) {
  const ErrorCase& c = GetParam();
  const auto r = compile(std::string(kZones) + c.text);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.program, nullptr);
  EXPECT_EQ(errors(r), std::vector<std::string>{c.expected});
}

const ErrorCase kCases[] = {
    {"UnknownZone", "allow 1 scada -> plc_cel tcp/502",
     "t.rules:3:18: unknown zone 'plc_cel' (did you mean 'plc_cell'?)"},
    {"UnknownZoneNoSuggestion", "allow 1 scada -> brewery", "t.rules:3:18: unknown zone 'brewery'"},
    {"ZoneWrittenLikeAList", "list jump 1.2.3.4\nallow 1 jump -> scada",
     "t.rules:4:9: unknown zone 'jump' (did you mean '$jump'?)"},
    {"UnknownList", "list vendor_hosts 1.2.3.4\nallow 1 $vendor_host -> scada",
     "t.rules:4:9: unknown list '$vendor_host' (did you mean '$vendor_hosts'?)"},
    {"ListWrittenLikeAZone", "allow 1 $scada -> scada",
     "t.rules:3:9: unknown list '$scada' (zones are written without '$': 'scada')"},
    {"UnknownApp", "allow 1 scada -> plc_cell tcp/502 modbsu",
     "t.rules:3:35: unknown application 'modbsu' (did you mean 'Modbus'?)"},
    {"UnknownAppNoSuggestion", "allow 1 scada -> plc_cell quake",
     "t.rules:3:27: unknown application 'quake'"},
    {"UnknownStatement", "alow 1 scada -> plc_cell",
     "t.rules:3:1: unknown statement 'alow' (did you mean 'allow'?)"},
    {"UnknownStatementNoSuggestion", "permit 1 scada -> plc_cell",
     "t.rules:3:1: unknown statement 'permit' (expected zone, list, allow, alert, deny, default "
     "or include)"},
    {"StatementStartsWithPunctuation", "-> scada",
     "t.rules:3:1: expected a statement (zone, list, allow, alert, deny, default or include), "
     "found '->'"},
    {"MissingArrow", "allow 1 scada plc_cell",
     "t.rules:3:15: expected '->' after the source, found 'plc_cell'"},
    {"MissingArrowAtEnd", "allow 1 scada", "t.rules:3:14: expected '->' after the source"},
    {"MissingDestination", "allow 1 scada ->",
     "t.rules:3:17: expected the destination (a zone, address, $list, any, '!' or '{...}')"},
    {"MissingId", "deny", "t.rules:3:5: expected a rule id after 'deny'"},
    {"BadId", "deny x1 scada -> any",
     "t.rules:3:6: rule id must be a whole number from 1 to 2147483647, found 'x1'"},
    {"IdZero", "deny 0 scada -> any",
     "t.rules:3:6: rule id must be a whole number from 1 to 2147483647, found '0'"},
    {"IdTooLarge", "deny 2147483648 scada -> any",
     "t.rules:3:6: rule id must be a whole number from 1 to 2147483647, found '2147483648'"},
    {"DuplicateId", "allow 5 scada -> plc_cell\ndeny 5 plc_cell -> any",
     "t.rules:4:6: rule id 5 is already used at t.rules:3"},
    {"DuplicateZone", "zone scada other 10.99.0.0/16",
     "t.rules:3:6: zone 'scada' is already defined at t.rules:2"},
    {"DuplicateList", "list a 1.1.1.1\nlist a 2.2.2.2",
     "t.rules:4:6: list 'a' is already defined at t.rules:3"},
    {"SamePrefixTwoZones", "zone other_scada other 10.20.0.0/24",
     "t.rules:3:24: 10.20.0.0/24 is already in zone 'scada' (t.rules:2)"},
    {"SamePrefixTwiceInZone", "zone z other 1.0.0.0/8, 1.0.0.0/8",
     "t.rules:3:25: 1.0.0.0/8 is listed twice in zone 'z'"},
    {"ExceptOutsideZone", "zone z other 1.0.0.0/8 except 2.0.0.0/8",
     "t.rules:3:31: except 2.0.0.0/8 is outside zone 'z'"},
    {"PrefixTooLong", "zone z other 10.0.0.1/33",
     "t.rules:3:23: prefix length '33' is out of range for IPv4 (0-32)"},
    {"PrefixTooLongV6", "zone z other fd00::/129",
     "t.rules:3:21: prefix length '129' is out of range for IPv6 (0-128)"},
    {"HostBitsSet", "zone z other 10.0.0.1/24",
     "t.rules:3:14: '10.0.0.1/24' has host bits set (did you mean '10.0.0.0/24'?)"},
    {"InvalidAddress", "allow 1 10.0.0.300 -> scada", "t.rules:3:9: invalid address '10.0.0.300'"},
    {"MissingCommaBetweenAddresses", "zone z other 1.0.0.0/8 2.0.0.0/8",
     "t.rules:3:24: unexpected '2.0.0.0/8' (separate addresses with ',')"},
    {"ZoneMissingAddresses", "zone z critical", "t.rules:3:16: expected an address or CIDR"},
    {"ZoneNameNotAnAddress", "zone z other scada",
     "t.rules:3:14: expected an address or CIDR, found 'scada'"},
    {"UnknownZoneKind", "zone z critcal 1.0.0.0/8",
     "t.rules:3:8: unknown zone kind 'critcal' (did you mean 'critical'?)"},
    {"UnknownZoneKindNoSuggestion", "zone z dmz 1.0.0.0/8",
     "t.rules:3:8: unknown zone kind 'dmz' (expected critical, third-party or other)"},
    {"ReservedZoneName", "zone any other 1.0.0.0/8",
     "t.rules:3:6: 'any' is a reserved word and cannot name a zone"},
    {"InvalidZoneName", "zone 9lives other 1.0.0.0/8",
     "t.rules:3:6: invalid zone name '9lives' (a name is a letter or '_', then letters, digits, "
     "'_' or '-')"},
    {"PortOutOfRange", "allow 1 scada -> plc_cell tcp/70000",
     "t.rules:3:31: port 70000 is out of range (0-65535)"},
    {"PortRangeEndOutOfRange", "allow 1 scada -> plc_cell udp/1024-65536",
     "t.rules:3:36: port 65536 is out of range (0-65535)"},
    {"ReversedPortRange", "allow 1 scada -> plc_cell udp/2000-1000",
     "t.rules:3:31: port range '2000-1000' is reversed (did you mean '1000-2000'?)"},
    {"ReversedPortRangeInSet", "allow 1 scada -> plc_cell tcp/{80, 9-8}",
     "t.rules:3:36: port range '9-8' is reversed (did you mean '8-9'?)"},
    {"InvalidPort", "allow 1 scada -> plc_cell tcp/http", "t.rules:3:31: invalid port 'http'"},
    {"PortsWithoutBraces", "allow 1 scada -> plc_cell tcp/80,443",
     "t.rules:3:33: several ports go in braces, e.g. tcp/{80,443}"},
    {"PortsWithIcmp", "allow 1 scada -> plc_cell icmp/8",
     "t.rules:3:27: ports need tcp or udp, not 'icmp'"},
    {"UnknownTransport", "allow 1 scada -> plc_cell tpc/502",
     "t.rules:3:27: unknown transport 'tpc' (did you mean 'tcp'?)"},
    {"UnclosedPortSet", "allow 1 scada -> plc_cell tcp/{80",
     "t.rules:3:34: expected ',' or '}' to continue the ports"},
    {"EmptyPortAfterSlash", "allow 1 scada -> plc_cell tcp/ modbus",
     "t.rules:3:31: expected a port, a port range or '{' after 'tcp/'"},
    {"TransportAfterApp", "allow 1 scada -> plc_cell modbus tcp/502",
     "t.rules:3:34: the transport 'tcp/502' goes before the application 'modbus'"},
    {"UnknownSeverity", "alert 1 any -> scada severity hgh",
     "t.rules:3:31: unknown severity 'hgh' (did you mean 'high'?)"},
    {"UnknownSeverityNoSuggestion", "alert 1 any -> scada severity urgent",
     "t.rules:3:31: unknown severity 'urgent' (expected low, medium, high or critical)"},
    {"MissingSeverity", "alert 1 any -> scada severity",
     "t.rules:3:30: expected low, medium, high or critical after 'severity'"},
    {"SeverityTwice", "alert 1 any -> scada severity low severity high",
     "t.rules:3:35: the rule already has a severity"},
    {"MessageTwice", "alert 1 any -> scada \"a\" \"b\"",
     "t.rules:3:26: the rule already has a message"},
    {"WordAfterMessage", "alert 1 any -> scada \"a\" extra",
     "t.rules:3:26: unexpected 'extra' in the rule"},
    {"Condition", "allow 120 any -> plc_cell tcp/502 modbus if operation == wrte \"ro\"",
     "t.rules:3:58: unknown operation 'wrte' (did you mean 'write'?)"},
    {"NotAny", "deny 1 !any -> scada", "t.rules:3:9: '!any' matches nothing"},
    {"NestedGroup", "deny 1 { scada, { plc_cell } } -> any",
     "t.rules:3:17: groups cannot be nested"},
    {"EmptyGroup", "deny 1 {} -> any", "t.rules:3:8: empty group '{}'"},
    {"UnclosedGroup", "deny 1 { scada plc_cell } -> any",
     "t.rules:3:16: expected ',' or '}' in the group, found 'plc_cell'"},
    {"DefaultAllow", "default allow",
     "t.rules:3:9: the default policy can only be 'deny', found 'allow'"},
    {"DefaultMissingDeny", "default", "t.rules:3:8: expected 'deny' after 'default'"},
    {"DefaultTwice", "default deny\ndefault deny severity high",
     "t.rules:4:9: the default policy is already set at t.rules:3"},
    {"DefaultTrailing", "default deny now",
     "t.rules:3:14: unexpected 'now' after the default policy"},
    {"UnterminatedString", "allow 1 scada -> plc_cell \"HMI polls",
     "t.rules:3:27: unterminated string (a string ends with '\"' on the same line)"},
    {"UnexpectedCharacter", "allow 1 scada -> plc_cell tcp/502 ;",
     "t.rules:3:35: unexpected character ';'"},
    {"IncludeWithoutQuotes", "include other.rules",
     "t.rules:3:9: expected a quoted file name after 'include', found 'other.rules'"},
    {"IncludeMissingFile", "include \"no/such/file.rules\"",
     "t.rules:3:9: cannot include 'no/such/file.rules': No such file or directory"},
    {"ListFileMissing", "list l file \"no/such/list.txt\"",
     "t.rules:3:13: cannot read list file 'no/such/list.txt': No such file or directory"},
    {"ListNotAnAddress", "list l $other",
     "t.rules:3:8: expected an address or CIDR, found '$other'"},
};

INSTANTIATE_TEST_SUITE_P(All, RulesErrors, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(RulesErrorsMany, ThreeMistakesThreeDiagnostics) {
  const auto r = compile(
      "zone plc_cell critical 10.20.1.0/24\n"
      "zone scada critical 10.20.0.0/33\n"    // bad prefix: scada is broken
      "allow 100 scada -> plc_cel tcp/502\n"  // plc_cel unknown; scada not re-reported
      "allow 110 scada -> plc_cell tcp/502 modbus\n"
      "deny 120 plc_cell any\n");  // '->' missing
  EXPECT_EQ(errors(r), (std::vector<std::string>{
                           "t.rules:2:31: prefix length '33' is out of range for IPv4 (0-32)",
                           "t.rules:3:20: unknown zone 'plc_cel' (did you mean 'plc_cell'?)",
                           "t.rules:5:19: expected '->' after the source, found 'any'"}));
}

TEST(RulesErrorsMany, AllErrorsInLineOrderAcrossPasses) {
  const auto r = compile(
      "allow 1 nowhere -> any\n"    // semantic (compiler pass)
      "zone z bogus 1.0.0.0/8\n"    // syntax (parser pass)
      "allow 1 any -> any \"x\n");  // lexical
  const auto e = errors(r);
  ASSERT_EQ(e.size(), 3U);
  EXPECT_EQ(e[0], "t.rules:1:9: unknown zone 'nowhere'");
  EXPECT_EQ(e[1],
            "t.rules:2:8: unknown zone kind 'bogus' (expected critical, third-party or other)");
  EXPECT_EQ(e[2], "t.rules:3:20: unterminated string (a string ends with '\"' on the same line)");
}

TEST(RulesErrorsMany, DiagnosticWithoutLine) {
  const Diagnostic d{"x.rules", 0, 0, "cannot open: nope"};
  EXPECT_EQ(d.to_string(), "x.rules: cannot open: nope");
}

}  // namespace
}  // namespace limen::rules
