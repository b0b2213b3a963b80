// A SPAN port that drops packets must be visible: remove one Modbus request from the demo
// capture and the probe must report exactly its bytes as acknowledged-but-unseen, on the flow
// and on the flow's zone pair.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/integration/binaries.h"
#include "tests/support/process.h"

namespace limen::testing {
namespace {

TEST(CaptureLoss, DroppedSegmentIsReportedOnTheFlowAndItsZonePair) {
  const std::string editcap = "/usr/bin/editcap";  // from tshark's package, installed by setup
  ASSERT_TRUE(std::filesystem::exists(editcap)) << "scripts/setup installs tshark (editcap)";
  const auto dir = make_temp_dir("loss");
  const auto lossy = (dir / "lossy.pcap").string();
  // Frame 17 of demo.pcap is the HMI's second Modbus request (12 bytes of TCP payload), which
  // the PLC acknowledges and answers.
  auto cut = run_process({editcap, project_pcap("demo.pcap").string(), lossy, "17"});
  ASSERT_EQ(cut.exit_code, 0) << cut.err;
  auto r = run_process({probe_binary(), "-r", lossy, "--rules", project_pcap("demo.rules").string(),
                        "--eve", "-", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  bool flow_seen = false, pair_seen = false;
  while (std::getline(lines, line)) {
    const auto e = nlohmann::json::parse(line);
    if (e["event_type"] == "flow" && e["src_port"] == 50211 && e["dest_port"] == 502) {
      EXPECT_EQ(e["flow"]["capture_loss"]["acked_unseen_bytes"], 12) << line;
      EXPECT_EQ(e["flow"]["capture_loss"]["gaps"], 1) << line;
      flow_seen = true;
    }
    if (e["event_type"] != "stats") continue;
    for (const auto& z : e["stats"]["capture_loss"]) {
      if (z["src_zone"] == "scada" && z["dest_zone"] == "plc_cell") {
        EXPECT_EQ(z["acked_unseen_bytes"], 12);
        EXPECT_GT(z["loss_ratio"].get<double>(), 0.0);
        pair_seen = true;
      } else {
        EXPECT_EQ(z["acked_unseen_bytes"], 0) << "loss reported where nothing was dropped";
      }
    }
  }
  EXPECT_TRUE(flow_seen);
  EXPECT_TRUE(pair_seen);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace limen::testing
