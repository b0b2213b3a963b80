// Real EtherNet/IP captures from ../shared/pcaps/ics through the session. Expected numbers were
// taken from tshark (`tshark -r F -Y enip -T fields -e enip.command`, one value per
// encapsulation message, and `-e cip.sc` for the services) and by reading the frames.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dissectors/enip/enip_constants.h"
#include "dissectors/enip/enip_fields.h"
#include "dissectors/enip/enip_session.h"
#include "tests/dissectors/modbus/pcap_streams.h"
#include "tests/support/test_paths.h"

namespace limen::dissect::enip {
namespace {

using limen::testing::RecordingSink;

// Counts encapsulation messages per command, as tshark counts enip.command values.
class CountingSink : public RecordingSink {
 public:
  std::map<std::uint64_t, std::size_t> by_command;
  void on_transaction(const Transaction& t) override {
    RecordingSink::on_transaction(t);
    const auto* c = t.find(field_index(EnipField::Command));
    if (c != nullptr)
      by_command[c->number] += (t.has_request ? 1U : 0U) + (t.has_response ? 1U : 0U);
  }
};

struct FileRun {
  CountingSink sink;
  SessionCounters totals;
};

FileRun run_file(const std::filesystem::path& file) {
  FileRun run;
  for (const auto& conversation : limen::testing::tcp_conversations(file, kPort)) {
    EnipSession session;
    limen::testing::replay(conversation, session, run.sink);
    const auto& c = session.counters();
    run.totals.requests += c.requests;
    run.totals.responses += c.responses;
    run.totals.malformed += c.malformed;
    run.totals.out_of_sync += c.out_of_sync;
    run.totals.unanswered += c.unanswered;
  }
  return run;
}

std::size_t count_containing(const FileRun& run, const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(run.sink.transactions.begin(), run.sink.transactions.end(),
                    [&](const std::string& t) { return t.find(text) != std::string::npos; }));
}

std::string first_containing(const FileRun& run, const std::string& text) {
  for (const auto& t : run.sink.transactions)
    if (t.find(text) != std::string::npos) return t;
  return "(none)";
}

TEST(EnipPcap, StopAndStartPlc) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const FileRun stop = run_file(pcaps / "ics/EthernetIP/cip_stop_plc.pcap");
  ASSERT_EQ(stop.sink.transactions.size(), 1U);
  EXPECT_EQ(stop.sink.operations[0], Operation::Stop) << stop.sink.transactions[0];
  EXPECT_NE(stop.sink.transactions[0].find("service=7 service_name=stop class=142"),
            std::string::npos)
      << stop.sink.transactions[0];
  const FileRun start = run_file(pcaps / "ics/EthernetIP/cip_start_plc.pcap");
  ASSERT_EQ(start.sink.transactions.size(), 1U);
  EXPECT_EQ(start.sink.operations[0], Operation::Start) << start.sink.transactions[0];
  EXPECT_TRUE(stop.sink.anomalies.empty());
  EXPECT_TRUE(start.sink.anomalies.empty());
}

TEST(EnipPcap, SingleMessageCaptures) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  // tshark: 0x4c to class 0x8e instance 1 (then class 0x74), connected, sequence 7244.
  const FileRun unlock = run_file(pcaps / "ics/EthernetIP/cip_unlock_cpu.pcap");
  ASSERT_EQ(unlock.sink.transactions.size(), 1U);
  EXPECT_NE(unlock.sink.transactions[0].find("connection_id=486145 sequence=7244 service=76 "
                                             "service_name=object_specific class=142 instance=1"),
            std::string::npos)
      << unlock.sink.transactions[0];
  // tshark: a multiple service packet of 11 Get_Attribute_List (0x03), request and reply.
  const FileRun multi = run_file(pcaps / "ics/EthernetIP/cip-multiple-1.pcap");
  ASSERT_EQ(multi.sink.transactions.size(), 1U);
  EXPECT_NE(multi.sink.transactions[0].find("services=3,3,3,3,3,3,3,3,3,3,3,"), std::string::npos)
      << multi.sink.transactions[0];
  EXPECT_EQ(multi.sink.operations[0], Operation::Read);
  const FileRun reply = run_file(pcaps / "ics/EthernetIP/cip-multiple-2.pcap");
  ASSERT_EQ(reply.sink.transactions.size(), 1U);
  EXPECT_NE(reply.sink.transactions[0].find(" resp "), std::string::npos);
  EXPECT_NE(reply.sink.transactions[0].find("services=3,3,3,3,3,3,3,3,3,3,3,"), std::string::npos)
      << reply.sink.transactions[0];
  // tshark: a Set_Attribute_Single (0x10) reply.
  const FileRun set = run_file(pcaps / "ics/EthernetIP/cip-eth-set-2.pcap");
  ASSERT_EQ(set.sink.transactions.size(), 1U);
  EXPECT_EQ(set.sink.operations[0], Operation::Write) << set.sink.transactions[0];
}

TEST(EnipPcap, ListIdentity) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const FileRun run = run_file(pcaps / "ics/EthernetIP/enip_test.pcap");
  EXPECT_EQ(run.sink.by_command.at(0x63), 2U);  // tshark: two list_identity messages
  EXPECT_GE(count_containing(run, "discovery"), 1U);
}

TEST(EnipPcap, CommandCountsAgreeWithTshark) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const FileRun big = run_file(pcaps / "ics/EthernetIP/EthernetIP-CIP.pcap");
  EXPECT_EQ(big.sink.by_command.at(0x6F), 438U);
  EXPECT_EQ(big.sink.by_command.at(0x70), 8361U);
  EXPECT_EQ(big.totals.out_of_sync, 0U);
  EXPECT_EQ(big.totals.malformed, 0U);
  EXPECT_TRUE(big.sink.anomalies.empty()) << big.sink.anomalies.size() << " "
                                          << big.sink.anomalies.front();
  // tshark: 216 unconnected sends of Get_Attributes_All (0x01) to class 0xAC.
  EXPECT_GE(count_containing(big, "service=1 service_name=get_attributes_all class=172 "),
            216U)
      << first_containing(big, "routed=1");
  EXPECT_GE(count_containing(big, "routed=1"), 216U);
  const FileRun pccc = run_file(pcaps / "ics/CIP/cip_only.pcap");
  EXPECT_EQ(pccc.sink.by_command.at(0x6F), 9312U);
  EXPECT_EQ(pccc.sink.by_command.at(0x70), 9486U);
  EXPECT_EQ(pccc.totals.out_of_sync, 0U);
  EXPECT_EQ(pccc.totals.malformed, 0U);
  EXPECT_TRUE(pccc.sink.anomalies.empty()) << pccc.sink.anomalies.size() << " "
                                           << pccc.sink.anomalies.front();
  // tshark: 4673 send_rr_data requests but 4639 replies, 4764 connected requests but 4722
  // replies: 76 requests are never answered in this capture (one more reply is unmatched).
  EXPECT_GE(pccc.totals.unanswered, 76U);
  EXPECT_LE(pccc.totals.unanswered, 78U);
  // tshark: 9 forward opens (0x54) and 8 forward closes (0x4e), requests and replies.
  EXPECT_GE(count_containing(pccc, "service_name=forward_open"), 4U)
      << first_containing(pccc, "forward");
  EXPECT_GE(count_containing(pccc, "service_name=execute_pccc"), 9000U);
}

}  // namespace
}  // namespace limen::dissect::enip
