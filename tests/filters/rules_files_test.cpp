// Files: the example site, includes (relative paths, cycles, depth, repeats), list files, and
// the `rules check` entry point.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/filters/rules_test_util.h"
#include "tests/support/test_paths.h"

namespace limen::rules {
namespace {

namespace fs = std::filesystem;
using test::errors;
using test::tcp;

const fs::path kData = LIMEN_RULES_DATA_DIR;

void write(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(RulesFiles, SiteExampleCompilesAndBehaves) {
  const auto r = compile_file(kData / "site.rules", test::options());
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  const RuleProgram& p = *r.program;
  EXPECT_EQ(p.summary(),
            "5 zones (2 critical, 1 third-party, 2 other), 9 rules (5 allow, 2 alert, 2 deny), "
            "default deny severity medium");
  // Zones come from the included file, in its order, with its locations.
  EXPECT_EQ(p.zones()[0].name, "plc_cell");
  EXPECT_EQ(p.zones()[0].location, (kData / "zones.rules").string() + ":2");
  EXPECT_EQ(p.rules()[0].location, (kData / "site.rules").string() + ":10");
  Verdict v = p.evaluate(tcp("10.20.0.5", "10.20.1.7", 502, "Modbus"));
  EXPECT_EQ(v.decision, Decision::Allowed);
  EXPECT_EQ(v.rule->id, 100U);
  ASSERT_EQ(v.alert_count, 1U);
  EXPECT_EQ(v.alerts[0]->id, 500U);
  v = p.evaluate(tcp("192.168.50.11", "10.20.0.9", 22, "SSH"));  // from the list file
  EXPECT_EQ(v.rule->id, 110U);
  v = p.evaluate(tcp("192.168.50.12", "10.20.0.9", 22, "SSH"));  // not a jump host
  EXPECT_EQ(v.decision, Decision::Unauthorized);
  EXPECT_EQ(v.severity, Severity::Medium);
  v = p.evaluate(tcp("10.20.1.7", "8.8.8.8", 443, "TLS"));
  EXPECT_EQ(v.rule->id, 900U);
  v = p.evaluate(tcp("10.20.1.7", "10.30.5.10", 8080, "TLS"));  // the group source, port range
  EXPECT_EQ(v.rule->id, 150U);
  v = p.evaluate(tcp("192.168.50.3", "10.1.2.3", 80, "HTTP"));  // vendor -> !scada
  ASSERT_EQ(v.alert_count, 1U);
  EXPECT_EQ(v.alerts[0]->id, 510U);
  EXPECT_EQ(v.alert_severity[0], Severity::Medium);
}

TEST(RulesFiles, IncludesResolveRelativeToTheIncludingFile) {
  const fs::path dir = testing::make_temp_dir("rules_include");
  write(dir / "site.rules", "include \"sub/zones.rules\"\nallow 1 a -> b\n");
  write(dir / "sub/zones.rules", "include \"more/b.rules\"\nzone a other 1.0.0.0/8\n");
  write(dir / "sub/more/b.rules", "zone b other 2.0.0.0/8\nlist l file \"l.txt\"\n");
  write(dir / "sub/more/l.txt", "3.0.0.0/8\n");
  const auto r = compile_file(dir / "site.rules");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errors(r));
  EXPECT_EQ(r.program->zones()[0].name, "b");  // expanded in place, before zone a
  EXPECT_EQ(r.program->zones()[0].location, (dir / "sub/more/b.rules").string() + ":1");
  fs::remove_all(dir);
}

TEST(RulesFiles, IncludeCycleIsAnError) {
  const fs::path dir = testing::make_temp_dir("rules_cycle");
  write(dir / "a.rules", "include \"b.rules\"\n");
  write(dir / "b.rules", "zone z other 1.0.0.0/8\ninclude \"a.rules\"\n");
  const std::string a = (dir / "a.rules").string(), b = (dir / "b.rules").string();
  const auto r = compile_file(dir / "a.rules");
  EXPECT_EQ(errors(r),
            std::vector<std::string>{b + ":2:9: include cycle: " + a + " -> " + b + " -> " + a});
  const auto self = compile_text("include \"" + b + "\"\n", "top.rules");  // cycle below the top
  ASSERT_EQ(self.diagnostics.size(), 1U);
  EXPECT_EQ(self.diagnostics[0].file, a);
  fs::remove_all(dir);
}

TEST(RulesFiles, IncludedTwiceIsAnError) {
  const fs::path dir = testing::make_temp_dir("rules_twice");
  write(dir / "top.rules", "include \"z.rules\"\ninclude \"./z.rules\"\n");
  write(dir / "z.rules", "zone z other 1.0.0.0/8\n");
  const auto r = compile_file(dir / "top.rules");
  const std::string top = (dir / "top.rules").string();
  EXPECT_EQ(errors(r), std::vector<std::string>{top + ":2:9: '" + (dir / "z.rules").string() +
                                                "' is already included at " + top + ":1"});
  fs::remove_all(dir);
}

TEST(RulesFiles, IncludeDepthLimit) {
  const fs::path dir = testing::make_temp_dir("rules_depth");
  for (int i = 0; i < 18; ++i)
    write(dir / ("f" + std::to_string(i) + ".rules"),
          "include \"f" + std::to_string(i + 1) + ".rules\"\n");
  write(dir / "f18.rules", "");
  const auto r = compile_file(dir / "f0.rules");
  EXPECT_EQ(errors(r), std::vector<std::string>{(dir / "f16.rules").string() +
                                                ":1:9: includes are nested more than 16 deep"});
  // Exactly 16 levels are fine.
  write(dir / "f16.rules", "");
  EXPECT_TRUE(compile_file(dir / "f0.rules").ok());
  fs::remove_all(dir);
}

TEST(RulesFiles, ErrorsInIncludedFilesNameThatFile) {
  const fs::path dir = testing::make_temp_dir("rules_inc_err");
  write(dir / "top.rules", "include \"z.rules\"\nallow 1 scda -> any\n");
  write(dir / "z.rules", "zone scada critical 10.0.0.0/33\nzone plc critical 10.1.0.0/16\n");
  const auto r = compile_file(dir / "top.rules");
  // A broken zone still serves as a suggestion.
  EXPECT_EQ(
      errors(r),
      (std::vector<std::string>{
          (dir / "z.rules").string() + ":1:30: prefix length '33' is out of range for IPv4 (0-32)",
          (dir / "top.rules").string() + ":2:9: unknown zone 'scda' (did you mean 'scada'?)"}));
  fs::remove_all(dir);
}

TEST(RulesFiles, ListFileErrorsPointIntoTheListFile) {
  const fs::path dir = testing::make_temp_dir("rules_list");
  write(dir / "top.rules", "list l file \"l.txt\"\nallow 1 $l -> any\n");
  write(dir / "l.txt", "# hosts\n10.0.0.1\n  10.0.0.300  # typo\n10.0.0.2 10.0.0.3\n\n");
  const auto r = compile_file(dir / "top.rules");
  const std::string l = (dir / "l.txt").string();
  EXPECT_EQ(errors(r), (std::vector<std::string>{l + ":3:3: invalid address '10.0.0.300'",
                                                 l + ":4:10: expected one address per line"}));
  fs::remove_all(dir);
}

TEST(RulesFiles, MissingAndUnreadableFiles) {
  const fs::path dir = testing::make_temp_dir("rules_missing");
  auto r = compile_file(dir / "nope.rules");
  EXPECT_EQ(errors(r), std::vector<std::string>{(dir / "nope.rules").string() +
                                                ": No such file or directory"});
  r = compile_file(dir);
  EXPECT_EQ(errors(r), std::vector<std::string>{dir.string() + ": it is a directory"});
  fs::remove_all(dir);
}

TEST(RulesFiles, RunRulesCheck) {
  std::ostringstream out, err;
  EXPECT_EQ(run_rules_check(kData / "site.rules", test::options(), out, err), 0);
  EXPECT_EQ(out.str(), (kData / "site.rules").string() +
                           ": OK, 5 zones (2 critical, 1 third-party, 2 other), 9 rules (5 allow, "
                           "2 alert, 2 deny), default deny severity medium\n");
  EXPECT_EQ(err.str(), "");
  const fs::path dir = testing::make_temp_dir("rules_check");
  write(dir / "bad.rules", "zone a other 1.0.0.0/8\nallow 1 a -> b\nallow 1 a -> a\n");
  std::ostringstream out2, err2;
  EXPECT_EQ(run_rules_check(dir / "bad.rules", {}, out2, err2), 1);
  const std::string bad = (dir / "bad.rules").string();
  EXPECT_EQ(err2.str(), bad + ":2:14: unknown zone 'b'\n" + bad +
                            ":3:7: rule id 1 is already used at " + bad + ":2\n");
  EXPECT_EQ(out2.str(), "");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace limen::rules
