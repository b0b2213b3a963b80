// The number of workers must not change what the probe reports. Each capture (the project's
// own, and a mix of real industrial and IT ones from ../shared/pcaps) is replayed with 1, 2 and
// 4 workers; the events must be the same, as a set: only the order in which different workers'
// events reach the output may differ, and with it each event's "seq". Stats events are compared
// too, less what depends on that order or on the split itself: the outputs' counts at the moment
// an event was written, the number of workers, and the peaks (with several workers a peak is
// the sum of each worker's, docs/events.md).

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/integration/binaries.h"
#include "tests/support/process.h"

namespace limen::testing {
namespace {

std::vector<std::string> normalised_events(const std::string& eve) {
  std::vector<std::string> out;
  std::istringstream in(eve);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto e = nlohmann::json::parse(line);
    e.erase("seq");
    if (e.value("event_type", "") == "stats") {
      auto& s = e["stats"];
      s.erase("outputs");
      s["capture"].erase("workers");
      s["flow"].erase("peak");
      s["app_layer"].erase("classifying_peak");
    }
    out.push_back(e.dump());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> replay(const std::filesystem::path& capture, int workers) {
  const auto r = run_process({probe_binary(), "-r", capture.string(), "--rules",
                              project_pcap("demo.rules").string(), "--name", "workers", "--eve",
                              "-", "--quiet", "--workers", std::to_string(workers)});
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 3) << capture << ": " << r.err;
  return normalised_events(r.out);
}

void expect_same_for_any_worker_count(const std::filesystem::path& capture) {
  const auto one = replay(capture, 1);
  ASSERT_FALSE(one.empty()) << capture;
  for (int workers : {2, 4}) {
    const auto many = replay(capture, workers);
    std::vector<std::string> only_one, only_many;
    std::set_difference(one.begin(), one.end(), many.begin(), many.end(),
                        std::back_inserter(only_one));
    std::set_difference(many.begin(), many.end(), one.begin(), one.end(),
                        std::back_inserter(only_many));
    EXPECT_TRUE(only_one.empty() && only_many.empty())
        << capture << " with " << workers << " workers: " << only_one.size()
        << " events only with 1 worker, " << only_many.size() << " only with " << workers
        << (only_one.empty() ? "" : "\n  first only with 1: " + only_one.front())
        << (only_many.empty() ? "" : "\n  first only with N: " + only_many.front());
  }
}

class WorkerCountProjectCapture : public ::testing::TestWithParam<std::string> {};

TEST_P(WorkerCountProjectCapture, SameEventsForAnyNumberOfWorkers) {
  expect_same_for_any_worker_count(project_pcap(GetParam() + ".pcap"));
}

INSTANTIATE_TEST_SUITE_P(Pcaps, WorkerCountProjectCapture,
                         ::testing::Values("demo", "vlan", "fragments", "ipv6", "malformed"));

TEST(WorkerCountSharedCaptures, SameEventsForAnyNumberOfWorkers) {
  LIMEN_REQUIRE_SHARED_PCAPS(shared);
  // Many flows and hosts, long TCP conversations, fragments, GOOSE, damaged records.
  for (const char* name :
       {"ics/bro/modbus/modbusBig.pcap", "ics/ModbusTCP/mb2.pcap",
        "ics/EthernetIP/EthernetIP-CIP.pcap", "ics/s7/S7Comm/wrapup.pcapng",
        "ics/C37.118/C37118/c37_pmu_unclean.pcap", "ics/IEC61850/Sample_File_MMS_and_GOOSE.pcap",
        "it/pcap/1kxun.pcap", "it/pcap/netflix.pcap", "it/pcap/ip_fragmented_garbage.pcap",
        "it/pcap/dns_fragmented.pcap"}) {
    const auto capture = shared / name;
    ASSERT_TRUE(std::filesystem::exists(capture)) << capture;
    expect_same_for_any_worker_count(capture);
  }
}

}  // namespace
}  // namespace limen::testing
