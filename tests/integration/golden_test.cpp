// Golden capture tests: each capture the project generates (pcaps/*.pcap) is replayed with the
// demo rules, and the EVE output must equal the checked-in baseline in golden/<name>.jsonl.
// Output is deterministic (packet time only, fixed probe name); the one volatile part is where the
// checkout lives, which appears in rule locations, so the source directory is replaced by "".
// Refresh after an intended change with
//   LIMEN_UPDATE_GOLDEN=1 ctest -R Golden
// and review the diff like code.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "tests/integration/binaries.h"
#include "tests/support/process.h"

namespace limen::testing {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, EveOutputMatchesBaseline) {
  const std::string name = GetParam();
  const auto capture = project_pcap(name + ".pcap");
  ASSERT_TRUE(std::filesystem::exists(capture)) << capture;
  auto r = run_process({probe_binary(), "-r", capture.string(), "--rules",
                        project_pcap("demo.rules").string(), "--name", "golden", "--eve", "-",
                        "--quiet", "--workers", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string prefix = source_dir().string() + "/";
  for (auto at = r.out.find(prefix); at != std::string::npos; at = r.out.find(prefix, at))
    r.out.erase(at, prefix.size());
  const auto baseline = source_dir() / "tests" / "integration" / "golden" / (name + ".jsonl");
  const char* update = std::getenv("LIMEN_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::filesystem::create_directories(baseline.parent_path());
    std::ofstream out(baseline);
    out << r.out;
    ASSERT_TRUE(out.flush()) << "cannot write " << baseline;
    GTEST_SKIP() << "baseline written: " << baseline;
  }
  ASSERT_TRUE(std::filesystem::exists(baseline))
      << "no baseline " << baseline << "; create it with LIMEN_UPDATE_GOLDEN=1";
  const std::string expected = slurp(baseline);
  if (r.out != expected) {
    // Show the first differing line, which is what a reviewer needs.
    std::istringstream a(r.out), b(expected);
    std::string la, lb;
    int n = 1;
    while (std::getline(a, la) && std::getline(b, lb) && la == lb) ++n;
    FAIL() << name << ": EVE output differs from " << baseline << " at line " << n
           << "\n  got:      " << la << "\n  expected: " << lb;
  }
}

INSTANTIATE_TEST_SUITE_P(Pcaps, Golden,
                         ::testing::Values("demo", "vlan", "fragments", "ipv6", "malformed"));

}  // namespace
}  // namespace limen::testing
