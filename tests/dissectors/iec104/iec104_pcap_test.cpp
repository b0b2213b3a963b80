// Real IEC 104 captures from ../shared/pcaps/ics/IEC60870-5-104 through the session. Expected
// numbers are tshark's (`-Y iec60870_asdu -T fields -e iec60870_asdu.typeid`, and
// `-e iec60870_104.utype` for U frames), checked by hand.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "dissectors/iec104/iec104_constants.h"
#include "dissectors/iec104/iec104_fields.h"
#include "dissectors/iec104/iec104_session.h"
#include "tests/dissectors/modbus/pcap_streams.h"
#include "tests/support/test_paths.h"

namespace limen::dissect::iec104 {
namespace {

class TallySink : public limen::testing::RecordingSink {
 public:
  std::map<std::string, std::size_t> tally;  // "45" per type id, "u:startdt_act" per U frame
  void on_transaction(const Transaction& t) override {
    RecordingSink::on_transaction(t);
    if (const auto* v = t.find(field_index(Iec104Field::TypeId)); v != nullptr)
      ++tally[std::to_string(v->number)];
    if (const auto* v = t.find(field_index(Iec104Field::UFunction)); v != nullptr)
      ++tally["u:" + std::string(t.text(*v))];
  }
};

TallySink run_file(const std::filesystem::path& file) {
  TallySink sink;
  for (const auto& conversation : limen::testing::tcp_conversations(file, kPort)) {
    Iec104Session session;
    limen::testing::replay(conversation, session, sink);
  }
  return sink;
}

std::string describe(const TallySink& s) {
  std::string out;
  for (const auto& [k, n] : s.tally) out += k + "=" + std::to_string(n) + " ";
  return out;
}

std::size_t count_containing(const TallySink& s, const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(s.transactions.begin(), s.transactions.end(),
                    [&](const std::string& t) { return t.find(text) != std::string::npos; }));
}

// Type-id and U-function tallies identical to tshark's on the well-formed captures.
TEST(Iec104Pcap, TypeIdsAgreeWithTshark) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const auto dir = pcaps / "ics/IEC60870-5-104";
  EXPECT_EQ(describe(run_file(dir / "090813_diverse.pcap")),
            "1=1 100=3 13=14 30=8 45=5 46=6 50=10 58=5 59=10 61=5 63=5 u:testfr_act=2 "
            "u:testfr_con=2 ");
  EXPECT_EQ(describe(run_file(dir / "JavaRMI_and_IEC_Misc.pcap")),
            "1=21 100=63 11=21 3=21 70=2 u:startdt_act=2 u:startdt_con=2 u:testfr_act=29 "
            "u:testfr_con=29 ");
  // Wireshark's own test file: tshark also decodes 24 and 26 out of deliberately broken
  // segments, which we skip as garbage (counted as violations below).
  const TallySink test = run_file(dir / "TestDissectIec104.pcap");
  EXPECT_EQ(describe(test),
            "1=1 100=3 103=2 3=1 30=1 45=7 46=2 70=2 u:startdt_act=6 u:startdt_con=6 "
            "u:testfr_act=7 u:testfr_con=7 ");
  EXPECT_EQ(std::count(test.anomalies.begin(), test.anomalies.end(),
                       "APCI start octet not 0x68 (violation)"),
            9);
}

TEST(Iec104Pcap, CommandsSetpointsAndClockSync) {
  LIMEN_REQUIRE_SHARED_PCAPS(pcaps);
  const auto dir = pcaps / "ics/IEC60870-5-104";
  const TallySink diverse = run_file(dir / "090813_diverse.pcap");
  // A select-before-operate float setpoint on IOA 5020: select confirmed, then executed.
  EXPECT_EQ(count_containing(diverse, "write resp frame=i tx_seq=91 rx_seq=29 type_id=50 "
                                      "type=C_SE_NC_1 category=control sq=0 objects=1 cot=7 "
                                      "cause=activation_con negative=0 test=0 originator=0 "
                                      "common_address=3 qualifier=128 select=1 ioa=5020,"),
            1U);
  // tshark, client to 2404: C_SC_NA_1 x2, C_DC_NA_1 x2, C_SC_TA_1 x2, C_DC_TA_1 x4 (all COT 6).
  EXPECT_EQ(count_containing(diverse, "control req"), 10U);
  EXPECT_EQ(count_containing(diverse, "write req"), 8U);  // setpoints 50 x4, 61 x2, 63 x2
  EXPECT_EQ(std::count(diverse.operations.begin(), diverse.operations.end(), Operation::Control),
            26);  // 45, 46, 58, 59: activations, confirmations, terminations
  const TallySink test = run_file(dir / "TestDissectIec104.pcap");
  EXPECT_EQ(count_containing(test, "write req frame=i tx_seq=6 rx_seq=11 type_id=103 "
                                   "type=C_CS_NA_1 category=system_control"),
            1U);
  EXPECT_EQ(count_containing(test, "read resp frame=i tx_seq=3 rx_seq=1 type_id=3 "
                                   "type=M_DP_NA_1 category=monitor sq=1 objects=3 cot=20 "
                                   "cause=interrogated_by_station"),
            1U);
  EXPECT_NE(count_containing(test, "ioa=20010,20011,20012,"), 0U);
  const TallySink rmi = run_file(dir / "JavaRMI_and_IEC_Misc.pcap");
  EXPECT_EQ(count_containing(rmi, "report resp frame=i"), 21U + 2U);  // spontaneous + end of init
  EXPECT_EQ(count_containing(rmi, "cause=interrogated_by_station"), 42U);
}

}  // namespace
}  // namespace limen::dissect::iec104
