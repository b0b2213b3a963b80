// Replays every capture under ../shared/pcaps (about 850 files of many link types, some
// truncated or malformed on purpose) through the real limen-probe binary. Each must end without
// a crash or sanitizer report, and either yield flows or say in one line why it could not be
// read. Runs two probes at a time, every other one with three workers.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <regex>
#include <thread>

#include "tests/integration/binaries.h"
#include "tests/support/process.h"

namespace limen::testing {
namespace {

bool is_capture(const std::filesystem::path& p) {
  auto ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".pcap" || ext == ".pcapng" || ext == ".cap";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// "  flows        123 (at most ..." in the summary.
long flows_in_summary(const std::string& err) {
  static const std::regex re(R"(\n  flows +([0-9,]+) )");
  std::smatch m;
  if (!std::regex_search(err, m, re)) return -1;
  std::string digits = m[1];
  digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
  return std::stol(digits);
}

TEST(ReplaySharedCaptures, EveryCaptureEndsCleanlyWithFlowsOrAReason) {
  LIMEN_REQUIRE_SHARED_PCAPS(shared);
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared))
    if (e.is_regular_file() && is_capture(e.path())) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 800U) << "expected the ~850 shared captures";
  const auto rules = source_dir() / "pcaps" / "demo.rules";

  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::size_t with_flows = 0, without_flows = 0, unreadable = 0, damaged = 0;
  std::vector<std::string> failures;
  auto worker = [&] {
    for (std::size_t i = next++; i < files.size(); i = next++) {
      const auto& f = files[i];
      // Every other capture with three workers: the hostile ones through the worker threads too.
      auto r = run_process({probe_binary(), "-r", f.string(), "--rules", rules.string(), "--eve",
                            "/dev/null", "--name", "replay-all", "--workers",
                            i % 2 == 0 ? "1" : "3"},
                           std::chrono::seconds(300));
      std::string problem;
      const bool sanitizer = r.err.find("AddressSanitizer") != std::string::npos ||
                             r.err.find("runtime error:") != std::string::npos ||
                             r.err.find("LeakSanitizer") != std::string::npos;
      const long flows = flows_in_summary(r.err);
      std::lock_guard lock(mu);
      if (r.timed_out) {
        problem = "timed out";
      } else if (r.signal != 0) {
        problem = "killed by signal " + std::to_string(r.signal);
      } else if (sanitizer) {
        problem = "sanitizer report";
      } else if (r.exit_code == 2) {
        // Could not be read at all: exactly one line, naming the file.
        const auto ls = lines_of(r.err);
        if (ls.size() != 1 || ls[0].find(f.string()) == std::string::npos)
          problem = "exit 2 without a one-line reason naming the file";
        ++unreadable;
      } else if (r.exit_code == 3) {
        if (r.err.find(f.string()) == std::string::npos) problem = "damage not reported by name";
        ++damaged;
      } else if (r.exit_code != 0) {
        problem = "exit code " + std::to_string(r.exit_code);
      } else if (flows > 0) {
        ++with_flows;
      } else if (flows == 0 && r.err.find("no IP flows") != std::string::npos) {
        ++without_flows;
      } else {
        problem = "no flows and no reason";
      }
      if (!problem.empty())
        failures.push_back(f.string() + ": " + problem + "\n" + r.err.substr(0, 2000));
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
  std::cout << "[          ] " << files.size() << " captures: " << with_flows << " with flows, "
            << without_flows << " without IP flows, " << damaged << " damaged part-way, "
            << unreadable << " unreadable\n";
  EXPECT_GT(with_flows, files.size() * 8 / 10);
}

}  // namespace
}  // namespace limen::testing
