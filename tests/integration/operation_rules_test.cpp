// Rules that reach into transactions, end to end: a third-party zone may only read from the PLC
// zone. Replaying the labelled write/stop/download/restart captures must put `unauthorized
// operation` findings in the collector; replaying the read-only captures must put none there.

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/integration/binaries.h"
#include "tests/support/process.h"

namespace limen::testing {
namespace {

struct Case {
  const char* probe;    // probe name: one run per capture
  const char* capture;  // under ics/
  bool changes_plc;     // the capture writes, stops, downloads or restarts
};

const Case kCases[] = {
    {"s7-stop", "s7/snap7_s300_stop.pcapng", true},
    {"s7-download", "s7/step7_s300_download.pcapng", true},
    {"dnp3-cold-restart", "dnp3/cold_restart_and_response.pcap", true},
    {"dnp3-write", "dnp3/write_binary_output.pcap", true},
    {"cip-stop", "EthernetIP/cip_stop_plc.pcap", true},
    {"modbus-write", "ModbusTCP/Modbus/modbus_test.pcap", true},
    {"s7-read", "s7/snap7_s300_readVar.pcapng", false},
    {"dnp3-read", "dnp3/read_and_response.pcap", false},
    {"dnp3-dataset", "dnp3/dataset_exchange.pcap", false},
    {"bacnet-read", "BACnet/bacnet_test.pcap", false},
};

constexpr const char* kRules = R"(# The vendor may look, never touch.
zone plc    critical    134.249.61.163, 134.249.61.182, 192.168.60.130, 192.168.1.30, \
                        192.168.81.1, 192.168.77.235, 192.168.0.20, 10.1.1.165
zone vendor third-party 0.0.0.0/0
allow 10 vendor -> plc any if operation in {read, discovery, diagnostic, session, report} \
      "the vendor may only read"
default deny severity medium
)";

TEST(OperationRules, ReadOnlyVendorZoneFlagsChangesAndNothingElse) {
  LIMEN_REQUIRE_SHARED_PCAPS(shared);
  const auto dir = make_temp_dir("oprules");
  const auto rules = (dir / "read-only.rules").string();
  std::ofstream(rules) << kRules;
  const auto db = (dir / "findings.db").string();
  BackgroundProcess collector(
      {collector_binary(), "--listen", "tcp://127.0.0.1:*", "--db", db, "--insecure"});
  const auto listening = collector.wait_for_stdout_line("listening on", std::chrono::seconds(20));
  ASSERT_FALSE(listening.empty()) << "the collector did not start";
  const auto from = listening.find("tcp://");
  const std::string endpoint = listening.substr(from, listening.find(',', from) - from);

  for (const auto& c : kCases) {
    auto r = run_process({probe_binary(), "-r", (shared / "ics" / c.capture).string(), "--rules",
                          rules, "--name", c.probe, "--collector", endpoint, "--insecure", "--quiet",
                          "--spool", (dir / "spool").string()});
    ASSERT_EQ(r.exit_code, 0) << c.capture << ": " << r.err;
  }
  collector.send_signal(SIGTERM);
  ASSERT_EQ(collector.wait(std::chrono::seconds(60)).exit_code, 0);

  for (const auto& c : kCases) {
    auto q = run_process({collector_binary(), "query", "--db", db, "--json", "--limit", "0",
                          "--probe", c.probe});
    ASSERT_EQ(q.exit_code, 0) << q.err;
    std::istringstream lines(q.out);
    std::string line;
    int unauthorized_operations = 0;
    while (std::getline(lines, line)) {
      const auto e = nlohmann::json::parse(line);
      if (e["finding"]["kind"] != "unauthorized_operation") continue;
      ++unauthorized_operations;
      EXPECT_EQ(e["finding"]["rule_id"], 10) << line;
      const std::string op = e["operation"];
      for (const char* allowed : {"read", "discovery", "diagnostic", "session", "report"})
        EXPECT_NE(op, allowed) << c.capture << ": an allowed operation was flagged: " << line;
    }
    if (c.changes_plc)
      EXPECT_GT(unauthorized_operations, 0) << c.capture << ": no unauthorized operation stored";
    else
      EXPECT_EQ(unauthorized_operations, 0) << c.capture << ": a read-only capture was flagged";
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace limen::testing
