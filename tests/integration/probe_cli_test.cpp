// The probe's command line as a user meets it: clear one-line errors with the right exit codes,
// rules checking, damaged captures.

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "tests/integration/binaries.h"
#include "tests/support/process.h"

namespace limen::testing {
namespace {

int count_lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

TEST(ProbeCli, RulesCheckReportsEveryMistakeWithItsPlace) {
  const auto dir = make_temp_dir("cli");
  const auto file = (dir / "three.rules").string();
  std::ofstream(file) << "zone plc_cell critical 10.20.1.0/24\n"
                         "zone vendor  third-party 192.168.50.0/33\n"        // bad prefix
                         "allow 100 vendor -> plc_cel tcp/502 \"typo\"\n"     // unknown zone
                         "allow 101 vendor -> plc_cell tcp/70000\n";          // bad port
  auto r = run_process({probe_binary(), "rules", "check", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.err), 3) << r.err;
  const std::regex located("(^|\n)" + file + ":[0-9]+:[0-9]+: ");
  EXPECT_EQ(std::distance(std::sregex_iterator(r.err.begin(), r.err.end(), located),
                          std::sregex_iterator()),
            3)
      << r.err;
  EXPECT_NE(r.err.find(file + ":3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("plc_cell"), std::string::npos) << "suggests the right zone: " << r.err;
  std::filesystem::remove_all(dir);
}

TEST(ProbeCli, RulesCheckAcceptsTheDemoRules) {
  auto r = run_process({probe_binary(), "rules", "check", project_pcap("demo.rules").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("OK"), std::string::npos) << r.out;
}

TEST(ProbeCli, UnknownEventTypeIsNamed) {
  auto r = run_process({probe_binary(), "-r", project_pcap("demo.pcap").string(), "--eve",
                        "/dev/null", "--eve-types", "finding,flows"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("--eve-types"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"flows\""), std::string::npos) << r.err;
}

TEST(ProbeCli, EveTypesChooseWhatTheFileHoldsWithItsOwnSequence) {
  auto r = run_process({probe_binary(), "-r", project_pcap("demo.pcap").string(), "--rules",
                        project_pcap("demo.rules").string(), "--eve", "-", "--eve-types",
                        "finding,stats", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    const bool kind_ok = line.find("\"event_type\":\"finding\"") != std::string::npos ||
                         line.find("\"event_type\":\"stats\"") != std::string::npos;
    EXPECT_TRUE(kind_ok) << line;
    EXPECT_NE(line.find("\"seq\":" + std::to_string(n) + ","), std::string::npos) << line;
  }
  EXPECT_EQ(n, 11);  // the demo's 10 findings and the final stats
}

TEST(ProbeCli, MissingCaptureIsOneLineNamingTheFile) {
  auto r = run_process({probe_binary(), "-r", "/nonexistent/capture.pcap", "--eve", "/dev/null"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/capture.pcap"), std::string::npos) << r.err;
}

TEST(ProbeCli, InvalidRulesRefuseToStart) {
  const auto dir = make_temp_dir("cli");
  const auto file = (dir / "bad.rules").string();
  std::ofstream(file) << "allow 1 nowhere -> any\n";
  auto r = run_process({probe_binary(), "-r", project_pcap("demo.pcap").string(), "--rules", file,
                        "--eve", "/dev/null"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(file + ":1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("refusing to start"), std::string::npos) << r.err;
  std::filesystem::remove_all(dir);
}

TEST(ProbeCli, DamagedCaptureIsProcessedUpToTheDamage) {
  const auto dir = make_temp_dir("cli");
  const auto cut = dir / "cut.pcap";
  std::filesystem::copy_file(project_pcap("demo.pcap"), cut);
  std::filesystem::resize_file(cut, std::filesystem::file_size(cut) * 2 / 3 + 7);
  auto r = run_process({probe_binary(), "-r", cut.string(), "--eve", "/dev/null"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find(cut.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("  flows        0 "), std::string::npos) << "packets before the damage count";
  std::filesystem::remove_all(dir);
}

TEST(ProbeCli, UsageErrorsAndHelp) {
  auto none = run_process({probe_binary()});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("nothing to read"), std::string::npos) << none.err;
  auto both = run_process({probe_binary(), "-r", "x.pcap", "-i", "lo"});
  EXPECT_EQ(both.exit_code, 1);
  auto unknown = run_process({probe_binary(), "--frobnicate"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("frobnicate"), std::string::npos);
  auto help = run_process({probe_binary(), "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--rules"), std::string::npos);
  auto version = run_process({probe_binary(), "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("limen-probe "), std::string::npos);
}

TEST(ProbeCli, ConfigFileUsesTheSameOptionNames) {
  const auto dir = make_temp_dir("cli");
  const auto conf = dir / "probe.conf";
  const auto eve = dir / "eve.json";
  std::ofstream(conf) << "# replay the demo capture\nread = " << project_pcap("demo.pcap").string()
                      << "\nrules = " << project_pcap("demo.rules").string()
                      << "\neve = " << eve.string() << "\nname = from-config\nquiet = true\n";
  auto r = run_process({probe_binary(), "--config", conf.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(eve);
  std::string first;
  std::getline(in, first);
  EXPECT_NE(first.find("\"probe\":\"from-config\""), std::string::npos) << first;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace limen::testing
