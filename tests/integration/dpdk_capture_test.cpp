// --dpdk as a user meets it without a NIC or hugepages: DPDK's pcap driver replays a capture
// through the EAL, and the probe must report exactly what `-r` reports for the same file.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/integration/binaries.h"
#include "tests/support/process.h"

namespace limen::testing {
namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The events of a run without what differs between two runs of one capture: the run id, the
// sequence numbers, and the stats events (which name the capture source).
std::vector<std::string> comparable_events(const std::string& eve, std::string& stats) {
  std::vector<std::string> out;
  std::istringstream in(eve);
  for (std::string line; std::getline(in, line);) {
    if (line.find("\"event_type\":\"stats\"") != std::string::npos) {
      stats = line;
      continue;
    }
    for (const char* key : {"\"run\":", "\"seq\":"}) {
      const auto at = line.find(key);
      if (at == std::string::npos) continue;
      auto end = line.find_first_of(",}", at);
      if (end != std::string::npos && line[end] == ',') ++end;
      line.erase(at, end - at);
    }
    out.push_back(line);
  }
  return out;
}

std::string eal_args(const std::filesystem::path& capture) {
  return "--no-huge --no-pci -m 512 -l 0 --vdev net_pcap0,rx_pcap=" + capture.string();
}

void expect_same_as_replay(const std::filesystem::path& capture, const std::string& rules) {
  const auto dir = make_temp_dir("dpdk");
  const auto by_file = dir / "file.json";
  const auto by_dpdk = dir / "dpdk.json";
  auto r = run_process({probe_binary(), "-q", "-r", capture.string(), "--rules", rules, "--eve",
                        by_file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_process({probe_binary(), "-q", "--dpdk", eal_args(capture), "--idle-exit", "2",
                   "--rules", rules, "--eve", by_dpdk.string()});
#ifdef LIMEN_TEST_HAVE_DPDK
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("capturing on dpdk:0(net_pcap)"), std::string::npos) << r.err;
  std::string file_stats, dpdk_stats;
  const auto from_file = comparable_events(read_all(by_file), file_stats);
  const auto from_dpdk = comparable_events(read_all(by_dpdk), dpdk_stats);
  ASSERT_GT(from_file.size(), 10U);
  EXPECT_EQ(from_file, from_dpdk);
  // The port's own counters reach the stats event.
  EXPECT_NE(dpdk_stats.find("\"ports\":[{\"port\":0,\"driver\":\"net_pcap\",\"ipackets\":"),
            std::string::npos)
      << dpdk_stats;
  EXPECT_EQ(file_stats.find("\"ports\""), std::string::npos);
#else
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("built without DPDK"), std::string::npos) << r.err;
#endif
  std::filesystem::remove_all(dir);
}

TEST(DpdkCapture, PcapDriverGivesTheDemoFindingsOfReplay) {
  expect_same_as_replay(project_pcap("demo.pcap"), project_pcap("demo.rules").string());
}

TEST(DpdkCapture, PcapDriverGivesTheEventsOfReplayOnARealCapture) {
  LIMEN_REQUIRE_SHARED_PCAPS(shared);
  const auto capture = shared / "ics" / "ModbusTCP" / "ModbusTCP.pcap";
  ASSERT_TRUE(std::filesystem::exists(capture)) << capture;
  expect_same_as_replay(capture, project_pcap("demo.rules").string());
}

TEST(DpdkCapture, BadArgumentsAreNamed) {
  auto r = run_process({probe_binary(), "--dpdk", "--vdev 'net_pcap0", "--eve", "/dev/null"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--dpdk: unterminated single quote"), std::string::npos) << r.err;
  r = run_process({probe_binary(), "-r", project_pcap("demo.pcap").string(), "--idle-exit", "2",
                   "--eve", "/dev/null"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--idle-exit applies to live capture"), std::string::npos) << r.err;
  r = run_process({probe_binary(), "-r", project_pcap("demo.pcap").string(), "--dpdk", "",
                   "--eve", "/dev/null"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot be used together"), std::string::npos) << r.err;
#ifdef LIMEN_TEST_HAVE_DPDK
  r = run_process({probe_binary(), "--dpdk", "--no-huge --no-pci -m 512 -l 0 --bogus-option",
                   "--eve", "/dev/null"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--dpdk: EAL initialisation failed"), std::string::npos) << r.err;
  r = run_process({probe_binary(), "--dpdk", "--no-huge --no-pci -m 512 -l 0", "--eve",
                   "/dev/null"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--dpdk: the EAL found no port"), std::string::npos) << r.err;
  r = run_process({probe_binary(), "--dpdk",
                   "--no-huge --no-pci -m 512 -l 0 --vdev net_pcap0,rx_pcap=/nonexistent.pcap",
                   "--eve", "/dev/null"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("limen-probe: --dpdk: "), std::string::npos) << r.err;
#endif
}

}  // namespace
}  // namespace limen::testing
